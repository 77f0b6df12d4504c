"""People and roles in the core: what each role may and may not do, PIN lock and unlock, the
password delay, profile management, and the inactivity clock."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta

import keyring
import pytest

from clinicguard.model.errors import ClinicGuardError, PermissionDenied
from clinicguard.core.people import DEFAULT_AUTO_LOCK_MINUTES
from clinicguard.core.secrets import PASSWORD_FREE_FAILURES, PIN_MAX_FAILURES, WeakSecret, secret_kind
from clinicguard.core.session import InactivityClock
from clinicguard.model.people import Actor, Permission, Role
from clinicguard.core.catalogue import load_catalogue
from clinicguard.core.workspace import Workspace, database_path
from tests.conftest import DATA, MANAGER, MANAGER_SECRET, MemoryKeyring

PRACTITIONER, PRACTITIONER_PIN = "Dr Karim Benali", "4826"
ACCOUNTANT, ACCOUNTANT_SECRET = "Mme Roux", "Comptable-Roux-2026"


@pytest.fixture(scope="module")
def team_template(tmp_path_factory):
    """One clinic with a manager, a practitioner (PIN) and an accountant (password), built once:
    the slow secret hashes make building it for each test too costly."""
    backend, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(backend)
    folder = tmp_path_factory.mktemp("team") / "clinic"
    try:
        ws, _ = Workspace.create(folder, clinic_name="Cabinet Test", structure="group-practice",
                                 manager_name=MANAGER, manager_secret=MANAGER_SECRET,
                                 catalogue=load_catalogue(DATA / "catalogue_small.toml"))
        manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
        ws.people.add(manager, PRACTITIONER, "practitioner", PRACTITIONER_PIN)
        ws.people.add(manager, ACCOUNTANT, "accountant", ACCOUNTANT_SECRET)
        ws.close()
    finally:
        keyring.set_keyring(previous)
    return folder, dict(backend.secrets)


@pytest.fixture
def workspace(tmp_path, memory_keyring, team_template, small_catalogue):
    folder, secrets = team_template
    shutil.copytree(folder, tmp_path / "clinic")
    memory_keyring.secrets.update(secrets)
    ws = Workspace.open(tmp_path / "clinic", catalogue=small_catalogue)
    yield ws
    ws.close()


@pytest.fixture
def team(workspace, manager):
    """Each role's actor (the core checks the role, not how the person signed in)."""
    return {
        Role.MANAGER: manager,
        Role.PRACTITIONER: workspace.people.get(PRACTITIONER).actor,
        Role.ACCOUNTANT: workspace.people.get(ACCOUNTANT).actor,
    }


def entry_count(ws) -> int:
    return ws.audit.head()[0]


# ---- each role's allowed and refused operations -------------------------------------------------
def _first_item(ws):
    return ws.catalogue.items[0].id


def _evidence_file(ws, tmp_name="attestation.pdf"):
    path = ws.data_dir.parent / tmp_name
    path.write_bytes(b"%PDF-1.4 training certificate")
    return path


def _lock(ws, name):
    for _ in range(PIN_MAX_FAILURES):
        with pytest.raises(PermissionDenied):
            ws.people.sign_in(name, "0000")
    assert ws.people.get(name).locked


OPERATIONS = {
    "assess": lambda ws, a, m: ws.checklist.set_assessment(a, _first_item(ws), status="compliant"),
    "edit clinic settings": lambda ws, a, m: ws.settings.update(a, name="Cabinet Renommé"),
    "set the automatic lock": lambda ws, a, m: ws.people.set_auto_lock_minutes(a, 5),
    "add a profile": lambda ws, a, m: ws.people.add(a, "Sophie Leroy", "accountant", "Secretaire-Leroy-26"),
    "change a role": lambda ws, a, m: ws.people.change_role(a, ACCOUNTANT, "practitioner"),
    "unlock a profile": lambda ws, a, m: (_lock(ws, PRACTITIONER), ws.people.unlock(a, PRACTITIONER)),
    "reset a secret": lambda ws, a, m: ws.people.reset_secret(a, ACCOUNTANT, "9157"),
    "deactivate a profile": lambda ws, a, m: ws.people.deactivate(a, ACCOUNTANT if a.role is not Role.ACCOUNTANT
                                                                  else PRACTITIONER),
    "sign off an item": lambda ws, a, m: ws.signoffs.confirm(a, _first_item(ws), "fait"),
    "ask for sign-offs": lambda ws, a, m: ws.signoffs.request(a, [_first_item(ws)]),
    "create an action": lambda ws, a, m: ws.plan.create_action(a, title="Chiffrer les postes"),
    "add a budget line": lambda ws, a, m: ws.plan.add_line(
        a, ws.plan.create_action(m, title="Onduleur").id, label="Onduleur", planned_ht=45000),
    "add evidence": lambda ws, a, m: ws.vault.add(a, _evidence_file(ws)),
    "delete evidence": lambda ws, a, m: ws.vault.delete(a, ws.vault.add(m, _evidence_file(ws)).id, "doublon"),
}

ALLOWED = {
    Role.MANAGER: set(OPERATIONS),
    Role.PRACTITIONER: {"assess", "sign off an item", "add evidence"},
    Role.ACCOUNTANT: set(),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_each_role_is_allowed_or_refused_in_the_core(workspace, team, role, operation):
    actor, manager = team[role], team[Role.MANAGER]
    if operation in ALLOWED[role]:
        OPERATIONS[operation](workspace, actor, manager)
        entries = workspace.audit.entries()
        assert entries[-1].actor_name == actor.name  # the change is recorded under the person's name
    else:
        with pytest.raises(PermissionDenied) as refused:
            # setup writes by the manager inside the operation happen before the refused one
            OPERATIONS[operation](workspace, actor, manager)
        assert actor.name in str(refused.value)
        assert all(e.actor_name != actor.name or e.kind.startswith("session.") for e in workspace.audit.entries())


def test_a_refused_change_changes_nothing(workspace, team):
    before = workspace.settings.clinic.name, entry_count(workspace)
    with pytest.raises(PermissionDenied):
        workspace.settings.update(team[Role.PRACTITIONER], name="Piraté")
    assert (workspace.settings.clinic.name, entry_count(workspace)) == before


def test_nobody_signed_in_can_change_nothing(workspace):
    with pytest.raises(PermissionDenied):
        workspace.checklist.set_assessment(None, workspace.catalogue.items[0].id, status="compliant")


def test_a_role_change_counts_at_once_for_someone_already_signed_in(workspace, team):
    manager, practitioner = team[Role.MANAGER], team[Role.PRACTITIONER]
    item = workspace.catalogue.items[0].id
    workspace.people.change_role(manager, PRACTITIONER, "accountant")
    with pytest.raises(PermissionDenied):
        workspace.checklist.set_assessment(practitioner, item, status="compliant")  # the old Actor says practitioner
    workspace.people.deactivate(manager, ACCOUNTANT)
    with pytest.raises(PermissionDenied, match=ACCOUNTANT):
        workspace.signoffs.confirm(team[Role.ACCOUNTANT], item)


# ---- PIN lock and password delay --------------------------------------------------------------
def test_pin_locks_after_failures_until_a_manager_unlocks(workspace, team):
    manager = team[Role.MANAGER]
    for attempt in range(1, PIN_MAX_FAILURES + 1):
        with pytest.raises(PermissionDenied):
            workspace.people.sign_in(PRACTITIONER, "0000")
    assert workspace.people.get(PRACTITIONER).locked
    with pytest.raises(PermissionDenied, match="verrouill|locked"):
        workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN)  # even the right PIN, while locked
    failed = workspace.audit.search(kind="session.sign-in-failed", person=PRACTITIONER)
    assert [e.after["failed_attempts"] for e in failed] == [1, 2, 3]
    assert [e.after["locked"] for e in failed] == [False, False, True]
    assert workspace.audit.entries()[-1].kind == "session.sign-in-refused"

    with pytest.raises(PermissionDenied):
        workspace.people.unlock(team[Role.ACCOUNTANT], PRACTITIONER)
    workspace.people.unlock(manager, PRACTITIONER)
    unlock = workspace.audit.entries()[-1]
    assert (unlock.kind, unlock.actor_name, unlock.object_id) == ("person.unlock", MANAGER, str(team[Role.PRACTITIONER].id))
    assert unlock.before == {"locked": True, "failed_attempts": 3}
    assert unlock.after == {"locked": False, "failed_attempts": 0}
    assert workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN).name == PRACTITIONER


def test_a_right_pin_resets_the_failure_count(workspace, team):
    for _ in range(PIN_MAX_FAILURES - 1):
        with pytest.raises(PermissionDenied):
            workspace.people.sign_in(PRACTITIONER, "0000")
    workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN)
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(PRACTITIONER, "0000")
    assert not workspace.people.get(PRACTITIONER).locked


def test_passwords_wait_after_ten_failures_instead_of_locking(workspace, team):
    now = [workspace.people.clock()]
    workspace.people.clock = lambda: now[0]
    for _ in range(PASSWORD_FREE_FAILURES - 1):
        with pytest.raises(PermissionDenied):
            workspace.people.sign_in(ACCOUNTANT, "Wrong-Password-2026")
    assert workspace.people.get(ACCOUNTANT).locked_until is None
    with pytest.raises(PermissionDenied, match="30"):
        workspace.people.sign_in(ACCOUNTANT, "Wrong-Password-2026")  # the tenth: wait 30 s
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(ACCOUNTANT, ACCOUNTANT_SECRET)  # right password, but too soon
    assert not workspace.people.get(ACCOUNTANT).locked  # never locked: a manager is not needed
    now[0] += timedelta(seconds=31)
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(ACCOUNTANT, "Wrong-Password-2026")  # the eleventh: wait doubles
    now[0] += timedelta(seconds=59)
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(ACCOUNTANT, ACCOUNTANT_SECRET)
    now[0] += timedelta(seconds=2)
    assert workspace.people.sign_in(ACCOUNTANT, ACCOUNTANT_SECRET).name == ACCOUNTANT
    assert workspace.people.get(ACCOUNTANT).failed_attempts == 0


def test_a_manager_can_lift_a_password_delay(workspace, team):
    for _ in range(PASSWORD_FREE_FAILURES):
        with pytest.raises(PermissionDenied):
            workspace.people.sign_in(ACCOUNTANT, "Wrong-Password-2026")
    workspace.people.unlock(team[Role.MANAGER], ACCOUNTANT)
    assert workspace.people.sign_in(ACCOUNTANT, ACCOUNTANT_SECRET).name == ACCOUNTANT


# ---- managing profiles ---------------------------------------------------------------------------
@pytest.mark.parametrize("secret", ["123", "short", "motdepasse", "Abc-1234", "123456789"])
def test_weak_secrets_are_refused(workspace, manager, secret):
    with pytest.raises(WeakSecret):
        workspace.people.add(manager, "Nouveau", "practitioner", secret)
    assert "Nouveau" not in workspace.people.names()


def test_a_manager_must_use_a_password(workspace, manager):
    with pytest.raises(WeakSecret):
        workspace.people.add(manager, "Second Manager", "manager", "4826")
    workspace.people.add(manager, "Pin User", "practitioner", "4826")
    with pytest.raises(WeakSecret):
        workspace.people.change_role(manager, "Pin User", "manager")


def test_the_last_manager_cannot_be_demoted_or_deactivated(workspace, team):
    manager = team[Role.MANAGER]
    with pytest.raises(ClinicGuardError, match=MANAGER):
        workspace.people.change_role(manager, MANAGER, "practitioner")
    with pytest.raises(ClinicGuardError):
        workspace.people.deactivate(manager, MANAGER)
    workspace.people.add(manager, "Paul Durand", "manager", "Second-Manager-2026")
    workspace.people.change_role(manager, MANAGER, "practitioner")
    assert workspace.people.get(MANAGER).role is Role.PRACTITIONER


def test_names_are_unique_even_when_deactivated(workspace, team):
    manager = team[Role.MANAGER]
    with pytest.raises(ClinicGuardError):
        workspace.people.add(manager, PRACTITIONER.upper(), "practitioner", "1357")
    workspace.people.deactivate(manager, PRACTITIONER)
    assert PRACTITIONER not in workspace.people.names()
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN)
    with pytest.raises(ClinicGuardError, match="réactiv|reactivate"):
        workspace.people.add(manager, PRACTITIONER, "practitioner", "1357")
    workspace.people.reactivate(manager, PRACTITIONER)
    assert workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN).name == PRACTITIONER


def test_reset_secret_unlocks_and_asks_for_a_new_secret(workspace, team):
    manager = team[Role.MANAGER]
    for _ in range(PIN_MAX_FAILURES):
        with pytest.raises(PermissionDenied):
            workspace.people.sign_in(PRACTITIONER, "0000")
    workspace.people.reset_secret(manager, PRACTITIONER, "Nouveau-Secret-2026")
    karim = workspace.people.sign_in(PRACTITIONER, "Nouveau-Secret-2026")
    assert workspace.people.must_change_secret(karim)
    with pytest.raises(PermissionDenied):
        workspace.people.change_own_secret(karim, "wrong", "2468")
    workspace.people.change_own_secret(karim, "Nouveau-Secret-2026", "2468")
    assert not workspace.people.must_change_secret(karim)
    with pytest.raises(PermissionDenied):
        workspace.people.sign_in(PRACTITIONER, "Nouveau-Secret-2026")
    assert workspace.people.sign_in(PRACTITIONER, "2468").name == PRACTITIONER


def test_secrets_never_reach_the_audit_trail(workspace, team):
    manager = team[Role.MANAGER]
    workspace.people.reset_secret(manager, ACCOUNTANT, "Autre-Secret-2026!")
    accountant = workspace.people.sign_in(ACCOUNTANT, "Autre-Secret-2026!")
    workspace.people.change_own_secret(accountant, "Autre-Secret-2026!", "Encore-Autre-2026!")
    # the written columns only: a PIN's digits can turn up by chance inside a timestamp or a hash
    dump = "\n".join(str(row) for row in workspace.db.execute(
        "SELECT actor_name, kind, object_type, object_id, before, after FROM audit_entry"))
    for secret in (MANAGER_SECRET, PRACTITIONER_PIN, ACCOUNTANT_SECRET, "Autre-Secret-2026!", "Encore-Autre-2026!",
                   "scrypt$"):
        assert secret not in dump
    with pytest.raises(ValueError):
        workspace.audit.record(manager, "person.update", "person", 1, None, {"secret_hash": "x"})


# ---- the inactivity lock ---------------------------------------------------------------------------
def test_auto_lock_setting_defaults_to_ten_minutes_and_is_audited(workspace, team):
    assert workspace.people.auto_lock_minutes() == DEFAULT_AUTO_LOCK_MINUTES == 10
    with pytest.raises(PermissionDenied):
        workspace.people.set_auto_lock_minutes(team[Role.PRACTITIONER], 30)
    with pytest.raises(ClinicGuardError):
        workspace.people.set_auto_lock_minutes(team[Role.MANAGER], 0)  # the lock cannot be switched off
    workspace.people.set_auto_lock_minutes(team[Role.MANAGER], 3)
    assert workspace.people.auto_lock_minutes() == 3
    entry = workspace.audit.entries()[-1]
    assert (entry.kind, entry.before, entry.after) == ("setting.update", {"value": 10}, {"value": 3})


def test_inactivity_clock_expires_after_the_timeout_and_input_resets_it():
    now = [1000.0]
    clock = InactivityClock(10, now=lambda: now[0])
    now[0] += 9 * 60 + 59
    assert not clock.expired() and clock.remaining() == pytest.approx(1)
    clock.touch()  # a key press or a mouse move
    now[0] += 9 * 60
    assert not clock.expired()
    now[0] += 60
    assert clock.expired()
    clock.set_minutes(20)
    assert not clock.expired()


# ---- attempts made at the same time, a busy database, forged actors --------------------------------
def test_wrong_pins_tried_together_still_lock_the_profile_after_three(workspace):
    # several windows or scripts: every attempt begins (profile not locked yet) before any finishes
    attempts = [workspace.people.begin_sign_in(PRACTITIONER) for _ in range(PIN_MAX_FAILURES + 2)]
    for attempt, pin in zip(attempts, ("0000", "1111", "2222", "3333", "5555")):
        attempt.check(pin)
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            workspace.people.finish_sign_in(attempt)
    person = workspace.people.get(PRACTITIONER)
    assert person.locked and person.failed_attempts == PIN_MAX_FAILURES + 2
    with pytest.raises(PermissionDenied, match="lock|verrouill"):
        workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN)


def test_a_right_pin_finished_after_other_attempts_locked_the_profile_is_refused(workspace):
    right = workspace.people.begin_sign_in(PRACTITIONER)
    wrong = [workspace.people.begin_sign_in(PRACTITIONER) for _ in range(PIN_MAX_FAILURES)]
    assert right.check(PRACTITIONER_PIN)
    for attempt in wrong:
        attempt.check("0000")
        with pytest.raises(PermissionDenied):
            workspace.people.finish_sign_in(attempt)
    with pytest.raises(PermissionDenied, match="lock|verrouill"):
        workspace.people.finish_sign_in(right)
    assert workspace.people.get(PRACTITIONER).locked
    assert workspace.audit.entries()[-1].kind == "session.sign-in-refused"


def test_a_sign_in_cannot_be_finished_without_checking_its_secret_or_twice(workspace):
    attempt = workspace.people.begin_sign_in(PRACTITIONER)
    with pytest.raises(RuntimeError):
        workspace.people.finish_sign_in(attempt)
    attempt.check(PRACTITIONER_PIN)
    with pytest.raises(RuntimeError):
        attempt.check("0000")  # one attempt, one secret
    assert workspace.people.finish_sign_in(attempt).name == PRACTITIONER
    with pytest.raises(RuntimeError):
        workspace.people.finish_sign_in(attempt)


def test_signing_in_while_another_program_writes_says_the_database_is_busy(workspace):
    workspace.db.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(database_path(workspace.data_dir), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        for secret in (PRACTITIONER_PIN, "0000"):
            with pytest.raises(ClinicGuardError, match="busy|occupée"):
                workspace.people.sign_in(PRACTITIONER, secret)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert workspace.people.get(PRACTITIONER).failed_attempts == 0  # the refused wrong PIN did not count
    assert workspace.people.sign_in(PRACTITIONER, PRACTITIONER_PIN).name == PRACTITIONER


def test_a_forged_actor_without_a_profile_is_refused(workspace, team):
    forged = Actor(None, "Intrus", Role.MANAGER)
    count = entry_count(workspace)
    with pytest.raises(PermissionDenied):
        with workspace.uow.writing(forged, Permission.MANAGE_PEOPLE):
            pass
    with pytest.raises(PermissionDenied):
        workspace.people.add(forged, "Sophie Leroy", "accountant", "9157")
    assert "Sophie Leroy" not in workspace.people.names()
    assert entry_count(workspace) == count


# ---- how strong a new secret must be ------------------------------------------------------------------
@pytest.mark.parametrize("secret", [
    "a a a a a a a",  # seven one-letter words
    "ab cd ef gh ij kl m",  # seven words of one or two letters
    "chat chien loup ours lion ab cd",  # five words of three letters or more, seven in all
    "chat chien loup ours chat chien loup",  # seven words, four different
    "loup ours lion chat chien renard",  # six words
    "x" * 20,
    "aAaAaAaAaAaAaAaAaAaA",  # two kinds, two different characters
    "abcdef1abcdef1abcdef",  # two kinds, seven different characters
    "abcdefghijklmnopqrst",  # one kind
    "abcdefghijklmnopqr1",  # 19 characters of two kinds
    "abcdefghij klmnopqrst",  # spaces are not a second kind
])
def test_secrets_too_weak_for_a_password_are_refused(secret):
    with pytest.raises(WeakSecret, match="7"):
        secret_kind(secret)


@pytest.mark.parametrize("secret", [
    "chat chien loup ours lion chat chien",  # seven words, five different
    "été île âne œuf mer sol feu",  # three letters each, accents count as letters
    "abcdefg1abcdefg1abcd",  # 20 characters of two kinds, eight different
    "abcdefghij-klmnopqrs",  # a symbol other than a space is a second kind
    "Abcdefgh12!?",  # 12 characters of four kinds
])
def test_secrets_strong_enough_are_passwords(secret):
    assert secret_kind(secret) == "password"
