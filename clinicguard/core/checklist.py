"""The checklist: each recommendation's status, changed one at a time; the compliance score built
from them is in core/scoring.py (its formula is explained there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinicguard.core.formatting import check_text
from clinicguard.model.catalogue import Catalogue
from clinicguard.i18n import tr
from clinicguard.core import clock
from clinicguard.core.formatting import parse_date
from clinicguard.core.uow import UnitOfWork
from clinicguard.model.errors import ClinicGuardError, NotFound
from clinicguard.model.people import Actor, Permission
from clinicguard.store.catalogue_store import CatalogueStore
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.model.checklist import Assessment, ChecklistRow, Status
from clinicguard.core.scoring import (  # noqa: F401  (re-exported: the score is the checklist's)
    REVIEW_HORIZON_DAYS, SCORE_FORMULA, effective_status, rows, score, score_formula, summarize,
)


class Checklist:
    """The clinic's answers: read as rows over the catalogue, changed one recommendation at a time."""

    _FIELDS = frozenset({"status", "comment", "responsible", "last_reviewed", "next_review"})

    def __init__(self, store: AssessmentStore, uow: UnitOfWork, catalogue: Catalogue, clinic: ClinicStore,
                 history: CatalogueStore, empty_register: Callable[[str], Any] = lambda _item_id: None):
        """`empty_register(item_id)` names the register an item is about when that register is
        empty (core/registers.py): marking such an item compliant then asks for a comment."""
        self.store = store
        self._empty_register = empty_register
        self._uow = uow
        self._catalogue = catalogue
        self._clinic = clinic
        self._history = history

    def rows(self) -> list[ChecklistRow]:
        return rows(self._catalogue, self.store.all(), self._clinic.get().structure)

    def set_assessment(self, actor: Actor, item_id: str, **changes: Any) -> Assessment:
        """Change a recommendation's status, comment, responsible or review dates; saved at once."""
        if item_id not in self._catalogue:
            if self._history.last_known(item_id) is not None:
                raise ClinicGuardError(tr("The recommendation {id} is no longer in the catalogue: its history is kept, "
                                          "read-only.", id=item_id))
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        if set(changes) - self._FIELDS:
            raise ValueError(f"cannot change {set(changes) - self._FIELDS}")
        if "status" in changes:
            try:
                changes["status"] = Status(changes["status"]).value
            except ValueError:
                raise ClinicGuardError(
                    tr("Unknown status {value!r}: use one of {allowed}.", value=changes["status"],
                       allowed=", ".join(s.value for s in Status))
                ) from None
        for field, word in (("comment", tr("the comment")), ("responsible", tr("the responsible"))):
            if changes.get(field):
                check_text(str(changes[field]), word)
        for field in ("last_reviewed", "next_review"):
            if changes.get(field):
                changes[field] = parse_date(changes[field])
        with self._uow.writing(actor, Permission.ASSESS) as audit:
            clinic = self._clinic.get()
            current = self.store.get(item_id)
            if current is None:
                item = self._catalogue.get(item_id)
                current = Assessment(item_id, status=(Status.NOT_ASSESSED if item.applies(clinic.structure)
                                                      else Status.NOT_APPLICABLE).value)
            comment = changes.get("comment", current.comment)
            if changes.get("status") == Status.COMPLIANT.value and not (comment or "").strip():
                register = self._empty_register(item_id)
                if register is not None:
                    raise ClinicGuardError(tr("The {register} in ClinicGuard is empty: add a comment saying where "
                                              "it is kept, or fill it in first.", register=register.label.lower()))
            if "status" in changes and changes["status"] != Status.NOT_ASSESSED.value and "last_reviewed" not in changes:
                changes["last_reviewed"] = clock.today().isoformat()
            updated = current.changed(**changes, catalogue_version=clinic.catalogue_version,
                                      updated_at=clock.utc_now(), updated_by=audit.actor.id)
            before = current.public() if current.updated_at else None
            if before == updated.public():
                return current
            self.store.save(updated)
            audit.record("assessment.update", "recommendation", item_id, before, updated.public())
        return updated
