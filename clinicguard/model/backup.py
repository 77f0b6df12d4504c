"""Backups as the clinic sees them: where and when they are made, the last one that verified, and
what the dashboard should warn about."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class BackupSettings:
    """Where and when backups are made (the manager's choice, kept in the clinic's settings)."""

    destination: str = ""  # a folder: USB drive, NAS share, synced folder; "" = not chosen yet
    second_destination: str = ""  # optional copy elsewhere
    every_hours: int = 24  # automatic backup while the application runs; 0 = off
    at_closing: bool = True  # a backup when the window closes, if something changed
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    warn_after_days: int = 7

    @property
    def destinations(self) -> tuple[str, ...]:
        return tuple(d for d in (self.destination, self.second_destination) if d)


@dataclass(frozen=True)
class LastBackup:
    """The newest backup known to have verified in full."""

    file: str
    folder: str
    size: int
    created_at: str  # UTC ISO timestamp, from its manifest
    audit_count: int  # journal entries it holds: a new backup at closing only if this moved


class BackupWarning(Enum):
    NEVER = "never"  # no backup was ever made
    NO_DESTINATION = "no-destination"  # no destination chosen
    DESTINATION_MISSING = "destination-missing"  # the folder is not there (unplugged drive)
    TOO_OLD = "too-old"  # the last verified backup is older than the warning age
    LAST_FAILED = "last-failed"  # the last automatic backup failed
    LAST_GONE = "last-gone"  # the last verified backup's file is no longer in its folder (that folder is there)


@dataclass(frozen=True)
class BackupStatus:
    settings: BackupSettings
    last: LastBackup | None
    warnings: tuple[BackupWarning, ...]
    age_days: int | None  # whole days since the last verified backup
    problem: str = ""  # the message of the last failure, when LAST_FAILED
