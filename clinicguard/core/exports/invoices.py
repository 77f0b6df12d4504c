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
    StreamSheet,
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


def invoices_sheet(sheet: StreamSheet, summary: BudgetSummary, width: int = 15) -> None:
    year_end = summary.bounds[1]
    entries = {id(e.line): e for e in summary.entries}
    headers = [tr("Line no."), tr("Supplier"), tr("Supplier SIRET or VAT number"), tr("Invoice reference"),
               tr("Invoice date"), tr("Payment date of the invoice"), tr("Label"), tr("Account"), tr("VAT rate"),
               tr("Actual excl. VAT"), tr("VAT on actual"), tr("Actual incl. VAT"),
               tr("Deductible share of the VAT"), tr("Deductible VAT"), tr("Service from"), tr("Service to"),
               tr("Prepaid at year end (charges constatées d'avance)")]
    set_widths(sheet, [8, 22, 18, 16, 12, 12, 30, 10, 9, width, width, width, 10, width, 12, 12, width])
    fit_rows(sheet, 1, 1)
    sheet.freeze_panes = "C2"
    print_setup(sheet, title_rows="1:1")
    header_row(sheet, 1, headers)
    slots = sheet.layout(INTEGER, TEXT, TEXT, TEXT, DATE, DATE, TEXT, TEXT, PERCENT, MONEY, MONEY, MONEY, PERCENT,
                         MONEY, DATE, DATE, MONEY, top=False)
    row = 1
    for line in invoiced_lines(summary):
        entry = entries.get(id(line))
        prepaid = prepaid_at_year_end(entry, year_end) if entry else 0
        parts = line.invoice_parts
        for n, (rate, ht, vat) in enumerate(parts):
            row += 1
            first = n == 0
            sheet.write(slots, [
                line.id, line.supplier, line.supplier_siret or line.supplier_vat, line.invoice_ref,
                (line.invoice_date or line.expense_date)[:10], line.payment_date,
                line.label if first else f"{line.label} ({format_rate(rate)})", line.booked_account, rate, ht, vat,
                # incl. VAT as printed on the invoice's first row; each further rate adds its HT + VAT
                (line.invoice_ttc or 0) - sum(p[1] + p[2] for p in parts[1:]) if first else ht + vat,
                line.deduction_pct * 100, deductible_vat(vat, line.deduction_pct),
                line.service_from if first else None, line.service_to if first else None,
                prepaid if first and prepaid else None,
            ])
    if row == 1:
        row += 1
        put(sheet, row, 2, TEXT, tr("No invoice in this fiscal year."))
    row += 1
    label(sheet, row, 1, tr("Total"))
    for col in (10, 11, 12, 14, 17):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}2:{letter}{row - 1})").font = BOLD
    sheet.close_rows()
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{row - 1}"
