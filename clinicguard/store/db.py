"""The one factory for a clinic's SQLite database: pragmas, version check, backup, migrations.

Every connection runs in WAL mode with synchronous=FULL and foreign keys on, so a change
committed is a change kept even if the PC loses power. A database written by a newer
ClinicGuard is refused before anything touches it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from clinicguard.model.errors import DatabaseError, NewerDatabaseError
from clinicguard.i18n import tr
from clinicguard.store import migrations as schema

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATIONS_TABLE = "_sqlite_migrations"


def _database(conn_or_path) -> Database:
    """A sqlite-utils Database without its plugins: loading them scans every installed package's
    entry points (about 45 ms at each start) and would let any installed package hook into the
    clinic's connection; ClinicGuard uses none. sqlite-utils is imported here, not at the top:
    a reading command (`status`) reads through a plain connection (`open_for_reading`)."""
    from sqlite_utils import Database

    return Database(conn_or_path, execute_plugins=False)


def known_migrations() -> list[str]:
    """Every migration this version knows, in order (all of them are pending on an empty database)."""
    return [m.name for m in schema.migrations.pending(_database(sqlite3.connect(":memory:")))]


def _applied_names(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if not exists:
        return []
    return [r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set=?", (schema.MIGRATION_SET,))]


def disk_full_error(path: Path | str, exc: BaseException) -> DatabaseError | None:
    """A clear message when SQLite failed because the disk holding the database is full (it says
    "database or disk is full", or only "disk I/O error" when it could not even create its WAL),
    or None for any other failure."""
    text = str(exc).lower()
    folder = Path(path).parent
    full = "database or disk is full" in text
    if not full and "disk i/o error" in text:
        try:
            full = shutil.disk_usage(folder).free < 1 << 20
        except OSError:
            full = False
    if not full:
        return None
    return DatabaseError(tr("The disk holding {folder} is full: free some space and try again; nothing that was "
                            "saved has been lost.", folder=folder))


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def damaged_error(path: Path | str, exc: BaseException) -> DatabaseError | None:
    """A clear message, in the user's words, when the file is not a readable SQLite database (its
    pages damaged, or another kind of file): SQLite's own English detail goes to the log only. None
    for any other failure (busy, locked, permissions)."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc).lower()
    if code not in (_SQLITE_CORRUPT, _SQLITE_NOTADB) and "malformed" not in text and "not a database" not in text:
        return None
    log.warning("damaged database %s: %s", path, exc)
    return DatabaseError(_damaged_text(path))


def _damaged_text(path: Path | str) -> str:
    return tr("The clinic's database {file} is damaged and cannot be read; it has not been changed. Restore your "
              "latest backup: start ClinicGuard on an empty folder and choose \"Restore a backup…\", or use the "
              "command `clinicguard backup restore`.", file=path)


def check_version(path: Path) -> list[str]:
    """Read which migrations a database file has, without writing a byte to it.

    Raises NewerDatabaseError when the file holds migrations this version does not know. A file
    closed cleanly has no WAL: it is read as immutable (no -wal/-shm created beside it). When a WAL
    is left (a writer was killed, maybe in the middle of a checkpoint), the main file alone may be
    torn, so it is read through the WAL (read-only: the main file and the WAL are not written).
    """
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?{mode}"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            applied = _applied_names(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise disk_full_error(path, exc) or damaged_error(path, exc) or DatabaseError(
            tr("The database {file} cannot be read: {error}", file=path, error=exc)) from None
    unknown = sorted(set(applied) - set(known_migrations()))
    if unknown:
        raise NewerDatabaseError(
            tr(
                "The database {file} was written by a newer version of ClinicGuard. "
                "Install the latest version to open it; the file has not been changed.",
                file=path,
            )
        )
    return applied


def configure(db: Database) -> None:
    db.conn.execute("PRAGMA journal_mode=WAL")
    db.conn.execute("PRAGMA synchronous=FULL")
    db.conn.execute("PRAGMA foreign_keys=ON")
    db.conn.execute("PRAGMA busy_timeout=5000")


def make_private(path: Path, *, folder: bool = False) -> None:
    """Create `path` (empty) if it does not exist, readable and writable by its owner only (0600;
    0700 for a folder), and take the group's and others' rights off it if it exists (the owner's
    own rights are left alone: a folder made read-only stays read-only). SQLite gives the -wal and -shm files the
    database's own mode, so they follow. On Windows modes do not apply: the per-user folder the
    data lives in (%APPDATA%) has an ACL that admits only that user, SYSTEM and administrators."""
    path = Path(path)
    if folder:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600))
    if os.name != "nt":
        try:
            mode = path.stat().st_mode & 0o7777
            if mode & 0o077:
                os.chmod(path, mode & ~0o077)
        except PermissionError:  # another user's file (read-only access): leave it as it is
            pass


def _backup_before_migration(path: Path, applied: list[str]) -> Path:
    """Copy the database aside (a consistent snapshot) before changing its schema."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{len(applied):03d}-{stamp}{path.suffix}")
    make_private(target)
    source = sqlite3.connect(str(path))
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def open_database(path: Path | str, *, create: bool = True,
                  before_migrating: Callable[[Database], None] | None = None) -> Database:
    """Open (or create) a clinic database, migrate it to this version, and return it.

    `before_migrating(db)` runs on the database as it is, before a migration of an existing clinic
    (the composition root makes a backup there)."""
    path = Path(path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        if path.exists():  # emptied (a copy cut short, a disk that failed): not a missing clinic
            raise DatabaseError(_damaged_text(path))
        raise DatabaseError(tr("No clinic database was found at {file}.", file=path))
    applied = check_version(path) if exists else []
    pending = [name for name in known_migrations() if name not in applied]
    if exists and applied and pending:
        _backup_before_migration(path, applied)
    make_private(path.parent, folder=True)
    make_private(path)  # before SQLite opens it: its WAL and shared-memory files take its mode
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            make_private(companion)
    try:
        # The GUI hands the connection from a worker (setup, sign-in) back to the UI thread, never
        # using it from two threads at once, so the same-thread check is off.
        conn = sqlite3.connect(str(path), check_same_thread=False)
        db = _database(conn)
        configure(db)
        if pending and exists and applied and before_migrating is not None:
            before_migrating(db)
        if pending:
            schema.migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise disk_full_error(path, exc) or damaged_error(path, exc) or DatabaseError(
            tr("The database {file} cannot be opened: {error}", file=path, error=exc)) from None
    return db


def quick_check(db: Database) -> bool:
    return db.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def open_read_only(path: Path) -> Database:
    """A second, read-only connection to a clinic database (long reads off the UI thread). It sees
    the WAL, so it reads what was committed."""
    return _database(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False))


class ReadConnection:
    """A plain sqlite3 connection that the stores read through as they read through a sqlite-utils
    Database (`execute`, `conn`), for a command that only reads (`status`): it spares the 60 to
    130 ms of importing sqlite-utils (issue 18). Nothing is written through it."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)

    def close(self) -> None:
        self.conn.close()


def open_for_reading(path: Path) -> ReadConnection | None:
    """The clinic database at `path` for reading, when it exists and holds exactly the migrations
    of this version; None otherwise (no clinic, a database to migrate or from a newer version, a
    file SQLite cannot open): the caller then opens it the full way, which migrates it or says
    what is wrong. Connected as `open_database` connects (so that closing it removes the WAL the
    same way), but nothing is written."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return None
        conn = sqlite3.connect(str(path))
    except (OSError, sqlite3.Error):
        return None
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        if _applied_names(conn) == schema.migration_names():
            return ReadConnection(conn)
    except sqlite3.Error:
        pass
    conn.close()
    return None


class WriteTransaction:
    """The raw transaction the unit of work runs changes in: BEGIN IMMEDIATE takes the write lock
    at once, so two writers wait for each other (busy_timeout) instead of failing on a stale read."""

    def __init__(self, db: Database):
        self._db = db

    @property
    def active(self) -> bool:
        return self._db.conn.in_transaction

    def problem(self, exc: BaseException) -> DatabaseError | None:
        """What the user is told when a statement of this transaction failed for a reason of the
        computer (a full disk), rather than the raw SQLite error; None for anything else."""
        if not isinstance(exc, sqlite3.DatabaseError):
            return None
        return disk_full_error(self._db.execute("PRAGMA database_list").fetchone()[2], exc)

    def begin(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            full = disk_full_error(self._db.execute("PRAGMA database_list").fetchone()[2], exc)
            if full is not None:
                raise full from None
            raise DatabaseError(tr("The clinic's database is busy (another ClinicGuard window or command is "
                                   "writing): try again in a moment. ({error})", error=exc)) from None

    def savepoint(self):
        return self._db.atomic()

    def commit(self) -> None:
        self._db.conn.commit()

    def rollback(self) -> None:
        if self._db.conn.in_transaction:
            self._db.conn.rollback()


def snapshot(db: Database, target: Path) -> None:
    """Copy the committed state of a clinic database into `target` (SQLite online backup), on a
    connection of its own so that the copy is consistent while the application keeps running."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    except sqlite3.DatabaseError as exc:
        raise disk_full_error(path, exc) or DatabaseError(
            tr("The database {file} cannot be read: {error}", file=path, error=exc)) from None
    finally:
        source.close()
