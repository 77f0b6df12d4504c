"""The window's usual start (issue 18): the sign-in dialog comes from a quick read of the clinic
(core/opening.py), and the clinic is opened off the UI thread while the user types; `clinicguard`
alone opens the window without loading the commands (cli/window.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clinicguard.cli import build_parser
from clinicguard.cli.window import window_options
from clinicguard.core.opening import read_sign_in_list
from clinicguard.core.workspace import Workspace
from clinicguard.model.errors import DatabaseError
from clinicguard.model.people import Role
from clinicguard.paths import DATABASE_NAME
from clinicguard.ui.signin_dialog import SignInDialog
from tests.conftest import MANAGER, MANAGER_SECRET

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_list_is_the_one_the_open_clinic_gives(workspace, manager):
    workspace.people.add(manager, "zoé Martin", Role.PRACTITIONER, "4821")
    workspace.people.add(manager, "Ali Benali", Role.PRACTITIONER, "7315")
    workspace.people.add(manager, "Bruno Petit", Role.PRACTITIONER, "9052")
    workspace.people.deactivate(manager, "Bruno Petit")
    listed = read_sign_in_list(workspace.data_dir)
    assert listed.profiles == tuple(workspace.people.names())
    assert "Bruno Petit" not in listed.profiles and listed.profiles[0] == "Ali Benali"
    assert listed.clinic_name == workspace.settings.clinic.name


def test_the_start_offers_first_who_signed_in_last(qtbot, workspace, manager):
    """A doctor who signed in last finds their profile chosen at the next start, not the first one
    alphabetically; a profile deactivated since is not offered."""
    person = workspace.people.add(manager, "Dr Karim Benali", Role.PRACTITIONER, "4821")
    workspace.people.change_own_secret(person.actor, "4821", "2468")
    workspace.people.sign_in("Dr Karim Benali", "2468")
    listed = read_sign_in_list(workspace.data_dir)
    assert listed.last == "Dr Karim Benali" != listed.profiles[0]
    dialog = SignInDialog(None, listed=listed)
    qtbot.addWidget(dialog)
    assert dialog.profile.currentText() == "Dr Karim Benali"
    workspace.people.deactivate(manager, "Dr Karim Benali")
    assert read_sign_in_list(workspace.data_dir).last is None


def test_a_clinic_to_migrate_or_unreadable_has_no_quick_list(workspace, tmp_path):
    folder = workspace.data_dir
    workspace.close()
    assert read_sign_in_list(folder) is not None
    conn = sqlite3.connect(folder / DATABASE_NAME)
    with conn:
        last = conn.execute("SELECT max(id) FROM _sqlite_migrations").fetchone()[0]
        conn.execute("DELETE FROM _sqlite_migrations WHERE id = ?", [last])  # as if a migration were pending
    conn.close()
    assert read_sign_in_list(folder) is None  # opened the full way: migrated first
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / DATABASE_NAME).write_bytes(b"")
    assert read_sign_in_list(tmp_path / "empty") is None
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / DATABASE_NAME).write_bytes(b"not a database" * 100)
    assert read_sign_in_list(tmp_path / "garbage") is None


def test_a_sign_in_typed_before_the_clinic_is_open_is_checked_once_it_is(qtbot, workspace):
    folder = workspace.data_dir
    workspace.close()
    dialog = SignInDialog(None, listed=read_sign_in_list(folder))
    qtbot.addWidget(dialog)
    dialog.profile.setCurrentIndex(dialog.profile.findText(MANAGER))
    dialog.secret.setText(MANAGER_SECRET)
    dialog.sign_in_button.click()
    assert not dialog.sign_in_button.isEnabled() and dialog.actor is None  # waiting for the clinic
    qtbot.keyClicks(dialog.secret, "xy")  # keys pressed after Enter change nothing
    assert dialog.secret.text() == MANAGER_SECRET and not dialog.profile.isEnabled()
    ws = Workspace.open(folder)
    try:
        dialog.opened(ws)
        qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
        assert dialog.actor.name == MANAGER and dialog.result() == SignInDialog.DialogCode.Accepted
        assert ws.audit.entries()[-1].kind == "session.sign-in"
    finally:
        ws.close()


def test_a_clinic_that_fails_to_open_closes_the_sign_in_and_says_why(qtbot, workspace, monkeypatch):
    from clinicguard.ui import app

    folder = workspace.data_dir
    workspace.close()

    def broken(data_dir, **kwargs):
        raise DatabaseError("La base de la clinique est verrouillée par un autre programme.")

    monkeypatch.setattr(Workspace, "open", broken)
    with pytest.raises(DatabaseError, match="verrouillée"):  # run_gui shows it (show_error) and exits 1
        app.open_clinic(folder)
    assert not any(isinstance(w, SignInDialog) and w.isVisible() for w in app.QApplication.topLevelWidgets())


@pytest.mark.parametrize("argv", [[], ["--demo"], ["--lang", "en"], ["--lang=fr", "--demo"],
                                  ["--data-dir", "D:/Clinique"], ["--data-dir=D:/Clinique", "--lang", "fr"],
                                  ["--data-dir="]])
def test_the_window_options_are_read_as_the_parser_reads_them(argv):
    parsed = build_parser().parse_args(argv)
    assert parsed.command is None
    assert window_options(argv) == {"lang": parsed.lang, "demo": parsed.demo,
                                    "data_dir": getattr(parsed, "data_dir", None)}


@pytest.mark.parametrize("argv", [["status"], ["--help"], ["--dem"], ["--lang", "de"], ["--lang"],
                                  ["--demo", "--demo"], ["--data-dir", "A", "--data-dir", "B"],
                                  ["--data-dir", "-x"], ["--version"], ["--data-dir", "D", "people", "list"]])
def test_anything_else_is_left_to_the_parser(argv):
    assert window_options(argv) is None


def test_the_way_to_the_sign_in_dialog_loads_neither_the_services_nor_sqlite_utils(workspace):
    """What the start imports before the sign-in dialog is shown: not the clinic's services,
    sqlite-utils or keyring, which load off the UI thread while the user types."""
    folder = workspace.data_dir
    workspace.close()
    code = textwrap.dedent(f"""
        import sys
        from clinicguard.ui.app import application, read_sign_in_list
        from clinicguard.ui.signin_dialog import SignInDialog
        app = application()
        dialog = SignInDialog(None, listed=read_sign_in_list({str(folder)!r}))
        dialog.show()
        app.processEvents()
        loaded = [m for m in ("sqlite_utils", "keyring", "clinicguard.core.workspace", "clinicguard.core.plan",
                              "clinicguard.core.vault", "openpyxl") if m in sys.modules]
        print("loaded:", loaded)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded: []" in result.stdout, result.stdout
