"""Fichier › Sauvegardes…: the backups found at the destinations and their state, as `clinicguard
backup list` gives them (the rules are the core's: core/backup.py find_backups, check_backup).

Nothing here touches a destination on the UI thread: each folder is looked at by an operation
(ui/ops.py) of its own, so that an unplugged drive or a slow NAS share never blocks the window;
the rows found are then read back in full one at a time, newest first, in the background, the
table filling in as each answers. "Vérifier" reads the chosen one again, journalled, behind a
progress dialog with its cancel button.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core import backup
from clinicguard.i18n import tr, trn
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.ui import ops
from clinicguard.ui.backup_text import local_time, size_text
from clinicguard.ui.columns import fit_columns
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import enable, not_allowed, show_error

log = logging.getLogger(__name__)

ROW_ROLE = Qt.ItemDataRole.UserRole
RED, GREEN = "#b3261e", "#1b6e2b"


def row_key(row: dict) -> tuple[str, str]:
    return row["folder"], row["file"]


def file_key(row: dict) -> tuple:
    """The file as it is now: a backup replaced or touched since it was read is read again."""
    return row["folder"], row["file"], row["size"], row.get("mtime_ns")


class BackupsModel(RowsTableModel):
    """The found backups (core rows: file, folder, size, state, created_at, problem, last_verified)."""

    DATE, STATE, SIZE, FOLDER, FILE = range(5)
    rows: list[dict]

    def __init__(self, parent=None):
        super().__init__([tr("Date"), tr("State"), tr("Size"), tr("Folder"), tr("File")], parent)
        self.checking: tuple[str, str] | None = None  # the row being read back now

    def state_label(self, row: dict) -> str:
        if row_key(row) == self.checking:
            text = tr("being checked…")
        else:
            text = backup.state_text(row["state"])
            if row.get("earlier") and row.get("read_at"):  # read back when the dialog was open before
                text = tr("{state} (read back at {time})", state=text, time=row["read_at"])
            if row.get("problem"):
                text = tr("{state}: {problem}", state=text, problem=row["problem"])
        return tr("{state} (the last verified)", state=text) if row.get("last_verified") else text

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.DATE:
                return local_time(row["created_at"]) if row.get("created_at") else ""
            if column == self.STATE:
                return self.state_label(row)
            if column == self.SIZE:
                return size_text(row["size"])
            return row["folder"] if column == self.FOLDER else row["file"]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.STATE and row.get("problem"):
            return plain_tooltip(self.state_label(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.get("last_verified"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATE and row_key(row) != self.checking:
            color = {"damaged": RED, "verified": GREEN}.get(row["state"])
            return QBrush(QColor(color)) if color else None
        return None

    def index_of(self, key: tuple[str, str]) -> QModelIndex:
        for n, row in enumerate(self.rows):
            if row_key(row) == key:
                return self.index(n, 0)
        return QModelIndex()

    def replace(self, checked: dict) -> None:
        """One row's new state (read back, or verified on demand)."""
        index = self.index_of(row_key(checked))
        if index.isValid():
            self.rows[index.row()] = checked
            self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), self.columnCount() - 1))

    def set_checking(self, key: tuple[str, str] | None) -> None:
        before, self.checking = self.checking, key
        for k in (before, key):
            index = self.index_of(k) if k else QModelIndex()
            if index.isValid():
                self.dataChanged.emit(index, self.index(index.row(), self.columnCount() - 1))


class _MiddleElided(QStyledItemDelegate):
    """A folder too long for its column keeps its start and its end ("\\\\nas\\…\\Sauvegardes")."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class BackupsDialog(QDialog):
    """The backups at the destinations: date, state, size, folder, file; verify the chosen one,
    back up now, open its folder. Opened from Fichier › Sauvegardes…; not modal."""

    open_url = staticmethod(QDesktopServices.openUrl)  # replaced in tests: no program is launched

    def __init__(self, state: AppState, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.controller = state, controller
        self.setObjectName("backupsDialog")
        self.setWindowTitle(tr("Backups"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._generation = 0  # a reading's answer arriving after a newer listing began is dropped
        self._pending: set[str] = set()  # the folders this listing still waits for
        self._finding: dict[str, ops.Operation] = {}  # folder -> the look at it under way
        self.missing: list[str] = []
        # read back while the window is open (BackupController.known_backups), by file_key
        self._known: dict[tuple, dict] = getattr(controller, "known_backups", {})
        self._tried: set[tuple[str, str]] = set()
        self._auto = True  # read the found backups back, one after the other
        self.check_op: ops.Operation | None = None
        self.verify_op: ops.Operation | None = None

        intro = QLabel(tr("The backups found in the backup folders, newest first. Each one is read back in full with "
                          "the clinic key: only a verified backup can be restored."))
        intro.setWordWrap(True)
        self.missing_label = QLabel()
        self.missing_label.setObjectName("backupsMissing")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet(f"color: {RED};")
        self.missing_label.setVisible(False)

        self.busy_label = QLabel()
        self.busy_label.setObjectName("backupsBusy")
        self.busy_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("backupsProgress")
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.stop_button = QPushButton(tr("S&top checking"))
        self.stop_button.setObjectName("backupsStop")
        self.stop_button.clicked.connect(self.stop_checking)
        busy = QHBoxLayout()
        busy.addWidget(self.busy_label, 1)
        busy.addWidget(self.progress)
        busy.addWidget(self.stop_button)

        self.model = BackupsModel(self)
        self.table = QTableView()
        self.table.setObjectName("backupsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setAccessibleName(tr("Backups"))
        bold = QFont(self.table.font())
        bold.setBold(True)  # the last verified backup's row is bold: its date must fit too
        date_width = QFontMetrics(bold).horizontalAdvance(local_time("2026-12-31T23:59:00+00:00")) + 24
        fit_columns(self.table, stretch=BackupsModel.STATE, min_stretch=220,
                    widths={BackupsModel.DATE: date_width, BackupsModel.FOLDER: 220},
                    samples={BackupsModel.SIZE: [size_text(999 << 20)],
                             BackupsModel.FILE: ["clinicguard-0a1b2c3d-20261231T235959000000.cgbackup.age"]},
                    optional=(BackupsModel.FILE, BackupsModel.FOLDER))
        self._folder_delegate = _MiddleElided(self.table)
        self.table.setItemDelegateForColumn(BackupsModel.FOLDER, self._folder_delegate)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._chosen())
        self.model.dataChanged.connect(lambda *_: self._update_buttons())  # the chosen one's state came
        self.table.activated.connect(lambda _index: self.verify_selected())

        self.details = QLabel()
        self.details.setObjectName("backupsDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setStyleSheet("color: #555;")
        self.message = QLabel()
        self.message.setObjectName("backupsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.verify_button = QPushButton(tr("&Verify the chosen backup"))
        self.verify_button.setObjectName("backupsVerify")
        self.verify_button.clicked.connect(lambda: self.verify_selected())
        self.backup_button = QPushButton(tr("&Back up now"))
        self.backup_button.setObjectName("backupsBackUp")
        self.backup_button.clicked.connect(lambda: self.back_up_now())
        self.folder_button = QPushButton(tr("&Open the folder"))
        self.folder_button.setObjectName("backupsOpenFolder")
        self.folder_button.clicked.connect(self.open_folder)
        self.refresh_button = QPushButton(tr("&Refresh"))
        self.refresh_button.setObjectName("backupsRefresh")
        self.refresh_button.setToolTip(tr("Look at the backup folders again (a drive plugged in, a share back)."))
        self.refresh_button.clicked.connect(lambda: self.reload())
        close = QPushButton(tr("Close"))
        close.clicked.connect(self.close)
        for b in (self.verify_button, self.backup_button, self.folder_button, self.refresh_button, close,
                  self.stop_button):
            b.setAutoDefault(False)  # Enter on a row verifies it (the table's activated), nothing else
        buttons = QHBoxLayout()
        for b in (self.verify_button, self.backup_button, self.folder_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.missing_label)
        layout.addLayout(busy)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(900, 440)
        controller.finished.connect(self._backup_finished)
        state.actor_changed.connect(self._actor_changed)
        self.reload()

    @property
    def ws(self):
        return self.state.ws

    # ---- listing ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Look at the destinations again, each off the UI thread; the rows come as each answers.
        A folder still being looked at (a share that takes its time) is not asked twice: the
        answer on its way serves."""
        self._generation += 1
        self._stop_check()
        self._auto = True
        self._tried.clear()
        self.model.set_rows([])
        self.missing = []
        self._show_missing()
        folders = list(self.ws.backup_settings.current.destinations)
        last = self.ws.backup_settings.last
        self._pending = set(folders)
        for folder in folders:
            if self._busy(self._finding.get(folder)):
                continue
            self._finding[folder] = ops.Operation(self, backup.find_backups, [folder],
                                                  last_verified=last.file if last else None).elsewhere() \
                .success(lambda found, folder=folder: self._found(folder, found)) \
                .failure(lambda exc, folder=folder: self._find_failed(folder, exc)).run()
        self._update_busy()
        self._update_buttons()

    def _found(self, folder: str, found: backup.Found) -> None:
        if folder not in self._pending:  # closed, or no longer a destination
            return
        self._pending.discard(folder)
        self.missing += found.missing
        self._show_missing()
        order = list(self.ws.backup_settings.current.destinations)
        last = self.ws.backup_settings.last
        chosen = self.selected_row()
        new = [{**({**self._known[file_key(r)], "earlier": True} if file_key(r) in self._known else r),
                "last_verified": last is not None and r["file"] == last.file} for r in found.rows]
        rows = self.model.rows + new
        rows.sort(key=lambda r: (r.get("created_at") or "", -order.index(r["folder"]) if r["folder"] in order else 0),
                  reverse=True)
        self.model.set_rows(rows)
        if chosen is not None:
            self._select(row_key(chosen))
        elif rows:
            self._select(row_key(rows[0]))
        self._update_busy()
        self._update_buttons()
        self._check_next()

    def _find_failed(self, folder: str, exc: BaseException) -> None:
        if folder not in self._pending:
            return
        self._pending.discard(folder)
        log.warning("could not look for backups in %s: %s", folder, exc)
        self.missing.append(folder)
        self._show_missing()
        self._update_busy()

    def _show_missing(self) -> None:
        self.missing_label.setText("\n".join(backup.missing_destination_text(f) for f in self.missing))
        self.missing_label.setVisible(bool(self.missing))

    # ---- reading each found backup back, in the background -------------------------------------
    def _next_to_check(self) -> dict | None:
        return next((r for r in self.model.rows if r["state"] == "not-verified" and row_key(r) not in self._tried),
                    None)

    def _check_next(self) -> None:
        if not self._auto or self.ws.closed or self._busy(self.check_op) or self._busy(self.verify_op):
            self._update_busy()
            return
        row = self._next_to_check()
        if row is None:
            self._update_busy()
            return
        key, generation = row_key(row), self._generation
        self._tried.add(key)
        self.model.set_checking(key)
        keys = self.ws.keys
        self.check_op = ops.Operation(self, backup.check_backup, row, lambda: keys.identity,
                                      replay=self.ws.verify_database_copy).elsewhere() \
            .on_progress(self._check_progress) \
            .success(lambda checked: self._checked(generation, checked)) \
            .failure(lambda exc: self._check_failed(generation, key, exc)) \
            .finally_(self._check_ended)
        self.check_op.run()
        self._update_busy()

    def _remember(self, row: dict) -> None:
        """A row read back now: kept, with the time, for this dialog opened again while the window is."""
        row["read_at"] = datetime.now().strftime("%H:%M")
        row.pop("earlier", None)
        self._known[file_key(row)] = row

    def _checked(self, generation: int, checked: dict) -> None:
        if generation != self._generation:
            return
        self._remember(checked)
        self.model.replace(checked)
        self._update_buttons()

    def _check_failed(self, generation: int, key: tuple[str, str], exc: BaseException) -> None:
        if generation != self._generation:
            return
        if isinstance(exc, backup.BackupCancelled):
            self._tried.discard(key)  # stopped for a verification or by the user: read again later
            return
        self._auto = False  # no clinic key (a passphrase not given): the rows stay "not verified"
        self.message.setStyleSheet(f"color: {RED};")
        self.message.setText(tr("The backups could not be checked: {problem}", problem=exc)
                             if isinstance(exc, ClinicGuardError) else
                             tr("The backups could not be checked: {problem}", problem=type(exc).__name__))

    def _check_ended(self) -> None:
        self.model.set_checking(None)
        self.check_op = None
        self._check_next()  # the next one, in the listing now shown

    def _check_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _stop_check(self) -> None:
        if self._busy(self.check_op):
            self.check_op.cancel()

    def stop_checking(self) -> None:
        """The user's "Stop checking": what is not read yet stays "not verified"."""
        self._auto = False
        self._stop_check()
        self._update_busy()

    @staticmethod
    def _busy(op: ops.Operation | None) -> bool:
        return op is not None and op.running

    def _update_busy(self) -> None:
        waiting = [r for r in self.model.rows if r["state"] == "not-verified" and row_key(r) not in self._tried]
        checking = self._busy(self.check_op) and self.model.checking is not None
        if self._pending:
            text = tr("Looking for backups in {folders}…", folders=", ".join(sorted(self._pending)))
        elif checking:
            done = len([r for r in self.model.rows if row_key(r) in self._tried]) or 1
            text = tr("Reading backup {n} of {total} back in full…", n=done, total=done + len(waiting))
        elif not self.ws.backup_settings.current.destinations:
            text = tr("No backup folder is chosen: choose one in Settings.")
        elif not self.model.rows and not self.missing:
            text = tr("No backup in the backup folders yet: make one with “Back up now”.")
        elif waiting and not self._auto:
            text = trn("Checking stopped: {n} backup is not verified. “Refresh” checks it.",
                       "Checking stopped: {n} backups are not verified. “Refresh” checks them.", len(waiting))
        else:
            text = ""
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.progress.setVisible(checking or bool(self._pending))
        if self._pending and not checking:
            self.progress.setRange(0, 0)  # a share that takes its time: a busy bar
        self.stop_button.setVisible(checking)

    # ---- the buttons ---------------------------------------------------------------------------
    def selected_row(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _select(self, key: tuple[str, str]) -> None:
        index = self.model.index_of(key)
        if index.isValid():
            self.table.selectRow(index.row())

    def _chosen(self) -> None:
        if not self._busy(self.verify_op):
            self.message.setText("")  # a result said about another row
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        if row is None:
            self.details.setText("")
        else:  # the chosen one in full: where it is, and what is wrong with it
            lines = [str(Path(row["folder"]) / row["file"])]
            if row.get("problem") and row_key(row) != self.model.checking:
                lines.append(row["problem"])
            self.details.setText("\n".join(lines))
        self.details.setVisible(row is not None)
        enable(self.verify_button, tr("Choose a backup in the list.") if row is None else
               tr("A verification is running.") if self._busy(self.verify_op) else "")
        enable(self.backup_button, "" if self.state.can(Permission.EXPORT) else not_allowed())
        enable(self.folder_button, "" if row is not None or self.ws.backup_settings.current.destination
               else tr("No backup folder is chosen: choose one in Settings."))

    def verify_selected(self) -> ops.Operation | None:
        """Read the chosen backup back in full, journalled, with progress and cancel."""
        row = self.selected_row()
        if row is None or self._busy(self.verify_op):
            return None
        self._stop_check()  # one reading at a time on the drive; the others resume afterwards
        key = row_key(row)
        path = Path(row["folder"]) / row["file"]
        self.message.setText("")
        op = ops.Operation(self, backup.verify_recorded, self.ws, self.state.actor, path).elsewhere()
        op.with_progress(tr("Verifying the backup…"), cancellable=True)
        op.success(lambda checked: self._verified(key, checked)).failure(lambda exc: self._verify_failed(key, exc))
        op.finally_(self._verify_ended)
        self.verify_op = op.run()
        self._update_buttons()
        return self.verify_op

    def _row(self, key: tuple[str, str]) -> dict | None:
        index = self.model.index_of(key)
        return self.model.rows[index.row()] if index.isValid() else None

    def _verified(self, key: tuple[str, str], checked: backup.Checked) -> None:
        row = self._row(key)
        if row is not None:
            done = {**row, "state": "verified", "created_at": checked.manifest["created_at"],
                    "clinic": checked.manifest["clinic_name"]}
            done.pop("problem", None)
            self._remember(done)
            self.model.replace(done)
            self._mark_last()
        self.message.setStyleSheet(f"color: {GREEN};")
        self.message.setText(backup.checked_text(checked.path.name, checked.manifest))

    def _verify_failed(self, key: tuple[str, str], exc: BaseException) -> None:
        if isinstance(exc, backup.BackupCancelled):
            self.message.setStyleSheet("")
            self.message.setText(str(exc))
            return
        if not isinstance(exc, ClinicGuardError):
            show_error(self, exc)
            return
        row = self._row(key)
        self.message.setStyleSheet(f"color: {RED};")
        if row is not None and isinstance(exc, backup.BackupError):
            damaged = {**row, "state": "damaged", "problem": str(exc)}
            self._remember(damaged)
            self.model.replace(damaged)
            if self.selected_row() is not None and row_key(self.selected_row()) == key:  # the problem is
                self.message.setText(tr("Read back just now: {state}.", state=backup.state_text("damaged")))
                return  # written just above, under the list
        self.message.setText(str(exc))

    def _verify_ended(self) -> None:
        self.verify_op = None
        self._update_buttons()
        self._check_next()

    def _mark_last(self) -> None:
        """The last verified backup, as the clinic now knows it."""
        last = self.ws.backup_settings.last
        for row in self.model.rows:
            on = last is not None and row["file"] == last.file
            if bool(row.get("last_verified")) != on:
                self.model.replace({**row, "last_verified": on})

    def back_up_now(self) -> ops.Operation | None:
        """Fichier › Sauvegarder, from here: the list is read again when it ends."""
        op = self.controller.backup_now()
        if op is not None:
            self._stop_check()
            self._auto = False
            self._update_busy()
        return op

    def _backup_finished(self, _result) -> None:
        """A backup made (here, from the menu or on the schedule) adds a file and its rotation may
        remove some; a cancelled one changes nothing: the folders are looked at again either way
        (what was read back already is not read again while the dialog is open)."""
        if self.isVisible():
            self.reload()

    def _actor_changed(self, actor) -> None:
        if actor is None:  # locked, or another person is choosing their profile: the list goes
            self.close()
        else:
            self._update_buttons()

    def open_folder(self) -> None:
        row = self.selected_row()
        folder = row["folder"] if row is not None else self.ws.backup_settings.current.destination
        if not folder:
            return
        if folder in self.missing:
            self.message.setStyleSheet(f"color: {RED};")
            self.message.setText(backup.missing_destination_text(folder))
            return
        if not self.open_url(QUrl.fromLocalFile(folder)):
            self.message.setStyleSheet(f"color: {RED};")
            self.message.setText(tr("The folder could not be opened: {folder}", folder=folder))

    def _stop_all(self) -> None:
        """Closed (its button, Escape, the window closing or locking): nothing more is read."""
        self._generation += 1  # what is still on its way is dropped
        self._pending.clear()
        self._auto = False
        self._stop_check()
        if self._busy(self.verify_op):
            self.verify_op.cancel()

    def closeEvent(self, event) -> None:
        self._stop_all()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Escape: QDialog.reject does not go through closeEvent
        self._stop_all()
        super().done(result)
