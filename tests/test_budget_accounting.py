"""What misled the accountant, fixed: a dropped action's invoice is no overspend, totals never show
as ###, the euro format carries its locale, an absurd amount is refused in one line naming the
field, and the year's cost is shown both as cash and as charges."""

from __future__ import annotations

import openpyxl
import pytest

from clinicguard import cli
from clinicguard.core import exports
from clinicguard.core import workspace as workspace_module
from clinicguard.core.budget import MAX_AMOUNT_CENTS, InvalidValue, parse_amount, summarize_year, year_views
from clinicguard.core.exports import xlsx
from clinicguard.core.formatting import format_money
from clinicguard.model.budget import BudgetLine
from clinicguard.model.plan import ActionStatus

from tests.conftest import MANAGER_SECRET
from tests.test_plan_gui import open_window
from tests.test_plan_import import HEADER, write_xlsx


def line(n=1, action_id=1, **kw) -> BudgetLine:
    defaults = dict(label=f"Ligne {n}", expense_date="2026-03-15", fiscal_year=2026, planned_ht=10000)
    defaults.update(kw)
    return BudgetLine(n, action_id, **defaults)


# ---- a dropped action's invoice ------------------------------------------------------------------
def test_an_invoice_paid_before_the_action_was_dropped_is_not_an_overspend():
    paid = line(1, action_id=1, planned_ht=30_000, actual_ht=30_000)   # paid in full as planned
    never = line(2, action_id=1, planned_ht=50_000)                     # will not be spent
    summary = summarize_year([paid, never], {1: "dropped"}, 2026, 1)
    assert summary.total.planned_ht == 0          # the dropped plan no longer counts
    assert summary.total.actual_ht == 30_000      # what was paid stays
    assert summary.total.variance_ht == 0         # ... and was 30 000 of overspend before
    [entry, _] = sorted(summary.entries, key=lambda e: e.line.id)
    assert entry.variance_ht == 0 and not entry.over_budget
    over = summarize_year([line(1, planned_ht=30_000, actual_ht=35_000)], {1: "dropped"}, 2026, 1)
    assert over.total.variance_ht == 5_000        # a real overspend still shows


def test_the_workbook_shows_no_overspend_for_a_dropped_action(workspace, manager, tmp_path):
    plan = workspace.plan
    action = plan.create_action(manager, title="Projet abandonné")
    plan.add_line(manager, action.id, label="Acompte", planned_ht=30_000, actual_ht=30_000, expense_date="2026-03-01")
    plan.update_action(manager, action.id, status=ActionStatus.DROPPED.value)
    out = exports.export_budget(workspace, manager, 2026, tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(out)
    detail = book.worksheets[1]
    header = [c.value for c in detail[1]]
    column = header.index(exports.measure_headers()["variance_ht"])
    assert detail.cell(row=2, column=column + 1).value == 0


# ---- formats and widths ----------------------------------------------------------------------------
def test_the_euro_format_carries_the_french_locale_tag():
    # Without [$€-40C] an English-locale LibreOffice shows 899.00 € as "899.00 €" or drops the sign.
    assert "[$€-40C]" in xlsx.MONEY_FORMAT


def test_a_large_total_gets_a_column_wide_enough_not_to_show_hashes(workspace, manager, tmp_path):
    plan = workspace.plan
    action = plan.create_action(manager, title="Nouveau bâtiment")
    for n in range(3):
        plan.add_line(manager, action.id, label=f"Lot {n}", planned_ht=90_000_000_000, actual_ht=90_000_000_000,
                      expense_date="2026-03-01")
    out = exports.export_budget(workspace, manager, 2026, tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(out)
    total_shown = format_money(3 * (90_000_000_000 + 18_000_000_000))  # the TTC total, 12 digits of euros
    for sheet in book.worksheets[1:4]:
        money_columns = {c.column_letter for row in sheet.iter_rows() for c in row
                         if c.number_format == xlsx.MONEY_FORMAT}
        assert money_columns, sheet.title
        for letter in money_columns:
            assert sheet.column_dimensions[letter].width >= len(total_shown) + 2, (sheet.title, letter)


# ---- an absurd amount ------------------------------------------------------------------------------
def test_an_absurd_amount_is_refused_naming_the_field():
    assert parse_amount("1 000 000 000,00") == MAX_AMOUNT_CENTS
    for value in ("100000000000000000", 1e17, 10**17, "1e17"):
        with pytest.raises(InvalidValue) as problem:
            parse_amount(value, "Montant prévu HT")
        assert str(problem.value).startswith("Montant prévu HT: ") and "\n" not in str(problem.value)
    with pytest.raises(InvalidValue):
        parse_amount(float("inf"))


def test_an_absurd_amount_given_to_the_plan_is_refused_not_a_database_overflow(workspace, manager):
    action = workspace.plan.create_action(manager, title="Sauvegarde")
    with pytest.raises(InvalidValue) as problem:
        workspace.plan.add_line(manager, action.id, label="NAS", planned_ht=10**19, expense_date="2026-03-01")
    assert "prévu" in str(problem.value)
    assert workspace.plan.lines() == []


def test_an_absurd_amount_in_an_imported_file_is_one_line_naming_the_column(workspace, manager, tmp_path,
                                                                             monkeypatch, capsys):
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    row = ["Sauvegarde", "", "", "", "", "", "", "", "NAS", "", "investissement", "Matériel",
           "100000000000000000", "20 %", "", ""]
    path = write_xlsx(tmp_path / "plan.xlsx", [row], header=HEADER)
    code = cli.main(["import", "actions", "--data-dir", str(workspace.data_dir), str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Montant HT" in err and "dépasse" in err and "Traceback" not in err
    assert workspace.plan.lines() == []


def test_an_absurd_amount_typed_in_the_dialog_keeps_it_open_naming_the_field(qtbot, workspace, manager,
                                                                             fill_dialogs):
    workspace.plan.create_action(manager, title="Sauvegarde", due_date="2026-05-01")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    errors = []
    fill_dialogs.extend([
        lambda d: (d.label_edit.setText("NAS"), d.planned_edit.setText("100"), d.actual_edit.setText("1e17")),
        lambda d: errors.append(d.error_label.text()),
        lambda d: (d.label_edit.setText("NAS"), d.planned_edit.setText("100"),
                   d.actual_edit.setText("100000000000000000")),
        lambda d: errors.append(d.error_label.text()),
    ])
    view.add_line()
    view.add_line()
    assert errors[0].startswith("Montant réel HT")
    assert errors[1].startswith("Montant réel HT") and "dépasse" in errors[1]
    assert workspace.plan.lines() == []


# ---- cash view and charges view ----------------------------------------------------------------------
def test_the_year_is_shown_as_cash_and_as_charges():
    pc = line(1, nature="investment", category="hardware", planned_ht=120_000, actual_ht=120_000,
              invoice_date="2026-01-01", depreciation_years=3, vat_recoverable=True)
    mouse = line(2, nature="investment", category="hardware", planned_ht=3_000, actual_ht=3_000,
                 vat_recoverable=True)
    licence = line(3, nature="running", category="subscriptions", planned_ht=10_000, vat_recoverable=True)
    summary = summarize_year([pc, mouse, licence], {1: "in-progress"}, 2026, 1)
    views = year_views(summary, [pc, mouse, licence], {1: "in-progress"})
    assert views.cash == 133_000                      # every payment, the PC at its full price
    assert views.depreciation == 40_000               # a third of the PC
    assert views.charges == 10_000 + 40_000 + 3_000   # licence + depreciation + the mouse, charged in full


def test_the_budget_page_labels_both_views(qtbot, workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Poste")
    plan.add_line(manager, action.id, label="PC", nature="investment", category="hardware", planned_ht=120_000,
                  actual_ht=120_000, expense_date="2026-01-01", invoice_date="2026-01-01", depreciation_years=3,
                  vat_recoverable=True)
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("budget")
    view.show_year(2026)
    assert view.figures["real"].text() == format_money(120_000)
    assert view.figures["charges"].text() == format_money(40_000)
    assert "Vue trésorerie" in view.vat_note.text() and "Vue charges" in view.vat_note.text()
