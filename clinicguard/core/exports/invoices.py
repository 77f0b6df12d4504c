"""The invoices sheet of the budget workbook: one row per invoice of the fiscal year, as printed
(excl. VAT, VAT and incl. VAT per rate, credit notes negative), the deductible VAT, the supplier's
identifiers, the invoice number and dates, and, for a running cost with a service period, the
part prepaid at the year end (charges constatées d'avance). Its totals are SUM formulas; the
purchase journal (purchases.py) books the same invoices."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from clinicguard.core.budget import BudgetSummary, prepaid_at_year_end
from clinicguard.core.exports.purchases import invoiced_lines
from clinicguard.core.exports.xlsx import (
    BOLD,
    DATE,
    INTEGER,
    MONEY,
    PERCENT,
    TEXT,
    fit_rows,
    formula,
    header_row,
    label,
    print_setup,
    put,
    set_widths,
)
from clinicguard.i18n import tr
from clinicguard.model.budget import deductible_vat, format_rate


def invoices_sheet(sheet, summary: BudgetSummary, width: int = 15) -> None:
    year_end = summary.bounds[1]
    entries = {id(e.line): e for e in summary.entries}
    headers = [tr("Line no."), tr("Supplier"), tr("Supplier SIRET or VAT number"), tr("Invoice reference"),
               tr("Invoice date"), tr("Payment date of the invoice"), tr("Label"), tr("Account"), tr("VAT rate"),
               tr("Actual excl. VAT"), tr("VAT on actual"), tr("Actual incl. VAT"),
               tr("Deductible share of the VAT"), tr("Deductible VAT"), tr("Service from"), tr("Service to"),
               tr("Prepaid at year end (charges constatées d'avance)")]
    header_row(sheet, 1, headers)
    row = 1
    for line in invoiced_lines(summary):
        entry = entries.get(id(line))
        prepaid = prepaid_at_year_end(entry, year_end) if entry else 0
        for n, (rate, ht, vat) in enumerate(line.invoice_parts):
            row += 1
            first = n == 0
            put(sheet, row, 1, INTEGER, line.id)
            put(sheet, row, 2, TEXT, line.supplier)
            put(sheet, row, 3, TEXT, line.supplier_siret or line.supplier_vat)
            put(sheet, row, 4, TEXT, line.invoice_ref)
            put(sheet, row, 5, DATE, (line.invoice_date or line.expense_date)[:10])
            put(sheet, row, 6, DATE, line.payment_date)
            put(sheet, row, 7, TEXT, line.label if first else f"{line.label} ({format_rate(rate)})")
            put(sheet, row, 8, TEXT, line.booked_account)
            put(sheet, row, 9, PERCENT, rate)
            put(sheet, row, 10, MONEY, ht)
            put(sheet, row, 11, MONEY, vat)
            # incl. VAT as printed on the invoice's first row; each further rate adds its HT + VAT
            put(sheet, row, 12, MONEY, (line.invoice_ttc or 0) - sum(p[1] + p[2] for p in line.invoice_parts[1:])
                if first else ht + vat)
            put(sheet, row, 13, PERCENT, line.deduction_pct * 100)
            put(sheet, row, 14, MONEY, deductible_vat(vat, line.deduction_pct))
            put(sheet, row, 15, DATE, line.service_from if first else None)
            put(sheet, row, 16, DATE, line.service_to if first else None)
            put(sheet, row, 17, MONEY, prepaid if first and prepaid else None)
    if row == 1:
        row += 1
        put(sheet, row, 2, TEXT, tr("No invoice in this fiscal year."))
    row += 1
    label(sheet, row, 1, tr("Total"))
    for col in (10, 11, 12, 14, 17):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{row - 1}"
    set_widths(sheet, [8, 22, 18, 16, 12, 12, 30, 10, 9, width, width, width, 10, width, 12, 12, width])
    fit_rows(sheet, 1, 1)
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")
