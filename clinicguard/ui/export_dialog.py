"""The "Export to Excel" dialog: choose the workbook (budget of a fiscal year, checklist, action
plan) and the file; the workbook is built off the UI thread, with progress and a cancel button.
Once written, the dialog stays open to say where, and offers to open the workbook or its folder."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core import exports
from clinicguard.model.budget import fiscal_year_label
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.i18n import tr
from clinicguard.ui.state import AppState
from clinicguard.ui.ops import Operation

log = logging.getLogger(__name__)

KINDS = ("budget", "checklist", "actions", "registers")


def default_folder() -> Path:
    """The user's Documents folder when there is one, else the home folder (never a folder to create)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if folder and Path(folder).is_dir():
        return Path(folder)
    return Path.home()


class ExportDialog(QDialog):
    open_url = staticmethod(QDesktopServices.openUrl)  # replaced in tests: no program is launched

    def __init__(self, state: AppState, kind: str = "budget", parent: QWidget | None = None, *,
                 year: int | None = None):
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(tr("Export to Excel"))
        self.task = None
        self.written: Path | None = None
        ws = state.ws

        self.kind_edit = QComboBox()
        for key, text in (("budget", tr("Budget of a fiscal year (for the accountant)")),
                          ("checklist", tr("Checklist with the scores (for the DPO or an inspector)")),
                          ("actions", tr("Action plan with its costs")),
                          ("registers", tr("Registers: processing, processors, incidents, training"))):
            self.kind_edit.addItem(text, key)
        self.year_edit = QComboBox()
        start = ws.settings.clinic.fiscal_year_start_month
        # the fiscal year being looked at (the budget page's), else the current one
        current = year if year is not None else ws.plan.current_fiscal_year()
        for summary in ws.plan.summaries():
            self.year_edit.addItem(fiscal_year_label(summary.fiscal_year, start), summary.fiscal_year)
        self.year_edit.setCurrentIndex(max(0, self.year_edit.findData(current)))
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName(tr("File"))
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self.choose_file)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(tr("Workbook"), self.kind_edit)
        form.addRow(tr("Fiscal year"), self.year_edit)
        form.addRow(tr("File"), path_row)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        # Shown once a workbook is written: the manager usually wants to look at it or send it.
        self.open_file_button = QPushButton(tr("Open the workbook"))
        self.open_folder_button = QPushButton(tr("Open the folder"))
        self.open_file_button.clicked.connect(self.open_workbook)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.done_row = QWidget()
        done_layout = QHBoxLayout(self.done_row)
        done_layout.setContentsMargins(0, 0, 0, 0)
        done_layout.addWidget(self.open_file_button)
        done_layout.addWidget(self.open_folder_button)
        done_layout.addStretch(1)
        self.done_row.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.done_row)
        layout.addWidget(self.buttons)

        self.kind_edit.currentIndexChanged.connect(self._kind_changed)
        self.year_edit.currentIndexChanged.connect(lambda _: self._suggest_name())
        self.kind_edit.setCurrentIndex(max(0, self.kind_edit.findData(kind)))
        self._kind_changed()
        if not state.can(Permission.EXPORT):
            self.export_button.setEnabled(False)
            self.message.setText(tr("Your profile is not allowed to export."))

    @property
    def kind(self) -> str:
        return self.kind_edit.currentData()

    def _kind_changed(self) -> None:
        self.year_edit.setEnabled(self.kind == "budget")
        self._suggest_name()

    def _suggest_name(self) -> None:
        names = {"budget": tr("budget-{year}.xlsx", year=self.year_edit.currentText()),
                 "checklist": tr("recommendations.xlsx"), "actions": tr("action-plan.xlsx"),
                 "registers": tr("registers.xlsx")}
        folder = Path(self.path_edit.text()).parent if self.path_edit.text() else default_folder()
        self.path_edit.setText(str(folder / names[self.kind]))

    def choose_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("Export to Excel"), self.path_edit.text(),
                                              tr("Excel workbook (*.xlsx)"))
        if name:
            self.path_edit.setText(name if name.lower().endswith(".xlsx") else name + ".xlsx")

    def _prepare(self) -> exports.PreparedExport:
        ws, actor = self.state.ws, self.state.actor
        if self.kind == "budget":
            return exports.prepare_budget(ws, actor, self.year_edit.currentData())
        if self.kind == "checklist":
            return exports.prepare_checklist(ws, actor)
        if self.kind == "registers":
            return exports.prepare_registers(ws, actor)
        return exports.prepare_actions(ws, actor)

    def start(self) -> None:
        """Read the data here (the database belongs to this thread), build and save on a worker."""
        try:
            out = exports.check_out_path(self.path_edit.text().strip())
            exports.check_folder(out)
            prepared = self._prepare()
        except ClinicGuardError as exc:
            self.message.setText(str(exc))
            return
        self.done_row.setVisible(False)
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.setText(tr("Writing the workbook…"))

        def done(draft: Path) -> None:
            # The audit entry and the move into place happen here, on the database's thread, together.
            task, self.task = self.task, None
            if task is not None and task.cancelled:  # cancelled after the last check of the worker
                draft.unlink(missing_ok=True)
                self.state.ws.pending.release(draft)
                self._failed(exports.ExportCancelled(tr("Export cancelled: no file was written.")))
                return
            try:
                path = exports.publish_export(self.state.ws, self.state.actor, prepared, draft, out)
            except Exception as exc:
                if not isinstance(exc, ClinicGuardError):
                    log.exception("publishing the export failed")
                self._failed(exc)
                return
            self._succeeded(path)

        write = functools.partial(exports.write_draft, pending=self.state.ws.pending)
        self.task = Operation(self, write, prepared, out, success=done) \
            .failure(self._failed).on_progress(self._progress).run()

    def _succeeded(self, path: Path) -> None:
        self.written = path
        self.progress.setVisible(False)
        self.message.setText(tr("Workbook saved: {file}", file=path))
        self.done_row.setVisible(True)
        self.export_button.setEnabled(True)  # another workbook can be exported from here
        self.cancel_button.setText(tr("Close"))
        self.open_file_button.setDefault(True)
        self.open_file_button.setFocus()

    def open_workbook(self) -> None:
        if self.written is not None and not self.open_url(QUrl.fromLocalFile(str(self.written))):
            self.message.setText(tr("No program on this PC could open {name}: install a spreadsheet (Excel, "
                                    "LibreOffice) or send the file as it is.", name=self.written.name))

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
            self.message.setText(tr("The workbook could not be written: {error}. Nothing was changed.", error=error))

    def reject(self) -> None:
        """Escape or the window's close button during an export cancel it, like Cancel does."""
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
