"""Builds the QApplication and takes the user from start-up to the main window: first-run setup,
unlocking the clinic key (passphrase or recovery key when needed), signing in, or the demo."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLocale
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox, QProgressDialog

from clinicguard.core import keys
from clinicguard.core.errors import ClinicGuardError, KeyUnavailable
from clinicguard.core.workspace import Workspace, clinic_exists
from clinicguard.i18n import language, tr
from clinicguard.paths import default_data_dir
from clinicguard.ui.main_window import MainWindow, show_error
from clinicguard.ui.state import AppState
from clinicguard.ui.worker import run_in_background


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ClinicGuard")
    app.setOrganizationName("ClinicGuard")
    QLocale.setDefault(QLocale(QLocale.Language.French if language() == "fr" else QLocale.Language.English))
    return app


def _run_blocking(parent, label: str, fn, *args, **kwargs):
    """Run fn off the UI thread behind a progress dialog; return its result or raise its error."""
    dialog = QProgressDialog(label, None, 0, 0, parent)
    dialog.setWindowTitle("ClinicGuard")
    dialog.setMinimumDuration(300)
    outcome: dict = {}
    loop = QEventLoop()

    def done(value):
        outcome["value"] = value
        loop.quit()

    def failed(error):
        outcome["error"] = error
        loop.quit()

    run_in_background(fn, *args, on_done=done, on_error=failed, **kwargs)
    loop.exec()
    dialog.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def unlock_clinic_key(ws: Workspace, parent=None) -> bool:
    """Make the clinic key readable: ask for the passphrase, or the recovery key if it is lost."""
    while True:
        try:
            ws.unlock()
            return True
        except keys.NoKeyringEntry as exc:
            secret, ok = QInputDialog.getText(parent, tr("Recovery key"), str(exc), QLineEdit.EchoMode.Password)
            if not ok:
                return False
            try:
                ws.recover_key(secret)
            except ClinicGuardError as error:
                QMessageBox.warning(parent, "ClinicGuard", str(error))
        except (keys.PassphraseRequired, keys.WrongPassphrase) as exc:
            passphrase, ok = QInputDialog.getText(parent, tr("Passphrase"), str(exc), QLineEdit.EchoMode.Password)
            if not ok:
                return False
            ws._passphrase = passphrase
        except KeyUnavailable as exc:
            QMessageBox.critical(parent, "ClinicGuard", str(exc))
            return False


def open_demo(data_dir: Path) -> MainWindow:
    from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, create_demo

    ws, manager, _recovery = _run_blocking(None, tr("Preparing the demo clinic…"), create_demo, data_dir)
    banner = tr("Demo clinic with made-up answers, kept in a temporary folder and deleted when you close the "
                "application. To sign in again: profile {name}, password {secret}.",
                name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET)
    return MainWindow(AppState(ws, manager), banner=banner)


def open_clinic(data_dir: Path) -> MainWindow | None:
    from clinicguard.cli import recovery_sheet
    from clinicguard.ui.setup_dialog import RecoverySheetDialog, SetupDialog
    from clinicguard.ui.signin_dialog import SignInDialog

    if not clinic_exists(data_dir):
        setup = SetupDialog(data_dir)
        if not setup.exec() or setup.result_value is None:
            return None
        ws, recovery = setup.result_value
        RecoverySheetDialog(recovery_sheet(ws, recovery)).exec()
        manager_name = ws.clinic.manager_name
        row = ws.db.execute("SELECT id FROM person WHERE name = ?", [manager_name]).fetchone()
        from clinicguard.core.people import Actor, Role

        return MainWindow(AppState(ws, Actor(row[0], manager_name, Role.MANAGER)))
    ws = Workspace.open(data_dir)
    if not unlock_clinic_key(ws):
        ws.close()
        return None
    ws.upgrade_catalogue()  # a newer catalogue shipped with this version: the window says what changed
    signin = SignInDialog(ws)
    if not signin.exec() or signin.actor is None:
        ws.close()
        return None
    return MainWindow(AppState(ws, signin.actor))


def run_gui(data_dir: Path | None = None, demo: bool = False) -> int:
    app = application()
    temp_dir = None
    try:
        if demo:
            temp_dir = Path(tempfile.mkdtemp(prefix="clinicguard-demo-"))
            window = open_demo(data_dir or temp_dir / "clinic")
        else:
            window = open_clinic(data_dir or default_data_dir())
    except ClinicGuardError as exc:
        show_error(None, exc)
        return 1
    if window is None:
        return 0
    window.show()
    code = app.exec()
    window.state.ws.close()
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)
    return code
