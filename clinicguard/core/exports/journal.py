"""The journal (audit trail) workbook: the entries, optionally filtered as the journal page filters
them, and a sheet saying which clinic, who exported it, the head of the trail and whether it
verified intact. It goes through the same pipeline as every workbook: progress, cancel, and its
own audit entry recorded in the transaction that moves the file into place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from clinicguard.core.exports.pipeline import (
    Cancelled, ExportSources, PreparedExport, Progress, authorised, run_export, tick,
)
from clinicguard.core.exports.xlsx import (
    INTEGER, TEXT, WRAP, label, new_cell, put, set_row_height, set_widths, sheet_title, wrapped_lines,
)
from clinicguard.core.journal_text import JournalNames, journal_names, readable_rows
from clinicguard.i18n import tr
from clinicguard.model.people import Actor

if TYPE_CHECKING:
    from clinicguard.model.audit import AuditEntry


@dataclass(frozen=True)
class JournalData:
    clinic_name: str
    exported_by: str
    exported_at: str  # UTC, ISO 8601, as the entries' own timestamps
    head: str  # COUNT:HASH of the trail before the export's own entry
    verification: str  # the verification's message
    intact: bool
    filters: dict[str, Any]  # only the filters given
    entries: tuple["AuditEntry", ...]
    names: JournalNames = field(default_factory=JournalNames)  # what each object is called now


def value_text(value: Any) -> str:
    """An entry's before/after value as the workbook shows it (JSON, keys sorted, accents kept)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def prepare_journal(sources: ExportSources, actor: Actor, **filters: Any) -> PreparedExport:
    """The journal workbook of the entries matching `filters` (those of AuditTrail.search: person,
    since, until, kind, object_type, object_id), with the head and a verification of the trail."""
    current = authorised(sources, actor)
    trail = sources.audit
    entries = tuple(trail.search(**filters))
    check = trail.verify()
    active = {k: v for k, v in filters.items() if v}
    data = JournalData(sources.settings.clinic.name, current.name, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       trail.head_text(), check.message, check.ok, active, entries, journal_names(sources))
    details = {"entries": len(entries), "head": data.head, "intact": check.ok, "filters": active}
    return PreparedExport("audit", partial(build_journal, data), details)


def export_journal(sources: ExportSources, actor: Actor, out: Path | str, *, progress: Progress | None = None,
                   cancelled: Cancelled | None = None, **filters: Any) -> int:
    """Write the journal workbook to `out` and record the export; returns the number of entries."""
    prepared = prepare_journal(sources, actor, **filters)
    run_export(sources, actor, prepared, out, progress, cancelled)
    return prepared.details["entries"]


def build_journal(data: JournalData, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(tr("Audit trail"))
    # First what a reader needs, in words and at local time; then the raw entry (UTC, codes, JSON,
    # hash) that `audit verify` checks, for whoever verifies.
    headers = [tr("No."), tr("Date and time (local)"), tr("Person"), tr("What happened"), tr("Concerning"), tr("Change"),
               tr("Date (UTC)"), tr("Kind (code)"), tr("Object (code)"), tr("Identifier"), tr("Before (raw)"),
               tr("After (raw)"), tr("Hash")]
    widths = (7, 19, 22, 30, 40, 60, 28, 22, 14, 16, 40, 40, 20)
    for col, text in enumerate(headers, 1):
        label(sheet, 1, col, text)
    total = len(data.entries)
    readable = readable_rows(data.entries, data.names)
    for n, (e, words) in enumerate(zip(data.entries, readable), 1):
        # Every value but the number is a text cell: names, comments and values typed by people
        # must never become formulas.
        sheet.append([new_cell(sheet, INTEGER, e.id)]
                     + [new_cell(sheet, WRAP if i >= 2 else TEXT, v) for i, v in enumerate(words)]
                     + [new_cell(sheet, TEXT, v) for v in (e.ts, e.kind, e.object_type, e.object_id,
                                                           value_text(e.before), value_text(e.after), e.hash)])
        lines = max(wrapped_lines(words[i], widths[i + 1]) for i in (2, 3, 4))
        if lines > 1:
            set_row_height(sheet, n + 1, min(lines, 20))
        tick(progress, cancelled, n, total)
    sheet.freeze_panes = "B2"
    set_widths(sheet, widths)
    about = book.create_sheet(sheet_title(tr("About")))
    rows = [
        (tr("Clinic"), data.clinic_name),
        (tr("Exported at (UTC)"), data.exported_at),
        (tr("Exported by"), data.exported_by),
        (tr("Audit trail head"), data.head),
        (tr("Verification"), data.verification),
        (tr("Entries in this export"), str(total)),
        (tr("Times"), tr("Columns B to F give each entry in words, at this computer's local time. Columns G to M "
                         "keep the entry as recorded (UTC time, codes, raw values, hash) for verification.")),
        (tr("Filters"), value_text(data.filters) if data.filters else tr("none")),
        (tr("How to check"), tr("Keep this head: 'clinicguard audit verify --expect-head {head}' shows later whether "
                                "any entry up to it was changed or removed.", head=data.head)),
    ]
    for r, (name, value) in enumerate(rows, 1):
        label(about, r, 1, name)
        put(about, r, 2, TEXT, value)
    set_widths(about, (28, 100))
    if progress is not None:
        progress(total, total)
    return book
