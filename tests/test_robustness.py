"""Robustness: a clinic opens after a crash, no traceback on any command, safe exported names,
importer inputs within range (issue 19)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import signal
import subprocess
import sys
import textwrap

import pytest

from clinicguard.core.workspace import Workspace, database_path
from clinicguard.model.errors import NewerDatabaseError
from clinicguard.store.db import open_database
from tests.conftest import DATA, MANAGER, MANAGER_SECRET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_child(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_clinic_killed_during_a_checkpoint_opens_and_keeps_its_rows(tmp_path):
    """Everything committed is still in the WAL (no checkpoint ran) when the writer is killed."""
    data_dir = tmp_path / "clinic"
    child = _run_child(f"""
        import os, signal, keyring
        from tests.conftest import MemoryKeyring
        keyring.set_keyring(MemoryKeyring())
        from clinicguard.store import db as dbmod
        plain = dbmod.configure
        def no_checkpoint(db):
            plain(db)
            db.conn.execute("PRAGMA wal_autocheckpoint=0")
        dbmod.configure = no_checkpoint
        from clinicguard.core.catalogue import load_catalogue
        from clinicguard.core.workspace import Workspace
        ws, _ = Workspace.create({str(data_dir)!r}, clinic_name="Cabinet Crash", structure="group-practice",
                                 manager_name={MANAGER!r}, manager_secret={MANAGER_SECRET!r},
                                 catalogue=load_catalogue({str(DATA / 'catalogue_small.toml')!r}),
                                 passphrase="phrase de passe longue 2026")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert child.returncode == -signal.SIGKILL, child.stderr
    wal = database_path(data_dir).with_name(database_path(data_dir).name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    # A checkpoint interrupted by the kill: SQLite copies WAL pages in page order, so page 1 (the
    # schema) of the final state is already in the main file, the pages it points to are not yet.
    main = database_path(data_dir)
    final = tmp_path / "final"
    final.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(str(main) + suffix, str(final / main.name) + suffix)
    conn = sqlite3.connect(final / main.name)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    page_size = 4096
    with open(main, "r+b") as fh:
        fh.write((final / main.name).read_bytes()[:page_size])
    ws = Workspace.open(data_dir, passphrase="phrase de passe longue 2026")
    try:
        assert ws.db.execute("SELECT name FROM clinic").fetchone()[0] == "Cabinet Crash"
        assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        ws.close()


def test_a_newer_database_in_wal_mode_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "c.sqlite"
    db = open_database(path)
    db.conn.execute("PRAGMA wal_autocheckpoint=0")
    db["_sqlite_migrations"].insert({"migration_set": "clinicguard", "name": "m999_future", "applied_at": "x"})
    # the writer is gone without closing (a kill): its migration is only in the WAL
    copy = tmp_path / "left"
    copy.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(str(path) + suffix, str(copy / path.name) + suffix)
    db.close()
    path = copy / path.name
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (path, path.with_name(path.name + "-wal"))}
    with pytest.raises(NewerDatabaseError):
        open_database(path)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, path.with_name(path.name + "-wal"))} == digests


# ---- item 8: no traceback on any command ------------------------------------------------------

def _cli(args, env_extra=None, **kw):
    env = dict(os.environ, CLINICGUARD_PROFILE_SECRET=MANAGER_SECRET, PYTHONPATH=ROOT, **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "clinicguard", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.mark.parametrize("command", [["status"], ["people", "list", "--json"], ["evidence", "list"],
                                     ["people", "list"]])
def test_a_reader_that_stops_after_one_line_gets_no_traceback(workspace, manager, command, tmp_path):
    for i in range(120):  # enough output to fill a pipe's buffer
        (tmp_path / f"f{i}.txt").write_bytes(b"x")
        workspace.vault.add(manager, tmp_path / f"f{i}.txt")
        workspace.people.add(manager, f"Soignant numéro {i}", "practitioner", f"Mot-de-passe-{i}-2026")
    workspace.close()
    child = _cli([*command, "--data-dir", str(workspace.data_dir)])
    if command != ["people", "list"]:
        child.stdout.readline()  # `| head -1`
    child.stdout.close()  # `| true`: the reader is gone, maybe before a byte is written
    err = child.stderr.read().decode()
    code = child.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert code in (0, 1)


def _raise(exc):
    def boom(*a, **k):
        raise exc
    return boom


def test_a_full_disk_during_an_export_is_one_french_line(workspace, manager, tmp_path, monkeypatch, capsys):
    import errno

    from clinicguard import cli
    from clinicguard.core.vault import service

    (tmp_path / "a.txt").write_bytes(b"contenu")
    evidence = workspace.vault.add(manager, tmp_path / "a.txt")
    workspace.close()
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    monkeypatch.setattr(service, "atomic_output", _raise(OSError(errno.ENOSPC, "No space left on device",
                                                                 str(tmp_path / "out"))))
    code = cli.main(["evidence", "export", str(evidence.id), "--out", str(tmp_path / "out"),
                     "--data-dir", str(workspace.data_dir)])
    err = capsys.readouterr().err
    assert code == 1 and "disque est plein" in err.splitlines()[-1] and "Traceback" not in err


def test_ctrl_c_is_one_french_line_and_status_130(workspace, monkeypatch, capsys):
    from clinicguard import cli

    workspace.close()
    monkeypatch.setattr(cli.clinic, "status_object", _raise(KeyboardInterrupt()))
    assert cli.main(["status", "--data-dir", str(workspace.data_dir)]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Interrompu" in err


def test_a_folder_that_may_not_be_written_is_named(workspace, monkeypatch, capsys, tmp_path):
    from clinicguard import cli

    workspace.close()
    monkeypatch.setattr(cli.clinic, "status_object", _raise(PermissionError(13, "Permission denied", str(tmp_path))))
    assert cli.main(["status", "--data-dir", str(workspace.data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "droit d'écrire" in err and str(tmp_path) in err


def test_a_missing_folder_is_one_line(tmp_path, capsys):
    from clinicguard import cli

    assert cli.main(["status", "--data-dir", str(tmp_path / "absent")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# ---- item 4: exported file names ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["Compte rendu d'évaluation très détaillé " * 8 + ".pdf",
                                  "Éé" * 70 + "😀" * 30 + ".pdf",
                                  "😀" * 120 + ".docx"])
def test_a_long_accented_or_emoji_name_exports_within_255_bytes(workspace, manager, tmp_path, name):
    assert len(name) < 400
    (tmp_path / "src.bin").write_bytes(b"contenu secret")
    evidence = workspace.vault.add(manager, tmp_path / "src.bin", original_name=name)
    out = tmp_path / "out"
    out.mkdir()
    first = workspace.vault.export(manager, evidence.id, out)
    second = workspace.vault.export(manager, evidence.id, out)  # " (2)" added, still fits
    for dest in (first, second):
        assert dest.read_bytes() == b"contenu secret"
        assert len(dest.name.encode("utf-8")) <= 255 and dest.suffix == "." + name.rpartition(".")[2]
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, second.name])  # no .part left


def test_bidi_controls_are_removed_from_exported_names(workspace, manager, tmp_path):
    (tmp_path / "src.bin").write_bytes(b"x")
    name = "facture\u202eFDP.exe\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f.pdf"
    evidence = workspace.vault.add(manager, tmp_path / "src.bin", original_name=name)
    dest = workspace.vault.export(manager, evidence.id, tmp_path)
    assert dest.name == "factureFDP.exe.pdf"


def test_the_temporary_name_of_a_long_name_fits_too(tmp_path):
    from clinicguard.core.fsutil import atomic_write_with

    target = tmp_path / ("é" * 100 + "x" * 40 + ".xlsx")  # 245 bytes: the ".part" name would not fit
    atomic_write_with(target, lambda tmp: tmp.write_bytes(b"ok"))
    assert target.read_bytes() == b"ok"
