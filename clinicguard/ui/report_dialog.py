"""The "Report for the DPO or the inspector" dialog: the compliance report (PDF/A) or the inspection
pack (zip), its language, the file, and for the pack which evidence goes in and an optional
password. The data is read here (the database's thread); the PDF and the archive are made on a
worker through ops.Operation, with progress and a cancel button; the journal entry and the move
into place happen back here, together."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from clinicguard.core import reports
from clinicguard.core.exports import check_folder, publish_export
from clinicguard.i18n import language, pick, tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui.date_field import DateField
from clinicguard.ui.file_output import FileRow, WorkerFileDialog, default_folder
from clinicguard.ui.state import AppState


class ReportDialog(WorkerFileDialog):
    def __init__(self, state: AppState, kind: str = "pdf", parent: QWidget | None = None):
        super().__init__(state, tr("Report for the DPO or the inspector"), parent)
        ws = state.ws

        self.kind_edit = QComboBox()
        self.kind_edit.addItem(tr("Compliance report (PDF for archiving)"), "pdf")
        self.kind_edit.addItem(tr("Inspection pack (report, checklist and evidence in a zip archive)"), "pack")
        self.lang_edit = QComboBox()
        self.lang_edit.addItem("Français", "fr")  # each language named in itself
        self.lang_edit.addItem("English", "en")
        self.lang_edit.setCurrentIndex(max(0, self.lang_edit.findData(language())))
        self.file_row = FileRow(self, self.windowTitle,
                                lambda: tr("PDF document (*.pdf)") if self.kind == "pdf" else tr("Zip archive (*.zip)"),
                                lambda: ".pdf" if self.kind == "pdf" else ".zip")
        self.path_edit = self.file_row.edit

        # What goes into the pack: the evidence of the ticked recommendations (all by default).
        self.items_list = QListWidget()
        self.items_list.setAccessibleName(tr("Recommendations whose evidence goes into the pack"))
        counts = ws.evidence_counts_by_item()
        for item in ws.catalogue.items:
            if counts.get(item.id):
                entry = QListWidgetItem(f"{item.id} — {pick(item.title)} ({counts[item.id]})")
                entry.setData(Qt.ItemDataRole.UserRole, item.id)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked)
                self.items_list.addItem(entry)
        self.all_items = QPushButton(tr("Tick all"))
        self.no_items = QPushButton(tr("Untick all"))
        self.all_items.clicked.connect(lambda: self._tick_all(Qt.CheckState.Checked))
        self.no_items.clicked.connect(lambda: self._tick_all(Qt.CheckState.Unchecked))
        tick_row = QHBoxLayout()
        tick_row.addWidget(self.all_items)
        tick_row.addWidget(self.no_items)
        tick_row.addStretch(1)
        self.current_only = QCheckBox(tr("Only the evidence still valid today"))
        self.since_edit = DateField()
        self.since_edit.setAccessibleName(tr("Evidence dated from"))
        self.since_edit.setToolTip(tr("Only the evidence valid from this day or later (empty: any date)"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(tr("optional, at least {n} characters", n=reports.pack.MIN_PASSWORD_LENGTH))
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.pack_box = QWidget()
        pack_form = QFormLayout(self.pack_box)
        pack_form.setContentsMargins(0, 0, 0, 0)
        pack_form.addRow(tr("Evidence of"), self.items_list)
        pack_form.addRow("", tick_row)
        pack_form.addRow("", self.current_only)
        pack_form.addRow(tr("Evidence dated from"), self.since_edit)
        pack_form.addRow(tr("Password"), self.password_edit)
        pack_form.addRow(tr("Password again"), self.password_again)
        hint = QLabel(tr("With a password the archive is encrypted (AES-256): the inspector opens it with 7-Zip, "
                         "WinZip or WinRAR. Without, Windows opens it by itself."))
        hint.setWordWrap(True)
        pack_form.addRow("", hint)

        form = QFormLayout()
        form.addRow(tr("Document to make"), self.kind_edit)
        form.addRow(tr("Language of the report"), self.lang_edit)
        form.addRow(tr("File"), self.file_row)
        self.finish_layout(form, self.pack_box)

        self.kind_edit.currentIndexChanged.connect(self._kind_changed)
        self.lang_edit.currentIndexChanged.connect(lambda _: self._suggest_name())
        self.kind_edit.setCurrentIndex(max(0, self.kind_edit.findData(kind)))
        self._kind_changed()

    @property
    def kind(self) -> str:
        return self.kind_edit.currentData()

    def _tick_all(self, state: Qt.CheckState) -> None:
        for row in range(self.items_list.count()):
            self.items_list.item(row).setCheckState(state)

    def chosen_items(self) -> tuple[str, ...] | None:
        """The ticked recommendations; None when all are ticked (every evidence file, linked or not)."""
        ticked = [self.items_list.item(r) for r in range(self.items_list.count())]
        chosen = tuple(i.data(Qt.ItemDataRole.UserRole) for i in ticked if i.checkState() == Qt.CheckState.Checked)
        return None if len(chosen) == len(ticked) else chosen

    def _kind_changed(self) -> None:
        self.pack_box.setVisible(self.kind == "pack")
        self._suggest_name()
        self.adjustSize()

    def _suggest_name(self) -> None:
        en = self.lang_edit.currentData() == "en"
        names = {"pdf": "compliance-report.pdf" if en else "rapport-conformite.pdf",
                 "pack": "inspection-pack.zip" if en else "dossier-inspection.zip"}
        folder = Path(self.path_edit.text()).parent if self.path_edit.text() else default_folder()
        self.path_edit.setText(str(folder / names[self.kind]))

    def _prepare(self, out: Path):
        """Read everything on this thread; returns (work for the worker, publish on this thread)."""
        ws, actor, lang = self.state.ws, self.state.actor, self.lang_edit.currentData()
        if self.kind == "pdf":
            prepared = reports.prepare_report(ws, actor, lang)
            return (lambda progress, cancelled: reports.write_report_draft(prepared, out, progress, cancelled),
                    lambda draft: publish_export(ws, actor, prepared, draft, out))
        password = self.password_edit.text() or None
        if (password or "") != self.password_again.text():
            raise ClinicGuardError(tr("The two passwords differ."))
        since = self.since_edit.checked_value()  # an unreadable date says why, in the user's words
        choice = reports.EvidenceChoice(self.chosen_items(), self.current_only.isChecked(), since)
        pack = reports.prepare_pack(ws, actor, choice, password, lang)
        return (lambda progress, cancelled: reports.write_pack_draft(pack, out, progress, cancelled),
                lambda draft: reports.publish_pack(ws, actor, pack, draft, out))

    def start(self) -> None:
        try:
            text = self.path_edit.text().strip()
            out = reports.check_pdf_path(text) if self.kind == "pdf" else reports.check_zip_path(text)
            check_folder(out)
            work, publish = self._prepare(out)
        except ClinicGuardError as exc:
            self.message.setText(str(exc))
            return

        def run(progress=None, cancelled=None):
            return work(progress, cancelled)

        self.run(run, publish, tr("Writing the report…") if self.kind == "pdf" else tr("Writing the inspection pack…"))

    def no_program_message(self, name: str) -> str:
        if self.kind == "pdf":
            return tr("No program on this PC could open {name}: install a PDF reader or send the file as it is.",
                      name=name)
        return super().no_program_message(name)
