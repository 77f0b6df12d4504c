"""Filtering the action plan as the plan page does: one row per action with its budget figures,
and a mask per criterion, fast enough for 10,000 actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from clinicguard.core.formatting import fold
from clinicguard.model.budget import BudgetLine, LineAmounts
from clinicguard.model.plan import Action


@dataclass(frozen=True)
class PlanRow:
    """One row of the action plan table: the action with what the view shows beside it."""

    action: Action
    fiscal_years: tuple[int, ...]  # of its budget lines
    planned_ht: int
    actual_ht: int
    search_text: str  # folded title, description, owner and item ids


def plan_rows(actions: Sequence[Action], lines: Iterable[BudgetLine | LineAmounts]) -> list[PlanRow]:
    sums: dict[tuple[int, int], list[int]] = {}
    for line in lines:
        total = sums.setdefault((line.action_id, line.fiscal_year), [0, 0])
        total[0] += line.planned_ht
        total[1] += line.actual_ht or 0
    return plan_rows_from_sums(actions, [(a, y, p, r) for (a, y), (p, r) in sums.items()])


def plan_rows_from_sums(actions: Sequence[Action], sums: Iterable[tuple[int, int, int, int]]) -> list[PlanRow]:
    """The rows from each action's (action id, fiscal year, planned HT, actual HT) sums, one per
    action and year."""
    years: dict[int, list[int]] = {}
    planned: dict[int, int] = {}
    actual: dict[int, int] = {}
    for action_id, year, planned_ht, actual_ht in sums:
        years.setdefault(action_id, []).append(year)
        planned[action_id] = planned.get(action_id, 0) + planned_ht
        actual[action_id] = actual.get(action_id, 0) + actual_ht
    texts = fold_each([" ".join((a.title, a.description, a.owner, *a.item_ids)) for a in actions])
    return [
        PlanRow(a, tuple(sorted(years.get(a.id, ()))), planned.get(a.id, 0), actual.get(a.id, 0), text)  # type: ignore[arg-type]
        for a, text in zip(actions, texts)
    ]


def fold_each(texts: list[str]) -> list[str]:
    """fold() of each text, folded in one pass over them all (10,000 calls cost about 60 ms):
    casefold, decomposition and mark stripping work character by character, never across the
    separator, which no stored text holds (control characters are refused)."""
    if any(_SEPARATOR in text for text in texts):
        return [fold(text) for text in texts]
    return fold(_SEPARATOR.join(texts)).split(_SEPARATOR) if texts else []


_SEPARATOR = "\x00"


def search_terms(text: str) -> list[str]:
    return fold(text).split()


def plan_mask(rows: Sequence[PlanRow], *, text: str = "", owner: str | None = None, status: str | None = None,
              priority: int | None = None, fiscal_year: int | None = None,
              overdue_on: date | None = None) -> list[bool]:
    """For each row, whether it matches every given criterion; text matches words anywhere,
    accents and case ignored. One pass per criterion keeps 10,000 rows well under a frame."""
    mask = [True] * len(rows)
    for term in search_terms(text):
        mask = [ok and term in row.search_text for ok, row in zip(mask, rows)]
    if owner is not None:
        mask = [ok and row.action.owner == owner for ok, row in zip(mask, rows)]
    if status is not None:
        mask = [ok and row.action.status == status for ok, row in zip(mask, rows)]
    if priority is not None:
        mask = [ok and row.action.priority == priority for ok, row in zip(mask, rows)]
    if fiscal_year is not None:
        mask = [ok and fiscal_year in row.fiscal_years for ok, row in zip(mask, rows)]
    if overdue_on is not None:
        mask = [ok and row.action.is_overdue(overdue_on) for ok, row in zip(mask, rows)]
    return mask


def filter_plan(rows: Iterable[PlanRow], **criteria: Any) -> list[PlanRow]:
    """The rows matching every criterion of `plan_mask`."""
    rows = list(rows)
    return [row for row, ok in zip(rows, plan_mask(rows, **criteria)) if ok]
