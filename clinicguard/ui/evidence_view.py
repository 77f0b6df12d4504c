"""The evidence page (coffre des preuves): attach files by button or drag and drop with their title,
dates and links, edit them, open, export, verify the vault with progress and cancel, delete with a
reason. Long work runs off the UI thread."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    QUrl,
)
from PySide6.QtGui import QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.changes import Changes
from clinicguard.model.evidence import Evidence, ExpiryState, Integrity, VerifyReport
from clinicguard.core.formatting import format_date
from clinicguard.model.people import Permission
from clinicguard.core.vault import OperationCancelled, PrivateTemp
from clinicguard.model.evidence import StartupReport
from clinicguard.i18n import language, pick, tr, trn
from clinicguard.ui.checklist_model import ROW_ROLE as CHECKLIST_ROW_ROLE
from clinicguard.ui.date_field import DateField
from clinicguard.ui.plan_view import ROW_ROLE as PLAN_ROW_ROLE
from clinicguard.ui.ops import Operation
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import enable, not_allowed, show_error, why_not

EVIDENCE_ROLE = Qt.ItemDataRole.UserRole + 1


_date = format_date


def _size(n: int) -> str:
    for unit, scale in ((tr("GB"), 1 << 30), (tr("MB"), 1 << 20), (tr("KB"), 1 << 10)):
        if n >= scale:
            number = f"{n / scale:.1f}"
            return f"{number.replace('.', ',') if language() == 'fr' else number}\u00a0{unit}"
    return tr("{n} bytes", n=n)


class EvidenceModel(RowsTableModel):
    COLUMNS = ("title", "original_name", "links", "size", "added", "valid_from", "expires_on", "state")
    rows: list[Evidence]

    def __init__(self):
        super().__init__([tr("Title"), tr("File"), tr("Backs"), tr("Size"), tr("Added"), tr("Valid from"),
                          tr("Expires"), tr("State")])
        self.integrity: dict[int, Integrity] = {}

    def load(self, rows: list[Evidence]) -> None:
        self.set_rows(rows)

    def set_integrity(self, integrity: dict[int, Integrity]) -> None:
        self.integrity = integrity
        if self.rows:
            column = self.COLUMNS.index("state")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        ev = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == EVIDENCE_ROLE:
            return ev
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(ev.description)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return {"size": ev.size, "added": f"{ev.added_at}|{ev.id:012d}", "valid_from": ev.valid_from,
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
    `evidence` is the evidence page, or a function giving it (the main window builds its pages
    when first needed).
    """

    def __init__(self, evidence: "EvidenceView | Callable[[], EvidenceView]", target: QAbstractItemView,
                 links_at: Callable[[QModelIndex], tuple[tuple[str, ...], tuple[int, ...]] | None]):
        super().__init__(target)
        self._target, self._links_at = target, links_at
        self._page = evidence if callable(evidence) else (lambda: evidence)
        target.setAcceptDrops(True)
        target.viewport().setAcceptDrops(True)
        target.viewport().installEventFilter(self)

    @property
    def _evidence(self) -> EvidenceView:
        return self._page()

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
    row = index.data(CHECKLIST_ROW_ROLE) if index.isValid() else None
    return ((row.item.id,), ()) if row is not None else None


def plan_links(index: QModelIndex):
    """The action under a drop on the action-plan table."""
    row = index.data(PLAN_ROW_ROLE) if index.isValid() else None
    return ((), (row.action.id,)) if row is not None else None


def _years_after(iso: str, years: int) -> str:
    d = date.fromisoformat(iso)
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February in a year without one
        return d.replace(year=d.year + years, day=28).isoformat()


LINK_ROLE = Qt.ItemDataRole.UserRole + 2  # ("item", id) or ("action", id)


class EvidenceDialog(QDialog):
    """What new files prove and until when (one dialog for several files), or the same for a stored file.

    With several files, each file's title is its name; the description, dates and links apply to all.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None, *, paths: Iterable[Path] = (),
                 evidence: Evidence | None = None, items: Iterable[str] = (), actions: Iterable[int] = ()):
        super().__init__(parent)
        self.state = state
        self.paths = list(paths)
        self.evidence = evidence
        several = len(self.paths) > 1
        if evidence is not None:
            self.setWindowTitle(tr("Edit the evidence"))
            files = tr("{name} ({size}), added on {date} by {person}", name=evidence.original_name,
                       size=_size(evidence.size), date=_date(evidence.added_at), person=evidence.added_by_name)
            items, actions = evidence.items, evidence.actions
        else:
            self.setWindowTitle(tr("Attach evidence"))
            files = ", ".join(p.name for p in self.paths[:5])
            if len(self.paths) > 5:  # a whole folder dropped must not push the buttons off the screen
                files += trn(" and {n} other file", " and {n} other files", len(self.paths) - 5)
        self.files_label = QLabel(files)
        self.files_label.setTextFormat(Qt.TextFormat.PlainText)  # file names as they are
        self.files_label.setWordWrap(True)

        self.title = QLineEdit()
        if evidence is not None:
            self.title.setText(evidence.title)
        elif len(self.paths) == 1:
            self.title.setText(self.paths[0].stem or self.paths[0].name)
        self.description = QPlainTextEdit(evidence.description if evidence else "")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 3 + 12)

        self.valid_from = DateField(evidence.valid_from if evidence else date.today().isoformat())
        # Empty means the evidence does not expire (a signed charter); a certificate gets a date.
        self.expires_on = DateField(evidence.expires_on if evidence else None)
        self.expires_on.edit.setPlaceholderText(tr("no expiry"))
        self.plus_one = QToolButton(text=tr("+1 year"))
        self.plus_three = QToolButton(text=tr("+3 years"))
        self.plus_one.setToolTip(tr("Expires one year after the date it is valid from"))
        self.plus_three.setToolTip(tr("Expires three years after the date it is valid from"))
        self.plus_one.clicked.connect(lambda: self._expire_after(1))
        self.plus_three.clicked.connect(lambda: self._expire_after(3))
        expiry = QHBoxLayout()
        expiry.setContentsMargins(0, 0, 0, 0)
        expiry.addWidget(self.expires_on)
        expiry.addWidget(self.plus_one)
        expiry.addWidget(self.plus_three)
        expiry.addStretch(1)

        self.links = QStandardItemModel(self)
        self._fill_links(tuple(items), tuple(actions))
        self.links_filter = QSortFilterProxyModel(self)
        self.links_filter.setSourceModel(self.links)
        self.links_filter.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.links_search = QLineEdit(placeholderText=tr("Find a recommendation or an action…"))
        self.links_search.setClearButtonEnabled(True)
        self.links_search.textChanged.connect(self.links_filter.setFilterFixedString)
        self.links_view = QListView()
        self.links_view.setModel(self.links_filter)
        self.links_view.setUniformItemSizes(True)
        self.links_view.setMinimumHeight(140)

        self.error = QLabel()
        self.error.setObjectName("evidenceDialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a00000;")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Save") if evidence else tr("Attach"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(tr("Files") if several else tr("File"), self.files_label)
        if several:
            note = QLabel(tr("Each file's title is its name; you can change it later with \"Edit…\"."))
            note.setWordWrap(True)
            form.addRow(tr("Title"), note)
        else:
            form.addRow(tr("Title"), self.title)
        form.addRow(tr("Description"), self.description)
        form.addRow(tr("Valid from"), self.valid_from)
        form.addRow(tr("Expires on"), expiry)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("Backs these recommendations and actions:")))
        layout.addWidget(self.links_search)
        layout.addWidget(self.links_view, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(620, 560)

    def _fill_links(self, items: tuple[str, ...], actions: tuple[int, ...]) -> None:
        """Checked links first, so what the drop or the filter chose is in sight."""
        rows = []
        known = set()
        for row in self.state.ws.checklist.rows():
            known.add(row.item.id)
            if row.applies or row.item.id in items:
                rows.append((row.item.id in items, ("item", row.item.id), f"{row.item.id} — {pick(row.item.title)}"))
        rows += [(True, ("item", i), i) for i in items if i not in known]  # a retired recommendation
        plan = self.state.ws.plan.actions()
        rows += [(a.id in actions, ("action", a.id), tr("Action {id} — {title}", id=a.id, title=a.title)) for a in plan]
        rows.sort(key=lambda r: not r[0])  # stable: catalogue order, then actions, within each group
        for checked, link, text in rows:
            entry = QStandardItem(text)
            entry.setEditable(False)
            entry.setCheckable(True)
            entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            entry.setData(link, LINK_ROLE)
            self.links.appendRow(entry)

    def _expire_after(self, years: int) -> None:
        if not self.valid_from.is_valid():  # counting from today would give a wrong expiry silently
            self.error.setText(tr("Not a date: type it as DD/MM/YYYY, e.g. 31/12/2026."))
            self.valid_from.setFocus()
            return
        self.expires_on.set_value(_years_after(self.valid_from.value() or date.today().isoformat(), years))

    def set_link(self, kind: str, link_id, checked: bool = True) -> None:
        for row in range(self.links.rowCount()):
            entry = self.links.item(row)
            if entry.data(LINK_ROLE) == (kind, link_id):
                entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError((kind, link_id))

    def values(self) -> dict:
        """title (None with several files: each takes its name), description, dates (ISO), items, actions."""
        links = [self.links.item(r).data(LINK_ROLE) for r in range(self.links.rowCount())
                 if self.links.item(r).checkState() == Qt.CheckState.Checked]
        return {
            "title": None if len(self.paths) > 1 else self.title.text().strip(),
            "description": self.description.toPlainText().strip(),
            "valid_from": self.valid_from.value(),
            "expires_on": self.expires_on.value(),
            "items": tuple(i for kind, i in links if kind == "item"),
            "actions": tuple(a for kind, a in links if kind == "action"),
        }

    def accept(self) -> None:
        values = self.values()
        problem = None
        if values["title"] == "":
            problem = tr("Give the evidence a title.")
        elif not self.valid_from.is_valid() or not self.expires_on.is_valid():
            problem = tr("Not a date: type it as DD/MM/YYYY, e.g. 31/12/2026.")
        elif not values["valid_from"]:
            problem = tr("Enter the date the evidence is valid from.")
        elif values["expires_on"] and values["expires_on"] < values["valid_from"]:
            problem = tr("The expiry date must come after the date the evidence is valid from.")
        if problem:
            self.error.setText(problem)
            self.error.setVisible(True)
            return
        super().accept()


class EvidenceView(QWidget):
    @staticmethod
    def open_url(url: QUrl) -> bool:
        """Open with the PC's program for the file: False when there is none."""
        return QDesktopServices.openUrl(url)

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
        self.attention.setTextFormat(Qt.TextFormat.PlainText)
        self.attention.setObjectName("vaultAttention")
        self.attention.setWordWrap(True)
        self.attention.setStyleSheet("background: #fde7e9; padding: 6px; border: 1px solid #d08080;")
        self.attention.setVisible(False)

        self.item_filter = QComboBox()
        self.item_filter.setAccessibleName(tr("Recommendation"))
        # Sized to its longest recommendation title, the list would force the page wider than a 1024 px screen.
        self.item_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.item_filter.setMinimumContentsLength(24)
        self.search = QLineEdit(placeholderText=tr("Search the evidence…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.add_button = QPushButton(tr("Add files…"))
        self.edit_button = QPushButton(tr("Edit…"))
        self.open_button = QPushButton(tr("Open"))
        self.export_button = QPushButton(tr("Export…"))
        self.verify_button = QPushButton(tr("Verify the vault"))
        self.delete_button = QPushButton(tr("Delete…"))
        filters = QHBoxLayout()
        filters.addWidget(self.item_filter, 3)
        filters.addWidget(self.search, 2)
        tools = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.open_button, self.export_button, self.verify_button,
                       self.delete_button):
            tools.addWidget(button)
        tools.addStretch(1)

        self.model = EvidenceModel()
        self.proxy = EvidenceFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        # newest first: the file just attached is at the top (Qt would start on the title, Z to A)
        self.table.sortByColumn(EvidenceModel.COLUMNS.index("added"), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setAcceptDrops(True)
        self.table.viewport().setAcceptDrops(True)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.attach_dialog: EvidenceDialog | None = None
        self.edit_dialog: EvidenceDialog | None = None

        self.empty = QLabel(tr("No evidence yet. Drag files here (a signed charter, a training certificate, "
                               "your host's HDS certificate) or click \"Add files…\"."))
        self.empty.setWordWrap(True)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
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
        layout.addLayout(filters)
        layout.addLayout(tools)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(busy)
        layout.addWidget(self.status)

        self.add_button.clicked.connect(lambda: self.choose_files())
        self.edit_button.clicked.connect(self.edit_selected)
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
        self.show_startup_report(self.vault.startup_report)

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
        for row in self.state.ws.checklist.rows():
            if row.applies:
                self.item_filter.addItem(f"{row.item.id} — {pick(row.item.title)}", row.item.id)

    def _apply_filter(self) -> None:
        self.proxy.set_filters(self.item_filter.currentData(), self.search.text())

    def show_for_item(self, item_id: str) -> int:
        """Show only the evidence of one recommendation (the search is cleared); returns how many there are."""
        index = self.item_filter.findData(item_id)
        if index < 0:  # not applicable to this clinic, yet evidence may point at it
            self.item_filter.addItem(item_id, item_id)
            index = self.item_filter.count() - 1
        self.search.clear()
        self.item_filter.setCurrentIndex(index)
        self._apply_filter()
        return self.proxy.rowCount()

    def _on_changed(self, changes: Changes) -> None:
        if changes.evidence or changes.plan:  # an evidence row names its actions
            self.reload()

    def show_startup_report(self, report: StartupReport) -> None:
        """Say what the vault's start-up check repaired or found missing (the window runs the check)."""
        messages = report.messages()
        self.attention.setText("\n".join(messages))
        self.attention.setVisible(bool(messages))

    def _apply_permissions(self) -> None:
        idle = (self._task is None, tr("Wait until the current work is finished."))
        chosen = (self.selected() is not None, tr("Select a file in the list first."))

        def allowed(permission: Permission) -> tuple[bool, str]:
            return self.state.can(permission), not_allowed()

        enable(self.add_button, why_not(idle, allowed(Permission.ADD_EVIDENCE)))
        enable(self.edit_button, why_not(idle, allowed(Permission.ADD_EVIDENCE), chosen))
        enable(self.open_button, why_not(idle, allowed(Permission.READ), chosen))
        enable(self.export_button, why_not(idle, allowed(Permission.EXPORT), chosen))
        enable(self.delete_button, why_not(idle, allowed(Permission.DELETE_EVIDENCE), chosen))
        enable(self.verify_button, why_not(idle, (bool(self.model.rows), tr("The vault holds no file yet."))))

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

        def finished() -> None:  # before the callback, which may start the next piece of work
            self._task = None
            self.progress.setVisible(False)
            self.cancel_button.setVisible(False)
            self._apply_permissions()

        def succeeded(value) -> None:
            finished()
            on_done(value)

        def failed(error: BaseException) -> None:
            finished()
            self._failed(error)

        self._task = Operation(self, fn, *args, success=succeeded, **kwargs).failure(failed) \
            .on_progress(self._progress).run()
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
    def choose_files(self, items: tuple[str, ...] | None = None) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("Add evidence"))
        if files:
            self.attach_files([Path(f) for f in files], items=items)

    def attach_for_item(self, item_id: str) -> None:
        """"Attach evidence…" for one recommendation: choose files, then describe them, linked to it."""
        self.choose_files(items=(item_id,))

    def attach_files(self, paths: list[Path], *, items: tuple[str, ...] | None = None,
                     actions: tuple[int, ...] = ()) -> None:
        """Ask for the title, description, dates and links, then encrypt the files.

        The links are prefilled with the given items and actions, or else with the recommendation
        chosen in the filter. The dialog is window-modal but does not block: `attach_dialog` holds it.
        """
        if not paths:
            return
        if self._task is not None:
            self.status.setText(tr("Wait until the current work is finished, then add the files again."))
            return
        if items is None:
            chosen = self.item_filter.currentData()
            items = (chosen,) if chosen else ()
        dialog = EvidenceDialog(self.state, self.window(), paths=paths, items=items, actions=actions)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._encrypt(paths, dialog.values()))
        dialog.finished.connect(lambda _: setattr(self, "attach_dialog", None))
        self.attach_dialog = dialog
        dialog.open()

    def _encrypt(self, paths: list[Path], values: dict) -> None:
        """Encrypt files one after the other off the UI thread, each recorded as soon as it is stored."""
        if self._task is not None:
            return
        items, actions = values["items"], values["actions"]
        details = {k: values[k] for k in ("title", "description", "valid_from", "expires_on")}
        queue = list(paths)
        actor = self.state.actor
        added: list[Evidence] = []

        def next_file(_=None) -> None:
            if not queue:
                self.status.setText(trn("{n} file added to the evidence vault.", "{n} files added to the evidence vault.", len(added)))
                if added:
                    self.select_evidence(added[-1].id)
                return
            path = queue.pop(0)
            self._start(tr("Encrypting {name}…", name=path.name), self.vault.stage, actor, path,
                        on_done=lambda staged: record(staged))

        def record(staged) -> None:
            try:
                added.append(self.vault.record(actor, staged, items=items, actions=actions, **details))
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

    # ---- editing ----------------------------------------------------------------------------------
    def edit_selected(self) -> None:
        ev = self.selected()
        if ev is None or self._task is not None:
            return
        dialog = EvidenceDialog(self.state, self.window(), evidence=ev)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save_edit(ev, dialog.values()))
        dialog.finished.connect(lambda _: setattr(self, "edit_dialog", None))
        self.edit_dialog = dialog
        dialog.open()

    def _save_edit(self, ev: Evidence, values: dict) -> None:
        actor = self.state.actor
        new_items = [i for i in values["items"] if i not in ev.items]
        new_actions = [a for a in values["actions"] if a not in ev.actions]
        gone_items = [i for i in ev.items if i not in values["items"]]
        gone_actions = [a for a in ev.actions if a not in values["actions"]]
        try:
            with self.state.ws.uow.transaction():  # all the changes, or none of them
                self.vault.update(actor, ev.id, title=values["title"], description=values["description"],
                                  valid_from=values["valid_from"], expires_on=values["expires_on"])
                if new_items or new_actions:
                    self.vault.link(actor, ev.id, items=new_items, actions=new_actions)
                if gone_items or gone_actions:
                    self.vault.unlink(actor, ev.id, items=gone_items, actions=gone_actions)
        except Exception as error:  # noqa: BLE001 - shown to the user; nothing was changed
            show_error(self, error)
            return
        self.select_evidence(ev.id)
        self.status.setText(tr("Evidence {id} updated.", id=ev.id))

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
            self.state.ws.keys.unlock()
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
            if not self.open_url(QUrl.fromLocalFile(str(path))):
                self.status.setText(tr("No program on this PC could open {name}: install one that reads this kind "
                                       "of file, or export the file and open it elsewhere.", name=ev.original_name))
                return
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
            self.state.ws.keys.unlock()  # read the key here, not on the worker thread
            # Journaled as started, with its destination, before any byte leaves the vault.
            target = self.vault.destination(ev, Path(folder))
            self.vault.record_export_started(actor, ev, target)
        except Exception as error:  # noqa: BLE001
            show_error(self, error)
            return

        def done(dest: Path) -> None:
            try:
                self.vault.record_export(actor, ev, dest)
            except Exception as error:  # noqa: BLE001
                show_error(self, error)
            self.status.setText(tr("Decrypted copy written to {file}.", file=dest))

        self._start(tr("Decrypting {name}…", name=ev.original_name),
                    functools.partial(self.vault.decrypt_copy, decided=True), actor, ev, target, on_done=done)

    def verify(self) -> None:
        if self._task is not None:
            return
        try:
            self.state.ws.keys.unlock()  # read the key here, not on the worker thread
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
            lines.append(trn("Verification cancelled after {n} file.", "Verification cancelled after {n} files.", len(report.files)))
        else:
            intact = len(report.with_state(Integrity.INTACT))
            lines.append(trn("{intact} of {n} file intact.", "{intact} of {n} files intact.", len(report.files), intact=intact))
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
