"""The Excel workbooks reopened with openpyxl, as an accountant or a DPO would find them: the right
sheets, French headers, one row per line / item / action, real numbers and dates in French
formats, tables with filters, frozen headers, print setup; and the export commands."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from clinicguard.cli import main
from clinicguard.core import exports
from clinicguard.core.audit import AuditTrail
from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.core.exports import xlsx
from clinicguard.i18n import set_language, tr
from clinicguard.model.errors import DatabaseError, PermissionDenied
from tests.conftest import MANAGER, MANAGER_SECRET


def cents(value) -> int:
    return round(value * 100)


def sheet_dicts(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def cover(book) -> dict:
    return {r[0]: r[1] for r in book[tr("Cover")].iter_rows(values_only=True) if r[0]}


@pytest.fixture
def plan(workspace, manager):
    p = workspace.plan
    a = p.create_action(manager, title="Sauvegarde externalisée", item_ids=["SEC-BACKUP-01"], owner="Dr Karim",
                        due_date="2026-11-30", description="NAS et copie hors site")
    nas = p.add_line(manager, a.id, label="NAS 2 baies", supplier="Inmac", nature="investment", category="hardware",
                     planned_ht=89_900, committed_ht=87_450, actual_ht=87_450, expense_date="2026-03-02",
                     invoice_ref="F-2026-17", invoice_date="2026-03-10", depreciation_years=3)
    cloud = p.add_line(manager, a.id, label="Stockage", supplier="OVH", category="subscriptions", planned_ht=1_234_567,
                       vat_rate_bp=550, expense_date="2026-10-01", recurring=True)
    b = p.create_action(manager, title="Former l'équipe", item_ids=["GOV-ROLES-01"], due_date="2025-01-31")
    return a, b, nas, cloud


def test_budget_workbook_reads_as_an_accountant_expects(workspace, manager, plan, tmp_path):
    a, _, nas, cloud = plan
    head = "{}:{}".format(*workspace.audit.head())
    out = exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx")
    book = load_workbook(out)
    assert book.sheetnames == [tr("Cover"), tr("Budget lines"), tr("Summary"), tr("Planned vs actual"),
                               tr("Depreciation"), tr("Depreciation tables"), tr("Invoices of the year")]
    facts = cover(book)
    assert facts[tr("Clinic name")] == "Cabinet Test"
    assert facts[tr("Fiscal year")] == "2026"
    assert facts[tr("First day")] == datetime(2026, 1, 1) and facts[tr("Last day")] == datetime(2026, 12, 31)
    assert facts[tr("Exported by")] == MANAGER
    assert facts[tr("Catalogue version")] == workspace.settings.clinic.catalogue_version
    assert facts[tr("Audit trail head")] == head
    assert isinstance(facts[tr("Exported on")], datetime)

    detail = book[tr("Budget lines")]
    assert detail.freeze_panes == "A2"
    # 29 columns on one page would print unreadably small: a few pages across, each repeating the
    # header row and the line, action number and action, numbered across so a line reads on
    assert detail.page_setup.orientation == "landscape" and detail.page_setup.fitToWidth in (2, 3)
    assert detail.print_title_rows == "$1:$1" and detail.print_title_cols == "$A:$C"
    assert detail.page_setup.pageOrder == "overThenDown"
    assert book[tr("Summary")].page_setup.fitToWidth == 1  # fits one page at a readable size
    (table,) = detail.tables.values()
    assert table.ref == f"A1:{detail.cell(1, detail.max_column).column_letter}3"
    rows = sheet_dicts(detail)
    assert len(rows) == 2
    assert [c.value for c in detail[1]][:6] == ["N° de ligne", "N° d'action", "Action", "Recommandations",
                                                "Catégorie", "Nature"]
    first = rows[0]
    assert first["Libellé"] == "NAS 2 baies" and first["Fournisseur"] == "Inmac" and first["Trimestre"] == "T1 (janv.–mars)"
    assert cents(first["Prévu HT"]) == 89_900 and cents(first["Réalisé TTC"]) == 104_940
    assert cents(first["TVA sur réalisé"]) == 17_490 and first["Référence de la facture"] == "F-2026-17"
    assert first["Date de la facture"] == datetime(2026, 3, 10) and first["Échéance"] == datetime(2026, 11, 30)
    assert first["Statut de l'action"] == "À faire" and first["Catégorie"] == "Matériel"
    assert first["Amortissement (années)"] == 3 and first["Recommandations"] == "SEC-BACKUP-01"
    second = rows[1]
    assert cents(second["Prévu HT"]) == 1_234_567 and second["Taux de TVA"] == 0.055
    assert cents(second["TVA sur prévu"]) == 67_901  # 12 345,67 x 5,5 % = 679,01185: rounded per line
    assert second["Réalisé HT"] is None and second["Récurrent"] == "Chaque année à partir de 2026"
    money = detail.cell(2, list(rows[0]).index("Prévu HT") + 1)
    assert money.number_format == xlsx.MONEY_FORMAT and money.data_type == "n"
    date_cell = detail.cell(2, list(rows[0]).index("Date de la dépense") + 1)
    assert date_cell.number_format == xlsx.DATE_FORMAT and date_cell.is_date

    summary = book[tr("Summary")]
    formulas = [c.value for row in summary.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and all(f.startswith(("=SUMIFS(", "=SUM(")) for f in formulas)
    assert any("'Lignes de dépense'!$" in f for f in formulas)
    dep = sheet_dicts(book[tr("Depreciation")])
    assert dep[0]["Libellé"] == "NAS 2 baies" and cents(dep[0]["Base amortissable"]) == 104_940
    # from the invoice of 10 March 2026: 297 days of 365 in 2026, three full years' worth in all
    assert dep[0]["Amorti à partir du"] == datetime(2026, 3, 10)
    assert [cents(dep[0][y]) for y in ("2026", "2027", "2028", "2029")] == [28_463, 34_980, 34_980, 6_517]


def test_an_empty_year_still_gives_a_complete_workbook(workspace, manager, tmp_path):
    out = exports.export_budget(workspace, manager, 2030, tmp_path / "empty.xlsx")
    book = load_workbook(out)
    assert len(book.sheetnames) == 7  # the depreciation tables and the invoices say there is none
    detail = book[tr("Budget lines")]
    (table,) = detail.tables.values()
    assert table.ref.endswith("2") and detail.max_row == 1
    assert cover(book)[tr("Number of budget lines")] == 0


def test_checklist_workbook_has_every_item_coloured_statuses_and_score_formulas(workspace, manager, plan, tmp_path):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial", comment="NAS commandé",
                             responsible="Dr Karim", next_review="2027-01-15")
    evidence = tmp_path / "devis.pdf"
    evidence.write_bytes(b"%PDF-1.4 devis")
    workspace.vault.add(manager, evidence, items=["SEC-BACKUP-01"])
    workspace.vault.add(manager, evidence, items=["SEC-BACKUP-01"], title="second")
    out = exports.export_checklist(workspace, manager, tmp_path / "checklist.xlsx")
    book = load_workbook(out)
    sheet = book[tr("Recommendations")]
    rows = {r["Identifiant"]: r for r in sheet_dicts(sheet)}
    assert set(rows) == {item.id for item in workspace.catalogue.items}
    backup = rows["SEC-BACKUP-01"]
    assert backup["Statut"] == "Partiellement conforme" and backup["Commentaire"] == "NAS commandé"
    assert backup["Responsable"] == "Dr Karim" and backup["Prochaine revue"] == datetime(2027, 1, 15)
    assert backup["Preuves"] == 2 and backup["Actions liées"] == "#1 Sauvegarde externalisée"
    assert backup["Domaine"] == "Sécurité technique"
    assert backup["Gravité"] == workspace.catalogue.get("SEC-BACKUP-01").severity
    assert backup["Références"] and backup["Comment vérifier"]
    for row in workspace.checklist.rows():
        assert rows[row.item.id]["Statut"] == row.status.label
    assert rows["GOV-ROLES-02"]["Preuves"] == 0
    rules = [rule for cf in sheet.conditional_formatting for rule in cf.rules]
    assert len(rules) == 5 and {r.formula[0] for r in rules} >= {'"Conforme"', '"Partiellement conforme"'}
    scores = book[tr("Scores")]
    score_formulas = [c.value for row in scores.iter_rows() for c in row if c.data_type == "f"]
    assert any(f.startswith("=IF(") for f in score_formulas)


def test_actions_workbook_lists_every_action_with_owner_dates_and_costs(workspace, manager, plan, tmp_path):
    a, b, nas, cloud = plan
    out = exports.export_actions(workspace, manager, tmp_path / "actions.xlsx")
    book = load_workbook(out)
    rows = {r["N° d'action"]: r for r in sheet_dicts(book[tr("Actions")])}
    assert set(rows) == {a.id, b.id}
    first = rows[a.id]
    assert first["Titre"] == "Sauvegarde externalisée" and first["Responsable"] == "Dr Karim"
    assert first["Priorité"] == f"P{a.priority}" and first["Statut"] == "À faire"
    assert first["Échéance"] == datetime(2026, 11, 30) and first["Recommandations liées"] == "SEC-BACKUP-01"
    assert first["Lignes de dépense"] == 2
    assert cents(first["Prévu HT"]) == 89_900 + 1_234_567
    assert cents(first["Réalisé HT"]) == 87_450 and cents(first["Engagé HT"]) == 87_450
    assert rows[b.id]["En retard"] == "Oui" and rows[b.id]["Prévu HT"] == 0
    lines = sheet_dicts(book[tr("Budget lines")])
    assert [line["N° de ligne"] for line in lines] == [nas.id, cloud.id]


def test_an_empty_plan_still_gives_a_valid_workbook(workspace, manager, tmp_path):
    book = load_workbook(exports.export_actions(workspace, manager, tmp_path / "a.xlsx"))
    assert book.sheetnames == [tr("Cover"), tr("Actions"), tr("Budget lines")]
    assert sheet_dicts(book[tr("Actions")]) == []


def test_catalogue_export_holds_every_item_and_field(tmp_path, capsys):
    out = tmp_path / "catalogue.xlsx"
    assert main(["catalogue", "export", "--out", str(out)]) == 0
    assert "catalogue.xlsx" in capsys.readouterr().out
    catalogue = bundled_catalogue()
    book = load_workbook(out)
    rows = {r["Identifiant"]: r for r in sheet_dicts(book[tr("Recommendations")])}
    assert len(rows) == len(catalogue.items)
    item = next(i for i in catalogue.items if i.from_cnil_draft and i.actions)
    row = rows[item.id]
    assert row["Titre"] == item.title["fr"] and row["Question"] == item.question["fr"]
    assert row[tr("Why it matters")] == item.why["fr"]
    assert row[tr("How to check")] == item.how_to_check["fr"] and row[tr("Expected evidence")] == item.evidence["fr"]
    assert row["Gravité"] == item.severity and row[tr("From the CNIL draft")] == "Oui"
    assert item.actions[0].title["fr"] in row[tr("Suggested actions")]
    assert item.references[0].ref in row[tr("References")]
    facts = cover(book)
    assert facts[tr("Catalogue version")] == catalogue.version
    assert facts[tr("Sources")].startswith(catalogue.sources["fr"].strip()[:40])
    suggested = sheet_dicts(book[tr("Suggested actions")])
    assert len(suggested) == sum(len(i.actions) for i in catalogue.items)


def test_catalogue_export_in_english(tmp_path):
    out = tmp_path / "catalogue-en.xlsx"
    try:
        assert main(["catalogue", "export", "--out", str(out), "--lang", "en"]) == 0
        book = load_workbook(out)
        catalogue = bundled_catalogue()
        assert "Recommendations" in book.sheetnames
        rows = sheet_dicts(book["Recommendations"])
        assert rows[0]["Title"] == catalogue.items[0].title["en"]
    finally:
        set_language("fr")


# ---- commands ---------------------------------------------------------------------------------------
@pytest.fixture
def signed(monkeypatch):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)


def test_export_commands_write_each_workbook_and_record_it(workspace, plan, tmp_path, signed, capsys):
    data = str(workspace.data_dir)
    for what, extra in (("budget", ["--year", "2026"]), ("checklist", []), ("actions", [])):
        out = tmp_path / f"{what}.xlsx"
        assert main(["export", what, "--data-dir", data, "--out", str(out), *extra]) == 0
        assert load_workbook(out).sheetnames[0] == tr("Cover")
    kinds = [e.kind for e in workspace.audit.entries()]
    assert {"export.budget", "export.checklist", "export.actions"} <= set(kinds)
    entry = next(e for e in workspace.audit.entries() if e.kind == "export.budget")
    assert entry.actor_name == MANAGER and entry.after["fiscal_year"] == 2026 and entry.after["lines"] == 2


def test_export_command_refuses_a_name_that_is_not_a_workbook(workspace, tmp_path, signed, capsys):
    assert main(["export", "budget", "--data-dir", str(workspace.data_dir), "--out", str(tmp_path / "b.csv")]) == 1
    err = capsys.readouterr().err
    assert ".xlsx" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b.csv").exists()


def test_an_accountant_can_export_the_budget(workspace, manager, plan, tmp_path, monkeypatch):
    workspace.people.add(manager, "Mme Roux", "accountant", "Provisoire-Roux-2026")
    # a secret set by a manager must be changed before its profile may act (issue 19)
    workspace.people.change_own_secret(workspace.people.sign_in("Mme Roux", "Provisoire-Roux-2026"),
                                       "Provisoire-Roux-2026", "Comptable-Roux-2026")
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", "Comptable-Roux-2026")
    out = tmp_path / "budget.xlsx"
    assert main(["export", "budget", "--data-dir", str(workspace.data_dir), "--year", "2026", "--out", str(out),
                 "--as", "Mme Roux"]) == 0
    assert cover(load_workbook(out))[tr("Exported by")] == "Mme Roux"


def test_status_tells_when_each_workbook_was_last_exported(workspace, manager, tmp_path, signed, capsys):
    exports.export_checklist(workspace, manager, tmp_path / "c.xlsx")
    assert main(["status", "--data-dir", str(workspace.data_dir), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_exports"]["checklist"]["file"] == "c.xlsx"
    assert status["last_exports"]["checklist"]["by"] == MANAGER and "budget" not in status["last_exports"]


# ---- no exported file without its audit entry ----------------------------------------------------------
def _fail_export_entries(monkeypatch):
    """Make recording an export's audit entry fail, as a busy or damaged database would."""
    original = AuditTrail.record

    def record(self, actor, kind, *args, **kwargs):
        if kind.startswith("export."):
            raise DatabaseError("the audit trail cannot be written")
        return original(self, actor, kind, *args, **kwargs)

    monkeypatch.setattr(AuditTrail, "record", record)


def test_an_export_whose_entry_cannot_be_recorded_leaves_no_file(workspace, manager, plan, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    previous = folder / "budget.xlsx"
    exports.export_budget(workspace, manager, 2026, previous)
    kept = previous.read_bytes()
    _fail_export_entries(monkeypatch)
    with pytest.raises(DatabaseError):
        exports.export_budget(workspace, manager, 2026, folder / "new.xlsx")
    with pytest.raises(DatabaseError):
        exports.export_budget(workspace, manager, 2026, previous)
    assert sorted(p.name for p in folder.iterdir()) == ["budget.xlsx"]  # no new file, no leftover draft
    assert previous.read_bytes() == kept
    assert [e.kind for e in workspace.audit.search(kind="export")] == ["export.budget"]


def test_a_right_withdrawn_while_the_workbook_is_built_leaves_no_file(workspace, manager, plan, tmp_path):
    person = workspace.people.add(manager, "Mme Roux", "accountant", "Compta-Secret-2026")
    accountant = workspace.people.current(workspace.people.get(person.id).actor)
    prepared = exports.prepare_checklist(workspace, accountant)
    out = tmp_path / "exports" / "checklist.xlsx"
    out.parent.mkdir()
    draft = exports.write_draft(prepared, out)  # the GUI builds it on a worker meanwhile
    assert not out.exists()
    workspace.people.deactivate(manager, person.id)
    with pytest.raises(PermissionDenied):
        exports.publish_export(workspace, accountant, prepared, draft, out)
    assert list(out.parent.iterdir()) == []
    assert workspace.audit.search(kind="export") == []


def test_export_command_leaves_no_file_when_the_entry_cannot_be_recorded(workspace, plan, tmp_path, signed,
                                                                         monkeypatch, capsys):
    _fail_export_entries(monkeypatch)
    out = tmp_path / "exports" / "budget.xlsx"
    out.parent.mkdir()
    assert main(["export", "budget", "--data-dir", str(workspace.data_dir), "--year", "2026", "--out", str(out)]) == 1
    assert "audit trail cannot be written" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []


# ---- what a reader sees once the workbook is opened or printed ----------------------------------
LIGHT = 0.6  # relative luminance above which white text is unreadable on a fill


def _luminance(rgb: str) -> float:
    r, g, b = (int(rgb[-6:][i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_no_white_text_on_a_light_fill_and_wrapped_headers_get_tall_rows(workspace, manager, plan, tmp_path):
    out = exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx")
    book = load_workbook(out)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                colour = cell.font.color.rgb if cell.font and cell.font.color is not None else None
                fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
                if isinstance(colour, str) and colour.endswith("FFFFFF") and isinstance(fill, str):
                    assert _luminance(fill) < LIGHT, (sheet.title, cell.coordinate, cell.value)
    # every header row holding a wrapped header is as high as its longest header needs
    detail = book[tr("Budget lines")]
    for sheet, row in ((detail, 1), (book[tr("Planned vs actual")], 1), (book[tr("Depreciation")], 1)):
        needed = max(xlsx.wrapped_lines(c.value, sheet.column_dimensions[c.column_letter].width, bold=True)
                     for c in sheet[row] if c.value)
        assert needed > 1
        assert sheet.row_dimensions[row].height >= needed * xlsx.LINE_HEIGHT, sheet.title
    # no header of the detail needs more than three lines, no word of a header is cut
    for cell in detail[1]:
        width = detail.column_dimensions[cell.column_letter].width
        assert xlsx.wrapped_lines(cell.value, width, bold=True) <= 3, cell.value
        assert max(len(w) for w in cell.value.split()) + 1 < width, cell.value
    summary = book[tr("Summary")]
    headers = [r for r in range(1, summary.max_row + 1) if summary.cell(r, 1).value == tr("Category")]
    assert headers and all(summary.row_dimensions[r].height >= 2 * xlsx.LINE_HEIGHT for r in headers)
    # the subtitle spans several columns instead of being cut at the first one
    assert any(str(rng).startswith("A2:") for rng in summary.merged_cells.ranges)


def test_the_cover_rows_are_high_enough_for_their_descriptions(workspace, manager, plan, tmp_path):
    book = load_workbook(exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx"))
    sheet = book[tr("Cover")]
    width = sheet.column_dimensions["B"].width
    tall = 0
    for row in sheet.iter_rows(min_row=3):
        text = row[1].value
        if isinstance(text, str) and row[1].alignment.wrap_text:
            lines = xlsx.wrapped_lines(text, width)
            height = sheet.row_dimensions[row[0].row].height
            assert (height or xlsx.LINE_HEIGHT) >= lines * xlsx.LINE_HEIGHT, text
            tall += lines > 1
    assert tall >= 3


def test_quarters_carry_their_months_in_a_fiscal_year_from_july(workspace, manager, tmp_path):
    workspace.settings.update(manager, fiscal_year_start_month=7)
    p = workspace.plan
    a = p.create_action(manager, title="Sauvegarde")
    p.add_line(manager, a.id, label="NAS", planned_ht=10_000, expense_date="2026-08-20")
    book = load_workbook(exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx"))
    assert sheet_dicts(book[tr("Budget lines")])[0]["Trimestre"] == "T1 (juil.–sept.)"
    summary = [c for row in book[tr("Summary")].iter_rows(values_only=True) for c in row]
    assert {"T1 (juil.–sept.)", "T2 (oct.–déc.)", "T3 (janv.–mars)", "T4 (avr.–juin)"} <= set(summary)


def test_only_the_invoiced_investment_is_depreciated_pro_rata(workspace, manager, plan, tmp_path):
    a = plan[0]
    workspace.plan.add_line(manager, a.id, label="Second NAS commandé", nature="investment", category="hardware",
                            planned_ht=60_000, committed_ht=62_000, expense_date="2026-09-01", depreciation_years=3)
    book = load_workbook(exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx"))
    dep = sheet_dicts(book[tr("Depreciation")])
    assert [r["Libellé"] for r in dep[:-1]] == ["NAS 2 baies"]  # the order placed is not an asset yet


def test_checklist_rows_are_high_enough_for_their_wrapped_text_and_print_readably(workspace, manager, tmp_path):
    out = exports.export_checklist(workspace, manager, tmp_path / "checklist.xlsx")
    sheet = load_workbook(out)[tr("Recommendations")]
    widths = {c[0].column_letter: sheet.column_dimensions[c[0].column_letter].width for c in sheet.iter_cols(max_row=1)}
    assert all(w and 8 <= w <= 60 for w in widths.values())
    tall = 0
    for row in sheet.iter_rows(min_row=2):
        lines = max(xlsx.wrapped_lines(c.value, widths[c.column_letter]) for c in row
                    if isinstance(c.value, str) and c.alignment.wrap_text)
        height = sheet.row_dimensions[row[0].row].height
        assert height is not None and height >= lines * xlsx.LINE_HEIGHT, row[2].value
        assert height <= xlsx.EXCEL_MAX_ROW_HEIGHT
        assert all(c.alignment.vertical == "top" for c in row if c.value is not None), row[2].value
        tall += lines >= 3
    assert tall >= 1  # the guidance texts really need several lines
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert 2 <= setup.fitToWidth <= 3 and setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$C"


def test_wrapped_lines_estimates():
    assert xlsx.wrapped_lines("", 10) == 1
    assert xlsx.wrapped_lines("court", 20) == 1
    assert xlsx.wrapped_lines("un\ndeux\ntrois", 40) == 3
    assert xlsx.wrapped_lines("mot " * 50, 21) >= 10
    assert xlsx.wrapped_lines("x" * 100, 11) >= 10  # a word longer than the column breaks
    assert xlsx.pages_across([20] * 5) == 1
    assert xlsx.pages_across([15] * 30, repeated=30) == 3


def test_an_export_into_a_missing_folder_is_refused_without_creating_it(workspace, manager, plan, tmp_path,
                                                                        signed, capsys):
    out = tmp_path / "nowhere" / "budget.xlsx"
    with pytest.raises(exports.NoSuchFolder):
        exports.export_budget(workspace, manager, 2026, out)
    assert not out.parent.exists()
    assert main(["export", "budget", "--data-dir", str(workspace.data_dir), "--year", "2026", "--out", str(out)]) == 1
    assert "nowhere" in capsys.readouterr().err and not out.parent.exists()


# ---- the journal goes through the same pipeline ----------------------------------------------------------
def test_the_journal_workbook_reports_progress_and_is_recorded_with_its_head(workspace, manager, plan, tmp_path):
    head = workspace.audit.head_text()
    seen = []
    out = tmp_path / "journal.xlsx"
    n = exports.export_journal(workspace, manager, out, progress=lambda done, total: seen.append((done, total)),
                               kind="action")
    assert n == len(workspace.audit.search(kind="action")) > 0
    assert seen and seen[-1] == (n, n)
    book = load_workbook(out)
    header, *rows = list(book.worksheets[0].iter_rows(values_only=True))
    code = header.index(tr("Kind (code)"))
    assert len(rows) == n and {r[code].partition(".")[0] for r in rows} == {"action"}
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about[tr("Audit trail head")] == head and about[tr("Exported by")] == MANAGER
    assert '"kind": "action"' in about[tr("Filters")]
    last = workspace.audit.entries()[-1]
    assert last.kind == "export.audit" and last.after["file"] == "journal.xlsx" and last.after["entries"] == n
    assert last.after["head"] == head and last.after["intact"] is True


def test_a_cancelled_journal_export_writes_nothing_and_records_nothing(workspace, manager, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    entries = len(workspace.audit.entries())
    with pytest.raises(exports.ExportCancelled):
        exports.export_journal(workspace, manager, folder / "journal.xlsx", cancelled=lambda: True)
    assert list(folder.iterdir()) == [] and len(workspace.audit.entries()) == entries


def test_a_cancelled_budget_export_leaves_nothing_in_the_folder_nor_in_the_temporary_folder(
        workspace, manager, plan, tmp_path, monkeypatch):
    # The budget workbook is written sheet by sheet into temporary files as it is built.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(exports.ExportCancelled):
        exports.export_budget(workspace, manager, 2026, folder / "budget.xlsx", cancelled=lambda: True)
    assert list(folder.iterdir()) == []
    assert list(temporary.iterdir()) == []
    assert not workspace.audit.search(kind="export")


def test_a_journal_export_whose_entry_cannot_be_recorded_leaves_no_file(workspace, manager, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    _fail_export_entries(monkeypatch)
    with pytest.raises(DatabaseError):
        exports.export_journal(workspace, manager, folder / "journal.xlsx")
    assert list(folder.iterdir()) == []


def test_the_journal_export_refuses_a_name_that_is_not_a_workbook(workspace, manager, tmp_path):
    with pytest.raises(exports.NotAWorkbookName):
        exports.export_journal(workspace, manager, tmp_path / "journal.csv")
    assert not (tmp_path / "journal.csv").exists()


# ---- what the exports read ------------------------------------------------------------------------------
class ListedSourcesOnly:
    """Only what `ExportSources` lists, as the composition root provides it: an export that reached
    for anything else of the workspace (its database, its stores) would fail here."""

    def __init__(self, ws):
        self.settings, self.catalogue, self.plan, self.audit = ws.settings, ws.catalogue, ws.plan, ws.audit
        self.people, self.uow = ws.people, ws.uow
        self.checklist, self.evidence_counts_by_item = ws.checklist, ws.evidence_counts_by_item


def test_every_clinic_workbook_is_exported_from_the_listed_sources_alone(workspace, manager, plan, tmp_path):
    sources = ListedSourcesOnly(workspace)
    exports.export_budget(sources, manager, 2026, tmp_path / "budget.xlsx")
    exports.export_checklist(sources, manager, tmp_path / "checklist.xlsx")
    exports.export_actions(sources, manager, tmp_path / "actions.xlsx")
    assert exports.export_journal(sources, manager, tmp_path / "journal.xlsx") > 0
    assert set(exports.last_exports(sources)) == {"budget", "checklist", "actions", "audit"}
    book = load_workbook(tmp_path / "checklist.xlsx")
    checklist = {r["Identifiant"]: r for r in sheet_dicts(book[tr("Recommendations")])}
    assert checklist["SEC-BACKUP-01"]["Actions liées"] == "#1 Sauvegarde externalisée"
