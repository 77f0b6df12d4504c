"""Moving a clinic to a newer catalogue without losing anything.

The clinic's database keeps a snapshot of every catalogue version it has used. When a newer
catalogue ships (say, the CNIL's final text), answers carry over by item id; an item that
disappeared keeps its answer and wording, read-only; new items start as not assessed; and the
upgrade records what was added, removed and changed, for the user to see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from clinicguard.core.audit import utc_now
from clinicguard.core.catalogue import Catalogue, Recommendation, recommendation_from_raw, recommendation_to_raw, version_key

# What makes an item "changed" for the user: its meaning, not a typo fix in a guidance text.
_MEANINGFUL = ("title", "question", "severity", "applies_to", "domain", "theme")


@dataclass(frozen=True)
class CatalogueChanges:
    from_version: str
    to_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    upgraded_at: str = ""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff(old: dict[str, Recommendation], new: Catalogue) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    new_ids = {item.id for item in new.items}
    added = tuple(item.id for item in new.items if item.id not in old)
    removed = tuple(sorted(item_id for item_id in old if item_id not in new_ids))
    changed = tuple(
        item.id for item in new.items
        if item.id in old and any(getattr(item, f) != getattr(old[item.id], f) for f in _MEANINGFUL)
    )
    return added, removed, changed


class CatalogueHistory:
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


def upgrade_pending(recorded_version: str, catalogue: Catalogue) -> bool:
    return version_key(catalogue.version) > version_key(recorded_version)


def new_changes(old: dict[str, Recommendation], from_version: str, catalogue: Catalogue) -> CatalogueChanges:
    added, removed, changed = diff(old, catalogue)
    return CatalogueChanges(from_version, catalogue.version, added, removed, changed, utc_now())
