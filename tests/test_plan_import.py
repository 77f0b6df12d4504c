"""Importing a plan kept in Excel or CSV: good files land whole, bad files change nothing."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from clinicguard import cli
from clinicguard.core import workspace as workspace_module
from clinicguard.model import people
from clinicguard.model.budget import VAT_RATES_BP
from clinicguard.model.people import Actor, Permission, Role
from clinicguard.core.plan_import import (
    COLUMNS, ImportRefused, read_table, write_template,
)
from clinicguard.model.errors import PermissionDenied

from tests.conftest import MANAGER, MANAGER_SECRET

HEADER = ["Titre", "Description", "Recommandations", "Responsable", "Priorité", "Statut", "Début", "Échéance",
          "Libellé dépense", "Fournisseur", "Nature", "Catégorie", "Montant HT", "Taux TVA", "Montant réel HT",
          "Exercice"]
GOOD_ROWS = [
    ["Sauvegarde externalisée", "Copie hors du cabinet", "SEC-BACKUP-01; SEC-BACKUP-02", "Claire Martin", "P1",
     "En cours", "01/02/2026", "2026-04-30", "NAS 2 baies", "LDLC Pro", "investissement", "Matériel", "649,90",
     "20 %", "700.00", ""],
    ["Sauvegarde externalisée", "", "", "", "", "", "", "", "Abonnement en ligne", "Hébergeur HDS",
     "fonctionnement", "Abonnements et hébergement", "1 234,56", "5,5", "", "2027"],
    ["Former l'équipe", "", "GOV-ROLES-01", "Dr Karim Benali", "", "À faire", "", "15/09/2026", "Formation",
     "Organisme", "fonctionnement", "Formation", "0,01", "0 %", "", ""],
    ["Désigner un référent", "", "", "", "P3", "Terminée", "", "", "", "", "", "", "", "", "", ""],
]


def dump(ws) -> str:
    return "\n".join(ws.db.conn.iterdump())


def write_csv(path, rows, delimiter=";", bom=True, encoding="utf-8"):
    lines = [delimiter.join(f'"{c}"' if (delimiter in c or '"' in c) else c for c in row) for row in [HEADER, *rows]]
    data = "\r\n".join(lines) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + data.encode(encoding))
    return path


def write_xlsx(path, rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def cli_clinic(workspace, manager, monkeypatch):
    """The workspace's folder, opened by the CLI on the small test catalogue."""
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant")
    return workspace


def check_good_import(ws):
    actions = {a.title: a for a in ws.plan.actions()}
    assert set(actions) == {"Sauvegarde externalisée", "Former l'équipe", "Désigner un référent"}
    backup = actions["Sauvegarde externalisée"]
    assert backup.item_ids == ("SEC-BACKUP-01", "SEC-BACKUP-02")
    assert (backup.priority, backup.status, backup.start_date, backup.due_date) == (1, "in-progress", "2026-02-01",
                                                                                   "2026-04-30")
    nas, subscription = ws.plan.lines(backup.id)
    assert (nas.planned_ht, nas.actual_ht, nas.vat_rate_bp, nas.nature, nas.category) == (
        64_990, 70_000, 2000, "investment", "hardware")
    assert (nas.expense_date, nas.fiscal_year) == ("2026-04-30", 2026)
    assert (subscription.planned_ht, subscription.vat_rate_bp, subscription.category) == (123_456, 550, "subscriptions")
    assert (subscription.fiscal_year, subscription.fiscal_year_manual) == (2027, True)
    training = actions["Former l'équipe"]
    assert training.priority == 3  # blank: suggested from GOV-ROLES-01 (not a gap yet) -> a free action's P3
    (line,) = ws.plan.lines(training.id)
    assert (line.planned_ht, line.vat_rate_bp, line.planned_ttc) == (1, 0, 1)
    assert ws.plan.lines(actions["Désigner un référent"].id) == []
    assert actions["Désigner un référent"].status == "done"


def test_template_has_the_columns_and_reads_back(tmp_path, workspace):
    path = tmp_path / "modele.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    header = [c.value for c in workbook["Plan"][1]]
    assert header[:len(HEADER)] == HEADER  # the columns first, in its order; optional ones after
    assert header == [c.header for c in COLUMNS]
    with pytest.raises(ImportRefused, match="modele.xlsx"):  # an empty template holds nothing to import
        workspace.plan_import.import_file(None, path)


def test_good_xlsx_with_excel_dates_and_numbers(tmp_path, workspace, manager):
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][6], rows[0][7] = datetime(2026, 2, 1), datetime(2026, 4, 30)  # real Excel dates
    rows[0][12], rows[0][13], rows[0][14] = 649.9, 0.2, 700  # numbers, a percent-formatted rate
    rows[1][12], rows[1][13], rows[1][15] = 1234.56, 0.055, 2027
    path = write_xlsx(tmp_path / "plan.xlsx", rows)
    result = workspace.plan_import.import_file(manager, path)
    assert (result.actions, result.lines) == (3, 3)
    check_good_import(workspace)
    kinds = [e.kind for e in workspace.audit.entries() if e.kind.split(".")[0] in ("action", "budget-line", "plan")]
    assert kinds.count("action.create") == 3 and kinds.count("budget-line.create") == 3
    assert kinds[-1] == "plan.import"
    assert workspace.audit.verify().ok


@pytest.mark.parametrize("delimiter, bom, encoding", [(";", True, "utf-8"), (",", False, "utf-8"),
                                                      (";", False, "cp1252")])
def test_good_csv_semicolon_or_comma_with_or_without_bom(tmp_path, workspace, manager, delimiter, bom, encoding):
    path = write_csv(tmp_path / "plan.csv", GOOD_ROWS, delimiter, bom and encoding == "utf-8", encoding)
    workspace.plan_import.import_file(manager, path)
    check_good_import(workspace)


def test_fiscal_year_comes_from_the_clinics_first_month(tmp_path, workspace, manager):
    workspace.settings.update(manager, fiscal_year_start_month=7)
    rows = [["Logiciel", "", "", "", "", "", "", "30/06/2026", "Licence", "", "", "Logiciel", "100", "20", "", ""],
            ["Logiciel", "", "", "", "", "", "", "", "Licence 2", "", "", "Logiciel", "100", "20", "", "2026-2027"]]
    workspace.plan_import.import_file(manager, write_csv(tmp_path / "plan.csv", rows))
    assert [l.fiscal_year for l in workspace.plan.lines()] == [2025, 2026]


BAD_CASES = {  # case: ({column index: value}, words the message must hold)
    "unknown item id": ({2: "NOPE-99"}, ["Recommandations", "NOPE-99"]),
    "negative amount": ({12: "-649,90"}, ["Montant HT", "-649,90"]),
    "VAT rate not in the list": ({13: "19,6"}, ["Taux TVA", "19,6"]),
    "due before start": ({6: "01/02/2026", 7: "31/01/2026"}, ["31/01/2026", "01/02/2026"]),
    "unreadable date": ({6: "31/02/2026"}, ["31/02/2026"]),
    "unreadable number": ({12: "six cents"}, ["Montant HT", "six cents"]),
    "missing title": ({0: ""}, ["Titre"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_bad_case_is_refused_with_its_row_and_the_database_is_unchanged(tmp_path, workspace, manager, case,
                                                                               kind):
    cells, words = BAD_CASES[case]
    rows = [list(r) for r in GOOD_ROWS]
    for column, value in cells.items():
        rows[2][column] = value  # the third data row: row 4 in Excel
    path = write_csv(tmp_path / "plan.csv", rows) if kind == "csv" else write_xlsx(tmp_path / "plan.xlsx", rows)
    before, head = dump(workspace), workspace.audit.head()
    with pytest.raises(ImportRefused) as refused:
        workspace.plan_import.import_file(manager, path)
    lines = str(refused.value).splitlines()
    assert "rien n'a été modifié" in lines[0]
    assert len(lines) == 2 and lines[1].startswith("Ligne 4 :"), lines
    for word in words:
        assert word in lines[1]
    assert dump(workspace) == before
    assert workspace.audit.head() == head


def test_several_bad_rows_get_one_message_each(tmp_path, workspace, manager):
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][12] = "-1"
    rows[0][13] = "7 %"
    rows[2][7] = "demain"
    rows.append(["", "", "", "", "", "", "", "", "Ligne sans action", "", "", "", "10", "", "", ""])
    path = write_csv(tmp_path / "plan.csv", rows)
    before = dump(workspace)
    preview = workspace.plan_import.preview(path)
    assert [r.row for r in preview.bad_rows] == [2, 4, 6]
    assert len(preview.bad_rows[0].problems) == 2  # both problems of row 2, in one message
    with pytest.raises(ImportRefused) as refused:
        workspace.plan_import.import_file(manager, path)
    assert [l.split(" :")[0] for l in str(refused.value).splitlines()[1:]] == ["Ligne 2", "Ligne 4", "Ligne 6"]
    assert dump(workspace) == before


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_excel(tmp_path, workspace, manager):
    rows = [GOOD_ROWS[0], [""] * 16, ["Autre", "", "", "", "", "", "", "pas une date", "", "", "", "", "", "", "", ""]]
    with pytest.raises(ImportRefused, match="Ligne 4 :"):
        workspace.plan_import.import_file(manager, write_csv(tmp_path / "plan.csv", rows))


def test_same_title_with_conflicting_dates_is_refused(tmp_path, workspace, manager):
    rows = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    rows[1][7] = "2026-05-31"
    with pytest.raises(ImportRefused, match="Ligne 3 : Échéance"):
        workspace.plan_import.import_file(manager, write_csv(tmp_path / "plan.csv", rows))


def test_importing_the_same_file_twice_is_refused(tmp_path, workspace, manager):
    path = write_csv(tmp_path / "plan.csv", GOOD_ROWS)
    workspace.plan_import.import_file(manager, path)
    before = dump(workspace)
    with pytest.raises(ImportRefused, match="déjà dans le plan"):
        workspace.plan_import.import_file(manager, path)
    assert dump(workspace) == before


def test_files_that_are_not_a_plan(tmp_path, workspace, manager):
    (tmp_path / "notes.txt").write_text("Bonjour;Monde\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="Titre"):
        read_table(tmp_path / "notes.txt")
    (tmp_path / "faux.xlsx").write_bytes(b"not a zip")
    with pytest.raises(ImportRefused, match="faux.xlsx"):
        read_table(tmp_path / "faux.xlsx")
    with pytest.raises(ImportRefused):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(ImportRefused):
        read_table(tmp_path / "plan.pdf")


def test_a_practitioner_cannot_import(tmp_path, workspace):
    path = write_csv(tmp_path / "plan.csv", GOOD_ROWS)
    before = dump(workspace)
    with pytest.raises(PermissionDenied):
        workspace.plan_import.import_file(Actor(99, "Dr Karim Benali", Role.PRACTITIONER), path)
    assert dump(workspace) == before


# ---- the command line ---------------------------------------------------------------------------
def test_cli_template_then_import_as_a_named_profile(tmp_path, cli_clinic, capsys):
    template = tmp_path / "modele.xlsx"
    assert cli.main(["import", "actions", "--template", str(template)]) == 0
    assert template.exists()
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["Plan"]
    for row in GOOD_ROWS:
        sheet.append(row)
    workbook.save(template)
    code = cli.main(["import", "actions", "--data-dir", str(cli_clinic.data_dir), "--as", MANAGER, str(template)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "3 actions et 3 lignes de dépense importées" in out.out
    check_good_import(cli_clinic)
    entry = cli_clinic.audit.search(kind="plan.import")[0]
    assert entry.actor_name == MANAGER and entry.after["file"] == "modele.xlsx"
    assert cli_clinic.plan.actions()[0].priority == 1


def test_cli_refuses_a_bad_file_in_one_clear_message_and_changes_nothing(tmp_path, cli_clinic, capsys):
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][13] = "19,6"
    path = write_csv(tmp_path / "plan.csv", rows)
    before = dump(cli_clinic)
    code = cli.main(["import", "actions", "--data-dir", str(cli_clinic.data_dir), str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Ligne 3 : Taux TVA" in err and "Traceback" not in err
    assert dump(cli_clinic) == before  # not even a sign-in entry


def test_cli_usage_errors(tmp_path, cli_clinic, capsys):
    assert cli.main(["import", "actions", "--data-dir", str(cli_clinic.data_dir)]) == 1
    assert cli.main(["import", "actions", "--template", str(tmp_path / "modele.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 2


def test_the_templates_example_imports_as_shown(tmp_path, workspace, manager):
    path = tmp_path / "modele.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    plan, example = workbook["Plan"], workbook["Exemple"]
    for row in example.iter_rows(min_row=2, values_only=True):
        plan.append(row)
    workbook.save(path)
    result = workspace.plan_import.import_file(manager, path)
    assert (result.actions, result.lines) == (1, 2)
    nas, subscription = workspace.plan.lines()
    assert (nas.nature, nas.depreciation_years, nas.committed_ht) == ("investment", 3, 62_000)
    assert subscription.recurring and subscription.category == "subscriptions"
    assert workspace.plan.actions()[0].progress == 20


def test_every_vat_rate_the_template_offers_is_accepted_by_the_import(tmp_path):
    from openpyxl.utils import range_boundaries

    from clinicguard.core.budget import parse_vat_rate

    path = tmp_path / "modele.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    plan = workbook["Plan"]
    vat_column = openpyxl.utils.get_column_letter([c.header for c in COLUMNS].index("Taux TVA") + 1)
    (validation,) = [v for v in plan.data_validations.dataValidation if str(v.sqref).startswith(f"{vat_column}2:")]
    assert validation.type == "list"
    # Excel splits an inline list at every comma: the values must come from a range instead.
    assert not validation.formula1.startswith('"')
    sheet_name, cells = validation.formula1.rsplit("!", 1)
    sheet = workbook[sheet_name.strip("'").replace("''", "'")]
    assert sheet.sheet_state == "hidden"
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    offered = [sheet.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]
    assert offered[:2] == ["20 %", "13 %"] and "2,1 %" in offered and "0,9 %" in offered  # every French rate
    assert sorted(parse_vat_rate(value) for value in offered) == sorted(VAT_RATES_BP)


def test_a_number_with_more_than_two_decimals_is_refused_not_rounded(tmp_path, workspace, manager):
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][12] = 12.345  # a number cell, row 3 in Excel
    rows[0][12] = 779.8799999999999  # a formula's result: the 779,88 Excel shows
    path = write_xlsx(tmp_path / "plan.xlsx", rows)
    before, head = dump(workspace), workspace.audit.head()
    with pytest.raises(ImportRefused) as refused:
        workspace.plan_import.import_file(manager, path)
    lines = str(refused.value).splitlines()
    assert len(lines) == 2 and lines[1].startswith("Ligne 3 :"), lines
    assert "Montant HT" in lines[1] and "12,345" in lines[1]
    assert dump(workspace) == before and workspace.audit.head() == head
    rows[1][12] = 12.34
    workspace.plan_import.import_file(manager, write_xlsx(tmp_path / "plan2.xlsx", rows))
    nas, subscription, _training = workspace.plan.lines()
    assert (nas.planned_ht, subscription.planned_ht) == (77_988, 1_234)


def test_import_checks_the_budget_right_as_the_database_has_it_now(tmp_path, workspace, manager, monkeypatch):
    monkeypatch.setitem(people.ROLE_PERMISSIONS, Role.ACCOUNTANT, frozenset({Permission.READ, Permission.EDIT_PLAN}))
    person = workspace.people.add(manager, "Paul Durand", "accountant", "Compta-Secret-2026")
    stale = Actor(person.id, person.name, Role.MANAGER)  # signed in before the role changed
    workspace.plan.create_action(stale, title="Sans budget", due_date="2026-03-01")  # the plan may be edited
    path = write_csv(tmp_path / "plan.csv", GOOD_ROWS)
    before = dump(workspace)
    with pytest.raises(PermissionDenied):
        workspace.plan_import.import_file(stale, path)
    assert dump(workspace) == before
