"""Rows of the `evidence` table and its links to recommendations and actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from clinicguard.model.evidence import Evidence
from clinicguard.store.db import quick_check

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_COLUMNS = ("id", "blob", "title", "description", "original_name", "media_type", "size", "sha256", "added_by",
            "added_by_name", "added_at", "valid_from", "expires_on")
_EDITABLE = {"title", "description", "valid_from", "expires_on"}


class EvidenceStore:
    def __init__(self, db: Database):
        self._db = db

    def _links(self, ids: list[int] | None) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
        where, params = "", []
        if ids is not None:
            where = f" WHERE evidence_id IN ({', '.join('?' * len(ids))})"
            params = ids
        items: dict[int, list[str]] = {}
        actions: dict[int, list[int]] = {}
        for ev, item in self._db.execute(f"SELECT evidence_id, item_id FROM evidence_item{where} ORDER BY item_id", params):
            items.setdefault(ev, []).append(item)
        for ev, action in self._db.execute(
            f"SELECT evidence_id, action_id FROM evidence_action{where} ORDER BY action_id", params
        ):
            actions.setdefault(ev, []).append(action)
        return items, actions

    def _select(self, where: str = "", params: list | None = None) -> list[Evidence]:
        rows = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM evidence {where} ORDER BY added_at DESC, id DESC", params or []
        ).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows] if len(rows) < 500 else None
        items, actions = self._links(ids)
        return [
            Evidence(**dict(zip(_COLUMNS, r)), items=tuple(items.get(r[0], ())), actions=tuple(actions.get(r[0], ())))
            for r in rows
        ]

    def all(self) -> list[Evidence]:
        return self._select()

    def get(self, evidence_id: int) -> Evidence | None:
        found = self._select("WHERE id = ?", [int(evidence_id)])
        return found[0] if found else None

    def counts_by_item(self) -> dict[str, int]:
        """How many files back each recommendation (for the checklist's evidence column)."""
        return dict(self._db.execute("SELECT item_id, count(*) FROM evidence_item GROUP BY item_id"))

    def blob_names(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT blob FROM evidence")}

    def has_blob(self, blob: str) -> bool:
        return self._db.execute("SELECT 1 FROM evidence WHERE blob = ?", [blob]).fetchone() is not None

    def blob_committed(self, blob: str) -> bool:
        """Whether the blob's row is in the database for good (no transaction left open)."""
        return not self._db.conn.in_transaction and self.has_blob(blob)

    def has_action(self, action_id: int) -> bool:
        """Whether an action exists that evidence may be linked to."""
        return self._db.execute("SELECT 1 FROM action WHERE id = ?", [int(action_id)]).fetchone() is not None

    def quick_check(self) -> bool:
        """SQLite's own consistency check of the database the records live in (the start-up check)."""
        return quick_check(self._db)

    def insert(self, evidence: Evidence) -> int:
        values = {c: getattr(evidence, c) for c in _COLUMNS if c != "id"}
        evidence_id = self._db["evidence"].insert(values).last_pk
        self.link(evidence_id, evidence.items, evidence.actions)
        return evidence_id

    def link(self, evidence_id: int, items: Iterable[str] = (), actions: Iterable[int] = ()) -> None:
        for item in items:
            self._db.execute("INSERT OR IGNORE INTO evidence_item (evidence_id, item_id) VALUES (?, ?)",
                             [evidence_id, item])
        for action in actions:
            self._db.execute("INSERT OR IGNORE INTO evidence_action (evidence_id, action_id) VALUES (?, ?)",
                             [evidence_id, int(action)])

    def unlink(self, evidence_id: int, items: Iterable[str] = (), actions: Iterable[int] = ()) -> None:
        for item in items:
            self._db.execute("DELETE FROM evidence_item WHERE evidence_id = ? AND item_id = ?", [evidence_id, item])
        for action in actions:
            self._db.execute("DELETE FROM evidence_action WHERE evidence_id = ? AND action_id = ?",
                             [evidence_id, int(action)])

    def update(self, evidence_id: int, **changes) -> None:
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise ValueError(f"cannot change {unknown}")
        self._db["evidence"].update(int(evidence_id), changes)

    def delete(self, evidence_id: int) -> None:
        self._db.execute("DELETE FROM evidence WHERE id = ?", [int(evidence_id)])
