"""Shared fixtures: a real clinic database in tmp_path, an in-memory keyring (never the real one)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CLINICGUARD_LANG"] = "fr"
# The log goes to a folder of the test run, never to the developer's own log folder.
os.environ["CLINICGUARD_LOG_DIR"] = tempfile.mkdtemp(prefix="clinicguard-test-logs-")

import keyring
import pytest
from keyring.backend import KeyringBackend

from clinicguard.core.catalogue import load_catalogue
from clinicguard.core.workspace import Workspace
from clinicguard.ui import ops, resume_garbage_collector
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState

resume_garbage_collector()  # paused by the UI's first import until a window paints: tests without one run with it

DATA = Path(__file__).parent / "data"
MANAGER = "Claire Martin"
MANAGER_SECRET = "Secret-Manager-2026"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in memory, so tests never touch a developer's real keyring."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv("CLINICGUARD_PASSPHRASE", raising=False)
    monkeypatch.delenv("CLINICGUARD_PROFILE_SECRET", raising=False)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def window_settings(tmp_path, monkeypatch):
    """The window's remembered layout (QSettings) in the test's own folder: never the developer's,
    and never carried from one test to the next."""
    folder = tmp_path / "ui-settings"
    monkeypatch.setenv("CLINICGUARD_UI_SETTINGS", str(folder))
    return folder


@pytest.fixture
def small_catalogue():
    return load_catalogue(DATA / "catalogue_small.toml")


@pytest.fixture
def workspace(tmp_path, small_catalogue):
    """A fresh group practice on the small test catalogue, with its manager signed in."""
    ws, _recovery = Workspace.create(
        tmp_path / "clinic", clinic_name="Cabinet Test", structure="group-practice",
        manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue,
    )
    yield ws
    ws.close()


@pytest.fixture
def manager(workspace):
    return workspace.people.sign_in(MANAGER, MANAGER_SECRET)


@pytest.fixture
def open_main_window(qtbot):
    """Open the real main window on a clinic, shown (offscreen); at teardown, the background work
    it started is drained before the window and the workspace close."""
    def open_(ws, actor, **kwargs) -> MainWindow:
        window = MainWindow(AppState(ws, actor), **kwargs)
        qtbot.addWidget(window)
        window.show()
        return window

    yield open_
    assert ops.drain(), "background work still running at the end of the test"


@pytest.fixture
def main_window(open_main_window, workspace, manager) -> MainWindow:
    """The real main window on the test clinic, its manager signed in."""
    return open_main_window(workspace, manager)


@pytest.fixture
def messages(monkeypatch):
    """Message boxes answered at the boundary; what each said is kept as (kind, text)."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[tuple[str, str]] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(lambda *a, kind=kind: seen.append((kind, a[2]))))
    return seen


@pytest.fixture
def fill_dialogs(monkeypatch):
    """Answer the next action and budget-line dialogs as a user would: each entry fills the fields,
    then clicks OK; with no entry left, the dialog is cancelled."""
    from PySide6.QtWidgets import QDialog

    from clinicguard.ui.plan_view import ActionDialog, BudgetLineDialog

    answers: list = []

    def exec_(dialog):
        if not answers:
            return QDialog.DialogCode.Rejected
        fill = answers.pop(0)
        fill(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ActionDialog, "exec", exec_)
    monkeypatch.setattr(BudgetLineDialog, "exec", exec_)
    return answers


@pytest.fixture
def real_look(qapp):
    """The application set up as the window's start sets it up (ui/app.py `application`: Fusion,
    the light palette, the style sheet, Qt's own texts in French); the style and the locale are put
    back after the test, so that the tests after it see the look they expect (Qt's French texts
    stay, as the French interface the tests run in has them)."""
    from PySide6.QtCore import QLocale

    from clinicguard.ui import app as app_module

    saved = (qapp.style().name(), qapp.palette(), qapp.styleSheet(), QLocale())
    app_module.application()
    yield qapp
    qapp.setStyleSheet(saved[2])
    qapp.setPalette(saved[1])
    qapp.setStyle(saved[0])
    QLocale.setDefault(saved[3])

