"""Start-up: unlocking the clinic key with a passphrase, or with the recovery key when the
credential store lost it (dialogs patched at the boundary)."""

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from clinicguard.ui.app import unlock_clinic_key
from clinicguard.core.workspace import Workspace
from tests.conftest import MANAGER, MANAGER_SECRET
from tests.signing_in import TypingUser, start_signed_in


def answers(monkeypatch, *texts):
    queue = list(texts)
    asked = []

    def get_text(parent, title, label, echo=None):
        asked.append(label)
        value = queue.pop(0)
        return (value, value is not None)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


def make_clinic(path, small_catalogue, passphrase=None):
    ws, recovery = Workspace.create(path, clinic_name="Cabinet", structure="group-practice", manager_name=MANAGER,
                                    manager_secret=MANAGER_SECRET, catalogue=small_catalogue, passphrase=passphrase)
    ws.close()
    return recovery


def test_lost_keyring_entry_is_restored_with_the_recovery_key(qtbot, tmp_path, small_catalogue, memory_keyring,
                                                               monkeypatch):
    recovery = make_clinic(tmp_path / "c", small_catalogue)
    memory_keyring.secrets.clear()  # new Windows profile
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    asked = answers(monkeypatch, "AGE-SECRET-KEY-1NOTTHEKEY", recovery)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: None))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert unlock_clinic_key(ws)
    assert "recovery" in asked[0].lower() or "secours" in asked[0].lower()
    assert any(name.startswith("clinic-") for _, name in memory_keyring.secrets)
    assert ws.people.sign_in(MANAGER, MANAGER_SECRET).name == MANAGER  # audit key is back too
    assert ws.audit.verify().ok
    ws.close()


def test_passphrase_file_is_unlocked_after_a_wrong_try(qtbot, tmp_path, small_catalogue, monkeypatch):
    keyring.set_keyring(FailKeyring())
    make_clinic(tmp_path / "c", small_catalogue, passphrase="correct horse battery staple")
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    answers(monkeypatch, "wrong passphrase!!", "correct horse battery staple")
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice", lambda parent, message: "retry")
    assert unlock_clinic_key(ws)
    assert ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.close()


def test_forgotten_passphrase_is_replaced_with_the_recovery_key(qtbot, tmp_path, small_catalogue, monkeypatch):
    keyring.set_keyring(FailKeyring())
    recovery = make_clinic(tmp_path / "c", small_catalogue, passphrase="correct horse battery staple")
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    answers(monkeypatch, "forgotten one", recovery, "a brand new passphrase")
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice", lambda parent, message: "recover")
    assert unlock_clinic_key(ws)
    ws.close()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    ws.keys.unlock("a brand new passphrase")
    assert ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.close()


def test_cancelling_leaves_the_clinic_locked_and_untouched(qtbot, tmp_path, small_catalogue, memory_keyring,
                                                          monkeypatch):
    make_clinic(tmp_path / "c", small_catalogue)
    saved = dict(memory_keyring.secrets)
    memory_keyring.secrets.clear()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    answers(monkeypatch, None)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert not unlock_clinic_key(ws)
    ws.close()
    memory_keyring.secrets.update(saved)  # the real key still works: nothing was lost
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    assert ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.close()


def test_only_one_window_per_clinic_folder(qtbot, tmp_path):
    from clinicguard.ui.app import lock_clinic_folder

    first = lock_clinic_folder(tmp_path / "c")
    assert first is not None
    assert lock_clinic_folder(tmp_path / "c") is None  # a second window is refused
    first.unlock()
    assert lock_clinic_folder(tmp_path / "c") is not None  # free again once the first closes


def test_a_lock_left_by_another_computer_can_be_taken_over(qtbot, tmp_path, monkeypatch):
    from clinicguard.ui import app

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "window.lock").write_text("999999\nClinicGuard\nautre-poste\n")  # QLockFile's format
    assert app.lock_clinic_folder(folder) is None  # not recognised as stale: another host
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert app.acquire_clinic_folder(folder) is None  # the user keeps the other PC's window
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    lock = app.acquire_clinic_folder(folder)
    assert lock is not None
    lock.unlock()


# ---- the clinic is opened, and its key unlocked, while the sign-in dialog is shown (issue 18) -----
PASSPHRASE = "correct horse battery staple"


def passphrase_clinic(folder, small_catalogue, monkeypatch) -> None:
    """A clinic whose key is in the passphrase file, on a PC without a credential store."""
    keyring.set_keyring(FailKeyring())
    make_clinic(folder, small_catalogue, passphrase=PASSPHRASE)
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)


def test_the_passphrase_unlock_runs_while_the_sign_in_dialog_is_shown(qtbot, tmp_path, small_catalogue,
                                                                       monkeypatch):
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    answers(monkeypatch, "correct horse battery staple")
    window, user = start_signed_in(qtbot, tmp_path / "c")
    assert user.shown == [False]  # the dialog came up before the key was open
    assert window.state.ws.keys.loaded and window.state.actor.name == MANAGER
    window.state.ws.close()


def test_a_start_through_the_real_passphrase_prompt_signs_in(qtbot, tmp_path, small_catalogue, monkeypatch):
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    window, user = start_signed_in(qtbot, tmp_path / "c", passphrase="correct horse battery staple", typing_ms=300)
    assert len(user.prompts) == 1 and len(user.shown) == 1  # asked once, signed in once
    assert window.state.ws.keys.loaded and window.state.actor.name == MANAGER
    window.state.ws.close()


def test_a_wrong_passphrase_is_asked_again_over_the_sign_in_which_stays(qtbot, tmp_path, small_catalogue,
                                                                         monkeypatch):
    """The passphrase turns out wrong while the sign-in dialog is up: the choice every wrong
    passphrase gets comes over that dialog, which stays with what was typed, and a sign-in
    submitted meanwhile is checked once the right passphrase opens the key."""
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    asked = answers(monkeypatch, "wrong passphrase!!", PASSPHRASE)
    choices = []
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice",
                        lambda parent, message: choices.append((parent, message)) or "retry")
    window, user = start_signed_in(qtbot, tmp_path / "c", typing_ms=0)  # signs in at once
    assert len(choices) == 1 and choices[0][0] is user.dialogs[0] and "incorrecte" in choices[0][1]
    assert len(asked) == 2 and "incorrecte" in asked[1]  # asked again, saying why
    assert len(user.dialogs) == 1  # one sign-in dialog, never closed and shown again
    assert window.state.ws.keys.loaded and window.state.actor.name == MANAGER
    window.state.ws.close()


def test_a_wrong_passphrase_found_while_the_user_types_waits_for_their_sign_in(qtbot, tmp_path, small_catalogue,
                                                                                 monkeypatch):
    """The passphrase turns out wrong while the user is still typing their password: the sign-in
    dialog says so and nothing takes the keyboard from them; the choice comes when they submit, and
    what they submitted is checked once the right passphrase opens the key."""
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    asked = answers(monkeypatch, "wrong passphrase!!", PASSPHRASE)
    choices = []
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice",
                        lambda parent, message: choices.append(message) or "retry")
    typed = TypingUser._type

    def types_on(self, dialog):  # still typing when the refusal comes
        qtbot.waitUntil(lambda: "incorrecte" in dialog.error_label.text(), timeout=30_000)
        assert choices == [] and dialog.isVisible() and QApplication.activeModalWidget() in (dialog, None)
        typed(self, dialog)

    monkeypatch.setattr(TypingUser, "_type", types_on)
    window, user = start_signed_in(qtbot, tmp_path / "c", typing_ms=0)
    assert len(choices) == 1 and len(asked) == 2 and len(user.dialogs) == 1
    assert window.state.actor.name == MANAGER
    window.state.ws.close()


def test_giving_up_at_a_wrong_passphrase_ends_the_start(qtbot, tmp_path, small_catalogue, monkeypatch):
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    answers(monkeypatch, "wrong passphrase!!")
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice", lambda parent, message: "cancel")
    window, user = start_signed_in(qtbot, tmp_path / "c", typing_ms=0)
    assert window is None and len(user.dialogs) == 1 and not user.dialogs[0].isVisible()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)  # closed: it opens again
    ws.close()


def test_closing_the_sign_in_while_its_check_runs_ends_the_start(qtbot, tmp_path, small_catalogue,
                                                                 monkeypatch):
    """Cancel while the password is checked: the start ends, and the check's result, when it
    comes, neither signs anyone in nor touches the closed clinic."""
    from clinicguard.ui import ops

    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    answers(monkeypatch, PASSPHRASE)

    def type_then_cancel(dialog):
        dialog.secret.setText(MANAGER_SECRET)
        dialog.sign_in_button.click()
        assert dialog.error_label.text() == "Vérification…" and dialog.secret.isReadOnly()
        dialog.reject()  # Annuler stays enabled while the check runs

    monkeypatch.setattr(TypingUser, "_type", lambda self, dialog: type_then_cancel(dialog))
    window, user = start_signed_in(qtbot, tmp_path / "c", typing_ms=0)
    assert window is None and user.dialogs[0].actor is None
    assert ops.drain()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    assert not any(entry.kind == "session.sign-in" for entry in ws.audit.entries())
    ws.close()


class SlowKeyring(KeyringBackend):
    """The credential store, slow to answer as it can be at a Windows session's start: it answers
    only once the sign-in dialog is up."""

    priority = 1

    def __init__(self, secrets):
        super().__init__()
        self.secrets = secrets

    def get_password(self, service, username):
        assert TypingUser.up.wait(10), "the sign-in dialog waited for the credential store"
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


def test_the_credential_store_is_read_while_the_sign_in_dialog_is_shown(qtbot, tmp_path, small_catalogue,
                                                                        memory_keyring, monkeypatch):
    make_clinic(tmp_path / "c", small_catalogue)
    keyring.set_keyring(SlowKeyring(memory_keyring.secrets))
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    asked = answers(monkeypatch)  # nothing may be asked
    window, user = start_signed_in(qtbot, tmp_path / "c")
    assert user.shown == [False]  # the dialog came up before the key was read
    assert asked == []
    assert window.state.ws.keys.loaded and window.state.actor.name == MANAGER
    window.state.ws.close()


def test_a_lost_credential_store_entry_interrupts_the_sign_in_for_the_recovery_key(qtbot, tmp_path, small_catalogue,
                                                                                  memory_keyring, monkeypatch):
    recovery = make_clinic(tmp_path / "c", small_catalogue)
    memory_keyring.secrets.clear()  # a new Windows profile
    keyring.set_keyring(SlowKeyring(memory_keyring.secrets))
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: None))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: None))
    asked = answers(monkeypatch, recovery)
    window, user = start_signed_in(qtbot, tmp_path / "c")
    assert len(asked) == 1 and ("secours" in asked[0] or "recovery" in asked[0].lower())
    assert len(user.shown) == 2  # the sign-in came back once the key was recovered
    assert window.state.ws.keys.loaded and window.state.actor.name == MANAGER
    assert any(name.startswith("clinic-") for _, name in memory_keyring.secrets)  # kept for the next start
    window.state.ws.close()


def test_a_kept_demo_without_a_credential_store_says_the_passphrase_and_it_opens_it(qtbot, tmp_path):
    """`--demo --data-dir DIR` where no credential store protects the key: the banner gives the
    passphrase the demo chose, and typing it at the next start opens the demo."""
    import re

    from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET
    from clinicguard.ui.app import open_demo

    keyring.set_keyring(FailKeyring())
    window = open_demo(tmp_path / "demo", temporary=False)
    qtbot.addWidget(window)
    found = re.search(r"Phrase secrète de la clé, demandée à chaque ouverture de la structure : (\S+?)\.(\s|$)",
                      window.banner_text)
    assert found, window.banner_text
    window.state.ws.close()
    window.close()
    window, user = start_signed_in(qtbot, tmp_path / "demo", name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET,
                                   passphrase=found.group(1), typing_ms=300)
    assert len(user.prompts) == 1 and window.state.actor.name == DEMO_MANAGER
    assert window.state.ws.vault.verify().ok
    window.state.ws.close()


def test_a_temporary_demo_gives_no_passphrase(qtbot, tmp_path):
    from clinicguard.ui.app import open_demo

    keyring.set_keyring(FailKeyring())
    window = open_demo(tmp_path / "demo", temporary=True)
    qtbot.addWidget(window)
    assert "dossier temporaire" in window.banner_text and "Phrase secrète" not in window.banner_text
    window.state.ws.close()
    window.close()


# ---- a folder that refuses writes, a missing key file (review of the start) -----------------------
class _RefusedLock:
    """QLockFile in a folder that refuses writes (read-only medium or no permission: the tests run
    where root ignores permissions, so the refusal is made at this boundary)."""

    def __init__(self, path):
        self.path = path

    def setStaleLockTime(self, ms):
        pass

    def tryLock(self, ms):
        return False

    def error(self):
        return QLockFile.LockError.PermissionError

    LockError = QLockFile.LockError


def test_a_folder_that_refuses_writes_is_named_as_such_not_as_open_elsewhere(qtbot, workspace, monkeypatch,
                                                                             messages, real_look):
    from clinicguard.ui import app

    folder = workspace.data_dir
    workspace.close()
    monkeypatch.setattr(app, "QLockFile", _RefusedLock)
    assert app.run_gui(folder) == 1
    ((kind, text),) = messages
    assert kind == "warning" and "lecture seule" in text and str(folder) in text
    assert "déjà ouvert" not in text


def test_a_folder_that_cannot_be_created_says_so(qtbot, tmp_path, messages, real_look):
    from clinicguard.ui import app

    (tmp_path / "fichier").write_text("pas un dossier")
    assert app.run_gui(tmp_path / "fichier" / "clinique") == 1
    ((kind, text),) = messages
    assert kind == "warning" and "ne peut pas être créé" in text


def test_a_missing_key_file_offers_the_recovery_key_and_a_new_passphrase(qtbot, tmp_path, small_catalogue,
                                                                           monkeypatch):
    keyring.set_keyring(FailKeyring())
    recovery = make_clinic(tmp_path / "c", small_catalogue, passphrase=PASSPHRASE)
    (tmp_path / "c" / "keys" / "clinic-identity.passphrase.age").unlink()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    asked = answers(monkeypatch, recovery, "une toute nouvelle phrase secrète")
    assert unlock_clinic_key(ws)
    key_file = str(tmp_path / "c" / "keys" / "clinic-identity.passphrase.age")
    lines = asked[0].splitlines()
    assert len(lines) > 2 and all(len(line) <= 72 or key_file in line for line in lines)  # wrapped to fit the screen
    said = " ".join(asked[0].split())
    assert "manque dans le dossier" in said and "clé de secours" in said
    assert "phrase" in asked[1].lower()  # a new passphrase, since no credential store keeps the key
    ws.close()
    again = Workspace.open(tmp_path / "c", passphrase="une toute nouvelle phrase secrète", catalogue=small_catalogue)
    assert again.vault.verify().ok  # the new passphrase file opens the key
    again.close()


def test_a_mistyped_recovery_key_is_said_before_a_new_passphrase_is_asked(qtbot, tmp_path, small_catalogue,
                                                                          monkeypatch, messages):
    keyring.set_keyring(FailKeyring())
    recovery = make_clinic(tmp_path / "c", small_catalogue, passphrase=PASSPHRASE)
    (tmp_path / "c" / "keys" / "clinic-identity.passphrase.age").unlink()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    mistyped = recovery[:-3] + ("Q" if recovery[-3] != "Q" else "P") + recovery[-2:]
    asked = answers(monkeypatch, mistyped, recovery, "une toute nouvelle phrase secrète")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert unlock_clinic_key(ws)
    assert [kind for kind, _text in messages] == ["warning"] and "faute de frappe" in messages[0][1]
    assert len(asked) == 3  # the key, the key again, then the new passphrase: never a passphrase for a wrong key
    ws.close()


def test_cancelling_the_recovery_key_prompt_ends_the_start_at_once(qtbot, tmp_path, small_catalogue, monkeypatch):
    make_clinic(tmp_path / "c", small_catalogue)
    keyring.get_keyring().secrets.clear()  # a new Windows profile: the credential store lost the key
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    asked = answers(monkeypatch, None)  # Annuler
    questions = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: questions.append(a) or
                                                               QMessageBox.StandardButton.Yes))
    assert not unlock_clinic_key(ws)
    assert len(asked) == 1 and questions == []  # no "try the recovery key again?" after Annuler
    ws.close()


def test_a_weak_new_passphrase_at_recovery_is_said(qtbot, tmp_path, small_catalogue, monkeypatch, messages):
    keyring.set_keyring(FailKeyring())
    recovery = make_clinic(tmp_path / "c", small_catalogue, passphrase=PASSPHRASE)
    (tmp_path / "c" / "keys" / "clinic-identity.passphrase.age").unlink()
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)
    answers(monkeypatch, recovery, "court", recovery, "une toute nouvelle phrase secrète")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert unlock_clinic_key(ws)
    assert len(messages) == 1 and "12" in messages[0][1]  # the refusal says the rule
    ws.close()


def test_cancelling_the_sign_in_after_a_wrong_passphrase_ends_the_start(qtbot, tmp_path, small_catalogue,
                                                                        monkeypatch):
    """The dialog said the passphrase was wrong and the user closes it without submitting: the
    start ends (it waited, before, for an answer that could not come)."""
    passphrase_clinic(tmp_path / "c", small_catalogue, monkeypatch)
    answers(monkeypatch, "wrong passphrase!!")
    choices = []
    monkeypatch.setattr("clinicguard.ui.app._wrong_passphrase_choice",
                        lambda parent, message: choices.append(message) or "retry")

    def cancels(self, dialog):
        qtbot.waitUntil(lambda: "incorrecte" in dialog.error_label.text(), timeout=30_000)
        dialog.reject()

    monkeypatch.setattr(TypingUser, "_type", cancels)
    window, user = start_signed_in(qtbot, tmp_path / "c", typing_ms=0)
    assert window is None and choices == [] and not user.dialogs[0].isVisible()
    Workspace.open(tmp_path / "c", catalogue=small_catalogue).close()  # the clinic was closed
