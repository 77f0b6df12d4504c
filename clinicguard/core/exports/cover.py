"""The cover sheet every clinic workbook opens on: where it comes from (clinic, who exported it and
when, catalogue version, audit trail head) and what each of its sheets holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from clinicguard.core.exports.pipeline import Context
from clinicguard.core.exports.xlsx import DATETIME, TEXT, TOP, WRAP, WRAP_TOP, StreamSheet, fit_rows, label, \
    print_setup, put, set_widths, sheet_title, stream_sheet, title
from clinicguard.i18n import tr


def cover(book: Workbook, heading: str, context: Context | None, facts: Sequence[tuple[str, str, Any]],
          contents: Sequence[tuple[str, str]], notes: Sequence[str] = ()) -> None:
    """Fill the first sheet: `facts` are (label, cell kind, value); `contents` (sheet, description).
    A write-only `book` gets it as its first sheet (call this before creating any other)."""
    if book.write_only:
        sheet = stream_sheet(book, sheet_title(tr("Cover")))
    else:
        sheet = book.active
        sheet.title = sheet_title(tr("Cover"))
    set_widths(sheet, (30, 90))
    title(sheet, 1, heading)
    row = 3
    rows: list[tuple[str, str, Any]] = []
    if context is not None:
        rows += [
            (tr("Clinic name"), TEXT, context.clinic_name),
            (tr("Type of structure"), TEXT, context.structure),
        ]
    rows += list(facts)
    if context is not None:
        rows += [
            (tr("Exported on"), DATETIME, context.exported_at),
            (tr("Exported by"), TEXT, context.exported_by),
            (tr("Catalogue version"), TEXT, context.catalogue_version),
            (tr("Audit trail head"), TEXT, context.audit_head),
        ]
    for name, kind, value in rows:
        label(sheet, row, 1, name).alignment = TOP
        cell = put(sheet, row, 2, kind, value)
        cell.alignment = WRAP_TOP
        row += 1
    if context is not None:
        put(sheet, row, 2, WRAP, tr("Keep this head: 'clinicguard audit verify --expect-head HEAD' shows later "
                                    "whether any entry of the audit trail up to the export was changed or removed."))
        row += 1
    row += 1
    label(sheet, row, 1, tr("Sheets of this workbook"))
    row += 1
    for name, description in contents:
        put(sheet, row, 1, TEXT, name).alignment = TOP
        put(sheet, row, 2, WRAP, description)
        row += 1
    if notes:
        row += 1
        label(sheet, row, 1, tr("Notes"))
        row += 1
        for note in notes:
            put(sheet, row, 2, WRAP, note)
            row += 1
    fit_rows(sheet, 3)
    print_setup(sheet, landscape=False)
    if isinstance(sheet, StreamSheet):
        sheet.close_rows()
