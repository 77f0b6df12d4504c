"""Sign in (choose a profile, enter its password or PIN), change one's own secret, and the
session guard: switch user without restarting, and lock after inactivity.

The secret check is a deliberately slow hash (about a tenth of a second): it runs off the UI
thread, while reading and recording the attempt stay on the UI thread with the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor
from clinicguard.core.opening import SignInList
from clinicguard.core.session import InactivityClock
from clinicguard.i18n import tr
from clinicguard.ui.ops import Operation
from clinicguard.ui.widgets import show_message

if TYPE_CHECKING:  # the window's start shows this dialog before the clinic is open (ui/app.py)
    from clinicguard.core.workspace import Workspace

CHECK_INTERVAL_MS = 5000
DIALOG_MIN_WIDTH = 420  # wide enough for a two-line error; a wrapped label alone cannot widen a dialog
_INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                           QEvent.Type.Wheel, QEvent.Type.TouchBegin})


class SignInDialog(QDialog):
    """`ws` None at the window's start: the clinic is opened off the UI thread while the user
    types (ui/app.py); `listed` gives its name and profiles meanwhile, and `opened` hands the open
    clinic over. A sign-in submitted before then is checked once it is open."""

    def __init__(self, ws: Workspace | None, parent=None, hint: str = "", profile: str | None = None, *,
                 listed: SignInList | None = None):
        super().__init__(parent)
        self.ws = ws
        self.actor: Actor | None = None
        # work for the UI thread while the first password check runs on a worker (ui/app.py:
        # importing the main window); it does not depend on the check's result
        self.while_checking: Callable[[], object] | None = None
        # run once, after the dialog's first paint (ui/app.py: open the clinic while the user types)
        self.once_painted: Callable[[], object] | None = None
        self._early: tuple[str, str] | None = None  # (profile, secret) submitted before the clinic was open
        self._closed = False  # closed (cancelled) while a check ran: its result is dropped
        self._key_refused: Callable[[], object] | None = None  # what to do at the next submit (key_refused)
        if ws is not None:
            listed = SignInList(ws.settings.clinic.name, tuple(ws.people.names()))
        self.setWindowTitle(tr("Sign in — {clinic}", clinic=listed.clinic_name))
        self.profile = QComboBox()
        self.profile.addItems(list(listed.profiles))
        profile = profile or listed.last  # at the start: who signed in last
        if profile and self.profile.findText(profile) >= 0:
            self.profile.setCurrentIndex(self.profile.findText(profile))
        self.profile.activated.connect(lambda _index: self.secret.setFocus())  # chosen: type the secret
        self.secret = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        form.addRow(tr("&Profile"), self.profile)
        form.addRow(tr("Password or &PIN"), self.secret)
        # Buttons by role, not standard ones: a process's first standard buttons load the style's
        # icons, which these do not show (30 to 45 ms on the way to the first dialog, issue 18).
        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(tr("Sign in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.buttons.addButton(tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if hint:
            label = QLabel(hint)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(DIALOG_MIN_WIDTH)
        self.secret.setFocus()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.once_painted is not None:
            work, self.once_painted = self.once_painted, None
            QTimer.singleShot(0, work)  # once this paint is done

    def opened(self, ws: Workspace) -> None:
        """The clinic is open (the window's start): a sign-in submitted meanwhile is checked now,
        as it was submitted."""
        self.ws = ws
        if self._early is not None and not self._closed:
            profile, secret = self._early
            self._early = None
            self._check(profile, secret)

    def key_refused(self, message: str, ask: Callable[[], object]) -> None:
        """The clinic key did not open (a wrong passphrase, the window's start): said here, and `ask`
        (what to do about it, in a dialog of its own) run once the user submits, not while they may
        be typing; at once if they have submitted already. Their sign-in is kept for `opened`."""
        if self._early is not None:
            QTimer.singleShot(0, ask)
            return
        self._key_refused = ask
        show_message(self, self.error_label, message)

    def submit(self) -> None:
        profile, secret = self.profile.currentText(), self.secret.text()
        self._checking(True)
        if self.ws is None:  # still opening the clinic: checked as soon as it is open (`opened`)
            self._early = (profile, secret)
            if self._key_refused is not None:
                ask, self._key_refused = self._key_refused, None
                QTimer.singleShot(0, ask)
            return
        self._check(profile, secret)

    def _check(self, profile: str, secret: str) -> None:
        try:
            attempt = self.ws.people.begin_sign_in(profile)
        except ClinicGuardError as error:
            self._refused(error)
            return
        Operation(self, attempt.check, secret, success=lambda _ok: self._checked(attempt, secret)) \
            .failure(self._refused).run()
        if self.while_checking is not None:
            work, self.while_checking = self.while_checking, None
            work()

    def _checking(self, busy: bool) -> None:
        """While a sign-in is checked, what was submitted cannot change under it: the profile and
        the field are frozen and only Cancel stays."""
        self.sign_in_button.setEnabled(not busy)
        self.profile.setEnabled(not busy)
        self.secret.setReadOnly(busy)
        if busy:
            self.error_label.setText(tr("Checking…"))

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            self._closed = True
        super().done(result)

    def _refused(self, error: BaseException) -> None:
        if self._closed:
            return
        self._checking(False)
        self.secret.clear()
        self.secret.setFocus()
        # A wrong secret's detail (PIN attempts left): the list above shows the profiles anyway.
        show_message(self, self.error_label, getattr(error, "detail", None) or str(error))

    def _checked(self, attempt, secret: str) -> None:
        if self._closed:  # cancelled while it was checked: no sign-in, nothing recorded
            return
        try:
            actor = self.ws.people.finish_sign_in(attempt)
        except ClinicGuardError as error:
            self._refused(error)
            return
        self._checking(False)
        self.error_label.setText("")
        self.actor = actor
        if self.ws.people.must_change_secret(actor):
            ChangeSecretDialog(self.ws, actor, self, current=secret,
                               reason=tr("Your password or PIN was set by a manager: choose your own.")).exec()
            try:  # closed without changing it: no session (the commands refuse the same way)
                self.ws.people.require_own_secret(actor)
            except ClinicGuardError as error:
                self.actor = None
                self._refused(error)
                return
        self.accept()


class ChangeSecretDialog(QDialog):
    """Change one's own password or PIN (asked at sign-in when a manager set it)."""


    def __init__(self, ws: Workspace, actor: Actor, parent=None, current: str = "", reason: str = ""):
        super().__init__(parent)
        self.ws, self.actor = ws, actor
        self.setWindowTitle(tr("Change my password or PIN"))
        self.current = QLineEdit(current, echoMode=QLineEdit.EchoMode.Password)
        self.new = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        form.addRow(tr("&Current password or PIN"), self.current)
        form.addRow(tr("&New password or PIN"), self.new)
        form.addRow(tr("&Again"), self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if reason:
            label = QLabel(reason)
            label.setWordWrap(True)
            layout.addWidget(label)
        rules = QLabel(tr("A PIN of 4 to 8 digits, or a password of at least 12 characters mixing upper case, "
                          "lower case, digits and symbols. Managers need a password."))
        rules.setWordWrap(True)
        layout.addWidget(rules)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(DIALOG_MIN_WIDTH)
        (self.new if current else self.current).setFocus()

    def submit(self) -> None:
        if self.new.text() != self.again.text():
            show_message(self, self.error_label, tr("The two entries differ."))
            return
        try:
            change = self.ws.people.begin_secret_change(self.actor)
        except ClinicGuardError as error:
            show_message(self, self.error_label, str(error))
            return
        self.setEnabled(False)
        self.error_label.setText(tr("Checking…"))
        Operation(self, change.prepare, self.current.text(), self.new.text(),
                  success=lambda prepared: self._prepared(change, prepared)).failure(self._failed).run()

    def _failed(self, error: BaseException) -> None:
        self.setEnabled(True)
        show_message(self, self.error_label, str(error))

    def _prepared(self, change, prepared) -> None:
        self.setEnabled(True)
        try:
            self.ws.people.finish_secret_change(self.actor, change, prepared)
        except ClinicGuardError as error:
            self._failed(error)
            return
        self.accept()


class SessionGuard(QObject):
    """Switch user and lock after inactivity, for one main window.

    Every keyboard, mouse or touch input anywhere in the application resets the inactivity clock
    (an event filter on the QApplication); a timer checks it. When it runs out, the person is
    signed out, the pages are hidden, and the sign-in dialog comes back.
    """

    def __init__(self, window, clock: InactivityClock | None = None):
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.clock = clock or InactivityClock(self.state.ws.people.auto_lock_minutes())
        self.locked = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        window.switch_button.setVisible(True)
        window.switch_button.clicked.connect(self.switch_user)
        self.state.changed.connect(self._settings_changed)
        window.destroyed.connect(self._detach)

    def _detach(self, *_):
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _settings_changed(self, changes) -> None:
        if changes.people:  # the inactivity delay is a session setting
            self.clock.set_minutes(self.state.ws.people.auto_lock_minutes())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _INPUT_EVENTS:
            self.clock.touch()
        return False

    def check(self) -> None:
        if not self.locked and self.state.actor is not None and self.clock.expired():
            self.lock()

    def lock(self) -> None:
        """Sign out for inactivity, hide the data, and ask who is there."""
        self._sign_out("inactivity")
        self.locked = True
        self._show_pages(False)
        self.ask_sign_in(tr("ClinicGuard was locked after {n} minutes without activity. Sign in to go on.",
                            n=self.state.ws.people.auto_lock_minutes()))

    def switch_user(self) -> None:
        self._sign_out("switch-user")
        self._show_pages(False)
        self.ask_sign_in(tr("Choose your profile."))

    def ask_sign_in(self, hint: str) -> Actor | None:
        dialog = SignInDialog(self.state.ws, self.window, hint=hint)
        actor = dialog.actor if dialog.exec() and dialog.actor is not None else None
        if actor is not None:
            self.locked = False
            self.clock.touch()
            self.state.set_actor(actor)
            self._show_pages(True)
        else:
            self.locked = True
        return actor

    def _sign_out(self, reason: str) -> None:
        if self.state.actor is not None:
            try:
                self.state.ws.people.sign_out(self.state.actor, reason)
            except ClinicGuardError:
                pass  # signing out must never keep the screen open
            self.state.set_actor(None)

    def _show_pages(self, visible: bool) -> None:
        self.window.nav.setVisible(visible)
        self.window.stack.setVisible(visible)
