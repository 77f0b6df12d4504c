"""The first-start screen's "Restaurer une sauvegarde": a backup file and the recovery key bring a
clinic back on a new PC, into this PC's clinic folder, off the UI thread with progress and cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from clinicguard.core import backup, keys
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui.ops import Operation

WINDOW_LOCK = "window.lock"  # the first-start screen holds the folder's lock (ui/app.py)


class RestoreDialog(QDialog):
    """Pick the backup, give the recovery key (and a passphrase where this PC has no credential
    store); the clinic is restored into `data_dir`, which must hold no clinic."""

    def __init__(self, data_dir: Path, parent=None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.restored: backup.Checked | None = None
        self.passphrase: str | None = None
        self.operation: Operation | None = None
        self.setWindowTitle(tr("Restore a backup"))
        intro = QLabel(tr("Bring a clinic back from its backup file (.cgbackup.age) and the recovery key printed at "
                          "setup. Nothing is written to this PC unless the whole backup verifies."))
        intro.setWordWrap(True)
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("restoreFile")
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        self.key_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.key_edit.setObjectName("restoreKey")
        self.key_edit.setPlaceholderText("AGE-SECRET-KEY-1…")
        # 74 characters copied from paper: the user may check them on screen
        self.show_key = QCheckBox(tr("S&how the key"))
        self.show_key.setObjectName("restoreShowKey")
        self.show_key.toggled.connect(lambda on: self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.key_edit.setFont(mono)  # 0/O and 1/l told apart; the whole key on one line
        self.key_edit.setMinimumWidth(QFontMetrics(mono).horizontalAdvance("W" * 74) + 16)
        self.file_edit.setMinimumWidth(self.key_edit.minimumWidth())
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)
        self.passphrase_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(tr("at least {n} characters", n=keys.PASSPHRASE_MIN_LENGTH))
        self.confirm_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.needs_passphrase = not keys.secure_keyring_available()
        self.target_label = QLabel(str(self.data_dir))
        self.target_label.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # each label above its field

        def row(text: str, buddy, field) -> None:  # a label whose &-letter moves to its field
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)

        row(tr("&Backup file"), self.file_edit, file_row)
        row(tr("&Recovery key"), self.key_edit, key_row)
        if self.needs_passphrase:
            row(tr("&New passphrase protecting the clinic key"), self.passphrase_edit, self.passphrase_edit)
            row(tr("&Type it again"), self.confirm_edit, self.confirm_edit)
        form.addRow(tr("Restored into"), self.target_label)
        self.error_label = QLabel()
        self.error_label.setObjectName("restoreError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Restore"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Choose the backup to restore"), str(Path.home()),
                                              tr("ClinicGuard backups (*.cgbackup.age)"))
        if path:
            self.file_edit.setText(path)

    def submit(self) -> Operation | None:
        path, key = self.file_edit.text().strip(), self.key_edit.text().strip()
        problem = None
        if not path:
            problem = tr("Choose the backup file.")
        elif not key:
            problem = tr("Enter the recovery key (it starts with AGE-SECRET-KEY-1).")
        elif self.needs_passphrase and keys.passphrase_problem(self.passphrase_edit.text()):
            problem = keys.passphrase_problem(self.passphrase_edit.text())
        elif self.needs_passphrase and self.confirm_edit.text() != self.passphrase_edit.text():
            problem = tr("The two passphrases differ.")
        if problem:
            self.error_label.setText(problem)
            return None
        self.error_label.setText("")
        self.buttons.setEnabled(False)
        passphrase = self.passphrase_edit.text() if self.needs_passphrase else None
        self.passphrase = passphrase  # the clinic then opens with it, not asked a second time
        self.operation = Operation(self, backup.restore, Path(path), self.data_dir, key, passphrase=passphrase,
                                   allow_present=(WINDOW_LOCK,), success=self._restored)
        self.operation.failure(self._failed).with_progress(tr("Restoring the clinic…"), cancellable=True).run()
        return self.operation

    def _restored(self, checked: backup.Checked) -> None:
        self.restored = checked
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error_label.setText(str(error) if isinstance(error, ClinicGuardError)
                                 else tr("The clinic could not be restored: {error}", error=error))
