"""The registers (issue 13): processing activities from the CNIL-référentiel templates, processors
and their art. 28(3) clauses and HDS certificates, incidents with the 72-hour CNIL deadline, training
sessions; the rules (bad input, rights), the journal, a restart and a backup, the commands, and the
workbook read back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from clinicguard.cli import main
from clinicguard.core import backup
from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.core.exports import export_registers
from clinicguard.core.registers import (
    countdown_text,
    format_moment,
    processing_templates,
)
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import tr
from clinicguard.model.catalogue import Structure
from clinicguard.model.errors import ClinicGuardError, PermissionDenied
from clinicguard.model.registers import RegisterKind
from clinicguard.store.migrations import migrations
from tests.conftest import MANAGER, MANAGER_SECRET

FRIDAY_17H = datetime(2026, 11, 27, 17, 0).astimezone()  # a Friday, local time


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def full_workspace(tmp_path):
    """A group practice on the bundled catalogue (which has the register recommendations)."""
    ws, _recovery = Workspace.create(tmp_path / "full", clinic_name="Cabinet des Tilleuls",
                                     structure="group-practice", manager_name=MANAGER, manager_secret=MANAGER_SECRET)
    yield ws
    ws.close()


def cells(book, sheet: str) -> list[dict]:
    rows = list(book[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(v is not None for v in row)]


# ---- templates -----------------------------------------------------------------------------------
def test_templates_cover_the_usual_activities_each_with_its_reference():
    templates = {t.id: t for t in processing_templates()}
    assert {"patient-records", "appointments", "billing", "teleconsultation", "secure-messaging", "staff",
            "video-surveillance"} <= set(templates)
    catalogue = bundled_catalogue()
    for t in templates.values():
        assert t.reference and t.name and t.text("purpose") and t.text("retention"), t.id
        assert all(item in catalogue for item in t.item_ids), t.id
    assert "2020-081" in templates["patient-records"].reference
    assert "20 ans" in templates["patient-records"].text("retention")
    assert not templates["staff"].suits(Structure.INDIVIDUAL_PRACTICE)  # no staff, no staff register


def test_a_template_activity_is_edited_and_exported_in_the_cnil_column_order(full_workspace, tmp_path):
    ws = full_workspace
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    activity = ws.registers.add_from_template(manager, "appointments")
    assert activity.template == "appointments" and activity.controller == MANAGER
    edited = ws.registers.update(manager, "processing", activity.id, dpo="DPO mutualisé",
                                 purpose="=HYPERLINK(\"http://x\") prise de rendez-vous en ligne")
    assert edited.dpo == "DPO mutualisé" and edited.created_at == activity.created_at
    out = export_registers(ws, manager, tmp_path / "registres.xlsx")
    book = load_workbook(out)
    sheet = book[tr("Processing register")]
    headers = [c.value for c in sheet[1]]
    # the CNIL model's sections: description, actors, purposes, security, data, people, recipients, transfers
    order = [tr("Name of the processing"), tr("Controller"), tr("DPO"), tr("Purpose"), tr("Security measures"),
             tr("Categories of data"), tr("Retention"), tr("Categories of people"), tr("Recipients"),
             tr("Transfers outside the EU"), tr("DPIA")]
    assert [headers.index(h) for h in order] == sorted(headers.index(h) for h in order)
    row = cells(book, tr("Processing register"))[0]
    assert row[tr("DPO")] == "DPO mutualisé"
    assert row[tr("Legal basis (art. 6)")] == "Contrat (art. 6(1)(b))"
    purpose = sheet.cell(2, headers.index(tr("Purpose")) + 1)
    assert purpose.data_type == "s" and purpose.value.startswith("=HYPERLINK")  # text, never a formula
    assert ws.audit.entries()[-1].kind == "export.registers"


def test_a_template_keeps_only_the_items_of_the_clinic_catalogue(workspace, manager):
    activity = workspace.registers.add_from_template(manager, "patient-records")
    assert activity.item_ids == ()  # the small test catalogue has none of them


# ---- incidents -----------------------------------------------------------------------------------
def test_a_phishing_incident_on_friday_at_17h_is_due_at_the_cnil_on_monday_at_17h(workspace, manager, tmp_path):
    registers = workspace.registers
    incident = registers.add_incident(manager, title="Hameçonnage au secrétariat", discovered_at=local(FRIDAY_17H),
                                      data_concerned="Messagerie du secrétariat", people_count="120")
    assert format_moment(incident.cnil_deadline) == "30/11/2026 17:00"  # Monday
    assert countdown_text(incident.cnil_deadline, FRIDAY_17H + timedelta(hours=1)) == "reste 2 j 23 h 00 min"
    assert countdown_text(incident.cnil_deadline, FRIDAY_17H + timedelta(hours=71, minutes=30)) == "reste 0 h 30 min"
    assert countdown_text(incident.cnil_deadline, FRIDAY_17H + timedelta(hours=73)) == "dépassée de 1 h 00 min"
    summary = registers.summary(now=FRIDAY_17H + timedelta(hours=80))
    assert [i.id for i in summary.overdue_incidents] == [incident.id]

    decided = registers.update(manager, "incident", incident.id, cnil_decision="not-notified",
                               not_notified_reason="Aucun mot de passe saisi : pas de risque pour les personnes.")
    assert not decided.cnil_pending
    assert registers.summary(now=FRIDAY_17H + timedelta(hours=80)).overdue_incidents == ()
    book = load_workbook(export_registers(workspace, manager, tmp_path / "r.xlsx"))
    row = cells(book, tr("Incidents and breaches"))[0]
    assert row[tr("CNIL notification")] == "Non notifiée"
    assert row[tr("Reason for not notifying")].startswith("Aucun mot de passe")
    assert row[tr("Discovered on")] == FRIDAY_17H.replace(tzinfo=None)
    assert row[tr("People concerned (approx.)")] == 120
    kinds = [e.kind for e in workspace.audit.entries() if e.kind.startswith(("register.", "export."))]
    assert kinds == ["register.incident.add", "register.incident.update", "export.registers"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"discovered_at": "2099-01-01 10:00"}, "dans le futur"),
    ({"discovered_at": "2026-11-27 17:00", "started_at": "2026-11-28 09:00"}, "après sa découverte"),
    ({"discovered_at": "2026-11-27 17:00", "cnil_decision": "notified", "notified_at": "2026-11-26 10:00"},
     "ne peut pas précéder la découverte"),
    ({"discovered_at": "2026-11-27 17:00", "cnil_decision": "notified"}, "quand la CNIL a été notifiée"),
    ({"discovered_at": "2026-11-27 17:00", "cnil_decision": "not-notified"}, "pourquoi la CNIL"),
    ({"discovered_at": "vendredi soir"}, "illisibles"),
    ({"discovered_at": "2026-11-27 17:00", "people_count": "beaucoup"}, "nombre entier"),
])
def test_bad_incident_input_is_refused_in_one_french_line_and_nothing_is_saved(workspace, manager, fields, message):
    before = len(workspace.audit.entries())
    with pytest.raises(ClinicGuardError, match=message) as exc:
        workspace.registers.add_incident(manager, title="Panne", **fields)
    assert "\n" not in str(exc.value)
    assert workspace.registers.incidents() == [] and len(workspace.audit.entries()) == before


def test_an_incident_is_never_deleted_from_the_register(workspace, manager):
    incident = workspace.registers.add_incident(manager, title="Vol d'un portable", discovered_at="2026-11-20 08:00")
    with pytest.raises(ClinicGuardError, match="reste au registre"):
        workspace.registers.delete(manager, "incident", incident.id)


def test_who_must_report_to_the_ars_depends_on_the_structure(tmp_path):
    ws, _ = Workspace.create(tmp_path / "clinique", clinic_name="Clinique du Parc", structure="clinic",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET)
    try:
        manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
        bound, why = ws.registers.ars_duty()
        assert bound is True and "2016-1214" in why
        incident = ws.registers.add_incident(manager, title="Rançongiciel", discovered_at="2026-11-30 06:00")
        assert incident.ars_required and incident.ars_pending  # an establishment must report it
        assert ws.registers.summary().open_incidents[0].id == incident.id
    finally:
        ws.close()


def test_the_cnil_form_is_prepared_in_its_order(workspace, manager):
    incident = workspace.registers.add_incident(manager, title="Courriel mal adressé", discovered_at="2026-11-30 10:00",
                                                description="Un compte rendu envoyé au mauvais patient.",
                                                people_count=1, measures="Demande de suppression au destinataire.")
    sections = workspace.registers.notification_sections(incident)
    headings = [h for h, _ in sections]
    assert headings[0].startswith("1.") and headings[-1].startswith("9.")
    text = dict(sections)
    assert text["4. Ce qui s'est passé"] == "Un compte rendu envoyé au mauvais patient."
    assert text["6. Personnes concernées"].startswith("Personnes : environ 1")


# ---- processors ------------------------------------------------------------------------------------
def test_a_host_whose_hds_certificate_expires_in_30_days_is_flagged(workspace, manager):
    today = date.today()
    registers = workspace.registers
    soon = registers.add_processor(manager, name="Hébergeur A", hosts_health_data=True, clauses=["a", "b", "(c)"],
                                   hds_expiry=(today + timedelta(days=30)).isoformat())
    registers.add_processor(manager, name="Hébergeur B", hosts_health_data=True, clauses="a,b,c,d,e,f,g,h",
                            hds_expiry=(today + timedelta(days=90)).isoformat(),
                            contract_end=(today + timedelta(days=45)).isoformat())
    summary = registers.summary()
    assert [(e.processor, e.what) for e in summary.expiring] == [("Hébergeur A", "hds"), ("Hébergeur B", "contract")]
    assert [p.name for p in summary.incomplete_contracts] == ["Hébergeur A"]
    assert soon.missing_clauses == ("d", "e", "f", "g", "h")


def test_processor_dates_and_clauses_are_checked(workspace, manager):
    with pytest.raises(ClinicGuardError, match="avant de commencer"):
        workspace.registers.add_processor(manager, name="X", contract_date="01/06/2026", contract_end="01/01/2026")
    with pytest.raises(ClinicGuardError, match="lettres a à h"):
        workspace.registers.add_processor(manager, name="X", clauses="a,z")
    with pytest.raises(ClinicGuardError, match="Aucune preuve 42"):
        workspace.registers.add_processor(manager, name="X", evidence=[(42, "contract")])
    assert workspace.registers.processors() == []


def test_a_contract_in_the_vault_is_cited_as_evidence(workspace, manager, tmp_path):
    contract = tmp_path / "contrat.pdf"
    contract.write_bytes(b"%PDF-1.4 contrat de sous-traitance")
    evidence = workspace.vault.add(manager, contract, title="Contrat hébergeur")
    host = workspace.registers.add_processor(manager, name="Hébergeur")
    linked = workspace.registers.link_evidence(manager, "processor", host.id, evidence.id, "contract")
    assert [(e.evidence_id, e.role, e.title) for e in linked.evidence] == [(evidence.id, "contract", "Contrat hébergeur")]


# ---- training and rights ------------------------------------------------------------------------------
def test_a_session_with_three_attendees_one_without_a_profile_is_exported(workspace, manager, tmp_path):
    workspace.people.add(manager, "Dr Karim Benali", "practitioner", "2468")
    session = workspace.registers.add_training(manager, held_on="15/11/2026", topic="Reconnaître l'hameçonnage",
                                               trainer="Prestataire", duration_minutes="90",
                                               attendees=[MANAGER, "dr karim benali"], others=["Sophie Leroy"])
    assert [(a.name, a.person_id is not None) for a in session.attendees] == \
        [(MANAGER, True), ("Dr Karim Benali", True), ("Sophie Leroy", False)]
    book = load_workbook(export_registers(workspace, manager, tmp_path / "f.xlsx"))
    people = cells(book, tr("Attendees"))
    assert [(p[tr("Attendee")], p[tr("Has a profile")]) for p in people] == \
        [(MANAGER, "Oui"), ("Dr Karim Benali", "Oui"), ("Sophie Leroy", "Non")]
    assert cells(book, tr("Training"))[0][tr("Number of attendees")] == 3
    assert workspace.registers.summary().untrained == ()


def test_an_unknown_attendee_is_named_in_the_message(workspace, manager):
    with pytest.raises(ClinicGuardError, match="Profil inconnu 'Paul'"):
        workspace.registers.add_training(manager, held_on="2026-11-15", topic="RGPD", attendees=["Paul"])


def test_rights_by_role(workspace, manager):
    workspace.people.add(manager, "Dr Karim Benali", "practitioner", "2468")
    workspace.people.add(manager, "Mme Roux", "accountant", "8642")
    karim = workspace.people.sign_in("Dr Karim Benali", "2468")
    roux = workspace.people.sign_in("Mme Roux", "8642")
    registers = workspace.registers
    incident = registers.add_incident(karim, title="Clé USB perdue", discovered_at="2026-11-30 09:00")
    assert incident.declared_by == "Dr Karim Benali"  # a practitioner declares incidents
    registers.add_training(karim, held_on="2026-11-10", topic="MOOC CNIL", attendees=["Dr Karim Benali"])
    with pytest.raises(PermissionDenied, match="que les sessions de formation auxquelles vous avez assisté"):
        registers.add_training(karim, held_on="2026-11-10", topic="MOOC CNIL", attendees=[MANAGER])
    with pytest.raises(PermissionDenied):
        registers.update(karim, "incident", incident.id, cnil_decision="not-notified", not_notified_reason="x")
    with pytest.raises(PermissionDenied):
        registers.add_from_template(karim, "billing")
    for attempt in (lambda: registers.add_incident(roux, title="x", discovered_at="2026-11-30 09:00"),
                    lambda: registers.add_processor(roux, name="x")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert len(registers.processing_activities()) == 0 and len(registers.incidents()) == 1


# ---- the checklist -------------------------------------------------------------------------------------
def test_marking_the_register_item_compliant_while_the_register_is_empty_asks_for_a_comment(full_workspace):
    ws = full_workspace
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    assert "vide" in ws.registers.state_for_item("GOV-REG-01")
    with pytest.raises(ClinicGuardError, match="ajoutez un commentaire"):
        ws.checklist.set_assessment(manager, "GOV-REG-01", status="compliant")
    ws.checklist.set_assessment(manager, "GOV-REG-01", status="compliant", comment="Registre papier au secrétariat")
    ws.registers.add_from_template(manager, "billing")
    ws.checklist.set_assessment(manager, "TRN-INC-02", status="partial")  # not compliant: no comment needed
    assert ws.registers.state_for_item("GOV-REG-01") == "Registre des traitements : 1 entrée dans ClinicGuard."
    assert ws.registers.state_for_item("SEC-BAK-01") is None


# ---- restart, backup, schema ------------------------------------------------------------------------
def test_the_registers_survive_a_restart_and_are_in_the_backup(tmp_path, memory_keyring):
    folder = tmp_path / "clinic"
    ws, recovery = Workspace.create(folder, clinic_name="Cabinet", structure="individual-practice",
                                    manager_name=MANAGER, manager_secret=MANAGER_SECRET)
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.registers.add_from_template(manager, "patient-records")
    ws.registers.add_incident(manager, title="Panne du serveur", discovered_at="2026-11-30 08:00", is_breach=False)
    made = backup.create(ws, manager, tmp_path)
    ws.close()
    ws = Workspace.open(folder)
    try:
        assert [a.template for a in ws.registers.processing_activities()] == ["patient-records"]
    finally:
        ws.close()
    memory_keyring.secrets.clear()  # a new PC
    backup.restore(made.path, tmp_path / "new-pc", recovery)
    ws = Workspace.open(tmp_path / "new-pc")
    try:
        assert [i.title for i in ws.registers.incidents()] == ["Panne du serveur"]
        assert ws.registers.summary().processing == 1
    finally:
        ws.close()


def test_the_registers_migration_is_m011_and_appended_last():
    names = [m.name for m in migrations._migrations]
    assert names[-1] == "m011_registers"


def test_the_summary_for_reports_is_a_plain_value(workspace, manager):
    workspace.registers.add_incident(manager, title="x", discovered_at=local(datetime.now(UTC) - timedelta(hours=1)))
    summary = workspace.registers.summary()
    assert (summary.processing, summary.incidents, len(summary.open_incidents), summary.overdue_incidents) == \
        (0, 1, 1, ())
    assert summary.count(RegisterKind.INCIDENT) == 1


# ---- the commands -------------------------------------------------------------------------------------
@pytest.fixture
def cli_clinic(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure", "group-practice",
                 "--manager", MANAGER, "--recovery-sheet", str(tmp_path / "sheet.txt")]) == 0
    capsys.readouterr()
    return ["--data-dir", str(data)]


def test_register_commands_add_list_show_and_export(cli_clinic, capsys, tmp_path):
    d = cli_clinic
    assert main(["register", "add", "processing", *d, "--template", "billing", "--dpo", "DPO externe"]) == 0
    assert main(["register", "add", "processor", *d, "--name", "Hébergeur HDS", "--hosts-health-data", "oui",
                 "--clauses", "a,b,c", "--hds-expiry", (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")]) == 0
    assert main(["register", "add", "incident", *d, "--title", "Hameçonnage", "--discovered", "27/11/2026 17:00",
                 "--cnil", "not-notified", "--reason", "Aucune donnée exposée"]) == 0
    assert main(["register", "add", "training", *d, "--date", "15/11/2026", "--topic", "Sensibilisation",
                 "--attendee", MANAGER, "--without-profile", "Sophie Leroy", "--without-profile", "Paul Martin"]) == 0
    out = capsys.readouterr().out
    assert "Registre des traitements : entrée 1 ajoutée" in out and "clauses manquantes : d, e, f, g, h" in out
    assert main(["register", "list", "incident", *d, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["incident"][0]["not_notified_reason"] == "Aucune donnée exposée"
    assert main(["register", "summary", *d]) == 0
    assert "certificat HDS de Hébergeur HDS : fin le" in capsys.readouterr().out
    assert main(["register", "show", "processing", "1", *d]) == 0
    assert "DPO : DPO externe" in capsys.readouterr().out
    out_file = tmp_path / "registres.xlsx"
    assert main(["register", "export", *d, "--out", str(out_file)]) == 0
    book = load_workbook(out_file)
    assert len(cells(book, tr("Attendees"))) == 3
    assert cells(book, tr("Processors"))[0][tr("Missing clauses")] == "d, e, f, g, h"


def test_register_commands_refuse_bad_input_in_one_line(cli_clinic, capsys):
    d = cli_clinic
    assert main(["register", "add", "incident", *d, "--title", "x", "--discovered", "01/01/2099 10:00"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : L'incident ne peut pas avoir été découvert dans le futur") and err.count("\n") == 1
    assert main(["register", "add", "training", *d, "--date", "2026-11-15", "--topic", "x", "--attendee", "Inconnu"]) == 1
    assert "Profil inconnu 'Inconnu'" in capsys.readouterr().err
    assert main(["register", "show", "processor", "7", *d]) == 1
    assert "Aucune entrée 7" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["register", "list", "nope", *d])
    assert exc.value.code == 2
    assert "Registre inconnu 'nope'" in capsys.readouterr().err


def test_the_checklist_shows_the_state_of_the_register_an_item_is_about(cli_clinic, capsys):
    d = cli_clinic
    assert main(["checklist", "show", *d, "gov-reg-01"]) == 0
    assert "Registre des traitements : vide." in capsys.readouterr().out
    assert main(["checklist", "set", *d, "GOV-REG-01", "conforme"]) == 1
    assert "ajoutez un commentaire" in capsys.readouterr().err
    assert main(["register", "add", "processing", *d, "--template", "staff"]) == 0
    assert main(["checklist", "show", *d, "GOV-REG-01"]) == 0
    assert "Registre des traitements : 1 entrée dans ClinicGuard." in capsys.readouterr().out
    assert main(["checklist", "set", *d, "GOV-REG-01", "conforme"]) == 0


# ---- the IT charter ---------------------------------------------------------------------------------
def test_the_it_charter_versions_and_who_acknowledged_them(workspace, manager, tmp_path):
    registers = workspace.registers
    workspace.people.add(manager, "Dr Karim Benali", "practitioner", "2468")
    workspace.people.add(manager, "Mme Roux", "accountant", "8642")
    karim = workspace.people.sign_in("Dr Karim Benali", "2468")
    roux = workspace.people.sign_in("Mme Roux", "8642")
    with pytest.raises(ClinicGuardError, match="Enregistrez d'abord la version en vigueur"):
        registers.acknowledge_charter(karim)
    registers.add_charter_version(manager, version="2025-1", adopted_on="2025-03-01")
    registers.acknowledge_charter(karim, on="2025-04-01")
    current = registers.add_charter_version(manager, version="2026-1", adopted_on="01/09/2026", notes="MFA")
    assert registers.current_charter().version == "2026-1" and current.acknowledgements == ()
    assert set(registers.summary().without_charter) == {MANAGER, "Dr Karim Benali", "Mme Roux"}
    registers.acknowledge_charter(roux)  # the accountant acknowledges for herself, in the app
    registers.acknowledge_charter(manager, without_profile="Sophie Leroy", paper=True, on="2026-09-15")
    with pytest.raises(PermissionDenied):
        registers.acknowledge_charter(karim, person=MANAGER)  # only for oneself
    with pytest.raises(ClinicGuardError, match="ne peut pas précéder l'adoption de la version 2026-1"):
        registers.acknowledge_charter(karim, on="2026-08-01")
    with pytest.raises(ClinicGuardError, match="dans le futur"):
        registers.acknowledge_charter(karim, on=(date.today() + timedelta(days=3)).isoformat())
    with pytest.raises(ClinicGuardError, match="a déjà une version 2026-1"):
        registers.add_charter_version(manager, version="2026-1", adopted_on="2026-10-01")
    summary = registers.summary()
    assert summary.charter_version == "2026-1" and set(summary.without_charter) == {MANAGER, "Dr Karim Benali"}
    book = load_workbook(export_registers(workspace, manager, tmp_path / "charte.xlsx"))
    rows = cells(book, tr("IT charter"))
    assert [(r[tr("Version")], r[tr("Person")], r[tr("How")]) for r in rows] == [
        ("2026-1", "Sophie Leroy", "sur papier"), ("2026-1", "Mme Roux", "dans l'application"),
        ("2025-1", "Dr Karim Benali", "dans l'application")]
    kinds = [e.kind for e in workspace.audit.entries() if e.kind.startswith("register.charter")]
    assert kinds.count("register.charter.add") == 2 and kinds.count("register.charter.acknowledge") == 3


def test_charter_commands(cli_clinic, capsys):
    d = cli_clinic
    assert main(["register", "charter", "add", *d, "--version", "2026-1", "--adopted", "01/09/2026"]) == 0
    assert main(["register", "charter", "acknowledge", *d]) == 0
    assert main(["register", "charter", "acknowledge", *d, "--without-profile", "Sophie Leroy", "--paper",
                 "--on", "15/09/2026"]) == 0
    assert main(["register", "charter", "list", *d]) == 0
    out = capsys.readouterr().out
    assert "Version 2026-1 du 01/09/2026" in out and "Sophie Leroy (sur papier)" in out
    assert main(["register", "charter", "acknowledge", *d, "--version", "1999"]) == 1
    assert "Version de charte inconnue '1999'" in capsys.readouterr().err


def test_the_training_period_is_a_setting(workspace, manager, capsys, monkeypatch):
    from clinicguard.core.registers import months_before

    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)
    workspace.people.add(manager, "Dr Karim Benali", "practitioner", "2468")
    old = (date.today() - timedelta(days=200)).isoformat()
    workspace.registers.add_training(manager, held_on=old, topic="RGPD", attendees=[MANAGER, "Dr Karim Benali"])
    assert workspace.registers.summary().untrained == ()
    workspace.registers.set_training_months(manager, "6")
    summary = workspace.registers.summary()
    assert set(summary.untrained) == {MANAGER, "Dr Karim Benali"} and summary.training_months == 6
    with pytest.raises(ClinicGuardError, match="entre 1 et 60 mois"):
        workspace.registers.set_training_months(manager, 0)
    assert workspace.audit.entries()[-1].kind == "register.setting.training-months"
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["register", "training-period", "--data-dir", str(workspace.data_dir)]) == 0
    assert "compte 6 mois" in capsys.readouterr().out


def test_libreoffice_reads_the_registers_workbook_as_written(workspace, manager, tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    workspace.registers.add_processing(manager, name="=1+1", purpose="@SUM(A1:A9) -suivi", retention="20 ans")
    workspace.registers.add_incident(manager, title="+33 6 00 00 00 00 appelé par erreur",
                                     discovered_at=local(FRIDAY_17H))
    path = export_registers(workspace, manager, tmp_path / "registres.xlsx")
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)], check=True, timeout=240,
                   capture_output=True)
    book = load_workbook(out / path.name, data_only=True)
    activity = cells(book, tr("Processing register"))[0]
    assert (activity[tr("Name of the processing")], activity[tr("Purpose")]) == ("=1+1", "@SUM(A1:A9) -suivi")
    incident = cells(book, tr("Incidents and breaches"))[0]
    assert incident[tr("Title")] == "+33 6 00 00 00 00 appelé par erreur"
    assert incident[tr("CNIL deadline (72 h)")] == datetime(2026, 11, 30, 17, 0)


def test_register_delete_command_keeps_incidents(cli_clinic, capsys):
    d = cli_clinic
    assert main(["register", "add", "processor", *d, "--name", "Ancien prestataire"]) == 0
    assert main(["register", "delete", "processor", "1", *d]) == 0
    assert "entrée 1 supprimée" in capsys.readouterr().out
    assert main(["register", "add", "incident", *d, "--title", "x", "--discovered", "2026-11-30 08:00"]) == 0
    assert main(["register", "delete", "incident", "1", *d]) == 1
    assert "reste au registre" in capsys.readouterr().err
