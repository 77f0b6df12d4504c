"""A user at the real sign-in dialog, for the tests that open the window the way it starts
(ui/app.py open_clinic)."""

from __future__ import annotations

import threading
from typing import ClassVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from clinicguard.ui.signin_dialog import SignInDialog
from tests.conftest import MANAGER, MANAGER_SECRET


class TypingUser:
    """Signs the manager in on the real sign-in dialog as a user does: notes, as each dialog
    appears, whether the clinic key was open yet; types for about half a second, the events
    flowing; then clicks Sign in, unless the dialog was closed meanwhile (a key that did not open)."""

    up: ClassVar[threading.Event] = threading.Event()  # set once a sign-in dialog is on screen

    def __init__(self, name: str = MANAGER, secret: str = MANAGER_SECRET, typing_ms: int = 500,
                 passphrase: str | None = None):
        """`passphrase`: typed into the passphrase prompt (a real QInputDialog) when one appears."""
        self.name, self.secret, self.typing_ms, self.passphrase = name, secret, typing_ms, passphrase
        self.prompts: list[QInputDialog] = []
        self.shown: list[bool] = []
        self.dialogs: list[SignInDialog] = []
        self.up.clear()
        self.timer = QTimer()
        self.timer.timeout.connect(self._look)
        self.timer.start(10)

    def _look(self) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog) and self.passphrase is not None and dialog not in self.prompts \
                and dialog.isVisible():
            self.prompts.append(dialog)
            QTimer.singleShot(self.typing_ms, lambda: self._answer(dialog))
        if isinstance(dialog, SignInDialog) and dialog not in self.dialogs and dialog.isVisible():
            self.dialogs.append(dialog)
            self.shown.append(dialog.ws is not None and dialog.ws.keys.loaded)
            self.up.set()
            QTimer.singleShot(self.typing_ms, lambda: self._type(dialog))

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
        self.timer.stop()
