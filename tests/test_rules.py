"""Rules live in the core, once: the command line and the window refuse the same things with the
same words (the passphrase of the clinic key, who acts by default)."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from clinicguard.cli import main
from clinicguard.core.keys import WeakPassphrase
from clinicguard.core.workspace import Workspace, clinic_exists
from clinicguard.model.people import Role
from clinicguard.ui.setup_dialog import SetupDialog
from tests.conftest import MANAGER, MANAGER_SECRET

WEAK = "tilleul"  # 7 characters
FRENCH_REFUSAL = "La phrase secrète doit comporter au moins 12 caractères."


@pytest.fixture
def no_keyring():
    """A PC without a secure credential store: the clinic key needs a passphrase."""
    keyring.set_keyring(fail.Keyring())


def test_init_refuses_a_short_passphrase_and_creates_nothing(tmp_path, monkeypatch, capsys, no_keyring):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    monkeypatch.setenv("CLINICGUARD_PASSPHRASE", "abcde")
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet", "--structure", "clinic",
                 "--manager", MANAGER]) == 1
    err = capsys.readouterr().err
    assert FRENCH_REFUSAL in err and "Traceback" not in err
    assert not clinic_exists(data)
    assert not (data / "keys").exists() or not any((data / "keys").iterdir())


def test_init_accepts_a_long_passphrase(tmp_path, monkeypatch, capsys, no_keyring):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    monkeypatch.setenv("CLINICGUARD_PASSPHRASE", "tilleuls et platanes")
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet", "--structure", "clinic",
                 "--manager", MANAGER]) == 0
    assert clinic_exists(data)


def filled_setup(qtbot, data, passphrase: str, again: str) -> SetupDialog:
    """The first-run dialog on a PC without a credential store, filled in by the manager."""
    dialog = SetupDialog(data)
    qtbot.addWidget(dialog)
    assert dialog.needs_passphrase
    dialog.name_edit.setText("Cabinet")
    dialog.manager_edit.setText(MANAGER)
    dialog.secret_edit.setText(MANAGER_SECRET)
    dialog.secret_again.setText(MANAGER_SECRET)
    dialog.passphrase_edit.setText(passphrase)
    dialog.passphrase_again.setText(again)
    return dialog


def test_the_setup_dialog_refuses_the_same_passphrase_with_the_same_words(qtbot, tmp_path, no_keyring):
    data = tmp_path / "clinic"
    dialog = filled_setup(qtbot, data, "abcde", "abcde")
    dialog.submit()
    assert dialog.error_label.text() == FRENCH_REFUSAL
    assert not clinic_exists(data)


def test_creating_a_clinic_in_the_core_refuses_it_too(tmp_path, no_keyring, small_catalogue):
    with pytest.raises(WeakPassphrase) as refused:
        Workspace.create(tmp_path / "c", clinic_name="Cabinet", structure="clinic", manager_name=MANAGER,
                         manager_secret=MANAGER_SECRET, passphrase=WEAK, catalogue=small_catalogue)
    assert str(refused.value) == FRENCH_REFUSAL
    assert not clinic_exists(tmp_path / "c")


def test_a_command_acts_as_the_manager_profile_even_after_the_manager_name_changes(workspace, manager, monkeypatch,
                                                                                  capsys):
    workspace.settings.update(manager, manager_name="Direction du cabinet")
    workspace.close()
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["checklist", "set", "--data-dir", str(workspace.data_dir), "GOV-ROLES-01", "compliant"]) == 0
    reopened = Workspace.open(workspace.data_dir)
    try:
        assert reopened.people.default_manager().role is Role.MANAGER
        [entry] = reopened.audit.search(kind="assessment.update")
        assert entry.actor_name == MANAGER
    finally:
        reopened.close()


def test_the_setup_dialog_asks_the_passphrase_twice(qtbot, tmp_path, no_keyring):
    """Where no credential store keeps the key, a passphrase mistyped at creation would lock the
    clinic's key away: it is typed twice, and a mismatch creates nothing."""
    data = tmp_path / "c"
    dialog = filled_setup(qtbot, data, "correct horse battery staple", "correct horse battery stapel")
    dialog.submit()
    assert dialog.error_label.text() == "Les deux phrases secrètes diffèrent." and not clinic_exists(data)
    dialog.passphrase_again.setText("correct horse battery staple")
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        dialog.submit()
    ws, _recovery = dialog.result_value
    ws.close()
    opened = Workspace.open(data, passphrase="correct horse battery staple")
    assert opened.vault.verify().ok
    opened.close()

