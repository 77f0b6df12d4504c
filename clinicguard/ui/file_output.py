"""What the dialogs that write a file share: the file row (a path and "Choose…"), and for those
that build their file on a worker (the Excel export, the report and inspection pack) the
progress, the message, Export/Cancel, "open the file / the folder" once written, and the
operation itself: read on this thread, build on a worker through ops.Operation, then the
journal entry and the move into place back here, together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.exports import ExportCancelled
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.ui.ops import Operation
from clinicguard.ui.state import AppState

log = logging.getLogger(__name__)


def default_folder() -> Path:
    """The user's Documents folder when there is one, else the home folder (never a folder to create)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if folder and Path(folder).is_dir():
        return Path(folder)
    return Path.home()


class FileRow(QHBoxLayout):
    """The file to write: its path, and "Choose…" for the save dialog; `suffix()` gives the
    extension the chosen name must end with (added when missing), `filter()` the dialog's filter."""

    def __init__(self, dialog: QWidget, title: Callable[[], str], filter: Callable[[], str],
                 suffix: Callable[[], str | None] = lambda: None):
        super().__init__()
        self._dialog, self._title, self._filter, self._suffix = dialog, title, filter, suffix
        self.edit = QLineEdit()
        self.edit.setAccessibleName(tr("File"))
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self.choose)
        self.addWidget(self.edit, 1)
        self.addWidget(browse)

    def choose(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self._dialog, self._title(), self.edit.text(), self._filter())
        suffix = self._suffix()
        if name:
            self.edit.setText(name if not suffix or name.lower().endswith(suffix) else name + suffix)


class WorkerFileDialog(QDialog):
    """A dialog that builds one file on a worker. Subclasses lay out their form with `finish_layout`
    and start the work with `run(work, publish, busy_text)`."""

    open_url = staticmethod(QDesktopServices.openUrl)  # replaced in tests: no program is launched

    def __init__(self, state: AppState, title: str, parent: QWidget | None = None, *, open_file_text: str = ""):
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(title)
        self.task = None
        self.written: Path | None = None
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        # Shown once the file is written: the manager usually wants to look at it or send it.
        self.open_file_button = QPushButton(open_file_text or tr("Open the file"))
        self.open_folder_button = QPushButton(tr("Open the folder"))
        self.open_file_button.clicked.connect(self.open_file)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.done_row = QWidget()
        done_layout = QHBoxLayout(self.done_row)
        done_layout.setContentsMargins(0, 0, 0, 0)
        done_layout.addWidget(self.open_file_button)
        done_layout.addWidget(self.open_folder_button)
        done_layout.addStretch(1)
        self.done_row.setVisible(False)

    def finish_layout(self, *parts: QLayout | QWidget) -> None:
        """The dialog's own parts, then the progress, the message, the buttons; and the refusal
        for a profile that may not export."""
        layout = QVBoxLayout(self)
        for part in parts:
            if isinstance(part, QLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        for widget in (self.progress, self.message, self.done_row, self.buttons):
            layout.addWidget(widget)
        if not self.state.can(Permission.EXPORT):
            self.export_button.setEnabled(False)
            self.message.setText(tr("Your profile is not allowed to export."))

    def start(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError

    def saved_message(self, path: Path) -> str:
        return tr("Saved: {file}", file=path)

    def failed_message(self, error: BaseException) -> str:
        return tr("The file could not be written: {error}. Nothing was changed.", error=error)

    def no_program_message(self, name: str) -> str:
        return tr("No program on this PC could open {name}: install one that reads this kind of file, or send the "
                  "file as it is.", name=name)

    def discard(self, draft: Path) -> None:
        """What a cancelled draft leaves: the file (and whatever the subclass reserved for it)."""
        draft.unlink(missing_ok=True)

    def run(self, work: Callable, publish: Callable[[Path], Path], busy_text: str, *args) -> None:
        """`work(*args, progress=, cancelled=)` on a worker returns the draft; `publish(draft)` here
        journals it and moves it into place."""
        self.done_row.setVisible(False)
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.setText(busy_text)

        def done(draft: Path) -> None:
            task, self.task = self.task, None
            if task is not None and task.cancelled:  # cancelled after the worker's last check
                self.discard(draft)
                self._failed(ExportCancelled(tr("Export cancelled: no file was written.")))
                return
            try:
                path = publish(draft)
            except Exception as exc:
                if not isinstance(exc, ClinicGuardError):
                    log.exception("publishing %s failed", draft.name)
                self._failed(exc)
                return
            self._succeeded(path)

        self.task = Operation(self, work, *args, success=done).failure(self._failed).on_progress(self._progress).run()

    def _succeeded(self, path: Path) -> None:
        self.written = path
        self.progress.setVisible(False)
        self.message.setText(self.saved_message(path))
        self.done_row.setVisible(True)
        self.export_button.setEnabled(True)  # another file can be made from here
        self.cancel_button.setText(tr("Close"))
        self.open_file_button.setDefault(True)
        self.open_file_button.setFocus()

    def open_file(self) -> None:
        if self.written is not None and not self.open_url(QUrl.fromLocalFile(str(self.written))):
            self.message.setText(self.no_program_message(self.written.name))

    def open_folder(self) -> None:
        if self.written is not None and not self.open_url(QUrl.fromLocalFile(str(self.written.parent))):
            self.message.setText(tr("The folder could not be opened: {folder}", folder=self.written.parent))

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        if isinstance(error, ClinicGuardError):
            self.message.setText(str(error))
        else:
            self.message.setText(self.failed_message(error))

    def reject(self) -> None:
        """Escape or the window's close button while the file is being made cancel it, like Cancel does."""
        if self.task is not None:
            self.cancel()
            return
        super().reject()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()  # the worker stops at its next step; no file is written
            self.message.setText(tr("Cancelling…"))
            return
        self.reject()
