"""The audit trail's rows: appended, read in order, never updated (triggers refuse it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from clinicguard.model.audit import GENESIS, AuditEntry, Head

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_COLUMNS = ("id", "ts", "actor_id", "actor_name", "kind", "object_type", "object_id", "before", "after",
            "prev_hash", "hash", "mac")
_ENTRY = "id, ts, actor_id, actor_name, kind, object_type, object_id, before, after, hash"
_DISTINCT_COLUMNS = ("actor_name", "kind", "object_type")


class AuditStore:
    def __init__(self, db: Database):
        self._db = db

    # ---- writing
    def append(self, row: dict) -> None:
        self._db["audit_entry"].insert(row)

    def in_transaction(self) -> bool:
        return self._db.conn.in_transaction

    # ---- the chain
    def last(self) -> tuple[int, str] | None:
        """(id, hash) of the last entry, or None for an empty trail."""
        row = self._db.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def head(self) -> Head:
        """The head as the database has it; needs no key (for status displays, not for proof)."""
        last = self.last()
        return Head(*last) if last else Head(0, GENESIS)

    def hash_at(self, position: int) -> str | None:
        """The hash of the entry at `position` in the trail (1 = first; 0 = the genesis hash)."""
        if position == 0:
            return GENESIS
        row = self._db.execute("SELECT hash FROM audit_entry ORDER BY id LIMIT 1 OFFSET ?", [position - 1]).fetchone()
        return row[0] if row else None

    def rows(self) -> Iterator[dict]:
        """Every row, in order, with its hash and MAC (for verification)."""
        for values in self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit_entry ORDER BY id"):
            yield dict(zip(_COLUMNS, values))

    def prev_hash_after(self, entry_id: int) -> str | None:
        row = self._db.execute("SELECT prev_hash FROM audit_entry WHERE id > ? ORDER BY id LIMIT 1",
                               [entry_id]).fetchone()
        return row[0] if row else None

    def count_with_hash(self, digest: str) -> int:
        return self._db.execute("SELECT count(*) FROM audit_entry WHERE hash = ?", [digest]).fetchone()[0]

    # ---- reading
    def search(self, *, person: str | None = None, since: str | None = None, until: str | None = None,
               kind: str | None = None, object_type: str | None = None, object_id: str | None = None,
               limit: int | None = None, newest_first: bool = False) -> list[AuditEntry]:
        """`since`/`until` are ISO dates or timestamps (until a date includes that whole day, UTC);
        `kind` matches a whole kind or a family ("person" matches "person.create")."""
        clauses, params = [], []
        if person:
            clauses.append("actor_name = ? COLLATE NOCASE")
            params.append(person)
        if since:
            clauses.append("ts >= ?")
            params.append(since)
        if until:
            clauses.append("ts < ?" if "T" in until else "substr(ts, 1, 10) <= ?")
            params.append(until)
        if kind:
            # the range first, which the index on kind answers (the kinds kept are lower-case ASCII,
            # as LIKE compares them): the dashboard's history no longer scans 30,000 entries
            clauses.append("kind >= ? AND kind < ? AND (kind = ? OR kind LIKE ? ESCAPE '\\')")
            params += [kind.lower(), kind.lower() + "/", kind,
                       kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"]
        if object_type:
            clauses.append("object_type = ?")
            params.append(object_type)
        if object_id:
            clauses.append("object_id = ?")
            params.append(str(object_id))
        sql = f"SELECT {_ENTRY} FROM audit_entry"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_entry(r) for r in self._db.execute(sql, params)]

    def last_of_each_kind(self, family: str) -> list[AuditEntry]:
        """The last entry of each kind of a family ("export": "export.budget", "export.checklist"...),
        in journal order; through the kind index, without reading the whole journal."""
        sql = (f"SELECT {_ENTRY} FROM audit_entry WHERE id IN (SELECT max(id) FROM audit_entry "
               f"WHERE kind = ? OR (kind >= ? AND kind < ?) GROUP BY kind) ORDER BY id")
        return [_entry(r) for r in self._db.execute(sql, [family, family + ".", family + "/"])]  # "/" follows "."

    def last_actor_of(self, kind: str) -> str | None:
        """The name of whoever made the last entry of `kind` (through the kind index)."""
        row = self._db.execute("SELECT actor_name FROM audit_entry WHERE kind = ? ORDER BY id DESC LIMIT 1",
                               [kind]).fetchone()
        return row[0] if row else None

    def distinct(self, column: str) -> list[str]:
        """The values present in one column, for the journal's filter lists."""
        if column not in _DISTINCT_COLUMNS:
            raise ValueError(column)
        return [r[0] for r in self._db.execute(f"SELECT DISTINCT {column} FROM audit_entry ORDER BY {column}")]

    # ---- what changed since a look
    def data_version(self) -> int:
        """SQLite's counter of commits made by other connections to this database file."""
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def last_id(self) -> int:
        last = self.last()
        return last[0] if last else 0

    def kinds_after(self, entry_id: int) -> tuple[int, list[str]]:
        """The kinds of the entries written after `entry_id`, and the last id read."""
        rows = self._db.execute("SELECT id, kind FROM audit_entry WHERE id > ? ORDER BY id", [entry_id]).fetchall()
        return (rows[-1][0] if rows else entry_id), [kind for _, kind in rows]


def _entry(r) -> AuditEntry:
    return AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                      json.loads(r[7]) if r[7] else None, json.loads(r[8]) if r[8] else None, r[9])
