"""Rows of the `sign_off` and `sign_off_request` tables: practitioners' confirmations and the
manager's requests for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinicguard.model.signoff import SignOff, SignOffRequest

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database


class SignOffStore:
    def __init__(self, db: Database):
        self._db = db

    _SIGN_OFF_SQL = ("SELECT s.item_id, s.person_id, p.name, s.signed_at, s.comment, s.catalogue_version "
                     "FROM sign_off s JOIN person p ON p.id = s.person_id")
    _REQUEST_SQL = ("SELECT r.item_id, r.requested_at, r.requested_by, coalesce(p.name, ''), r.note "
                    "FROM sign_off_request r LEFT JOIN person p ON p.id = r.requested_by")

    def sign_offs(self, item_id: str | None = None, person_id: int | None = None) -> list[SignOff]:
        clauses, params = [], []
        if item_id is not None:
            clauses.append("s.item_id = ?")
            params.append(item_id)
        if person_id is not None:
            clauses.append("s.person_id = ?")
            params.append(person_id)
        sql = self._SIGN_OFF_SQL + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY s.item_id, p.name COLLATE NOCASE"
        return [SignOff(*r) for r in self._db.execute(sql, params)]

    def get(self, item_id: str, person_id: int) -> SignOff | None:
        found = self.sign_offs(item_id, person_id)
        return found[0] if found else None

    def save(self, sign_off: SignOff) -> None:
        self._db["sign_off"].upsert(
            {"item_id": sign_off.item_id, "person_id": sign_off.person_id, "signed_at": sign_off.signed_at,
             "comment": sign_off.comment, "catalogue_version": sign_off.catalogue_version},
            pk=("item_id", "person_id"),
        )

    def delete(self, item_id: str, person_id: int) -> None:
        self._db.execute("DELETE FROM sign_off WHERE item_id = ? AND person_id = ?", [item_id, person_id])

    def requests(self) -> dict[str, SignOffRequest]:
        return {r[0]: SignOffRequest(*r) for r in self._db.execute(self._REQUEST_SQL + " ORDER BY r.item_id")}

    def request(self, item_id: str) -> SignOffRequest | None:
        row = self._db.execute(self._REQUEST_SQL + " WHERE r.item_id = ?", [item_id]).fetchone()
        return SignOffRequest(*row) if row else None

    def save_request(self, request: SignOffRequest) -> None:
        self._db["sign_off_request"].upsert(
            {"item_id": request.item_id, "requested_at": request.requested_at,
             "requested_by": request.requested_by, "note": request.note},
            pk="item_id",
        )

    def delete_request(self, item_id: str) -> None:
        self._db.execute("DELETE FROM sign_off_request WHERE item_id = ?", [item_id])
