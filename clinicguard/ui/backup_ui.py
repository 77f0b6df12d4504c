"""Backups in the window: Fichier › Sauvegarder and › Vérifier une sauvegarde, the automatic backups
(on a schedule while the window is open, and at closing), the settings box and the dashboard card.

Every backup runs through ui/ops.py with progress and a cancel button; the rules (is a backup
due, what to warn about) are the core's (core/settings.py), the work is core/backup.py's.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from clinicguard.core import backup
from clinicguard.core.changes import Changes
from clinicguard.core.settings import last_backup_path
from clinicguard.i18n import tr, trn
from clinicguard.model.backup import BackupStatus, BackupWarning
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.ui import ops
from clinicguard.ui.backup_text import local_time, size_text
from clinicguard.ui.backups_dialog import BackupsDialog
from clinicguard.ui.state import AppState
from clinicguard.ui.widgets import show_error

log = logging.getLogger(__name__)

SCHEDULE_CHECK_MS = 60_000  # the window looks once a minute whether an automatic backup is due


def _now() -> datetime:
    return datetime.now(UTC)


class BackupController(QObject):
    """The window's backup actions and automatic backups. The window owns one; it never blocks."""

    finished = Signal(object)  # a backup.Checked, or the error (for the dashboard and the tests)

    def __init__(self, window: QMainWindow, state: AppState):
        super().__init__(window)
        self.window, self.state = window, state
        self.current: ops.Operation | None = None
        self._last_attempt: datetime | None = None
        self._closing_done = False
        # what the Backups dialog read back while the window is open, by file (folder, name, size,
        # time of change): opened again, it does not read a USB drive's 30 backups once more
        self.known_backups: dict[tuple, dict] = {}
        self.backup_action = QAction(tr("&Back up now…"), window)
        self.backup_action.setObjectName("backupNow")
        self.backup_action.triggered.connect(lambda: self.backup_now())
        self.verify_action = QAction(tr("&Verify a backup…"), window)
        self.verify_action.setObjectName("verifyBackup")
        self.verify_action.triggered.connect(lambda: self.verify_file())
        self.list_action = QAction(tr("Bac&kups…"), window)
        self.list_action.setObjectName("listBackups")
        self.list_action.triggered.connect(lambda: self.show_backups())
        self.backups_dialog: BackupsDialog | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(SCHEDULE_CHECK_MS)
        self.timer.timeout.connect(self.backup_if_due)
        self.timer.start()
        QTimer.singleShot(0, self._clean_leftovers)

    @property
    def ws(self):
        return self.state.ws

    def _clean_leftovers(self) -> None:
        """What a killed backup or restore left (`.part` files, hidden folders) goes at start."""
        if self.ws.closed:
            return
        # off the UI thread: a destination on a share may be slow to answer
        ops.Operation(self.window, backup.remove_leftovers, self.ws.data_dir,
                      self.ws.backup_settings.current.destinations).elsewhere() \
            .failure(lambda exc: log.warning("could not remove the leftovers of a backup: %s", exc)).run()

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    # ---- on demand -------------------------------------------------------------------------
    def _ask_destination(self) -> bool:
        """No destination yet: ask for one now and keep it in the settings."""
        folder = QFileDialog.getExistingDirectory(self.window, tr("Choose the backup folder (USB drive, NAS share, "
                                                                  "synced folder)"))
        if not folder:
            return False
        try:
            self.ws.backup_settings.update(self.state.actor, destination=folder)
        except ClinicGuardError as exc:
            show_error(self.window, exc)
            return False
        return True

    def backup_now(self) -> ops.Operation | None:
        """Fichier › Sauvegarder: a verified backup to the chosen destinations, with progress and cancel."""
        if self.current is not None and self.current.running:
            self._status(tr("A backup is already running."))
            return None
        if not self.state.can(Permission.EXPORT):
            show_error(self.window, ClinicGuardError(tr("Your profile may not make backups.")))
            return None
        if not self.ws.backup_settings.current.destination and not self._ask_destination():
            return None
        return self._run("manual", with_dialog=True)

    def _run(self, reason: str, *, with_dialog: bool, then=None) -> ops.Operation:
        self._last_attempt = _now()
        # a scheduled backup is ClinicGuard's own (it runs while the session is locked, too)
        actor = None if reason == "schedule" else self.state.actor
        op = ops.Operation(self.window, backup.create_configured, self.ws, actor, reason=reason).elsewhere()
        if with_dialog:
            op.with_progress(tr("Backing up the clinic…"), cancellable=True)
        op.success(lambda made: self._made(made, reason, then)).failure(lambda exc: self._failed(exc, reason, then))
        self.current = op.run()
        return op

    def _made(self, made: backup.Checked, reason: str, then) -> None:
        text = tr("Backup written and verified: {file} ({size}).", file=made.path, size=size_text(made.size))
        self._status(text)
        if made.problems:
            show_error(self.window, ClinicGuardError(tr("The backup was made, but not its copy: {problem}",
                                                        problem=made.problems[0])))
        elif reason == "manual":
            QMessageBox.information(self.window, "ClinicGuard", text)
        self.finished.emit(made)
        if then is not None:
            then()

    def _failed(self, exc: BaseException, reason: str, then) -> None:
        if isinstance(exc, backup.BackupCancelled):
            self._status(str(exc))
        else:
            if reason != "manual" and isinstance(exc, ClinicGuardError):
                try:  # the dashboard says so until a backup succeeds
                    self.ws.backup_settings.remember_problem(str(exc))
                except ClinicGuardError:
                    log.exception("could not keep the backup problem")
            if reason == "schedule":
                self._status(tr("The automatic backup failed: {problem}", problem=exc))
            elif reason == "closing" and then is not None:
                self.finished.emit(exc)
                self._after_failed_closing(exc, then)
                return
            else:
                show_error(self.window, exc)
        self.finished.emit(exc)
        if then is not None:
            then()

    def closing_failure_choice(self, problem: str) -> str:
        """Ask what to do when the backup at closing failed: "retry" (the drive plugged back in),
        "close" without the backup, or "stay" (the window stays open)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "ClinicGuard",
                          tr("The backup at closing failed: {problem}", problem=problem), parent=self.window)
        retry = box.addButton(tr("&Retry"), QMessageBox.ButtonRole.AcceptRole)
        close = box.addButton(tr("&Close without a backup"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("&Keep ClinicGuard open"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry)
        box.exec()
        return "retry" if box.clickedButton() is retry else "close" if box.clickedButton() is close else "stay"

    def _after_failed_closing(self, exc: BaseException, close_again) -> None:
        choice = self.closing_failure_choice(str(exc))
        if choice == "retry" and not self.ws.closed:
            self._run("closing", with_dialog=True, then=close_again)
        elif choice == "close":
            close_again()
        else:  # the window stays: the next closing tries again, the schedule goes on
            self._closing_done = False
            self.timer.start()

    def verify_file(self, path: str | None = None) -> ops.Operation | None:
        """Fichier › Vérifier une sauvegarde: read a backup back in full, with progress and cancel."""
        if path is None:
            start = self.ws.backup_settings.current.destination or str(Path.home())
            path, _ = QFileDialog.getOpenFileName(self.window, tr("Choose the backup to verify"), start,
                                                  tr("ClinicGuard backups (*.cgbackup.age)"))
            if not path:
                return None
        op = ops.Operation(self.window, backup.verify_recorded, self.ws, self.state.actor, Path(path)).elsewhere()
        op.with_progress(tr("Verifying the backup…"), cancellable=True)
        op.success(self._verified).failure(self._verify_failed)
        self.current = op.run()
        return op

    def _verified(self, checked: backup.Checked) -> None:
        QMessageBox.information(self.window, "ClinicGuard", backup.checked_text(checked.path.name, checked.manifest))
        self.finished.emit(checked)

    def _verify_failed(self, exc: BaseException) -> None:
        if isinstance(exc, backup.BackupCancelled):
            self._status(str(exc))
        else:
            show_error(self.window, exc)
        self.finished.emit(exc)

    def show_backups(self) -> BackupsDialog:
        """Fichier › Sauvegardes…: the backups at the destinations and their state."""
        if self.backups_dialog is not None and shiboken6.isValid(self.backups_dialog) and self.backups_dialog.isVisible():
            self.backups_dialog.reload()
        else:
            self.backups_dialog = BackupsDialog(self.state, self, self.window)
        self.backups_dialog.show()
        self.backups_dialog.raise_()
        self.backups_dialog.activateWindow()
        return self.backups_dialog

    # ---- automatic --------------------------------------------------------------------------
    def backup_if_due(self) -> ops.Operation | None:
        """The timer's look: a quiet backup in the background when the core says one is due."""
        if self.ws.closed or ops.running():
            return None
        if not self.ws.backup_settings.due(_now(), last_attempt=self._last_attempt):
            return None
        return self._run("schedule", with_dialog=False)

    def intercept_close(self, close_again) -> bool:
        """At closing: True when a backup was started instead (the window closes when it ends,
        `close_again()`); False when the window may close now. Closing never fails because of it."""
        try:
            if self.backups_dialog is not None and shiboken6.isValid(self.backups_dialog):
                self.backups_dialog.close()  # its reading of the backups stops: closing does not wait for it
            return self._start_closing_backup(close_again)
        except Exception:  # the window must close whatever happens here
            log.exception("the backup at closing could not start")
            return False

    def _start_closing_backup(self, close_again) -> bool:
        if self.ws.closed or self._closing_done or (self.state.actor is not None
                                                    and not self.state.can(Permission.EXPORT)):
            return False
        if not self.ws.backup_settings.due_at_closing():
            return False
        if self.current is not None and self.current.running:
            return False
        self._closing_done = True
        self.timer.stop()
        self._run("closing", with_dialog=True, then=close_again)
        return True


class BackupSettingsBox(QGroupBox):
    """The settings page's backup section: destinations, schedule, closing, rotation, warning age."""

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Backups"), parent)
        self.state = state
        self._loading = False
        self.destination_edit = QLineEdit(readOnly=True)
        self.destination_edit.setObjectName("backupDestination")
        self.second_edit = QLineEdit(readOnly=True)
        self.second_edit.setObjectName("backupSecondDestination")
        self.choose_button = QPushButton(tr("Choose…"))
        self.choose_second_button = QPushButton(tr("Choose…"))
        self.clear_second_button = QPushButton(tr("Remove"))
        self.schedule_edit = QComboBox()
        self.schedule_edit.setObjectName("backupSchedule")
        for hours, text in ((0, tr("Off")), (4, tr("Every 4 hours")), (12, tr("Every 12 hours")),
                            (24, tr("Every day")), (168, tr("Every week"))):
            self.schedule_edit.addItem(text, hours)
        self.closing_edit = QCheckBox(tr("Also when ClinicGuard closes, if something changed"))
        self.daily_edit, self.weekly_edit, self.monthly_edit = QSpinBox(), QSpinBox(), QSpinBox()
        self.warn_edit = QSpinBox()
        for spin, (low, high) in ((self.daily_edit, (1, 366)), (self.weekly_edit, (0, 520)),
                                  (self.monthly_edit, (0, 240)), (self.warn_edit, (1, 366))):
            spin.setRange(low, high)
        self.message = QLabel()
        self.message.setWordWrap(True)
        hint = QLabel(tr("Each backup is one encrypted file, read back in full before it counts. Keep it away from "
                         "this PC (USB drive unplugged after use, NAS, synced folder): with it and the recovery key, "
                         "a new PC gets everything back."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")

        def row(edit, *buttons):
            line = QHBoxLayout()
            line.addWidget(edit, 1)
            for b in buttons:
                line.addWidget(b)
            return line

        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("", hint)
        def label_for(text, edit):  # a row holding a layout gets no buddy from the form: give it one,
            label = QLabel(text)    # so that the mnemonic works and its "&" is not shown
            label.setBuddy(edit)
            return label

        form.addRow(label_for(tr("&Destination folder"), self.destination_edit),
                    row(self.destination_edit, self.choose_button))
        form.addRow(label_for(tr("&Second destination (optional)"), self.second_edit),
                    row(self.second_edit, self.choose_second_button, self.clear_second_button))
        form.addRow(tr("&Automatic backup"), self.schedule_edit)
        form.addRow("", self.closing_edit)
        form.addRow(tr("Daily backups kept"), self.daily_edit)
        form.addRow(tr("Weekly backups kept"), self.weekly_edit)
        form.addRow(tr("Monthly backups kept"), self.monthly_edit)
        form.addRow(tr("Warn after (days without a backup)"), self.warn_edit)
        form.addRow("", self.message)

        self.choose_button.clicked.connect(lambda: self._choose("destination"))
        self.choose_second_button.clicked.connect(lambda: self._choose("second_destination"))
        self.clear_second_button.clicked.connect(lambda: self._save(second_destination=""))
        self.schedule_edit.activated.connect(lambda _: self._save(every_hours=self.schedule_edit.currentData()))
        self.closing_edit.toggled.connect(lambda on: self._save(at_closing=on))
        for name, spin in (("keep_daily", self.daily_edit), ("keep_weekly", self.weekly_edit),
                           ("keep_monthly", self.monthly_edit), ("warn_after_days", self.warn_edit)):
            spin.editingFinished.connect(lambda name=name, spin=spin: self._save(**{name: spin.value()}))
        state.actor_changed.connect(lambda _: self.load())
        state.changed.connect(lambda c: c.backup and not self._loading and self.load())
        self.load()

    def load(self) -> None:
        self._loading = True
        s = self.state.ws.backup_settings.current
        self.destination_edit.setText(s.destination)
        self.destination_edit.setPlaceholderText(tr("not chosen yet"))
        self.second_edit.setText(s.second_destination)
        index = self.schedule_edit.findData(s.every_hours)
        if index < 0:
            self.schedule_edit.addItem(trn("Every {n} hour", "Every {n} hours", s.every_hours), s.every_hours)
            index = self.schedule_edit.count() - 1
        self.schedule_edit.setCurrentIndex(index)
        self.closing_edit.setChecked(s.at_closing)
        self.daily_edit.setValue(s.keep_daily)
        self.weekly_edit.setValue(s.keep_weekly)
        self.monthly_edit.setValue(s.keep_monthly)
        self.warn_edit.setValue(s.warn_after_days)
        allowed = self.state.can(Permission.EDIT_SETTINGS)
        for w in (self.choose_button, self.choose_second_button, self.clear_second_button, self.schedule_edit,
                  self.closing_edit, self.daily_edit, self.weekly_edit, self.monthly_edit, self.warn_edit):
            w.setEnabled(allowed)
        self._loading = False

    def _choose(self, field: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Choose the backup folder (USB drive, NAS share, "
                                                           "synced folder)"))
        if folder:
            self._save(**{field: folder})

    def _save(self, **changes) -> None:
        if self._loading or not self.state.actor:
            return
        current = self.state.ws.backup_settings.current
        if all(getattr(current, k) == v for k, v in changes.items()):
            return
        try:
            self.state.ws.backup_settings.update(self.state.actor, **changes)
        except ClinicGuardError as exc:
            self.message.setText(str(exc))
            self.load()
            return
        self.message.setText(tr("Backup settings saved."))
        self.load()


class BackupCard(QGroupBox):
    """The dashboard's backup card: the last verified backup and what to worry about."""

    backup_requested = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Backups"), parent)
        self.state = state
        self.setObjectName("backupCard")
        self.summary = QLabel()
        self.summary.setObjectName("backupSummary")
        self.summary.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setObjectName("backupWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b3261e;")
        self.button = QPushButton(tr("Back up now"))
        self.button.setObjectName("backupNowButton")
        self.button.clicked.connect(self.backup_requested.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warnings)
        line = QHBoxLayout()
        line.addWidget(self.button)
        line.addStretch(1)
        layout.addLayout(line)
        self.status: BackupStatus | None = None
        self._present: dict[str, bool] = {}  # destination -> there, as last learnt off the UI thread
        self._checking: set[str] = set()
        self._again: set[str] = set()
        self.refresh()

    def refresh(self) -> None:
        """The facts at once; whether the destination is there when the check off the UI thread
        answers (a disconnected share takes seconds to say so)."""
        self._show()
        self._check_destination()

    def _check_destination(self) -> None:
        folder = self.state.ws.backup_settings.current.destination
        if not folder:
            return
        if folder in self._checking:  # asked again while a check runs: once more when it answers
            self._again.add(folder)
            return
        self._checking.add(folder)
        last = self.state.ws.backup_settings.last
        paths = [folder] + ([last.folder, last_backup_path(last)] if last is not None else [])
        ops.Operation(self, backup.paths_present, paths).elsewhere() \
            .success(self._checked) \
            .failure(lambda exc: log.warning("could not look for the backup folder: %s", exc)) \
            .finally_(lambda: self._check_done(folder)).run()

    def _checked(self, present: dict[str, bool]) -> None:
        self._present.update(present)
        if not self.state.ws.closed:
            self._show()

    def _check_done(self, folder: str) -> None:
        self._checking.discard(folder)
        if folder in self._again and not self.state.ws.closed:
            self._again.discard(folder)
            self._check_destination()

    def _show(self) -> None:
        # not known yet: no warning until the check says the folder is missing
        status = self.state.ws.backup_settings.status(_now(), exists=lambda p: self._present.get(p, True))
        self.status = status
        last = status.last
        if last is None:
            self.summary.setText(tr("No backup has been made yet."))
        else:
            self.summary.setText(tr("Last verified backup: {when}, in {folder} ({size}).",
                                    when=local_time(last.created_at), folder=last.folder, size=size_text(last.size)))
        texts = {
            BackupWarning.NEVER: tr("Make a first backup: without one, a broken or stolen PC loses the clinic's "
                                    "evidence."),
            BackupWarning.NO_DESTINATION: tr("No backup folder is chosen: choose one in Settings."),
            BackupWarning.DESTINATION_MISSING: backup.missing_destination_text(status.settings.destination),
            BackupWarning.TOO_OLD: trn("The last backup is {n} day old.", "The last backup is {n} days old.",
                                       status.age_days or 0),
            BackupWarning.LAST_FAILED: tr("The last automatic backup failed: {problem}", problem=status.problem),
            BackupWarning.LAST_GONE: tr("The last verified backup ({file}) is no longer in {folder}: make a new one.",
                                        file=last.file if last else "", folder=last.folder if last else ""),
        }
        self.warnings.setText("\n".join(texts[w] for w in status.warnings))
        self.warnings.setVisible(bool(status.warnings))
        self.button.setEnabled(self.state.can(Permission.EXPORT))


def backup_changes(changes: Changes) -> bool:
    """Does this change concern the backup card (a backup made, its settings, a failure)?"""
    return bool(changes.backup)
