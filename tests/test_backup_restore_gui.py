"""The first-start screen's "Restaurer une sauvegarde": on a new PC (no keyring entry), a backup and
the recovery key bring the clinic back into the clinic folder, which then opens with its people
and its evidence; a wrong key or a damaged file is refused in French with nothing written."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from clinicguard.core import backup
from clinicguard.core.workspace import Workspace, clinic_exists
from clinicguard.ui.setup_dialog import SetupDialog
from tests.conftest import MANAGER, MANAGER_SECRET
from tests.signing_in import start_signed_in


def _clinic_with_a_backup(tmp_path, small_catalogue):
    ws, recovery = Workspace.create(tmp_path / "old-pc" / "clinic", clinic_name="Cabinet des Lilas",
                                    structure="group-practice", manager_name=MANAGER, manager_secret=MANAGER_SECRET,
                                    catalogue=small_catalogue)
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    source = tmp_path / "charte.pdf"
    source.write_bytes(b"%PDF charte informatique " * 200)
    ws.vault.add(manager, source, title="Charte")
    usb = tmp_path / "usb"
    usb.mkdir()
    made = backup.create(ws, manager, usb)
    ws.close()
    return made.path, recovery, source.read_bytes()


def _restore_dialog(qtbot, data_dir):
    setup = SetupDialog(data_dir)
    qtbot.addWidget(setup)
    assert setup.restore_button.text() == "Restaurer une sauvegarde…"
    dialog = setup.restore_backup()
    return setup, dialog


def test_a_new_pc_restores_from_the_first_start_screen_and_opens_the_clinic(qtbot, tmp_path, small_catalogue,
                                                                           memory_keyring, monkeypatch):
    file, recovery, pdf = _clinic_with_a_backup(tmp_path, small_catalogue)
    memory_keyring.secrets.clear()  # a new PC
    data_dir = tmp_path / "new-pc" / "ClinicGuard"
    data_dir.mkdir(parents=True)
    (data_dir / "window.lock").write_text("1")  # held by the first-start screen
    setup, dialog = _restore_dialog(qtbot, data_dir)
    from PySide6.QtWidgets import QLabel, QLineEdit
    labels = {label.text(): label.buddy() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    assert labels["&Fichier de sauvegarde"] is dialog.file_edit  # Alt+F goes to the field, "&" not shown
    assert labels["Clé de &secours"] is dialog.key_edit
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_key.setChecked(True)  # 74 characters from paper: checked on screen
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.file_edit.setText(str(file))
    dialog.key_edit.setText(recovery)
    with qtbot.waitSignal(setup.accepted, timeout=60_000):
        op = dialog.submit()
        assert op.dialog is not None  # progress, with a cancel button
    assert setup.restored and clinic_exists(data_dir) and (data_dir / "window.lock").exists()
    assert memory_keyring.secrets  # the clinic key is kept on this PC

    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    window, _user = start_signed_in(qtbot, data_dir, typing_ms=50)
    try:
        ws = window.state.ws
        assert ws.settings.clinic.name == "Cabinet des Lilas"
        (evidence,) = ws.vault.store.all()
        out = tmp_path / "back.pdf"
        ws.vault.decrypt_copy(window.state.actor, evidence, out)
        assert out.read_bytes() == pdf
        assert ws.audit.verify().ok and ws.audit.entries()[-2].kind == "backup.restore"
    finally:
        window.state.ws.close()


def test_a_wrong_key_or_a_damaged_file_is_refused_and_nothing_is_written(qtbot, tmp_path, small_catalogue,
                                                                        memory_keyring, monkeypatch):
    file, recovery, _ = _clinic_with_a_backup(tmp_path, small_catalogue)
    memory_keyring.secrets.clear()
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: None))
    data_dir = tmp_path / "new-pc" / "ClinicGuard"
    setup, dialog = _restore_dialog(qtbot, data_dir)
    dialog.file_edit.setText(str(file))
    dialog.submit()
    assert "clé de secours" in dialog.error_label.text()
    dialog.key_edit.setText("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=60_000)
    assert "clé" in dialog.error_label.text() and not setup.restored
    damaged = tmp_path / f"damaged{backup.SUFFIX}"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    dialog.file_edit.setText(str(damaged))
    dialog.key_edit.setText(recovery)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=60_000)
    assert "endommagée" in dialog.error_label.text()
    assert not data_dir.exists() or not any(data_dir.iterdir())
    assert not [p for p in data_dir.parent.iterdir() if p.name.startswith(".")]


def test_on_a_pc_without_a_credential_store_the_restore_asks_for_a_new_passphrase(qtbot, tmp_path, small_catalogue,
                                                                                 monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    file, recovery, _ = _clinic_with_a_backup(tmp_path, small_catalogue)
    keyring.set_keyring(FailKeyring())
    data_dir = tmp_path / "new-pc" / "ClinicGuard"
    setup, dialog = _restore_dialog(qtbot, data_dir)
    assert dialog.needs_passphrase
    dialog.file_edit.setText(str(file))
    dialog.key_edit.setText(recovery)
    dialog.passphrase_edit.setText("court")
    dialog.submit()
    assert dialog.error_label.text() and not data_dir.exists()  # too short: refused before anything runs
    dialog.passphrase_edit.setText("correct horse battery staple")
    dialog.confirm_edit.setText("correct horse battery stapel")
    dialog.submit()
    assert dialog.error_label.text() == "Les deux phrases secrètes diffèrent." and not data_dir.exists()
    dialog.confirm_edit.setText("correct horse battery staple")
    with qtbot.waitSignal(setup.accepted, timeout=60_000):
        dialog.submit()
    assert setup.restore_passphrase == "correct horse battery staple"  # the clinic opens with it
    ws = Workspace.open(data_dir, passphrase="correct horse battery staple", catalogue=small_catalogue)
    try:
        assert ws.people.sign_in(MANAGER, MANAGER_SECRET).name == MANAGER
    finally:
        ws.close()


def test_after_a_restore_the_window_says_what_came_back_and_does_not_ask_the_passphrase_again(
        qtbot, tmp_path, small_catalogue, monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from clinicguard.core import backup
    from clinicguard.ui import setup_dialog

    file, recovery, _ = _clinic_with_a_backup(tmp_path, small_catalogue)
    keyring.set_keyring(FailKeyring())  # no credential store: the key goes into a passphrase file
    data_dir = tmp_path / "new-pc" / "ClinicGuard"

    class RestoredSetup:  # the first-start screen, answered: "Restaurer une sauvegarde"
        def __init__(self, folder):
            self.folder, self.result_value = folder, None

        def exec(self):
            self.restored_from = backup.restore(file, self.folder, recovery, passphrase="correct horse battery")
            self.restored, self.restore_passphrase = True, "correct horse battery"
            return True

    said, asked = [], []
    monkeypatch.setattr(setup_dialog, "SetupDialog", RestoredSetup)
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: said.append(a[2])))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: asked.append(a[2]) or ("", False)))
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    window, _user = start_signed_in(qtbot, data_dir, typing_ms=50)
    try:
        assert asked == []  # the passphrase typed in the restore opened the key
        assert len(said) == 1 and said[0].startswith("La structure a été restaurée.") and "1 fichier de preuve" in said[0]
        assert window.state.ws.keys.loaded
    finally:
        window.state.ws.close()
