"""The action plan through the Workspace: gaps to actions, budget lines, permissions, audit, status JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from clinicguard.model.plan import ActionStatus
from clinicguard.core.formatting import fold
from clinicguard.core.plan_filter import filter_plan, plan_rows
from clinicguard.core.plan import suggest_priority
from clinicguard.model.checklist import Status
from clinicguard.model.errors import ClinicGuardError, NotFound, PermissionDenied
from clinicguard.model import people
from clinicguard.model.people import Actor, Permission, Role


PRACTITIONER = Actor(99, "Dr Karim Benali", Role.PRACTITIONER)
TODAY = date(2026, 11, 29)


def dump(ws) -> str:
    return "\n".join(ws.db.conn.iterdump())


@pytest.fixture
def gaps(workspace, manager):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant", responsible="Sophie Leroy")
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", status="compliant")
    return workspace


@pytest.mark.parametrize("severity, status, priority", [
    (4, "non-compliant", 1), (3, "non-compliant", 2), (2, "non-compliant", 3), (1, "non-compliant", 4),
    (4, "partial", 2), (3, "partial", 3), (2, "partial", 4), (1, "partial", 4),
])
def test_priority_rule(severity, status, priority):
    assert suggest_priority([(severity, status)]) == priority


def test_priority_of_several_items_is_the_most_urgent_and_free_action_is_p3():
    assert suggest_priority([(2, "partial"), (4, "non-compliant")]) == 1
    assert suggest_priority([]) == 3


def test_action_from_a_gap_is_prefilled_from_the_catalogue(gaps, manager):
    plan = gaps.plan
    assert [g.row.item.id for g in plan.gaps_without_action()] == ["SEC-BACKUP-01", "GOV-ROLES-01"]
    action = plan.create_from_gap(manager, "SEC-BACKUP-01", due_date="31/12/2026")
    assert action.title == "Acheter un disque externe chiffré"  # the suggested action, in French
    assert action.priority == 1  # severity 4, not compliant
    assert action.owner == "Sophie Leroy"  # the item's responsible
    assert action.item_ids == ("SEC-BACKUP-01",)
    assert action.due_date == "2026-12-31"
    assert action.status == ActionStatus.TODO
    assert [g.row.item.id for g in plan.gaps_without_action()] == ["GOV-ROLES-01"]
    assert plan.gaps()[0].action_ids == (action.id,)
    draft = plan.draft_from_gap("GOV-ROLES-01")
    assert (draft.title, draft.priority) == ("Désigner un référent", 3)  # severity 3, partly compliant
    draft = plan.draft_from_gap("SEC-BACKUP-01")
    assert draft.suggested_amount_ht == 20_000 and draft.suggested_nature == "investment"


def test_only_a_gap_gets_an_action_from_the_catalogue(gaps, manager):
    with pytest.raises(ClinicGuardError, match="SEC-BACKUP-02"):
        gaps.plan.create_from_gap(manager, "SEC-BACKUP-02")
    with pytest.raises(NotFound):
        gaps.plan.create_from_gap(manager, "NOPE-01")


def test_free_action_linked_to_several_items(gaps, manager):
    action = gaps.plan.create_action(manager, title="Revoir la politique de sauvegarde",
                                     item_ids=["SEC-BACKUP-02", "SEC-BACKUP-01", "GOV-ROLES-01"])
    assert action.priority == 1
    assert gaps.plan.action(action.id).item_ids == ("SEC-BACKUP-02", "SEC-BACKUP-01", "GOV-ROLES-01")
    assert gaps.plan.gaps_without_action() == []
    free = gaps.plan.create_action(manager, title="Acheter un broyeur")
    assert (free.priority, free.item_ids) == (3, ())
    changed = gaps.plan.update_action(manager, free.id, priority="P1", item_ids=["GOV-ROLES-01"])
    assert (changed.priority, changed.item_ids) == (1, ("GOV-ROLES-01",))


@pytest.mark.parametrize("fields", [
    {"title": "  "},
    {"title": "Dates", "start_date": "2026-05-01", "due_date": "30/04/2026"},
    {"title": "Date", "due_date": "31/02/2026"},
    {"title": "Priorité", "priority": "P5"},
    {"title": "Statut", "status": "presque"},
    {"title": "Avancement", "progress": 120},
    {"title": "Lien", "item_ids": ["NOPE-01"]},
])
def test_invalid_actions_are_refused_and_nothing_is_written(workspace, manager, fields):
    before = dump(workspace)
    with pytest.raises(ClinicGuardError):
        workspace.plan.create_action(manager, **fields)
    assert dump(workspace) == before


def test_status_done_records_the_date_and_reopening_clears_it(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Chiffrer les portables", status="En cours", progress=40)
    assert action.status == "in-progress"
    done = plan.update_action(manager, action.id, status="Terminée")
    assert done.status == "done" and done.done_date == date.today().isoformat() and done.progress == 100
    again = plan.update_action(manager, action.id, status=ActionStatus.IN_PROGRESS)
    assert again.done_date is None
    kinds = [e.kind for e in workspace.audit.search(object_type="action")]
    assert kinds == ["action.create", "action.update", "action.update"]
    last = workspace.audit.search(object_type="action")[-1]
    assert last.before["status"] == "done" and last.after["status"] == "in-progress"
    assert workspace.audit.verify().ok


def test_practitioner_cannot_change_the_plan_or_budget(workspace, manager):
    action = workspace.plan.create_action(manager, title="Action")
    before = dump(workspace)
    with pytest.raises(PermissionDenied):
        workspace.plan.create_action(PRACTITIONER, title="Autre")
    with pytest.raises(PermissionDenied):
        workspace.plan.update_action(PRACTITIONER, action.id, status="done")
    with pytest.raises(PermissionDenied):
        workspace.plan.add_line(PRACTITIONER, action.id, label="Disque", planned_ht=100)
    assert dump(workspace) == before


def test_budget_line_fiscal_year_follows_the_clinic_and_can_be_set(workspace, manager):
    workspace.settings.update(manager, fiscal_year_start_month=7)
    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde", due_date="2026-06-30")
    line = plan.add_line(manager, action.id, label="Disque", planned_ht=15_000, nature="investment",
                         category="hardware", depreciation_years=3)
    assert (line.expense_date, line.fiscal_year, line.fiscal_year_manual) == ("2026-06-30", 2025, False)
    line = plan.update_line(manager, line.id, expense_date="01/07/2026")
    assert line.fiscal_year == 2026
    line = plan.update_line(manager, line.id, fiscal_year=2027)
    assert (line.fiscal_year, line.fiscal_year_manual) == (2027, True)
    line = plan.update_line(manager, line.id, expense_date="2026-08-01")
    assert line.fiscal_year == 2027  # set by hand: a new date does not move it
    line = plan.update_line(manager, line.id, fiscal_year=None)
    assert (line.fiscal_year, line.fiscal_year_manual) == (2026, False)
    kinds = [e.kind for e in workspace.audit.search(object_type="budget-line")]
    assert kinds == ["budget-line.create"] + ["budget-line.update"] * 4


def test_vat_recovery_defaults_to_the_clinic_setting(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Logiciel", due_date="2026-03-01")
    assert plan.add_line(manager, action.id, label="Licence", planned_ht=10_000).vat_recoverable is False
    workspace.settings.update(manager, vat_recoverable=1)
    line = plan.add_line(manager, action.id, label="Licence 2", planned_ht=10_000)
    assert line.vat_recoverable is True
    assert line.real_cost(line.planned_ht) == 10_000
    line = plan.update_line(manager, line.id, vat_recoverable=False)
    assert line.real_cost(line.planned_ht) == 12_000


@pytest.mark.parametrize("fields", [
    {"planned_ht": -1},
    {"actual_ht": -100, "actual_vat": 20},  # a credit note has all its amounts negative
    {"vat_rate_bp": 1960},
    {"nature": "running", "depreciation_years": 3},
    {"nature": "investment", "recurring": True},
    {"category": "food"},
    {"label": " "},
    {"expense_date": "32/01/2026"},
])
def test_invalid_budget_lines_are_refused_and_nothing_is_written(workspace, manager, fields):
    action = workspace.plan.create_action(manager, title="Action", due_date="2026-03-01")
    before = dump(workspace)
    base = {"label": "Ligne", "planned_ht": 1000}
    base.update(fields)
    with pytest.raises(ClinicGuardError):
        workspace.plan.add_line(manager, action.id, **base)
    assert dump(workspace) == before


def test_deleting_an_action_deletes_its_lines_and_keeps_them_in_one_entry(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Action", due_date="2026-03-01")
    first = plan.add_line(manager, action.id, label="Ligne", planned_ht=1000)
    second = plan.add_line(manager, action.id, label="Autre ligne", planned_ht=2500)
    entries_before = len(workspace.audit.entries())
    plan.delete_action(manager, action.id)
    assert plan.actions() == [] and plan.lines() == []
    entries = workspace.audit.entries()
    assert len(entries) == entries_before + 1  # one change, one entry
    deleted = entries[-1]
    assert (deleted.kind, deleted.object_id, deleted.before["title"]) == ("action.delete", str(action.id), "Action")
    assert [(line["id"], line["label"], line["planned_ht"]) for line in deleted.before["budget_lines"]] == [
        (first.id, "Ligne", 1000), (second.id, "Autre ligne", 2500)]
    assert workspace.audit.verify().ok


def test_deleting_an_action_checks_the_budget_right_as_the_database_has_it_now(workspace, manager, monkeypatch):
    # A role that may edit the plan but not the budget; the caller still holds a manager's actor
    # from before its role changed: the role read inside the transaction decides.
    monkeypatch.setitem(people.ROLE_PERMISSIONS, Role.ACCOUNTANT, frozenset({Permission.READ, Permission.EDIT_PLAN}))
    person = workspace.people.add(manager, "Paul Durand", "accountant", "Compta-Secret-2026")
    stale = Actor(person.id, person.name, Role.MANAGER)
    without_lines = workspace.plan.create_action(manager, title="Sans ligne", due_date="2026-03-01")
    workspace.plan.delete_action(stale, without_lines.id)  # editing the plan is allowed: the budget decides below
    action = workspace.plan.create_action(manager, title="Action", due_date="2026-03-01")
    workspace.plan.add_line(manager, action.id, label="Ligne", planned_ht=1000)
    before = dump(workspace)
    with pytest.raises(PermissionDenied):
        workspace.plan.delete_action(stale, action.id)
    assert dump(workspace) == before


def test_changing_the_first_month_moves_derived_fiscal_years_and_keeps_hand_set_ones(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde", due_date="2026-03-15")
    march = plan.add_line(manager, action.id, label="Disque", planned_ht=10_000)
    september = plan.add_line(manager, action.id, label="Licence", planned_ht=5_000, expense_date="2026-09-01")
    by_hand = plan.add_line(manager, action.id, label="Audit", planned_ht=7_000, fiscal_year=2027)
    assert [plan.line(line.id).fiscal_year for line in (march, september, by_hand)] == [2026, 2026, 2027]
    entries_before = len(workspace.audit.entries())

    workspace.settings.update(manager, fiscal_year_start_month=7)

    # With July as first month, March 2026 belongs to fiscal year 2025-2026.
    assert [plan.line(line.id).fiscal_year for line in (march, september, by_hand)] == [2025, 2026, 2027]
    assert [e.line.id for e in plan.summary(2025).entries] == [march.id]
    assert plan.summary(2025).total.planned_ht == 10_000
    new_entries = workspace.audit.entries()[entries_before:]
    assert [e.kind for e in new_entries] == ["clinic.update", "budget-line.redate"]
    redate = new_entries[1]
    assert redate.before == {"lines": {str(march.id): {"fiscal_year": 2026}}}
    assert redate.after == {"fiscal_year_start_month": 7, "lines": {str(march.id): {"fiscal_year": 2025}}}
    assert workspace.audit.verify().ok

    workspace.settings.update(manager, fiscal_year_start_month=1)
    assert [plan.line(line.id).fiscal_year for line in (march, september, by_hand)] == [2026, 2026, 2027]


def test_clinic_change_and_redating_are_one_transaction(workspace, manager, monkeypatch):
    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde", due_date="2026-03-15")
    plan.add_line(manager, action.id, label="Disque", planned_ht=10_000)
    before = dump(workspace)

    def broken(line):
        raise OSError("disk full")

    monkeypatch.setattr(plan.store, "update_line", broken)
    with pytest.raises(OSError):
        workspace.settings.update(manager, fiscal_year_start_month=7)
    assert dump(workspace) == before
    assert workspace.settings.clinic.fiscal_year_start_month == 1


@pytest.mark.parametrize("changes, message", [
    ({"fiscal_year_start_month": 13}, "entre 1 et 12"),
    ({"fiscal_year_start_month": 0}, "entre 1 et 12"),
    ({"fiscal_year_start_month": "juillet"}, "entre 1 et 12"),
    ({"name": "  "}, "nom de la structure"),
    ({"manager_name": ""}, "gestionnaire"),
    ({"structure": "hospital"}, "hospital"),
])
def test_invalid_clinic_settings_are_refused_with_a_clear_message(workspace, manager, changes, message):
    before = dump(workspace)
    with pytest.raises(ClinicGuardError) as refused:
        workspace.settings.update(manager, **changes)
    assert message in str(refused.value)
    assert dump(workspace) == before


def test_overdue_and_due_soon(workspace, manager):
    plan = workspace.plan
    late = plan.create_action(manager, title="En retard", due_date=TODAY - timedelta(days=1))
    plan.create_action(manager, title="Terminée en retard", due_date=TODAY - timedelta(days=10), status="done")
    soon = plan.create_action(manager, title="Bientôt", due_date=TODAY + timedelta(days=30))
    plan.create_action(manager, title="Plus tard", due_date=TODAY + timedelta(days=31))
    plan.create_action(manager, title="Sans date")
    assert [a.id for a in plan.overdue(TODAY)] == [late.id]
    assert plan.overdue_count(TODAY) == 1  # the sidebar's count, read without building the actions
    assert plan.overdue_count(TODAY - timedelta(days=11)) == 0
    assert [a.id for a in plan.due_soon(TODAY)] == [soon.id]


def test_filter_plan_by_text_owner_status_priority_and_year(workspace, manager):
    plan = workspace.plan
    a = plan.create_action(manager, title="Chiffrer les disques", owner="Sophie Leroy", priority=1,
                           due_date="2026-03-01", item_ids=["SEC-BACKUP-01"])
    b = plan.create_action(manager, title="Former l'équipe", owner="Dr Karim Benali", priority=2, status="in-progress",
                           due_date="2027-03-01")
    plan.add_line(manager, a.id, label="Disque", planned_ht=100)
    plan.add_line(manager, b.id, label="Formation", planned_ht=100)
    rows = plan.rows()
    ids = lambda result: [r.action.id for r in result]  # noqa: E731
    assert ids(filter_plan(rows, text="EQUIPE")) == [b.id]  # case and accents ignored
    assert ids(filter_plan(rows, text="sec-backup")) == [a.id]  # item ids are searchable
    assert ids(filter_plan(rows, text="former karim")) == [b.id]
    assert ids(filter_plan(rows, text="former sophie")) == []
    assert ids(filter_plan(rows, owner="Sophie Leroy")) == [a.id]
    assert ids(filter_plan(rows, status="in-progress")) == [b.id]
    assert ids(filter_plan(rows, priority=1)) == [a.id]
    assert ids(filter_plan(rows, fiscal_year=2027)) == [b.id]
    assert ids(filter_plan(rows, overdue_on=date(2026, 6, 1))) == [a.id]
    assert plan_rows(plan.actions(), plan.lines())[0].planned_ht == 100


def test_the_plan_rows_summed_in_sql_are_those_of_the_lines(workspace, manager):
    plan = workspace.plan
    a = plan.create_action(manager, title="Équipe ß Sécurité", description="Chiffrer\nles postes", owner="Éric Petit")
    b = plan.create_action(manager, title="NAS", item_ids=["SEC-BACKUP-01"])
    plan.create_action(manager, title="\u0301Accent d'abord")  # a combining mark opening a title
    plan.add_line(manager, a.id, label="Licences", planned_ht=12_000, actual_ht=12_500, expense_date="2026-03-15")
    plan.add_line(manager, a.id, label="Formation", planned_ht=30_000, expense_date="2026-04-15")
    plan.add_line(manager, a.id, label="Renouvellement", planned_ht=5_000, expense_date="2027-04-15")
    plan.add_line(manager, b.id, label="Disques", planned_ht=64_900, actual_ht=61_000, expense_date="2026-05-03")
    rows = plan.rows()
    assert rows == plan_rows(plan.actions(), plan.lines())
    first = next(r for r in rows if r.action.id == a.id)
    assert (first.fiscal_years, first.planned_ht, first.actual_ht) == ((2026, 2027), 47_000, 12_500)
    assert [r.search_text for r in rows] == [fold(" ".join((r.action.title, r.action.description, r.action.owner,
                                                             *r.action.item_ids))) for r in rows]
    assert "equipe ss securite chiffrer\nles postes eric petit" in first.search_text


def test_budget_summary_through_the_workspace(workspace, manager):
    plan = workspace.plan
    a = plan.create_action(manager, title="Sauvegarde", due_date="2026-05-01")
    plan.add_line(manager, a.id, label="NAS", planned_ht=64_900, nature="investment", category="hardware",
                  actual_ht=70_000, invoice_date="2026-05-03", invoice_ref="F-1")
    plan.add_line(manager, a.id, label="Abonnement", planned_ht=36_000, category="subscriptions", recurring=True)
    s2026 = plan.summary(2026)
    assert s2026.total.planned_ht == 100_900 and s2026.total.actual_ht == 70_000
    assert s2026.total.variance_ht == 5_100
    assert [l.label for l in s2026.over_budget] == ["NAS"]
    assert plan.summary(2027).total.planned_ht == 36_000  # the subscription renews
    dropped = plan.update_action(manager, a.id, status="dropped")
    assert dropped.status == "dropped"
    assert plan.summary(2026).total.planned_ht == 0  # what was invoiced stays
    assert plan.summary(2026).total.actual_ht == 70_000


def test_status_json_has_actions_and_budget_per_fiscal_year(workspace, manager, monkeypatch, capsys):
    from clinicguard import cli
    from clinicguard.core import workspace as workspace_module

    plan = workspace.plan
    a = plan.create_action(manager, title="En retard", due_date="2020-01-31")
    plan.add_line(manager, a.id, label="Prestation", planned_ht=12_345, actual_ht=10_000, vat_rate_bp=2000)
    plan.add_line(manager, a.id, label="Formation", planned_ht=10_000, vat_rate_bp=0, fiscal_year=2021)
    plan.create_action(manager, title="Terminée", due_date="2020-01-31", status="done")
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    assert cli.main(["status", "--json", "--data-dir", str(workspace.data_dir)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["actions"] == 2 and status["overdue_actions"] == 1
    year = status["budget_by_fiscal_year"]["2020"]
    assert year == {**year, "planned_ht": 12_345, "planned_ttc": 14_814, "actual_ht": 10_000, "actual_ttc": 12_000}
    assert status["budget_by_fiscal_year"]["2021"]["planned_ttc"] == 10_000
    assert str(date.today().year) in status["budget_by_fiscal_year"]


def test_demo_clinic_has_a_realistic_plan(tmp_path, small_catalogue, monkeypatch):
    from clinicguard.core import workspace as workspace_module
    from clinicguard.core.demo import create_demo

    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: small_catalogue)
    ws, _manager, _ = create_demo(tmp_path / "demo", today=TODAY)
    try:
        actions = ws.plan.actions()
        assert len(actions) == 8
        assert ws.plan.overdue(TODAY)
        done = [a for a in actions if a.status == "done"]
        lines = ws.plan.lines()
        assert any(l.actual_ht for l in lines if l.action_id in {a.id for a in done})
        assert all(l.supplier for l in lines)
        assert ws.plan.summary(2026).total.planned_ht > 0
        assert ws.audit.verify().ok
    finally:
        ws.close()


def test_status_of_checklist_is_untouched_by_actions(gaps, manager):
    # finishing the action does not make the recommendation compliant: the manager assesses it again
    before = {r.item.id: (r.status, r.assessment) for r in gaps.checklist.rows()}
    action = gaps.plan.create_from_gap(manager, "SEC-BACKUP-01")
    gaps.plan.update_action(manager, action.id, status="done", progress=100)
    rows = {r.item.id: r for r in gaps.checklist.rows()}
    assert rows["SEC-BACKUP-01"].status is Status.NON_COMPLIANT
    assert {item_id: (r.status, r.assessment) for item_id, r in rows.items()} == before
