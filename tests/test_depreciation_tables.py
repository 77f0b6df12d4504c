"""The depreciation tables of the budget workbook: recalculated by LibreOffice, each schedule adds up
to its base (a disposal: the schedule plus the value written off), the annuities are formulas and
equal the app's own schedule; a duration outside 1 to 10 years is saved only once confirmed."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from openpyxl import load_workbook

from clinicguard.core import exports
from clinicguard.core.budget import DurationNeedsConfirmation, depreciations
from clinicguard.core.exports.xlsx import sheet_title
from clinicguard.i18n import tr
from tests.test_export_libreoffice import recalculated

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def make_assets(ws, manager, start_month: int):
    if start_month != 1:
        ws.settings.update(manager, fiscal_year_start_month=start_month)
    plan = ws.plan
    action = plan.create_action(manager, title="Équipement", due_date="2026-03-01")
    add = lambda **kw: plan.add_line(manager, action.id, nature="investment", **kw)
    return {
        # Bought in March, put into service in April: depreciation starts in April.
        "pc": add(label="PC fixe", category="hardware", planned_ht=120_000, actual_ht=119_990, actual_vat=23_998,
                  actual_ttc=143_988, invoice_date="2026-03-10", in_service_date="2026-04-01", depreciation_years=3,
                  vat_deduction_pct=100, supplier="Informatique Durand"),
        # A third of a cent would be lost by rounding each year: the last year takes what is left.
        "software": add(label="Logiciel de cabinet", category="software", planned_ht=100_000, actual_ht=100_000,
                        invoice_date="2025-09-17", expense_date="2025-09-17", depreciation_years=3,
                        vat_recoverable=False),
        # Scrapped before the end of its period: the schedule stops at the disposal.
        "nas": add(label="Serveur de sauvegarde", category="hardware", planned_ht=250_000, actual_ht=250_000,
                   invoice_date="2025-01-15", expense_date="2025-01-15", depreciation_years=5,
                   disposal_date="2027-06-30", vat_recoverable=True),
    }


def tables_of(sheet) -> list[dict]:
    """Each table's base, annuities, total and value written off, read from column A's labels."""
    tables, current, in_years = [], None, False
    for row in sheet.iter_rows(min_row=1):
        first = row[0].value
        if first == tr("Depreciable base"):
            current = {"base": row[1].value, "annuities": [], "written_off": 0}
            tables.append(current)
        elif current is None:
            continue
        elif first == tr("Fiscal year"):
            in_years = True
        elif first == tr("Total"):
            in_years = False
            current["total"] = row[5].value
        elif in_years:
            current["annuities"].append(row[5].value)
        elif first == tr("Net book value written off at the disposal"):
            current["written_off"] = row[5].value
    return tables


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH")
@pytest.mark.parametrize("start_month", [1, 7])
def test_libreoffice_recalculates_each_table_to_its_base(workspace, manager, tmp_path, start_month):
    assets = make_assets(workspace, manager, start_month)
    path = tmp_path / "budget.xlsx"
    exports.export_budget(workspace, manager, 2026, path)
    name = sheet_title(tr("Depreciation tables"))
    written = tables_of(load_workbook(path)[name])
    assert len(written) == 3
    for table in written:  # the annuities as written: formulas, never fixed values
        assert table["annuities"] and all(str(a).startswith("=") for a in table["annuities"])
    computed = tables_of(recalculated(path, tmp_path)[name])
    statuses = {a.id: a.status for a in workspace.plan.actions()}
    expected = {d.line.label: d for d in depreciations(workspace.plan.lines(), statuses, 2026, start_month)}
    by_base = {}
    for table in computed:
        cents = [round(a * 100) for a in table["annuities"]]
        total = round(table["total"] * 100)
        base = round(table["base"] * 100)
        assert total + round(table["written_off"] * 100) == base  # every schedule adds up to its base
        by_base[base] = cents
    pc, software, nas = (expected[assets[k].label] for k in ("pc", "software", "nas"))
    for item in (pc, software, nas):  # the formulas compute what the app computes, year by year
        assert by_base[item.base] == [c for _, c in item.schedule]
    assert sum(c for _, c in pc.schedule) == 119_990
    assert sum(c for _, c in software.schedule) == 120_000  # VAT not deducted: the base is incl. VAT
    assert sum(c for _, c in nas.schedule) < 250_000  # scrapped: the rest is written off


def test_the_schedule_starts_at_the_date_put_into_service_and_stops_at_the_disposal(workspace, manager):
    assets = make_assets(workspace, manager, 1)
    statuses = {a.id: a.status for a in workspace.plan.actions()}
    items = {d.line.id: d for d in depreciations(workspace.plan.lines(), statuses, 2026)}
    pc = items[assets["pc"].id]
    assert pc.start == date(2026, 4, 1)
    assert pc.schedule[0] == (2026, 119_990 * 275 // (3 * 365))  # 1 April to 31 December: 275 days
    nas = items[assets["nas"].id]
    assert [y for y, _ in nas.schedule] == [2025, 2026, 2027]
    assert nas.schedule[-1][1] == 250_000 * 181 // (5 * 365)  # 1 January to 30 June 2027


def test_a_duration_outside_one_to_ten_years_needs_a_confirmation(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Travaux")
    with pytest.raises(DurationNeedsConfirmation, match="30 ans"):
        plan.add_line(manager, action.id, label="Baie de brassage", planned_ht=5_000, nature="investment",
                      category="hardware", depreciation_years=30)
    assert plan.lines(action.id) == []  # nothing saved
    line = plan.add_line(manager, action.id, label="Baie de brassage", planned_ht=5_000, nature="investment",
                         category="hardware", depreciation_years=30, confirm_duration=True)
    assert plan.update_line(manager, line.id, label="Baie").depreciation_years == 30  # asked once, not again
    with pytest.raises(DurationNeedsConfirmation, match="3 ans"):  # the usual duration is named
        plan.update_line(manager, line.id, depreciation_years=12)
    assert plan.update_line(manager, line.id, depreciation_years=10).depreciation_years == 10
