"""Local files private to their user (issue 19, item 6): the data folder, the database, its WAL
and shared-memory files, the copy before a migration and the backups are created readable by their
owner only. On Windows the per-user application-data folder's ACL does this (modes do not apply)."""

from __future__ import annotations

import os
import stat

import pytest

from clinicguard.core.workspace import Workspace, database_path
from tests.conftest import MANAGER, MANAGER_SECRET

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the per-user folder's ACL")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o002)  # a shared PC's usual umask: new files readable by everyone
    yield
    os.umask(previous)


def test_the_clinic_is_created_owner_only(tmp_path, small_catalogue, permissive_umask):
    ws, _ = Workspace.create(tmp_path / "clinic", clinic_name="Cabinet", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    try:
        manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
        ws.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
        db = database_path(ws.data_dir)
        assert mode(ws.data_dir) == 0o700
        assert mode(db) == 0o600
        for suffix in ("-wal", "-shm"):
            assert mode(str(db) + suffix) == 0o600, suffix
        everything = [p for p in ws.data_dir.rglob("*") if p.is_file()]
        assert everything and all(mode(p) & 0o077 == 0 for p in everything), \
            [(p.name, oct(mode(p))) for p in everything if mode(p) & 0o077]
        out = tmp_path / "sauvegardes"
        out.mkdir()
        from clinicguard.core import backup
        made = backup.create(ws, manager, out)
        assert mode(made.path) == 0o600
    finally:
        ws.close()


def test_an_existing_clinic_is_tightened_when_opened(workspace, permissive_umask):
    workspace.close()
    db = database_path(workspace.data_dir)
    os.chmod(workspace.data_dir, 0o755)
    os.chmod(db, 0o644)
    Workspace.open(workspace.data_dir).close()
    assert mode(workspace.data_dir) == 0o700 and mode(db) == 0o600
