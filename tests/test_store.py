"""The database factory: pragmas, migrations, backup before migrating, newer databases refused."""

import hashlib
import os
import sqlite3

import pytest

from clinicguard.model.errors import DatabaseError, NewerDatabaseError
from clinicguard.core.workspace import Workspace, database_path
from clinicguard.store.db import known_migrations, open_database


def test_new_database_has_every_migration_and_durable_pragmas(tmp_path):
    db = open_database(tmp_path / "c.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    applied = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == known_migrations()


def test_database_written_by_newer_version_is_refused_and_left_byte_identical(tmp_path):
    path = tmp_path / "c.sqlite"
    db = open_database(path)
    db["_sqlite_migrations"].insert({"migration_set": "clinicguard", "name": "m999_future", "applied_at": "x"})
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(NewerDatabaseError) as exc:
        open_database(path)
    assert "plus récente" in str(exc.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_database_is_copied_aside_before_a_migration(tmp_path):
    from sqlite_utils import Database

    from clinicguard.store.db import configure
    from clinicguard.store.migrations import migrations

    names = known_migrations()
    if len(names) < 2:
        pytest.skip("needs at least two migrations")
    path = tmp_path / "c.sqlite"
    old = Database(sqlite3.connect(path))
    configure(old)
    migrations.apply(old, stop_before=names[1])  # a database from an older ClinicGuard
    old["setting"].insert({"key": "marker", "value": "kept"})
    old.close()
    db = open_database(path)
    assert [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")] == names
    copies = list(tmp_path.glob("c.before-*.sqlite"))
    assert len(copies) == 1
    copy = sqlite3.connect(copies[0])
    assert [r[0] for r in copy.execute("SELECT name FROM _sqlite_migrations")] == names[:1]
    assert copy.execute("SELECT value FROM setting WHERE key='marker'").fetchone()[0] == "kept"
    copy.close()


def test_unreadable_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError) as exc:
        open_database(path)
    assert "c.sqlite" in str(exc.value)


def test_every_change_is_committed_at_once(workspace, manager):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    # another connection (as after a crash and restart) sees it without any save
    conn = sqlite3.connect(database_path(workspace.data_dir))
    assert conn.execute("SELECT status FROM assessment WHERE item_id='GOV-ROLES-01'").fetchone()[0] == "compliant"
    conn.close()


def test_open_refuses_folder_without_clinic(tmp_path):
    with pytest.raises(DatabaseError) as exc:
        Workspace.open(tmp_path / "empty")
    assert "clinicguard init" in str(exc.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "emptied"])
def test_a_damaged_database_says_so_in_french_and_how_to_restore(workspace, damage):
    """A database file whose pages are damaged, cut short or emptied: the user is told it is damaged
    and how to get the clinic back, in French, without SQLite's English detail nor a claim that no
    clinic was found; the file is not touched."""
    path = database_path(workspace.data_dir)
    workspace.close()
    data = path.read_bytes()
    damaged = {"garbage": data[:4096] + os.urandom(len(data) - 4096), "truncated": data[: len(data) // 3],
               "emptied": b""}[damage]
    path.write_bytes(damaged)
    with pytest.raises(DatabaseError) as exc:
        Workspace.open(workspace.data_dir)
    message = str(exc.value)
    assert "endommagée" in message and "Restaurer une sauvegarde" in message and str(path) in message
    assert "malformed" not in message and "not a database" not in message and "trouvée" not in message
    assert path.read_bytes() == damaged
