"""The audit trail's rows: appended, read in order, never updated (triggers refuse it)."""

from __future__ import annotations

from sqlite_utils import Database


class AuditStore:
    def __init__(self, db: Database):
        self._db = db

    def data_version(self) -> int:
        """SQLite's counter of commits made by other connections to this database file."""
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def last_id(self) -> int:
        row = self._db.execute("SELECT max(id) FROM audit_entry").fetchone()
        return row[0] or 0

    def kinds_after(self, entry_id: int) -> tuple[int, list[str]]:
        """The kinds of the entries written after `entry_id`, and the last id read."""
        rows = self._db.execute("SELECT id, kind FROM audit_entry WHERE id > ? ORDER BY id", [entry_id]).fetchall()
        return (rows[-1][0] if rows else entry_id), [kind for _, kind in rows]
