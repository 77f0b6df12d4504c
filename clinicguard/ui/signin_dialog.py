"""Sign in: choose a profile, enter its password or PIN. The check runs off the UI thread
(the hash is deliberately slow)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from clinicguard.core.errors import ClinicGuardError
from clinicguard.core.people import Actor
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import tr
from clinicguard.ui.worker import run_in_background


class SignInDialog(QDialog):
    def __init__(self, ws: Workspace, parent=None, hint: str = ""):
        super().__init__(parent)
        self.ws = ws
        self.actor: Actor | None = None
        self.setWindowTitle(tr("Sign in — {clinic}", clinic=ws.clinic.name))
        self.profile = QComboBox()
        self.profile.addItems(ws.person_names())
        self.secret = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        form.addRow(tr("&Profile"), self.profile)
        form.addRow(tr("Password or &PIN"), self.secret)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
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
        self.secret.setFocus()

    def submit(self) -> None:
        self.buttons.setEnabled(False)
        run_in_background(self.ws.sign_in, self.profile.currentText(), self.secret.text(),
                          on_done=self._signed_in, on_error=self._failed)

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.secret.clear()
        self.error_label.setText(str(error) if isinstance(error, ClinicGuardError) else repr(error))
