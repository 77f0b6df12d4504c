"""The registers page: processing activities, processors and hosts, incidents and breaches, training.
One tab per register, each a table over the core's entries with a form to add or edit one; the
incidents' CNIL deadline counts down on screen. The dashboard's box is in dashboard_cards."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.formatting import format_date
from clinicguard.core.registers import (
    countdown_text,
    display_value,
    field_labels,
    format_moment,
    parse_moment,
)
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.model.registers import (
    CLAUSE_LETTERS,
    TRAINING_MONTHS_RANGE,
    CnilDecision,
    DpiaNeed,
    HealthException,
    LegalBasis,
    PeopleInformed,
    RegisterKind,
    art28_clauses,
)
from clinicguard.ui.columns import fit_columns
from clinicguard.ui.dashboard_cards import summary_text
from clinicguard.ui.date_field import DateField
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import show_error, show_message

COUNTDOWN_MS = 30_000  # the incidents' countdown is redrawn twice a minute
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1

# The form of each register: (field, widget kind). Kinds: line, text, date, moment, count, bool,
# clauses, items, actions, and an enum class for a choice.
FORMS: dict[RegisterKind, list[tuple[str, Any]]] = {
    RegisterKind.PROCESSING: [
        ("name", "line"), ("purpose", "text"), ("legal_basis", LegalBasis), ("health_exception", HealthException),
        ("persons", "text"), ("data_categories", "text"), ("sensitive_data", "text"), ("recipients", "text"),
        ("transfers", "text"), ("retention", "text"), ("security_measures", "text"), ("item_ids", "items"),
        ("processors", "line"), ("dpia", DpiaNeed), ("controller", "line"), ("dpo", "line"),
    ],
    RegisterKind.PROCESSOR: [
        ("name", "line"), ("service", "line"), ("data_concerned", "text"), ("contract_date", "date"),
        ("contract_end", "date"), ("clauses", "clauses"), ("sub_processors", "text"), ("hosts_health_data", "bool"),
        ("hds_number", "line"), ("hds_certifier", "line"), ("hds_scope", "line"), ("hds_expiry", "date"),
        ("next_review", "date"), ("notes", "text"),
    ],
    # in the order of the CNIL's online notification, as far as we know it (?)
    RegisterKind.INCIDENT: [
        ("title", "line"), ("discovered_at", "moment"), ("started_at", "moment"), ("description", "text"),
        ("is_breach", "bool"), ("data_concerned", "text"), ("people_count", "count"), ("records_count", "count"),
        ("consequences", "text"), ("measures", "text"), ("cnil_decision", CnilDecision),
        ("not_notified_reason", "text"), ("notified_at", "moment"), ("cnil_reference", "line"),
        ("people_informed", PeopleInformed), ("people_informed_at", "moment"), ("ars_required", "bool"),
        ("ars_reported_at", "moment"), ("ars_reference", "line"), ("action_ids", "actions"),
    ],
    RegisterKind.TRAINING: [
        ("held_on", "date"), ("topic", "line"), ("trainer", "line"), ("duration_minutes", "count"),
    ],
}

# The table columns of each register: (field or computed key).
COLUMNS: dict[RegisterKind, list[str]] = {
    RegisterKind.PROCESSING: ["id", "name", "purpose", "legal_basis", "retention", "dpia", "updated_at", "evidence"],
    RegisterKind.PROCESSOR: ["id", "name", "service", "contract_end", "missing_clauses", "hds_expiry", "next_review",
                             "evidence"],
    RegisterKind.INCIDENT: ["id", "title", "discovered_at", "cnil_deadline", "countdown", "cnil_decision",
                            "ars_state", "evidence"],
    RegisterKind.TRAINING: ["id", "held_on", "topic", "trainer", "duration_minutes", "attendees", "evidence"],
}

# How each register's table fits the window: (the long-text column, minimum widths, the columns
# hidden first when there is no room).
FIT: dict[RegisterKind, tuple[str, dict[str, int], tuple[str, ...]]] = {
    RegisterKind.PROCESSING: ("purpose", {"id": 48, "name": 240, "legal_basis": 150, "retention": 160},
                              ("updated_at", "evidence", "retention", "dpia")),
    RegisterKind.PROCESSOR: ("service", {"id": 48, "name": 180}, ("evidence", "next_review", "hds_expiry")),
    RegisterKind.INCIDENT: ("title", {"id": 48, "discovered_at": 130, "cnil_deadline": 130},
                            ("evidence", "ars_state", "cnil_decision")),
    RegisterKind.TRAINING: ("topic", {"id": 48, "held_on": 90}, ("evidence", "duration_minutes", "trainer")),
}

# What a file of the vault can prove for an entry of each register (the first is the default).
EVIDENCE_ROLES: dict[RegisterKind, tuple[str, ...]] = {
    RegisterKind.PROCESSING: ("dpia", "evidence"),
    RegisterKind.PROCESSOR: ("contract", "hds", "evidence"),
    RegisterKind.INCIDENT: ("evidence",),
    RegisterKind.TRAINING: ("certificate", "evidence"),
}


def role_label(role: str) -> str:
    return {"dpia": tr("the DPIA"), "contract": tr("the contract"), "hds": tr("the HDS certificate"),
            "certificate": tr("a certificate of attendance"), "evidence": tr("other evidence")}[role]


def _headers(kind: RegisterKind) -> list[str]:
    labels = field_labels()
    extra = {"id": tr("No."), "missing_clauses": tr("Missing clauses"), "cnil_deadline": tr("CNIL deadline (72 h)"),
             "countdown": tr("Time left"), "ars_state": tr("ARS"), "updated_at": tr("Last updated"),
             "evidence": tr("Evidence in the vault")}
    return [extra.get(c) or labels.get(c, c) for c in COLUMNS[kind]]


class RegisterModel(RowsTableModel):
    """The entries of one register; `now` is the moment the countdown column is computed at."""

    def __init__(self, kind: RegisterKind, parent=None):
        super().__init__(_headers(kind), parent)
        self.kind = kind
        self.now = datetime.now().astimezone()

    def cell(self, record: Any, column: str) -> str:
        if column == "id":
            return str(record.id)
        if column == "missing_clauses":
            return ", ".join(record.missing_clauses) or tr("All present")
        if column == "cnil_deadline":
            return format_moment(record.cnil_deadline) if record.is_breach else ""
        if column == "countdown":
            if not record.is_breach:
                return tr("No personal data")
            if record.cnil_pending:
                return countdown_text(record.cnil_deadline, self.now)
            return CnilDecision(record.cnil_decision).label
        if column == "ars_state":
            if not record.ars_required:
                return tr("Not required")
            return tr("Reported on {date}", date=format_moment(record.ars_reported_at)) if record.ars_reported_at \
                else tr("To report without delay")
        if column == "attendees":
            return ", ".join(a.name for a in record.attendees)
        if column == "evidence":
            return ", ".join(f"{link.title} ({role_label(link.role)})" for link in record.evidence)
        return display_value(column, getattr(record, column))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.rows[index.row()]
        column = COLUMNS[self.kind][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(record, column)
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ToolTipRole and column in ("purpose", "name", "title", "topic"):
            return plain_tooltip(self.cell(record, column))
        if role == Qt.ItemDataRole.ForegroundRole and self.kind is RegisterKind.INCIDENT and column == "countdown" \
                and record.cnil_overdue(self.now):
            return Qt.GlobalColor.darkRed
        if role == Qt.ItemDataRole.UserRole:  # sorting: numbers as numbers
            return record.id if column == "id" else self.cell(record, column)
        return None

    def tick(self, now: datetime | None = None) -> None:
        """Redraw the countdown column at `now` (default: the present)."""
        self.now = now or datetime.now().astimezone()
        if self.kind is RegisterKind.INCIDENT and self.rows:
            column = COLUMNS[self.kind].index("countdown")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))


# ---- the form ---------------------------------------------------------------------------------------
class RecordDialog(QDialog):
    """Add or edit one entry; the core checks it, and a refusal leaves the form as typed."""

    def __init__(self, state: AppState, kind: RegisterKind, record: Any = None, values: dict | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.kind, self.record = state, kind, record
        self.saved: Any = None
        self.setWindowTitle(tr("Edit: {register}", register=kind.label) if record
                            else tr("New entry: {register}", register=kind.label))
        self.resize(640, 720)
        labels = field_labels()
        values = dict(values or {})
        if record is not None:
            values = {f.name: getattr(record, f.name) for f in fields(record)}
        self.widgets: dict[str, Any] = {}
        form = QFormLayout()
        for name, kind_of in FORMS[kind]:
            widget = self._widget(name, kind_of, values.get(name))
            self.widgets[name] = (kind_of, widget)
            form.addRow(labels.get(name, name), widget)
        if kind is RegisterKind.TRAINING:
            self.people = QListWidget()
            self.people.setObjectName("attendees")
            chosen = {a.person_id for a in (record.attendees if record else ())}
            for person in state.ws.people.all(include_inactive=False):
                item = QListWidgetItem(person.name)
                item.setData(Qt.ItemDataRole.UserRole, person.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = person.id in chosen or (record is None and state.actor and person.id == state.actor.id)
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.people.addItem(item)
            self.people.setMaximumHeight(140)
            self.others = QLineEdit(", ".join(a.name for a in (record.attendees if record else ())
                                              if a.person_id is None))
            self.others.setObjectName("othersEdit")
            self.others.setPlaceholderText(tr("Names separated by commas"))
            form.addRow(tr("Attendees with a profile"), self.people)
            form.addRow(tr("Attendees without a profile"), self.others)
        if kind is RegisterKind.INCIDENT:
            duty = state.ws.registers.ars_duty()[1]
            hint = QLabel(tr("CNIL: 72 hours from the moment of awareness (GDPR art. 33). ARS: without delay. {duty}",
                             duty=duty))
            hint.setWordWrap(True)
            form.insertRow(0, hint)
        content = QWidget()
        content.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a00;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _widget(self, name: str, kind_of: Any, value: Any) -> QWidget:
        if isinstance(kind_of, type):  # an enum: a choice
            combo = QComboBox()
            for member in kind_of:
                combo.addItem(member.label, member.value)
            if value:
                combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo
        if kind_of == "text":
            edit = QPlainTextEdit(value or "")
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(70)
            return edit
        if kind_of == "date":
            return DateField(value)
        if kind_of == "bool":
            box = QCheckBox()
            box.setChecked(bool(value) if value is not None else name == "is_breach")
            return box
        if kind_of == "clauses":
            group = QWidget()
            grid = QVBoxLayout(group)
            grid.setContentsMargins(0, 0, 0, 0)
            group.boxes = {}
            for letter, text in art28_clauses().items():
                box = QCheckBox(text)
                box.setChecked(letter in (value or ()))
                group.boxes[letter] = box
                grid.addWidget(box)
            return group
        if kind_of == "moment":
            edit = QLineEdit(format_moment(value) if value else "")
            edit.setPlaceholderText(tr("DD/MM/YYYY HH:MM"))
            return edit
        if kind_of in ("items", "actions"):
            return QLineEdit(", ".join(str(v) for v in (value or ())))
        return QLineEdit("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        """What the form holds, as the core takes it (the core checks and cleans every field)."""
        result: dict[str, Any] = {}
        for name, (kind_of, widget) in self.widgets.items():
            if isinstance(kind_of, type):
                result[name] = widget.currentData()
            elif kind_of == "text":
                result[name] = widget.toPlainText()
            elif kind_of == "date":
                result[name] = widget.checked_value()
            elif kind_of == "bool":
                result[name] = widget.isChecked()
            elif kind_of == "clauses":
                result[name] = [letter for letter in CLAUSE_LETTERS if widget.boxes[letter].isChecked()]
            elif kind_of == "moment":
                text = widget.text().strip()
                result[name] = parse_moment(text, field_labels()[name]) if text else None
            else:
                result[name] = widget.text()
        return result

    def save(self) -> None:
        registers, actor = self.state.ws.registers, self.state.actor
        try:
            values = self.values()
            if self.kind is RegisterKind.TRAINING:
                attendees = [self.people.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.people.count())
                             if self.people.item(n).checkState() == Qt.CheckState.Checked]
                others = [p for p in self.others.text().split(",") if p.strip()]
                if self.record is not None:
                    self.saved = registers.update(actor, self.kind, self.record.id, attendees=attendees, others=others,
                                                  **values)
                else:
                    self.saved = registers.add_training(actor, attendees=attendees, others=others, **values)
            elif self.record is not None:
                self.saved = registers.update(actor, self.kind, self.record.id, **values)
            elif self.kind is RegisterKind.PROCESSING:
                self.saved = registers.add_processing(actor, **values)
            elif self.kind is RegisterKind.PROCESSOR:
                self.saved = registers.add_processor(actor, **values)
            else:
                self.saved = registers.add_incident(actor, **values)
        except ClinicGuardError as exc:
            show_message(self, self.message, str(exc))
            return
        self.accept()


class NotificationDialog(QDialog):
    """What to type in the CNIL's online notification, section by section, with a copy button."""

    def __init__(self, state: AppState, incident: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Prepare the CNIL notification"))
        self.resize(620, 560)
        sections = state.ws.registers.notification_sections(incident)
        deadline = tr("CNIL deadline {when}: {left}", when=format_moment(incident.cnil_deadline),
                      left=countdown_text(incident.cnil_deadline, state.ws.registers.now()))
        self.text = "\n\n".join([deadline] + [f"{heading}\n{body}" for heading, body in sections])
        intro = QLabel(tr("What the CNIL's online notification asks, in its order as far as we know (check the form "
                          "itself). Copy each part into the teleservice."))
        intro.setWordWrap(True)
        self.view = QPlainTextEdit(self.text)
        self.view.setObjectName("notificationText")
        self.view.setReadOnly(True)
        copy = QPushButton(tr("Copy"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)


# ---- the page ---------------------------------------------------------------------------------------
def empty_text(kind: RegisterKind) -> str:
    return {
        RegisterKind.PROCESSING: tr("Nothing yet: start from a template (patient records, appointments, billing...) "
                                    "and adapt it."),
        RegisterKind.PROCESSOR: tr("Nothing yet: add your software vendor, your host and your IT provider."),
        RegisterKind.INCIDENT: tr("No incident recorded. Record every incident, notified or not (GDPR art. 33(5))."),
        RegisterKind.TRAINING: tr("No session recorded: add the last awareness session and who attended."),
    }[kind]


class RegisterTab(QWidget):
    def __init__(self, state: AppState, kind: RegisterKind, parent=None):
        super().__init__(parent)
        self.state, self.kind = state, kind
        self.model = RegisterModel(kind, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setObjectName(f"register-{kind.value}")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # Like every main table: the long text takes the room left (elided, whole in a tooltip), the
        # others what they need, and the less needed step aside on a narrow screen (no scrollbar).
        stretch, widths, optional = FIT[kind]
        fit_columns(self.table, stretch=COLUMNS[kind].index(stretch),
                    widths={COLUMNS[kind].index(c): w for c, w in widths.items()},
                    optional=[COLUMNS[kind].index(c) for c in optional])
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search"))
        self.search.setAccessibleName(tr("Search"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.empty_label = QLabel(empty_text(kind))
        self.empty_label.setWordWrap(True)
        self.add_button = QPushButton(tr("Declare an incident…") if kind is RegisterKind.INCIDENT else tr("Add…"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(tr("Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.cite_button = QPushButton(tr("Cite a file of the vault…"))
        self.cite_button.clicked.connect(self.cite_evidence)
        # two rows, so that the page fits a 1024-pixel screen: finding and creating, then acting on the selection
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        if kind is RegisterKind.PROCESSING:
            self.template_combo = QComboBox()
            self.template_combo.setAccessibleName(tr("Template"))
            # the names are long: the list opens wide, the closed box stays narrow enough for 1024 px
            self.template_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.template_combo.setMinimumContentsLength(28)
            for found in state.ws.registers.templates():
                self.template_combo.addItem(found.name, found.id)
            self.template_button = QPushButton(tr("Add from the template"))
            self.template_button.clicked.connect(self.add_from_template)
            top.addWidget(self.template_combo)
            top.addWidget(self.template_button)
        top.addWidget(self.add_button)
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.cite_button)
        if kind is not RegisterKind.INCIDENT:  # an incident stays in the register (art. 33(5))
            self.delete_button = QPushButton(tr("Delete…"))
            self.delete_button.clicked.connect(self.delete_selected)
            actions.addWidget(self.delete_button)
        if kind is RegisterKind.INCIDENT:
            self.notification_button = QPushButton(tr("Prepare the CNIL notification…"))
            self.notification_button.clicked.connect(self.prepare_notification)
            actions.addWidget(self.notification_button)
        actions.addStretch(1)
        if kind is RegisterKind.TRAINING:
            self.period_spin = QSpinBox()
            self.period_spin.setObjectName("trainingMonths")
            self.period_spin.setRange(*TRAINING_MONTHS_RANGE)
            self.period_spin.setSuffix(" " + tr("months"))
            self.period_spin.setAccessibleName(tr("A session counts for"))
            self.period_spin.setValue(state.ws.registers.training_months())
            self.period_spin.editingFinished.connect(self.save_period)
            actions.addWidget(QLabel(tr("A session counts for")))
            actions.addWidget(self.period_spin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        self.model.set_rows(self.state.ws.registers.records(self.kind))
        self.model.tick()
        self.empty_label.setVisible(not self.model.rows)
        self._rights()

    def _rights(self) -> None:
        can_edit = self.state.can(Permission.EDIT_REGISTERS)
        add = {RegisterKind.INCIDENT: Permission.DECLARE_INCIDENT,
               RegisterKind.TRAINING: Permission.RECORD_TRAINING}.get(self.kind, Permission.EDIT_REGISTERS)
        self.add_button.setEnabled(self.state.can(add))
        self.edit_button.setEnabled(self.state.can(Permission.RECORD_TRAINING) if self.kind is RegisterKind.TRAINING
                                    else can_edit)
        self.cite_button.setEnabled(self.edit_button.isEnabled())
        if self.kind is not RegisterKind.INCIDENT:
            self.delete_button.setEnabled(can_edit)
        if self.kind is RegisterKind.PROCESSING:
            self.template_button.setEnabled(can_edit)
        if self.kind is RegisterKind.TRAINING:
            self.period_spin.setEnabled(can_edit)

    def delete_selected(self) -> bool:
        record = self.selected()
        if record is None:
            return False
        answer = QMessageBox.question(
            self, "ClinicGuard", tr("Delete this entry of the {register}? The journal keeps what it held.",
                                    register=self.kind.label.lower()))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.state.ws.registers.delete(self.state.actor, self.kind, record.id)
        except ClinicGuardError as exc:
            show_error(self, exc)
            return False
        return True

    def save_period(self) -> None:
        try:
            self.state.ws.registers.set_training_months(self.state.actor, self.period_spin.value())
        except ClinicGuardError as exc:
            self.period_spin.setValue(self.state.ws.registers.training_months())
            show_error(self, exc)

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def select(self, record_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(RECORD_ROLE).id == record_id:
                self.table.selectRow(row)
                return

    def open_dialog(self, record: Any = None, values: dict | None = None) -> RecordDialog:
        dialog = RecordDialog(self.state, self.kind, record, values, self)
        dialog.finished.connect(lambda _result: dialog.saved is not None and self.select(dialog.saved.id))
        dialog.open()
        return dialog

    def add(self) -> RecordDialog:
        values = None
        if self.kind is RegisterKind.INCIDENT:  # an establishment must report to the ARS: ticked for it
            values = {"ars_required": self.state.ws.registers.ars_duty()[0] is True}
        return self.open_dialog(values=values)

    def edit_selected(self) -> RecordDialog | None:
        record = self.selected()
        if record is None:
            return None
        return self.open_dialog(record)

    def add_from_template(self) -> Any:
        """The template becomes an activity at once; its form opens to adapt it."""
        try:
            record = self.state.ws.registers.add_from_template(self.state.actor, self.template_combo.currentData())
        except ClinicGuardError as exc:
            show_error(self, exc)
            return None
        self.select(record.id)
        return self.open_dialog(record)

    def cite_evidence(self) -> Any:
        """Cite a file already in the vault as what proves the selected entry (contract, DPIA...)."""
        record = self.selected()
        if record is None:
            QMessageBox.information(self, "ClinicGuard", tr("Select an entry first."))
            return None
        files = self.state.ws.vault.store.all()
        if not files:
            QMessageBox.information(self, "ClinicGuard", tr("The vault holds no file yet: add it on the Evidence "
                                                            "page first, then cite it here."))
            return None
        names = [f"{e.id} — {e.title}" for e in files]
        chosen, ok = QInputDialog.getItem(self, tr("Cite a file of the vault"), tr("File"), names, 0, False)
        if not ok:
            return None
        roles = EVIDENCE_ROLES[self.kind]
        role = roles[0]
        if len(roles) > 1:
            labels = [role_label(r) for r in roles]
            picked, ok = QInputDialog.getItem(self, tr("Cite a file of the vault"), tr("It proves"), labels, 0, False)
            if not ok:
                return None
            role = roles[labels.index(picked)]
        try:
            linked = self.state.ws.registers.link_evidence(self.state.actor, self.kind, record.id,
                                                           files[names.index(chosen)].id, role)
        except ClinicGuardError as exc:
            show_error(self, exc)
            return None
        self.select(linked.id)
        return linked

    def prepare_notification(self) -> NotificationDialog | None:
        record = self.selected()
        if record is None:
            return None
        dialog = NotificationDialog(self.state, record, self)
        dialog.open()
        return dialog


class AcknowledgementModel(RowsTableModel):
    """Who acknowledged the current version of the IT charter, and the active people who have not."""

    def __init__(self, parent=None):
        super().__init__([tr("Person"), tr("Acknowledged on"), tr("How")], parent)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        name, ack = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if ack is None:
                return [name, tr("Not yet"), ""][index.column()]
            how = tr("on paper") if ack.how == "paper" else tr("in the application")
            return [name, format_date(ack.acknowledged_on), how][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and ack is None:
            return Qt.GlobalColor.darkRed
        return None


class CharterDialog(QDialog):
    """A new version of the IT charter: its name and the date it was adopted."""

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state, self.saved = state, None
        self.setWindowTitle(tr("New version of the IT charter"))
        self.version_edit = QLineEdit()
        self.adopted_edit = DateField(date.today().isoformat())
        self.notes_edit = QLineEdit()
        form = QFormLayout()
        form.addRow(tr("Version"), self.version_edit)
        form.addRow(tr("Adopted on"), self.adopted_edit)
        form.addRow(tr("What changed"), self.notes_edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            self.saved = self.state.ws.registers.add_charter_version(
                self.state.actor, version=self.version_edit.text(), adopted_on=self.adopted_edit.checked_value(),
                notes=self.notes_edit.text())
        except ClinicGuardError as exc:
            show_message(self, self.message, str(exc))
            return
        self.accept()


class CharterTab(QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.version_label = QLabel()
        self.version_label.setObjectName("charterVersion")
        self.version_label.setWordWrap(True)
        self.model = AcknowledgementModel(self)
        self.table = QTableView()
        self.table.setObjectName("charter-acknowledgements")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.new_button = QPushButton(tr("New version…"))
        self.new_button.clicked.connect(self.new_version)
        self.read_button = QPushButton(tr("I have read the current charter"))
        self.read_button.clicked.connect(self.acknowledge_mine)
        self.paper_button = QPushButton(tr("Record a paper acknowledgement…"))
        self.paper_button.clicked.connect(self.record_paper)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.read_button, self.paper_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.version_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        registers = self.state.ws.registers
        current = registers.current_charter()
        if current is None:
            self.version_label.setText(tr("No version of the IT charter yet: record the current one, then who read it."))
            self.model.set_rows([])
        else:
            self.version_label.setText(tr("Current version: {version} of {date}", version=current.version,
                                          date=format_date(current.adopted_on)))
            done = {a.person_id: a for a in current.acknowledgements if a.person_id is not None}
            rows = [(a.name, a) for a in current.acknowledgements]
            rows += [(p.name, None) for p in self.state.ws.people.all(include_inactive=False) if p.id not in done]
            self.model.set_rows(rows)
        manager = self.state.can(Permission.EDIT_REGISTERS)
        self.new_button.setEnabled(manager)
        self.paper_button.setEnabled(manager and current is not None)
        self.read_button.setEnabled(self.state.actor is not None and current is not None)

    def new_version(self) -> CharterDialog:
        dialog = CharterDialog(self.state, self)
        dialog.open()
        return dialog

    def acknowledge_mine(self) -> Any:
        try:
            return self.state.ws.registers.acknowledge_charter(self.state.actor)
        except ClinicGuardError as exc:
            show_error(self, exc)
            return None

    def record_paper(self) -> Any:
        """Someone signed the charter on paper: their name (a profile, or typed), then the scan if it is in the vault."""
        ws = self.state.ws
        names = [p.name for p in ws.people.all(include_inactive=False)]
        name, ok = QInputDialog.getItem(self, tr("Record a paper acknowledgement"),
                                        tr("Who signed (choose a profile or type a name)"), names, 0, True)
        if not ok or not name.strip():
            return None
        files = ws.vault.store.all()
        scans = [tr("No scan in the vault")] + [f"{e.id} — {e.title}" for e in files]
        scan, ok = QInputDialog.getItem(self, tr("Record a paper acknowledgement"), tr("The signed page"), scans, 0,
                                        False)
        if not ok:
            return None
        evidence_id = files[scans.index(scan) - 1].id if scans.index(scan) > 0 else None
        is_profile = name.strip().casefold() in {n.casefold() for n in names}
        try:
            return ws.registers.acknowledge_charter(
                self.state.actor, person=name if is_profile else None,
                without_profile=None if is_profile else name, paper=True, evidence_id=evidence_id)
        except ClinicGuardError as exc:
            show_error(self, exc)
            return None


class RegistersView(QWidget):
    export_requested = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.tabs = QTabWidget()
        self.tabs.setObjectName("registerTabs")
        self.tab: dict[RegisterKind, RegisterTab] = {}
        for kind in RegisterKind:
            tab = RegisterTab(state, kind)
            self.tab[kind] = tab
            self.tabs.addTab(tab, kind.label)
        self.charter_tab = CharterTab(state)
        self.tabs.addTab(self.charter_tab, tr("IT charter"))
        self.summary_label = QLabel()
        self.summary_label.setObjectName("registersSummary")
        self.summary_label.setWordWrap(True)
        export = QPushButton(tr("Export to Excel…"))
        export.clicked.connect(self.export_requested.emit)
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(export)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(COUNTDOWN_MS)
        self.timer.timeout.connect(lambda: self.tab[RegisterKind.INCIDENT].model.tick())
        self.timer.start()
        state.changed.connect(lambda c: (c.registers or c.people or c.evidence or c.plan) and self.refresh())
        state.actor_changed.connect(lambda _actor: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        for tab in self.tab.values():
            tab.refresh()
        self.charter_tab.refresh()
        self.summary_label.setText(summary_text(self.state.ws.registers.summary()))

    def show_register(self, kind: RegisterKind | str) -> RegisterTab:
        tab = self.tab[RegisterKind(kind)]
        self.tabs.setCurrentWidget(tab)
        return tab
