"""Builds the QApplication and takes the user from start-up to the main window: first-run setup,
unlocking the clinic key (passphrase or recovery key when needed), signing in, or the demo."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QLibraryInfo,
    QLocale,
    QLockFile,
    QObject,
    QSysInfo,
    QTimer,
    QTranslator,
)
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from clinicguard.core import keys
from clinicguard.core.logs import configure_logging
from clinicguard.core.opening import SignInList, clinic_exists, read_sign_in_list
from clinicguard.i18n import language, tr
from clinicguard.model.errors import ClinicGuardError, KeyUnavailable
from clinicguard.model.people import SIGN_IN_KIND
from clinicguard.paths import default_data_dir
from clinicguard.ui import ops, resume_garbage_collector
from clinicguard.ui.look import install_style
from clinicguard.ui.signin_dialog import SignInDialog
from clinicguard.ui.state import AppState
from clinicguard.ui.widgets import show_error

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace
    from clinicguard.ui.main_window import MainWindow

log = logging.getLogger(__name__)


_qt_translator: QTranslator | None = None
GC_PAUSE_AT_MOST_MS = 5000


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ClinicGuard")
    app.setOrganizationName("ClinicGuard")
    install_style(app)  # the same light look on every PC, dark mode or not
    # the garbage collector paused for the start (clinicguard/ui/__init__) runs again at the
    # window's first paint, or once a first-run setup or a sign-in has been open this long
    QTimer.singleShot(GC_PAUSE_AT_MOST_MS, resume_garbage_collector)
    QLocale.setDefault(QLocale(QLocale.Language.French if language() == "fr" else QLocale.Language.English))
    global _qt_translator
    if language() == "fr" and _qt_translator is None:
        # Qt's own texts (standard buttons, file dialogs) in French too
        translator = QTranslator(app)
        if translator.load("qtbase_fr", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
            _qt_translator = translator
    return app


def window_class() -> type[MainWindow]:
    """The main window's class, its modules and its first page's (the dashboard) imported. The
    sign-in dialog has this done while the password check, a deliberately slow hash (about a tenth
    of a second, core/secrets.py), runs off the UI thread: the check does not hold the interpreter,
    and these imports do not depend on its result (on a wrong password they are simply kept)."""
    from clinicguard.ui import dashboard_view  # noqa: F401 (the first page the window builds)
    from clinicguard.ui.main_window import MainWindow

    return MainWindow


PROMPT_LINE_CHARS = 72  # Qt's input dialog does not wrap its label: a long message would widen it past the screen


def _ask_secret(parent, title: str, label: str) -> str | None:
    import textwrap

    wrapped = "\n".join(textwrap.wrap(label, PROMPT_LINE_CHARS, break_long_words=False, break_on_hyphens=False))
    text, ok = QInputDialog.getText(parent, title, wrapped, QLineEdit.EchoMode.Password)
    return text if ok else None


def _recover_with_recovery_key(ws: Workspace, parent, message: str, *, new_passphrase: bool) -> bool | None:
    """True once the key is back; False when the key typed was refused (said); None when the user
    cancelled a prompt."""
    secret = _ask_secret(parent, tr("Recovery key"), message)
    if secret is None:
        return None
    try:
        keys.check_recovery_key(ws.data_dir, secret)  # a mistyped key is said before a new passphrase is asked
    except ClinicGuardError as error:
        QMessageBox.warning(parent, "ClinicGuard", str(error))
        return False
    passphrase = None
    if new_passphrase:
        passphrase = _ask_secret(parent, tr("Passphrase"), tr("New passphrase (at least 12 characters):"))
        if passphrase is None:
            return None  # a weak one is refused, and said, by keys.recover below
    try:
        ws.keys.recover(secret, passphrase)
        return True
    except ClinicGuardError as error:
        QMessageBox.warning(parent, "ClinicGuard", str(error))
        return False


def _wrong_passphrase_choice(parent, message: str) -> str:
    """Ask what to do after a wrong passphrase: 'retry', 'recover' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "ClinicGuard", message, parent=parent)
    box.setInformativeText(tr("Forgot the passphrase? Use the recovery key to set a new one."))
    retry = box.addButton(tr("Try again"), QMessageBox.ButtonRole.AcceptRole)
    recover = box.addButton(tr("Use the recovery key"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    return "retry" if clicked is retry else "recover" if clicked is recover else "cancel"


def unlock_clinic_key(ws: Workspace, parent=None, failed: BaseException | None = None) -> bool:
    """Make the clinic key readable: ask for the passphrase, or the recovery key if it is lost.
    `failed`: what an unlock already tried in the background raised (it is not tried again)."""
    try:
        if failed is not None:
            raise failed
        ws.keys.unlock()
        return True
    except (keys.NoKeyringEntry, keys.KeyFileMissing) as exc:
        while True:  # with a new passphrase where no credential store keeps the key
            recovered = _recover_with_recovery_key(ws, parent, str(exc), new_passphrase=isinstance(exc, keys.KeyFileMissing))
            if recovered:
                return True
            if recovered is None:  # Annuler: the start ends, without a second question
                return False
            if QMessageBox.question(parent, "ClinicGuard", tr("Try the recovery key again?")) != QMessageBox.StandardButton.Yes:
                return False
    except keys.PassphraseRequired as exc:
        message = str(exc)
    except KeyUnavailable as exc:
        QMessageBox.critical(parent, "ClinicGuard", str(exc))
        return False
    return _ask_passphrase_until_unlocked(ws, parent, message)


def _ask_passphrase_until_unlocked(ws: Workspace, parent, message: str) -> bool:
    while True:  # the key is in a passphrase-protected file
        passphrase = _ask_secret(parent, tr("Passphrase"), message)
        if passphrase is None:
            return False
        try:
            ws.keys.unlock(passphrase)
            return True
        except keys.WrongPassphrase as exc:
            choice = _wrong_passphrase_choice(parent, str(exc))
            if choice == "recover":
                return _recover_with_recovery_key(ws, parent, tr("Recovery key (AGE-SECRET-KEY-1…):"), new_passphrase=True)
            if choice != "retry":
                return False
            message = str(exc)


def open_demo(data_dir: Path, *, temporary: bool) -> MainWindow:
    from clinicguard.core.demo import (
        DEMO_MANAGER,
        DEMO_MANAGER_SECRET,
        DEMO_PEOPLE,
        create_demo,
        demo_passphrase,
    )

    ws, manager, _recovery = ops.run_blocking(None, tr("Preparing the demo clinic…"), create_demo, data_dir)
    others = ", ".join(f"{name} ({pin})" for name, _role, pin in DEMO_PEOPLE)
    where = (tr("Demo clinic with made-up answers, kept in a temporary folder and deleted when you close the "
                "application.") if temporary else
             tr("Demo clinic with made-up answers, kept in {folder}.", folder=data_dir))
    banner = where + " " + tr("To sign in again: profile {name}, password {secret}; other profiles and their PINs: "
                              "{others}.", name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET, others=others)
    keep = [DEMO_MANAGER, DEMO_MANAGER_SECRET, *(f"{name} ({pin})" for name, _role, pin in DEMO_PEOPLE)]
    if not temporary and (passphrase := demo_passphrase(data_dir)):
        banner += " " + tr("Key's passphrase, asked when the clinic is opened again: {passphrase}.",
                           passphrase=passphrase)
        keep.append(passphrase)
    return window_class()(AppState(ws, manager), banner=banner, keep_together=keep)


def _say_restored(setup) -> None:
    """After a restore: from which backup, and what it held, before the sign-in."""
    from clinicguard.core import backup

    made = setup.restored_from
    if made is not None:
        QMessageBox.information(None, "ClinicGuard", tr("The clinic was restored. {contents}",
                                                        contents=backup.checked_text(made.path.name, made.manifest)))


def open_clinic(data_dir: Path) -> MainWindow | None:
    restored_with = None
    if not clinic_exists(data_dir):  # the first-run dialogs are imported on a first run only
        from clinicguard.core.recovery_sheet import recovery_sheet
        from clinicguard.ui.setup_dialog import RecoverySheetDialog, SetupDialog

        setup = SetupDialog(data_dir)
        if not setup.exec() or (setup.result_value is None and not setup.restored):
            return None
        if not setup.restored:  # restored from a backup: it opens below, like any clinic
            ws, recovery = setup.result_value
            RecoverySheetDialog(recovery_sheet(ws, recovery)).exec()
            return window_class()(AppState(ws, ws.people.default_manager().actor))
        restored_with = setup
    listed = read_sign_in_list(data_dir) if restored_with is None else None
    signin = None
    if listed is not None and not os.environ.get(keys.PASSPHRASE_ENV):
        # The usual start: the first dialog (the passphrase prompt, or the sign-in) is shown from a
        # quick read of the clinic; once it is on screen the clinic is opened, its key unlocked and
        # the window's modules imported off the UI thread while the user types (issue 18).
        opening = _BackgroundOpening(data_dir, listed)
        # In the passphrase prompt's event loop, if there is a prompt: the clinic is opened, and
        # the sign-in dialog built, once the prompt is painted.
        QTimer.singleShot(0, lambda: _once_painted(QApplication.activeModalWidget(), opening.prompt_painted))
        how = _unlock_passphrase(data_dir, clinic_name=listed.clinic_name)
        if how is _CANCELLED:
            opening.abandon()
            return None
        signin = opening.sign_in_dialog()
        opening.unlock_with(how, signin)
        signed_in = not opening.failed and signin.exec() and signin.actor is not None
        ws, unlocking = opening.wait(), opening.unlocking  # raises what the opening raised
        if opening.cancelled or (not signed_in and not opening.closed_sign_in):  # the user gave up
            ws.close()
            return None
    else:  # off the UI thread: a database from an older version is backed up, then migrated
        from clinicguard.core.workspace import Workspace

        ws = ops.run_blocking(None, tr("Opening the clinic…"), Workspace.open, data_dir)
        if restored_with is not None:  # just restored: the passphrase chosen there opens the key
            _say_restored(restored_with)
            if restored_with.restore_passphrase:
                try:
                    ws.keys.unlock(restored_with.restore_passphrase)
                except KeyUnavailable:  # asked below, as at any start
                    log.warning("the passphrase chosen at the restore did not open the clinic key")
        unlocking = _start_unlock(ws)
        if unlocking is _CANCELLED or (unlocking is None and not unlock_clinic_key(ws)):
            ws.close()
            return None
    while True:
        if signin is None:
            signin = SignInDialog(ws, profile=ws.audit.last_actor_of(SIGN_IN_KIND))  # who signed in last
            signin.while_checking = window_class  # imported while the password is checked off the UI thread
            if unlocking is not None:  # a key that does not open closes the dialog: it is dealt with below
                unlocking.on_wrong = signin.reject
            signed_in = signin.exec() and signin.actor is not None
        if unlocking is not None and unlocking.wait() is not None:
            if unlocking.passphrase:
                unlocked = _ask_passphrase_until_unlocked(ws, None, str(unlocking.error))
            else:  # the credential store said no: the recovery key or the passphrase, as at any start
                unlocked = unlock_clinic_key(ws, None, failed=unlocking.error)
            if not unlocked:
                ws.close()
                return None
            unlocking = None
            if not signed_in:
                signin = None
                continue  # the sign-in was interrupted by the key that did not open: sign in again
        if not signed_in:
            ws.close()
            return None
        break
    ws.journal_pending_backups()  # a backup made before a migration, once the key is unlocked
    if ws.catalogue_versions.upgrade_pending():  # a newer catalogue shipped with this version (a backup first);
        # the window says what changed
        ops.run_blocking(None, tr("Backing up the clinic, then updating the recommendations catalogue…"),
                         ws.catalogue_versions.upgrade)
    return window_class()(AppState(ws, signin.actor))


def _open_in_background(data_dir: Path) -> Workspace:
    """On a worker (_BackgroundOpening): the clinic opened and the main window's modules imported."""
    from clinicguard.core.workspace import Workspace

    ws = Workspace.open(data_dir)
    try:
        window_class()
    except BaseException:
        ws.close()
        raise
    return ws


def _unlock_in_background(ws: Workspace, how: str | None) -> KeyUnavailable | None:
    """On a worker (_BackgroundOpening): the clinic key unlocked (`how`: see _unlock_passphrase)
    and what the password check needs loaded; the unlock's refusal is returned, to be dealt with
    once the sign-in dialog is closed."""
    try:
        ws.keys.unlock(how)
        ws.people.prepare_sign_in()
    except KeyUnavailable as exc:
        return exc
    return None


class _FirstPaint(QObject):
    """Runs `callback` once `widget` has been painted (the events that paint posted done)."""

    def __init__(self, widget, callback: Callable[[], object]):
        super().__init__(widget)
        self.callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.callback)
        return False


def _once_painted(widget, callback: Callable[[], object]) -> None:
    """`callback` once `widget` (a dialog ClinicGuard does not subclass) has been painted; nothing
    when there is no such widget (the work then starts with the sign-in dialog's paint)."""
    if isinstance(widget, QInputDialog):
        _FirstPaint(widget, callback)


class _BackgroundOpening:
    """The window's usual start, off the UI thread while the user types. Once the first dialog is on
    screen (`start`: the passphrase prompt's, or the sign-in's first paint): Workspace.open, which imports every service (about 0.2 s), and the main
    window's modules. Once the clinic is open and the key's way is known (`unlock_with`, after the
    passphrase prompt if there is one): the key's unlock (the credential store's read, or the
    passphrase file's scrypt) and what the password check needs. The sign-in dialog then gets the
    open clinic (`SignInDialog.opened`: a sign-in submitted meanwhile is checked then); a key that
    does not open, or a failure, closes it. `wait` returns the clinic or raises the failure;
    `unlocking` is the unlock's outcome (as a _BackgroundUnlock's)."""

    def __init__(self, data_dir: Path, listed: SignInList):
        self.data_dir, self.listed = data_dir, listed
        self._prebuilt: SignInDialog | None = None
        self.how: str | None = None
        self.signin: SignInDialog | None = None
        self.ws: Workspace | None = None
        self.failure: BaseException | None = None
        self.unlocking: _Unlocked | None = None
        self.cancelled = False  # the user gave up at a passphrase asked again over the sign-in
        self.closed_sign_in = False  # the sign-in dialog was closed by a refused key or a failure, not the user
        self._started = self._unlocking_started = self._done = False

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        ops.Operation(None, _open_in_background, self.data_dir, success=self._opened).failure(self._failed).run()

    def prompt_painted(self) -> None:
        """The passphrase prompt is on screen: open the clinic, and build the sign-in dialog, while
        the passphrase is typed."""
        self.start()
        self._prebuilt = SignInDialog(None, listed=self.listed)

    def sign_in_dialog(self) -> SignInDialog:
        """The sign-in dialog (built while the passphrase was typed, if it was), which starts the
        opening once it is painted: a Python dialog's paint takes the interpreter at each virtual
        call, so the work waits for it (it has begun already if the prompt started it)."""
        dialog = self._prebuilt or SignInDialog(None, listed=self.listed)
        dialog.once_painted = self.start
        return dialog

    def unlock_with(self, how: str | None, signin: SignInDialog) -> None:
        self.how, self.signin = how, signin
        self.unlocking = _Unlocked(how is not None)
        self._unlock_when_open()

    def abandon(self) -> None:
        """The start was cancelled: the clinic, if its opening began, is closed once open."""
        if not self._started:
            return
        self.wait_opened()
        if self.ws is not None:
            self.ws.close()

    def _opened(self, ws: Workspace) -> None:
        self.ws = ws
        self._unlock_when_open()

    def _unlock_when_open(self) -> None:
        if self.ws is None or self.signin is None or self._unlocking_started:
            return
        self._unlocking_started = True
        self._unlock()

    def _unlock(self) -> None:
        ops.Operation(None, _unlock_in_background, self.ws, self.how, success=self._unlocked) \
            .failure(self._failed).run()

    def _unlocked(self, refused: KeyUnavailable | None) -> None:
        if refused is None:
            self.unlocking.error = None
            self._done = True
            self.signin.opened(self.ws)
        elif isinstance(refused, keys.WrongPassphrase) and self.signin.isVisible():
            # Said in the sign-in dialog, which keeps what was typed; asked again over it once the
            # user submits (a box that took the keyboard mid-word would take their Enter too), and
            # the sign-in checked once the key opens. Until then the outcome is this refusal: a
            # dialog closed without a submit ends the start (open_clinic).
            self.unlocking.error = refused
            self._done = True
            self.signin.key_refused(str(refused), lambda: self._ask_again(refused))
        else:
            self.unlocking.error = refused
            self._done = True
            self._close_sign_in()  # dealt with once the dialog is closed (ui/app.py open_clinic)

    def _ask_again(self, refused: KeyUnavailable) -> None:
        """A wrong passphrase: the choice every wrong passphrase gets (try again, the recovery key,
        or give up), over the sign-in dialog."""
        signin = self.signin
        if not signin.isVisible():  # closed meanwhile: the refusal stands
            return
        choice = _wrong_passphrase_choice(signin, str(refused))
        if choice == "retry":
            passphrase = _ask_secret(signin, tr("Passphrase"), str(refused))
            if passphrase is not None:
                self.how, self._done = passphrase, False
                self._unlock()
                return
        elif choice == "recover":
            if _recover_with_recovery_key(self.ws, signin, tr("Recovery key (AGE-SECRET-KEY-1…):"),
                                          new_passphrase=True):
                self._unlocked(None)
            else:
                QTimer.singleShot(0, lambda: self._ask_again(refused))
            return
        self.cancelled = True
        signin.reject()

    def _failed(self, error: BaseException) -> None:
        self.failure = error
        self._done = True
        if self.signin is not None:
            self._close_sign_in()

    def _close_sign_in(self) -> None:
        if self.signin.isVisible():
            self.closed_sign_in = True
            self.signin.reject()

    def wait_opened(self) -> None:
        self.start()  # closed before anything was painted: opened now
        _wait_until(lambda: self.ws is not None or self.failure is not None)

    def wait(self) -> Workspace:
        """The open clinic, its key unlocked or refused, once it is (the events keep flowing); raises
        what opening it raised."""
        self.wait_opened()
        _wait_until(lambda: self._done)
        if self.failure is not None:
            if self.ws is not None:
                self.ws.close()
            raise self.failure
        return self.ws


class _Unlocked:
    """The outcome of an unlock already run (_BackgroundOpening), read as a _BackgroundUnlock's."""

    def __init__(self, passphrase: bool):
        self.passphrase = passphrase
        self.error: KeyUnavailable | None = None
        self.on_wrong = lambda: None

    def wait(self) -> KeyUnavailable | None:
        return self.error


def _wait_until(done: Callable[[], bool]) -> None:
    """Run the events until `done()` is true."""
    if done():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())
    timer.start(20)
    loop.exec()
    timer.stop()


class _BackgroundUnlock:
    """The clinic key's unlock, run on a worker while the sign-in dialog is shown: the passphrase
    file's scrypt, or the read from the credential store (with `import keyring`, about 0.1 s)."""

    def __init__(self, ws: Workspace, passphrase: str | None):
        self.error: BaseException | None = None
        self.passphrase = passphrase is not None
        self.on_wrong = lambda: None
        self._done = False
        self.operation = ops.Operation(None, ws.keys.unlock, passphrase, success=lambda _: None) \
            .failure(self._failed).finally_(self._finished).run()

    def _failed(self, error: BaseException) -> None:
        self.error = error
        self.on_wrong()

    def _finished(self) -> None:
        self._done = True

    def wait(self) -> BaseException | None:
        """Wait for the unlock (the events keep flowing); its error, None when the key is open."""
        _wait_until(lambda: self._done)
        return self.error


_CANCELLED = object()  # the user closed the passphrase prompt
_FOREGROUND = object()  # the key is open already, or its passphrase comes from the environment


def _unlock_passphrase(data_dir: Path, loaded: bool = False, clinic_name: str = ""):
    """How the clinic key is unlocked at this start: _FOREGROUND (open already, or its passphrase
    comes from the environment: unlocked before the sign-in, as a command does), None (from the
    credential store, in the background), the passphrase the user typed for the passphrase file
    (asked here; unlocked in the background), or _CANCELLED (the user closed that prompt)."""
    if loaded or os.environ.get(keys.PASSPHRASE_ENV):
        return _FOREGROUND
    if not keys.uses_passphrase(data_dir):
        return None
    title = tr("Passphrase — {clinic}", clinic=clinic_name) if clinic_name else tr("Passphrase")
    passphrase = _ask_secret(None, title, tr("The clinic key is protected by a passphrase: enter it."))
    return _CANCELLED if passphrase is None else passphrase


def _start_unlock(ws: Workspace):
    """Start unlocking the clinic key in the background (a _BackgroundUnlock), as _unlock_passphrase
    says; _CANCELLED if the user closes the passphrase prompt, None when the key is open already or
    its passphrase comes from the environment (the caller unlocks as before)."""
    how = _unlock_passphrase(ws.data_dir, ws.keys.loaded, ws.settings.clinic.name)
    if how is _FOREGROUND:
        return None
    if how is _CANCELLED:
        return _CANCELLED
    return _BackgroundUnlock(ws, how)


def lock_clinic_folder(data_dir: Path) -> QLockFile | None:
    """One window per clinic: a second window on the same folder would show stale answers and
    lock itself separately. Returns the held lock, or None if another window holds it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderNotWritable(tr("The clinic's folder {folder} cannot be created: {error}. Choose a folder this "
                                   "Windows account may write to.", folder=data_dir,
                                   error=exc.strerror or exc)) from None
    lock = QLockFile(str(data_dir / "window.lock"))
    lock.setStaleLockTime(0)  # a lock left by a crashed window is recognised by its dead process
    if lock.tryLock(200):
        return lock
    if lock.error() == QLockFile.LockError.PermissionError:  # not held by anyone: the folder refuses writes
        raise FolderNotWritable(tr(
            "ClinicGuard cannot write in the clinic's folder {folder}: it is read-only (a locked USB drive, a "
            "CD, a share opened read-only) or this Windows account may not change it. Nothing was changed. Copy "
            "the folder to a place you can write to, or ask for write access, then open it again.", folder=data_dir))
    return None


class FolderNotWritable(ClinicGuardError):
    """The clinic's folder cannot be written to: it is not open in another window."""


def acquire_clinic_folder(folder: Path) -> QLockFile | None:
    """The folder's window lock, taken over from a crashed PC if the user agrees; None when the
    clinic stays with the other window."""
    return lock_clinic_folder(folder) or _take_over_lock(folder)


def _take_over_lock(folder: Path) -> QLockFile | None:
    """The folder is locked. On this PC that means another window is open. From another PC
    (a shared or synced folder), that PC may have crashed: say which one and let the user decide."""
    probe = QLockFile(str(folder / "window.lock"))
    info = probe.getLockInfo()  # (pid, host, application), empty when unreadable
    host = info[1] if isinstance(info, tuple) and len(info) >= 2 else ""
    if not host or host == QSysInfo.machineHostName():
        QMessageBox.warning(None, "ClinicGuard", tr("ClinicGuard is already open on this clinic ({folder}): use "
                                                     "that window.", folder=folder))
        return None
    answer = QMessageBox.question(
        None, "ClinicGuard",
        tr("ClinicGuard seems to be open on this clinic on the computer {host}. Open it here anyway only if that "
           "computer is switched off or crashed: two windows on one clinic would not see each other's changes.",
           host=host))
    if answer != QMessageBox.StandardButton.Yes:
        return None
    (folder / "window.lock").unlink(missing_ok=True)
    return lock_clinic_folder(folder)


def run_gui(data_dir: Path | None = None, demo: bool = False) -> int:
    configure_logging()
    log.info("ClinicGuard window starting (demo: %s)", demo)
    app = application()
    temp_dir = None
    folder = data_dir or (None if demo else default_data_dir())
    try:
        lock = acquire_clinic_folder(folder) if folder is not None else None
    except FolderNotWritable as exc:
        show_error(None, exc)
        return 1
    if folder is not None and lock is None:
        return 1
    try:
        if demo and data_dir is not None and clinic_exists(data_dir):
            window = open_clinic(data_dir)  # the demo made earlier in that folder: sign in to it
        elif demo and data_dir is not None:
            window = open_demo(data_dir, temporary=False)
        elif demo:
            temp_dir = Path(tempfile.mkdtemp(prefix="clinicguard-demo-"))
            window = open_demo(temp_dir / "clinic", temporary=True)
        else:
            window = open_clinic(data_dir or default_data_dir())
    except ClinicGuardError as exc:
        show_error(None, exc)
        ops.drain()  # a sign-in check or an opening still running: its result is dropped, not its thread
        return 1
    if window is None:
        ops.drain()
        return 0
    window.show()
    if os.environ.get("CLINICGUARD_SMOKE_EXIT_AFTER_PAINT") == "1":  # packaging/smoke_test.py
        QTimer.singleShot(0, app.quit)  # runs once the shown window has been painted
    code = app.exec()
    ops.drain()  # the window waited for its work when it closed; this catches anything started after
    window.state.ws.close()
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)
    if lock is not None:
        lock.unlock()
    return code
