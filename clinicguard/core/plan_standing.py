"""Where the action plan stands in a few numbers, read from the store without the plan's service:
the counts of actions, each fiscal year's headline totals and the gaps no action addresses, as
`clinicguard status` and the budget page's headline show them. It imports only the model and
the store, so that `status` starts without loading the plan's rules (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clinicguard.model.budget import (
    HeadlineTotals,
    budget_years,
    fiscal_year_of,
    headline_totals,
)
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.model.plan import DUE_SOON_DAYS, ActionStatus
from clinicguard.store.plan_store import ActionStore

GAP_STATUSES = (Status.PARTIAL, Status.NON_COMPLIANT)


@dataclass(frozen=True)
class Gap:
    """A recommendation partly or not compliant, and the actions that address it."""

    row: ChecklistRow
    action_ids: tuple[int, ...]

    @property
    def has_action(self) -> bool:
        return bool(self.action_ids)


def gap_rows(rows: list[ChecklistRow]) -> list[ChecklistRow]:
    """The recommendations partly or not compliant, most severe first."""
    found = [row for row in rows if row.status in GAP_STATUSES]
    return sorted(found, key=lambda row: (-row.item.severity, row.status is Status.PARTIAL, row.item.id))


def gaps(rows: list[ChecklistRow], linked: dict[str, list[int]]) -> list[Gap]:
    """Every gap (`gap_rows`) with its actions (`linked`: the actions of each item, as
    ActionStore.actions_by_item gives them)."""
    return [Gap(row, tuple(linked.get(row.item.id, ()))) for row in gap_rows(rows)]


@dataclass(frozen=True)
class PlanStanding:
    """Where the plan stands in a few numbers (`clinicguard status`)."""

    actions: int
    overdue: int
    due_soon: int
    start_month: int
    totals: dict[int, HeadlineTotals]  # by fiscal year, the years `ActionPlan.summaries` covers


def plan_standing(store: ActionStore, start_month: int, today: date) -> PlanStanding:
    """The counts of model.plan's is_overdue and is_due_soon and each fiscal year's headline totals,
    from two aggregate queries: nothing is built per action or per line."""
    open_statuses = tuple(s.value for s in ActionStatus if s.open)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    actions, overdue, due_soon = store.action_counts(open_statuses, today.isoformat(), horizon.isoformat())
    groups = store.line_groups(ActionStatus.DROPPED.value)
    years = budget_years(groups, fiscal_year_of(today, start_month))
    return PlanStanding(actions=actions, overdue=overdue, due_soon=due_soon, start_month=start_month,
                        totals=headline_totals(groups, years))
