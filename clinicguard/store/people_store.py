"""Rows of the `person` table. The secret's hash is read only by the sign-in check, never returned
inside a Person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinicguard.model.people import Person, Role

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_COLUMNS = ("id", "name", "role", "secret_kind", "failed_attempts", "locked", "active", "created_at",
            "locked_until", "must_change_secret")
_BOOLEANS = ("locked", "active", "must_change_secret")


class PersonStore:
    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def _from_row(row: tuple) -> Person:
        values = dict(zip(_COLUMNS, row))
        values["role"] = Role(values["role"])
        for key in _BOOLEANS:
            values[key] = bool(values[key])
        return Person(**values)

    def _select(self, where: str, params: list) -> list[Person]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM person WHERE {where} ORDER BY name COLLATE NOCASE"
        return [self._from_row(r) for r in self._db.execute(sql, params)]

    def all(self, include_inactive: bool = True) -> list[Person]:
        return self._select("1" if include_inactive else "active = 1", [])

    def get(self, person_id: int) -> Person | None:
        found = self._select("id = ?", [person_id])
        return found[0] if found else None

    def by_name(self, name: str) -> Person | None:
        found = self._select("name = ? COLLATE NOCASE", [name])
        return found[0] if found else None

    def secret_hash(self, person_id: int) -> str:
        return self._db.execute("SELECT secret_hash FROM person WHERE id = ?", [person_id]).fetchone()[0]

    def insert(self, *, name: str, role: Role, secret_kind: str, secret_hash: str, created_at: str,
               must_change_secret: bool = False) -> int:
        return self._db["person"].insert(
            {"name": name, "role": Role(role).value, "secret_kind": secret_kind, "secret_hash": secret_hash,
             "created_at": created_at, "must_change_secret": int(must_change_secret)}
        ).last_pk

    def update(self, person_id: int, **changes) -> None:
        allowed = {"role", "failed_attempts", "locked", "locked_until", "active"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {set(changes) - allowed}")
        row = {k: (int(v) if k in _BOOLEANS else (v.value if isinstance(v, Role) else v)) for k, v in changes.items()}
        self._db["person"].update(person_id, row)

    def add_failure(self, person_id: int) -> int:
        """Count one more wrong secret on the row itself and return the new count, so that two
        attempts finishing together cannot both start from the same old count."""
        return self._db.execute("UPDATE person SET failed_attempts = failed_attempts + 1 WHERE id = ? "
                                "RETURNING failed_attempts", [person_id]).fetchone()[0]

    def set_secret(self, person_id: int, kind: str, secret_hash: str, *, must_change: bool) -> None:
        self._db["person"].update(person_id, {"secret_kind": kind, "secret_hash": secret_hash,
                                              "must_change_secret": int(must_change)})
