"""A clinic's answers to the recommendations: statuses, assessments and checklist rows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from clinicguard.i18n import tr
from clinicguard.model.catalogue import Recommendation


class Status(StrEnum):
    NOT_ASSESSED = "not-assessed"
    COMPLIANT = "compliant"
    PARTIAL = "partial"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"

    @property
    def label(self) -> str:
        return {
            Status.NOT_ASSESSED: tr("Not assessed"),
            Status.COMPLIANT: tr("Compliant"),
            Status.PARTIAL: tr("Partly compliant"),
            Status.NON_COMPLIANT: tr("Not compliant"),
            Status.NOT_APPLICABLE: tr("Not applicable"),
        }[self]

    @property
    def credit(self) -> float:
        return {Status.COMPLIANT: 1.0, Status.PARTIAL: 0.5}.get(self, 0.0)


@dataclass(frozen=True)
class Assessment:
    item_id: str
    status: str = Status.NOT_ASSESSED.value
    comment: str = ""
    responsible: str = ""
    last_reviewed: str | None = None
    next_review: str | None = None
    catalogue_version: str = ""
    updated_at: str = ""
    updated_by: int | None = None

    def changed(self, **changes) -> "Assessment":
        return dataclasses.replace(self, **changes)

    def public(self) -> dict:
        """The fields a user sets, as recorded in the audit trail."""
        return {k: getattr(self, k) for k in ("status", "comment", "responsible", "last_reviewed", "next_review")}


@dataclass(frozen=True)
class ChecklistRow:
    """One recommendation with the clinic's answer, as the checklist view and exports show it."""

    item: Recommendation
    assessment: Assessment
    status: Status
    applies: bool
    retired: bool = False  # dropped by a newer catalogue: answer kept, read-only, not scored


@dataclass(frozen=True)
class Score:
    percent: float | None  # None when nothing applies
    weight: int
    counts: dict[str, int]

    @property
    def text(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.0f} %"


@dataclass(frozen=True)
class ChecklistSummary:
    overall: Score
    by_domain: dict[str, Score]
    never_assessed: int
    reviews_due: list[ChecklistRow]
    overdue_reviews: list[ChecklistRow]
