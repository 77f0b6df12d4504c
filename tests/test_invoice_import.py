"""Invoices as printed, entered through the plan import (CLI): typed VAT and TTC, credit notes, the
supplier's identity, the asset's and the service period's dates; a long depreciation period only
with --confirm-durations; bad figures refused naming the column, nothing written."""

from __future__ import annotations

import pytest

from clinicguard.cli import main
from tests.conftest import MANAGER_SECRET

HEADER = ("Titre;Libellé dépense;Fournisseur;Nature;Catégorie;Montant HT;Taux TVA;Montant réel HT;TVA facture;"
          "TTC facture;TVA déductible %;SIRET fournisseur;Date facture;Date de paiement;Mise en service;"
          "Amortissement (années);Service du;Service au")


def write_csv(path, *rows):
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def clinic(workspace, monkeypatch, tmp_path):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    return workspace


def run_import(tmp_path, path, *extra):
    return main(["import", "actions", "--data-dir", str(tmp_path / "clinic"), str(path), *extra])


def test_invoices_as_printed_are_imported(clinic, tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        "Poste;PC;Durand;investissement;Matériel;1200;20 %;1199,90;239,98;1439,88;100;73282932000074;10/03/2026;"
        "15/03/2026;01/04/2026;3;;",
        "Hébergement;Abonnement HDS;Cloud;fonctionnement;Abonnements et hébergement;1200;20 %;1200;240;1440;50;;"
        "01/10/2026;;;;01/10/2026;30/09/2027",
        "Hébergement;Avoir;Cloud;fonctionnement;Abonnements et hébergement;0;20 %;-100;-20;-120;50;;05/11/2026;;;;;",
        "Revue;Revue médicale;Éditions;fonctionnement;Abonnements et hébergement;95;2,1 %;95;2;97;100;;"
        "02/02/2026;;;;;",
    )
    assert run_import(tmp_path, path) == 0
    lines = {line.label: line for line in clinic.plan.lines()}
    pc = lines["PC"]
    assert (pc.actual_vat, pc.actual_ttc, pc.in_service_date, pc.payment_date) == (23_998, 143_988, "2026-04-01",
                                                                                   "2026-03-15")
    assert lines["Avoir"].is_credit_note and lines["Avoir"].vat_deduction_pct == 50
    assert lines["Revue médicale"].vat_rate_bp == 210
    assert (lines["Abonnement HDS"].service_from, lines["Abonnement HDS"].service_to) == ("2026-10-01", "2027-09-30")


@pytest.mark.parametrize("row, column, fragment", [
    ("X;L;S;fonctionnement;Autre;100;20 %;100;25;125;;;;;;;;", "TVA", "20 %"),           # VAT off by 5 €
    ("X;L;S;fonctionnement;Autre;100;20 %;100;20;121;;;;;;;;", "TTC", "121"),            # TTC off by 1 €
    ("X;L;S;fonctionnement;Autre;100;20 %;100;;;;73282932000075;;;;;;", "SIRET", "SIRET"),  # bad check digit
    ("X;L;S;fonctionnement;Autre;100;19,6 %;;;;;;;;;;;", "Taux TVA", "19,6"),
    ("X;L;S;fonctionnement;Autre;100;20 %;;;;;;;;;;01/10/2026;", "service", "service"),  # no last day
])
def test_bad_invoice_figures_are_refused_naming_the_field(clinic, tmp_path, capsys, row, column, fragment):
    path = write_csv(tmp_path / "plan.csv", row)
    assert run_import(tmp_path, path) == 1
    err = capsys.readouterr().err
    assert "Ligne 2" in err and fragment in err and column.lower() in err.lower()
    assert "Traceback" not in err
    assert clinic.plan.lines() == []


def test_a_long_depreciation_period_needs_the_confirmation_flag(clinic, tmp_path, capsys):
    path = write_csv(tmp_path / "plan.csv",
                     "Travaux;Câblage;Elec;investissement;Prestations et conseil;5000;20 %;;;;;;;;;30;;")
    assert run_import(tmp_path, path) == 1
    err = capsys.readouterr().err
    assert "30 ans" in err and "--confirm-durations" in err and clinic.plan.lines() == []
    assert run_import(tmp_path, path, "--confirm-durations") == 0
    assert clinic.plan.lines()[0].depreciation_years == 30


def test_the_part_prepaid_at_year_end_is_shown_in_the_workbook_and_the_charges_view(clinic, tmp_path):
    from openpyxl import load_workbook

    from clinicguard.core import exports
    from clinicguard.core.budget import year_views
    from clinicguard.core.exports.xlsx import sheet_title
    from clinicguard.i18n import tr

    path = write_csv(tmp_path / "plan.csv",
                     "Hébergement;Abonnement HDS;Cloud;fonctionnement;Abonnements et hébergement;1200;20 %;1200;240;"
                     "1440;50;;01/10/2026;;;;01/10/2026;30/09/2027")
    assert run_import(tmp_path, path) == 0
    manager = clinic.people.sign_in("Claire Martin", MANAGER_SECRET)
    real = 120_000 + 24_000 - 12_000  # half of the VAT deducted
    prepaid = real * 273 // 365  # 1 January to 30 September 2027, of 365 days
    out = exports.export_budget(clinic, manager, 2026, tmp_path / "budget.xlsx")
    sheet = load_workbook(out)[sheet_title(tr("Invoices of the year"))]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert round(row[header.index(tr("Prepaid at year end (charges constatées d'avance)"))] * 100) == prepaid
    assert row[header.index(tr("Deductible share of the VAT"))] == 0.5
    assert round(row[header.index(tr("Deductible VAT"))] * 100) == 12_000
    statuses = {a.id: a.status for a in clinic.plan.actions()}
    views_2026 = year_views(clinic.plan.summary(2026), clinic.plan.lines(), statuses)
    views_2027 = year_views(clinic.plan.summary(2027), clinic.plan.lines(), statuses)
    assert views_2026.prepaid == prepaid and views_2026.charges == real - prepaid
    assert views_2027.carried_in == prepaid and views_2027.charges == prepaid  # the 2027 part, charged in 2027
