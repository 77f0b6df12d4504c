"""The compliance score and the checklist's summary, from the catalogue and the clinic's answers:
pure functions over values, which `status` computes without the checklist's service (issue 18).

Score (shown to the user and in the README): over the items that apply to the clinic (status
not "not applicable"), each weighted by its severity (1 to 4), compliant counts 1, partly
compliant 0.5, not compliant and not yet assessed 0. Score = weighted sum / total weight, as a
percentage. Unassessed items count as gaps so that an untouched checklist never looks good.
"""

from __future__ import annotations

from datetime import date, timedelta

from clinicguard.i18n import tr
from clinicguard.model.catalogue import Catalogue, Recommendation, Structure
from clinicguard.model.checklist import (
    Assessment,
    ChecklistRow,
    ChecklistSummary,
    Score,
    Status,
)

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
