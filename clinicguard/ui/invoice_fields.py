"""The budget line dialog's tabs for the invoice as printed (VAT and TTC typed, a breakdown for
several rates, a partial deduction, the supplier's identifiers, the payment date, the invoice
file) and for the dates of an asset or of a running cost's service period. The rules are the
core's (validate_line); these widgets only read and show."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.budget import InvalidValue, parse_amount
from clinicguard.core.formatting import format_money
from clinicguard.i18n import tr
from clinicguard.model.budget import VAT_RATES_BP, BudgetLine, format_rate, vat_cents
from clinicguard.model.evidence import Evidence
from clinicguard.model.invoice import suggested_depreciation_text
from clinicguard.ui.date_field import DateField

BREAKDOWN_ROWS = 3  # rates on one invoice the dialog offers; an invoice rarely has more


def _money(value: int | None) -> str:
    return "" if value is None else format_money(value, symbol=False)


def _amount(edit: QLineEdit, field: str) -> int | None:
    return parse_amount(edit.text(), field) if edit.text().strip() else None


class InvoiceFields(QWidget):
    """The invoice as printed. Empty VAT and TTC fields show, greyed, what the rate gives."""

    def __init__(self, line: BudgetLine | None, evidence: Sequence[Evidence] = (), parent=None):
        super().__init__(parent)
        self.vat_edit = QLineEdit(_money(line.actual_vat) if line else "")
        self.ttc_edit = QLineEdit(_money(line.actual_ttc) if line else "")
        self.deduction_edit = QSpinBox()
        self.deduction_edit.setRange(-1, 100)
        self.deduction_edit.setSpecialValueText(tr("as 'VAT recoverable' says"))
        self.deduction_edit.setSuffix(" %")
        self.deduction_edit.setValue(line.vat_deduction_pct if line and line.vat_deduction_pct is not None else -1)
        self.siret_edit = QLineEdit(line.supplier_siret if line else "")
        self.siret_edit.setPlaceholderText(tr("14 digits, optional"))
        self.vat_number_edit = QLineEdit(line.supplier_vat if line else "")
        self.vat_number_edit.setPlaceholderText(tr("e.g. FR40303265045, optional"))
        self.payment_edit = DateField(line.payment_date if line else None)
        self.file_edit = QComboBox()
        self.file_edit.addItem(tr("none"), None)
        for ev in evidence:
            self.file_edit.addItem(ev.title or ev.original_name, ev.id)
        self.file_edit.setCurrentIndex(max(0, self.file_edit.findData(line.invoice_evidence_id if line else None)))
        # The VAT breakdown: one row per rate for an invoice with several.
        self.parts: list[tuple[QComboBox, QLineEdit, QLineEdit]] = []
        grid = QGridLayout()
        grid.addWidget(QLabel(tr("VAT rate")), 0, 0)
        grid.addWidget(QLabel(tr("Rate's amount excl. VAT")), 0, 1)
        grid.addWidget(QLabel(tr("VAT")), 0, 2)
        parts = line.vat_parts if line else ()
        for n in range(BREAKDOWN_ROWS):
            rate = QComboBox()
            for bp in VAT_RATES_BP:
                rate.addItem(format_rate(bp), bp)
            ht, vat = QLineEdit(), QLineEdit()
            if n < len(parts):
                rate.setCurrentIndex(rate.findData(parts[n][0]))
                ht.setText(_money(parts[n][1]))
                vat.setText(_money(parts[n][2]))
            grid.addWidget(rate, n + 1, 0)
            grid.addWidget(ht, n + 1, 1)
            grid.addWidget(vat, n + 1, 2)
            self.parts.append((rate, ht, vat))
        breakdown = QWidget()
        breakdown.setLayout(grid)
        form = QFormLayout(self)
        intro = QLabel(tr("Type the figures printed on the invoice; they are checked, not recomputed. A credit note "
                          "is typed with negative amounts."))
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow(tr("Invoice VAT"), self.vat_edit)
        form.addRow(tr("Invoice incl. VAT"), self.ttc_edit)
        form.addRow(tr("Several VAT rates"), breakdown)
        form.addRow(tr("Deductible share of the VAT"), self.deduction_edit)
        form.addRow(tr("Supplier SIRET"), self.siret_edit)
        form.addRow(tr("Supplier VAT number"), self.vat_number_edit)
        form.addRow(tr("Payment date of the invoice"), self.payment_edit)
        form.addRow(tr("Invoice file (evidence)"), self.file_edit)

    def show_computed(self, actual_ht: int | None, rate_bp: int) -> None:
        """Greyed hints of the VAT and TTC the rate gives, to compare with the invoice."""
        if actual_ht is None:
            self.vat_edit.setPlaceholderText("")
            self.ttc_edit.setPlaceholderText("")
            return
        vat = vat_cents(actual_ht, rate_bp)
        self.vat_edit.setPlaceholderText(format_money(vat, symbol=False))
        self.ttc_edit.setPlaceholderText(format_money(actual_ht + vat, symbol=False))

    def values(self) -> dict:
        """The invoice's fields for ActionPlan; raises InvalidValue naming an unreadable field."""
        parts = []
        for n, (rate, ht, vat) in enumerate(self.parts, 1):
            part_ht = _amount(ht, tr("breakdown row {n}, excl. VAT", n=n))
            part_vat = _amount(vat, tr("breakdown row {n}, VAT", n=n))
            if part_ht is None and part_vat is None:
                continue
            if part_ht is None or part_vat is None:
                raise InvalidValue(tr("Breakdown row {n}: type both its amount excl. VAT and its VAT.", n=n))
            parts.append((rate.currentData(), part_ht, part_vat))
        if len(parts) == 1:
            raise InvalidValue(tr("The breakdown is for an invoice with two VAT rates or more: for one rate, use the "
                                  "amount excl. VAT and the invoice VAT."))
        values = {
            "actual_vat": _amount(self.vat_edit, tr("Invoice VAT")),
            "actual_ttc": _amount(self.ttc_edit, tr("Invoice incl. VAT")),
            "vat_parts": tuple(parts) if len(parts) > 1 else (),
            "vat_deduction_pct": None if self.deduction_edit.value() < 0 else self.deduction_edit.value(),
            "supplier_siret": self.siret_edit.text(), "supplier_vat": self.vat_number_edit.text(),
            "payment_date": self.payment_edit.checked_value(), "invoice_evidence_id": self.file_edit.currentData(),
        }
        if len(parts) > 1:  # the totals follow the breakdown
            values["actual_ht"] = sum(p[1] for p in parts)
            if values["actual_vat"] is None:
                values["actual_vat"] = sum(p[2] for p in parts)
        return values


class PeriodFields(QWidget):
    """When an asset was put into service and disposed of, or what period a running cost pays for."""

    def __init__(self, line: BudgetLine | None, parent=None):
        super().__init__(parent)
        self.in_service_edit = DateField(line.in_service_date if line else None)
        self.disposal_edit = DateField(line.disposal_date if line else None)
        self.service_from_edit = DateField(line.service_from if line else None)
        self.service_to_edit = DateField(line.service_to if line else None)
        self.usual_label = QLabel()
        self.usual_label.setWordWrap(True)
        self.usual_label.setStyleSheet("color: #555;")
        form = QFormLayout(self)
        form.addRow(QLabel(tr("An investment:")))
        form.addRow(tr("Date put into service"), self.in_service_edit)
        form.addRow(tr("Disposal date"), self.disposal_edit)
        form.addRow(self.usual_label)
        running = QLabel(tr("A running cost: the period it pays for (the part after the year end is prepaid)."))
        running.setWordWrap(True)
        form.addRow(running)
        form.addRow(tr("Service from"), self.service_from_edit)
        form.addRow(tr("Service to"), self.service_to_edit)

    def follow(self, nature: str, category: str) -> None:
        investment = nature == "investment"
        for edit in (self.in_service_edit, self.disposal_edit):
            edit.setEnabled(investment)
        for edit in (self.service_from_edit, self.service_to_edit):
            edit.setEnabled(not investment)
        self.usual_label.setText(suggested_depreciation_text(category) if investment else "")

    def values(self, nature: str) -> dict:
        investment = nature == "investment"
        return {
            "in_service_date": self.in_service_edit.checked_value() if investment else None,
            "disposal_date": self.disposal_edit.checked_value() if investment else None,
            "service_from": None if investment else self.service_from_edit.checked_value(),
            "service_to": None if investment else self.service_to_edit.checked_value(),
        }


class YearInvoiceDialog(QDialog):
    """A recurring line's own invoice in a later fiscal year (amounts as printed, number, dates)."""

    def __init__(self, line: BudgetLine, year: int, year_label: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Invoice of fiscal year {year}", year=year_label))
        invoice = line.year_invoice(year)
        self.ht_edit = QLineEdit(_money(invoice.actual_ht) if invoice else "")
        self.vat_edit = QLineEdit(_money(invoice.actual_vat) if invoice else "")
        self.ttc_edit = QLineEdit(_money(invoice.actual_ttc) if invoice else "")
        self.ref_edit = QLineEdit(invoice.invoice_ref if invoice else "")
        self.date_edit = DateField(invoice.invoice_date if invoice else None)
        self.payment_edit = DateField(invoice.payment_date if invoice else None)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        intro = QLabel(tr("{label}: renews every year. Type this year's invoice as printed; leave the amount empty "
                          "to remove it.", label=line.label))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Actual excl. VAT (invoiced)"), self.ht_edit)
        form.addRow(tr("Invoice VAT"), self.vat_edit)
        form.addRow(tr("Invoice incl. VAT"), self.ttc_edit)
        form.addRow(tr("Invoice reference"), self.ref_edit)
        form.addRow(tr("Invoice date"), self.date_edit)
        form.addRow(tr("Payment date of the invoice"), self.payment_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def values(self) -> dict:
        return {
            "actual_ht": _amount(self.ht_edit, tr("Actual amount excl. VAT")),
            "actual_vat": _amount(self.vat_edit, tr("Invoice VAT")),
            "actual_ttc": _amount(self.ttc_edit, tr("Invoice incl. VAT")),
            "invoice_ref": self.ref_edit.text(), "invoice_date": self.date_edit.checked_value(),
            "payment_date": self.payment_edit.checked_value(),
        }
