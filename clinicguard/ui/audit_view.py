"""The journal page: the audit trail filtered by person, date, kind and object, newest first;
a button that verifies the whole trail and one that exports the selection to Excel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
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

from clinicguard.model.audit import AuditEntry
from clinicguard.core.exports import export_journal
from clinicguard.core.journal_text import (
    JournalNames, change_summary, journal_names, kind_label, local_time, object_label, side_text,
)
from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.formatting import parse_date
from clinicguard.model.people import Permission
from clinicguard.i18n import tr
from clinicguard.ui.ops import Operation
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import enable, not_allowed, show_error, why_not

MAX_ROWS = 20000  # the newest; the export and the verification always cover everything
MAX_TEXT = 200


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def change_text(entry: AuditEntry, side: str, names: JournalNames | None = None) -> str:
    """One side of an entry in words (core/journal_text.py), clipped for a table cell."""
    return _clip(side_text(entry, side, names))


class AuditModel(RowsTableModel):
    rows: list[AuditEntry]

    def __init__(self):
        super().__init__([tr("No."), tr("Date"), tr("Person"), tr("Kind"), tr("Object"), tr("Before"), tr("After")])
        self.names = JournalNames()  # what each object is called now (set with the rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.EditRole and column in (0, 1):
            return e.id  # numeric sort; the entries' order is the trail's, whatever the clock said
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return tr("{time} UTC", time=e.ts[:19].replace("T", " "))
            if column == 3:
                return e.kind  # the code, as the filter and the Excel export name it
            if column == 4:
                return f"{e.object_type} {e.object_id}"  # the code, as the filter and the export name it
            if column in (5, 6):
                return plain_tooltip(change_summary(e, self.names))
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole):
            return None
        text = [str(e.id), local_time(e.ts), e.actor_name, kind_label(e.kind), object_label(e, self.names),
                change_text(e, "before", self.names), change_text(e, "after", self.names)][column]
        return plain_tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else text


def _parse_day(text: str) -> str | None:
    return parse_date(text) if text.strip() else None


class AuditView(QWidget):
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
        self.verify_button = QPushButton(tr("&Verify the audit trail"))
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
        state.changed.connect(lambda c: c.journal and self._mark_stale())

    def _mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _fill_combo(self, combo: QComboBox, values: list[str], label=None) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("All"), None)
        for value in values:
            combo.addItem(label(value) if label else value, value)
            if label:
                combo.setItemData(combo.count() - 1, value, Qt.ItemDataRole.ToolTipRole)
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
        # each family first, then its kinds: "Profiles (all)", "Profile added", ...
        self._fill_combo(self.kind_filter, sorted({k.split(".")[0] for k in kinds} | set(kinds)), kind_label)
        try:
            rows = trail.search(**self.filters(), limit=MAX_ROWS, newest_first=True)
        except ClinicGuardError as error:
            self.result_label.setText(str(error))
            return
        self.model.names = journal_names(self.state.ws)
        self.model.set_rows(rows)
        self._apply_permissions()

    def _apply_permissions(self) -> None:
        enable(self.verify_button, why_not((self.state.can(Permission.READ), not_allowed())))
        enable(self.export_button, why_not((self.state.can(Permission.EXPORT), not_allowed())))

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
        Operation(self, job, success=self._verified).failure(self._verify_failed).run()

    def _verified(self, result) -> None:
        self.verify_button.setEnabled(True)
        self.result_label.setText(result.message)
        self.result_label.setStyleSheet("" if result.ok else "color: #b3261e; font-weight: bold;")

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.result_label.setText("")
        show_error(self, error)

    def on_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("Export the journal"), str(Path.home() / "journal.xlsx"),
                                              tr("Excel workbook (*.xlsx)"))
        if name:
            self.export(Path(name if name.lower().endswith(".xlsx") else name + ".xlsx"))

    def export(self, path: Path) -> Operation:
        """Write the filtered journal and its full verification to a workbook, off the UI thread
        (verifying a long journal takes seconds); the result is shown under the table."""
        def written(n: int) -> None:
            self.result_label.setText(tr("{n} audit entries written to {file}.", n=n, file=path))

        self.export_button.setEnabled(False)
        self.result_label.setStyleSheet("")
        return Operation(self, export_journal, self.state.ws, self.state.actor, path, **self.filters(),
                         success=written).with_progress(tr("Exporting the journal…")) \
            .finally_(self._apply_permissions).run()
