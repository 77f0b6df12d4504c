"""Where the clinic stands, as the JSON objects `clinicguard status --json` and
`clinicguard signoff status --json` print for scripts (the keys are a stable interface)."""

from __future__ import annotations

from datetime import date

from clinicguard.core.plan import ActionPlan
from clinicguard.model.budget import fiscal_year_bounds, fiscal_year_label
from clinicguard.core.checklist import score_formula, summarize
from clinicguard.core.exports import last_exports
from clinicguard.core.workspace import Workspace


def status_object(ws: Workspace) -> dict:
    """The clinic's standing as one JSON object; later features add their own keys."""
    clinic = ws.settings.clinic
    rows = ws.checklist.rows()
    summary = summarize(rows)
    result = {
        "clinic": {"name": clinic.name, "structure": clinic.structure.value,
                   "fiscal_year_start_month": clinic.fiscal_year_start_month},
        "catalogue_version": clinic.catalogue_version,
        "score_formula": score_formula(),
        "overall": {"score": summary.overall.percent, "counts": summary.overall.counts},
        "domains": {
            domain: {"title": ws.catalogue.domain_title(domain), "score": s.percent, "counts": s.counts}
            for domain, s in summary.by_domain.items()
        },
        "never_assessed": summary.never_assessed,
        "reviews_due_30_days": [r.item.id for r in summary.reviews_due],
        "reviews_overdue": [r.item.id for r in summary.overdue_reviews],
    }
    result.update(plan_status(ws.plan))
    result.update(ws.vault.summary())

    people = ws.people.all()
    result["people"] = {"active": sum(p.active for p in people),
                        "locked": [p.name for p in people if p.active and p.locked]}
    overview = ws.signoffs.overview()
    result["signoff"] = {"open_requests": sum(1 for s in overview.values() if s.request),
                         "incomplete_requests": sorted(i for i, s in overview.items() if s.request and s.missing)}
    head = ws.audit.stored_head()
    result["audit"] = {"entries": head.count, "head": head.text}
    result["last_exports"] = last_exports(ws)
    return result


def plan_status(plan: ActionPlan, today: date | None = None) -> dict:
    """The plan's keys of `clinicguard status --json`: counts, and per fiscal year the totals in cents
    (one pass over the amounts: the full yearly summaries are not needed for four totals)."""
    standing = plan.standing(today)
    budget = {}
    for year, t in standing.totals.items():
        start, end = fiscal_year_bounds(year, standing.start_month)
        budget[str(year)] = {
            "label": fiscal_year_label(year, standing.start_month), "start": start.isoformat(), "end": end.isoformat(),
            "planned_ht": t.planned_ht, "planned_ttc": t.planned_ttc,
            "actual_ht": t.actual_ht, "actual_ttc": t.actual_ttc,
        }
    return {
        "actions": standing.actions,
        "overdue_actions": standing.overdue,
        "actions_due_30_days": standing.due_soon,
        "gaps_without_action": [g.row.item.id for g in plan.gaps_without_action()],
        "budget_by_fiscal_year": budget,
    }


def signoff_object(ws: Workspace, item_ids: list[str] | None = None) -> dict:
    """Who has and has not confirmed each item, as `clinicguard signoff status --json` prints it."""
    return {
        item_id: {"requested_at": s.request.requested_at if s.request else None,
                  "confirmed": [{"person": c.person_name, "signed_at": c.signed_at, "comment": c.comment}
                                for c in s.confirmed],
                  "outdated": [c.person_name for c in s.outdated],
                  "missing": [p.name for p in s.missing]}
        for item_id, s in ws.signoffs.overview(item_ids).items()
    }
