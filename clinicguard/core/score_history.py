"""The compliance score over time, replayed from the journal: each recommendation starts "not
assessed" (or "not applicable" outside the structure's scope) and takes, day after day, the
status its answers recorded ("assessment.update" entries). The score of each day is computed by
the same rule as today's (core/checklist.score), over today's recommendations, so the last point
is the score the dashboard shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from clinicguard.core.checklist import score
from clinicguard.model.audit import AuditEntry
from clinicguard.model.checklist import ChecklistRow, Status

ANSWER_KIND = "assessment.update"


@dataclass(frozen=True)
class ScorePoint:
    day: str  # ISO date (UTC, as the journal's timestamps)
    percent: float | None


def score_history(rows: list[ChecklistRow], entries: Iterable[AuditEntry], *, limit: int = 120) -> list[ScorePoint]:
    """One point per day on which an answer changed (the last `limit` days of change)."""
    current = {r.item.id: r for r in rows if not r.retired}
    statuses = {item_id: (Status.NOT_ASSESSED if row.applies else Status.NOT_APPLICABLE)
                for item_id, row in current.items()}
    points: list[ScorePoint] = []
    day = None

    def close(on: str) -> None:
        replayed = [dataclasses.replace(row, status=statuses[item_id]) for item_id, row in current.items()]
        points.append(ScorePoint(on, score(replayed).percent))

    for entry in sorted((e for e in entries if e.kind == ANSWER_KIND), key=lambda e: e.id):
        if entry.object_id not in current or not isinstance(entry.after, dict) or "status" not in entry.after:
            continue
        try:
            status = Status(entry.after["status"])
        except ValueError:
            continue
        entry_day = entry.ts[:10]
        if day is not None and entry_day != day:
            close(day)
        day = entry_day
        statuses[entry.object_id] = status
    if day is not None:
        close(day)
    return points[-limit:]
