"""The journal page: the audit trail filtered by person, date, kind and object, newest first;
a button that verifies the whole trail and one that exports the selection to Excel."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.audit import AuditEntry, export_workbook
from clinicguard.core.errors import ClinicGuardError
from clinicguard.core.formatting import parse_date
from clinicguard.core.people import Permission
from clinicguard.i18n import tr
from clinicguard.ui.main_window import show_error
from clinicguard.ui.state import AppState
from clinicguard.ui.worker import run_in_background

MAX_ROWS = 20000  # the newest; the export and the verification always cover everything


def _short(value) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:199] + "…"


class AuditModel(QAbstractTableModel):
    def __init__(self):
        super().__init__()
        self.rows: list[AuditEntry] = []
        self.headers = [tr("No."), tr("Date (UTC)"), tr("Person"), tr("Kind"), tr("Object"), tr("Before"), tr("After")]

    def set_rows(self, rows: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.rows[index.row()]
        if role == Qt.ItemDataRole.EditRole and index.column() == 0:
            return e.id  # numeric sort
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole):
            return None
        return [str(e.id), e.ts[:19].replace("T", " "), e.actor_name, e.kind, f"{e.object_type} {e.object_id}",
                _short(e.before), _short(e.after)][index.column()]


def _parse_day(text: str) -> str | None:
    return parse_date(text) if text.strip() else None


class AuditView(QWidget):
    verified = Signal(object)  # the Verification, once the background check is done

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = AuditModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.EditRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(tr("Audit trail"))

        self.person_filter = QComboBox()
        self.kind_filter = QComboBox()
        self.object_filter = QLineEdit(placeholderText=tr("object, e.g. GOV-ROLES-01"))
        self.since_filter = QLineEdit(placeholderText=tr("from DD/MM/YYYY"))
        self.until_filter = QLineEdit(placeholderText=tr("to DD/MM/YYYY"))
        self.verify_button = QPushButton(tr("&Verify the journal"))
        self.export_button = QPushButton(tr("&Export to Excel…"))
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        filters = QHBoxLayout()
        for label, widget in ((tr("Person"), self.person_filter), (tr("Kind"), self.kind_filter)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        for widget in (self.object_filter, self.since_filter, self.until_filter):
            filters.addWidget(widget)
        actions = QHBoxLayout()
        actions.addWidget(self.verify_button)
        actions.addWidget(self.export_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.result_label)

        self.person_filter.activated.connect(lambda _: self.refresh())
        self.kind_filter.activated.connect(lambda _: self.refresh())
        for edit in (self.object_filter, self.since_filter, self.until_filter):
            edit.editingFinished.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.on_export)
        self._stale = True
        # every change adds entries: reload only when the page is on screen, not on each change
        state.actor_changed.connect(lambda _: self._mark_stale())
        state.changed.connect(lambda _kind: self._mark_stale())

    def _mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _fill_combo(self, combo: QComboBox, values: list[str]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("All"), None)
        for value in values:
            combo.addItem(value, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def filters(self) -> dict:
        object_text = self.object_filter.text().strip()
        return {"person": self.person_filter.currentData(), "kind": self.kind_filter.currentData(),
                "object_id": object_text or None, "since": _parse_day(self.since_filter.text()),
                "until": _parse_day(self.until_filter.text())}

    def refresh(self) -> None:
        self._stale = False
        if self.state.actor is None:
            self.model.set_rows([])
            self._apply_permissions()
            return
        trail = self.state.ws.audit
        self._fill_combo(self.person_filter, trail.distinct("actor_name"))
        kinds = trail.distinct("kind")
        self._fill_combo(self.kind_filter, sorted({k.split(".")[0] for k in kinds} | set(kinds)))
        try:
            rows = trail.search(**self.filters(), limit=MAX_ROWS, newest_first=True)
        except ClinicGuardError as error:
            self.result_label.setText(str(error))
            return
        self.model.set_rows(rows)
        self._apply_permissions()

    def _apply_permissions(self) -> None:
        self.verify_button.setEnabled(self.state.can(Permission.READ))
        self.export_button.setEnabled(self.state.can(Permission.EXPORT))

    def verify(self):
        """Check the whole trail off the UI thread; `verified` carries the result."""
        try:
            job = self.state.ws.audit_verifier()
        except ClinicGuardError as error:
            show_error(self, error)
            return
        self.verify_button.setEnabled(False)
        self.result_label.setStyleSheet("")
        self.result_label.setText(tr("Checking the journal…"))
        run_in_background(job, on_done=self._verified, on_error=self._verify_failed)

    def _verified(self, result) -> None:
        self.verify_button.setEnabled(True)
        self.result_label.setText(result.message)
        self.result_label.setStyleSheet("" if result.ok else "color: #b3261e; font-weight: bold;")
        self.verified.emit(result)

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.result_label.setText("")
        show_error(self, error)

    def on_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("Export the journal"), str(Path.home() / "journal.xlsx"),
                                              tr("Excel workbook (*.xlsx)"))
        if name:
            self.export(Path(name if name.lower().endswith(".xlsx") else name + ".xlsx"))

    def export(self, path: Path) -> int | None:
        try:
            n = export_workbook(self.state.ws, self.state.actor, path, **self.filters())
        except ClinicGuardError as error:
            show_error(self, error)
            return None
        self.result_label.setText(tr("{n} audit entries written to {file}.", n=n, file=path))
        self.state.notify("audit")
        return n
