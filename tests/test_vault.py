"""The evidence vault: round trips, tampering, startup repair, keys, interoperability, no plaintext at rest."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import pyrage
import pytest

from clinicguard.core import agefile, keys
from clinicguard.core.audit import AuditTrail
from clinicguard.core.vault import (
    EvidenceDamaged,
    EvidenceMissing,
    OperationCancelled,
    PrivateTemp,
    Vault,
    VaultError,
    safe_file_name,
)
from clinicguard.core.workspace import Workspace
from clinicguard.model.errors import KeyUnavailable, NotFound, PermissionDenied
from clinicguard.model.evidence import Integrity, StartupReport
from clinicguard.model.people import Actor, Role
from clinicguard.store.evidence_store import EvidenceStore

from tests.conftest import MANAGER, MANAGER_SECRET

KIB, MIB = 1024, 1024 * 1024


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def out_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def clinic(tmp_path, small_catalogue):
    """A clinic whose recovery key the test keeps."""
    ws, recovery = Workspace.create(
        tmp_path / "clinic2", clinic_name="Cabinet Récup", structure="group-practice",
        manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue,
    )
    yield ws, recovery, ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.close()


# ---- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * MIB + 7])
def test_round_trip_at_edge_sizes(workspace, manager, tmp_path, out_dir, size):
    data = os.urandom(size)
    source = write(tmp_path / "piece.bin", data)
    ev = workspace.vault.add(manager, source, title="Pièce")
    assert ev.size == size and ev.sha256 == hashlib.sha256(data).hexdigest()
    exported = workspace.vault.export(manager, ev.id, out_dir)
    assert exported.read_bytes() == data
    assert exported.name == "piece.bin"


def test_round_trip_random_sizes(workspace, manager, tmp_path, out_dir):
    rng = random.Random(6)
    for n in range(12):
        data = rng.randbytes(rng.randint(0, 400 * KIB))
        ev = workspace.vault.add(manager, write(tmp_path / f"f{n}.dat", data))
        assert workspace.vault.export(manager, ev.id, out_dir / f"copy{n}.dat").read_bytes() == data
    assert workspace.vault.verify().ok


def test_blob_is_standard_age_file_named_at_random(workspace, manager, tmp_path):
    ev = workspace.vault.add(manager, write(tmp_path / "Charte informatique.pdf", b"%PDF-1.4 charte"))
    blob = workspace.vault.blob_path(ev.blob)
    assert blob.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert "Charte" not in blob.name and ev.blob in blob.name
    assert blob.read_bytes().count(b"-> X25519 ") == 2  # clinic key and recovery key
    assert ev.media_type == "application/pdf" and ev.original_name == "Charte informatique.pdf"


# ---- tampering ----------------------------------------------------------------------------------
@pytest.fixture
def tamper_case(workspace, manager, tmp_path):
    data = os.urandom(150 * KIB)  # three payload chunks
    ev = workspace.vault.add(manager, write(tmp_path / "certificat.pdf", data))
    blob = workspace.vault.blob_path(ev.blob)
    return workspace, manager, ev, blob, blob.read_bytes()


def refused_and_nothing_left(ws, actor, ev, out_dir) -> None:
    with pytest.raises(EvidenceDamaged):
        ws.vault.export(actor, ev.id, out_dir)
    assert files_in(out_dir) == []
    assert ws.vault.verify().files[0].state is Integrity.DAMAGED


def test_single_bit_flips_in_header_mac_and_payload_are_refused(tamper_case, out_dir):
    ws, actor, ev, blob, original = tamper_case
    mac_line = original.index(b"\n--- ") + 1
    header_end = original.index(b"\n", mac_line) + 1
    rng = random.Random(1)
    offsets = sorted(
        set(rng.sample(range(0, mac_line), 25))  # intro and both recipient stanzas
        | set(range(mac_line + 4, header_end - 1, 3))  # the header MAC
        | set(range(header_end, header_end + 16))  # the payload nonce
        | set(rng.sample(range(header_end + 16, len(original)), 25))  # chunks and their tags
        | {len(original) - 1}
    )
    assert len(offsets) > 70
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= 1 << rng.randrange(8)
        blob.write_bytes(bytes(damaged))
        refused_and_nothing_left(ws, actor, ev, out_dir)
    blob.write_bytes(original)
    assert ws.vault.verify().ok


def test_truncations_and_trailing_bytes_are_refused(tamper_case, out_dir):
    ws, actor, ev, blob, original = tamper_case
    chunk = 65536 + 16
    header_end = original.index(b"\n", original.index(b"\n--- ") + 1) + 1
    offsets = {0, 1, 20, header_end - 1, header_end, header_end + 16, header_end + 16 + chunk,
               header_end + 16 + 2 * chunk, len(original) - 1}
    offsets |= set(random.Random(2).sample(range(len(original)), 30))
    for cut in sorted(offsets):
        blob.write_bytes(original[:cut])
        refused_and_nothing_left(ws, actor, ev, out_dir)
    blob.write_bytes(original + b"\x00")
    refused_and_nothing_left(ws, actor, ev, out_dir)


def test_swapped_blobs_are_refused(workspace, manager, tmp_path, out_dir, small_catalogue):
    vault = workspace.vault
    a = vault.add(manager, write(tmp_path / "a.txt", b"A" * 5000))
    b = vault.add(manager, write(tmp_path / "b.txt", b"B" * 5000))
    path_a, path_b = vault.blob_path(a.blob), vault.blob_path(b.blob)
    bytes_a, bytes_b = path_a.read_bytes(), path_b.read_bytes()
    path_a.write_bytes(bytes_b)
    path_b.write_bytes(bytes_a)
    for ev in (a, b):
        with pytest.raises(EvidenceDamaged):
            vault.export(manager, ev.id, out_dir)
    assert files_in(out_dir) == []
    # A valid age file from another clinic (other keys) is refused too.
    other, _ = Workspace.create(tmp_path / "other", clinic_name="Autre", structure="group-practice",
                                manager_name="Paul", manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    paul = other.people.sign_in("Paul", MANAGER_SECRET)
    foreign = other.vault.add(paul, write(tmp_path / "c.txt", b"A" * 5000))
    path_a.write_bytes(other.vault.blob_path(foreign.blob).read_bytes())
    with pytest.raises(EvidenceDamaged):
        vault.export(manager, a.id, out_dir)
    assert files_in(out_dir) == []
    assert [f.state for f in vault.verify().files] == [Integrity.DAMAGED, Integrity.DAMAGED]
    other.close()


# ---- verify -------------------------------------------------------------------------------------
def test_verify_reports_each_file_with_progress(workspace, manager, tmp_path):
    vault = workspace.vault
    intact = vault.add(manager, write(tmp_path / "ok.txt", os.urandom(3 * MIB)))
    damaged = vault.add(manager, write(tmp_path / "bad.txt", os.urandom(2 * MIB)))
    missing = vault.add(manager, write(tmp_path / "gone.txt", os.urandom(1000)))
    raw = bytearray(vault.blob_path(damaged.blob).read_bytes())
    raw[-100] ^= 0x10
    vault.blob_path(damaged.blob).write_bytes(bytes(raw))
    vault.blob_path(missing.blob).unlink()
    seen = []
    report = vault.verify(progress=lambda done, total: seen.append((done, total)))
    states = {f.evidence.id: f.state for f in report.files}
    assert states == {intact.id: Integrity.INTACT, damaged.id: Integrity.DAMAGED, missing.id: Integrity.MISSING}
    assert not report.ok
    assert len(seen) > 3
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (5 * MIB + 1000, 5 * MIB + 1000)
    assert vault.store.get(missing.id) is not None  # verify never deletes a record


def test_verify_can_be_cancelled(workspace, manager, tmp_path):
    for n in range(3):
        workspace.vault.add(manager, write(tmp_path / f"{n}.bin", os.urandom(2 * MIB)))
    calls = []

    def cancelled():  # asked once per MiB decrypted: stops in the second file of three
        calls.append(1)
        return len(calls) > 3

    report = workspace.vault.verify(cancelled=cancelled)
    assert report.cancelled and not report.ok
    assert len(report.files) < 3


def test_cancelled_ingest_keeps_nothing(workspace, manager, tmp_path):
    source = write(tmp_path / "big.bin", os.urandom(3 * MIB))
    calls = []
    with pytest.raises(OperationCancelled):
        # asked once per MiB read: the second MiB of three is refused
        workspace.vault.add(manager, source, cancelled=lambda: calls.append(1) or len(calls) > 1)
    assert files_in(workspace.vault.folder) == []
    assert workspace.vault.store.all() == []


# ---- startup check ------------------------------------------------------------------------------
def test_startup_check_repairs_what_a_crash_leaves(workspace, manager, tmp_path):
    vault = workspace.vault
    kept = vault.add(manager, write(tmp_path / "kept.txt", b"kept" * 100))
    lost = vault.add(manager, write(tmp_path / "lost.txt", b"lost" * 100))
    (vault.folder / "0123456789abcdef0123456789abcdef.age.part").write_bytes(b"age-encryption.org/v1\n-> half")
    orphan = vault.folder / "fedcba9876543210fedcba9876543210.age"
    orphan.write_bytes(vault.blob_path(kept.blob).read_bytes())
    vault.blob_path(lost.blob).unlink()

    reopened = Workspace.open(workspace.data_dir, catalogue=workspace.catalogue)
    # Opening the clinic and building its vault moves nothing: the check is an explicit step.
    assert reopened.vault.store.get(kept.id) is not None and orphan.exists()
    assert not reopened.vault.startup_report.needs_attention
    report = reopened.vault.check()
    assert reopened.vault.startup_report == report
    assert report.parts_removed == ("0123456789abcdef0123456789abcdef.age.part",)
    assert report.quarantined == (orphan.name,)
    assert (vault.quarantine_folder / orphan.name).exists() and not orphan.exists()
    assert [ev.id for ev in report.missing] == [lost.id]
    assert report.database_ok and report.needs_attention
    assert any("lost.txt" in line for line in report.messages())
    assert reopened.vault.store.get(lost.id) is not None  # never deleted silently
    assert not list(vault.folder.glob("*.part"))
    with pytest.raises(EvidenceMissing):
        reopened.vault.export(manager, lost.id, tmp_path)
    reopened.close()


def test_startup_check_leaves_an_ingest_in_progress_alone(workspace, manager, tmp_path):
    staged = workspace.vault.stage(manager, write(tmp_path / "slow.txt", b"slow" * 1000))
    other = Workspace.open(workspace.data_dir, catalogue=workspace.catalogue)
    assert other.vault.check().quarantined == ()
    assert workspace.vault.blob_path(staged.blob).exists()
    ev = workspace.vault.record(manager, staged, items=["GOV-ROLES-01"])
    assert other.vault.verify().ok and other.vault.store.get(ev.id) is not None
    assert not list(workspace.vault.folder.glob("*.lock"))
    other.close()


def test_failed_record_leaves_no_blob(workspace, manager, tmp_path):
    with pytest.raises(NotFound):
        workspace.vault.add(manager, write(tmp_path / "x.txt", b"x"), items=["NO-SUCH-ITEM"])
    staged = workspace.vault.stage(manager, write(tmp_path / "y.txt", b"y"))
    with pytest.raises(NotFound):
        workspace.vault.record(manager, staged, items=["NO-SUCH-ITEM"])
    assert files_in(workspace.vault.folder) == []


# ---- records, links, permissions, tombstones --------------------------------------------------------
def test_one_file_backs_several_items_and_actions(workspace, manager, tmp_path):
    vault = workspace.vault
    first = workspace.plan.create_action(manager, title="Faire signer la charte").id
    second = workspace.plan.create_action(manager, title="Former l'équipe").id
    ev = vault.add(manager, write(tmp_path / "charte.pdf", b"%PDF charte"), title="Charte informatique signée",
                   description="Signée par tout le cabinet", items=["GOV-ROLES-01", "SEC-BACKUP-01"],
                   actions=[first], valid_from="01/09/2026", expires_on="2027-09-01")
    assert ev.items == ("GOV-ROLES-01", "SEC-BACKUP-01") and ev.actions == (first,)
    assert ev.valid_from == "2026-09-01" and ev.added_by_name == MANAGER
    ev = vault.link(manager, ev.id, items=["SEC-BACKUP-02"], actions=[second])
    assert ev.items == ("GOV-ROLES-01", "SEC-BACKUP-01", "SEC-BACKUP-02") and ev.actions == (first, second)
    assert vault.store.get(ev.id) == ev
    with pytest.raises(NotFound):
        vault.link(manager, ev.id, actions=[999])
    assert vault.store.counts_by_item() == {"GOV-ROLES-01": 1, "SEC-BACKUP-01": 1, "SEC-BACKUP-02": 1}
    ev = vault.unlink(manager, ev.id, items=["GOV-ROLES-01"])
    assert "GOV-ROLES-01" not in ev.items
    with pytest.raises(NotFound):
        vault.link(manager, ev.id, items=["NOPE"])
    with pytest.raises(VaultError):
        vault.update(manager, ev.id, expires_on="2020-01-01")
    assert vault.update(manager, ev.id, title="Charte v2").title == "Charte v2"
    # Saving again without a change (the GUI's edit dialog "OK") writes no audit entry.
    assert vault.update(manager, ev.id, title=" Charte v2 ", expires_on="2027-09-01") == vault.get(ev.id)
    assert vault.unlink(manager, ev.id, items=["GOV-ROLES-01"]).items == ("SEC-BACKUP-01", "SEC-BACKUP-02")
    entries = workspace.audit.search(kind="evidence")
    assert [e.kind for e in entries] == ["evidence.add", "evidence.link", "evidence.unlink", "evidence.update"]
    assert entries[-1].after == {"title": "Charte v2"}


def test_permissions(workspace, manager, tmp_path):
    source = write(tmp_path / "a.txt", b"a")
    accountant = Actor(manager.id, "Mme Roux", Role.ACCOUNTANT)
    practitioner = Actor(manager.id, "Dr Karim", Role.PRACTITIONER)
    with pytest.raises(PermissionDenied):
        workspace.vault.add(accountant, source)
    with pytest.raises(PermissionDenied):
        workspace.vault.add(None, source)
    ev = workspace.vault.add(practitioner, source)
    with pytest.raises(PermissionDenied):
        workspace.vault.delete(practitioner, ev.id, "doublon")
    assert files_in(workspace.vault.folder) == [f"{ev.blob}.age"]


def test_delete_needs_a_reason_and_keeps_a_tombstone(workspace, manager, tmp_path):
    vault = workspace.vault
    ev = vault.add(manager, write(tmp_path / "attestation.pdf", b"attestation"), items=["GOV-ROLES-01"])
    with pytest.raises(VaultError):
        vault.delete(manager, ev.id, "  ")
    assert vault.store.get(ev.id) is not None
    vault.delete(manager, ev.id, "Mauvais fichier joint")
    assert vault.store.get(ev.id) is None and vault.store.counts_by_item() == {}
    assert not vault.blob_path(ev.blob).exists()
    entry = workspace.audit.search(kind="evidence.delete")[0]
    tomb = entry.after["tombstone"]
    assert tomb["name"] == "attestation.pdf" and tomb["sha256"] == ev.sha256
    assert tomb["reason"] == "Mauvais fichier joint" and tomb["deleted_by"] == MANAGER and tomb["deleted_at"]
    assert entry.actor_name == MANAGER
    assert workspace.audit.verify().ok


def test_summary_lists_missing_expiring_and_expired(workspace, manager, tmp_path):
    today = date.today()
    vault = workspace.vault
    soon = vault.add(manager, write(tmp_path / "a.pdf", b"a"), items=["GOV-ROLES-01"],
                     valid_from=today - timedelta(days=300), expires_on=today + timedelta(days=30))
    old = vault.add(manager, write(tmp_path / "b.pdf", b"b"), items=["SEC-BACKUP-01"],
                    valid_from=today - timedelta(days=400), expires_on=today - timedelta(days=1))
    vault.add(manager, write(tmp_path / "c.pdf", b"c"), expires_on=today + timedelta(days=200))
    summary = vault.summary()
    assert summary["evidence_files"] == 3
    assert [e["id"] for e in summary["evidence_expiring_60_days"]] == [soon.id]
    assert [e["id"] for e in summary["evidence_expired"]] == [old.id]
    applicable = [r.item.id for r in workspace.checklist.rows() if r.applies]
    assert summary["items_without_evidence"] == [i for i in applicable if i not in ("GOV-ROLES-01", "SEC-BACKUP-01")]


def test_a_vault_built_from_its_collaborators_alone(workspace, manager, tmp_path):
    """No workspace needed: the records, the unit of work, the key, the catalogue and the applicable items."""
    vault = Vault(workspace.data_dir, EvidenceStore(workspace.db), workspace.uow, identity=lambda: workspace.keys.identity,
                  catalogue={"GOV-ROLES-01"}, applicable_item_ids=lambda: ["GOV-ROLES-01", "SEC-BACKUP-01"])
    assert vault.startup_report == StartupReport()  # building it checked nothing
    with pytest.raises(NotFound):
        vault.add(manager, write(tmp_path / "a.pdf", b"a"), items=["SEC-BACKUP-01"])  # not in this catalogue
    ev = vault.add(manager, write(tmp_path / "a.pdf", b"a"), items=["GOV-ROLES-01"])
    assert vault.summary()["items_without_evidence"] == ["SEC-BACKUP-01"]
    assert vault.verify().ok and workspace.vault.get(ev.id) == ev
    assert [e.kind for e in workspace.audit.search(kind="evidence")] == ["evidence.add"]


# ---- open and export ---------------------------------------------------------------------------------
def test_open_uses_a_private_folder_removed_at_cleanup(workspace, manager, tmp_path):
    ev = workspace.vault.add(manager, write(tmp_path / "../rapport.pdf", b"%PDF rapport"))
    temp = PrivateTemp()
    opened = workspace.vault.open_copy(manager, ev, temp)
    assert opened.read_bytes() == b"%PDF rapport" and opened.name == "rapport.pdf"
    assert temp.path in opened.parents
    if os.name != "nt":
        assert stat.S_IMODE(temp.path.stat().st_mode) == 0o700
    folder = temp.path
    temp.cleanup()
    assert not folder.exists()


def test_export_sanitises_names_and_never_overwrites(workspace, manager, tmp_path, out_dir):
    ev = workspace.vault.add(manager, write(tmp_path / "x.txt", b"x"), original_name="..\\..\\CON.txt")
    first = workspace.vault.export(manager, ev.id, out_dir)
    second = workspace.vault.export(manager, ev.id, out_dir)
    assert first.parent == out_dir and second.parent == out_dir
    assert first.name == "_CON.txt" and second.name == "_CON (2).txt"
    with pytest.raises(PermissionDenied):
        workspace.vault.export(None, ev.id, out_dir)
    assert files_in(out_dir) == ["_CON (2).txt", "_CON.txt"]


@pytest.mark.parametrize("raw, expected", [
    ("rapport.pdf", "rapport.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
    ("..", "preuve"),
    ("", "preuve"),
    ("NUL", "_NUL"),
    ("com1.txt", "_com1.txt"),
    ("LPT9.tar.gz", "_LPT9.tar.gz"),
    ("CONSOLE.txt", "CONSOLE.txt"),
    ("facture. . ", "facture"),
    ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
    ("tab\there.txt", "tab_here.txt"),
    (".bashrc", "bashrc"),
])
def test_safe_file_name(raw, expected):
    assert safe_file_name(raw) == expected


def test_safe_file_name_bounds_length():
    name = safe_file_name("a" * 400 + ".pdf")
    assert len(name) <= 150 and name.endswith(".pdf")


# ---- keys ------------------------------------------------------------------------------------------
def test_lost_keyring_entry_is_recovered_with_the_recovery_key(clinic, memory_keyring, tmp_path, out_dir):
    ws, recovery, actor = clinic
    originals = {}
    for n in range(4):
        data = os.urandom(random.randint(0, 200 * KIB))
        originals[ws.vault.add(actor, write(tmp_path / f"p{n}.bin", data)).id] = data
    data_dir = ws.data_dir
    memory_keyring.secrets.clear()  # new Windows profile

    fresh = Workspace.open(data_dir, catalogue=ws.catalogue)
    with pytest.raises(keys.NoKeyringEntry, match="clé de secours|recovery key"):
        fresh.vault.verify()
    with pytest.raises(keys.WrongRecoveryKey):
        fresh.keys.recover(str(pyrage.x25519.Identity.generate()))
    fresh.keys.recover(recovery)
    assert fresh.vault.verify().ok
    for evidence_id, data in originals.items():
        assert fresh.vault.export(actor, evidence_id, out_dir / f"{evidence_id}.bin").read_bytes() == data
    fresh.close()
    again = Workspace.open(data_dir, catalogue=ws.catalogue)  # the key is back in the keyring
    assert again.vault.verify().ok
    again.close()


@pytest.fixture
def no_keyring():
    keyring.set_keyring(keyring.backends.fail.Keyring())


def test_no_keyring_uses_a_passphrase_file(no_keyring, tmp_path, small_catalogue, monkeypatch, out_dir):
    assert not keys.secure_keyring_available()
    with pytest.raises(keys.PassphraseRequired):
        Workspace.create(tmp_path / "c", clinic_name="C", structure="group-practice", manager_name=MANAGER,
                         manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    ws, _ = Workspace.create(tmp_path / "c", clinic_name="C", structure="group-practice", manager_name=MANAGER,
                             manager_secret=MANAGER_SECRET, passphrase="bonne phrase de passe", catalogue=small_catalogue)
    actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ev = ws.vault.add(actor, write(tmp_path / "doc.txt", b"contenu"))
    ws.close()
    assert all(b"AGE-SECRET-KEY" not in p.read_bytes() for p in (tmp_path / "c" / "keys").iterdir())

    wrong = Workspace.open(tmp_path / "c", passphrase="mauvaise phrase", catalogue=small_catalogue)
    with pytest.raises(keys.WrongPassphrase, match="(?i)phrase secrète|passphrase"):
        wrong.vault.verify()
    wrong.close()
    nothing = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    with pytest.raises(keys.PassphraseRequired):
        nothing.vault.verify()
    nothing.close()

    monkeypatch.setenv(keys.PASSPHRASE_ENV, "bonne phrase de passe")
    right = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    assert right.vault.verify().ok
    assert right.vault.export(actor, ev.id, out_dir).read_bytes() == b"contenu"
    right.close()


def test_missing_key_is_not_reported_as_damage(clinic, memory_keyring):
    ws, _, actor = clinic
    memory_keyring.secrets.clear()
    fresh = Workspace.open(ws.data_dir, catalogue=ws.catalogue)
    with pytest.raises(KeyUnavailable):
        fresh.vault.verify()
    fresh.close()


# ---- interoperability and plaintext at rest ---------------------------------------------------------
@pytest.mark.skipif(shutil.which("age") is None, reason="the reference 'age' command is not installed (apt install age)")
def test_reference_age_decrypts_a_blob_with_the_recovery_identity(clinic, tmp_path):
    ws, recovery, actor = clinic
    data = os.urandom(200 * KIB + 3)
    ev = ws.vault.add(actor, write(tmp_path / "scan.png", data))
    identity = tmp_path / "recovery.txt"
    identity.write_text(recovery + "\n")
    identity.chmod(0o600)
    result = subprocess.run(["age", "-d", "-i", str(identity), str(ws.vault.blob_path(ev.blob))],
                            capture_output=True, check=True)
    assert result.stdout == data


def test_no_plaintext_anywhere_in_the_data_folder(workspace, manager, tmp_path):
    marker = ("MARQUEUR-" + os.urandom(16).hex()).encode()
    data = os.urandom(70 * KIB) + marker + os.urandom(1000) + marker
    vault = workspace.vault
    ev = vault.add(manager, write(tmp_path / "secret.txt", data), title="Attestation", items=["GOV-ROLES-01"])
    vault.verify()
    temp = PrivateTemp()
    vault.open_copy(manager, ev, temp)
    temp.cleanup()
    vault.add(manager, write(tmp_path / "small.txt", marker))
    scanned = 0
    for path in workspace.data_dir.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path
            scanned += 1
    names = {p.name for p in workspace.data_dir.rglob("*")}
    assert "clinic.sqlite" in names and scanned >= 6


def test_evidence_is_kept_when_the_audit_head_copy_cannot_be_written(workspace, manager, tmp_path, monkeypatch):
    """Once the row is committed the blob stays, even if the head file fails (full disk, antivirus)."""
    source = tmp_path / "charte.pdf"
    source.write_bytes(b"%PDF charte informatique signee " * 100)

    def disk_full(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(AuditTrail, "save_head", disk_full)
    ev = workspace.vault.add(manager, source, items=["GOV-ROLES-01"])
    assert workspace.head_stale
    monkeypatch.undo()
    report = workspace.vault.verify()
    assert report.ok and [f.state for f in report.files] == [Integrity.INTACT]
    assert workspace.vault.store.get(ev.id).sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_evidence_is_kept_when_a_failure_follows_the_commit(workspace, manager, tmp_path, monkeypatch):
    """Whatever fails after the commit, the recorded evidence keeps its file."""
    def broken(self):
        raise RuntimeError("unexpected failure after the commit")

    monkeypatch.setattr(AuditTrail, "save_head", broken)
    source = write(tmp_path / "charte.pdf", b"%PDF charte " * 50)
    with pytest.raises(RuntimeError):
        workspace.vault.add(manager, source)
    monkeypatch.undo()
    [ev] = workspace.vault.store.all()
    assert files_in(workspace.vault.folder) == [f"{ev.blob}.age"]  # no *.part, no lock left
    assert workspace.vault.verify().ok


def test_failed_commit_keeps_neither_row_nor_blob(workspace, manager, tmp_path, monkeypatch):
    real_insert = EvidenceStore.insert

    def insert_then_fail(self, evidence):
        real_insert(self, evidence)  # the row is written, then the transaction fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EvidenceStore, "insert", insert_then_fail)
    with pytest.raises(OSError):
        workspace.vault.add(manager, write(tmp_path / "charte.pdf", b"%PDF charte " * 50), items=["GOV-ROLES-01"])
    monkeypatch.undo()
    assert workspace.vault.store.all() == [] and workspace.vault.store.counts_by_item() == {}
    assert files_in(workspace.vault.folder) == []
    assert workspace.audit.search(kind="evidence.add") == []


def test_swapped_blob_never_reaches_the_destination_folder(workspace, manager, tmp_path, out_dir, monkeypatch):
    """Another evidence's content must not appear in the user's folder, not even while decrypting,
    and the checked plaintext does not stay in the temporary folder either."""
    temp_root = tmp_path / "system-temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    vault = workspace.vault
    a = vault.add(manager, write(tmp_path / "a.txt", b"A confidentiel " * 400))
    b = vault.add(manager, write(tmp_path / "b.txt", b"B confidentiel " * 400))
    vault.blob_path(a.blob).write_bytes(vault.blob_path(b.blob).read_bytes())
    seen = []
    real_decrypt = agefile.decrypt_chunks

    def watching(src, identities):
        yield from real_decrypt(src, identities)
        seen.append(files_in(out_dir))  # the plaintext is fully decrypted by now

    monkeypatch.setattr(agefile, "decrypt_chunks", watching)
    with pytest.raises(EvidenceDamaged):
        vault.export(manager, a.id, out_dir)
    assert seen == [[]] and files_in(out_dir) == []
    with pytest.raises(EvidenceDamaged):
        vault.export(manager, a.id, out_dir / "copie.txt")
    assert files_in(out_dir) == []
    assert vault.export(manager, b.id, out_dir).read_bytes() == b"B confidentiel " * 400
    [private] = temp_root.glob("clinicguard-open-*")
    assert files_in(private) == ["owner.pid"]


def test_private_folders_left_by_a_crash_are_removed_at_start(workspace, manager, tmp_path, monkeypatch):
    temp_root = tmp_path / "system-temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))

    def left_folder(name: str, owner: str | None, age_days: float = 0) -> Path:
        folder = temp_root / f"clinicguard-open-{name}"
        (folder / "7").mkdir(parents=True)
        (folder / "7" / "bilan patient.pdf").write_bytes(b"%PDF donnees de sante")
        if owner is not None:
            (folder / "owner.pid").write_text(owner)
        when = time.time() - age_days * 86400
        os.utime(folder, (when, when))
        return folder

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    crashed = left_folder("crashed", str(finished.pid))
    running = left_folder("running", str(os.getpid()))
    being_created = left_folder("new", None)
    forgotten = left_folder("old", None, age_days=3)
    other_program = temp_root / "other-program"
    other_program.mkdir()

    reopened = Workspace.open(workspace.data_dir, catalogue=workspace.catalogue)
    assert crashed.exists()  # building the vault is not the start-up check
    assert reopened.vault.check().database_ok
    assert not crashed.exists() and not forgotten.exists()
    assert running.exists() and being_created.exists() and other_program.exists()
    # A new private folder names its owner, so a crash of this process can be cleaned up too.
    temp = PrivateTemp(parent=temp_root)
    assert (temp.path / "owner.pid").read_text() == str(os.getpid())
    temp.cleanup()
    reopened.close()


def test_a_full_disk_while_decrypting_is_told_as_such_not_as_damage(workspace, manager, tmp_path):
    from clinicguard.core.vault import stream

    ev = workspace.vault.add(manager, write(tmp_path / "scan.bin", os.urandom(3 * MIB)))

    class FullDisk:
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    with open(workspace.vault.blob_path(ev.blob), "rb") as src, \
            pytest.raises(VaultError, match="n'a pas pu être écrite") as caught:
        stream.decrypt(src, FullDisk(), workspace.keys.identity, stream.Meter(None, None, ev.size))
    assert not isinstance(caught.value, EvidenceDamaged)
    with open(workspace.vault.blob_path(ev.blob), "rb") as src:  # the blob itself is fine
        assert stream.decrypt(src, None, workspace.keys.identity, stream.Meter(None, None, ev.size))
