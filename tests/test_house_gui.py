"""The window's plumbing, seen from the user's side: work off the UI thread (ui/ops.py), typed
change events, changes made by another process, and the log folder menu entry."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMessageBox, QPushButton

from clinicguard.model.checklist import Status
from clinicguard.core.logs import log_dir
from clinicguard.core.workspace import Workspace
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui import ops
from clinicguard.ui.checklist_model import ROW_ROLE
from tests.conftest import MANAGER, MANAGER_SECRET

PASSPHRASE = "Phrase-secrete-du-cabinet-2026"
ROOT = Path(__file__).resolve().parent.parent
ITEM = "GOV-ROLES-01"


def boxes(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(("warning", text)))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(("critical", text)))
    return shown


def test_an_operation_delivers_its_result_and_progress_on_the_gui_thread(qtbot, main_window):
    seen, steps = [], []

    def work(n, progress, cancelled):
        for i in range(n):
            progress(i + 1, n)
        return threading.current_thread() is not threading.main_thread()

    ops.Operation(main_window, work, 3, success=seen.append).on_progress(lambda d, t: steps.append((d, t))).run()
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [True] and steps[-1] == (3, 3)
    assert threading.current_thread() is threading.main_thread()


def test_a_failure_shows_the_core_message_or_a_generic_one_with_the_traceback_logged(qtbot, main_window,
                                                                                     monkeypatch, caplog):
    shown = boxes(monkeypatch)

    def refused():
        raise ClinicGuardError("Le fichier est illisible.")

    def broken():
        raise ZeroDivisionError("division by zero")

    ops.Operation(main_window, refused).run()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=3000)
    assert shown[0] == ("warning", "Le fichier est illisible.")
    with caplog.at_level(logging.ERROR, logger="clinicguard.ui.ops"):
        ops.Operation(main_window, broken).run()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
    assert shown[1][0] == "critical" and "Rien de ce qui était enregistré" in shown[1][1]
    record = next(r for r in caplog.records if r.name == "clinicguard.ui.ops")
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError  # the traceback is in the log


def test_cancel_in_the_progress_dialog_stops_the_work(qtbot, main_window):
    started, outcome = threading.Event(), []

    def long_work(cancelled):
        started.set()
        while not cancelled():
            started.wait(0.01)
        return "stopped"

    op = ops.Operation(main_window, long_work, success=outcome.append) \
        .with_progress("Travail en cours…", cancellable=True).run()
    try:
        assert started.wait(3)
        qtbot.waitUntil(lambda: op.dialog is not None and op.dialog.isVisible(), timeout=3000)
        button = op.dialog.findChild(QPushButton)
        assert button.text() == "Annuler"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: outcome == ["stopped"], timeout=3000)
    finally:
        op.cancel()  # never leave the worker spinning, even when an assertion failed
    assert op.cancelled and ops.running() == 0


def test_closing_the_window_waits_for_the_running_work(qtbot, main_window):
    release, done = threading.Event(), []

    def slow():
        release.wait(5)
        return "written"

    ops.Operation(main_window, slow, success=done.append).run()
    threading.Timer(0.2, release.set).start()
    main_window.close()
    assert done == ["written"] and ops.running() == 0


def test_a_change_refreshes_the_pages_that_show_it(qtbot, main_window, workspace, manager):
    checklist = main_window.show_page("checklist")
    received = []
    main_window.state.changed.connect(received.append)
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="compliant")  # not through the page
    assert received[-1].checklist and received[-1].journal and not received[-1].plan
    assert status_shown(checklist, "SEC-BACKUP-01") is Status.COMPLIANT


def status_shown(checklist, item_id: str) -> Status:
    return checklist.model.index_of_item(item_id).data(ROW_ROLE).status


def test_a_change_made_by_another_process_shows_within_two_seconds(qtbot, tmp_path, open_main_window, monkeypatch):
    monkeypatch.setenv("CLINICGUARD_PASSPHRASE", PASSPHRASE)
    ws, _recovery = Workspace.create(tmp_path / "clinic", clinic_name="Cabinet Test", structure="group-practice",
                                     manager_name=MANAGER, manager_secret=MANAGER_SECRET,
                                     passphrase=PASSPHRASE)  # the shipped catalogue, as the command uses
    window = open_main_window(ws, ws.people.sign_in(MANAGER, MANAGER_SECRET))
    try:
        checklist = window.show_page("checklist")
        assert status_shown(checklist, ITEM) is Status.NOT_ASSESSED
        env = dict(os.environ, CLINICGUARD_PROFILE_SECRET=MANAGER_SECRET, CLINICGUARD_PASSPHRASE=PASSPHRASE,
                   PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-m", "clinicguard", "checklist", "set", "--data-dir", str(ws.data_dir),
                                 "--as", MANAGER, ITEM, "compliant"],
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr

        qtbot.waitUntil(lambda: status_shown(checklist, ITEM) is Status.COMPLIANT, timeout=3000)
    finally:
        window.close()
        ws.close()


def test_the_help_menu_opens_the_log_folder(qtbot, main_window, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr("clinicguard.ui.main_window.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    help_menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&Aide")
    entry = next(a for a in help_menu.actions() if a.text() == "Ouvrir le dossier des journaux techniques")
    entry.trigger()
    assert [Path(url.toLocalFile()) for url in opened] == [log_dir()]


def test_destinations_that_do_not_answer_never_hold_the_window_s_other_work(qtbot, main_window, workspace, manager,
                                                                           tmp_path, monkeypatch, messages):
    from clinicguard.core import backup

    usb, nas = tmp_path / "usb", tmp_path / "nas"
    usb.mkdir()
    nas.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), second_destination=str(nas))
    answer, asked = threading.Event(), []

    def dead_share(folders, **kwargs):  # an unplugged drive on Windows can take a minute to answer
        asked.append(folders)
        answer.wait(30)
        return backup.Found([], ())

    monkeypatch.setattr(backup, "find_backups", dead_share)
    threads = ops.QThreadPool.globalInstance().maxThreadCount()
    for _ in range(threads):  # more looks at the folders than there are threads for the window's work
        menu = main_window.menuBar().actions()[0].menu()
        (action,) = [a for a in menu.actions() if a.text() == "Sauve&gardes…"]
        action.trigger()
        main_window.backups.backups_dialog.close()
    qtbot.waitUntil(lambda: len(asked) >= 2, timeout=5000)
    done = []
    ops.Operation(main_window, lambda: "exported", success=done.append).run()  # an export, a save, a report…
    try:
        qtbot.waitUntil(lambda: done == ["exported"], timeout=5000)
        assert not answer.is_set()
    finally:
        answer.set()
    assert ops.drain(10)
    with qtbot.waitSignal(main_window.backups.finished, timeout=60_000) as closing:
        main_window.close()  # the backup made at closing reaches both folders
    assert isinstance(closing.args[0], backup.Checked) and messages == []
    assert len(list(usb.glob(f"*{backup.SUFFIX}"))) == len(list(nas.glob(f"*{backup.SUFFIX}"))) == 1
