"""The one pipeline every workbook goes through, the journal included.

1. `prepare_*` (in each workbook's module) checks the right to export and reads, on the database's
   thread, everything the workbook shows; it returns a `PreparedExport` whose `build` needs no
   database.
2. `write_draft` builds the workbook (reporting progress, cancellable) and saves it into a hidden
   draft beside the destination; safe on a worker thread.
3. `publish_export` records the export in the audit trail and moves the draft into place in one
   transaction, so no exported file exists without its entry, and no entry without its file.

`run_export` does 2 and 3 on the calling thread. What the exports read is listed once, in
`ExportSources`, which the composition root's `Workspace` provides.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ContextManager, Protocol

from clinicguard.core.fsutil import Reservations, fsync_dir, replace
from clinicguard.core.permissions import require
from clinicguard.core.status import last_exports_in
from clinicguard.core.uow import Audited
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor, Permission

if TYPE_CHECKING:
    from openpyxl import Workbook

    from clinicguard.model.plan import Action
    from clinicguard.model.audit import AuditEntry, Verification
    from clinicguard.model.budget import BudgetLine
    from clinicguard.core.budget import BudgetSummary
    from clinicguard.model.catalogue import Catalogue, Structure
    from clinicguard.model.checklist import ChecklistRow

Progress = Callable[[int, int], None]  # progress(done, total)
Cancelled = Callable[[], bool]  # True once the user asked to stop
PROGRESS_EVERY = 500  # rows between two progress reports (and checks for a cancel)


# ---- what the exports read ----------------------------------------------------------------------
class ClinicView(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def structure(self) -> "Structure": ...
    @property
    def catalogue_version(self) -> str: ...
    @property
    def fiscal_year_start_month(self) -> int: ...


class SettingsReader(Protocol):
    @property
    def clinic(self) -> ClinicView: ...


class ChecklistReader(Protocol):
    def rows(self) -> list["ChecklistRow"]: ...


class PlanReader(Protocol):
    def actions(self) -> list["Action"]: ...
    def lines(self) -> list["BudgetLine"]: ...
    def summary(self, fiscal_year: int | None = None) -> "BudgetSummary": ...


class AuditReader(Protocol):
    def head(self) -> tuple[int, str]: ...
    def head_text(self) -> str: ...
    def search(self, **filters: Any) -> list["AuditEntry"]: ...
    def verify(self) -> "Verification": ...


class ProfileReader(Protocol):
    def current(self, actor: Actor) -> Actor: ...


class Writer(Protocol):
    def writing(self, actor: Actor | None, permission: Permission) -> ContextManager[Audited]: ...


class ExportSources(Protocol):
    """Exactly what the exports read: the clinic's settings, the catalogue, the checklist, the plan,
    the evidence counts, the audit trail (head, search, verification), the people (to re-read the
    exporting profile's rights) and the unit of work that records the export."""

    @property
    def settings(self) -> SettingsReader: ...
    @property
    def catalogue(self) -> "Catalogue": ...
    @property
    def checklist(self) -> ChecklistReader: ...
    @property
    def plan(self) -> PlanReader: ...
    @property
    def audit(self) -> AuditReader: ...
    @property
    def people(self) -> ProfileReader: ...
    @property
    def uow(self) -> Writer: ...
    def evidence_counts_by_item(self) -> dict[str, int]: ...


# ---- errors ----------------------------------------------------------------------------------------
class ExportCancelled(ClinicGuardError):
    """The user cancelled an export; nothing was written."""


class NotAWorkbookName(ClinicGuardError):
    """The destination does not end in .xlsx."""


class NoSuchFolder(ClinicGuardError):
    """The destination's folder does not exist."""


def cancelled_error() -> ExportCancelled:
    return ExportCancelled(tr("Export cancelled: no file was written."))


# ---- the prepared export -------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What every cover sheet shows about where a workbook comes from."""

    clinic_name: str
    structure: str
    exported_by: str
    exported_at: datetime  # local time, as the reader expects it
    catalogue_version: str
    audit_head: str


@dataclass
class PreparedExport:
    kind: str  # budget, checklist, actions, catalogue, audit: the audit entry is "export.<kind>"
    build: Callable[..., "Workbook"]  # build(progress=None, cancelled=None); no database access
    details: dict = field(default_factory=dict)  # recorded in the audit entry with the file name


def authorised(sources: ExportSources, actor: Actor) -> Actor:
    """The exporting profile as it is now (role, active), refused if it may not export."""
    current = sources.people.current(actor)
    require(current, Permission.EXPORT)
    return current


def context_for(sources: ExportSources, actor: Actor) -> Context:
    clinic = sources.settings.clinic
    count, digest = sources.audit.head()
    return Context(clinic.name, clinic.structure.label, actor.name, datetime.now().replace(microsecond=0),
                   clinic.catalogue_version, f"{count}:{digest}")


def tick(progress: Progress | None, cancelled: Cancelled | None, done: int, total: int) -> None:
    """Called once per row written: every PROGRESS_EVERY rows, stop if cancelled, else report."""
    if done % PROGRESS_EVERY:
        return
    if cancelled is not None and cancelled():
        raise cancelled_error()
    if progress is not None:
        progress(done, total)


# ---- the steps -------------------------------------------------------------------------------------
def check_out_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise NotAWorkbookName(tr("The export is an Excel workbook: give a file name ending in .xlsx."))
    return out


def check_folder(out: Path) -> None:
    """Refuse a file in a folder that does not exist: a mistyped path must not create folders
    nobody asked for, where the workbook would then be hard to find."""
    if not out.parent.is_dir():
        raise NoSuchFolder(tr("The folder {folder} does not exist: choose an existing folder.", folder=out.parent))


def discard(book: "Workbook") -> None:
    """Remove the temporary files the sheets of a write-only `book` were being written to (an
    export cancelled or failed before its save); nothing to do for an ordinary workbook."""
    if not getattr(book, "write_only", False):
        return
    for ws in book.worksheets:
        writer = getattr(ws, "_writer", None)  # openpyxl's stream of the sheet, to its own file
        if writer is None:
            continue
        rows = getattr(ws, "_rows", None)
        # A sheet cut off mid-way may not close cleanly: its file goes anyway.
        with contextlib.suppress(Exception):
            if rows is not None:
                rows.close()
            writer.close()
        with contextlib.suppress(OSError, ValueError):  # already saved, hence removed
            writer.cleanup()


def _build(prepared: PreparedExport, progress: Progress | None, cancelled: Cancelled | None) -> "Workbook":
    book = prepared.build(progress=progress, cancelled=cancelled)
    if cancelled is not None and cancelled():
        discard(book)  # a write-only workbook's sheets wait in temporary files
        raise cancelled_error()
    return book


def write_draft(prepared: PreparedExport, out: Path | str, progress: Progress | None = None,
                cancelled: Cancelled | None = None, pending: Reservations | None = None) -> Path:
    """Build the workbook into a hidden temporary file beside `out` and return that file.

    Safe on a worker thread (no database access). Nothing appears at `out` until `publish_export`
    has recorded the export in the audit trail; a cancel or a failure leaves no draft. With
    `pending` (the clinic's `PendingWrites`), the draft's name is recorded before it is created, so
    that a kill before `publish_export` leaves nothing the next start does not remove.
    """
    out = check_out_path(out)
    check_folder(out)
    book = _build(prepared, progress, cancelled)
    try:
        if pending is not None:
            draft = pending.reserve(out, ".part.xlsx")
        else:
            fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".part.xlsx", dir=out.parent)
            os.close(fd)
            draft = Path(name)
    except BaseException:
        discard(book)
        raise
    try:
        book.save(draft)
        with open(draft, "rb+") as fh:
            os.fsync(fh.fileno())
        if cancelled is not None and cancelled():
            raise cancelled_error()
    except BaseException:
        discard(book)
        draft.unlink(missing_ok=True)
        if pending is not None:
            pending.release(draft)
        raise
    return draft


def publish_export(sources: ExportSources, actor: Actor, prepared: PreparedExport, draft: Path,
                   out: Path | str) -> Path:
    """Record the export in the audit trail and move the draft to `out`, in one transaction.

    The file is moved inside the transaction, so an export whose entry cannot be recorded (right
    withdrawn, database busy or damaged) leaves no file behind, and a file is never left without
    its entry: if the commit fails after the move, the new file is removed.
    """
    out, draft = Path(out), Path(draft)
    moved = False
    try:
        with sources.uow.writing(actor, Permission.EXPORT) as audit:
            audit.record(f"export.{prepared.kind}", "export", out.name, None, {"file": out.name, **prepared.details})
            replace(draft, out)
            moved = True
    except BaseException:
        if moved:
            out.unlink(missing_ok=True)
        draft.unlink(missing_ok=True)
        raise
    finally:
        pending = getattr(sources, "pending", None)
        if pending is not None:  # the draft is in place or removed: its record goes
            pending.release(draft)
    fsync_dir(out.parent)
    return out


def run_export(sources: ExportSources, actor: Actor, prepared: PreparedExport, out: Path | str,
               progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """Build, record and publish an export on the calling thread (the CLI, the export_* functions)."""
    out = check_out_path(out)
    draft = write_draft(prepared, out, progress, cancelled, getattr(sources, "pending", None))
    return publish_export(sources, actor, prepared, draft, out)


def write_export(prepared: PreparedExport, out: Path | str, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> Path:
    """Build and save a workbook that belongs to no clinic, so has no audit entry (the catalogue)."""
    out = check_out_path(out)
    check_folder(out)
    draft = write_draft(prepared, out, progress, cancelled)
    try:
        replace(draft, out)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    fsync_dir(out.parent)
    return out


def last_exports(sources: ExportSources) -> dict[str, dict]:
    """When each kind of workbook was last exported, by whom and to which file (for `status --json`)."""
    return last_exports_in(sources.audit)
