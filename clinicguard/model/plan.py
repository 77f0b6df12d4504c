"""The action plan as values: actions and their status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from clinicguard.i18n import tr


DUE_SOON_DAYS = 30


class ActionStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return {
            ActionStatus.TODO: tr("To do"),
            ActionStatus.IN_PROGRESS: tr("In progress"),
            ActionStatus.ON_HOLD: tr("On hold"),
            ActionStatus.DONE: tr("Done"),
            ActionStatus.DROPPED: tr("Dropped"),
        }[self]

    @property
    def open(self) -> bool:
        return self not in (ActionStatus.DONE, ActionStatus.DROPPED)


@dataclass(frozen=True)
class Action:
    id: int | None
    title: str
    description: str = ""
    owner: str = ""
    priority: int = 3
    status: str = ActionStatus.TODO.value
    start_date: str | None = None
    due_date: str | None = None
    done_date: str | None = None
    progress: int = 0
    item_ids: tuple[str, ...] = ()
    created_at: str = ""
    updated_at: str = ""

    def changed(self, **changes) -> "Action":
        return dataclasses.replace(self, **changes)

    def public(self) -> dict:
        """The fields a user sets, as recorded in the audit trail."""
        data = {k: v for k, v in dataclasses.asdict(self).items() if k not in ("id", "created_at", "updated_at")}
        data["item_ids"] = list(self.item_ids)
        return data

    @property
    def status_enum(self) -> ActionStatus:
        return ActionStatus(self.status)

    def is_overdue(self, today: date) -> bool:
        return is_overdue(self.status, self.due_date, today)

    def is_due_soon(self, today: date, days: int = DUE_SOON_DAYS) -> bool:
        return is_due_soon(self.status, self.due_date, today, days)


# The two rules by status and due date alone, so that a count (`status`) needs no Action objects.
# (The dates are compared before the status is looked up: the table of 10,000 actions asks both for
# each row, and most actions are neither late nor due soon.)
def is_overdue(status: str, due_date: str | None, today: date) -> bool:
    return bool(due_date) and due_date < today.isoformat() and ActionStatus(status).open  # type: ignore[operator]


def is_due_soon(status: str, due_date: str | None, today: date, days: int = DUE_SOON_DAYS) -> bool:
    """Open and due between today and `days` days from now (inclusive)."""
    if not due_date or not today.isoformat() <= due_date <= (today + timedelta(days=days)).isoformat():
        return False
    return ActionStatus(status).open
