"""pytest-qt on the real main window: Fichier › Sauvegardes… lists the backups found at the
destinations with their state (read back in full off the UI thread, as `backup list` does),
verifies the chosen one with progress, and says when a destination is missing without the
window waiting for it; the dashboard card looks for its folder off the UI thread too."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from clinicguard.core import backup
from clinicguard.ui import ops
from clinicguard.ui.backup_text import local_time, size_text
from clinicguard.ui.backups_dialog import BackupsDialog, BackupsModel


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _open_from_the_menu(window) -> BackupsDialog:
    menu = window.menuBar().actions()[0].menu()
    (action,) = [a for a in menu.actions() if a.text() == "Sauve&gardes…"]
    action.trigger()
    dialog = window.backups.backups_dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Sauvegardes"
    return dialog


def _cell(dialog, row, column):
    return dialog.model.index(row, column).data()


def _states(dialog):
    return [_cell(dialog, n, BackupsModel.STATE) for n in range(dialog.model.rowCount())]


def _all_read(dialog):
    return dialog.model.rowCount() > 0 and not dialog._busy(dialog.check_op) and \
        all(r["state"] != "not-verified" for r in dialog.model.rows)


@pytest.fixture
def usb(tmp_path, workspace, manager):
    folder = tmp_path / "usb"
    folder.mkdir()
    workspace.backup_settings.update(manager, destination=str(folder), at_closing=False)
    return folder


def test_the_dialog_lists_the_backups_with_their_state_and_marks_the_last_verified(qtbot, main_window, workspace,
                                                                                   manager, usb):
    older = backup.create(workspace, manager, usb)
    newer = backup.create(workspace, manager, usb)
    _flip_a_byte(older.path)
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    assert [r["file"] for r in dialog.model.rows] == [newer.path.name, older.path.name]  # newest first
    assert _cell(dialog, 0, BackupsModel.DATE) == local_time(newer.manifest["created_at"])
    assert _cell(dialog, 0, BackupsModel.FOLDER) == str(usb)
    assert _cell(dialog, 0, BackupsModel.FILE) == newer.path.name
    assert _cell(dialog, 0, BackupsModel.SIZE) == size_text(newer.size)
    newest, damaged = _states(dialog)
    assert newest == "vérifiée (la dernière vérifiée)"
    assert damaged.startswith("endommagée : ") and "endommagée ou incomplète" in damaged
    assert dialog.model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()  # the last verified stands out
    assert dialog.model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    assert not dialog.missing_label.isVisible() and not dialog.stop_button.isVisible()
    # the same rows as `clinicguard backup list` gives
    cli = backup.backups_at([str(usb)], workspace.keys.identity, last_verified=newer.path.name).rows
    assert [(r["file"], r["state"], r["last_verified"]) for r in cli] == \
        [(r["file"], r["state"], r["last_verified"]) for r in dialog.model.rows]


def test_verify_the_chosen_backup_with_progress_updates_its_state_and_the_journal(qtbot, main_window, workspace,
                                                                                  manager, usb, monkeypatch):
    made = backup.create(workspace, manager, usb)
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    assert _states(dialog) == ["vérifiée (la dernière vérifiée)"]
    _flip_a_byte(made.path)  # the drive damages it after it was listed
    seen = []
    real = backup.verify_recorded

    def reporting(ws, actor, path, *, progress, cancelled):  # what the core reports to the progress dialog
        return real(ws, actor, path, progress=lambda done, total: (seen.append((done, total)), progress(done, total)),
                    cancelled=cancelled)

    monkeypatch.setattr(backup, "verify_recorded", reporting)
    dialog.table.selectRow(0)
    dialog.verify_button.click()
    op = dialog.verify_op
    assert op is not None and op.dialog is not None  # the progress dialog, with its cancel button
    assert op.dialog.labelText() == "Vérification de la sauvegarde…" and op.dialog.findChild(QPushButton)
    qtbot.waitUntil(lambda: not op.running, timeout=60_000)
    assert seen and all(0 <= done <= total for done, total in seen)
    assert _states(dialog)[0].startswith("endommagée : ")
    assert dialog.message.text() == "Relue à l'instant : endommagée."
    assert "endommagée ou incomplète" in dialog.details.text() and made.path.name in dialog.details.text()
    entry = workspace.audit.entries()[-1]
    assert entry.kind == "backup.verify" and entry.after["ok"] is False
    # a good one again: verified, said, journalled
    made_again = backup.create(workspace, manager, usb)
    dialog.reload()
    qtbot.waitUntil(lambda: _all_read(dialog) and dialog.model.rowCount() == 2, timeout=60_000)
    dialog.table.selectRow(0)
    assert dialog.selected_row()["file"] == made_again.path.name
    qtbot.waitUntil(lambda: dialog.verify_button.isEnabled())
    op = dialog.verify_selected()
    qtbot.waitUntil(lambda: not op.running, timeout=60_000)
    assert _states(dialog)[0] == "vérifiée (la dernière vérifiée)"
    assert "est complète" in dialog.message.text()
    entry = workspace.audit.entries()[-1]
    assert entry.kind == "backup.verify" and entry.after["ok"] is True


def test_a_verification_is_cancelled_from_its_progress_dialog(qtbot, main_window, workspace, manager, usb, tmp_path):
    big = tmp_path / "scan.bin"
    big.write_bytes(os.urandom(24 << 20))  # long enough to be cancelled on the way
    workspace.vault.add(manager, big, title="Scan")
    backup.create(workspace, manager, usb)
    dialog = _open_from_the_menu(main_window)
    dialog.stop_checking()  # the dialog's own reading of it would race with the test's
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and not dialog._busy(dialog.check_op), timeout=60_000)
    entries = len(workspace.audit.entries())
    dialog.table.selectRow(0)
    op = dialog.verify_selected()
    op.signals.progress.connect(lambda *_: op.dialog is not None and op.dialog.findChild(QPushButton).click())
    qtbot.waitUntil(lambda: not op.running, timeout=60_000)
    assert "annulée" in dialog.message.text()
    assert dialog.model.rows[0]["state"] == "not-verified"  # a cancelled check is no result
    assert len(workspace.audit.entries()) == entries


def test_a_missing_destination_is_reported_without_the_window_waiting(qtbot, main_window, workspace, manager, usb,
                                                                      tmp_path, monkeypatch):
    made = backup.create(workspace, manager, usb)
    share = tmp_path / "nas"
    share.mkdir()
    workspace.backup_settings.update(manager, second_destination=str(share))
    share.rmdir()  # the share is gone, and answers slowly
    answer = threading.Event()
    real = backup.destination_available

    looks = []

    def slow_share(folder):
        if str(folder) == str(share):
            looks.append(folder)
            assert answer.wait(60)
        return real(folder)

    monkeypatch.setattr(backup, "destination_available", slow_share)
    try:
        dialog = _open_from_the_menu(main_window)  # returns while the share has not answered
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=60_000)
        assert dialog.model.rows[0]["file"] == made.path.name  # the drive that answered is listed
        assert dialog.busy_label.isVisible() and str(share) in dialog.busy_label.text()
        assert "Recherche des sauvegardes" in dialog.busy_label.text()
        assert not dialog.missing_label.isVisible()
        dialog.reload()  # "Refresh" while the share has not answered: it is not asked twice
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=60_000)
        assert looks == [str(share)] and "Recherche des sauvegardes" in dialog.busy_label.text()
    finally:
        answer.set()
    qtbot.waitUntil(lambda: dialog.missing_label.isVisible(), timeout=60_000)
    assert dialog.missing_label.text() == f"Le dossier de sauvegarde {share} est introuvable : branchez la clé ou " \
                                          "le disque, ou reconnectez le partage."
    opened = []
    monkeypatch.setattr(BackupsDialog, "open_url", staticmethod(lambda url: opened.append(url) or True))
    dialog.table.selectRow(0)
    dialog.folder_button.click()
    assert [u.toLocalFile() for u in opened] == [str(usb)]
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)


def test_no_destination_and_an_empty_one_say_what_to_do(qtbot, main_window, workspace, manager, tmp_path):
    dialog = _open_from_the_menu(main_window)
    assert dialog.busy_label.text() == "Aucun dossier de sauvegarde n'est choisi : choisissez-en un dans les " \
                                       "Paramètres."
    assert not dialog.verify_button.isEnabled() and dialog.backup_button.isEnabled()
    dialog.close()
    empty = tmp_path / "usb"
    empty.mkdir()
    workspace.backup_settings.update(manager, destination=str(empty), at_closing=False)
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: "Aucune sauvegarde" in dialog.busy_label.text(), timeout=60_000)
    assert dialog.model.rowCount() == 0


def test_back_up_now_from_the_dialog_lists_the_new_backup(qtbot, main_window, workspace, usb, messages):
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: "Aucune sauvegarde" in dialog.busy_label.text(), timeout=60_000)
    with qtbot.waitSignal(main_window.backups.finished, timeout=60_000) as blocker:
        dialog.backup_button.click()
    made = blocker.args[0]
    assert isinstance(made, backup.Checked)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    assert [r["file"] for r in dialog.model.rows] == [made.path.name]
    assert _states(dialog) == ["vérifiée (la dernière vérifiée)"]


def test_the_dashboard_card_looks_for_its_folder_off_the_ui_thread(qtbot, main_window, workspace, manager, usb,
                                                                   tmp_path, monkeypatch):
    backup.create(workspace, manager, usb)
    card = main_window.pages["dashboard"].backup_box
    qtbot.waitUntil(lambda: ops.running() == 0)
    gone = tmp_path / "share"
    answer = threading.Event()
    asked = []
    real = backup.paths_present

    def slow_share(paths):
        asked.append(paths)
        assert answer.wait(60)
        return real(paths)

    monkeypatch.setattr(backup, "paths_present", slow_share)
    try:
        workspace.backup_settings.update(manager, destination=str(gone))  # the dashboard refreshes
        card.refresh()  # returns at once: the share has not answered yet
        assert "Dernière sauvegarde vérifiée" in card.summary.text() and str(usb) in card.summary.text()
        assert "introuvable" not in card.warnings.text()
        qtbot.waitUntil(lambda: bool(asked))
    finally:
        answer.set()
    qtbot.waitUntil(lambda: "introuvable" in card.warnings.text(), timeout=60_000)
    assert card.warnings.text() == f"Le dossier de sauvegarde {gone} est introuvable : branchez la clé ou le disque, " \
                                   "ou reconnectez le partage."
    monkeypatch.setattr(backup, "paths_present", real)
    gone.mkdir()  # plugged in
    card.refresh()
    qtbot.waitUntil(lambda: not card.warnings.isVisible(), timeout=60_000)
    (made,) = usb.glob(f"*{backup.SUFFIX}")
    made.unlink()  # the last verified backup deleted by hand from its drive
    card.refresh()
    qtbot.waitUntil(lambda: "n'est plus dans" in card.warnings.text(), timeout=60_000)
    assert made.name in card.warnings.text() and "faites-en une nouvelle" in card.warnings.text()


def test_closing_the_window_stops_the_reading_of_the_backups(qtbot, open_main_window, workspace, manager, usb,
                                                             monkeypatch):
    for _ in range(3):
        backup.create(workspace, manager, usb)
    read = []
    real = backup.check_backup
    monkeypatch.setattr(backup, "check_backup", lambda row, *a, **k: read.append(row["file"]) or real(row, *a, **k))
    window = open_main_window(workspace, manager)
    _open_from_the_menu(window)
    window.close()
    assert not window.isVisible()
    assert ops.drain()
    assert len(read) <= 1  # at most the one under way: closing does not wait for all of them


def test_the_dialog_closes_when_the_window_locks(qtbot, main_window, workspace, manager, usb):
    backup.create(workspace, manager, usb)
    dialog = _open_from_the_menu(main_window)
    main_window.state.set_actor(None)  # what the inactivity lock does
    assert not dialog.isVisible()


def test_escape_closes_the_dialog_and_stops_the_reading(qtbot, main_window, workspace, manager, usb, tmp_path,
                                                        monkeypatch):
    big = tmp_path / "scan.bin"
    big.write_bytes(os.urandom(12 << 20))  # a backup read in several steps
    workspace.vault.add(manager, big, title="Scan")
    backup.create(workspace, manager, usb)
    started, closed, outcome = threading.Event(), threading.Event(), []
    real = backup.check_backup

    def reading(row, identity, *, replay, progress, cancelled):
        def step(done, total):
            started.set()
            assert closed.wait(60)  # the user presses Escape while it is being read
            progress(done, total)
        try:
            result = real(row, identity, replay=replay, progress=step, cancelled=cancelled)
        except backup.BackupCancelled:
            outcome.append("cancelled")
            raise
        outcome.append("read to the end")
        return result

    monkeypatch.setattr(backup, "check_backup", reading)
    dialog = _open_from_the_menu(main_window)
    try:
        qtbot.waitUntil(started.is_set, timeout=60_000)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
    finally:
        closed.set()
    assert ops.drain()
    assert outcome == ["cancelled"]


def test_enter_on_a_row_verifies_it(qtbot, main_window, workspace, manager, usb):
    backup.create(workspace, manager, usb)
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    entries = len(workspace.audit.entries())
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.verify_op is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.verify_op is None, timeout=60_000)
    assert "est complète" in dialog.message.text()
    assert [e.kind for e in workspace.audit.entries()[entries:]] == ["backup.verify"]  # once


def test_opened_again_the_dialog_does_not_read_the_same_backups_again(qtbot, main_window, workspace, manager, usb,
                                                                      monkeypatch):
    older = backup.create(workspace, manager, usb)
    newer = backup.create(workspace, manager, usb)
    real, read = backup.check_backup, []
    monkeypatch.setattr(backup, "check_backup", lambda row, *a, **k: (read.append(row["file"]), real(row, *a, **k))[1])
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    assert sorted(read) == sorted([older.path.name, newer.path.name])
    dialog.close()
    read.clear()
    dialog = _open_from_the_menu(main_window)  # a USB drive's backups are not all read once more
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    qtbot.wait(100)
    assert read == []
    assert all(state.startswith("vérifiée (relue à ") for state in _states(dialog))  # says when it was read
    dialog.close()
    _flip_a_byte(older.path)  # changed since: read again
    os.utime(older.path, ns=(older.path.stat().st_atime_ns, older.path.stat().st_mtime_ns + 10**9))
    dialog = _open_from_the_menu(main_window)
    qtbot.waitUntil(lambda: _all_read(dialog), timeout=60_000)
    assert read == [older.path.name]
    assert _states(dialog)[1].startswith("endommagée : ")
