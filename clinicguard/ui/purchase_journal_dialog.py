"""The "Purchase journal" dialog of the budget page: the CSV file accounting software imports, of
one fiscal year, in UTF-8 or Windows-1252. It says plainly that the file is an import file, not
the legal FEC. The file is small (one entry per invoice): written at once, on the UI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.exports.purchases import (
    export_purchase_journal,
    import_file_notice,
)
from clinicguard.core.formatting import format_money
from clinicguard.i18n import tr, trn
from clinicguard.model.budget import fiscal_year_label
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui.file_output import FileRow, default_folder
from clinicguard.ui.state import AppState


class PurchaseJournalDialog(QDialog):
    def __init__(self, state: AppState, year: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.written: Path | None = None
        self.setWindowTitle(tr("Purchase journal for the accounting software"))
        ws = state.ws
        start = ws.settings.clinic.fiscal_year_start_month
        self.year_edit = QComboBox()
        for summary in ws.plan.summaries():
            self.year_edit.addItem(fiscal_year_label(summary.fiscal_year, start), summary.fiscal_year)
        wanted = year if year is not None else ws.plan.current_fiscal_year()
        self.year_edit.setCurrentIndex(max(0, self.year_edit.findData(wanted)))
        self.encoding_edit = QComboBox()
        self.encoding_edit.addItem(tr("UTF-8 (recommended)"), "utf-8-sig")
        self.encoding_edit.addItem(tr("Windows-1252 (older accounting software)"), "cp1252")
        self.year_end_edit = QCheckBox(tr("add the year-end entries (journal OD): depreciation of the year and "
                                          "prepaid expenses"))
        self.file_row = FileRow(self, lambda: tr("Save the purchase journal"), lambda: tr("CSV file (*.csv)"))
        self.path_edit = self.file_row.edit
        self.notice = QLabel(import_file_notice() + " " + tr(
            "One balanced entry per invoice of the year: the expense or asset account, the deductible VAT, the "
            "supplier account; semicolons, dates as DD/MM/YYYY, decimal commas."))
        self.notice.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Fiscal year"), self.year_edit)
        form.addRow(tr("File encoding"), self.encoding_edit)
        form.addRow(tr("File"), self.file_row)
        form.addRow("", self.year_end_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = self.buttons.addButton(tr("Write the file"), QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.clicked.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.year_edit.currentIndexChanged.connect(lambda _: self._suggest_name())
        self._suggest_name()

    def _suggest_name(self) -> None:
        year = self.year_edit.currentData()
        self.path_edit.setText(str(default_folder() / tr("purchase-journal-{year}.csv", year=year)))

    def write(self) -> Path | None:
        """Write the file; the outcome (or the refusal, in one line) is shown in the dialog."""
        try:
            path, journal = export_purchase_journal(self.state.ws, self.state.actor, self.year_edit.currentData(),
                                                    self.path_edit.text().strip(), self.encoding_edit.currentData(),
                                                    self.year_end_edit.isChecked())
        except ClinicGuardError as exc:
            self.result_label.setStyleSheet("color: #b3261e;")
            self.result_label.setText(str(exc))
            return None
        except OSError as exc:
            self.result_label.setStyleSheet("color: #b3261e;")
            self.result_label.setText(tr("The file could not be written: {error}", error=exc.strerror or exc))
            return None
        self.written = path
        self.result_label.setStyleSheet("")
        self.result_label.setText(tr("Written to {file}: {entries}, debits {debit} = credits {credit}.", file=path,
                                     entries=trn("{n} entry", "{n} entries", journal.entries),
                                     debit=format_money(journal.debit), credit=format_money(journal.credit)))
        return path
