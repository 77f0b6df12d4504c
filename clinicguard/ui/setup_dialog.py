"""First-run setup: the clinic, its type of structure, its fiscal year and its manager; then the
recovery sheet, shown once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from clinicguard.core import keys
from clinicguard.model.catalogue import Structure
from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.fsutil import atomic_write_bytes
from clinicguard.model.people import Role
from clinicguard.core.secrets import WeakSecret, manager_password_rule, secret_kind_for
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import tr
from clinicguard.ui.settings_view import month_names
from clinicguard.ui.ops import Operation
from clinicguard.ui.restore_dialog import RestoreDialog
from clinicguard.ui.widgets import show_message


class SetupDialog(QDialog):
    """Collects the first-run answers and creates the clinic off the UI thread."""

    def __init__(self, data_dir, parent=None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.result_value: tuple[Workspace, str] | None = None
        self.restored = False  # the clinic came back from a backup instead (issue 11)
        self.restored_from = None  # the backup it came from (backup.Checked)
        self.restore_passphrase: str | None = None  # the passphrase chosen in the restore, if any
        self.setWindowTitle(tr("Set up ClinicGuard"))
        self.name_edit = QLineEdit()
        self.structure_edit = QComboBox()
        for structure in Structure:
            self.structure_edit.addItem(structure.label, structure.value)
        self.month_edit = QComboBox()
        self.month_edit.addItems(month_names())
        self.manager_edit = QLineEdit()
        self.secret_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.secret_again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase_again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)  # a typo would lock the key away
        self.needs_passphrase = not keys.secure_keyring_available()
        intro = QLabel(tr("Welcome. Describe your structure and its manager, and ClinicGuard is ready; everything "
                          "stays on this PC."))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Clinic &name"), self.name_edit)
        form.addRow(tr("&Type of structure"), self.structure_edit)
        form.addRow(tr("First &month of the fiscal year"), self.month_edit)
        form.addRow(tr("&Manager's name"), self.manager_edit)
        form.addRow(tr("Manager's &password"), self.secret_edit)
        form.addRow(tr("&Repeat it"), self.secret_again)
        if self.needs_passphrase:
            form.addRow(tr("&Passphrase protecting the clinic key"), self.passphrase_edit)
            form.addRow(tr("&Type it again"), self.passphrase_again)
            why = QLabel(tr("This computer has no protected password store, so the key that encrypts your evidence is "
                            "kept in a file locked by this passphrase (at least 12 characters). ClinicGuard asks for it "
                            "at each start."))
            why.setWordWrap(True)
            why.setStyleSheet("color: #555;")
            form.addRow("", why)
        self.hint = hint = QLabel(manager_password_rule() + " " + tr("Other profiles, added later, may use a PIN of 4 to 8 "
                                                           "digits."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.error_label = QLabel()
        self.error_label.setObjectName("setupError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setFormat(tr("Creating the clinic and its keys…"))
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Create the clinic"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.restore_button = QPushButton(tr("Restore a backup…"))
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.setToolTip(tr("A new PC: bring the clinic back from its backup and the recovery key."))
        self.restore_button.clicked.connect(self.restore_backup)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.restore_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        name, manager, secret = self.name_edit.text().strip(), self.manager_edit.text().strip(), self.secret_edit.text()
        problem = None
        if not name:
            problem = tr("Enter the clinic's name.")
        elif not manager:
            problem = tr("Enter the manager's name.")
        elif secret != self.secret_again.text():
            problem = tr("The two passwords differ.")
        elif self.needs_passphrase and keys.passphrase_problem(self.passphrase_edit.text()):
            problem = keys.passphrase_problem(self.passphrase_edit.text())
        else:
            try:
                secret_kind_for(secret, Role.MANAGER)
            except WeakSecret as exc:
                problem = str(exc)
        if not problem and self.needs_passphrase and self.passphrase_again.text() != self.passphrase_edit.text():
            problem = tr("The two passphrases differ.")
        if problem:
            show_message(self, self.error_label, problem)  # the dialog grows: nothing overlaps
            return
        self.error_label.setText("")
        self.buttons.setEnabled(False)
        self.progress.setVisible(True)
        Operation(
            self, Workspace.create, self.data_dir, clinic_name=name, structure=self.structure_edit.currentData(),
            manager_name=manager, manager_secret=secret, fiscal_year_start_month=self.month_edit.currentIndex() + 1,
            passphrase=self.passphrase_edit.text() if self.needs_passphrase else None, success=self._created,
        ).failure(self._failed).run()

    def restore_backup(self) -> RestoreDialog:
        """Beside creating a clinic: restore one from a backup; the clinic then opens as usual."""
        dialog = RestoreDialog(self.data_dir, self)
        dialog.accepted.connect(lambda: self._was_restored(dialog))
        dialog.open()
        return dialog

    def _was_restored(self, dialog: RestoreDialog) -> None:
        self.restored = True
        self.restored_from, self.restore_passphrase = dialog.restored, dialog.passphrase
        self.accept()

    def _created(self, result) -> None:
        self.result_value = result
        self.progress.setVisible(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.progress.setVisible(False)
        self.buttons.setEnabled(True)
        show_message(self, self.error_label, str(error) if isinstance(error, ClinicGuardError)
                     else tr("The clinic could not be created: {error}", error=error))


class RecoverySheetDialog(QDialog):
    """Shows the recovery sheet once, with a button to save it for printing."""

    def __init__(self, sheet: str, parent=None):
        super().__init__(parent)
        self.sheet = sheet
        self.setWindowTitle(tr("Your recovery key"))
        text = QPlainTextEdit(sheet)
        text.setReadOnly(True)
        text.setFont(QFont("monospace"))
        warning = QLabel(tr("This is the only time the recovery key is shown. Print or save this sheet and keep it "
                            "away from the PC: without it, a lost PC means lost evidence."))
        warning.setWordWrap(True)
        warning.setStyleSheet("font-weight: bold;")
        save = QPushButton(tr("Save the sheet…"))
        save.clicked.connect(self.save)
        print_button = QPushButton(tr("Print the sheet…"))
        print_button.clicked.connect(self.print_sheet)
        done = QPushButton(tr("I have kept the recovery key"))
        done.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(text)
        buttons = QHBoxLayout()
        buttons.addWidget(print_button)
        buttons.addWidget(save)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("sheetSaved")
        self.saved_label.setWordWrap(True)
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.saved_label)
        layout.addWidget(done, alignment=Qt.AlignmentFlag.AlignRight)
        self.resize(640, 360)

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the recovery sheet"),
                                              str(Path.home() / (tr("recovery-sheet") + ".txt")),
                                              tr("Text files (*.txt)"))
        if not path:
            return
        try:
            atomic_write_bytes(Path(path), self.sheet.encode("utf-8"))
        except OSError as exc:
            self.saved_label.setStyleSheet("color: #b3261e;")
            self.saved_label.setText(tr("The sheet could not be saved to {file}: {error}", file=path,
                                        error=exc.strerror or exc))
            return
        self.saved_label.setStyleSheet("color: #2e7d32;")
        self.saved_label.setText(tr("Sheet saved: {file}. Print it, then keep it away from the PC (not on it).",
                                    file=path))

    def print_sheet(self) -> None:
        # Qt's print support loads only when printing (start-up speed)
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec():
            document = QTextDocument()
            document.setDefaultFont(QFont("monospace", 11))
            document.setPlainText(self.sheet)
            document.print_(printer)
