"""A full disk while the database is written or opened: one clear French line, nothing lost.

SQLite's own limit on the file's size (PRAGMA max_page_count) gives the real SQLITE_FULL error a
full disk gives, without needing a small file system; when SQLite cannot even create its WAL on a
full disk it only says "disk I/O error", which the free space of the folder tells apart."""

from __future__ import annotations

import pytest

from clinicguard.cli import main
from clinicguard.model.checklist import Status
from clinicguard.model.errors import DatabaseError
from clinicguard.store import db as store_db
from tests.conftest import MANAGER, MANAGER_SECRET


def _fill_up(ws) -> None:
    """The database may not grow by one more page: the next write that needs one fails as on a full disk."""
    pages = ws.db.execute("PRAGMA page_count").fetchone()[0]
    ws.db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_write_on_a_full_disk_is_refused_in_one_line_and_loses_nothing(workspace, manager, small_catalogue):
    item = small_catalogue.items[0].id
    workspace.checklist.set_assessment(manager, item, status="partial", comment="avant")
    entries = len(workspace.audit.entries())
    _fill_up(workspace)
    with pytest.raises(DatabaseError) as refused:
        workspace.checklist.set_assessment(manager, item, status="compliant", comment="x" * 200_000)
    message = str(refused.value)
    assert "est plein" in message and "rien de ce qui était enregistré n'est perdu" in message
    assert "\n" not in message and "sqlite" not in message.lower()
    row = next(r for r in workspace.checklist.rows() if r.item.id == item)
    assert (row.status, row.assessment.comment) == (Status.PARTIAL, "avant")  # the earlier answer is intact
    assert len(workspace.audit.entries()) == entries and workspace.audit.verify().ok


def test_sqlite_s_disk_io_error_is_called_a_full_disk_only_when_the_disk_is_full(tmp_path, monkeypatch):
    error = Exception("disk I/O error")
    path = tmp_path / "clinic.sqlite"

    class Usage:
        def __init__(self, free):
            self.free = free

    monkeypatch.setattr(store_db.shutil, "disk_usage", lambda folder: Usage(4096))
    assert "est plein" in str(store_db.disk_full_error(path, error))
    monkeypatch.setattr(store_db.shutil, "disk_usage", lambda folder: Usage(10 << 30))
    assert store_db.disk_full_error(path, error) is None  # a real I/O problem keeps its own message
    assert store_db.disk_full_error(path, Exception("no such table: x")) is None


def test_the_command_says_the_disk_is_full_without_a_traceback(tmp_path, monkeypatch, capsys, small_catalogue):
    data = tmp_path / "clinic"
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Plein", "--structure",
                 "group-practice", "--manager", MANAGER]) == 0
    real_configure = store_db.configure

    def configure_full(db):  # every connection of this command finds the disk full once it is open
        real_configure(db)
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")

    monkeypatch.setattr(store_db, "configure", configure_full)
    capsys.readouterr()
    code = main(["checklist", "set", "--data-dir", str(data), "--as", MANAGER, "GOV-ROLES-01", "compliant",
                 "--comment", "x" * 200_000])
    err = capsys.readouterr().err
    assert code == 1
    assert "est plein" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
