"""Every input within range, or refused with its row and field named (issue 19, item 3).

One date range and one text rule live in the core (`core/formatting.py`): dialogs, commands,
imports and services all go through them, so a typing slip such as 9999 can never reach a fiscal
year that Python's dates cannot hold."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from clinicguard import cli
from clinicguard.core import plan_import
from clinicguard.core import workspace as workspace_module
from clinicguard.core.plan_import import ImportRefused
from clinicguard.model.errors import InvalidValue
from tests.conftest import MANAGER_SECRET

HEADER = ["Titre", "Description", "Début", "Échéance", "Libellé dépense", "Montant HT", "Date facture"]


def csv_file(path, rows, header=HEADER, encoding="utf-8"):
    path.write_bytes(("\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def july(workspace, manager, monkeypatch):
    """A clinic whose fiscal year starts in July, opened by the CLI on the test catalogue."""
    workspace.settings.update(manager, fiscal_year_start_month=7)
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    return workspace


def entry_count(ws) -> int:
    return ws.db.execute("SELECT count(*) FROM audit_entry").fetchone()[0]


# ---- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("column, value", [("Échéance", "31/12/9999"), ("Début", "01/01/0001"),
                                           ("Date facture", "9999-12-31"), ("Échéance", "31/12/1899")])
def test_a_date_out_of_range_is_refused_with_its_row_and_column(july, manager, tmp_path, column, value):
    row = dict.fromkeys(HEADER, "")
    row.update({"Titre": "Action", "Libellé dépense": "Poste", "Montant HT": "10", column: value})
    path = csv_file(tmp_path / "plan.csv", [["Autre", "", "", "", "", "", ""], [row[h] for h in HEADER]])
    with pytest.raises(ImportRefused) as refused:
        july.plan_import.import_file(manager, path)
    message = str(refused.value)
    assert "Ligne 3" in message and column in message and "1900" in message and "2200" in message
    assert july.plan.actions() == []


def test_status_and_exports_work_after_every_refused_date(july, manager, tmp_path, capsys):
    """The crash the issue found: a July fiscal year around year 9999 or 1 broke `status` for good."""
    for bad in ("9999-12-31", "0001-01-01", "10000-01-01", "31/12/9999"):
        with pytest.raises(InvalidValue, match="1900|illisible"):
            july.plan.create_action(manager, title=f"Action {bad}", due_date=bad)
    action = july.plan.create_action(manager, title="Bonne action", due_date="2200-12-31")
    for field in ("expense_date", "invoice_date"):
        with pytest.raises(InvalidValue):
            july.plan.add_line(manager, action.id, label="Poste", planned_ht=100, **{field: "9999-06-30"})
    with pytest.raises(InvalidValue):
        july.plan.add_line(manager, action.id, label="Poste", planned_ht=100, fiscal_year=9999)
    july.plan.add_line(manager, action.id, label="Poste", planned_ht=100)  # dated 2200-12-31: year 2200-2201
    with pytest.raises(InvalidValue):
        july.checklist.set_assessment(manager, "SEC-BACKUP-01", next_review="9999-12-31")
    july.close()
    assert cli.main(["status", "--data-dir", str(july.data_dir), "--json"]) == 0
    assert cli.main(["export", "budget", "--data-dir", str(july.data_dir), "--year", "2200",
                     "--out", str(tmp_path / "budget.xlsx")]) == 0
    assert (tmp_path / "budget.xlsx").stat().st_size > 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:  # a command-line date option: refused as it is read
        cli.main(["checklist", "set", "--data-dir", str(july.data_dir), "SEC-BACKUP-01", "compliant",
                  "--next-review", "31/12/9999"])
    assert exited.value.code == 2 and "1900" in capsys.readouterr().err


# ---- amounts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["100000000000000000000", 10**20, 1e20, "1e308"])
def test_a_huge_amount_is_refused_and_nothing_is_committed(july, tmp_path, amount, capsys):
    path = tmp_path / "plan.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Titre", "Libellé dépense", "Montant HT"])
    workbook.active.append(["Action", "Poste", amount])
    workbook.save(path)
    before = entry_count(july)
    july.close()
    code = cli.main(["import", "actions", "--data-dir", str(july.data_dir), str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "Ligne 2" in err and "Montant HT" in err and "Traceback" not in err
    ws = workspace_module.Workspace.open(july.data_dir)
    try:
        assert entry_count(ws) == before  # not even a sign-in entry
        assert ws.plan.actions() == []
    finally:
        ws.close()


# ---- text -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["avec\x00nul", "bip\x07", "échap\x1b[31m", "c1\x85fin", "demi\udcff"])
def test_control_characters_are_refused_in_every_text(workspace, manager, tmp_path, text):
    with pytest.raises(InvalidValue, match="U\\+"):
        workspace.plan.create_action(manager, title=text)
    action = workspace.plan.create_action(manager, title="Correcte", description="deux\nlignes\tet une tabulation")
    with pytest.raises(InvalidValue, match="U\\+"):
        workspace.plan.add_line(manager, action.id, label="Poste", supplier=text, planned_ht=1)
    with pytest.raises(InvalidValue, match="U\\+"):
        workspace.plan.update_action(manager, action.id, owner=text)
    if "\udcff" not in text:  # a lone surrogate cannot even be written to a file
        path = csv_file(tmp_path / "plan.csv", [["Une action", "ok"], ["Autre action", text]],
                        header=["Titre", "Description"])
        with pytest.raises(ImportRefused, match=r"Ligne 3 : Description : .*U\+"):
            workspace.plan_import.import_file(manager, path)
    path = csv_file(tmp_path / "nul.csv", [["Une action", "ok"], ["Autre", "a\x00b"]], header=["Titre", "Description"])
    with pytest.raises(ImportRefused, match=r"Ligne 3 : Description : .*U\+0000"):
        workspace.plan_import.import_file(manager, path)
    assert [a.title for a in workspace.plan.actions()] == ["Correcte"]


def test_control_characters_in_a_workbook_are_refused_with_row_and_column(workspace, manager, tmp_path):
    path = tmp_path / "plan.xlsx"
    workbook = openpyxl.Workbook()  # openpyxl writes C1 controls and DEL; other programs write more
    for row in (["Titre", "Fournisseur", "Libellé dépense", "Montant HT"], ["A", "Bon", "x", "1"],
                ["B", "Mauvais\x85fournisseur", "x", "1"], ["C", "ok", "x\x7fy", "1"]):
        workbook.active.append(row)
    workbook.save(path)
    with pytest.raises(ImportRefused) as refused:
        workspace.plan_import.import_file(manager, path)
    lines = str(refused.value).splitlines()
    assert lines[1].startswith("Ligne 3 : Fournisseur") and "U+0085" in lines[1]
    assert lines[2].startswith("Ligne 4 : Libellé dépense") and "U+007F" in lines[2]


# ---- cells and files too large ------------------------------------------------------------------
def test_a_cell_beyond_the_csv_field_limit_is_refused_with_its_row(workspace, manager, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text('Titre;Description\nA;courte\nB;"' + "x" * 200_000 + '"\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"(Ligne|Row) 3 .*plan\.csv"):
        workspace.plan_import.import_file(manager, path)
    path.write_text('Titre;Description\nA;courte\nB;"guillemet jamais fermé\n' + "C;x\n" * 40_000, encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"(Ligne|Row) 3 .*guillemet|Row 3|Ligne 3"):
        workspace.plan_import.import_file(manager, path)
    path.write_text("Titre;Description\nA;courte\nB;" + "x" * 40_000 + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"Ligne 3 : Description : 40000"):
        workspace.plan_import.import_file(manager, path)
    assert workspace.plan.actions() == []


def xlsx_bomb(path, expanded_mib: int):
    """A real workbook whose sheet is padded with spaces: a few hundred KiB that expand enormously."""
    plain = path.with_name("plain.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Titre"])
    workbook.active.append(["Action"])
    workbook.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (expanded_mib * 1024 * 1024))
            dst.writestr(info.filename, data, compresslevel=9)
    return path


def test_a_compressed_bomb_is_refused_before_it_is_opened(workspace, manager, tmp_path, monkeypatch):
    path = xlsx_bomb(tmp_path / "bombe.xlsx", 200)
    assert path.stat().st_size < 1024 * 1024
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a) or 1 / 0)
    with pytest.raises(ImportRefused, match=r"bombe\.xlsx.*200 Mio"):
        workspace.plan_import.preview(path)
    assert opened == []  # refused from the archive's directory, nothing decompressed


def test_a_workbook_with_too_many_rows_is_refused(workspace, manager, tmp_path, monkeypatch):
    monkeypatch.setattr(plan_import, "MAX_ROWS", 50)
    rows = [["Titre"]] + [[f"Action {i}"] for i in range(60)]
    path = tmp_path / "long.xlsx"
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    with pytest.raises(ImportRefused, match="50"):
        workspace.plan_import.preview(path)
    csv_path = csv_file(tmp_path / "long.csv", rows[1:], header=["Titre"])
    with pytest.raises(ImportRefused, match="50"):
        workspace.plan_import.preview(csv_path)
    monkeypatch.setattr(plan_import, "MAX_CSV_BYTES", 100)
    with pytest.raises(ImportRefused, match="long.csv"):
        workspace.plan_import.preview(csv_path)


# ---- encodings and columns ------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1252"])
def test_unicode_text_files_excel_writes_are_read(workspace, manager, tmp_path, encoding):
    path = csv_file(tmp_path / "plan.csv", [["Réviser l'accès", "Écran verrouillé"]], header=["Titre", "Description"],
                    encoding=encoding)
    workspace.plan_import.import_file(manager, path)
    (action,) = workspace.plan.actions()
    assert (action.title, action.description) == ("Réviser l'accès", "Écran verrouillé")


def test_unknown_columns_are_named_and_an_unknown_amount_column_is_refused(cli_clinic_dir, tmp_path, capsys):
    path = csv_file(tmp_path / "plan.csv", [["Action", "note libre", "x"]], header=["Titre", "Commentaire", "Pièce"])
    assert cli.main(["import", "actions", "--data-dir", cli_clinic_dir, str(path)]) == 0
    out = capsys.readouterr()
    assert "Colonnes non importées" in out.err and "'Commentaire'" in out.err and "'Pièce'" in out.err
    for header in ("Montant TTC", "Prix unitaire", "Coût (€)", "Total"):
        path = csv_file(tmp_path / "plan2.csv", [["Autre action", "1200,00"]], header=["Titre", header])
        assert cli.main(["import", "actions", "--data-dir", cli_clinic_dir, str(path)]) == 1
        err = capsys.readouterr().err
        assert header in err and "Montant HT" in err and "rien n'a été importé" in err


@pytest.fixture
def cli_clinic_dir(workspace, monkeypatch):
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    workspace.close()
    return str(workspace.data_dir)


def test_the_import_preview_names_the_ignored_columns(workspace, tmp_path):
    path = csv_file(tmp_path / "plan.csv", [["Action", "x"]], header=["Titre", "Remarque"])
    preview = workspace.plan_import.preview(path)
    assert preview.ok and preview.ignored == ("Remarque",)
    assert "Remarque" in preview.ignored_note()


def test_control_characters_are_refused_by_every_service(workspace, manager, tmp_path):
    from clinicguard.model.errors import ClinicGuardError

    (tmp_path / "preuve.txt").write_bytes(b"x")
    with pytest.raises(ClinicGuardError, match="U\\+0000"):
        workspace.vault.add(manager, tmp_path / "preuve.txt", title="titre\x00caché")
    evidence = workspace.vault.add(manager, tmp_path / "preuve.txt")
    with pytest.raises(ClinicGuardError, match="U\\+001B"):
        workspace.vault.update(manager, evidence.id, description="\x1b[2J")
    with pytest.raises(ClinicGuardError, match="U\\+0007"):
        workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", comment="bip\x07")
    with pytest.raises(ClinicGuardError, match="U\\+DCFF"):
        workspace.people.add(manager, "Nom\udcff", "practitioner", "Mot-de-passe-long-2026")
    with pytest.raises(ClinicGuardError, match="U\\+0085"):
        workspace.settings.update(manager, name="Cabinet\x85Nouveau")


def test_undecodable_bytes_on_the_command_line_are_one_line(cli_clinic_dir, capsys):
    # Python hands undecodable argv bytes over as lone surrogates (b"caf\xe9" -> "caf\udce9").
    code = cli.main(["checklist", "set", "--data-dir", cli_clinic_dir, "SEC-BACKUP-01", "compliant",
                     "--comment", "caf\udce9 latin-1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "U+DCE9" in err and err.count("\n") == 1


def test_the_import_window_names_the_ignored_columns_and_refuses_a_hostile_file(main_window, qtbot, tmp_path,
                                                                              monkeypatch):
    """The real main window's import dialog: the same core rules, said before anything is written."""
    from PySide6.QtWidgets import QDialog

    from clinicguard.ui.plan_view import ImportDialog

    kept = csv_file(tmp_path / "plan.csv", [["Action", "à garder"]], header=["Titre", "Remarque"])
    hostile = csv_file(tmp_path / "dates.csv", [["Action", "31/12/9999"]], header=["Titre", "Échéance"])
    seen = {}

    def exec_(dialog):
        dialog.load(hostile)
        qtbot.waitUntil(lambda: "n'a pas été importé" in dialog.summary_label.text(), timeout=10000)
        seen["hostile"] = (dialog.import_button.isEnabled(), dialog.table.model().index(0, 4).data())
        dialog.load(kept)
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10000)
        seen["note"] = dialog.summary_label.text()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ImportDialog, "exec", exec_)
    main_window.show_page("plan").import_plan()
    enabled, problem = seen["hostile"]
    assert not enabled and "1900" in str(problem)
    assert "Colonne non importée" in seen["note"] and "'Remarque'" in seen["note"]
