"""The purchase journal for the accountant's software: re-read as the software would, every entry
balances, the whole file balances, it matches the budget workbook, LibreOffice opens it with the
FEC's columns, and Windows-1252 refuses what it cannot write, naming the line."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clinicguard.cli import main
from clinicguard.core import exports
from clinicguard.core.exports.purchases import (
    FEC_COLUMNS,
    purchase_journal,
    supplier_codes,
)
from clinicguard.core.exports.xlsx import sheet_title
from clinicguard.i18n import tr
from clinicguard.model.budget import BudgetLine
from clinicguard.model.errors import ClinicGuardError
from tests.conftest import MANAGER_SECRET

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
YEAR = 2026


def make_invoices(ws, manager) -> dict[str, BudgetLine]:
    """A year of invoices exercising every rule: an asset, an invoice with two rates and a partial
    deduction, a credit note, the 2,1 % rate, a dropped action's invoice, a quote not invoiced, and
    an invoice of another year."""
    plan = ws.plan
    a = plan.create_action(manager, title="Poste de l'accueil", item_ids=["SEC-BACKUP-01"], due_date="2026-03-01")
    b = plan.create_action(manager, title="Maintenance", due_date="2026-05-01")
    dropped = plan.create_action(manager, title="Projet abandonné", due_date="2026-02-01")
    lines = {
        "pc": plan.add_line(manager, a.id, label="PC fixe", planned_ht=120_000, nature="investment",
                            category="hardware", supplier="Informatique Durand", supplier_siret="732 829 320 00074",
                            actual_ht=119_990, actual_vat=23_998, actual_ttc=143_988, invoice_ref="F-2026-117",
                            invoice_date="2026-03-10", depreciation_years=3, vat_deduction_pct=100),
        "mixed": plan.add_line(manager, b.id, label="Contrat et fournitures", planned_ht=20_000, nature="running",
                               category="services", supplier="Médic'Services", account="6156",
                               vat_parts=((2000, 15_000, 3_000), (550, 4_999, 275)), actual_ttc=23_274,
                               invoice_ref="MS-88", invoice_date="2026-04-02", vat_deduction_pct=40),
        "credit": plan.add_line(manager, b.id, label="Avoir sur contrat", planned_ht=0, nature="running",
                                category="services", supplier="Médic'Services", account="6156", actual_ht=-5_000,
                                actual_vat=-1_000, actual_ttc=-6_000, invoice_ref="AV-3", invoice_date="2026-05-20",
                                vat_deduction_pct=40),
        "press": plan.add_line(manager, b.id, label="Revue médicale", planned_ht=10_000, nature="running",
                               category="subscriptions", supplier="Éditions Santé", vat_rate_bp=210,
                               actual_ht=9_500, actual_vat=200, actual_ttc=9_700, invoice_ref="ES-1",
                               invoice_date="2026-06-30", vat_deduction_pct=100),
        "dropped": plan.add_line(manager, dropped.id, label="Acompte étude", planned_ht=30_000, nature="running",
                                 category="services", supplier="Conseil & Co", actual_ht=10_000, actual_vat=2_000,
                                 actual_ttc=12_000, invoice_ref="CC-9", invoice_date="2026-01-20"),
        "quote": plan.add_line(manager, b.id, label="Devis signé", planned_ht=50_000, committed_ht=48_000,
                               nature="running", category="services", supplier="Autre"),
        "next_year": plan.add_line(manager, b.id, label="Facture 2027", planned_ht=1_000, nature="running",
                                   category="services", supplier="Autre", actual_ht=1_000, actual_vat=200,
                                   actual_ttc=1_200, invoice_date="2027-02-01", expense_date="2027-02-01"),
    }
    plan.update_action(manager, dropped.id, status="dropped")
    return lines


def read_journal(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def cents(text: str) -> int:
    assert re.fullmatch(r"-?\d+,\d\d", text), text  # decimal comma, two decimals, no thousands separator
    units, rest = text.split(",")
    return int(units) * 100 + (int(rest) if not units.startswith("-") else -int(rest))


def export_cli(clinic_dir: Path, out: Path, *extra: str) -> int:
    return main(["accounting", "purchase-journal", "--data-dir", str(clinic_dir), "--year", str(YEAR),
                 "--out", str(out), *extra])


@pytest.fixture
def clinic_with_invoices(workspace, manager, monkeypatch):
    lines = make_invoices(workspace, manager)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    return workspace, manager, lines


def test_every_entry_balances_and_the_file_matches_the_budget_workbook(clinic_with_invoices, tmp_path, capsys):
    ws, manager, _ = clinic_with_invoices
    out = tmp_path / "achats-2026.csv"
    assert export_cli(tmp_path / "clinic", out) == 0
    printed = capsys.readouterr().out
    assert "pas le FEC" in printed and "5 écritures" in printed  # it says plainly what the file is

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    rows = read_journal(out)
    assert list(rows[0].keys()) == list(FEC_COLUMNS)
    by_entry = defaultdict(lambda: [0, 0])
    for row in rows:
        assert re.fullmatch(r"\d\d/\d\d/2026", row["EcritureDate"]) and row["PieceDate"] == row["EcritureDate"]
        assert row["JournalCode"] == "HA"
        by_entry[row["EcritureNum"]][0] += cents(row["Debit"])
        by_entry[row["EcritureNum"]][1] += cents(row["Credit"])
    assert len(by_entry) == 5  # one entry per invoice of the year: not the quote, not 2027's
    for number, (debit, credit) in by_entry.items():
        assert debit == credit, number
    total_debit = sum(d for d, _ in by_entry.values())
    assert total_debit == sum(c for _, c in by_entry.values())

    # The asset: 2183 for the HT, 44562 for its VAT, 404 with a sub-account from the SIREN.
    pc = [r for r in rows if r["PieceRef"] == "F-2026-117"]
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in pc] == [
        ("2183", "1199,90", "0,00"), ("44562", "239,98", "0,00"), ("404", "0,00", "1439,88")]
    assert pc[2]["CompAuxNum"] == "F732829320" and pc[2]["CompAuxLib"] == "Informatique Durand"
    assert pc[0]["CompteLib"] == "Matériel de bureau et matériel informatique"
    # Two rates, 40 % deducted: the VAT per rate, what is not deducted added to the charge.
    mixed = [r for r in rows if r["PieceRef"] == "MS-88"]
    assert [(r["CompteNum"], r["Debit"]) for r in mixed[:3]] == [("6156", "219,64"), ("44566", "12,00"),
                                                                ("44566", "1,10")]
    assert "20 %" in mixed[1]["EcritureLib"] and "5,5 %" in mixed[2]["EcritureLib"]
    # The credit note reverses the sides: the supplier is debited.
    credit_note = [r for r in rows if r["PieceRef"] == "AV-3"]
    assert credit_note[-1]["CompteNum"] == "401" and credit_note[-1]["Debit"] == "60,00"
    assert credit_note[0]["Credit"] == "56,00" and credit_note[1]["Credit"] == "4,00"
    assert credit_note[-1]["CompAuxNum"] == mixed[-1]["CompAuxNum"]  # one supplier, one sub-account

    # The budget workbook of the same year: its invoices incl. VAT are what the suppliers are owed.
    book_path = tmp_path / "budget.xlsx"
    exports.export_budget(ws, manager, YEAR, book_path)
    sheet = load_workbook(book_path)[sheet_title(tr("Budget lines"))]
    header = [c.value for c in sheet[1]]
    ttc_col, vat_col = header.index(tr("Actual incl. VAT")), header.index(tr("VAT on actual"))
    book_ttc = sum(round((r[ttc_col] or 0) * 100) for r in sheet.iter_rows(min_row=2, values_only=True)
                   if isinstance(r[ttc_col], (int, float)))
    book_vat = sum(round((r[vat_col] or 0) * 100) for r in sheet.iter_rows(min_row=2, values_only=True)
                   if isinstance(r[vat_col], (int, float)))
    suppliers = sum(cents(r["Credit"]) - cents(r["Debit"]) for r in rows if r["CompteNum"] in ("401", "404"))
    assert suppliers == book_ttc == 143_988 + 23_274 - 6_000 + 9_700 + 12_000
    summary = ws.plan.summary(YEAR)
    assert book_vat == summary.total.actual_vat  # the invoices' VAT as typed, not recomputed
    vat_rows = sum(cents(r["Debit"]) - cents(r["Credit"]) for r in rows if r["CompteNum"].startswith("4456"))
    assert vat_rows == 23_998 + 1_200 + 110 - 400 + 200  # the deductible share only


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH")
def test_libreoffice_opens_the_file_with_the_fec_columns_and_it_balances(clinic_with_invoices, tmp_path):
    out = tmp_path / "achats.csv"
    assert export_cli(tmp_path / "clinic", out) == 0
    converted = tmp_path / "converted"
    profile = tmp_path / "lo-profile"
    # Semicolon (59), quote (34), UTF-8 (76), from line 1, French conventions (1036) for the commas.
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "xlsx", "--outdir", str(converted), str(out)],
                   check=True, timeout=240, capture_output=True)
    sheet = load_workbook(converted / "achats.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:len(FEC_COLUMNS)]) == list(FEC_COLUMNS)
    debit_col, credit_col = FEC_COLUMNS.index("Debit"), FEC_COLUMNS.index("Credit")
    debits = [r[debit_col] for r in rows[1:]]
    credits = [r[credit_col] for r in rows[1:]]
    assert all(isinstance(v, (int, float)) for v in debits + credits)  # read as numbers, not text
    assert round(sum(debits) * 100) == round(sum(credits) * 100) > 0
    assert rows[1][FEC_COLUMNS.index("CompteLib")]  # accents survived the encoding


def test_windows_1252_refuses_what_it_cannot_write_naming_the_line(clinic_with_invoices, tmp_path, capsys):
    ws, manager, lines = clinic_with_invoices
    out = tmp_path / "achats-1252.csv"
    assert export_cli(tmp_path / "clinic", out, "--encoding", "cp1252") == 0  # accents are fine in cp1252
    rows = read_journal(out, "cp1252")
    assert any(r["CompAuxLib"] == "Éditions Santé" for r in rows)
    ws.plan.update_line(manager, lines["press"].id, supplier="Łódź Wydawnictwo")
    refused = tmp_path / "refused.csv"
    assert export_cli(tmp_path / "clinic", refused, "--encoding", "cp1252") == 1
    err = capsys.readouterr().err
    assert "Windows-1252" in err and "'Ł'" in err and f"ligne budgétaire {lines['press'].id}" in err
    assert re.search(r"[Ll]igne \d+ du fichier", err)
    assert "Traceback" not in err and not refused.exists()
    assert not list(tmp_path.glob(".refused*"))  # no draft left behind


def test_a_wrong_file_name_or_encoding_is_refused_in_one_line(clinic_with_invoices, tmp_path, capsys):
    assert export_cli(tmp_path / "clinic", tmp_path / "achats.xlsx") == 1
    assert ".csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        export_cli(tmp_path / "clinic", tmp_path / "achats.csv", "--encoding", "latin9")
    assert exit_.value.code == 2


def test_the_export_is_in_the_audit_trail(clinic_with_invoices, tmp_path):
    ws, manager, _ = clinic_with_invoices
    _, journal = exports.purchases.export_purchase_journal(ws, manager, YEAR, tmp_path / "j.csv")
    entry = ws.audit.search(kind="export.purchase-journal")[-1]
    assert entry.after["file"] == "j.csv" and entry.after["debit"] == entry.after["credit"] == journal.debit


def test_suppliers_whose_names_share_their_first_letters_get_their_own_sub_accounts():
    def line(n, supplier, **kw):
        return BudgetLine(n, 1, "x", "2026-01-01", 2026, supplier=supplier, actual_ht=100, **kw)
    codes = supplier_codes([line(1, "Pharmacie centrale de Lyon"), line(2, "Pharmacie centrale de Paris"),
                            line(3, "pharmacie  Centrale de Lyon"), line(4, "X", supplier_siret="73282932000074")])
    assert len({codes["name:pharmacie centrale de lyon"], codes["name:pharmacie centrale de paris"]}) == 2
    assert codes["siren:732829320"] == "F732829320"


def test_an_incoherent_invoice_is_refused_naming_the_field(workspace, manager):
    action = workspace.plan.create_action(manager, title="A")
    add = lambda **kw: workspace.plan.add_line(manager, action.id, label="L", planned_ht=0, **kw)
    with pytest.raises(ClinicGuardError, match="TVA de la facture à 20 %"):
        add(actual_ht=10_000, actual_vat=1_990, actual_ttc=11_990)  # 2 000 expected, within a cent
    assert add(actual_ht=10_001, actual_vat=2_001, actual_ttc=12_002).invoice_vat == 2_001  # a cent apart is fine
    with pytest.raises(ClinicGuardError, match="TTC"):
        add(actual_ht=10_000, actual_vat=2_000, actual_ttc=12_001)
    with pytest.raises(ClinicGuardError, match="SIRET"):
        add(supplier_siret="732 829 320 00075")  # one digit off: the Luhn check fails
    with pytest.raises(ClinicGuardError, match="TVA"):
        add(supplier_vat="FR00732829320")  # wrong key
    assert add(supplier_vat="FR 44 732829320").supplier_vat == "FR44732829320"
    with pytest.raises(ClinicGuardError, match="19,6 %"):
        add(vat_rate_bp=1960)


def test_the_journal_is_empty_but_valid_for_a_year_without_invoices(workspace):
    journal = purchase_journal(workspace.plan.summary(2031))
    assert journal.entries == 0 and journal.rows == ()


def test_the_year_end_entries_book_the_depreciation_and_the_prepaid_part(clinic_with_invoices, tmp_path):
    from clinicguard.core.budget import year_views

    ws, manager, lines = clinic_with_invoices
    ws.plan.update_line(manager, lines["press"].id, service_from="2026-07-01", service_to="2027-06-30")
    out = tmp_path / "achats-od.csv"
    assert export_cli(tmp_path / "clinic", out, "--year-end") == 0
    rows = read_journal(out)
    od = [r for r in rows if r["JournalCode"] == "OD"]
    assert {r["JournalLib"] for r in od} == {"Opérations diverses"}
    assert all(r["EcritureDate"] == "31/12/2026" for r in od)
    by_entry = defaultdict(lambda: [0, 0])
    for r in od:
        by_entry[r["EcritureNum"]][0] += cents(r["Debit"])
        by_entry[r["EcritureNum"]][1] += cents(r["Credit"])
    assert all(d == c for d, c in by_entry.values()) and len(by_entry) == 2
    statuses = {a.id: a.status for a in ws.plan.actions()}
    views = year_views(ws.plan.summary(YEAR), ws.plan.lines(), statuses)
    depreciation = [r for r in od if r["CompteNum"] in ("6811", "28183")]
    assert [r["CompteNum"] for r in depreciation] == ["6811", "28183"]
    assert cents(depreciation[0]["Debit"]) == views.depreciation > 0  # the PC's annuity of 2026
    prepaid = [r for r in od if r["CompteNum"] == "486"]
    assert cents(prepaid[0]["Debit"]) == views.prepaid == 9_500 * 181 // 365  # half the press subscription, HT
    assert next(r for r in od if r["CompteNum"] == "6135")["Credit"] == prepaid[0]["Debit"]
