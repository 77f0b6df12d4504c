"""The time of a change: UTC timestamps for records, the clinic's local date for deadlines."""

from __future__ import annotations

from datetime import date, datetime, timezone


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def today() -> date:
    return date.today()
