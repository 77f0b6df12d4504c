"""A user at the real sign-in dialog, for the tests that open the window the way it starts
(ui/app.py open_clinic)."""

from __future__ import annotations

import threading
from typing import ClassVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from clinicguard.ui.app import open_clinic
from clinicguard.ui.signin_dialog import SignInDialog
from tests.conftest import MANAGER, MANAGER_SECRET


class TypingUser(QObject):
    """Signs the manager in on the real sign-in dialog as a user does: notes, as each dialog is
    shown, whether the clinic key was open yet; types for about half a second, the events flowing;
    then clicks Sign in, unless the dialog was closed meanwhile (a key that did not open)."""

    up: ClassVar[threading.Event] = threading.Event()  # set once a sign-in dialog is on screen

    def __init__(self, name: str = MANAGER, secret: str = MANAGER_SECRET, typing_ms: int = 500,
                 passphrase: str | None = None):
        """`passphrase`: typed into the passphrase prompt (a real QInputDialog) when one appears."""
        super().__init__()
        self.name, self.secret, self.typing_ms, self.passphrase = name, secret, typing_ms, passphrase
        self.prompts: list[QInputDialog] = []
        self.shown: list[bool] = []
        self.dialogs: list[SignInDialog] = []
        self.up.clear()
        QApplication.instance().installEventFilter(self)  # each dialog seen as it is shown

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show:
            if isinstance(obj, QInputDialog) and self.passphrase is not None and obj not in self.prompts:
                self.prompts.append(obj)
                QTimer.singleShot(self.typing_ms, lambda: self._answer(obj))
            elif isinstance(obj, SignInDialog) and obj not in self.dialogs:
                self.dialogs.append(obj)
                self.shown.append(obj.ws is not None and obj.ws.keys.loaded)
                self.up.set()
                QTimer.singleShot(self.typing_ms, lambda: self._type(obj))
        return False

    def _answer(self, prompt: QInputDialog) -> None:
        if prompt.isVisible():
            prompt.setTextValue(self.passphrase)
            prompt.accept()

    def _type(self, dialog: SignInDialog) -> None:
        if not dialog.isVisible():
            return
        dialog.profile.setCurrentIndex(dialog.profile.findText(self.name))
        dialog.secret.setText(self.secret)
        dialog.sign_in_button.click()

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)


def start_signed_in(qtbot, data_dir, **typing):
    """`open_clinic(data_dir)` as the window starts, a TypingUser (`typing`: its arguments) signing
    in: the window (None if the start ended without one) and the user."""
    user = TypingUser(**typing)
    try:
        window = open_clinic(data_dir)
    finally:
        user.stop()
    if window is not None:
        qtbot.addWidget(window)
    return window, user
