"""Backups: a round trip of the demo clinic with only the file and the recovery key, damaged and
foreign files refused with nothing written, and kills during creation never leaving a final-named
file that fails verification."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clinicguard.core import backup, backup_archive
from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, create_demo
from clinicguard.core.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "vault").rglob("*")) if p.is_file()}


def _dump(ws: Workspace) -> dict:
    return {t: list(ws.db[t].rows) for t in ws.db.table_names() if not t.startswith("_")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import keyring
    from tests.conftest import MemoryKeyring
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    folder = tmp_path_factory.mktemp("demo") / "clinic"
    ws, manager, recovery = create_demo(folder)
    dest = tmp_path_factory.mktemp("dest")
    state = {"dump": _dump(ws), "blobs": _tree(folder), "head": ws.audit.head()}
    made = backup.create(ws, manager, dest)
    assert [r["kind"] for r in ws.db["audit_entry"].rows][-1] == "backup.create"
    ws.close()
    keyring.set_keyring(previous)
    return {"folder": folder, "file": made.path, "recovery": recovery, "state": state, "manifest": made.manifest}


def test_round_trip_with_only_the_backup_and_the_recovery_key(demo, tmp_path, memory_keyring):
    assert memory_keyring.secrets == {}  # a new PC: no keyring entry
    target = tmp_path / "new-pc" / "clinic"
    backup.restore(demo["file"], target, demo["recovery"])
    assert memory_keyring.secrets  # the clinic key is kept on the new PC
    ws = Workspace.open(target)
    try:
        restored = _dump(ws)
        original = demo["state"]["dump"]
        assert restored["audit_entry"][:-1] == original["audit_entry"]  # plus the restore entry
        assert restored["audit_entry"][-1]["kind"] == "backup.restore"
        assert {k: v for k, v in restored.items() if k != "audit_entry"} == \
            {k: v for k, v in original.items() if k != "audit_entry"}
        assert _tree(target) == demo["state"]["blobs"] and demo["state"]["blobs"]
        assert ws.audit.verify(tuple(demo["state"]["head"])).ok  # the original head is in the restored trail
        assert demo["manifest"]["audit_head"]["count"] == demo["state"]["head"][0]
        assert ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    finally:
        ws.close()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_a_full_folder_is_refused(demo, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(backup.BackupError, match="vide"):
        backup.restore(demo["file"], target, demo["recovery"])
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def _damaged(src: Path, dst: Path, how: str) -> Path:
    data = bytearray(src.read_bytes())
    if how == "header":
        data[30] ^= 0x01
    elif how == "start":
        data[3] ^= 0x01
    elif how == "middle":
        data[len(data) // 2] ^= 0x01
    elif how == "end":
        data[-3] ^= 0x01
    elif how == "truncated":
        data = data[: len(data) - 1000]
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("how, message", [("start", "sauvegarde ClinicGuard"), ("header", "(clé|en-tête)"),
                                          ("middle", "endommagée"), ("end", "endommagée"),
                                          ("truncated", "endommagée")])
def test_damaged_backups_are_refused_and_the_target_untouched(demo, tmp_path, how, message):
    bad = _damaged(demo["file"], tmp_path / f"bad{backup.SUFFIX}", how)
    target = tmp_path / "target"
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(bad, target, demo["recovery"])
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_wrong_key_and_another_clinics_backup_are_refused(demo, tmp_path):
    import pyrage
    target = tmp_path / "target"
    with pytest.raises(backup.WrongBackupKey):
        backup.restore(demo["file"], target, str(pyrage.x25519.Identity.generate()))
    with pytest.raises(backup.WrongBackupKey):
        backup.restore(demo["file"], target, "not a key")
    assert not target.exists()


def test_another_clinic_is_named_when_verifying(demo, tmp_path, memory_keyring):
    ident = backup._identity_of(demo["recovery"])
    with pytest.raises(backup.BackupError, match="autre structure"):
        backup.verify(demo["file"], ident, expected_clinic="00000000-other")
    assert backup.verify(demo["file"], ident).manifest["clinic_name"] == demo["manifest"]["clinic_name"]


def test_a_backup_of_a_database_edited_outside_clinicguard_is_not_restored(tmp_path, memory_keyring):
    """A well-formed backup whose database was edited by hand (its manifest made to match, as anyone
    holding the public keys could) is refused at restore: the data does not match the journal."""
    import sqlite3

    folder = tmp_path / "clinic"
    ws, manager, recovery = create_demo(folder)
    dest = tmp_path / "dest"
    dest.mkdir()
    ws.close()
    with sqlite3.connect(folder / "clinic.sqlite") as db:  # an answer turned compliant behind the journal's back
        (item,) = db.execute("SELECT item_id FROM assessment WHERE status != 'compliant' LIMIT 1").fetchone()
        db.execute("UPDATE assessment SET status = 'compliant' WHERE item_id = ?", (item,))
    db.close()
    ws = Workspace.open(folder)
    actor = ws.people.sign_in(manager.name, DEMO_MANAGER_SECRET)
    made = backup.create(ws, actor, dest)
    assert backup.verify(made.path, backup._identity_of(recovery))  # the file itself is whole
    with pytest.raises(backup.DamagedBackup, match=f"ne correspond pas à son journal.*{item}"):
        backup.verify_recorded(ws, actor, made.path)  # "Vérifier": whole is not enough
    assert ws.audit.entries()[-1].kind == "backup.verify" and ws.audit.entries()[-1].after["ok"] is False
    (row,) = backup.backups_at([dest], ws.keys.identity, replay=ws.verify_database_copy).rows  # `backup list`
    assert row["state"] == "damaged" and "ne correspond pas à son journal" in row["problem"]
    ws.close()
    target = tmp_path / "target"
    with pytest.raises(backup.DamagedBackup, match=f"modifiée en dehors de ClinicGuard.*{item}"):
        backup.restore(made.path, target, recovery)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic", "dest"]


def test_a_newer_backup_is_refused(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(backup_archive, "FORMAT", 0)
    with pytest.raises(backup.NewerBackup):
        backup.restore(demo["file"], tmp_path / "t", demo["recovery"])
    assert not (tmp_path / "t").exists()


KILL_SCRIPT = r"""
import os, sys, keyring
from keyring.backend import KeyringBackend
class K(KeyringBackend):
    priority = 1
    def __init__(self): super().__init__(); self.s = {}
    def get_password(self, a, b): return os.environ["TEST_CLINIC_KEY"]
    def set_password(self, a, b, c): self.s[(a, b)] = c
    def delete_password(self, a, b): pass
keyring.set_keyring(K())
from pathlib import Path
from clinicguard.core.workspace import Workspace
from clinicguard.core import backup, keys
folder, dest = Path(sys.argv[1]), Path(sys.argv[2])
ws = Workspace.open(folder)
manager = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
print("ready", flush=True)
while True:
    backup.create(ws, manager, dest)
    print("done", flush=True)
"""


def _time_to_done(cmd: list[str], env: dict) -> float:
    """Seconds from a child's "ready" to its first "done": how long one run takes on this machine
    now, so that the kills are spread over that span whatever the load."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout.readline().strip() == b"ready"
    start = time.monotonic()
    assert proc.stdout.readline().strip() == b"done"
    elapsed = time.monotonic() - start
    proc.kill()
    proc.wait()
    return elapsed


def test_kills_during_creation_never_leave_a_final_file_that_fails(tmp_path, memory_keyring):
    folder = tmp_path / "clinic"
    ws, recovery = Workspace.create(folder, clinic_name="Cabinet test", structure="group-practice",
                                    manager_name="Claire Martin", manager_secret="Secret-Manager-2026",
)
    manager = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
    for i in range(3):
        ws.vault.add(manager, tmp_path.joinpath(f"f{i}.bin").write_bytes(os.urandom(300_000)) and
                     tmp_path / f"f{i}.bin")
    ws.close()
    dest = tmp_path / "dest"
    dest.mkdir()
    (clinic_key,) = memory_keyring.secrets.values()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEST_CLINIC_KEY": clinic_key}
    cmd = [sys.executable, "-c", KILL_SCRIPT, str(folder), str(dest)]
    one = _time_to_done(cmd, env)
    for f in dest.iterdir():
        f.unlink()
    kills = 0
    for i in range(25):  # from the start of the first backup to well into the third
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(2.5 * one * i / 24)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills == 25
    ident = backup._identity_of(recovery)
    finals = list(dest.glob(f"*{backup.SUFFIX}"))
    for f in finals:
        backup.verify(f, ident)  # raises if a final-named file is not a whole backup
    assert finals, "no backup finished in any run: the kills came too early to test anything"
    assert list(dest.glob(f"*{backup.PART}")), "no kill landed while a backup was being written"


RESTORE_SCRIPT = KILL_SCRIPT.split("from pathlib")[0].replace('return os.environ["TEST_CLINIC_KEY"]',
                                                             "return self.s.get((a, b))") + r"""
from pathlib import Path
from clinicguard.core import backup, backup_archive
print("ready", flush=True)
backup.restore(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
print("done", flush=True)
"""


def test_kills_during_restore_never_leave_a_half_restored_clinic(demo, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEST_CLINIC_KEY": ""}
    target = tmp_path / "clinic"
    cmd = [sys.executable, "-c", RESTORE_SCRIPT, str(demo["file"]), str(target), demo["recovery"]]
    one = _time_to_done(cmd, env)
    shutil.rmtree(target)
    restored = 0
    for i in range(25):  # from the start of a restore to half as long again after it ends
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(1.5 * one * i / 24)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():  # renamed into place: it must be the whole clinic, with its journal
            restored += 1
            db = sqlite3.connect(target / "clinic.sqlite")
            count = db.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
            db.close()
            assert count == demo["state"]["head"][0] + 1
            assert _tree(target) == demo["state"]["blobs"]
            shutil.rmtree(target)
    assert 0 < restored < 25, "the kills must land both during and after restores"
    print(f"{restored} of 25 restores finished before the kill")


def _cli_clinic(tmp_path, monkeypatch):
    """A clinic for the CLI tests, its manager's secret in the environment: (folder, recovery key)."""
    folder = tmp_path / "clinic"
    ws, recovery = Workspace.create(folder, clinic_name="Cabinet CLI", structure="group-practice",
                                    manager_name="Claire Martin", manager_secret="Secret-Manager-2026")
    ws.close()
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", "Secret-Manager-2026")
    return folder, recovery


def test_cli_create_verify_list_and_restore(tmp_path, monkeypatch, capsys):
    from clinicguard.cli import main
    folder, recovery = _cli_clinic(tmp_path, monkeypatch)
    dest = tmp_path / "usb"
    assert main(["backup", "create", "--data-dir", str(folder), "--to", str(dest)]) == 1  # unplugged
    assert "n'est pas disponible" in capsys.readouterr().err
    dest.mkdir()
    assert main(["backup", "create", "--data-dir", str(folder), "--to", str(dest)]) == 0
    (made,) = dest.glob(f"*{backup.SUFFIX}")
    assert main(["backup", "verify", "--data-dir", str(folder), str(made)]) == 0
    bad = _damaged(made, tmp_path / f"bad{backup.SUFFIX}", "middle")
    capsys.readouterr()
    assert main(["backup", "verify", "--data-dir", str(folder), str(bad)]) == 3
    assert "endommagée" in capsys.readouterr().err
    assert main(["backup", "rotate", "--data-dir", str(folder), "--dir", str(dest)]) == 0
    assert main(["backup", "list", "--dir", str(dest), "--json"]) == 0
    assert made.name in capsys.readouterr().out
    monkeypatch.setenv(backup.RECOVERY_KEY_ENV, recovery)
    assert main(["backup", "restore", str(made), "--into", str(tmp_path / "new")]) == 0
    assert Workspace.open(tmp_path / "new").people.sign_in("Claire Martin", "Secret-Manager-2026")


def test_cli_list_at_the_destinations_gives_each_state_and_names_a_missing_folder(tmp_path, monkeypatch, capsys):
    import json

    from clinicguard.cli import main
    folder, _recovery = _cli_clinic(tmp_path, monkeypatch)
    usb, nas = tmp_path / "usb", tmp_path / "nas"
    usb.mkdir()
    nas.mkdir()
    assert main(["backup", "settings", "--data-dir", str(folder), "--destination", str(usb),
                 "--second-destination", str(nas)]) == 0
    assert main(["backup", "create", "--data-dir", str(folder), "--to", str(usb)]) == 0
    (older,) = usb.glob(f"*{backup.SUFFIX}")
    _damaged(older, older, "middle")
    assert main(["backup", "create", "--data-dir", str(folder), "--to", str(usb)]) == 0
    (newer,) = set(usb.glob(f"*{backup.SUFFIX}")) - {older}
    nas.rmdir()  # the share is gone
    capsys.readouterr()
    assert main(["backup", "list", "--data-dir", str(folder), "--json"]) == 3  # a folder is missing, a backup damaged
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert [(r["file"], r["state"], r["last_verified"]) for r in rows] == \
        [(newer.name, "verified", True), (older.name, "damaged", False)]
    assert "endommagée" in rows[1]["problem"] and rows[1]["created_at"] < rows[0]["created_at"]
    assert f"Le dossier de sauvegarde {nas} est introuvable" in out.err
    assert main(["backup", "list", "--data-dir", str(folder)]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("\tvérifiée") and "\tendommagée\t" in lines[1]
    older.unlink()
    nas.mkdir()  # the share is back and the damaged backup deleted: nothing wrong any more
    capsys.readouterr()
    assert main(["backup", "list", "--data-dir", str(folder)]) == 0
    assert capsys.readouterr().err == ""
    nas.rmdir()
    assert main(["backup", "list", "--data-dir", str(folder)]) == 3  # only the folder is missing
    assert capsys.readouterr().out.splitlines()[0].endswith("\tvérifiée")


def test_rotation_keeps_daily_weekly_monthly_and_the_last_verified():
    names = [f"clinicguard-abcdef12-2026{m:02d}{d:02d}T120000{backup.SUFFIX}" for m in (1, 2, 3) for d in (1, 2, 3, 10, 20)]
    doomed = backup.rotation_plan(names, daily=2, weekly=1, monthly=2)
    kept = set(names) - set(doomed)
    assert kept == {names[-1], names[-2], names[9]}  # 2 last days (one also the week), last of February
    doomed = backup.rotation_plan(names, daily=1, weekly=0, monthly=0, last_verified=names[0])
    assert set(names) - set(doomed) == {names[-1], names[0]}


def test_rotate_never_deletes_the_last_verified_backup(tmp_path, memory_keyring):
    ws, _ = Workspace.create(tmp_path / "c", clinic_name="Cabinet R", structure="group-practice",
                             manager_name="Claire Martin", manager_secret="Secret-Manager-2026")
    try:
        m = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
        dest = tmp_path / "d"
        dest.mkdir()
        good = backup.create(ws, m, dest).path
        newest = backup.create(ws, m, dest).path
        assert good != newest
        _damaged(newest, newest, "middle")  # the newest is damaged: the good one must survive
        assert backup.rotate(ws, m, dest, daily=1, weekly=0, monthly=0) == []  # same day: newest kept too
        assert good.exists() and newest.exists()
        assert [r["kind"] for r in ws.db["audit_entry"].rows].count("backup.create") == 2
    finally:
        ws.close()


def test_a_mistyped_recovery_key_is_told_apart_from_something_that_is_not_a_key(demo, tmp_path):
    typo = demo["recovery"][:-1] + ("q" if demo["recovery"][-1] != "q" else "p")
    with pytest.raises(backup.WrongBackupKey, match="faute de frappe"):
        backup.restore(demo["file"], tmp_path / "target", typo)
    with pytest.raises(backup.WrongBackupKey, match="doit commencer par AGE-SECRET-KEY-1"):
        backup.restore(demo["file"], tmp_path / "target", "mot de passe")
    assert not (tmp_path / "target").exists()


def test_verify_names_a_missing_file_or_a_folder_and_says_what_a_whole_backup_holds(tmp_path, monkeypatch, capsys):
    from clinicguard.cli import main
    folder, _recovery = _cli_clinic(tmp_path, monkeypatch)
    dest = tmp_path / "usb"
    dest.mkdir()
    assert main(["backup", "create", "--data-dir", str(folder), "--to", str(dest)]) == 0
    (made,) = dest.glob(f"*{backup.SUFFIX}")
    capsys.readouterr()
    assert main(["backup", "verify", "--data-dir", str(folder), str(made)]) == 0
    out = capsys.readouterr().out
    assert "est complète : la base de données, 0 fichier de preuve et le journal de" in out
    assert "+00:00" not in out  # the creation time in local time, as the window says it
    def verifications():
        with sqlite3.connect(folder / "clinic.sqlite") as db:
            return db.execute("SELECT count(*) FROM audit_entry WHERE kind = 'backup.verify'").fetchone()[0]

    assert verifications() == 1
    assert main(["backup", "verify", "--data-dir", str(folder), str(dest / "absent.cgbackup.age")]) == 1
    assert "est introuvable" in capsys.readouterr().err
    assert main(["backup", "verify", "--data-dir", str(folder), str(dest)]) == 1
    err = capsys.readouterr().err
    assert "est un dossier" in err and "Errno" not in err
    assert verifications() == 1  # nothing was checked: nothing journalled


def test_cli_restore_on_a_pc_without_a_credential_store_asks_the_passphrase_first(demo, tmp_path, monkeypatch, capsys):
    import getpass

    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    from clinicguard.cli import main
    from clinicguard.core import keys
    monkeypatch.setattr(keyring, "get_keyring", lambda: FailKeyring())
    keyring.set_keyring(FailKeyring())
    answers = [demo["recovery"], "une phrase secrète assez longue", "une phrase secrète assez longue"]
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": answers.pop(0))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.delenv(backup.RECOVERY_KEY_ENV, raising=False)
    target = tmp_path / "new-pc"
    assert main(["backup", "restore", str(demo["file"]), "--into", str(target)]) == 0
    assert answers == [] and keys.uses_passphrase(target)
    ws = Workspace.open(target, passphrase="une phrase secrète assez longue")
    assert ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    ws.close()



def test_verifying_another_clinics_backup_says_so_rather_than_wrong_key(demo, tmp_path, memory_keyring):
    folder = tmp_path / "other"
    ws, _recovery = Workspace.create(folder, clinic_name="Cabinet Voisin", structure="group-practice",
                                     manager_name="Claire Martin", manager_secret="Secret-Manager-2026")
    try:
        with pytest.raises(backup.BackupError, match="appartient à une autre structure : son nom porte"):
            backup.verify(demo["file"], ws.keys.identity, expected_clinic=ws.settings.clinic.uuid)
        renamed = tmp_path / "renamed.cgbackup.age"  # a name that says nothing: the key's message stays
        shutil.copyfile(demo["file"], renamed)
        with pytest.raises(backup.WrongBackupKey):
            backup.verify(renamed, ws.keys.identity, expected_clinic=ws.settings.clinic.uuid)
    finally:
        ws.close()
