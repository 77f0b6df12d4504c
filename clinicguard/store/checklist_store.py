"""Rows of the `assessment` table: the clinic's answer to each recommendation."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from clinicguard.model.checklist import Assessment

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_COLUMNS = ("item_id", "status", "comment", "responsible", "last_reviewed", "next_review", "catalogue_version",
            "updated_at", "updated_by")


class AssessmentStore:
    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def _from_row(row: tuple) -> Assessment:
        return Assessment(**dict(zip(_COLUMNS, row)))

    def all(self) -> dict[str, Assessment]:
        cursor = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM assessment")
        return {row[0]: self._from_row(row) for row in cursor}

    def get(self, item_id: str) -> Assessment | None:
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM assessment WHERE item_id = ?", [item_id]).fetchone()
        return self._from_row(row) if row else None

    def save(self, assessment: Assessment) -> None:
        self._db["assessment"].upsert(asdict(assessment), pk="item_id")
