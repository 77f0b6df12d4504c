"""pytest-qt on the real main window: sign in, switch user, a practitioner signs off and the
manager sees it, the automatic lock, what each role can reach, the people page and the journal.
Dialogs are patched at the boundary."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import Qt

from clinicguard.core.session import InactivityClock
from clinicguard.model.errors import PermissionDenied
from clinicguard.model.people import Role
from clinicguard.core.workspace import database_path
from clinicguard.ui import people_view, signin_dialog, signoff_view
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.signin_dialog import SignInDialog
from clinicguard.ui.state import AppState
from tests.conftest import MANAGER, MANAGER_SECRET

KARIM, KARIM_PIN = "Dr Karim Benali", "4826"
ROUX, ROUX_SECRET = "Mme Roux", "Comptable-Roux-2026"


@pytest.fixture
def team(workspace, manager):
    for name, role, secret in ((KARIM, "practitioner", "1111"), (ROUX, "accountant", "Provisoire-Roux-2026")):
        person = workspace.people.add(manager, name, role, secret)
        # each chose their own secret at first sign-in (tested separately)
        workspace.people.change_own_secret(person.actor, secret, {KARIM: KARIM_PIN, ROUX: ROUX_SECRET}[name])
    return workspace


@pytest.fixture
def errors(monkeypatch):
    shown = []
    for module in (people_view, signoff_view):
        monkeypatch.setattr(module, "show_error", lambda parent, error: shown.append(error))
    return shown


def submit_and_wait(qtbot, dialog):
    """The secret is checked off the UI thread: submit, then wait for the outcome."""
    dialog.submit()
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=10000)  # greyed out while the secret is checked


@pytest.fixture
def next_sign_in(monkeypatch, qtbot):
    """Queue who signs in when the sign-in dialog opens next; None cancels the dialog."""
    queue: list[tuple[str, str] | None] = []

    def exec_(dialog: SignInDialog) -> int:
        who = queue.pop(0)
        if who is None:
            return 0
        dialog.profile.setCurrentIndex(dialog.profile.findText(who[0]))
        dialog.secret.setText(who[1])
        submit_and_wait(qtbot, dialog)
        return int(dialog.actor is not None)

    monkeypatch.setattr(SignInDialog, "exec", exec_)
    return queue


def open_window(qtbot, ws, actor):
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    window.show()
    return window


def test_sign_in_dialog_refuses_a_wrong_secret_then_signs_in(qtbot, team):
    dialog = SignInDialog(team)
    qtbot.addWidget(dialog)
    assert [dialog.profile.itemText(i) for i in range(dialog.profile.count())] == sorted([MANAGER, KARIM, ROUX])
    dialog.profile.setCurrentIndex(dialog.profile.findText(KARIM))
    dialog.secret.setText("0000")
    submit_and_wait(qtbot, dialog)
    assert dialog.actor is None and "PIN" in dialog.error_label.text() and dialog.secret.text() == ""
    dialog.secret.setText(KARIM_PIN)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.submit()
    assert (dialog.actor.name, dialog.actor.role) == (KARIM, Role.PRACTITIONER)


def test_the_work_done_while_the_password_is_checked_does_not_decide_the_sign_in(qtbot, team):
    # ui/app.py imports the main window meanwhile: once, and a wrong secret is still refused
    done = []
    dialog = SignInDialog(team)
    qtbot.addWidget(dialog)
    dialog.while_checking = lambda: done.append(dialog.actor)
    dialog.profile.setCurrentIndex(dialog.profile.findText(KARIM))
    dialog.secret.setText("0000")
    submit_and_wait(qtbot, dialog)
    assert done == [None] and dialog.actor is None and "PIN" in dialog.error_label.text()
    dialog.secret.setText(KARIM_PIN)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.submit()
    assert done == [None] and dialog.actor.name == KARIM


def test_a_secret_set_by_a_manager_must_be_changed_at_sign_in(qtbot, workspace, manager, monkeypatch):
    workspace.people.add(manager, "Sophie Leroy", "practitioner", "2222")

    def choose_own(dialog):
        dialog.new.setText("7391")
        dialog.again.setText("7391")
        dialog.submit()
        qtbot.waitUntil(dialog.isEnabled, timeout=10000)  # greyed out while the secret is checked
        return dialog.result()

    monkeypatch.setattr(signin_dialog.ChangeSecretDialog, "exec", choose_own)
    dialog = SignInDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.profile.setCurrentIndex(dialog.profile.findText("Sophie Leroy"))
    dialog.secret.setText("2222")
    submit_and_wait(qtbot, dialog)
    assert not workspace.people.must_change_secret(dialog.actor)
    assert workspace.people.sign_in("Sophie Leroy", "7391").name == "Sophie Leroy"


def test_switch_user_without_restarting(qtbot, team, manager, next_sign_in):
    window = open_window(qtbot, team, manager)
    people = window.show_page("people")
    assert people.add_button.isEnabled()
    next_sign_in.append((KARIM, KARIM_PIN))
    qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
    assert window.state.actor.name == KARIM
    assert KARIM in window.person_label.text()
    assert window.stack.isVisible()
    assert not people.add_button.isEnabled()  # a practitioner does not manage people
    kinds = [(e.kind, e.actor_name) for e in team.audit.entries()[-2:]]
    assert kinds == [("session.sign-out", MANAGER), ("session.sign-in", KARIM)]


def test_a_practitioner_signs_off_and_the_manager_sees_it(qtbot, team, manager, next_sign_in, monkeypatch, errors):
    window = open_window(qtbot, team, manager)
    view = window.show_page("signoff")
    item = "GOV-ROLES-01"
    monkeypatch.setattr(signoff_view.QInputDialog, "getText", lambda *a, **k: ("Revue annuelle", True))
    view.select_items([item])
    qtbot.mouseClick(view.request_button, Qt.MouseButton.LeftButton)

    next_sign_in.append((KARIM, KARIM_PIN))
    window.session.switch_user()
    assert not view.request_button.isVisible()
    assert view.pending_label.isVisible() and "1" in view.pending_label.text()
    view.only_pending.setChecked(True)
    assert view.proxy.rowCount() == 1
    monkeypatch.setattr(signoff_view.QInputDialog, "getText", lambda *a, **k: ("Sessions verrouillées", True))
    view.select_items([item])
    qtbot.mouseClick(view.confirm_button, Qt.MouseButton.LeftButton)
    assert errors == []
    assert not view.pending_label.isVisible()

    next_sign_in.append((MANAGER, MANAGER_SECRET))
    window.session.switch_user()
    row = next(r for r in view.model.rows if r.item_id == item)
    source = view.model.index(view.model.rows.index(row), 2)
    assert view.model.data(source) == KARIM
    assert "Sessions verrouillées" in view.model.data(source, Qt.ItemDataRole.ToolTipRole)
    assert view.model.data(view.model.index(view.model.rows.index(row), 3)) == "—"  # nobody is missing


def test_the_window_locks_after_inactivity_and_input_keeps_it_open(qtbot, team, manager, next_sign_in):
    window = open_window(qtbot, team, manager)
    now = [0.0]
    window.session.clock = InactivityClock(team.people.auto_lock_minutes(), now=lambda: now[0])
    now[0] += 9 * 60
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)  # any input resets the clock
    now[0] += 9 * 60
    window.session.check()  # what the timer calls
    assert window.state.actor is not None and window.stack.isVisible()

    next_sign_in.append(None)  # nobody signs in: the pages stay hidden
    now[0] += 60
    window.session.check()
    assert window.state.actor is None and window.session.locked
    assert not window.stack.isVisible() and not window.nav.isVisible()
    last = team.audit.entries()[-1]
    assert (last.kind, last.actor_name, last.after) == ("session.sign-out", MANAGER, {"reason": "inactivity"})

    next_sign_in.append((MANAGER, MANAGER_SECRET))
    window.session.ask_sign_in("")
    assert window.state.actor.name == MANAGER and window.stack.isVisible() and not window.session.locked


def test_changing_the_auto_lock_delay_takes_effect_at_once(qtbot, team, manager):
    window = open_window(qtbot, team, manager)
    page = window.show_page("people")
    page.auto_lock.setValue(3)
    page.save_auto_lock()
    assert team.people.auto_lock_minutes() == 3
    assert window.session.clock.timeout == 180


def test_each_role_sees_only_what_it_may_do(qtbot, team, next_sign_in):
    accountant = team.people.get(ROUX).actor
    window = open_window(qtbot, team, accountant)
    people, signoff, journal = window.pages["people"], window.pages["signoff"], window.pages["journal"]
    signoff.select_items(["GOV-ROLES-01"])
    assert not people.add_button.isEnabled() and not people.auto_lock.isEnabled()
    assert people.own_secret_button.isEnabled()
    assert not signoff.confirm_button.isEnabled() and not signoff.request_button.isVisible()
    assert journal.export_button.isEnabled() and journal.verify_button.isEnabled()
    next_sign_in.append((KARIM, KARIM_PIN))
    window.session.switch_user()
    signoff.select_items(["GOV-ROLES-01"])
    assert signoff.confirm_button.isEnabled() and not signoff.request_button.isVisible()


def test_the_manager_adds_and_unlocks_profiles_on_the_people_page(qtbot, team, manager, errors):
    window = open_window(qtbot, team, manager)
    page = window.show_page("people")
    with qtbot.waitSignal(page.finished, timeout=10000) as done:
        page.add("Sophie Leroy", "accountant", "Secretaire-Leroy-26")
    assert done.args[0] is not None and team.people.get("Sophie Leroy").role.value == "accountant"
    assert "Sophie Leroy" in [p.name for p in page.model.rows]
    with qtbot.waitSignal(page.finished, timeout=10000) as done:
        page.add("Sophie Leroy", "accountant", "Secretaire-Leroy-26")
    assert done.args[0] is None and errors  # duplicate refused
    for _ in range(3):
        with pytest.raises(PermissionDenied):
            team.people.sign_in(KARIM, "0000")
    page.select(KARIM)
    assert page.unlock_button.isEnabled()
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert not team.people.get(KARIM).locked
    assert team.people.sign_in(KARIM, KARIM_PIN).name == KARIM


def test_the_journal_filters_verifies_and_exports(qtbot, team, manager, tmp_path):
    team.signoffs.confirm(team.people.get(KARIM).actor, "GOV-ROLES-01", "=1+1")
    window = open_window(qtbot, team, manager)
    journal = window.show_page("journal")
    journal.person_filter.setCurrentIndex(journal.person_filter.findData(KARIM))
    journal.refresh()
    assert {e.actor_name for e in journal.model.rows} == {KARIM}
    assert "signoff.confirm" in [e.kind for e in journal.model.rows]
    journal.verify()
    qtbot.waitUntil(lambda: "intact" in journal.result_label.text(), timeout=10000)
    journal.export(tmp_path / "journal.xlsx")  # with its full verification, off the UI thread
    qtbot.waitUntil(lambda: "écrites dans" in journal.result_label.text(), timeout=10000)
    assert (tmp_path / "journal.xlsx").exists()
    assert "export.audit" in [e.kind for e in team.audit.entries()]

    raw = sqlite3.connect(database_path(team.data_dir), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_update")
    raw.execute("UPDATE audit_entry SET kind = 'session.sign-in' WHERE id = 4")
    raw.close()
    qtbot.mouseClick(journal.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "altéré" in journal.result_label.text(), timeout=10000)
    assert "4" in journal.result_label.text() and "altéré" in journal.result_label.text()


def test_the_signoff_and_people_pages_read_well_and_fit_a_1024_px_window(qtbot, team, manager):
    window = open_window(qtbot, team, manager)
    view = window.show_page("signoff")
    shown = [view.proxy.data(view.proxy.index(r, 0)) for r in range(view.proxy.rowCount())]
    items = [i for i in team.catalogue.items if i.applies(team.settings.clinic.structure)]
    assert shown == [f"{i.id} — {i.title['fr']}" for i in items]  # titles, in catalogue order
    assert not any("{" in text for text in shown)
    header = view.table.horizontalHeader()
    for column in range(1, view.model.columnCount()):  # no header cut, e.g. "Non attesté pa"
        assert header.sectionSize(column) >= header.sectionSizeHint(column)
    for page in ("signoff", "people", "journal"):
        assert window.show_page(page).minimumSizeHint().width() <= 780, page


def test_a_request_reaches_practitioners_with_the_note_not_the_manager(qtbot, team, manager, next_sign_in,
                                                                       monkeypatch, errors):
    window = open_window(qtbot, team, manager)
    view = window.show_page("signoff")
    items = [r.item_id for r in view.model.rows[:2]]
    monkeypatch.setattr(signoff_view.QInputDialog, "getText", lambda *a, **k: ("Merci avant vendredi", True))
    view.select_items(items)
    qtbot.mouseClick(view.request_button, Qt.MouseButton.LeftButton)
    assert KARIM in view.message.text()
    # the manager sees who has confirmed, not a to-do list of their own
    assert not view.pending_label.isVisible() and view.table.isColumnHidden(4)
    assert not view.only_pending.isVisible()

    next_sign_in.append((ROUX, ROUX_SECRET))
    window.session.switch_user()
    assert not view.pending_label.isVisible() and view.table.isColumnHidden(4)

    next_sign_in.append((KARIM, KARIM_PIN))
    window.session.switch_user()
    assert view.pending_label.isVisible() and not view.table.isColumnHidden(4)
    assert "2 recommandations en attente" in view.pending_label.text()
    assert "Merci avant vendredi" in view.pending_label.text() and MANAGER in view.pending_label.text()
    row = view.model.rows.index(next(r for r in view.model.rows if r.item_id == items[0]))
    assert "Merci avant vendredi" in view.model.data(view.model.index(row, 4))
    assert MANAGER in view.model.data(view.model.index(row, 4), Qt.ItemDataRole.ToolTipRole)
    view.only_pending.setChecked(True)
    assert view.proxy.rowCount() == 2
    monkeypatch.setattr(signoff_view.QInputDialog, "getText", lambda *a, **k: ("", True))
    view.select_items(items)
    qtbot.mouseClick(view.confirm_button, Qt.MouseButton.LeftButton)
    assert errors == [] and view.proxy.rowCount() == 0
    assert view.message.text() == "2 recommandations attestées."

    next_sign_in.append((MANAGER, MANAGER_SECRET))
    window.session.switch_user()
    assert not view.only_pending.isChecked() and view.message.text() == ""
    assert view.proxy.rowCount() == len(view.model.rows)


def test_the_journal_reads_as_local_time_labels_and_fields(qtbot, team, manager, monkeypatch):
    from datetime import datetime

    from clinicguard.ui import audit_view

    team.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant", comment="Fiche de poste signée")
    team.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial", comment="Fiche de poste signée")
    window = open_window(qtbot, team, manager)
    journal = window.show_page("journal")
    journal.refresh()
    model = journal.model
    rows = {e.kind: i for i, e in reversed(list(enumerate(model.rows)))}  # the newest of each kind
    update = rows["assessment.update"]
    entry = model.rows[update]
    local = datetime.fromisoformat(entry.ts).astimezone()
    assert model.data(model.index(update, 1)) == local.strftime("%d/%m/%Y %H:%M:%S")
    assert model.data(model.index(update, 3)) == "Recommandation évaluée"
    assert model.data(model.index(update, 3), Qt.ItemDataRole.ToolTipRole) == "assessment.update"
    assert model.data(model.index(update, 5)) == "Statut : Conforme"  # only what changed
    assert model.data(model.index(update, 6)) == "Statut : Partiellement conforme"
    assert "Conforme → Partiellement conforme" in model.data(model.index(update, 6), Qt.ItemDataRole.ToolTipRole)
    created = rows["person.create"]
    after = model.data(model.index(created, 6))
    assert f"Rôle : {Role.ACCOUNTANT.label}" in after and "Nom : Mme Roux" in after
    assert not any(c in after for c in '{}"')
    assert audit_view.kind_label("no-such.kind") == "no-such.kind"
    # the filter shows labels and keeps the codes
    kinds = journal.kind_filter
    index = kinds.findData("signoff.confirm") if kinds.findData("signoff.confirm") >= 0 else kinds.findData("person")
    assert kinds.itemText(index) != kinds.itemData(index)
    assert kinds.itemData(index, Qt.ItemDataRole.ToolTipRole) == kinds.itemData(index)
    # the clinic's clock, not UTC: 15:18:59 UTC is 16:18:59 in Paris in November
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        assert audit_view.local_time("2026-11-29T15:18:59.760695+00:00") == "29/11/2026 16:18:59"
        assert audit_view.local_time("2026-07-01T10:00:00+00:00") == "01/07/2026 12:00:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_journal_button_speaks_of_the_audit_trail_in_english(qtbot, team, manager):
    from clinicguard.i18n import set_language
    from clinicguard.ui.audit_view import AuditView

    set_language("en")
    try:
        page = AuditView(AppState(team, manager))
        qtbot.addWidget(page)
        assert page.verify_button.text() == "&Verify the audit trail"
    finally:
        set_language("fr")
    page = AuditView(AppState(team, manager))
    qtbot.addWidget(page)
    assert page.verify_button.text() == "&Vérifier le journal"


def test_the_error_after_the_third_wrong_pin_is_shown_in_full(qtbot, team):
    dialog = SignInDialog(team)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.profile.setCurrentIndex(dialog.profile.findText(KARIM))
    for _ in range(3):
        dialog.secret.setText("0000")
        submit_and_wait(qtbot, dialog)
    label = dialog.error_label
    assert "verrouillé" in label.text() and "gestionnaire" in label.text()
    assert dialog.width() >= 400
    assert label.height() >= label.heightForWidth(label.width())  # every line of the message is visible
    assert label.geometry().bottom() <= dialog.height()
