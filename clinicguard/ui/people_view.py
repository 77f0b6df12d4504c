"""The people page: profiles and roles (managed by a manager), the automatic lock, and changing
one's own password or PIN."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.people import AUTO_LOCK_RANGE
from clinicguard.core.secrets import prepare_secret
from clinicguard.model.people import Permission, Person, Role
from clinicguard.i18n import tr
from clinicguard.ui.ops import Operation
from clinicguard.ui.signin_dialog import ChangeSecretDialog
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel
from clinicguard.ui.widgets import WaitCursor, enable, not_allowed, show_error, why_not


SORT_ROLE = Qt.ItemDataRole.UserRole + 5


def sort_key(text: str) -> str:
    """Case and accents ignored (then the text itself breaks ties)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return f"{plain.casefold()}\x00{text}"


class PeopleModel(RowsTableModel):
    rows: list[Person]

    def __init__(self):
        super().__init__([tr("Name"), tr("Role"), tr("Signs in with"), tr("State")])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        person = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return person.id
        if role == SORT_ROLE:  # A to Z as a person reads it: "émilie" beside "Emma", whatever the PC's locale
            return sort_key(str(self.data(index)))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if index.column() == 0:
            return person.name
        if index.column() == 1:
            return person.role.label
        if index.column() == 2:
            return tr("PIN") if person.secret_kind == "pin" else tr("Password")
        if not person.active:
            return tr("Deactivated")
        if person.locked:
            return tr("Locked (wrong PINs)")
        if person.locked_until:
            return tr("Waiting after wrong passwords")
        return tr("Active")


class AddPersonDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Add a profile"))
        self.name_edit = QLineEdit()
        self.role_edit = QComboBox()
        for role in Role:
            self.role_edit.addItem(role.label, role.value)
        self.role_edit.setCurrentIndex(self.role_edit.findData(Role.PRACTITIONER.value))
        self.secret_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.secret_again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(tr("&Name"), self.name_edit)
        form.addRow(tr("&Role"), self.role_edit)
        form.addRow(tr("First password or &PIN"), self.secret_edit)
        form.addRow(tr("&Again"), self.secret_again)
        note = QLabel(tr("The person will be asked to choose their own password or PIN at their first sign-in."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)


class PeopleView(QWidget):
    finished = Signal(object)  # a profile added or reset (the Person), or None when refused

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = PeopleModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.proxy.setSortRole(SORT_ROLE)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # A to Z (Qt would start Z to A)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName(tr("Profiles"))

        self.add_button = QPushButton(tr("&Add a profile…"))
        self.role_button = QPushButton(tr("Change the &role…"))
        self.active_button = QPushButton(tr("&Deactivate"))
        self.reset_button = QPushButton(tr("&Reset the password or PIN…"))
        self.unlock_button = QPushButton(tr("&Unlock"))
        self.own_secret_button = QPushButton(tr("Change &my password or PIN…"))
        # two rows so that the page fits a 1024 px window: the profile chosen, then passwords and PINs
        buttons, secret_buttons = QHBoxLayout(), QHBoxLayout()
        for b in (self.add_button, self.role_button, self.active_button, self.unlock_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        secret_buttons.addWidget(self.reset_button)
        secret_buttons.addStretch(1)
        secret_buttons.addWidget(self.own_secret_button)

        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(*AUTO_LOCK_RANGE)
        self.auto_lock.setSuffix(" " + tr("min"))
        self.auto_lock.setAccessibleName(tr("Automatic lock"))
        lock_box = QGroupBox(tr("Automatic lock"))
        lock_form = QFormLayout(lock_box)
        lock_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        lock_form.addRow(tr("Lock ClinicGuard after this long without activity"), self.auto_lock)
        self.message = QLabel()
        self.message.setWordWrap(True)

        intro = QLabel(tr("Each person signs in under their own name: what they do is recorded in the "
                          "journal. A PIN locks after 3 wrong tries; a manager unlocks it here."))
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(secret_buttons)
        layout.addWidget(lock_box)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(self.on_add)
        self.role_button.clicked.connect(self.on_change_role)
        self.active_button.clicked.connect(self.on_toggle_active)
        self.reset_button.clicked.connect(self.on_reset)
        self.unlock_button.clicked.connect(lambda: self._run(lambda a, p: self.state.ws.people.unlock(a, p.id)))
        self.own_secret_button.clicked.connect(self.on_change_own_secret)
        self.auto_lock.editingFinished.connect(self.save_auto_lock)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._apply_permissions())
        state.actor_changed.connect(lambda _: self.refresh())
        state.changed.connect(lambda c: c.people and self.refresh())
        self.refresh()

    # ---- state
    def refresh(self) -> None:
        selected = self.selected()
        self.model.set_rows(self.state.ws.people.all())
        self.auto_lock.blockSignals(True)
        self.auto_lock.setValue(self.state.ws.people.auto_lock_minutes())
        self.auto_lock.blockSignals(False)
        if selected is not None:
            self.select(selected.name)
        self._apply_permissions()

    def selected(self) -> Person | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[self.proxy.mapToSource(rows[0]).row()]

    def select(self, name: str) -> bool:
        for row, person in enumerate(self.model.rows):
            if person.name == name:
                self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
                return True
        return False

    def _apply_permissions(self) -> None:
        manage = self.state.can(Permission.MANAGE_PEOPLE)
        person = self.selected()
        allowed = (manage, not_allowed())
        chosen = (person is not None, tr("Select a profile in the list first."))
        enable(self.add_button, why_not(allowed))
        for b in (self.role_button, self.active_button, self.reset_button):
            enable(b, why_not(allowed, chosen))
        enable(self.unlock_button, why_not(allowed, chosen, (
            person is not None and (person.locked or bool(person.locked_until) or person.failed_attempts > 0),
            tr("This profile is not locked."))))
        self.active_button.setText(tr("&Reactivate") if person is not None and not person.active else tr("&Deactivate"))
        self.auto_lock.setEnabled(self.state.can(Permission.EDIT_SETTINGS))
        self.own_secret_button.setEnabled(self.state.actor is not None)

    def _run(self, change) -> bool:
        person, actor = self.selected(), self.state.actor
        if person is None or actor is None:
            return False
        try:
            with WaitCursor():
                change(actor, person)
        except ClinicGuardError as error:
            show_error(self, error)
            return False
        return True

    # ---- actions (dialogs are separate from the changes, which tests call directly)
    def on_add(self) -> None:
        dialog = AddPersonDialog(self)
        if not dialog.exec():
            return
        if dialog.secret_edit.text() != dialog.secret_again.text():
            show_error(self, ClinicGuardError(tr("The two entries differ.")))
            return
        self.add(dialog.name_edit.text(), dialog.role_edit.currentData(), dialog.secret_edit.text())

    def add(self, name: str, role: str, secret: str) -> None:
        """Hash the secret off the UI thread, then add the profile; `changed` tells when it is done."""
        def added(prepared) -> None:
            try:
                person = self.state.ws.people.add(self.state.actor, name, role, prepared)
            except ClinicGuardError as error:
                failed(error)
                return
            self.setEnabled(True)
            self.select(person.name)
            self.finished.emit(person)

        def failed(error: BaseException) -> None:
            self.setEnabled(True)
            show_error(self, error)
            self.finished.emit(None)

        self.setEnabled(False)
        Operation(self, prepare_secret, secret, role, self.state.ws.people.pepper(), success=added).failure(failed).run()

    def on_change_role(self) -> None:
        person = self.selected()
        if person is None:
            return
        labels = [r.label for r in Role]
        label, ok = QInputDialog.getItem(self, tr("Change the role"), tr("Role of {name}", name=person.name), labels,
                                         list(Role).index(person.role), False)
        if ok:
            role = list(Role)[labels.index(label)]
            self._run(lambda a, p: self.state.ws.people.change_role(a, p.id, role))

    def on_toggle_active(self) -> None:
        person = self.selected()
        if person is None:
            return
        if person.active:
            self._run(lambda a, p: self.state.ws.people.deactivate(a, p.id))
        else:
            self._run(lambda a, p: self.state.ws.people.reactivate(a, p.id))

    def on_reset(self) -> None:
        person = self.selected()
        if person is None:
            return
        secret, ok = QInputDialog.getText(self, tr("Reset the password or PIN"),
                                          tr("New password or PIN for {name} (they will be asked to change it):",
                                             name=person.name), QLineEdit.EchoMode.Password)
        if not ok:
            return

        def prepared(value) -> None:
            self.setEnabled(True)
            self._run(lambda a, p: self.state.ws.people.reset_secret(a, p.id, value))
            self.finished.emit(person)

        def failed(error: BaseException) -> None:
            self.setEnabled(True)
            show_error(self, error)
            self.finished.emit(None)

        self.setEnabled(False)
        Operation(self, prepare_secret, secret, person.role, self.state.ws.people.pepper(), success=prepared).failure(failed).run()

    def on_change_own_secret(self) -> None:
        if self.state.actor is not None and ChangeSecretDialog(self.state.ws, self.state.actor, self).exec():
            self.message.setText(tr("Your password or PIN has been changed."))

    def save_auto_lock(self) -> None:
        if self.state.actor is None or self.auto_lock.value() == self.state.ws.people.auto_lock_minutes():
            return
        try:
            self.state.ws.people.set_auto_lock_minutes(self.state.actor, self.auto_lock.value())
        except ClinicGuardError as error:
            show_error(self, error)
