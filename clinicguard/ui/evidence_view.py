"""The evidence page (coffre des preuves): attach files by button or drag and drop, open, export,
verify the vault with progress and cancel, delete with a reason. Long work runs off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.evidence import EXPIRY_WARNING_DAYS, Evidence, ExpiryState, Integrity, VerifyReport
from clinicguard.core.formatting import format_date
from clinicguard.core.people import Permission
from clinicguard.core.vault import OperationCancelled, PrivateTemp
from clinicguard.i18n import pick, tr
from clinicguard.ui.main_window import show_error
from clinicguard.ui.state import AppState
from clinicguard.ui.worker import run_in_background

EVIDENCE_ROLE = Qt.ItemDataRole.UserRole + 1


_date = format_date


def _size(n: int) -> str:
    for unit, scale in ((tr("GB"), 1 << 30), (tr("MB"), 1 << 20), (tr("KB"), 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return tr("{n} bytes", n=n)


class EvidenceModel(QAbstractTableModel):
    COLUMNS = ("title", "original_name", "links", "size", "added", "valid_from", "expires_on", "state")

    def __init__(self):
        super().__init__()
        self.rows: list[Evidence] = []
        self.integrity: dict[int, Integrity] = {}
        self._headers = [tr("Title"), tr("File"), tr("Backs"), tr("Size"), tr("Added"), tr("Valid from"),
                         tr("Expires"), tr("State")]

    def load(self, rows: list[Evidence]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_integrity(self, integrity: dict[int, Integrity]) -> None:
        self.integrity = integrity
        if self.rows:
            column = self.COLUMNS.index("state")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        ev = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == EVIDENCE_ROLE:
            return ev
        if role == Qt.ItemDataRole.ToolTipRole:
            return ev.description or None
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return {"size": ev.size, "added": ev.added_at, "valid_from": ev.valid_from,
                    "expires_on": ev.expires_on or "9999"}.get(column, self.data(index))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "title":
            return ev.title
        if column == "original_name":
            return ev.original_name
        if column == "links":
            return ", ".join([*ev.items, *(tr("action {id}", id=a) for a in ev.actions)])
        if column == "size":
            return _size(ev.size)
        if column == "added":
            return f"{_date(ev.added_at)} — {ev.added_by_name}"
        if column == "valid_from":
            return _date(ev.valid_from)
        if column == "expires_on":
            return _date(ev.expires_on)
        if column == "state":
            checked = self.integrity.get(ev.id)
            if checked is not None and checked is not Integrity.INTACT:
                return checked.label
            state = ev.expiry_state()
            return state.label if state is not ExpiryState.VALID or ev.expires_on else ""
        return None


class EvidenceFilter(QSortFilterProxyModel):
    def __init__(self):
        super().__init__()
        self.item_id: str | None = None
        self.text = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_filters(self, item_id: str | None, text: str) -> None:
        self.item_id, self.text = item_id, text.casefold().strip()
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        ev: Evidence = self.sourceModel().rows[source_row]
        if self.item_id and self.item_id not in ev.items:
            return False
        if self.text:
            haystack = " ".join([ev.title, ev.description, ev.original_name, *ev.items]).casefold()
            return self.text in haystack
        return True


def _local_files(mime) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_file()] \
        if mime.hasUrls() else []


class DropOnto(QObject):
    """Lets files be dropped on another view's row (a recommendation, an action) to attach them to it.

    `links_at(index)` returns (item ids, action ids) for the row under the pointer, or None.
    """

    def __init__(self, evidence: "EvidenceView", target: QAbstractItemView,
                 links_at: Callable[[QModelIndex], tuple[tuple[str, ...], tuple[int, ...]] | None]):
        super().__init__(target)
        self._evidence, self._target, self._links_at = evidence, target, links_at
        target.setAcceptDrops(True)
        target.viewport().setAcceptDrops(True)
        target.viewport().installEventFilter(self)

    def _links(self, event):
        if not _local_files(event.mimeData()) or not self._evidence.state.can(Permission.ADD_EVIDENCE):
            return None
        return self._links_at(self._target.indexAt(event.position().toPoint()))

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            links = self._links(event)
            if links is None:
                event.ignore()
                return True
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                items, actions = links
                self._evidence.attach_files(_local_files(event.mimeData()), items=items, actions=actions)
            return True
        return False


def checklist_links(index: QModelIndex):
    """The recommendation under a drop on the checklist tree (domain and theme rows take none)."""
    from clinicguard.ui.checklist_model import ROW_ROLE

    row = index.data(ROW_ROLE) if index.isValid() else None
    return ((row.item.id,), ()) if row is not None else None


class EvidenceFigures(QGroupBox):
    """The dashboard's evidence box: items without evidence, evidence expiring soon or expired."""

    open_evidence = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Evidence"), parent)
        self.state = state
        layout = QVBoxLayout(self)
        self.without_label = QLabel()
        self.without_label.setObjectName("evidence-missing")
        self.without_label.setWordWrap(True)
        self.expiry_list = QListWidget()
        self.expiry_list.setObjectName("evidence-expiry")
        self.expiry_list.setWordWrap(True)
        self.expiry_list.setMaximumHeight(110)
        self.expiry_list.itemActivated.connect(lambda _item: self.open_evidence.emit())
        layout.addWidget(self.without_label)
        layout.addWidget(self.expiry_list)

    def refresh(self) -> None:
        summary = self.state.ws.vault.summary()
        without = summary["items_without_evidence"]
        self.without_label.setText(tr("{n} applicable recommendations have no evidence yet; {files} file(s) in the vault.",
                                      n=len(without), files=summary["evidence_files"]))
        self.expiry_list.clear()
        for ev in summary["evidence_expired"]:
            item = QListWidgetItem(tr("Expired on {date}: {title}", date=_date(ev["expires_on"]), title=ev["title"]))
            item.setForeground(Qt.GlobalColor.darkRed)
            self.expiry_list.addItem(item)
        for ev in summary[f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days"]:
            self.expiry_list.addItem(tr("Expires on {date}: {title}", date=_date(ev["expires_on"]), title=ev["title"]))
        if not self.expiry_list.count():
            self.expiry_list.addItem(tr("No evidence expires within {n} days.", n=EXPIRY_WARNING_DAYS))


def plan_links(index: QModelIndex):
    """The action under a drop on the action-plan table."""
    from clinicguard.ui.plan_view import ROW_ROLE

    row = index.data(ROW_ROLE) if index.isValid() else None
    return ((), (row.action.id,)) if row is not None else None


class EvidenceView(QWidget):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.temp = PrivateTemp()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.temp.cleanup)
        self.destroyed.connect(self.temp.cleanup)
        self._task = None
        self.setAcceptDrops(True)

        self.attention = QLabel()
        self.attention.setObjectName("vaultAttention")
        self.attention.setWordWrap(True)
        self.attention.setStyleSheet("background: #fde7e9; padding: 6px; border: 1px solid #d08080;")
        self.attention.setVisible(False)

        self.item_filter = QComboBox()
        self.item_filter.setAccessibleName(tr("Recommendation"))
        self.search = QLineEdit(placeholderText=tr("Search the evidence…"))
        self.add_button = QPushButton(tr("Add files…"))
        self.open_button = QPushButton(tr("Open"))
        self.export_button = QPushButton(tr("Export…"))
        self.verify_button = QPushButton(tr("Verify the vault"))
        self.delete_button = QPushButton(tr("Delete…"))
        tools = QHBoxLayout()
        tools.addWidget(self.item_filter, 1)
        tools.addWidget(self.search, 1)
        for button in (self.add_button, self.open_button, self.export_button, self.verify_button, self.delete_button):
            tools.addWidget(button)

        self.model = EvidenceModel()
        self.proxy = EvidenceFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setAcceptDrops(True)
        self.table.viewport().setAcceptDrops(True)
        self.table.doubleClicked.connect(lambda _: self.open_selected())

        self.empty = QLabel(tr("No evidence yet. Drag files here (a signed charter, a training certificate, "
                               "your host's HDS certificate) or click \"Add files…\"."))
        self.empty.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("vaultStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        busy = QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.attention)
        layout.addLayout(tools)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(busy)
        layout.addWidget(self.status)

        self.add_button.clicked.connect(self.choose_files)
        self.open_button.clicked.connect(self.open_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.verify_button.clicked.connect(self.verify)
        self.delete_button.clicked.connect(self.delete_selected)
        self.item_filter.currentIndexChanged.connect(lambda _: self._apply_filter())
        self.search.textChanged.connect(lambda _: self._apply_filter())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._apply_permissions())
        state.changed.connect(self._on_changed)
        state.actor_changed.connect(lambda _: self._apply_permissions())
        self._fill_items()
        self.reload()
        self._show_startup_report()

    # ---- loading -------------------------------------------------------------------------------
    @property
    def vault(self):
        return self.state.ws.vault

    def reload(self) -> None:
        self.model.load(self.vault.store.all())
        self.empty.setVisible(not self.model.rows)
        self.table.setVisible(bool(self.model.rows))
        self._apply_permissions()

    def _fill_items(self) -> None:
        self.item_filter.addItem(tr("All recommendations"), None)
        for row in self.state.ws.checklist():
            if row.applies:
                self.item_filter.addItem(f"{row.item.id} — {pick(row.item.title)}", row.item.id)

    def _apply_filter(self) -> None:
        self.proxy.set_filters(self.item_filter.currentData(), self.search.text())

    def _on_changed(self, kind: str) -> None:
        if kind in ("evidence", "actions"):
            self.reload()

    def _show_startup_report(self) -> None:
        messages = self.vault.startup_report.messages()
        self.attention.setText("\n".join(messages))
        self.attention.setVisible(bool(messages))

    def _apply_permissions(self) -> None:
        busy = self._task is not None
        selected = self.selected() is not None
        self.add_button.setEnabled(not busy and self.state.can(Permission.ADD_EVIDENCE))
        self.open_button.setEnabled(not busy and selected and self.state.can(Permission.READ))
        self.export_button.setEnabled(not busy and selected and self.state.can(Permission.EXPORT))
        self.delete_button.setEnabled(not busy and selected and self.state.can(Permission.DELETE_EVIDENCE))
        self.verify_button.setEnabled(not busy and bool(self.model.rows))

    def selected(self) -> Evidence | None:
        indexes = self.table.selectionModel().selectedRows()
        return self.proxy.data(indexes[0], EVIDENCE_ROLE) if indexes else None

    def select_evidence(self, evidence_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, EVIDENCE_ROLE).id == evidence_id:
                self.table.selectRow(row)
                return True
        return False

    # ---- long work -------------------------------------------------------------------------------
    def _start(self, label: str, fn: Callable, *args, on_done: Callable, **kwargs) -> None:
        self.status.setText(label)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)

        def finished(callback, value):
            self._task = None
            self.progress.setVisible(False)
            self.cancel_button.setVisible(False)
            self._apply_permissions()
            callback(value)

        self._task = run_in_background(fn, *args, on_done=lambda v: finished(on_done, v),
                                       on_error=lambda e: finished(self._failed, e),
                                       on_progress=self._progress, **kwargs)
        self._apply_permissions()

    def _progress(self, done: int, total: int) -> None:
        # QProgressBar holds an int: count in KiB so several GB fit.
        self.progress.setRange(0, max(1, total // 1024))
        self.progress.setValue(done // 1024)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.status.setText(str(error))
            return
        self.status.setText("")
        show_error(self, error)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def busy(self) -> bool:
        return self._task is not None

    # ---- adding -----------------------------------------------------------------------------------
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("Add evidence"))
        if files:
            self.attach_files([Path(f) for f in files])

    def attach_files(self, paths: list[Path], *, items: tuple[str, ...] | None = None,
                     actions: tuple[int, ...] = ()) -> None:
        """Encrypt files one after the other off the UI thread, each recorded as soon as it is stored.

        Without explicit items, files back the recommendation chosen in the filter (if any).
        """
        if self._task is not None or not paths:
            return
        if items is None:
            chosen = self.item_filter.currentData()
            items = (chosen,) if chosen else ()
        queue = list(paths)
        actor = self.state.actor
        added: list[Evidence] = []

        def next_file(_=None) -> None:
            if not queue:
                self.status.setText(tr("{n} file(s) added to the evidence vault.", n=len(added)))
                self.state.notify("evidence")
                if added:
                    self.select_evidence(added[-1].id)
                return
            path = queue.pop(0)
            self._start(tr("Encrypting {name}…", name=path.name), self.vault.stage, actor, path,
                        on_done=lambda staged: record(staged))

        def record(staged) -> None:
            try:
                added.append(self.vault.record(actor, staged, items=items, actions=actions))
            except Exception as error:  # noqa: BLE001 - shown to the user; the blob was discarded
                self._failed(error)
                queue.clear()
            self.reload()
            next_file()

        next_file()

    def accept_drops_on(self, target: QAbstractItemView, links_at) -> DropOnto:
        """Attach files dropped on `target`'s rows (see DropOnto); the main window wires the views."""
        return DropOnto(self, target, links_at)

    def dragEnterEvent(self, event) -> None:
        if _local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = _local_files(event.mimeData())
        if not paths or not self.state.can(Permission.ADD_EVIDENCE):
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_files(paths)

    # ---- reading ----------------------------------------------------------------------------------
    def open_selected(self) -> None:
        """Decrypt off the UI thread (files can be several GB), then audit and open on the UI thread."""
        if self._task is not None:
            return
        selected = self.selected()
        if selected is None:
            return
        actor = self.state.actor
        try:
            # The record and the key are read here: the worker must not touch the database.
            ev = self.vault.get(selected.id)
            self.state.ws.unlock()
        except Exception as error:  # noqa: BLE001 - shown to the user
            show_error(self, error)
            return

        def decrypted(path: Path) -> None:
            try:
                self.vault.record_open(actor, ev)
            except Exception as error:  # noqa: BLE001 - no unaudited reading: the copy goes
                path.unlink(missing_ok=True)
                self.status.setText("")
                show_error(self, error)
                return
            self.state.notify("audit")
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            self.status.setText(tr("{name} opened from a private temporary folder, removed when ClinicGuard closes.",
                                   name=ev.original_name))

        self._start(tr("Decrypting {name}…", name=ev.original_name), self.vault.open_copy, actor, ev, self.temp,
                    on_done=decrypted)

    def export_selected(self) -> None:
        ev = self.selected()
        if ev is None or self._task is not None:
            return
        folder = QFileDialog.getExistingDirectory(self, tr("Export a decrypted copy to…"))
        if not folder:
            return
        actor = self.state.actor
        try:
            self.state.ws.unlock()  # read the key here, not on the worker thread
        except Exception as error:  # noqa: BLE001
            show_error(self, error)
            return

        def done(dest: Path) -> None:
            try:
                self.vault.record_export(actor, ev, dest)
            except Exception as error:  # noqa: BLE001
                show_error(self, error)
            self.state.notify("audit")
            self.status.setText(tr("Decrypted copy written to {file}.", file=dest))

        self._start(tr("Decrypting {name}…", name=ev.original_name), self.vault.decrypt_copy, actor, ev,
                    Path(folder), on_done=done)

    def verify(self) -> None:
        if self._task is not None:
            return
        try:
            self.state.ws.unlock()  # read the key here, not on the worker thread
        except Exception as error:  # noqa: BLE001
            show_error(self, error)
            return
        files = self.vault.store.all()
        self._start(tr("Verifying the evidence vault…"), self.vault.verify, files, on_done=self._verified)

    def _verified(self, report: VerifyReport) -> None:
        self.last_report = report
        self.model.set_integrity({f.evidence.id: f.state for f in report.files})
        bad = [f for f in report.files if f.state is not Integrity.INTACT]
        lines = [tr("{state}: evidence {id} — {title} ({name})", state=f.state.label, id=f.evidence.id,
                    title=f.evidence.title, name=f.evidence.original_name) for f in bad]
        if report.cancelled:
            lines.append(tr("Verification cancelled after {n} file(s).", n=len(report.files)))
        else:
            intact = len(report.with_state(Integrity.INTACT))
            lines.append(tr("{intact} of {total} file(s) intact.", intact=intact, total=len(report.files)))
        if bad:
            lines.append(tr("Restore the damaged or missing files from a backup."))
        self.status.setText("\n".join(lines))

    # ---- deleting ---------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        ev = self.selected()
        if ev is None:
            return
        reason, ok = QInputDialog.getText(
            self, tr("Delete evidence"),
            tr("Delete \"{title}\" ({name})? The file is removed from the vault; the audit trail keeps its "
               "name, SHA-256, who deleted it, when and why.\nReason:", title=ev.title, name=ev.original_name))
        if not ok:
            return
        try:
            self.vault.delete(self.state.actor, ev.id, reason)
        except Exception as error:  # noqa: BLE001
            show_error(self, error)
            return
        self.status.setText(tr("Evidence {id} deleted; the audit trail keeps its name, SHA-256 and the reason.",
                               id=ev.id))
        self.state.notify("evidence")
