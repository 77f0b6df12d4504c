"""pytest-qt on the real main window: Fichier › Sauvegarder and › Vérifier une sauvegarde run off the
UI thread with progress and cancel, errors are told in French with no file left, the settings
page keeps the backup settings, the dashboard card warns and offers the button, and the window
backs up on its schedule and when it closes."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QFileDialog, QPushButton

from clinicguard.core import backup
from clinicguard.core.settings import LAST_BACKUP_KEY
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.ui import backup_ui, ops


def _backups(folder):
    return sorted(folder.glob(f"*{backup.SUFFIX}"))


def _finish(qtbot, window):
    with qtbot.waitSignal(window.backups.finished, timeout=60_000) as blocker:
        pass
    return blocker.args[0]


def _file_menu_actions(window):
    menu = window.menuBar().actions()[0].menu()
    return [a.text() for a in menu.actions()]


def test_the_file_menu_backs_up_and_the_dashboard_shows_it(qtbot, main_window, workspace, manager, tmp_path,
                                                          messages, monkeypatch):
    assert "&Sauvegarder…" in _file_menu_actions(main_window)
    assert "&Vérifier une sauvegarde…" in _file_menu_actions(main_window)
    card = main_window.pages["dashboard"].backup_box
    assert "Aucune sauvegarde" in card.summary.text() and "première sauvegarde" in card.warnings.text()
    usb = tmp_path / "usb"
    usb.mkdir()
    # no destination yet: the window asks for one and keeps it
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    workspace.backup_settings.update(manager, at_closing=False)
    with qtbot.waitSignal(main_window.backups.finished, timeout=60_000) as blocker:
        main_window.backups.backup_action.trigger()
    made = blocker.args[0]
    assert isinstance(made, backup.Checked) and _backups(usb) == [made.path]
    assert backup.verify(made.path, workspace.keys.identity)
    assert workspace.backup_settings.current.destination == str(usb)
    assert messages and messages[-1][0] == "information" and "vérifiée" in messages[-1][1]
    qtbot.waitUntil(lambda: "Dernière sauvegarde vérifiée" in card.summary.text())
    assert str(usb) in card.summary.text() and not card.warnings.isVisible()
    assert workspace.audit.entries()[-1].kind in ("backup.create", "backup.rotate")


def test_an_unplugged_drive_is_told_in_french_and_leaves_no_file(qtbot, main_window, workspace, manager, tmp_path,
                                                                messages):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    usb.rmdir()  # unplugged
    main_window.backups.backup_now()
    error = _finish(qtbot, main_window)
    assert isinstance(error, backup.DestinationUnavailable)
    assert messages[-1][0] == "warning" and "clé USB débranchée" in messages[-1][1]
    assert not usb.exists() and not list(workspace.data_dir.glob(".backup-*"))
    card = main_window.pages["dashboard"].backup_box
    card.refresh()  # the folder is looked for off the UI thread: the warning comes when it answers
    qtbot.waitUntil(lambda: "introuvable" in card.warnings.text())


def test_a_full_destination_is_told_in_french_and_leaves_no_partial_file(qtbot, main_window, workspace, manager,
                                                                        tmp_path, messages, monkeypatch):
    from clinicguard.core import backup_archive

    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)

    from tests.test_backup_rules import FillsUp

    real = backup_archive._open_private  # the drive fills up half-way through
    monkeypatch.setattr(backup_archive, "_open_private", lambda path: FillsUp(real(path), room=4096))
    main_window.backups.backup_now()
    assert isinstance(_finish(qtbot, main_window), backup.DestinationUnavailable)
    assert messages[-1][0] == "warning" and "est pleine" in messages[-1][1]
    assert list(usb.iterdir()) == []


def test_a_backup_is_cancelled_from_its_progress_dialog(qtbot, main_window, workspace, manager, tmp_path, messages):
    big = tmp_path / "scan.bin"
    big.write_bytes(os.urandom(24 << 20))  # long enough to be cancelled on the way
    workspace.vault.add(manager, big, title="Scan")
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    op = main_window.backups.backup_now()
    assert op.dialog is not None and op.dialog.labelText() == "Sauvegarde de la structure…"
    op.signals.progress.connect(lambda *_: op.dialog is not None and op.dialog.findChild(QPushButton).click())
    error = _finish(qtbot, main_window)
    assert isinstance(error, backup.BackupCancelled)
    assert list(usb.iterdir()) == []
    assert "annulée" in main_window.statusBar().currentMessage()
    assert not [m for m in messages if m[0] != "information"]  # a cancel is no error


def test_verify_a_backup_from_the_file_menu(qtbot, main_window, workspace, manager, tmp_path, messages, monkeypatch):
    usb = tmp_path / "usb"
    usb.mkdir()
    made = backup.create(workspace, manager, usb)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(made.path), "")))
    with qtbot.waitSignal(main_window.backups.finished, timeout=60_000):
        main_window.backups.verify_action.trigger()
    assert messages[-1][0] == "information" and "est complète" in messages[-1][1]
    assert workspace.audit.entries()[-1].kind == "backup.verify"
    damaged = tmp_path / f"damaged{backup.SUFFIX}"
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    op = main_window.backups.verify_file(str(damaged))
    assert op.dialog is not None  # progress, with its cancel button
    _finish(qtbot, main_window)
    assert messages[-1][0] == "warning" and "endommagée" in messages[-1][1]


def test_the_settings_page_keeps_the_backup_settings(qtbot, main_window, workspace, tmp_path, monkeypatch):
    box = main_window.show_page("settings").backup_box
    usb, nas = tmp_path / "usb", tmp_path / "nas"
    usb.mkdir()
    nas.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    box.choose_button.click()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(nas)))
    box.choose_second_button.click()
    box.schedule_edit.setCurrentIndex(box.schedule_edit.findText("Désactivée"))
    box.schedule_edit.activated.emit(box.schedule_edit.currentIndex())
    box.closing_edit.setChecked(False)
    box.warn_edit.setValue(3)
    box.warn_edit.editingFinished.emit()
    s = workspace.backup_settings.current
    assert (s.destination, s.second_destination, s.every_hours, s.at_closing, s.warn_after_days) == \
        (str(usb), str(nas), 0, False, 3)
    assert box.destination_edit.text() == str(usb) and "enregistrés" in box.message.text()
    box.clear_second_button.click()
    assert workspace.backup_settings.current.second_destination == ""


def _pretend_last_backup(workspace, folder, days_ago):
    when = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    with workspace.uow.transaction():
        ClinicStore(workspace.db).set_setting(LAST_BACKUP_KEY, json.dumps(
            {"file": "f.cgbackup.age", "folder": str(folder), "size": 5 << 20, "created_at": when, "audit_count": 1}))


def test_the_dashboard_warns_about_an_old_backup_and_offers_the_button(qtbot, main_window, workspace, manager,
                                                                       tmp_path, messages):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    _pretend_last_backup(workspace, usb, 9)
    card = main_window.pages["dashboard"].backup_box
    card.refresh()
    assert "9 jours" in card.warnings.text() and "5,0\u00a0Mo" in card.summary.text()
    with qtbot.waitSignal(main_window.backups.finished, timeout=60_000):
        card.button.click()
    qtbot.waitUntil(lambda: not card.warnings.isVisible())
    assert len(_backups(usb)) == 1


def test_the_window_backs_up_on_its_schedule(qtbot, main_window, workspace, manager, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    assert main_window.backups.timer.isActive()
    qtbot.waitUntil(lambda: ops.running() == 0)  # the vault's start-up check goes first
    op = main_window.backups.backup_if_due()  # what the timer does once a minute
    assert op is not None and op.dialog is None  # quietly, in the background
    _finish(qtbot, main_window)
    assert len(_backups(usb)) == 1
    assert json.loads(workspace.db.execute("SELECT after FROM audit_entry WHERE kind = 'backup.create'")
                      .fetchone()[0])["reason"] == "schedule"
    assert main_window.backups.backup_if_due() is None  # done for today


def test_a_failed_automatic_backup_is_shown_on_the_dashboard(qtbot, main_window, workspace, manager, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    usb.rmdir()
    qtbot.waitUntil(lambda: ops.running() == 0)
    main_window.backups.backup_if_due()
    _finish(qtbot, main_window)
    card = main_window.pages["dashboard"].backup_box
    qtbot.waitUntil(lambda: "dernière sauvegarde automatique a échoué" in card.warnings.text())
    assert "échoué" in main_window.statusBar().currentMessage()


def test_closing_the_window_backs_up_first_without_blocking(qtbot, open_main_window, workspace, manager, tmp_path,
                                                            messages):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb))
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    window = open_main_window(workspace, manager)
    window.close()
    assert window.isVisible()  # still there, the backup running behind its progress dialog
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    (made,) = _backups(usb)
    assert backup.verify(made, workspace.keys.identity).manifest["audit_head"]["count"] > 0
    assert not workspace.backup_settings.due_at_closing()  # a second closing makes no new file


def test_a_failed_backup_at_closing_offers_to_retry_to_close_or_to_stay(qtbot, open_main_window, workspace, manager,
                                                                       tmp_path, messages, monkeypatch):
    from clinicguard.ui.backup_ui import BackupController

    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb))
    usb.rmdir()  # the drive is in a drawer
    asked, choices = [], ["stay", "retry"]

    def choose(self, problem):
        asked.append(problem)
        choice = choices.pop(0)
        if choice == "retry":
            usb.mkdir()  # plugged back in, then "Réessayer"
        return choice

    monkeypatch.setattr(BackupController, "closing_failure_choice", choose)
    window = open_main_window(workspace, manager)
    window.close()
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=60_000)
    qtbot.wait(100)
    assert window.isVisible() and "débranchée" in asked[0]  # "Ne pas fermer": the window stays
    window.close()  # closing again tries again
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert len(asked) == 2 and choices == []
    (made,) = _backups(usb)  # the retry made it
    assert backup.verify(made, workspace.keys.identity)


def test_closing_without_a_backup_when_it_failed(qtbot, open_main_window, workspace, manager, tmp_path, messages,
                                                 monkeypatch):
    from clinicguard.ui.backup_ui import BackupController

    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb))
    usb.rmdir()
    monkeypatch.setattr(BackupController, "closing_failure_choice", lambda self, problem: "close")
    window = open_main_window(workspace, manager)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert not usb.exists()
    assert "débranchée" in workspace.backup_settings.problem  # the dashboard says so at the next start


def test_leftovers_are_removed_when_the_window_opens(qtbot, open_main_window, workspace, manager, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    workspace.backup_settings.update(manager, destination=str(usb), at_closing=False)
    part = usb / f"clinicguard-x-20260101T000000000000{backup.SUFFIX}{backup.PART}"
    part.write_bytes(b"half")
    old = datetime.now().timestamp() - 3600
    os.utime(part, (old, old))
    open_main_window(workspace, manager)
    qtbot.waitUntil(lambda: not part.exists())
    assert backup_ui.SCHEDULE_CHECK_MS == 60_000
