"""The settings page: the clinic's name, type of structure, fiscal year and VAT default."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinicguard.model.catalogue import Structure
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.i18n import tr, trc
from clinicguard.ui.backup_ui import BackupSettingsBox
from clinicguard.ui.state import AppState

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def month_names() -> list[str]:
    return [tr(m) for m in MONTHS]


class SettingsView(QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self._loading = False
        self.name_edit = QLineEdit()
        self.structure_edit = QComboBox()
        for structure in Structure:
            self.structure_edit.addItem(structure.label, structure.value)
        self.month_edit = QComboBox()
        self.month_edit.addItems(month_names())
        self.vat_edit = QCheckBox(tr("VAT is recoverable"))
        vat_hint = QLabel(tr("Most care is exempt from VAT, so the VAT paid on purchases cannot be recovered: leave "
                             "this unticked unless your accountant says otherwise."))
        vat_hint.setWordWrap(True)
        vat_hint.setStyleSheet("color: #555;")
        self.message = QLabel()
        self.message.setWordWrap(True)

        clinic_box = QGroupBox(tr("Clinic"))
        form = QFormLayout(clinic_box)
        form.addRow(tr("Clinic &name"), self.name_edit)
        form.addRow(tr("&Type of structure"), self.structure_edit)
        form.addRow(tr("First &month of the fiscal year"), self.month_edit)
        form.addRow("", self.vat_edit)
        form.addRow("", vat_hint)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(clinic_box)
        self.backup_box = BackupSettingsBox(state)
        self.layout_.addWidget(self.backup_box)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

        self.name_edit.editingFinished.connect(lambda: self._save(name=self.name_edit.text().strip()))
        self.structure_edit.activated.connect(lambda _: self._save(structure=self.structure_edit.currentData()))
        self.month_edit.activated.connect(lambda i: self._save(fiscal_year_start_month=i + 1))
        self.vat_edit.toggled.connect(lambda on: self._save(vat_recoverable=int(on)))
        state.actor_changed.connect(lambda _: self.load())
        self.load()

    def load(self) -> None:
        self._loading = True
        clinic = self.state.ws.settings.clinic
        self.name_edit.setText(clinic.name)
        self.structure_edit.setCurrentIndex(self.structure_edit.findData(clinic.structure.value))
        self.month_edit.setCurrentIndex(clinic.fiscal_year_start_month - 1)
        self.vat_edit.setChecked(clinic.vat_recoverable)
        allowed = self.state.can(Permission.EDIT_SETTINGS)
        for widget in (self.name_edit, self.structure_edit, self.month_edit, self.vat_edit):
            widget.setEnabled(allowed)
        self._loading = False

    def _save(self, **changes) -> None:
        if self._loading or not self.state.actor:
            return
        clinic = self.state.ws.settings.clinic
        if all(getattr(clinic, k) == (bool(v) if k == "vat_recoverable" else v) for k, v in changes.items()):
            return
        if changes.get("name") == "":
            self.message.setText(tr("Enter the clinic's name."))
            self.load()
            return
        try:
            self.state.ws.settings.update(self.state.actor, **changes)
        except ClinicGuardError as exc:
            self.message.setText(str(exc))
            self.load()
            return
        self.message.setText(trc("settings", "Saved"))
