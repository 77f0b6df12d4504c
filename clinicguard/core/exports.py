"""The Excel workbooks sent outside the app: the budget for the accountant, the checklist for the
DPO or an inspector, the action plan, and the bundled catalogue.

Each export is prepared in two steps so the GUI can build the file off the UI thread: `prepare_*`
reads the database (and checks the right to export); `write_draft` builds the workbook into a
temporary file without touching the database; `publish_export` records the audit entry and moves
the file into place in one transaction, so no exported file exists without its entry. `export_*`
(and `run_export`) do all three. Totals in the workbooks are SUMIFS formulas over the detail
sheets, so the reader can audit each one; their values equal the app's own summaries.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from clinicguard.model.plan import Action, ActionStatus
from clinicguard.core.plan_filter import plan_rows
from clinicguard.core.actions import priority_label
from clinicguard.model.budget import BudgetLine, Category, Nature, fiscal_year_label
from clinicguard.core.budget import BudgetSummary, YearEntry, depreciations
from clinicguard.model.catalogue import Catalogue, Recommendation, Structure
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.core.checklist import score_formula
from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.formatting import format_date
from clinicguard.core.fsutil import fsync_dir, replace
from clinicguard.model.people import Actor, Permission
from clinicguard.core.permissions import require
from clinicguard.core.xlsx import (
    BOLD, DATE, DATETIME, HEADER_FILL, HEADER_FONT, INTEGER, MONEY, NUMBER, PERCENT, SCORE, TEXT, TOP, WRAP, WRAP_TOP,
    Column, TableSheet, fit_rows, formula, label, print_setup, put, save_atomically, set_widths, sheet_title, title,
)
from clinicguard.i18n import pick, tr

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_PROGRESS_EVERY = 500


class ExportCancelled(ClinicGuardError):
    """The user cancelled an export; nothing was written."""


class NotAWorkbookName(ClinicGuardError):
    pass


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
    kind: str  # budget, checklist, actions, catalogue: the audit entry is "export.<kind>"
    build: Callable[..., Workbook]  # build(progress=None, cancelled=None); no database access
    details: dict = field(default_factory=dict)


def check_out_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise NotAWorkbookName(tr("The export is an Excel workbook: give a file name ending in .xlsx."))
    return out


class NoSuchFolder(ClinicGuardError):
    pass


def check_folder(out: Path) -> None:
    """Refuse a file in a folder that does not exist: a mistyped path must not create folders
    nobody asked for, where the workbook would then be hard to find."""
    if not out.parent.is_dir():
        raise NoSuchFolder(tr("The folder {folder} does not exist: choose an existing folder.", folder=out.parent))


def write_export(prepared: PreparedExport, out: Path | str, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> Path:
    """Build and save a workbook that needs no audit entry (the catalogue); no database access."""
    out = check_out_path(out)
    book = _build(prepared, progress, cancelled)
    return save_atomically(book, out)


def write_draft(prepared: PreparedExport, out: Path | str, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> Path:
    """Build the workbook into a hidden temporary file beside `out` and return that file.

    Safe on a worker thread (no database access). Nothing appears at `out` until `publish_export`
    has recorded the export in the audit trail.
    """
    out = check_out_path(out)
    check_folder(out)
    book = _build(prepared, progress, cancelled)
    fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".part.xlsx", dir=out.parent)
    os.close(fd)
    draft = Path(name)
    try:
        book.save(draft)
        with open(draft, "rb+") as fh:
            os.fsync(fh.fileno())
        if cancelled is not None and cancelled():
            raise ExportCancelled(tr("Export cancelled: no file was written."))
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    return draft


def publish_export(ws: "Workspace", actor: Actor, prepared: PreparedExport, draft: Path, out: Path | str) -> Path:
    """Record the export in the audit trail and move the draft to `out`, in one transaction.

    The file is moved inside the transaction, so an export whose entry cannot be recorded (right
    withdrawn, database busy or damaged) leaves no file behind, and a file is never left without
    its entry: if the commit fails after the move, the new file is removed.
    """
    out, draft = Path(out), Path(draft)
    moved = False
    try:
        with ws.uow.writing(actor, Permission.EXPORT) as audit:
            audit.record(f"export.{prepared.kind}", "export", out.name, None, {"file": out.name, **prepared.details})
            replace(draft, out)
            moved = True
    except BaseException:
        if moved:
            out.unlink(missing_ok=True)
        draft.unlink(missing_ok=True)
        raise
    fsync_dir(out.parent)
    return out


def run_export(ws: "Workspace", actor: Actor, prepared: PreparedExport, out: Path | str,
               progress: Progress | None = None) -> Path:
    """Build, record and publish an export on the calling thread (the CLI, the export_* functions)."""
    out = check_out_path(out)
    return publish_export(ws, actor, prepared, write_draft(prepared, out, progress), out)


def _build(prepared: PreparedExport, progress: Progress | None, cancelled: Cancelled | None) -> Workbook:
    book = prepared.build(progress=progress, cancelled=cancelled)
    if cancelled is not None and cancelled():
        raise ExportCancelled(tr("Export cancelled: no file was written."))
    return book


def last_exports(ws: "Workspace") -> dict[str, dict]:
    """When each kind of workbook was last exported, by whom and to which file (for `status --json`)."""
    result: dict[str, dict] = {}
    for entry in ws.audit.search(kind="export"):
        result[entry.kind.partition(".")[2]] = {"at": entry.ts, "by": entry.actor_name,
                                                "file": (entry.after or {}).get("file")}
    return result


def _context(ws: "Workspace", actor: Actor) -> Context:
    clinic = ws.settings.clinic
    count, digest = ws.audit.head()
    return Context(clinic.name, clinic.structure.label, actor.name, datetime.now().replace(microsecond=0),
                   clinic.catalogue_version, f"{count}:{digest}")


def _allowed(ws: "Workspace", actor: Actor) -> Actor:
    current = ws.people.current(actor)
    require(current, Permission.EXPORT)
    return current


def _tick(progress: Progress | None, cancelled: Cancelled | None, done: int, total: int) -> None:
    if done % _PROGRESS_EVERY:
        return
    if cancelled is not None and cancelled():
        raise ExportCancelled(tr("Export cancelled: no file was written."))
    if progress is not None:
        progress(done, total)


def _yes_no(value: bool) -> str:
    return tr("Yes") if value else tr("No")


def _months() -> list[str]:
    return tr("Jan.,Feb.,Mar.,Apr.,May,Jun.,Jul.,Aug.,Sep.,Oct.,Nov.,Dec.").split(",")


def _quarter(n: int, start_month: int = 1) -> str:
    """A fiscal quarter with its months, e.g. "T1 (juil.–sept.)": with a fiscal year starting in
    July, a bare "T1" would be read as January to March."""
    months = _months()
    first = (start_month - 1 + 3 * (n - 1)) % 12
    return tr("Q{n} ({first}–{last})", n=n, first=months[first], last=months[(first + 2) % 12])


def _cover(book: Workbook, heading: str, context: Context | None, facts: Sequence[tuple[str, str, Any]],
           contents: Sequence[tuple[str, str]], notes: Sequence[str] = ()) -> None:
    """The first sheet: where the workbook comes from, and what each sheet holds."""
    sheet = book.active
    sheet.title = sheet_title(tr("Cover"))
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
    set_widths(sheet, (30, 90))
    fit_rows(sheet, 3)
    print_setup(sheet, landscape=False)


# ---- budget ---------------------------------------------------------------------------------------
# Per-entry amounts, in the same way core/budget.py's Totals adds them, so SUMIFS over the detail
# gives exactly the app's totals.
MEASURES = ("planned_ht", "planned_vat", "planned_ttc", "committed_ht", "actual_ht", "actual_vat", "actual_ttc",
            "variance_ht", "remaining_ht", "remaining_real", "forecast_real")
SUMMARY_MEASURES = ("planned_ht", "planned_vat", "planned_ttc", "committed_ht", "actual_ht", "actual_vat",
                    "actual_ttc", "variance_ht", "remaining_real", "forecast_real")


def _measure_headers() -> dict[str, str]:
    return {
        "planned_ht": tr("Planned excl. VAT"), "planned_vat": tr("VAT on planned"),
        "planned_ttc": tr("Planned incl. VAT"), "committed_ht": tr("Committed excl. VAT"),
        "committed_ttc": tr("Committed incl. VAT"), "actual_ht": tr("Actual excl. VAT"),
        "actual_vat": tr("VAT on actual"), "actual_ttc": tr("Actual incl. VAT"),
        "variance_ht": tr("Variance excl. VAT (actual - planned)"), "remaining_ht": tr("Still to pay excl. VAT"),
        "remaining_real": tr("Still to pay (real cost)"), "planned_real": tr("Planned real cost"),
        "actual_real": tr("Actual real cost"), "forecast_real": tr("Real cost (actual + still to pay)"),
    }


def entry_amounts(entry: YearEntry) -> dict[str, int | None]:
    """What one budget line costs in the year, in cents, measure by measure (None: nothing)."""
    line = entry.line
    planned, committed, actual = entry.planned_ht, entry.committed_ht, entry.actual_ht
    remaining = entry.remaining_ht if actual is None else None
    actual_real, remaining_real = line.real_cost(actual), line.real_cost(remaining)
    forecast = None if actual_real is None and remaining_real is None else (actual_real or 0) + (remaining_real or 0)
    return {
        "planned_ht": planned, "planned_vat": line.vat(planned), "planned_ttc": line.ttc(planned),
        "committed_ht": committed, "committed_ttc": line.ttc(committed),
        "actual_ht": actual, "actual_vat": line.vat(actual), "actual_ttc": line.ttc(actual),
        "variance_ht": None if actual is None else actual - (planned or 0),
        "remaining_ht": remaining, "remaining_real": remaining_real, "planned_real": line.real_cost(planned),
        "actual_real": actual_real, "forecast_real": forecast,
    }


def _label_of(enum, value: str) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value


def _recurring_text(line: BudgetLine) -> str:
    if not line.recurring:
        return ""
    if line.recurring_until is None:
        return tr("Every year from {year}", year=line.fiscal_year)
    return tr("Every year from {first} to {last}", first=line.fiscal_year, last=line.recurring_until)


@dataclass(frozen=True)
class BudgetData:
    context: Context
    summary: BudgetSummary
    actions: dict[int, Action]
    lines: tuple[BudgetLine, ...]  # every line of every year, for the depreciation schedule


def prepare_budget(ws: "Workspace", actor: Actor, year: int | None = None) -> PreparedExport:
    current = _allowed(ws, actor)
    plan = ws.plan
    summary = plan.summary(year)
    data = BudgetData(_context(ws, current), summary, {a.id: a for a in plan.actions()}, tuple(plan.lines()))  # type: ignore[misc]
    t = summary.total
    details = {"fiscal_year": summary.fiscal_year, "lines": len(summary.entries), "planned_ht": t.planned_ht,
               "actual_ht": t.actual_ht, "audit_head": data.context.audit_head}
    return PreparedExport("budget", partial(build_budget, data), details)


def export_budget(ws: "Workspace", actor: Actor, year: int | None, out: Path | str,
                  progress: Progress | None = None) -> Path:
    return run_export(ws, actor, prepare_budget(ws, actor, year), out, progress)


def _detail_columns() -> list[tuple[str, Column]]:
    money = _measure_headers()
    columns = [
        ("line", Column(tr("Line no."), INTEGER, 8)),
        ("action_id", Column(tr("Action no."), INTEGER, 8)),
        ("action", Column(tr("Action"), TEXT, 34)),
        ("items", Column(tr("Recommendations"), TEXT, 18)),
        ("category", Column(tr("Category"), TEXT, 20)),
        ("nature", Column(tr("Nature"), TEXT, 16)),
        ("quarter", Column(tr("Quarter"), TEXT, 14)),
        ("expense_date", Column(tr("Expense date"), DATE, 12)),
        ("supplier", Column(tr("Supplier"), TEXT, 20)),
        ("label", Column(tr("Label"), TEXT, 30)),
        ("vat_rate", Column(tr("VAT rate"), PERCENT, 9)),
    ]
    columns += [(key, Column(money[key], MONEY, 15)) for key in MEASURES]
    columns += [
        ("vat_recoverable", Column(tr("VAT recovered"), TEXT, 10)),
        ("invoice_ref", Column(tr("Invoice reference"), TEXT, 16)),
        ("invoice_date", Column(tr("Invoice date"), DATE, 12)),
        ("action_status", Column(tr("Action status"), TEXT, 12)),
        ("due_date", Column(tr("Due date"), DATE, 12)),
        ("recurring", Column(tr("Recurring"), TEXT, 18)),
        ("depreciation", Column(tr("Depreciation (years)"), INTEGER, 12)),
    ]
    return columns


def _detail_values(entry: YearEntry, action: Action | None, start_month: int = 1) -> dict[str, Any]:
    line = entry.line
    values: dict[str, Any] = {
        "line": line.id, "action_id": line.action_id, "action": action.title if action else "",
        "items": ", ".join(action.item_ids) if action else "", "category": _label_of(Category, line.category),
        "nature": _label_of(Nature, line.nature), "quarter": _quarter(entry.quarter, start_month),
        "expense_date": line.expense_date, "supplier": line.supplier, "label": line.label,
        "vat_rate": line.vat_rate_bp, "vat_recoverable": _yes_no(line.vat_recoverable),
        "invoice_ref": line.invoice_ref, "invoice_date": line.invoice_date,
        "action_status": _label_of(ActionStatus, entry.action_status), "due_date": action.due_date if action else None,
        "recurring": _recurring_text(line), "depreciation": line.depreciation_years,
    }
    values.update(entry_amounts(entry))
    return values


def build_budget(data: BudgetData, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Workbook:
    summary, context = data.summary, data.context
    first, last = summary.bounds
    book = Workbook()
    names = {
        "detail": sheet_title(tr("Budget lines")), "summary": sheet_title(tr("Summary")),
        "variance": sheet_title(tr("Planned vs actual")), "depreciation": sheet_title(tr("Depreciation")),
    }
    _cover(
        book, tr("Budget of fiscal year {label}", label=summary.label), context,
        [(tr("Fiscal year"), TEXT, summary.label), (tr("First day"), DATE, first), (tr("Last day"), DATE, last),
         (tr("Number of budget lines"), INTEGER, len(summary.entries))],
        [
            (names["detail"], tr("One row per budget line of the fiscal year, as an Excel table with filters: action, "
                                 "recommendations, category, nature, supplier, label, VAT rate, planned / committed / "
                                 "actual amounts excl. VAT, VAT and incl. VAT, invoice, action status and due date.")),
            (names["summary"], tr("Totals by category and quarter, by category, by nature, by quarter and by action "
                                  "status. Every total is a SUMIFS formula over the budget lines.")),
            (names["variance"], tr("Planned against actual for each action, with the variance (formulas).")),
            (names["depreciation"], tr("Straight-line depreciation of the invoiced investments still being "
                                       "depreciated in this fiscal year, from their invoice date (first year pro "
                                       "rata temporis, by days), one column per fiscal year.")),
        ],
        [tr("Amounts in euros. VAT is computed on each line and rounded to the cent."),
         tr("Real cost: excl. VAT where the VAT is recovered, incl. VAT otherwise. It adds what was invoiced and "
            "what is still to pay (signed quote, else planned)."),
         tr("A recurring cost (a subscription) appears in every fiscal year it runs; its actual amount only in the "
            "year of its invoice. The lines of a dropped action keep only what was invoiced."),
         tr("Variance: actual minus planned, on invoiced lines only (positive: over budget).")],
    )
    detail = TableSheet(book.create_sheet(names["detail"]), [c for _, c in _detail_columns()])
    keys = [k for k, _ in _detail_columns()]
    entries = sorted(summary.entries, key=lambda e: (e.line.expense_date, e.line.id or 0))
    total = len(entries)
    for n, entry in enumerate(entries, 1):
        values = _detail_values(entry, data.actions.get(entry.line.action_id), summary.start_month)
        detail.append([values[k] for k in keys])
        _tick(progress, cancelled, n, total)
    # Too wide for one readable page: printed over pages across, each starting with the line
    # number, the action number and the action.
    detail.finish(f"Lignes_{summary.fiscal_year}", repeat_columns="A:C")
    header_of = dict(_detail_columns())
    ranges = {k: detail.range_of(header_of[k].header) for k in keys}
    _budget_summary(book.create_sheet(names["summary"]), summary, ranges)
    _planned_vs_actual(book.create_sheet(names["variance"]), summary, data.actions, ranges)
    _depreciation(book.create_sheet(names["depreciation"]), summary, data.lines, data.actions)
    if progress is not None:
        progress(total, total)
    return book


def _header_row(sheet, row: int, headers: Sequence[str]) -> None:
    for col, text in enumerate(headers, 1):
        cell = put(sheet, row, col, TEXT, text)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP_TOP


def _sumifs(sum_range: str, *criteria: tuple[str, str]) -> str:
    parts = [sum_range] + [f"{rng},{crit}" for rng, crit in criteria]
    return f"SUMIFS({','.join(parts)})"


def _budget_summary(sheet, summary: BudgetSummary, ranges: dict[str, str]) -> None:
    money = _measure_headers()
    first, last = summary.bounds
    title(sheet, 1, tr("Summary of fiscal year {label} ({first} to {last})", label=summary.label,
                       first=format_date(first), last=format_date(last)))
    put(sheet, 2, 1, WRAP, tr("Each amount is a SUMIFS formula over the sheet of budget lines."))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    row = 4
    quarters = (1, 2, 3, 4)
    start_month = summary.start_month
    categories = [c.value for c in Category]
    for measure, heading in (("planned_ht", tr("Planned excl. VAT by category and quarter")),
                             ("actual_ht", tr("Actual excl. VAT by category and quarter"))):
        label(sheet, row, 1, heading)
        row += 1
        header = row
        _header_row(sheet, row, [tr("Category")] + [_quarter(q, start_month) for q in quarters] + [tr("Total")])
        for cat in categories:
            row += 1
            put(sheet, row, 1, TEXT, Category(cat).label)
            for col, q in enumerate(quarters, 2):
                letter = get_column_letter(col)
                formula(sheet, row, col, "=" + _sumifs(ranges[measure], (ranges["category"], f"$A{row}"),
                                                       (ranges["quarter"], f"{letter}${header}")))
            formula(sheet, row, 6, f"=SUM(B{row}:E{row})")
        row += 1
        label(sheet, row, 1, tr("Total"))
        for col in range(2, 7):
            letter = get_column_letter(col)
            formula(sheet, row, col, f"=SUM({letter}{header + 1}:{letter}{row - 1})").font = BOLD
        row += 2
    groupings = [
        ("by_category", tr("By category"), tr("Category"), "category", [(c.value, c.label) for c in Category]),
        ("by_nature", tr("By nature"), tr("Nature"), "nature", [(n.value, n.label) for n in Nature]),
        ("by_quarter", tr("By quarter"), tr("Quarter"), "quarter",
         [(str(q), _quarter(q, start_month)) for q in quarters]),
        ("by_action_status", tr("By action status"), tr("Action status"), "action_status",
         [(s.value, s.label) for s in ActionStatus]),
    ]
    for key, heading, group_header, criterion, groups in groupings:
        label(sheet, row, 1, heading)
        row += 1
        header = row
        _header_row(sheet, row, [group_header] + [money[m] for m in SUMMARY_MEASURES])
        for _, text in groups:
            row += 1
            put(sheet, row, 1, TEXT, text)
            for col, measure in enumerate(SUMMARY_MEASURES, 2):
                formula(sheet, row, col, "=" + _sumifs(ranges[measure], (ranges[criterion], f"$A{row}")))
        row += 1
        label(sheet, row, 1, tr("Total"))
        for col in range(2, len(SUMMARY_MEASURES) + 2):
            letter = get_column_letter(col)
            formula(sheet, row, col, f"=SUM({letter}{header + 1}:{letter}{row - 1})").font = BOLD
        row += 2
    set_widths(sheet, [30] + [15] * len(SUMMARY_MEASURES))
    fit_rows(sheet)
    sheet.freeze_panes = "B4"
    print_setup(sheet)


def _planned_vs_actual(sheet, summary: BudgetSummary, actions: dict[int, Action], ranges: dict[str, str]) -> None:
    money = _measure_headers()
    measures = ("planned_ht", "committed_ht", "actual_ht", "variance_ht", "remaining_ht", "forecast_real")
    headers = [tr("Action no."), tr("Action"), tr("Action status"), tr("Due date")] + [money[m] for m in measures]
    _header_row(sheet, 1, headers)
    action_ids = sorted({e.line.action_id for e in summary.entries})
    row = 1
    for action_id in action_ids:
        row += 1
        action = actions.get(action_id)
        put(sheet, row, 1, INTEGER, action_id)
        put(sheet, row, 2, TEXT, action.title if action else "")
        put(sheet, row, 3, TEXT, action.status_enum.label if action else "")
        put(sheet, row, 4, DATE, action.due_date if action else None)
        for col, measure in enumerate(measures, 5):
            formula(sheet, row, col, "=" + _sumifs(ranges[measure], (ranges["action_id"], f"$A{row}")))
    if not action_ids:
        row += 1
        put(sheet, row, 2, TEXT, tr("No budget line in this fiscal year."))
    row += 1
    label(sheet, row, 2, tr("Total"))
    for col in range(5, 5 + len(measures)):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    variance = get_column_letter(8)
    sheet.conditional_formatting.add(
        f"{variance}2:{variance}{row}",
        CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="B3261E", bold=True)))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{row - 1}"
    set_widths(sheet, [8, 40, 14, 12] + [16] * len(measures))
    fit_rows(sheet)
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")


def _depreciation(sheet, summary: BudgetSummary, lines: Iterable[BudgetLine], actions: dict[int, Action]) -> None:
    statuses = {a_id: a.status for a_id, a in actions.items()}
    items = depreciations(lines, statuses, summary.fiscal_year, summary.start_month)
    years = sorted({y for d in items for y, _ in d.schedule}) or [summary.fiscal_year]
    years = list(range(years[0], years[-1] + 1))
    fixed = [tr("Line no."), tr("Action"), tr("Label"), tr("Supplier"), tr("Fiscal year of purchase"),
             tr("Depreciable base"), tr("Depreciated from"), tr("Years")]
    headers = fixed + [fiscal_year_label(y, summary.start_month) for y in years] + [tr("Total")]
    _header_row(sheet, 1, headers)
    first_year_col = len(fixed) + 1
    total_col = first_year_col + len(years)
    row = 1
    for d in items:
        row += 1
        action = actions.get(d.line.action_id)
        put(sheet, row, 1, INTEGER, d.line.id)
        put(sheet, row, 2, TEXT, action.title if action else "")
        put(sheet, row, 3, TEXT, d.line.label)
        put(sheet, row, 4, TEXT, d.line.supplier)
        put(sheet, row, 5, TEXT, fiscal_year_label(d.schedule[0][0], summary.start_month))
        put(sheet, row, 6, MONEY, d.base)
        put(sheet, row, 7, DATE, d.start)
        put(sheet, row, 8, INTEGER, d.line.depreciation_years)
        for y, cents in d.schedule:
            put(sheet, row, first_year_col + years.index(y), MONEY, cents)
        formula(sheet, row, total_col, f"=SUM({get_column_letter(first_year_col)}{row}:"
                                       f"{get_column_letter(total_col - 1)}{row})")
    if not items:
        row += 1
        put(sheet, row, 2, TEXT, tr("No investment is being depreciated in this fiscal year."))
    row += 1
    label(sheet, row, 1, tr("Total"))
    for col in [6] + list(range(first_year_col, total_col + 1)):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    current = first_year_col + years.index(summary.fiscal_year) if summary.fiscal_year in years else None
    if current:
        # The year of this workbook stands out: a darker header (white on it stays readable) and
        # a light column under it, its figures in the usual black.
        sheet.cell(row=1, column=current).fill = CURRENT_HEADER_FILL
        highlight = PatternFill("solid", fgColor="FFF2CC")
        for r in range(2, row + 1):
            sheet.cell(row=r, column=current).fill = highlight
    set_widths(sheet, [8, 30, 28, 18, 12, 15, 12, 8] + [14] * (len(years) + 1))
    fit_rows(sheet, 1, 1)
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")


CURRENT_HEADER_FILL = PatternFill("solid", fgColor="C55A11")


# ---- checklist ------------------------------------------------------------------------------------
STATUS_FILLS = {
    Status.COMPLIANT: "C6EFCE",
    Status.PARTIAL: "FFEB9C",
    Status.NON_COMPLIANT: "FFC7CE",
    Status.NOT_ASSESSED: "D9D9D9",
    Status.NOT_APPLICABLE: "F2F2F2",
}


@dataclass(frozen=True)
class ChecklistData:
    context: Context
    catalogue: Catalogue
    rows: tuple[ChecklistRow, ...]
    evidence_counts: dict[str, int]
    actions_by_item: dict[str, tuple[str, ...]]  # item id -> "#3 title" texts


def prepare_checklist(ws: "Workspace", actor: Actor) -> PreparedExport:
    current = _allowed(ws, actor)
    actions = {a.id: a for a in ws.plan.actions()}
    linked = {item: tuple(f"#{a} {actions[a].title}" for a in ids if a in actions)
              for item, ids in ws.plan.store.actions_by_item().items()}
    data = ChecklistData(_context(ws, current), ws.catalogue, tuple(ws.checklist.rows()),
                         ws.evidence_counts_by_item(), linked)
    from clinicguard.core.checklist import score

    overall = score(list(data.rows))
    details = {"recommendations": len(data.rows), "score": overall.percent, "audit_head": data.context.audit_head}
    return PreparedExport("checklist", partial(build_checklist, data), details)


def export_checklist(ws: "Workspace", actor: Actor, out: Path | str, progress: Progress | None = None) -> Path:
    return run_export(ws, actor, prepare_checklist(ws, actor), out, progress)


def _references(item: Recommendation) -> str:
    return "\n".join(r.label for r in item.references)


def build_checklist(data: ChecklistData, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"items": sheet_title(tr("Recommendations")), "scores": sheet_title(tr("Scores"))}
    _cover(
        book, tr("Checklist of the clinic"), data.context,
        [(tr("Number of recommendations"), INTEGER, len(data.rows))],
        [(names["items"], tr("One row per recommendation: domain, theme, identifier, question, status, comment, "
                             "responsible, last and next review, number of evidence files, linked actions, guidance "
                             "and references. Statuses are coloured.")),
         (names["scores"], tr("The score of each domain and the overall score, as formulas over the recommendations."))],
        [score_formula()],
    )
    columns = [
        Column(tr("Domain"), WRAP, 16), Column(tr("Theme"), WRAP, 16), Column(tr("Identifier"), TEXT, 16),
        Column(tr("Recommendation"), WRAP, 36), Column(tr("Question"), WRAP, 44), Column(tr("Severity"), INTEGER, 9),
        Column(tr("Status"), WRAP, 16), Column(tr("Comment"), WRAP, 36), Column(tr("Responsible"), WRAP, 18),
        Column(tr("Last review"), DATE, 12), Column(tr("Next review"), DATE, 12),
        Column(tr("Evidence files"), INTEGER, 10), Column(tr("Linked actions"), WRAP, 30),
        Column(tr("Why it matters"), WRAP, 50), Column(tr("How to check"), WRAP, 50),
        Column(tr("Expected evidence"), WRAP, 40), Column(tr("References"), WRAP, 40),
    ]
    table = TableSheet(book.create_sheet(names["items"]), columns)
    catalogue = data.catalogue
    total = len(data.rows)
    for n, row in enumerate(data.rows, 1):
        item, a = row.item, row.assessment
        table.append([
            catalogue.domain_title(item.domain), catalogue.theme_title(item.theme), item.id, pick(item.title),
            pick(item.question), item.severity, row.status.label, a.comment, a.responsible, a.last_reviewed,
            a.next_review, data.evidence_counts.get(item.id, 0), "\n".join(data.actions_by_item.get(item.id, ())),
            pick(item.why), pick(item.how_to_check), pick(item.evidence), _references(item),
        ])
        _tick(progress, cancelled, n, total)
    table.finish("Recommandations", repeat_columns="A:C")
    status_col = get_column_letter(table.index(tr("Status")))
    for status, colour in STATUS_FILLS.items():
        table.sheet.conditional_formatting.add(
            f"{status_col}2:{status_col}{table.last_row}",
            CellIsRule(operator="equal", formula=['"' + status.label.replace('"', '""') + '"'],
                       fill=PatternFill("solid", fgColor=colour, bgColor=colour)))
    ranges = {h: table.range_of(h) for h in (tr("Domain"), tr("Severity"), tr("Status"))}
    domains = [d for d in catalogue.domains if any(r.item.domain == d.id for r in data.rows)]
    _scores(book.create_sheet(names["scores"]), [catalogue.domain_title(d.id) for d in domains], ranges)
    return book


def _scores(sheet, domains: list[str], ranges: dict[str, str]) -> None:
    dom, sev, st = ranges[tr("Domain")], ranges[tr("Severity")], ranges[tr("Status")]
    title(sheet, 1, tr("Scores by domain"))
    put(sheet, 2, 1, WRAP, score_formula())
    statuses = [Status.COMPLIANT, Status.PARTIAL, Status.NON_COMPLIANT, Status.NOT_ASSESSED, Status.NOT_APPLICABLE]
    header = 4
    headers = [tr("Domain")] + [s.label for s in statuses] + [tr("Applicable weight"), tr("Points"), tr("Score")]
    _header_row(sheet, header, headers)
    # The credit table the formulas use, below the scores, so a reader sees the weights.
    legend = header + len(domains) + 4
    label(sheet, legend - 1, 1, tr("Credit per status"))
    credit_cell = {}
    for n, status in enumerate(statuses):
        r = legend + n
        put(sheet, r, 1, TEXT, status.label)
        if status is Status.NOT_APPLICABLE:
            put(sheet, r, 2, TEXT, tr("excluded"))
        else:
            put(sheet, r, 2, NUMBER, status.credit)
        credit_cell[status] = (f"$A${r}", f"$B${r}")
    weight_col, points_col = get_column_letter(len(statuses) + 2), get_column_letter(len(statuses) + 3)
    row = header
    for domain in domains:
        row += 1
        put(sheet, row, 1, TEXT, domain)
        for col, status in enumerate(statuses, 2):
            formula(sheet, row, col, f"=COUNTIFS({dom},$A{row},{st},{credit_cell[status][0]})", INTEGER)
        na = credit_cell[Status.NOT_APPLICABLE][0]
        formula(sheet, row, len(statuses) + 2, f"={_sumifs(sev, (dom, f'$A{row}'))}-{_sumifs(sev, (dom, f'$A{row}'), (st, na))}",
                INTEGER)
        earned = "+".join(f"{_sumifs(sev, (dom, f'$A{row}'), (st, credit_cell[s][0]))}*{credit_cell[s][1]}"
                          for s in (Status.COMPLIANT, Status.PARTIAL))
        formula(sheet, row, len(statuses) + 3, f"={earned}", NUMBER)
        formula(sheet, row, len(statuses) + 4,
                f'=IF({weight_col}{row}=0,"—",100*{points_col}{row}/{weight_col}{row})', SCORE)
    row += 1
    label(sheet, row, 1, tr("Overall"))
    for col in range(2, len(statuses) + 4):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}{header + 1}:{letter}{row - 1})",
                NUMBER if col == len(statuses) + 3 else INTEGER).font = BOLD
    formula(sheet, row, len(statuses) + 4,
            f'=IF({weight_col}{row}=0,"—",100*{points_col}{row}/{weight_col}{row})', SCORE).font = BOLD
    set_widths(sheet, [34] + [14] * (len(statuses) + 3))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(statuses) + 4)
    fit_rows(sheet)
    sheet.freeze_panes = f"B{header + 1}"
    print_setup(sheet, title_rows=f"{header}:{header}")


# ---- action plan ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionsData:
    context: Context
    actions: tuple[Action, ...]
    lines: tuple[BudgetLine, ...]
    today: date
    start_month: int


def prepare_actions(ws: "Workspace", actor: Actor) -> PreparedExport:
    current = _allowed(ws, actor)
    plan = ws.plan
    data = ActionsData(_context(ws, current), tuple(plan.actions()), tuple(plan.lines()), date.today(),
                       ws.settings.clinic.fiscal_year_start_month)
    details = {"actions": len(data.actions), "lines": len(data.lines), "audit_head": data.context.audit_head}
    return PreparedExport("actions", partial(build_actions, data), details)


def export_actions(ws: "Workspace", actor: Actor, out: Path | str, progress: Progress | None = None) -> Path:
    return run_export(ws, actor, prepare_actions(ws, actor), out, progress)


def build_actions(data: ActionsData, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"actions": sheet_title(tr("Actions")), "lines": sheet_title(tr("Budget lines"))}
    _cover(
        book, tr("Action plan of the clinic"), data.context,
        [(tr("Number of actions"), INTEGER, len(data.actions)), (tr("Number of budget lines"), INTEGER, len(data.lines))],
        [(names["actions"], tr("One row per action: owner, dates, priority, status, linked recommendations and its "
                               "costs (sum of its budget lines, all fiscal years).")),
         (names["lines"], tr("Every budget line of every fiscal year, with its action."))],
        [tr("The costs of an action add up its budget lines once each: a recurring cost counts once here; the budget "
            "workbook of each fiscal year shows it every year it runs.")],
    )
    per_action: dict[int, dict[str, int]] = {}
    for line in data.lines:
        sums = per_action.setdefault(line.action_id, {"lines": 0, "planned_ttc": 0, "committed_ht": 0,
                                                      "actual_ttc": 0})
        sums["lines"] += 1
        sums["planned_ttc"] += line.planned_ttc
        sums["committed_ht"] += line.committed_ht or 0
        sums["actual_ttc"] += line.actual_ttc or 0
    plan = {row.action.id: row for row in plan_rows(list(data.actions), data.lines)}
    columns = [
        Column(tr("Action no."), INTEGER, 8), Column(tr("Title"), WRAP, 36), Column(tr("Description"), WRAP, 44),
        Column(tr("Owner"), TEXT, 18), Column(tr("Priority"), TEXT, 9), Column(tr("Status"), TEXT, 12),
        Column(tr("Start date"), DATE, 12), Column(tr("Due date"), DATE, 12), Column(tr("Done on"), DATE, 12),
        Column(tr("Progress (%)"), INTEGER, 10), Column(tr("Overdue"), TEXT, 9),
        Column(tr("Linked recommendations"), TEXT, 22), Column(tr("Budget lines"), INTEGER, 9),
        Column(tr("Planned excl. VAT"), MONEY, 15), Column(tr("Planned incl. VAT"), MONEY, 15),
        Column(tr("Committed excl. VAT"), MONEY, 15), Column(tr("Actual excl. VAT"), MONEY, 15),
        Column(tr("Actual incl. VAT"), MONEY, 15),
    ]
    table = TableSheet(book.create_sheet(names["actions"]), columns)
    total = len(data.actions) + len(data.lines)
    done = 0
    for action in data.actions:
        sums = per_action.get(action.id, {"lines": 0, "planned_ttc": 0, "committed_ht": 0, "actual_ttc": 0})  # type: ignore[arg-type]
        row = plan[action.id]
        table.append([
            action.id, action.title, action.description, action.owner, priority_label(action.priority),
            action.status_enum.label, action.start_date, action.due_date, action.done_date, action.progress,
            _yes_no(action.is_overdue(data.today)), ", ".join(action.item_ids), sums["lines"], row.planned_ht,
            sums["planned_ttc"], sums["committed_ht"], row.actual_ht, sums["actual_ttc"],
        ])
        done += 1
        _tick(progress, cancelled, done, total)
    table.finish("Actions")
    titles = {a.id: a.title for a in data.actions}
    line_columns = [
        Column(tr("Line no."), INTEGER, 8), Column(tr("Action no."), INTEGER, 8), Column(tr("Action"), TEXT, 30),
        Column(tr("Fiscal year"), TEXT, 10), Column(tr("Expense date"), DATE, 12), Column(tr("Category"), TEXT, 18),
        Column(tr("Nature"), TEXT, 14), Column(tr("Supplier"), TEXT, 18), Column(tr("Label"), TEXT, 28),
        Column(tr("VAT rate"), PERCENT, 9), Column(tr("Planned excl. VAT"), MONEY, 15),
        Column(tr("Planned incl. VAT"), MONEY, 15), Column(tr("Committed excl. VAT"), MONEY, 15),
        Column(tr("Actual excl. VAT"), MONEY, 15), Column(tr("Actual incl. VAT"), MONEY, 15),
        Column(tr("Invoice reference"), TEXT, 16), Column(tr("Invoice date"), DATE, 12),
        Column(tr("Recurring"), TEXT, 18), Column(tr("Depreciation (years)"), INTEGER, 12),
    ]
    lines = TableSheet(book.create_sheet(names["lines"]), line_columns)
    for line in data.lines:
        lines.append([
            line.id, line.action_id, titles.get(line.action_id, ""), fiscal_year_label(line.fiscal_year, data.start_month),
            line.expense_date, _label_of(Category, line.category), _label_of(Nature, line.nature), line.supplier,
            line.label, line.vat_rate_bp, line.planned_ht, line.planned_ttc, line.committed_ht, line.actual_ht,
            line.actual_ttc, line.invoice_ref, line.invoice_date, _recurring_text(line), line.depreciation_years,
        ])
        done += 1
        _tick(progress, cancelled, done, total)
    lines.finish("Lignes")
    return book


# ---- catalogue (no clinic needed) -----------------------------------------------------------------
def _effort(value: str) -> str:
    return {"low": tr("Low effort"), "medium": tr("Medium effort"), "high": tr("High effort")}.get(value, value)


def prepare_catalogue(catalogue: Catalogue) -> PreparedExport:
    return PreparedExport("catalogue", partial(build_catalogue, catalogue), {"version": catalogue.version})


def export_catalogue(catalogue: Catalogue, out: Path | str) -> Path:
    return write_export(prepare_catalogue(catalogue), out)


def build_catalogue(catalogue: Catalogue, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"items": sheet_title(tr("Recommendations")), "actions": sheet_title(tr("Suggested actions"))}
    _cover(
        book, tr("ClinicGuard recommendations catalogue"), None,
        [(tr("Catalogue version"), TEXT, catalogue.version), (tr("Catalogue date"), DATE, catalogue.date),
         (tr("Number of recommendations"), INTEGER, len(catalogue.items)),
         (tr("Exported on"), DATETIME, datetime.now().replace(microsecond=0)),
         (tr("Sources"), WRAP, pick(catalogue.sources)), (tr("Changes"), WRAP, pick(catalogue.changes))],
        [(names["items"], tr("Every recommendation with all its fields, one row each.")),
         (names["actions"], tr("The actions suggested for each recommendation, with effort, kind of cost and cost "
                               "band excl. VAT."))],
        [tr("Uncertain facts are marked (?). Amounts are indicative bands excluding VAT, not quotes.")],
    )
    seeds = dict(catalogue.seed_recommendations)
    columns = [
        Column(tr("Identifier"), TEXT, 16), Column(tr("Domain"), TEXT, 20), Column(tr("Theme"), TEXT, 20),
        Column(tr("Title"), WRAP, 36), Column(tr("Question"), WRAP, 44), Column(tr("Why it matters"), WRAP, 50),
        Column(tr("How to check"), WRAP, 50), Column(tr("Expected evidence"), WRAP, 40),
        Column(tr("Suggested actions"), WRAP, 50), Column(tr("References"), WRAP, 40),
        Column(tr("Applies to"), WRAP, 26), Column(tr("Severity"), INTEGER, 9),
        Column(tr("Newsletter recommendations"), WRAP, 30), Column(tr("From the CNIL draft"), TEXT, 10),
        Column(tr("Uncertain"), WRAP, 36),
    ]
    table = TableSheet(book.create_sheet(names["items"]), columns)
    for item in catalogue.items:
        suggested = "\n".join(f"{pick(a.title)} ({_effort(a.effort)}; {_label_of(Nature, a.cost_kind)}; {a.cost_band})"
                              for a in item.actions)
        applies = "\n".join(s.label for s in Structure if s in item.applies_to)
        seed = "\n".join(pick(seeds[s]) if s in seeds else s for s in item.seed)
        table.append([
            item.id, catalogue.domain_title(item.domain), catalogue.theme_title(item.theme), pick(item.title),
            pick(item.question), pick(item.why), pick(item.how_to_check), pick(item.evidence), suggested,
            _references(item), applies, item.severity, seed, _yes_no(item.from_cnil_draft), pick(item.uncertain)
            if item.uncertain else "",
        ])
    table.finish("Catalogue")
    action_columns = [
        Column(tr("Identifier"), TEXT, 16), Column(tr("Recommendation"), WRAP, 36), Column(tr("Action"), WRAP, 44),
        Column(tr("Effort"), TEXT, 14), Column(tr("Kind of cost"), TEXT, 16),
        Column(tr("Lowest cost excl. VAT"), MONEY, 14), Column(tr("Highest cost excl. VAT"), MONEY, 14),
        Column(tr("Cost band"), TEXT, 22),
    ]
    actions = TableSheet(book.create_sheet(names["actions"]), action_columns)
    for item in catalogue.items:
        for a in item.actions:
            actions.append([item.id, pick(item.title), pick(a.title), _effort(a.effort), _label_of(Nature, a.cost_kind),
                            a.cost_min_eur * 100, a.cost_max_eur * 100, a.cost_band])
    actions.finish("Actions_suggerees")
    return book
