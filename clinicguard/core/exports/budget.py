"""The budget workbook of one fiscal year, for the accountant: every budget line of the year, the
totals by category, nature, quarter and action status, planned against actual per action, and the
depreciation schedule of the investments. Every total is a SUMIFS formula over the lines, so the
reader can audit each one; their values equal the app's own summaries (core/budget.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from clinicguard.model.plan import Action, ActionStatus
from clinicguard.model.budget import BudgetLine, Category, Nature, fiscal_year_label
from clinicguard.core.budget import BudgetSummary, YearEntry, accounting_warnings, depreciations
from clinicguard.model.accounts import account_label
from clinicguard.core.exports.cover import cover
from clinicguard.core.exports.depreciation import depreciation_tables
from clinicguard.core.exports.invoices import invoices_sheet
from clinicguard.core.exports.pipeline import (
    Cancelled, Context, ExportSources, PreparedExport, Progress, authorised, context_for, discard, run_export, tick,
)
from clinicguard.core.exports.xlsx import (
    BOLD, DATE, FORMULA, INTEGER, MONEY, PERCENT, TEXT, WRAP, Column, StreamSheet, TableSheet, enum_label, fit_rows,
    formula, header_row, label, print_setup, put, set_widths, sheet_title, stream_sheet, sumifs, title,
    yes_no,
)
from clinicguard.core.formatting import format_date, format_money
from clinicguard.i18n import tr
from clinicguard.model.people import Actor


# Per-entry amounts, in the same way core/budget.py's Totals adds them, so SUMIFS over the detail
# gives exactly the app's totals.
MEASURES = ("planned_ht", "planned_vat", "planned_ttc", "committed_ht", "actual_ht", "actual_vat", "actual_ttc",
            "variance_ht", "remaining_ht", "remaining_real", "forecast_real")
SUMMARY_MEASURES = ("planned_ht", "planned_vat", "planned_ttc", "committed_ht", "actual_ht", "actual_vat",
                    "actual_ttc", "variance_ht", "remaining_real", "forecast_real")


def measure_headers() -> dict[str, str]:
    """The column header of each measure (MEASURES, SUMMARY_MEASURES), as the workbook shows it."""
    return {
        "planned_ht": tr("Planned excl. VAT"), "planned_vat": tr("VAT on planned"),
        "planned_ttc": tr("Planned incl. VAT"), "committed_ht": tr("Committed excl. VAT"),
        "committed_ttc": tr("Committed incl. VAT"), "actual_ht": tr("Actual excl. VAT"),
        "actual_vat": tr("VAT on actual"), "actual_ttc": tr("Actual incl. VAT"),
        "variance_ht": tr("Variance excl. VAT (actual - planned)"), "remaining_ht": tr("Still to pay excl. VAT"),
        "remaining_real": tr("Still to pay (real cost)"), "planned_real": tr("Planned real cost"),
        "actual_real": tr("Actual real cost"), "forecast_real": tr("Real cost (actual + still to pay)"),
    }


def _months() -> list[str]:
    return tr("Jan.,Feb.,Mar.,Apr.,May,Jun.,Jul.,Aug.,Sep.,Oct.,Nov.,Dec.").split(",")


def quarter_label(n: int, start_month: int = 1) -> str:
    """A fiscal quarter with its months, e.g. "T1 (juil.–sept.)": with a fiscal year starting in
    July, a bare "T1" would be read as January to March."""
    months = _months()
    first = (start_month - 1 + 3 * (n - 1)) % 12
    return tr("Q{n} ({first}–{last})", n=n, first=months[first], last=months[(first + 2) % 12])


def entry_amounts(entry: YearEntry) -> dict[str, int | None]:
    """What one budget line costs in the year, in cents, measure by measure (None: nothing)."""
    line = entry.line
    planned, committed, actual = entry.planned_ht, entry.committed_ht, entry.actual_ht
    remaining = entry.remaining_ht if actual is None else None
    actual_real = line.invoice_real_cost if actual is not None else None
    remaining_real = line.real_cost(remaining)
    forecast = None if actual_real is None and remaining_real is None else (actual_real or 0) + (remaining_real or 0)
    return {
        "planned_ht": planned, "planned_vat": line.vat(planned), "planned_ttc": line.ttc(planned),
        "committed_ht": committed, "committed_ttc": line.ttc(committed),
        # the invoice as printed (its own VAT and TTC), not recomputed from the rate
        "actual_ht": actual, "actual_vat": line.invoice_vat if actual is not None else None,
        "actual_ttc": line.invoice_ttc if actual is not None else None,
        "variance_ht": entry.variance_ht,
        "remaining_ht": remaining, "remaining_real": remaining_real, "planned_real": line.real_cost(planned),
        "actual_real": actual_real, "forecast_real": forecast,
    }


def recurring_text(line: BudgetLine) -> str:
    """How a recurring cost repeats ("Every year from 2026"); empty for a one-off cost."""
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


def prepare_budget(sources: ExportSources, actor: Actor, year: int | None = None) -> PreparedExport:
    """The budget workbook of fiscal `year` (the current one when None), ready to build."""
    current = authorised(sources, actor)
    plan = sources.plan
    summary = plan.summary(year)
    data = BudgetData(context_for(sources, current), summary, {a.id: a for a in plan.actions()}, tuple(plan.lines()))
    t = summary.total
    details = {"fiscal_year": summary.fiscal_year, "lines": len(summary.entries), "planned_ht": t.planned_ht,
               "actual_ht": t.actual_ht, "audit_head": data.context.audit_head}
    return PreparedExport("budget", partial(build_budget, data), details)


def export_budget(sources: ExportSources, actor: Actor, year: int | None, out: Path | str,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    return run_export(sources, actor, prepare_budget(sources, actor, year), out, progress, cancelled)


def money_width(summary: BudgetSummary) -> int:
    """A money column wide enough for the largest total the workbook can show, so that no total is
    ever shown as ###: the sum of the absolute amounts of each measure bounds every SUMIFS over it."""
    sums = dict.fromkeys(MEASURES, 0)
    for entry in summary.entries:  # one pass: each entry's amounts are worked out once
        amounts = entry_amounts(entry)
        for measure in MEASURES:
            sums[measure] += abs(amounts[measure] or 0)
    largest = max(sums.values(), default=0)
    # The text as displayed ("1 234 567,89 €"), one unit of room per character plus a margin.
    return max(15, len(format_money(largest)) + 3)


def detail_columns(width: int = 15) -> list[tuple[str, Column]]:
    money = measure_headers()
    columns = [
        ("line", Column(tr("Line no."), INTEGER, 8)),
        ("action_id", Column(tr("Action no."), INTEGER, 8)),
        ("action", Column(tr("Action"), TEXT, 34)),
        ("items", Column(tr("Recommendations"), TEXT, 18)),
        ("category", Column(tr("Category"), TEXT, 20)),
        ("nature", Column(tr("Nature"), TEXT, 16)),
        ("account", Column(tr("Account"), TEXT, 10)),
        ("account_label", Column(tr("Account label"), TEXT, 28)),
        ("quarter", Column(tr("Quarter"), TEXT, 14)),
        ("expense_date", Column(tr("Expense date"), DATE, 12)),
        ("supplier", Column(tr("Supplier"), TEXT, 20)),
        ("label", Column(tr("Label"), TEXT, 30)),
        ("vat_rate", Column(tr("VAT rate"), PERCENT, 9)),
    ]
    columns += [(key, Column(money[key], MONEY, width)) for key in MEASURES]
    columns += [
        ("vat_recoverable", Column(tr("VAT recovered"), TEXT, 10)),
        ("invoice_ref", Column(tr("Invoice reference"), TEXT, 16)),
        ("invoice_date", Column(tr("Invoice date"), DATE, 12)),
        ("action_status", Column(tr("Action status"), TEXT, 12)),
        ("due_date", Column(tr("Due date"), DATE, 12)),
        ("recurring", Column(tr("Recurring"), TEXT, 18)),
        ("depreciation", Column(tr("Depreciation (years)"), INTEGER, 12)),
        ("accounting_note", Column(tr("Accounting note"), WRAP, 40)),
    ]
    return columns


class _Labels:
    """The labels a budget line's row repeats (category, nature, quarter, status, account...),
    translated once per workbook rather than once per line."""

    def __init__(self, start_month: int = 1):
        self.start_month = start_month
        self.category = {c.value: c.label for c in Category}
        self.nature = {n.value: n.label for n in Nature}
        self.status = {s.value: s.label for s in ActionStatus}
        self.quarter = {q: quarter_label(q, start_month) for q in (1, 2, 3, 4)}
        self.yes, self.no = yes_no(True), yes_no(False)
        self.accounts: dict[str, str] = {}
        self.items: dict[int, str] = {}

    def account(self, account: str) -> str:
        text = self.accounts.get(account)
        if text is None:
            text = self.accounts[account] = account_label(account)
        return text


def _detail_row(entry: YearEntry, action: Action | None, labels: _Labels) -> list[Any]:
    """One budget line's row of the detail sheet, in the order of detail_columns()."""
    line = entry.line
    a = entry_amounts(entry)
    items = ""
    if action is not None:
        items = labels.items.get(action.id)
        if items is None:
            items = labels.items[action.id] = ", ".join(action.item_ids)
    category, nature, status = line.category, line.nature, entry.action_status
    account = line.booked_account
    return [
        line.id, line.action_id, action.title if action else "", items,
        labels.category.get(category) or enum_label(Category, category),
        labels.nature.get(nature) or enum_label(Nature, nature), account, labels.account(account),
        labels.quarter.get(entry.quarter) or quarter_label(entry.quarter, labels.start_month),
        line.expense_date, line.supplier, line.label, line.vat_rate_bp,
        a["planned_ht"], a["planned_vat"], a["planned_ttc"], a["committed_ht"], a["actual_ht"], a["actual_vat"],
        a["actual_ttc"], a["variance_ht"], a["remaining_ht"], a["remaining_real"], a["forecast_real"],
        labels.yes if line.vat_recoverable else labels.no, line.invoice_ref, line.invoice_date,
        labels.status.get(status) or enum_label(ActionStatus, status), action.due_date if action else None,
        recurring_text(line), line.depreciation_years, " ".join(accounting_warnings(line)),
    ]


_DETAIL_KEYS = ("line", "action_id", "action", "items", "category", "nature", "account", "account_label", "quarter",
                "expense_date", "supplier", "label", "vat_rate") + MEASURES + (
    "vat_recoverable", "invoice_ref", "invoice_date", "action_status", "due_date", "recurring", "depreciation",
    "accounting_note")


def detail_values(entry: YearEntry, action: Action | None, start_month: int = 1) -> dict[str, Any]:
    """The values of one budget line's row of the detail sheet, by column key (detail_columns())."""
    values = dict(zip(_DETAIL_KEYS, _detail_row(entry, action, _Labels(start_month))))
    amounts = entry_amounts(entry)
    values.update((k, amounts[k]) for k in amounts if k not in values)
    return values


def build_budget(data: BudgetData, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Workbook:
    """The workbook, written as it is built (openpyxl's write-only mode): each row goes to a
    temporary file as soon as it is made, so that 10,000 lines never sit in memory (nor keep
    Python's garbage collector busy); saving it only puts those files together. A cancel or a
    failure removes those files."""
    book = Workbook(write_only=True)
    try:
        _build_budget(book, data, progress, cancelled)
    except BaseException:
        discard(book)
        raise
    return book


def _build_budget(book: Workbook, data: BudgetData, progress: Progress | None, cancelled: Cancelled | None) -> None:
    summary, context = data.summary, data.context
    first, last = summary.bounds
    names = {
        "detail": sheet_title(tr("Budget lines")), "summary": sheet_title(tr("Summary")),
        "variance": sheet_title(tr("Planned vs actual")), "depreciation": sheet_title(tr("Depreciation")),
        "tables": sheet_title(tr("Depreciation tables")), "invoices": sheet_title(tr("Invoices of the year")),
    }
    cover(
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
                                       "depreciated in this fiscal year, from their date put into service (first "
                                       "year pro rata temporis, by days), one column per fiscal year.")),
            (names["tables"], tr("One depreciation table per asset: acquisition and service dates, base, duration "
                                 "(with the usual one for its category), rate, each year's annuity, cumulative "
                                 "depreciation and net book value, as formulas; a disposal ends the table.")),
            (names["invoices"], tr("Each invoice of the fiscal year as printed, one row per VAT rate: supplier and its "
                                   "SIRET or VAT number, number, invoice and payment dates, account, excl. VAT, VAT, "
                                   "incl. VAT, deductible VAT, service period and the part prepaid at year end "
                                   "(charges constatées d'avance). The purchase journal books the same invoices.")),
        ],
        [tr("Amounts in euros. Planned VAT is computed on each line and rounded to the cent; an invoice's VAT and "
            "amount incl. VAT are those printed on it (a credit note is negative)."),
         tr("Real cost: excl. VAT plus the VAT not deducted (incl. VAT when none is deducted). It adds what was "
            "invoiced and what is still to pay (signed quote, else planned)."),
         tr("A recurring cost (a subscription) appears in every fiscal year it runs; its actual amount only in the "
            "year of its invoice. The lines of a dropped action keep only what was invoiced."),
         tr("Variance: actual minus planned, on invoiced lines only (positive: over budget).")],
    )
    width = money_width(summary)
    columns = detail_columns(width)
    keys = [k for k, _ in columns]
    if tuple(keys) != _DETAIL_KEYS:
        raise AssertionError("the detail sheet's columns and its rows disagree")
    # Too wide for one readable page: printed over pages across, each starting with the line
    # number, the action number and the action.
    detail = TableSheet(stream_sheet(book, names["detail"]), [c for _, c in columns], repeat_columns="A:C")
    entries = sorted(summary.entries, key=lambda e: (e.line.expense_date, e.line.id or 0))
    total = len(entries)
    labels = _Labels(summary.start_month)
    actions = data.actions
    for n, entry in enumerate(entries, 1):
        detail.append(_detail_row(entry, actions.get(entry.line.action_id), labels))
        tick(progress, cancelled, n, total)
    detail.finish(f"Lignes_{summary.fiscal_year}", repeat_columns="A:C")
    header_of = dict(columns)
    ranges = {k: detail.range_of(header_of[k].header) for k in keys}
    _budget_summary(stream_sheet(book, names["summary"]), summary, ranges, width)
    _planned_vs_actual(stream_sheet(book, names["variance"]), summary, data.actions, ranges, width)
    _depreciation(stream_sheet(book, names["depreciation"]), summary, data.lines, data.actions)
    depreciation_tables(stream_sheet(book, names["tables"]), summary.fiscal_year, summary.start_month, data.lines,
                        data.actions)
    invoices_sheet(stream_sheet(book, names["invoices"]), summary, width)
    if progress is not None:
        progress(total, total)


def _budget_summary(sheet, summary: BudgetSummary, ranges: dict[str, str], width: int = 15) -> None:
    money = measure_headers()
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
        header_row(sheet, row, [tr("Category")] + [quarter_label(q, start_month) for q in quarters] + [tr("Total")])
        for cat in categories:
            row += 1
            put(sheet, row, 1, TEXT, Category(cat).label)
            for col, q in enumerate(quarters, 2):
                letter = get_column_letter(col)
                formula(sheet, row, col, "=" + sumifs(ranges[measure], (ranges["category"], f"$A{row}"),
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
         [(str(q), quarter_label(q, start_month)) for q in quarters]),
        ("by_action_status", tr("By action status"), tr("Action status"), "action_status",
         [(s.value, s.label) for s in ActionStatus]),
    ]
    for key, heading, group_header, criterion, groups in groupings:
        label(sheet, row, 1, heading)
        row += 1
        header = row
        header_row(sheet, row, [group_header] + [money[m] for m in SUMMARY_MEASURES])
        for _, text in groups:
            row += 1
            put(sheet, row, 1, TEXT, text)
            for col, measure in enumerate(SUMMARY_MEASURES, 2):
                formula(sheet, row, col, "=" + sumifs(ranges[measure], (ranges[criterion], f"$A{row}")))
        row += 1
        label(sheet, row, 1, tr("Total"))
        for col in range(2, len(SUMMARY_MEASURES) + 2):
            letter = get_column_letter(col)
            formula(sheet, row, col, f"=SUM({letter}{header + 1}:{letter}{row - 1})").font = BOLD
        row += 2
    set_widths(sheet, [30] + [width] * len(SUMMARY_MEASURES))
    fit_rows(sheet)
    sheet.freeze_panes = "B4"
    print_setup(sheet)
    sheet.close_rows()  # a small sheet: written once whole, from its buffer


def _planned_vs_actual(sheet: StreamSheet, summary: BudgetSummary, actions: dict[int, Action],
                       ranges: dict[str, str], width: int = 16) -> None:
    money = measure_headers()
    measures = ("planned_ht", "committed_ht", "actual_ht", "variance_ht", "remaining_ht", "forecast_real")
    headers = [tr("Action no."), tr("Action"), tr("Action status"), tr("Due date")] + [money[m] for m in measures]
    set_widths(sheet, [8, 40, 14, 12] + [max(16, width)] * len(measures))
    fit_rows(sheet, 1, 1)  # only the headers wrap: the action rows are one line each
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")
    header_row(sheet, 1, headers)
    action_ids = sorted({e.line.action_id for e in summary.entries})
    slots = sheet.slots([INTEGER, TEXT, TEXT, DATE] + [(FORMULA, MONEY)] * len(measures))
    statuses = {s.value: s.label for s in ActionStatus}
    for row, action_id in enumerate(action_ids, 2):
        action = actions.get(action_id)
        sheet.write(slots, [action_id, action.title if action else "",
                            (statuses.get(action.status) or action.status_enum.label) if action else "",
                            action.due_date if action else None,
                            *("=" + sumifs(ranges[m], (ranges["action_id"], f"$A{row}")) for m in measures)])
    row = 1 + len(action_ids)
    if not action_ids:
        row += 1
        put(sheet, row, 2, TEXT, tr("No budget line in this fiscal year."))
    row += 1
    label(sheet, row, 2, tr("Total"))
    for col in range(5, 5 + len(measures)):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    sheet.close_rows()
    variance = get_column_letter(8)
    sheet.conditional_formatting.add(
        f"{variance}2:{variance}{row}",
        CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="B3261E", bold=True)))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{row - 1}"


def _depreciation(sheet: StreamSheet, summary: BudgetSummary, lines: Iterable[BudgetLine],
                  actions: dict[int, Action]) -> None:
    statuses = {a_id: a.status for a_id, a in actions.items()}
    items = depreciations(lines, statuses, summary.fiscal_year, summary.start_month)
    years = sorted({y for d in items for y, _ in d.schedule}) or [summary.fiscal_year]
    years = list(range(years[0], years[-1] + 1))
    fixed = [tr("Line no."), tr("Action"), tr("Label"), tr("Supplier"), tr("Fiscal year of purchase"),
             tr("Depreciable base"), tr("Depreciated from"), tr("Years")]
    headers = fixed + [fiscal_year_label(y, summary.start_month) for y in years] + [tr("Total")]
    first_year_col = len(fixed) + 1
    total_col = first_year_col + len(years)
    width = max(15, len(format_money(sum(d.base for d in items))) + 3)  # never ### (see money_width)
    set_widths(sheet, [8, 30, 28, 18, 12, width, 12, 8] + [width] * (len(years) + 1))
    fit_rows(sheet, 1, 1)
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")
    header_row(sheet, 1, headers)
    current = first_year_col + years.index(summary.fiscal_year) if summary.fiscal_year in years else None
    # The year of this workbook stands out: a darker header (white on it stays readable) and
    # a light column under it, its figures in the usual black.
    highlight = PatternFill("solid", fgColor="FFF2CC")
    kinds = (INTEGER, TEXT, TEXT, TEXT, TEXT, MONEY, DATE, INTEGER) + (MONEY,) * len(years) + ((FORMULA, MONEY),)
    slots = list(sheet.layout(*kinds, top=False))
    if current:
        sheet.cell(row=1, column=current).fill = CURRENT_HEADER_FILL
        slots[current - 1] = sheet.layout(*kinds, top=False, fill=highlight, keep_empty=True)[current - 1]
    year_labels = {}
    row = 1
    first_letter, last_letter = get_column_letter(first_year_col), get_column_letter(total_col - 1)
    for d in items:
        row += 1
        action = actions.get(d.line.action_id)
        first_year = d.schedule[0][0]
        if first_year not in year_labels:
            year_labels[first_year] = fiscal_year_label(first_year, summary.start_month)
        values = [d.line.id, action.title if action else "", d.line.label, d.line.supplier, year_labels[first_year],
                  d.base, d.start, d.line.depreciation_years] + [None] * len(years) + [
                  f"=SUM({first_letter}{row}:{last_letter}{row})"]
        for y, cents in d.schedule:
            values[first_year_col - 1 + y - years[0]] = cents
        sheet.write(slots, values)
    if not items:
        row += 1
        put(sheet, row, 2, TEXT, tr("No investment is being depreciated in this fiscal year."))
        if current:
            sheet.cell(row=row, column=current).fill = highlight
    row += 1
    label(sheet, row, 1, tr("Total"))
    for col in [6] + list(range(first_year_col, total_col + 1)):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    if current:
        sheet.cell(row=row, column=current).fill = highlight
    sheet.close_rows()


CURRENT_HEADER_FILL = PatternFill("solid", fgColor="C55A11")
