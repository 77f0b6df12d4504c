"""The depreciation tables (tableaux d'amortissement) of the budget workbook: one table per asset,
every figure an accountant audits written as a formula over the asset's own cells.

Per asset: account, acquisition date, date put into service (where depreciation starts), base,
duration and the usual duration of its category (a usage, not a rule: model/invoice.py), rate
(= 1 / duration), disposal date. Per fiscal year: its first and last day, the days depreciated
(from the date put into service, up to the disposal), the annuity (straight line, pro rata by
days, rounded down to the cent; the last year takes what is left), cumulative depreciation and
net book value. The formulas compute exactly what core/budget.py's depreciation_schedule does.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from clinicguard.core.budget import Depreciation, depreciations
from clinicguard.core.exports.xlsx import (
    BOLD,
    DATE,
    INTEGER,
    MONEY,
    PERCENT,
    TEXT,
    WRAP,
    fit_rows,
    formula,
    header_row,
    label,
    print_setup,
    put,
    set_widths,
    title,
)
from clinicguard.core.formatting import format_money
from clinicguard.i18n import tr
from clinicguard.model.accounts import account_label, depreciation_account
from clinicguard.model.budget import BudgetLine, fiscal_year_bounds, fiscal_year_label
from clinicguard.model.invoice import suggested_depreciation_text
from clinicguard.model.plan import Action

CURRENT_YEAR_FILL = PatternFill("solid", fgColor="FFF2CC")
# Days are counted as whole numbers; a tiny margin keeps a binary float just under an exact cent
# (119989.99999999999) from being rounded down a cent too far. A real fraction of a cent is at
# least 1 / (50 years x 366 days) away from a whole number, far above this margin.
_MARGIN = "0.000001"


def table_headers() -> list[str]:
    return [tr("Fiscal year"), tr("First day"), tr("Last day"), tr("Days in the year"), tr("Days depreciated"),
            tr("Annuity (depreciation charge)"), tr("Cumulative depreciation"), tr("Net book value")]


def depreciation_tables(sheet, fiscal_year: int, start_month: int, lines: Iterable[BudgetLine],
                        actions: dict[int, Action]) -> list[tuple[Depreciation, int]]:
    """Write one table per asset depreciated in `fiscal_year`; returns (asset, row of its total)."""
    statuses = {a_id: a.status for a_id, a in actions.items()}
    items = depreciations(lines, statuses, fiscal_year, start_month)
    title(sheet, 1, tr("Depreciation tables (straight line, pro rata by days)"))
    put(sheet, 2, 1, WRAP, tr(
        "Each annuity, cumulative depreciation and net book value is a formula over the asset's cells: change the "
        "duration or a date and the table follows. The usual durations are a usage, not a rule: the accountant "
        "decides."))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    row = 4
    totals = []
    if not items:
        put(sheet, row, 1, TEXT, tr("No investment is being depreciated in this fiscal year."))
    for item in items:
        row, total_row = _asset_table(sheet, row, item, fiscal_year, start_month, actions)
        totals.append((item, total_row))
    width = max(15, len(format_money(max((d.base for d in items), default=0))) + 3)
    set_widths(sheet, [28, 14, 14, 12, 12, width, width, width])
    fit_rows(sheet, 2, 2)
    print_setup(sheet, landscape=False)
    return totals


def _asset_table(sheet, row: int, item: Depreciation, fiscal_year: int, start_month: int,
                 actions: dict[int, Action]) -> tuple[int, int]:
    line = item.line
    action = actions.get(line.action_id)
    heading = tr("Line {id}: {label}", id=line.id, label=line.label)
    if line.supplier:
        heading += f" ({line.supplier})"
    label(sheet, row, 1, heading)
    if action:
        put(sheet, row, 3, TEXT, action.title)
    account = line.booked_account
    facts = [
        (tr("Asset account"), TEXT, f"{account} {account_label(account)}".strip()),
        (tr("Depreciation account"), TEXT, f"{depreciation_account(account)} / 6811"),
        (tr("Acquisition date"), DATE, (line.invoice_date or line.expense_date)[:10]),
        (tr("Date put into service"), DATE, item.start),
        (tr("Depreciable base"), MONEY, item.base),
        (tr("Duration (years)"), INTEGER, line.depreciation_years),
        (tr("Depreciation rate"), PERCENT, None),
        (tr("Disposal date"), DATE, item.disposal),
    ]
    cells = {}
    for n, (name, kind, value) in enumerate(facts, row + 1):
        label(sheet, n, 1, name, bold=False)
        if name == tr("Depreciation rate"):
            formula(sheet, n, 2, f"=1/B{n - 1}", PERCENT)
        elif value is not None:
            put(sheet, n, 2, kind, value)
        cells[name] = f"$B${n}"
    usual = suggested_depreciation_text(line.category)
    if usual:
        put(sheet, row + 6, 3, TEXT, usual)
    service, base, years = cells[tr("Date put into service")], cells[tr("Depreciable base")], cells[tr("Duration (years)")]
    disposal = cells[tr("Disposal date")] if item.disposal else None
    header = row + len(facts) + 2
    header_row(sheet, header, table_headers())
    first = header + 1
    schedule = item.schedule
    for k, (year, _) in enumerate(schedule):
        r = first + k
        start, end = fiscal_year_bounds(year, start_month)
        put(sheet, r, 1, TEXT, fiscal_year_label(year, start_month))
        put(sheet, r, 2, DATE, start)
        put(sheet, r, 3, DATE, end)
        formula(sheet, r, 4, f"=C{r}-B{r}+1", INTEGER)
        until = f"MIN(C{r},{disposal})" if disposal else f"C{r}"
        formula(sheet, r, 5, f"=MAX(0,{until}-MAX(B{r},{service})+1)", INTEGER)
        prorata = f"ROUNDDOWN({base}*100*E{r}/({years}*D{r})+{_MARGIN},0)/100"
        left = f"{base}-SUM(F${first}:F{r - 1})" if k else base
        last = k == len(schedule) - 1
        if last and disposal and item.disposal and item.disposal <= end:
            annuity = f"=MIN({prorata},{left})"  # the year of the disposal: up to that day
        elif last:
            annuity = f"={left}"  # the last year takes what is left: the schedule adds up to the base
        else:
            annuity = f"={prorata}"
        formula(sheet, r, 6, annuity)
        formula(sheet, r, 7, f"=SUM(F${first}:F{r})")
        formula(sheet, r, 8, f"={base}-G{r}")
        if year == fiscal_year:
            for col in range(1, 9):
                sheet.cell(row=r, column=col).fill = CURRENT_YEAR_FILL
    total = first + len(schedule)
    label(sheet, total, 1, tr("Total"))
    formula(sheet, total, 6, f"=SUM(F{first}:F{total - 1})").font = BOLD
    if item.disposal:
        label(sheet, total + 1, 1, tr("Net book value written off at the disposal"), bold=False)
        formula(sheet, total + 1, 6, f"={base}-F{total}")
    return total + 3, total


def column_letters() -> dict[str, str]:
    """The column of each figure of a table (for the tests and the readers of the code)."""
    return {key: get_column_letter(n) for n, key in enumerate(
        ("year", "from", "to", "days_in_year", "days", "annuity", "cumulative", "net_book_value"), 1)}
