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
    FORMULA,
    HEADER_FILL,
    HEADER_FONT,
    INTEGER,
    MONEY,
    PERCENT,
    TEXT,
    WRAP,
    StreamSheet,
    fit_rows,
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


def depreciation_tables(sheet: StreamSheet, fiscal_year: int, start_month: int, lines: Iterable[BudgetLine],
                        actions: dict[int, Action]) -> list[tuple[Depreciation, int]]:
    """Write one table per asset depreciated in `fiscal_year`; returns (asset, row of its total)."""
    statuses = {a_id: a.status for a_id, a in actions.items()}
    items = depreciations(lines, statuses, fiscal_year, start_month)
    width = max(15, len(format_money(max((d.base for d in items), default=0))) + 3)
    set_widths(sheet, [28, 14, 14, 12, 12, width, width, width])
    fit_rows(sheet, 2, 2)
    print_setup(sheet, landscape=False)
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
    texts = _Texts()
    for item in items:
        row, total_row = _asset_table(sheet, row, item, fiscal_year, start_month, actions, texts)
        totals.append((item, total_row))
    sheet.close_rows()
    return totals


class _Texts:
    """What every asset's table repeats, translated once: its fact labels and headers, the fiscal
    years' labels and bounds."""

    def __init__(self):
        self.facts = (tr("Asset account"), tr("Depreciation account"), tr("Acquisition date"),
                      tr("Date put into service"), tr("Depreciable base"), tr("Duration (years)"),
                      tr("Depreciation rate"), tr("Disposal date"))
        self.headers = table_headers()
        self.total, self.written_off = tr("Total"), tr("Net book value written off at the disposal")
        self.years: dict[tuple[int, int], tuple[str, object, object]] = {}
        self.usual: dict[str, str] = {}

    def year(self, year: int, start_month: int):
        key = (year, start_month)
        found = self.years.get(key)
        if found is None:
            found = self.years[key] = (fiscal_year_label(year, start_month), *fiscal_year_bounds(year, start_month))
        return found

    def usual_of(self, category: str) -> str:
        found = self.usual.get(category)
        if found is None:
            found = self.usual[category] = suggested_depreciation_text(category) or ""
        return found


_FACT_KINDS = (TEXT, TEXT, DATE, DATE, MONEY, INTEGER, (FORMULA, PERCENT), DATE)
_YEAR_KINDS = (TEXT, DATE, DATE, (FORMULA, INTEGER), (FORMULA, INTEGER), (FORMULA, MONEY), (FORMULA, MONEY),
               (FORMULA, MONEY))


def _asset_table(sheet: StreamSheet, row: int, item: Depreciation, fiscal_year: int, start_month: int,
                 actions: dict[int, Action], texts: _Texts) -> tuple[int, int]:
    line = item.line
    action = actions.get(line.action_id)
    heading = tr("Line {id}: {label}", id=line.id, label=line.label)
    if line.supplier:
        heading += f" ({line.supplier})"
    bold, plain = sheet.layout(TEXT, top=False, font=BOLD), sheet.layout(TEXT, TEXT, TEXT, top=False)
    sheet.write([bold[0], None, plain[2]], [heading, None, action.title if action else None], row=row)
    account = line.booked_account
    values = (f"{account} {account_label(account)}".strip(), f"{depreciation_account(account)} / 6811",
              (line.invoice_date or line.expense_date)[:10], item.start, item.base, line.depreciation_years,
              f"=1/B{row + 6}", item.disposal)
    usual = texts.usual_of(line.category)
    for n, (name, kind, value) in enumerate(zip(texts.facts, _FACT_KINDS, values), row + 1):
        sheet.write(sheet.layout(TEXT, kind, TEXT, top=False), [name, value, usual if n == row + 6 else None])
    service, base, years = f"$B${row + 4}", f"$B${row + 5}", f"$B${row + 6}"
    disposal = f"$B${row + 8}" if item.disposal else None
    header = row + len(values) + 2
    sheet.write(sheet.layout(*(WRAP,) * 8, top=False, font=HEADER_FONT, fill=HEADER_FILL), texts.headers, row=header)
    first = header + 1
    schedule = item.schedule
    normal = sheet.layout(*_YEAR_KINDS, top=False)
    current = sheet.layout(*_YEAR_KINDS, top=False, fill=CURRENT_YEAR_FILL)
    for k, (year, _) in enumerate(schedule):
        r = first + k
        year_label, start, end = texts.year(year, start_month)
        until = f"MIN(C{r},{disposal})" if disposal else f"C{r}"
        prorata = f"ROUNDDOWN({base}*100*E{r}/({years}*D{r})+{_MARGIN},0)/100"
        left = f"{base}-SUM(F${first}:F{r - 1})" if k else base
        last = k == len(schedule) - 1
        if last and disposal and item.disposal and item.disposal <= end:
            annuity = f"=MIN({prorata},{left})"  # the year of the disposal: up to that day
        elif last:
            annuity = f"={left}"  # the last year takes what is left: the schedule adds up to the base
        else:
            annuity = f"={prorata}"
        sheet.write(current if year == fiscal_year else normal, [
            year_label, start, end, f"=C{r}-B{r}+1", f"=MAX(0,{until}-MAX(B{r},{service})+1)", annuity,
            f"=SUM(F${first}:F{r})", f"={base}-G{r}"])
    total = first + len(schedule)
    money = sheet.layout(None, None, None, None, None, (FORMULA, MONEY), top=False)
    bold_money = sheet.layout(None, None, None, None, None, (FORMULA, MONEY), top=False, font=BOLD)
    sheet.write([bold[0], *bold_money[1:]], [texts.total, None, None, None, None, f"=SUM(F{first}:F{total - 1})"])
    if item.disposal:
        sheet.write([plain[0], *money[1:]], [texts.written_off, None, None, None, None, f"={base}-F{total}"])
    return total + 3, total


def column_letters() -> dict[str, str]:
    """The column of each figure of a table (for the tests and the readers of the code)."""
    return {key: get_column_letter(n) for n, key in enumerate(
        ("year", "from", "to", "days_in_year", "days", "annuity", "cumulative", "net_book_value"), 1)}
