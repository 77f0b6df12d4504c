"""`status` computes its yearly totals and counts from two aggregate queries (VAT rounded per line in
SQL); they must be exactly what the full yearly summaries (the budget page, the workbook) give,
whatever the plan holds: dropped actions, recurring costs with and without an end, invoices and
credit notes, every VAT rate."""

from __future__ import annotations

import random
from datetime import date

from clinicguard.core.status import plan_status
from clinicguard.model.budget import VAT_RATES_BP
from clinicguard.model.people import Permission
from clinicguard.model.plan import ActionStatus


def test_status_totals_and_counts_equal_the_full_summaries(workspace, manager):
    rng = random.Random(18)
    today = date(2026, 6, 15)
    with workspace.uow.writing(manager, Permission.EDIT_PLAN) as audit:
        for n in range(60):
            due = f"{rng.randint(2025, 2027)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            action = workspace.plan.create_action_in(audit, title=f"Action {n}", due_date=due if n % 5 else None,
                                                     status=rng.choice(list(ActionStatus)).value)
            for k in range(rng.randint(0, 3)):
                planned = rng.randint(0, 900_000)
                fields = {"label": f"Ligne {n}.{k}", "planned_ht": planned, "vat_rate_bp": rng.choice(VAT_RATES_BP),
                          "vat_recoverable": rng.random() < 0.4,
                          "expense_date": f"{rng.randint(2024, 2027)}-{rng.randint(1, 12):02d}-10"}
                if rng.random() < 0.3:
                    fields.update(nature="running", recurring=True,
                                  recurring_until=rng.choice([None, 2027, 2028]))
                if rng.random() < 0.5:
                    fields["actual_ht"] = planned + rng.randint(0, 40_000) if rng.random() < 0.8 else -rng.randint(1, 90_000)
                if rng.random() < 0.3:
                    fields["committed_ht"] = planned
                workspace.plan.add_line_in(audit, action.id, **fields)
    statuses = {a.status for a in workspace.plan.actions()}
    assert "dropped" in statuses and any(line.recurring for line in workspace.plan.lines())

    status = plan_status(workspace.plan.store, 1, workspace.checklist.rows(), today)

    summaries = workspace.plan.summaries(today)
    assert list(status["budget_by_fiscal_year"]) == [str(s.fiscal_year) for s in summaries]
    for summary in summaries:
        shown = status["budget_by_fiscal_year"][str(summary.fiscal_year)]
        t = summary.total
        assert (shown["planned_ht"], shown["planned_ttc"], shown["actual_ht"], shown["actual_ttc"]) == (
            t.planned_ht, t.planned_ttc, t.actual_ht, t.actual_ttc), summary.fiscal_year
        fast = workspace.plan.standing(today).totals[summary.fiscal_year]
        assert (fast.planned_real, fast.actual_real) == (t.planned_real, t.actual_real), summary.fiscal_year
        assert (shown["label"], shown["start"], shown["end"]) == (
            summary.label, summary.bounds[0].isoformat(), summary.bounds[1].isoformat())
    actions = workspace.plan.actions()
    assert status["actions"] == len(actions) == 60
    assert status["overdue_actions"] == sum(a.is_overdue(today) for a in actions) > 0
    assert status["actions_due_30_days"] == sum(a.is_due_soon(today) for a in actions)


def test_status_of_a_plan_without_lines_shows_the_current_year_at_zero(workspace):
    status = plan_status(workspace.plan.store, 1, workspace.checklist.rows(), date(2026, 3, 1))
    assert status["actions"] == 0
    assert status["budget_by_fiscal_year"] == {"2026": {
        "label": "2026", "start": "2026-01-01", "end": "2026-12-31",
        "planned_ht": 0, "planned_ttc": 0, "actual_ht": 0, "actual_ttc": 0}}
