"""A recurring cost gets its own invoice, date and actual in each later fiscal year, instead of
carrying the first year's: in the summaries, the purchase journal, the CLI and the budget page."""

from __future__ import annotations

import pytest

from clinicguard.cli import main
from clinicguard.core.exports.purchases import purchase_journal
from clinicguard.core.formatting import format_money
from clinicguard.model.errors import ClinicGuardError
from tests.conftest import MANAGER_SECRET
from tests.test_plan_gui import open_window


@pytest.fixture
def subscription(workspace, manager):
    action = workspace.plan.create_action(manager, title="Hébergement HDS")
    return workspace.plan.add_line(manager, action.id, label="Abonnement HDS", planned_ht=120_000, nature="running",
                                   category="subscriptions", recurring=True, recurring_until=2028,
                                   expense_date="2026-10-01", actual_ht=118_000, actual_vat=23_600,
                                   actual_ttc=141_600, invoice_ref="H-2026", invoice_date="2026-10-01")


def test_each_later_year_has_its_own_invoice(workspace, manager, subscription):
    plan = workspace.plan
    assert plan.summary(2027).total.actual_ht == 0  # not the first year's invoice carried over
    plan.set_year_invoice(manager, subscription.id, 2027, actual_ht="1 250,00", actual_vat="250,00",
                          invoice_ref="H-2027", invoice_date="01/10/2027", payment_date="15/10/2027")
    y2026, y2027, y2028 = (plan.summary(y) for y in (2026, 2027, 2028))
    assert (y2026.total.actual_ht, y2027.total.actual_ht, y2028.total.actual_ht) == (118_000, 125_000, 0)
    assert y2027.total.actual_ttc == 150_000 and y2027.total.variance_ht == 5_000
    (entry,) = y2027.entries
    assert entry.line.invoice_ref == "H-2027" and entry.line.payment_date == "2027-10-15"
    journal = purchase_journal(y2027)
    assert journal.entries == 1 and {r.piece for r in journal.rows} == {"H-2027"}
    assert journal.debit == journal.credit == 150_000
    with pytest.raises(ClinicGuardError, match="2029"):  # the line ends in 2028
        plan.set_year_invoice(manager, subscription.id, 2029, actual_ht=100)
    with pytest.raises(ClinicGuardError, match="20 %"):  # VAT checked against the rate
        plan.set_year_invoice(manager, subscription.id, 2028, actual_ht=100, actual_vat=50)
    plan.update_line(manager, subscription.id, recurring_until=2026)  # shortened: 2027's invoice goes too
    assert plan.line(subscription.id).year_invoices == ()
    entry = workspace.audit.search(kind="budget-line.year-invoice")[-1]
    assert entry.after["invoice_ref"] == "H-2027"


def test_the_cli_records_and_removes_a_later_years_invoice(workspace, manager, subscription, tmp_path, monkeypatch,
                                                           capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    base = ["accounting", "recurring-invoice", "--data-dir", str(tmp_path / "clinic"), "--line", str(subscription.id),
            "--year", "2027"]
    assert main([*base, "--ht", "1250", "--ref", "H-2027", "--date", "01/10/2027"]) == 0
    assert format_money(125_000) in capsys.readouterr().out
    assert workspace.plan.line(subscription.id).year_invoice(2027).actual_ttc == 150_000
    assert main([*base, "--ht", "1250", "--vat", "10"]) == 1
    assert "TVA" in capsys.readouterr().err
    assert main(base) == 1  # neither --ht nor --remove
    assert main([*base, "--remove"]) == 0
    assert workspace.plan.line(subscription.id).year_invoices == ()


def test_a_later_year_is_invoiced_from_the_budget_page(qtbot, workspace, manager, subscription, monkeypatch):
    from clinicguard.ui.invoice_fields import YearInvoiceDialog

    window = open_window(qtbot, workspace, manager)
    view = window.show_page("budget")
    view.show_year(2027)
    (entry,) = view.lines_model.rows

    def exec_(dialog):
        dialog.ht_edit.setText("1250")
        dialog.vat_edit.setText("250")
        dialog.ttc_edit.setText("1500")
        dialog.ref_edit.setText("H-2027")
        return 1

    monkeypatch.setattr(YearInvoiceDialog, "exec", exec_)
    line = view.edit_year_invoice(entry)
    assert line.year_invoice(2027).invoice_ref == "H-2027"
    qtbot.waitUntil(lambda: view.summary.total.actual_ht == 125_000)
