"""The snapshots of every catalogue version a clinic has used, and the record of its upgrades."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from clinicguard.model.catalogue import (
    Catalogue, CatalogueChanges, Recommendation, recommendation_from_raw, recommendation_to_raw, version_key,
)

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database


class CatalogueStore:
    """The snapshots of catalogue versions and the record of upgrades, in the clinic's database."""

    def __init__(self, db: Database):
        self._db = db

    def snapshot(self, catalogue: Catalogue) -> None:
        rows = [{"version": catalogue.version, "item_id": item.id,
                 "item_json": json.dumps(recommendation_to_raw(item), ensure_ascii=False, sort_keys=True)}
                for item in catalogue.items]
        self._db["catalogue_item"].insert_all(rows, ignore=True)

    def items(self, version: str) -> dict[str, Recommendation]:
        return {r[0]: recommendation_from_raw(json.loads(r[1])) for r in self._db.execute(
            "SELECT item_id, item_json FROM catalogue_item WHERE version = ?", [version])}

    def last_known(self, item_id: str) -> Recommendation | None:
        """The most recent stored wording of an item, whichever version it comes from."""
        rows = self._db.execute("SELECT version, item_json FROM catalogue_item WHERE item_id = ?", [item_id]).fetchall()
        if not rows:
            return None
        _, latest = max(rows, key=lambda r: version_key(r[0]))
        return recommendation_from_raw(json.loads(latest))

    def record_upgrade(self, changes: CatalogueChanges) -> None:
        self._db["catalogue_upgrade"].insert({
            "from_version": changes.from_version, "to_version": changes.to_version, "upgraded_at": changes.upgraded_at,
            "added": json.dumps(changes.added), "removed": json.dumps(changes.removed),
            "changed": json.dumps(changes.changed), "seen": 0,
        })

    def upgrades(self, *, unseen_only: bool = False) -> list[CatalogueChanges]:
        sql = "SELECT from_version, to_version, added, removed, changed, upgraded_at FROM catalogue_upgrade"
        if unseen_only:
            sql += " WHERE seen = 0"
        return [CatalogueChanges(r[0], r[1], tuple(json.loads(r[2])), tuple(json.loads(r[3])), tuple(json.loads(r[4])), r[5])
                for r in self._db.execute(sql + " ORDER BY id")]

    def mark_seen(self) -> None:
        with self._db.atomic():
            self._db.execute("UPDATE catalogue_upgrade SET seen = 1 WHERE seen = 0")
