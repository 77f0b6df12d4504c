"""Accounts of the Plan comptable général on the budget lines, and the purchase-journal export."""

from __future__ import annotations

import openpyxl
import pytest

from clinicguard.core import exports
from clinicguard.core.budget import InvalidValue, accounting_warnings
from clinicguard.model.accounts import PCG_LABELS, account_label, default_account, depreciation_account
from clinicguard.model.budget import BudgetLine, Category, Nature

from tests.test_plan_gui import open_window


def line(n=1, action_id=1, **kw) -> BudgetLine:
    defaults = dict(label=f"Ligne {n}", expense_date="2026-03-15", fiscal_year=2026, planned_ht=10000)
    defaults.update(kw)
    return BudgetLine(n, action_id, **defaults)


def test_every_category_has_a_default_account_of_the_right_class_with_its_label():
    for nature in Nature:
        for category in Category:
            account = default_account(nature.value, category.value)
            assert account[0] == ("2" if nature is Nature.INVESTMENT else "6"), (nature, category)
            assert account in PCG_LABELS
    assert default_account("investment", "hardware") == "2183"
    assert default_account("investment", "software") == "2051"
    assert default_account("running", "services") == "6226"
    assert depreciation_account("2183") == "28183" and depreciation_account("2051") == "2805"
    assert account_label("62268") == "Honoraires"


def test_an_account_set_on_a_line_is_kept_and_checked(workspace, manager):
    plan = workspace.plan
    action = plan.create_action(manager, title="Maintenance")
    kept = plan.add_line(manager, action.id, label="Contrat de maintenance", nature="running", category="services",
                         planned_ht=120_000, expense_date="2026-03-01", account=" 6156 ")
    assert plan.line(kept.id).account == "6156" and plan.line(kept.id).booked_account == "6156"
    default = plan.add_line(manager, action.id, label="Audit", nature="running", category="services",
                            planned_ht=50_000, expense_date="2026-03-01")
    assert default.account is None and default.booked_account == "6226"
    with pytest.raises(InvalidValue, match="classe 6"):
        plan.update_line(manager, kept.id, account="2183")
    with pytest.raises(InvalidValue, match="chiffres"):
        plan.update_line(manager, kept.id, account="maint")
    assert plan.line(kept.id).account == "6156"
    assert plan.update_line(manager, kept.id, account="").booked_account == "6226"  # back to the default


def test_a_small_investment_and_an_asset_like_running_cost_are_questioned_not_refused():
    mouse = line(nature="investment", category="hardware", planned_ht=4_999)
    [warning] = accounting_warnings(mouse)
    assert "500,00" in warning and "BOI-BIC-CHG-20-30-10" in warning and "pas une règle" in warning
    assert accounting_warnings(line(nature="investment", category="hardware", planned_ht=50_000)) == []
    server = line(nature="running", category="hardware", planned_ht=150_000)
    assert "immobilisation" in accounting_warnings(server)[0]
    assert accounting_warnings(line(nature="running", category="subscriptions", planned_ht=150_000,
                                    recurring=True)) == []


def test_the_workbook_shows_each_lines_account_and_the_warning(workspace, manager, tmp_path):
    plan = workspace.plan
    action = plan.create_action(manager, title="Poste")
    plan.add_line(manager, action.id, label="Souris", nature="investment", category="hardware", planned_ht=2_000,
                  expense_date="2026-03-01")
    out = exports.export_budget(workspace, manager, 2026, tmp_path / "b.xlsx")
    detail = openpyxl.load_workbook(out).worksheets[1]
    header = [c.value for c in detail[1]]
    row = {h: c.value for h, c in zip(header, detail[2])}
    assert row["Compte"] == "2183" and row["Libellé du compte"].startswith("Matériel de bureau")
    assert "BOI-BIC-CHG-20-30-10" in row["Remarque comptable"]


def test_the_line_dialog_offers_the_default_account_and_keeps_a_typed_one(qtbot, workspace, manager, fill_dialogs):
    workspace.plan.create_action(manager, title="Maintenance", due_date="2026-05-01")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    shown = []

    def fill(d):
        d.nature_edit.setCurrentIndex(d.nature_edit.findData("running"))
        d.category_edit.setCurrentIndex(d.category_edit.findData("services"))
        shown.append(d.account_edit.placeholderText())
        d.label_edit.setText("Contrat de maintenance")
        d.planned_edit.setText("1200")
        d.account_edit.setText("6156")

    fill_dialogs.append(fill)
    view.add_line()
    assert shown[0].startswith("6226") and "Honoraires" in shown[0]
    [saved] = workspace.plan.lines()
    assert saved.account == "6156"
    budget = window.show_page("budget")
    budget.show_year(2026)
    column = budget.lines_model.COLUMNS.index("account")
    assert budget.lines_model.index(0, column).data() == "6156"
