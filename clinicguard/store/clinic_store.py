"""The clinic's own row (one per database) and its key/value settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clinicguard.model.catalogue import Structure
from clinicguard.model.clinic import Clinic

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_COLUMNS = ("uuid", "name", "structure", "fiscal_year_start_month", "manager_name", "catalogue_version",
            "vat_recoverable", "created_at")


class ClinicStore:
    def __init__(self, db: Database):
        self._db = db

    def exists(self) -> bool:
        return self._db.execute("SELECT 1 FROM clinic WHERE id = 1").fetchone() is not None

    def get(self) -> Clinic:
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM clinic WHERE id = 1").fetchone()
        values = dict(zip(_COLUMNS, row))
        values["structure"] = Structure(values["structure"])
        values["vat_recoverable"] = bool(values["vat_recoverable"])
        return Clinic(**values)

    def insert(self, clinic: Clinic) -> None:
        row = {"id": 1, **{name: getattr(clinic, name) for name in _COLUMNS}}
        row["structure"] = clinic.structure.value
        row["vat_recoverable"] = int(clinic.vat_recoverable)
        self._db["clinic"].insert(row)

    def update(self, changes: dict[str, Any]) -> None:
        unknown = set(changes) - set(_COLUMNS)
        if unknown or "uuid" in changes:
            raise ValueError(f"cannot change {unknown or 'uuid'}")
        self._db["clinic"].update(1, changes)

    def setting(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self._db["setting"].upsert({"key": key, "value": value}, pk="key")
