"""The clinic's settings: one check of what may be stored (setup and the settings page share it),
and the audited change of them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clinicguard.core.formatting import check_text
from clinicguard.core.uow import Audited, UnitOfWork
from clinicguard.i18n import tr
from clinicguard.model.backup import (
    BackupSettings,
    BackupStatus,
    BackupWarning,
    LastBackup,
)
from clinicguard.model.catalogue import Structure
from clinicguard.model.clinic import Clinic
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor, Permission
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.clinic_store import ClinicStore

EDITABLE = frozenset({"name", "structure", "fiscal_year_start_month", "manager_name", "vat_recoverable"})


def checked_clinic_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The clinic's settings as stored, or a clear refusal (used by setup and by the settings page)."""
    checked = dict(fields)
    for key, message in (("name", tr("Enter the clinic's name.")), ("manager_name", tr("Enter the manager's name."))):
        if key in checked:
            checked[key] = str(checked[key] or "").strip()
            check_text(checked[key], tr("the clinic's name") if key == "name" else tr("the manager's name"))
            if not checked[key]:
                raise ClinicGuardError(message)
    if "structure" in checked:
        try:
            checked["structure"] = Structure(checked["structure"]).value
        except ValueError:
            raise ClinicGuardError(
                tr("Unknown type of structure {value!r}: use one of {allowed}.", value=checked["structure"],
                   allowed=", ".join(s.value for s in Structure))
            ) from None
    if "fiscal_year_start_month" in checked:
        month = checked["fiscal_year_start_month"]
        if isinstance(month, bool) or not isinstance(month, (int, str)) or not str(month).strip().isdigit() \
                or not 1 <= int(month) <= 12:
            raise ClinicGuardError(tr("The first month of the fiscal year must be between 1 and 12."))
        checked["fiscal_year_start_month"] = int(month)
    if "vat_recoverable" in checked:
        checked["vat_recoverable"] = int(bool(checked["vat_recoverable"]))
    return checked


class ClinicSettings:
    def __init__(self, store: ClinicStore, uow: UnitOfWork,
                 redate_budget_lines: Callable[[Audited, int], object]):
        """`redate_budget_lines(audit, first_month)` moves the budget lines whose fiscal year comes
        from their date when the fiscal year's first month changes (the action plan's rule)."""
        self._store = store
        self._uow = uow
        self._redate_budget_lines = redate_budget_lines

    @property
    def clinic(self) -> Clinic:
        return self._store.get()

    def update(self, actor: Actor, **changes: Any) -> Clinic:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"cannot change {unknown}")
        changes = checked_clinic_fields(changes)
        with self._uow.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self._store.get()
            self._store.update(changes)
            audit.record("clinic.update", "clinic", before.uuid,
                         {k: getattr(before, k) for k in changes}, changes)
            month = changes.get("fiscal_year_start_month", before.fiscal_year_start_month)
            if month != before.fiscal_year_start_month:
                self._redate_budget_lines(audit, month)
        return self._store.get()


# ---- backups: where and when (the rules the settings page, the CLI and the window's timer share)
BACKUP_KEYS = {  # field -> key in the clinic's settings table
    "destination": "backup.destination", "second_destination": "backup.second_destination",
    "every_hours": "backup.every_hours", "at_closing": "backup.at_closing", "keep_daily": "backup.keep_daily",
    "keep_weekly": "backup.keep_weekly", "keep_monthly": "backup.keep_monthly",
    "warn_after_days": "backup.warn_after_days",
}
LAST_BACKUP_KEY = "backup.last"
BACKUP_PROBLEM_KEY = "backup.problem"
_COUNT_LIMITS = {"every_hours": (0, 24 * 31), "keep_daily": (1, 366), "keep_weekly": (0, 520),
                 "keep_monthly": (0, 240), "warn_after_days": (1, 366)}


def checked_backup_settings(fields: dict[str, Any]) -> dict[str, Any]:
    """The backup settings as stored, or a one-line refusal naming the field."""
    checked = dict(fields)
    unknown = set(checked) - set(BACKUP_KEYS)
    if unknown:
        raise ValueError(f"unknown backup settings {unknown}")
    labels = {"every_hours": tr("the hours between automatic backups (0 = off)"),
              "keep_daily": tr("the daily backups kept"), "keep_weekly": tr("the weekly backups kept"),
              "keep_monthly": tr("the monthly backups kept"),
              "warn_after_days": tr("the age in days that triggers a warning")}
    for key in ("destination", "second_destination"):
        if key in checked:  # kept absolute: the window and a command started elsewhere find the same folder
            folder = str(checked[key] or "").strip()
            checked[key] = os.path.abspath(os.path.expanduser(folder)) if folder else ""
    if checked.get("destination") == "" and checked.get("second_destination"):
        raise ClinicGuardError(tr("Choose the first backup destination before a second one."))
    for key, (low, high) in _COUNT_LIMITS.items():
        if key in checked:
            value = checked[key]
            if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit() or \
                    not low <= int(value) <= high:
                raise ClinicGuardError(tr("Enter a whole number between {low} and {high} for {what}.", low=low,
                                          high=high, what=labels[key]))
            checked[key] = int(value)
    if "at_closing" in checked:
        value = checked["at_closing"]
        if isinstance(value, str):
            if value.strip().lower() not in ("yes", "no", "oui", "non", "1", "0", "true", "false", "on", "off"):
                raise ClinicGuardError(tr("Answer yes or no for the backup at closing."))
            value = value.strip().lower() in ("yes", "oui", "1", "true", "on")
        checked["at_closing"] = bool(value)
    return checked


def _parse_utc(stamp: str) -> datetime:
    when = datetime.fromisoformat(stamp)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def backup_due(settings: BackupSettings, last: LastBackup | None, now: datetime, *,
               last_attempt: datetime | None = None) -> bool:
    """Is an automatic backup due? Only with a destination and a schedule; after `every_hours`
    since the last verified backup; and not again within the hour after a failed attempt (an
    unplugged drive is not retried every minute)."""
    if not settings.destination or settings.every_hours <= 0:
        return False
    if last_attempt is not None and now - last_attempt < timedelta(hours=min(1, settings.every_hours)):
        return False
    return last is None or now - _parse_utc(last.created_at) >= timedelta(hours=settings.every_hours)


# entries that change nothing a backup would hold differently: reads, exports, sign-ins, backups
_NOT_A_CHANGE = ("backup.", "session.", "export.", "evidence.open", "evidence.export")


def backup_due_at_closing(settings: BackupSettings, last: LastBackup | None, kinds_since: list[str]) -> bool:
    """A backup at closing: asked for, a destination set, and the clinic changed since the last
    backup (`kinds_since`: the journal's kinds after it), so closing ten times a day without a
    change makes no new file."""
    if not (settings.at_closing and settings.destination):
        return False
    return last is None or any(not kind.startswith(_NOT_A_CHANGE) for kind in kinds_since)


def last_backup_path(last: LastBackup) -> str:
    return str(Path(last.folder) / last.file)


def backup_status(settings: BackupSettings, last: LastBackup | None, now: datetime, *,
                  problem: str = "", folder_exists: Callable[[str], bool] = lambda p: Path(p).is_dir(),
                  file_exists: Callable[[str], bool] = lambda p: Path(p).is_file()) -> BackupStatus:
    """What the dashboard says about backups: the last verified one, and what to warn about."""
    warnings: list[BackupWarning] = []
    age_days = None
    if not settings.destination:
        warnings.append(BackupWarning.NO_DESTINATION)
    elif not folder_exists(settings.destination):
        warnings.append(BackupWarning.DESTINATION_MISSING)
    if last is None:
        warnings.append(BackupWarning.NEVER)
    else:
        age_days = max(0, (now - _parse_utc(last.created_at)).days)
        if age_days >= settings.warn_after_days:
            warnings.append(BackupWarning.TOO_OLD)
        if folder_exists(last.folder) and not file_exists(last_backup_path(last)):  # deleted or moved by hand
            warnings.append(BackupWarning.LAST_GONE)
    if problem:
        warnings.append(BackupWarning.LAST_FAILED)
    return BackupStatus(settings, last, tuple(warnings), age_days, problem)


class BackupPreferences:
    """The clinic's backup settings, its last verified backup and the last automatic failure."""

    def __init__(self, store: ClinicStore, uow: UnitOfWork | None, audit: AuditStore | None = None):
        self._store = store
        self._uow = uow
        self._audit = audit

    @property
    def current(self) -> BackupSettings:
        defaults = BackupSettings()
        values: dict[str, Any] = {}
        for name, key in BACKUP_KEYS.items():
            raw = self._store.setting(key)
            if raw is None:
                continue
            default = getattr(defaults, name)
            values[name] = raw if isinstance(default, str) else (raw == "1") if isinstance(default, bool) \
                else int(raw)
        return BackupSettings(**values)

    def update(self, actor: Actor, **changes: Any) -> BackupSettings:
        changes = checked_backup_settings(changes)
        with self._uow.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self.current
            merged = {**before.__dict__, **changes}
            if merged["second_destination"] and not merged["destination"]:
                raise ClinicGuardError(tr("Choose the first backup destination before a second one."))
            changed = {k: v for k, v in changes.items() if getattr(before, k) != v}
            for name, value in changed.items():
                self._store.set_setting(BACKUP_KEYS[name], str(int(value)) if isinstance(value, (bool, int))
                                        else value)
            if changed:
                audit.record("backup.settings", "settings", "backup", {k: getattr(before, k) for k in changed},
                             changed)
        return self.current

    @property
    def last(self) -> LastBackup | None:
        raw = self._store.setting(LAST_BACKUP_KEY)
        if not raw:
            return None
        try:
            return LastBackup(**json.loads(raw))
        except (ValueError, TypeError):
            return None

    def remember(self, last: LastBackup, *, made_now: bool = True) -> None:
        """Inside the journalled transaction of a backup that verified: the newest one wins. A
        backup made now also clears the failure of an earlier automatic one (verifying an old
        file does not)."""
        known = self.last
        if known is None or known.created_at <= last.created_at:
            self._store.set_setting(LAST_BACKUP_KEY, json.dumps(last.__dict__, ensure_ascii=False))
        if made_now:
            self._store.set_setting(BACKUP_PROBLEM_KEY, "")

    def record_backup(self, actor: Actor | None, *, file: str, folder: str, size: int, manifest: dict,
                      reason: str, copies: tuple[str, ...] = (), problems: tuple[str, ...] = ()) -> None:
        """Journal a backup that verified (by `actor`, or by ClinicGuard itself when None) and
        remember it as the last verified one."""
        after: dict[str, Any] = {"folder": folder, "size": size, "audit_head": manifest["audit_head"],
                                 "reason": reason}
        if copies:
            after["copies"] = list(copies)
        if problems:
            after["problems"] = list(problems)
        writing = self._uow.system_change() if actor is None else self._uow.writing(actor, Permission.EXPORT)
        with writing as audit:
            self.remember(LastBackup(file, folder, size, manifest["created_at"], manifest["audit_head"]["count"]))
            if problems:
                self._store.set_setting(BACKUP_PROBLEM_KEY, problems[0])
            audit.record("backup.create", "backup", file, None, after)

    @property
    def problem(self) -> str:
        return self._store.setting(BACKUP_PROBLEM_KEY) or ""

    def remember_problem(self, message: str) -> None:
        """An automatic backup failed: kept for the dashboard until one succeeds."""
        with self._uow.system_change() as audit:
            self._store.set_setting(BACKUP_PROBLEM_KEY, message)
            audit.record("backup.failed", "backup", "", None, {"problem": message})

    def due(self, now: datetime, *, last_attempt: datetime | None = None) -> bool:
        return backup_due(self.current, self.last, now, last_attempt=last_attempt)

    def due_at_closing(self) -> bool:
        last = self.last
        kinds = self._audit.kinds_after(last.audit_count)[1] if last is not None and self._audit else []
        return backup_due_at_closing(self.current, last, kinds)

    def status(self, now: datetime, *, exists: Callable[[str], bool] | None = None) -> BackupStatus:
        """`exists` answers whether a folder or a file is there (the window passes what it last
        learnt off the UI thread: on a disconnected share the question takes seconds)."""
        if exists is None:
            return backup_status(self.current, self.last, now, problem=self.problem)
        return backup_status(self.current, self.last, now, problem=self.problem, folder_exists=exists,
                             file_exists=exists)
