"""The checklist: each recommendation's status, and the compliance score built from them.

Score (shown to the user and in the README): over the items that apply to the clinic (status
not "not applicable"), each weighted by its severity (1 to 4), compliant counts 1, partly
compliant 0.5, not compliant and not yet assessed 0. Score = weighted sum / total weight, as a
percentage. Unassessed items count as gaps so that an untouched checklist never looks good.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from clinicguard.core.catalogue import Catalogue, Recommendation, Structure
from clinicguard.i18n import tr

REVIEW_HORIZON_DAYS = 30


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


SCORE_FORMULA = (
    "Score = sum of (severity x credit) / sum of severities, over the recommendations that apply; "
    "credit: compliant 1, partly compliant 0.5, not compliant or not assessed 0."
)


def score_formula() -> str:
    return tr(SCORE_FORMULA)


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


@dataclass(frozen=True)
class Score:
    percent: float | None  # None when nothing applies
    weight: int
    counts: dict[str, int]

    @property
    def text(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.0f} %"


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


@dataclass(frozen=True)
class ChecklistSummary:
    overall: Score
    by_domain: dict[str, Score]
    never_assessed: int
    reviews_due: list[ChecklistRow]
    overdue_reviews: list[ChecklistRow]


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
