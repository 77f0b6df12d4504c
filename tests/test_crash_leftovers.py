"""No plaintext or half file outside the vault after a kill (issue 19, item 2).

Each child process is killed (SIGKILL: no cleanup runs) at a chosen moment of an export; the next
start of the clinic must remove the temporary file it left in the user's folder, and an evidence
export must be in the journal from before its file appeared."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from clinicguard import cli
from clinicguard.core.vault import EvidenceDamaged
from clinicguard.core.workspace import Workspace
from tests.conftest import DATA, MANAGER, MANAGER_SECRET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSPHRASE = "phrase de passe longue 2026"
SECRET = b"donnees de sante tres confidentielles " * 30_000  # about 1 MiB

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _child(code: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=ROOT)
    prelude = f"""
        import os, signal, sys, keyring
        from pathlib import Path
        from tests.conftest import MemoryKeyring
        keyring.set_keyring(MemoryKeyring())
        from clinicguard.core.catalogue import load_catalogue
        from clinicguard.core.workspace import Workspace
        catalogue = load_catalogue({str(DATA / 'catalogue_small.toml')!r})
        def kill():
            os.kill(os.getpid(), signal.SIGKILL)
    """
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(prelude) + textwrap.dedent(code)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture
def clinic(tmp_path):
    """A clinic whose key is kept in a passphrase file (so child processes can open it), holding one
    confidential piece of evidence."""
    from clinicguard.core.catalogue import load_catalogue

    data_dir = tmp_path / "clinic"
    ws, _ = Workspace.create(data_dir, clinic_name="Cabinet Crash", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET,
                             catalogue=load_catalogue(DATA / "catalogue_small.toml"), passphrase=PASSPHRASE)
    source = tmp_path / "bilan.pdf"
    source.write_bytes(SECRET)
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.vault.add(manager, source, original_name="bilan patient.pdf")
    ws.plan.create_action(manager, title="Sauvegarde", due_date="2026-05-01")
    ws.close()
    source.unlink()
    out = tmp_path / "Documents"
    out.mkdir()
    return data_dir, out


def _open(data_dir) -> Workspace:
    return Workspace.open(data_dir, passphrase=PASSPHRASE, catalogue=None)


def _no_records(ws) -> bool:
    return not ws.pending.folder.exists() or list(ws.pending.folder.iterdir()) == []


def _kinds(ws) -> list[str]:
    return [e.kind for e in ws.audit.entries()]


def _holds_secret(folder) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and SECRET[:64] in path.read_bytes():
            found.append(path.name)
    return found


def _run_killed(clinic, body: str) -> None:
    data_dir, out = clinic
    child = _child(textwrap.dedent(f"""
        ws = Workspace.open({str(data_dir)!r}, passphrase={PASSPHRASE!r}, catalogue=catalogue)
        actor = ws.people.sign_in({MANAGER!r}, {MANAGER_SECRET!r})
        out = Path({str(out)!r})
    """) + textwrap.dedent(body))
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err


def test_a_kill_during_an_evidence_copy_leaves_nothing_after_the_next_start(clinic, capsys):
    data_dir, out = clinic
    _run_killed(clinic, """
        import shutil
        from clinicguard.core.vault import service
        def half_then_die(src, dst, length=0):
            dst.write(src.read(300_000))
            dst.flush(); os.fsync(dst.fileno())
            kill()
        service.shutil.copyfileobj = half_then_die
        ws.vault.export(actor, 1, out)
    """)
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".bilan patient.pdf.") and left[0].endswith(".part")  # the leak
    assert _holds_secret(out)
    # The next start: the decrypted part is removed.
    ws = _open(data_dir)
    try:
        assert list(out.iterdir()) == [] and _holds_secret(out) == []
        kinds = _kinds(ws)
        assert kinds[-1] == "evidence.export.start"  # the journal knew a copy was being written, and where
        assert ws.audit.search(kind="evidence.export.start")[0].after["to"] == str(out / "bilan patient.pdf")
        assert _no_records(ws)
    finally:
        ws.close()


def test_the_next_command_says_what_it_removed(clinic, monkeypatch, capsys):
    data_dir, out = clinic
    _run_killed(clinic, """
        from clinicguard.core.vault import service
        def die(src, dst, length=0):
            dst.write(src.read(1000)); dst.flush()
            kill()
        service.shutil.copyfileobj = die
        ws.vault.export(actor, 1, out / "copie.pdf")
    """)
    assert len(list(out.iterdir())) == 1
    monkeypatch.setenv("CLINICGUARD_PASSPHRASE", PASSPHRASE)
    assert cli.main(["status", "--data-dir", str(data_dir)]) == 0
    err = capsys.readouterr().err
    assert "export interrompu" in err and ".copie.pdf." in err
    assert list(out.iterdir()) == []


def test_a_kill_right_after_the_copy_leaves_a_file_the_journal_names(clinic):
    data_dir, out = clinic
    _run_killed(clinic, """
        from clinicguard.core.vault import service
        plain_record = service.Vault.record_export
        service.Vault.record_export = lambda self, *a, **k: kill()
        ws.vault.export(actor, 1, out)
    """)
    ws = _open(data_dir)
    try:
        assert [p.name for p in out.iterdir()] == ["bilan patient.pdf"]  # complete, under its final name
        (started,) = ws.audit.search(kind="evidence.export.start")
        assert started.after["to"] == str(out / "bilan patient.pdf") and started.after["sha256"]
        assert ws.audit.verify().ok
    finally:
        ws.close()


def test_a_failed_copy_is_journaled_as_abandoned_and_leaves_nothing(clinic, tmp_path):
    data_dir, out = clinic
    ws = _open(data_dir)
    try:
        actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
        blob = ws.vault.blob_path(ws.vault.get(1).blob)
        blob.write_bytes(blob.read_bytes()[:-10])  # damaged: refused before any byte is copied out
        with pytest.raises(EvidenceDamaged):
            ws.vault.export(actor, 1, out)
        assert _kinds(ws)[-2:] == ["evidence.export.start", "evidence.export.abandoned"]
        assert list(out.iterdir()) == [] and _no_records(ws)
    finally:
        ws.close()


def test_a_kill_while_a_workbook_saves_leaves_no_part_file(clinic):
    data_dir, out = clinic
    _run_killed(clinic, """
        import openpyxl.workbook.workbook as wb
        def save_half(self, filename):
            with open(filename, "wb") as fh:
                fh.write(b"PK\\x03\\x04 moitie de classeur"); fh.flush(); os.fsync(fh.fileno())
            kill()
        wb.Workbook.save = save_half
        from clinicguard.core.exports import export_actions
        export_actions(ws, actor, out / "plan.xlsx")
    """)
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".plan.xlsx.") and left[0].endswith(".part.xlsx")
    ws = _open(data_dir)
    try:
        assert list(out.iterdir()) == []
        assert "export.actions" not in " ".join(_kinds(ws))  # never published, never journaled as done
    finally:
        ws.close()


def test_a_running_export_of_another_process_is_left_alone(clinic):
    """Opening the clinic while another process writes must not remove that process's draft."""
    data_dir, out = clinic
    child = _child(f"""
        ws = Workspace.open({str(data_dir)!r}, passphrase={PASSPHRASE!r}, catalogue=catalogue)
        actor = ws.people.sign_in({MANAGER!r}, {MANAGER_SECRET!r})
        from clinicguard.core.vault import service
        def wait(src, dst, length=0):
            dst.write(b"x"); dst.flush()
            print("writing", flush=True)
            sys.stdin.readline()
            dst.write(src.read())
        service.shutil.copyfileobj = wait
        ws.vault.export(actor, 1, Path({str(out)!r}))
        print("done", flush=True)
    """, stdin=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "writing"
        ws = _open(data_dir)
        ws.close()
        assert len(list(out.iterdir())) == 1  # its draft is still there
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "done"
    finally:
        child.kill()
        child.communicate(timeout=60)
    assert [p.name for p in out.iterdir()] == ["bilan patient.pdf"]


def test_kills_at_random_moments_of_exports_never_leave_a_part_file(clinic):
    """Eight exports killed at moments chosen by the clock: after each restart, the folder holds
    only complete files, each named in the journal."""
    data_dir, out = clinic
    for attempt in range(8):
        child = _child(f"""
            ws = Workspace.open({str(data_dir)!r}, passphrase={PASSPHRASE!r}, catalogue=catalogue)
            actor = ws.people.sign_in({MANAGER!r}, {MANAGER_SECRET!r})
            from clinicguard.core.exports import export_actions
            print("ready", flush=True)
            for i in range(1000):
                ws.vault.export(actor, 1, Path({str(out)!r}) / f"copie-{{i}}.pdf")
                export_actions(ws, actor, Path({str(out)!r}) / f"plan-{{i}}.xlsx")
        """)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.061 * attempt)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
        ws = _open(data_dir)
        try:
            names = sorted(p.name for p in out.iterdir())
            assert not [n for n in names if n.startswith(".")], names
            journal = " ".join(str(e.after) for e in ws.audit.search(kind="evidence.export.start"))
            for name in names:
                if name.endswith(".pdf"):
                    assert (out / name).read_bytes() == SECRET and name in journal
        finally:
            ws.close()
