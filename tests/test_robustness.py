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
