"""Moving a clinic to a newer catalogue without losing anything.

The clinic's database keeps a snapshot of every catalogue version it has used. When a newer
catalogue ships (say, the CNIL's final text), answers carry over by item id; an item that
disappeared keeps its answer and wording, read-only; new items start as not assessed; and the
upgrade records what was added, removed and changed, for the user to see.

An item whose meaning changed (the catalogue marks it with `changed_in` and says why in
`review_fr`/`review_en`) is never silently kept compliant: its earlier answer goes back to
"not assessed", due for review today, with its comment and responsible kept and the previous
status in the audit trail; the reason is shown with the recommendation until it is answered again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from clinicguard.core import clock
from clinicguard.core.clock import utc_now
from clinicguard.core.uow import UnitOfWork
from clinicguard.model.catalogue import (
    Catalogue,
    CatalogueChanges,
    Recommendation,
    version_key,
)
from clinicguard.model.checklist import Assessment, Status
from clinicguard.store.catalogue_store import CatalogueStore
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.clinic_store import ClinicStore

# What makes an item "changed" for the user: its meaning, not a typo fix in a guidance text.
_MEANINGFUL = ("title", "question", "severity", "applies_to", "domain", "theme")


def diff(old: dict[str, Recommendation], new: Catalogue) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    new_ids = {item.id for item in new.items}
    added = tuple(item.id for item in new.items if item.id not in old)
    removed = tuple(sorted(item_id for item_id in old if item_id not in new_ids))
    changed = tuple(
        item.id for item in new.items
        if item.id in old and any(getattr(item, f) != getattr(old[item.id], f) for f in _MEANINGFUL)
    )
    return added, removed, changed


def upgrade_pending(recorded_version: str, catalogue: Catalogue) -> bool:
    return version_key(catalogue.version) > version_key(recorded_version)


def review_ids(old: dict[str, Recommendation], from_version: str, catalogue: Catalogue) -> tuple[str, ...]:
    """Items kept by id whose meaning changed after `from_version`: their earlier answers need a new look."""
    return tuple(item.id for item in catalogue.items if item.id in old and item.needs_review(from_version))


def new_changes(old: dict[str, Recommendation], from_version: str, catalogue: Catalogue) -> CatalogueChanges:
    added, removed, changed = diff(old, catalogue)
    review = review_ids(old, from_version, catalogue)
    changed = tuple(dict.fromkeys(changed + review))
    return CatalogueChanges(from_version, catalogue.version, added, removed, changed, utc_now(), review)


class CatalogueVersions:
    """The clinic's move to a newer bundled catalogue, and what it keeps of the older ones."""

    def __init__(self, catalogue: Catalogue, history: CatalogueStore, clinic: ClinicStore,
                 assessments: AssessmentStore, uow: UnitOfWork, before_upgrade: Callable[[], object] = lambda: None):
        """`before_upgrade()` runs before the clinic moves to a newer catalogue (a backup)."""
        self._catalogue = catalogue
        self._before_upgrade = before_upgrade
        self._history = history
        self._clinic = clinic
        self._assessments = assessments
        self._uow = uow

    def upgrade_pending(self) -> bool:
        return upgrade_pending(self._clinic.get().catalogue_version, self._catalogue)

    def upgrade(self) -> CatalogueChanges | None:
        """Move the clinic to the newer bundled catalogue: answers carry over by item id, items
        that disappeared keep their answer read-only, new items start as not assessed."""
        if not self.upgrade_pending():
            return None
        self._before_upgrade()
        clinic = self._clinic.get()
        old = self._history.items(clinic.catalogue_version)
        with self._uow.system_change() as audit:
            changes = new_changes(old, clinic.catalogue_version, self._catalogue)
            self._history.snapshot(self._catalogue)
            self._history.record_upgrade(changes)
            self._clinic.update({"catalogue_version": self._catalogue.version})
            audit.record("catalogue.upgrade", "catalogue", self._catalogue.version,
                         {"version": clinic.catalogue_version},
                         {"version": self._catalogue.version, "added": list(changes.added),
                          "removed": list(changes.removed), "changed": list(changes.changed),
                          "review": list(changes.review)})
            self._send_back_to_review(changes, audit)
        return changes

    def _send_back_to_review(self, changes: CatalogueChanges, audit) -> None:
        """An answer given under the old meaning is not kept as it was: back to not assessed, due today."""
        today = clock.today().isoformat()
        answers = self._assessments.all()
        for item_id in changes.review:
            answer = answers.get(item_id)
            if answer is None or answer.status == Status.NOT_ASSESSED.value:
                continue
            item = self._catalogue.get(item_id)
            updated = answer.changed(status=Status.NOT_ASSESSED.value, next_review=today, updated_at=utc_now())
            self._assessments.save(updated)
            audit.record("assessment.review", "recommendation", item_id, answer.public(),
                         {**updated.public(), "catalogue_version": self._catalogue.version,
                          "reason_fr": item.review.get("fr", ""), "reason_en": item.review.get("en", "")})

    def retired_recommendations(self) -> list[tuple[Recommendation, Assessment]]:
        """Answers kept for items that a newer catalogue dropped: shown read-only."""
        result = []
        for item_id, answer in sorted(self._assessments.all().items()):
            if item_id not in self._catalogue:
                item = self._history.last_known(item_id)
                if item is not None:
                    result.append((item, answer))
        return result

    def upgrades(self, *, unseen_only: bool = False) -> list[CatalogueChanges]:
        """The recorded upgrades; which changed items went back to review is read from the catalogue."""
        result = []
        for change in self._history.upgrades(unseen_only=unseen_only):
            changed = set(change.changed)
            review = tuple(item.id for item in self._catalogue.items  # in catalogue order, as at the upgrade
                           if item.id in changed and item.needs_review(change.from_version)
                           and version_key(item.changed_in) <= version_key(change.to_version))
            result.append(dataclasses.replace(change, review=review))
        return result

    def mark_seen(self) -> None:
        """The user has been told what the last upgrades changed."""
        self._history.mark_seen()
