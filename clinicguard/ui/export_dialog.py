"""The "Export to Excel" dialog: choose the workbook (budget of a fiscal year, checklist, action
plan, registers) and the file; the workbook is built off the UI thread, with progress and a cancel
button. Once written, the dialog stays open to say where, and offers to open the workbook or its
folder (ui/file_output.py holds what it shares with the report dialog)."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from clinicguard.core import exports
from clinicguard.i18n import tr
from clinicguard.model.budget import fiscal_year_label
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui.file_output import FileRow, WorkerFileDialog, default_folder
from clinicguard.ui.state import AppState

KINDS = ("budget", "checklist", "actions", "registers")

__all__ = ["KINDS", "ExportDialog", "default_folder"]


class ExportDialog(WorkerFileDialog):
    def __init__(self, state: AppState, kind: str = "budget", parent: QWidget | None = None, *,
                 year: int | None = None):
        super().__init__(state, tr("Export to Excel"), parent, open_file_text=tr("Open the workbook"))
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
        self.file_row = FileRow(self, lambda: tr("Export to Excel"), lambda: tr("Excel workbook (*.xlsx)"),
                                lambda: ".xlsx")
        self.path_edit = self.file_row.edit

        form = QFormLayout()
        form.addRow(tr("Workbook"), self.kind_edit)
        form.addRow(tr("Fiscal year"), self.year_edit)
        form.addRow(tr("File"), self.file_row)
        self.finish_layout(form)

        self.kind_edit.currentIndexChanged.connect(self._kind_changed)
        self.year_edit.currentIndexChanged.connect(lambda _: self._suggest_name())
        self.kind_edit.setCurrentIndex(max(0, self.kind_edit.findData(kind)))
        self._kind_changed()

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
        write = functools.partial(exports.write_draft, pending=self.state.ws.pending)
        self.run(write, lambda draft: exports.publish_export(self.state.ws, self.state.actor, prepared, draft, out),
                 tr("Writing the workbook…"), prepared, out)

    def discard(self, draft: Path) -> None:
        super().discard(draft)
        self.state.ws.pending.release(draft)

    def saved_message(self, path: Path) -> str:
        return tr("Workbook saved: {file}", file=path)

    def failed_message(self, error: BaseException) -> str:
        return tr("The workbook could not be written: {error}. Nothing was changed.", error=error)

    def no_program_message(self, name: str) -> str:
        return tr("No program on this PC could open {name}: install a spreadsheet (Excel, LibreOffice) or send "
                  "the file as it is.", name=name)
