"""The checklist: each recommendation's status, and the compliance score built from them.

Score (shown to the user and in the README): over the items that apply to the clinic (status
not "not applicable"), each weighted by its severity (1 to 4), compliant counts 1, partly
compliant 0.5, not compliant and not yet assessed 0. Score = weighted sum / total weight, as a
percentage. Unassessed items count as gaps so that an untouched checklist never looks good.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from clinicguard.core.formatting import check_text
from clinicguard.model.catalogue import Catalogue, Recommendation, Structure
from clinicguard.i18n import tr
from clinicguard.core import clock
from clinicguard.core.formatting import parse_date
from clinicguard.core.uow import UnitOfWork
from clinicguard.model.errors import ClinicGuardError, NotFound
from clinicguard.model.people import Actor, Permission
from clinicguard.store.catalogue_store import CatalogueStore
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.model.checklist import Assessment, ChecklistRow, ChecklistSummary, Score, Status

REVIEW_HORIZON_DAYS = 30


SCORE_FORMULA = (
    "Score = sum of (severity x credit) / sum of severities, over the recommendations that apply; "
    "credit: compliant 1, partly compliant 0.5, not compliant or not assessed 0."
)


def score_formula() -> str:
    return tr(SCORE_FORMULA)


def effective_status(item: Recommendation, assessment: Assessment | None, structure: Structure) -> Status:
    """The stored answer, or 'not applicable' for an item outside the structure's scope."""
    if assessment is not None and assessment.updated_at:
        return Status(assessment.status)
    return Status.NOT_ASSESSED if item.applies(structure) else Status.NOT_APPLICABLE


def rows(catalogue: Catalogue, assessments: dict[str, Assessment], structure: Structure) -> list[ChecklistRow]:
    result = []
    for item in catalogue.items:
        assessment = assessments.get(item.id) or Assessment(item.id)
        result.append(ChecklistRow(item, assessment, effective_status(item, assessment, structure), item.applies(structure)))
    return result


def score(checklist_rows: list[ChecklistRow]) -> Score:
    counts = {s.value: 0 for s in Status}
    weight, earned = 0, 0.0
    for row in checklist_rows:
        counts[row.status.value] += 1
        if row.status is Status.NOT_APPLICABLE:
            continue
        weight += row.item.severity
        earned += row.item.severity * row.status.credit
    return Score(round(100.0 * earned / weight, 1) if weight else None, weight, counts)


def summarize(checklist_rows: list[ChecklistRow], today: date | None = None) -> ChecklistSummary:
    today = today or date.today()
    horizon = (today + timedelta(days=REVIEW_HORIZON_DAYS)).isoformat()
    by_domain: dict[str, list[ChecklistRow]] = {}
    for row in checklist_rows:
        by_domain.setdefault(row.item.domain, []).append(row)
    due = [r for r in checklist_rows if r.assessment.next_review and today.isoformat() <= r.assessment.next_review <= horizon]
    overdue = [r for r in checklist_rows if r.assessment.next_review and r.assessment.next_review < today.isoformat()]
    return ChecklistSummary(
        overall=score(checklist_rows),
        by_domain={domain: score(domain_rows) for domain, domain_rows in by_domain.items()},
        never_assessed=sum(1 for r in checklist_rows if r.status is Status.NOT_ASSESSED),
        reviews_due=sorted(due, key=lambda r: r.assessment.next_review or ""),
        overdue_reviews=sorted(overdue, key=lambda r: r.assessment.next_review or ""),
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
