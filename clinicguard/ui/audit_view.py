"""The journal page: the audit trail filtered by person, date, kind and object, newest first;
a button that verifies the whole trail and one that exports the selection to Excel."""

from __future__ import annotations

from datetime import datetime, timezone
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

from clinicguard.model.plan import ActionStatus
from clinicguard.model.audit import AuditEntry
from clinicguard.core.exports import export_journal
from clinicguard.model.budget import Category, Nature
from clinicguard.model.checklist import Status
from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.formatting import format_date, format_money, parse_date
from clinicguard.model.people import Permission, Role
from clinicguard.i18n import language, tr
from clinicguard.ui.ops import Operation
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import show_error

MAX_ROWS = 20000  # the newest; the export and the verification always cover everything
MAX_TEXT = 200


def kind_labels() -> dict[str, str]:
    """A readable name for each kind of entry; built on each call so that it follows the language."""
    return {
        "session.sign-in": tr("Signed in"),
        "session.sign-in-failed": tr("Wrong password or PIN"),
        "session.sign-in-refused": tr("Sign-in refused (profile locked)"),
        "session.sign-out": tr("Signed out"),
        "clinic.create": tr("Clinic created"),
        "clinic.update": tr("Clinic details changed"),
        "person.create": tr("Profile added"),
        "person.change-role": tr("Role changed"),
        "person.deactivate": tr("Profile deactivated"),
        "person.reactivate": tr("Profile reactivated"),
        "person.reset-secret": tr("Password or PIN reset by a manager"),
        "person.change-secret": tr("Own password or PIN changed"),
        "person.unlock": tr("Profile unlocked"),
        "setting.update": tr("Setting changed"),
        "assessment.update": tr("Recommendation assessed"),
        "action.create": tr("Action added"),
        "action.update": tr("Action changed"),
        "action.delete": tr("Action deleted"),
        "budget-line.create": tr("Expense line added"),
        "budget-line.update": tr("Expense line changed"),
        "budget-line.delete": tr("Expense line deleted"),
        "budget-line.redate": tr("Expense lines moved to another financial year"),
        "plan.import": tr("Action plan imported"),
        "evidence.add": tr("Evidence added"),
        "evidence.update": tr("Evidence details changed"),
        "evidence.delete": tr("Evidence deleted"),
        "evidence.open": tr("Evidence opened"),
        "evidence.export": tr("Evidence copied out of the vault"),
        "evidence.export.start": tr("Evidence being copied out of the vault"),
        "evidence.export.abandoned": tr("Copy of evidence abandoned (no file written)"),
        "evidence.link": tr("Evidence linked"),
        "evidence.unlink": tr("Evidence unlinked"),
        "signoff.confirm": tr("Sign-off given"),
        "signoff.withdraw": tr("Sign-off withdrawn"),
        "signoff.request": tr("Sign-off requested"),
        "signoff.request-cancel": tr("Sign-off request cancelled"),
        "catalogue.upgrade": tr("Catalogue updated"),
        "export.audit": tr("Audit trail exported"),
        "export.budget": tr("Budget exported"),
        "export.checklist": tr("Checklist exported"),
        "export.actions": tr("Action plan exported"),
        "export.catalogue": tr("Catalogue exported"),
    }


def family_labels() -> dict[str, str]:
    """The filter also offers each family of kinds ("person" matches every "person.…")."""
    return {
        "session": tr("Sign-ins and sign-outs"), "clinic": tr("Clinic"), "person": tr("Profiles"),
        "setting": tr("Settings"), "assessment": tr("Assessments"), "action": tr("Actions"),
        "budget-line": tr("Expense lines"), "plan": tr("Action plan"), "evidence": tr("Evidence"),
        "signoff": tr("Sign-offs"), "catalogue": tr("Catalogue"), "export": tr("Exports"),
    }


def kind_label(kind: str) -> str:
    """The readable name, or the code itself for a kind this version does not know."""
    if kind in kind_labels():
        return kind_labels()[kind]
    family = family_labels().get(kind)
    return tr("{family} (all)", family=family) if family else kind


def field_labels() -> dict[str, str]:
    return {
        "status": tr("Status"), "comment": tr("Comment"), "responsible": tr("Responsible"),
        "last_reviewed": tr("Last review"), "next_review": tr("Next review"), "title": tr("Title"),
        "name": tr("Name"), "role": tr("Role"), "note": tr("Note"), "person": tr("Person"),
        "active": tr("Active"), "locked": tr("Locked"), "secret_kind": tr("Signs in with"),
        "signed_at": tr("Signed on"), "requested_at": tr("Requested"), "requested_by": tr("Requested by"),
        "description": tr("Description"), "owner": tr("Owner"), "due_date": tr("Due date"),
        "label": tr("Label"), "supplier": tr("Supplier"), "category": tr("Category"), "nature": tr("Nature"),
        "planned_ht": tr("Planned excl. VAT"), "committed_ht": tr("Committed excl. VAT"),
        "actual_ht": tr("Actual excl. VAT"), "vat_rate_bp": tr("VAT rate"), "invoice_ref": tr("Invoice reference"),
        "invoice_date": tr("Invoice date"), "items": tr("Recommendations"), "item_ids": tr("Recommendations"),
        "actions": tr("Actions"), "file": tr("File"), "reason": tr("Reason"), "value": tr("Value"),
        "failed_attempts": tr("Wrong tries"), "locked_until": tr("Waiting until"),
    }


def _enum_label(field: str, family: str, value):
    """The label a user saw for a coded value (status, role...), or None."""
    enum = {("status", "assessment"): Status, ("status", "action"): ActionStatus, ("role", "person"): Role,
            ("category", "budget-line"): Category, ("nature", "budget-line"): Nature}.get((field, family))
    if enum is None and field == "role":
        enum = Role
    try:
        return enum(value).label if enum is not None else None
    except ValueError:
        return None


def local_time(ts: str) -> str:
    """A UTC timestamp as the clinic's wall clock shows it: 29/11/2026 16:18:59."""
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def value_text(field: str, value, family: str = "") -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    label = _enum_label(field, family, value) if isinstance(value, str) else None
    if label is not None:
        return label
    if field == "secret_kind":
        return tr("PIN") if value == "pin" else tr("Password")
    if isinstance(value, int) and field.endswith("_ht"):
        return format_money(value)
    if isinstance(value, int) and field.endswith("_bp"):
        return f"{value / 100:g}".replace(".", "," if language() == "fr" else ".") + "\u202f%"
    if isinstance(value, str) and field.endswith("_at") and "T" in value:
        return local_time(value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(value_text("", v, family) for v in value)
    if isinstance(value, dict):
        return "(" + fields_text(value, family) + ")"
    return str(value)


def fields_text(values: dict, family: str = "", only: set | None = None) -> str:
    labels = field_labels()
    sep = " : " if language() == "fr" else ": "
    return "; ".join(f"{labels.get(k, k)}{sep}{value_text(k, v, family)}" for k, v in values.items()
                     if only is None or k in only)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def change_text(entry: AuditEntry, side: str) -> str:
    """One side of an entry as a person reads it: "Status: Compliant", with no JSON; when both
    sides are records, only the fields that changed."""
    value = entry.before if side == "before" else entry.after
    if value is None:
        return ""
    family = entry.kind.split(".")[0]
    if not isinstance(value, dict):
        return _clip(value_text("", value, family))
    other = entry.after if side == "before" else entry.before
    only = None
    if isinstance(other, dict):
        changed = {k for k in set(value) | set(other) if value.get(k) != other.get(k)}
        only = changed or None
    return _clip(fields_text(value, family, only))


def change_summary(entry: AuditEntry) -> str:
    """What changed, one field a line ("Status: Compliant → Partly compliant"), for the tooltip."""
    before, after = entry.before, entry.after
    if isinstance(before, dict) and isinstance(after, dict):
        family, labels = entry.kind.split(".")[0], field_labels()
        sep = " : " if language() == "fr" else ": "
        lines = [f"{labels.get(k, k)}{sep}{value_text(k, before.get(k), family)} → {value_text(k, after.get(k), family)}"
                 for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        return "\n".join(lines)
    old, new = change_text(entry, "before"), change_text(entry, "after")
    return f"{old} → {new}" if old and new else old or new


class AuditModel(RowsTableModel):
    rows: list[AuditEntry]

    def __init__(self):
        super().__init__([tr("No."), tr("Date"), tr("Person"), tr("Kind"), tr("Object"), tr("Before"), tr("After")])

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
            if column in (5, 6):
                return plain_tooltip(change_summary(e))
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole):
            return None
        text = [str(e.id), local_time(e.ts), e.actor_name, kind_label(e.kind), f"{e.object_type} {e.object_id}",
                change_text(e, "before"), change_text(e, "after")][column]
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
