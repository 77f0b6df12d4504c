"""The invoice as printed, typed in the budget line dialog of the real main window; a long
depreciation period asked once; the purchase journal written from the budget page."""

from __future__ import annotations

import csv
import io

from PySide6.QtWidgets import QMessageBox

from clinicguard.core.formatting import format_money
from clinicguard.ui.purchase_journal_dialog import PurchaseJournalDialog
from tests.test_plan_gui import open_window


def fill_invoice(d, evidence_id):
    d.label_edit.setText("Contrat et fournitures")
    d.supplier_edit.setText("Médic'Services")
    d.planned_edit.setText("200")
    d.actual_edit.setText("199,99")
    inv = d.invoice_fields
    (r1, h1, v1), (r2, h2, v2), _ = inv.parts
    r1.setCurrentIndex(r1.findData(2000))
    h1.setText("150,00")
    v1.setText("30,00")
    r2.setCurrentIndex(r2.findData(550))
    h2.setText("49,99")
    v2.setText("2,75")
    inv.ttc_edit.setText("232,74")
    inv.deduction_edit.setValue(40)
    inv.siret_edit.setText("732 829 320 00074")
    inv.payment_edit.set_value("2026-04-30")
    inv.file_edit.setCurrentIndex(inv.file_edit.findData(evidence_id))
    d.invoice_ref_edit.setText("MS-88")
    d.invoice_date_edit.set_value("2026-04-02")
    d.nature_edit.setCurrentIndex(d.nature_edit.findData("running"))
    d.period_fields.service_from_edit.set_value("2026-07-01")
    d.period_fields.service_to_edit.set_value("2027-06-30")


def test_an_invoice_with_two_rates_is_saved_as_printed(qtbot, workspace, manager, fill_dialogs, tmp_path):  # noqa: F811
    action = workspace.plan.create_action(manager, title="Maintenance", due_date="2026-05-01")
    pdf = tmp_path / "facture.pdf"
    pdf.write_bytes(b"%PDF-1.4 facture MS-88")
    evidence = workspace.vault.add(manager, pdf, actions=[action.id], title="Facture MS-88")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    errors = []
    fill_dialogs.extend([
        lambda d: (fill_invoice(d, evidence.id), d.invoice_fields.parts[1][2].setText("3,75")),  # a typing slip
        lambda d: (errors.append(d.error_label.text()), d.invoice_fields.parts[1][2].setText("2,75")),
    ])
    line = view.add_line()
    assert "5,5 %" in errors[0] and "3,75" in errors[0]  # the slip is named, the dialog stayed open
    assert line.vat_parts == ((2000, 15_000, 3_000), (550, 4_999, 275))
    assert (line.actual_ht, line.actual_vat, line.actual_ttc) == (19_999, 3_275, 23_274)
    assert line.vat_deduction_pct == 40 and line.supplier_siret == "73282932000074"
    assert line.payment_date == "2026-04-30" and line.invoice_evidence_id == evidence.id
    assert (line.service_from, line.service_to) == ("2026-07-01", "2027-06-30")

    budget = window.show_page("budget")
    budget.show_year(2026)
    # Paid in April for July 2026 to June 2027: half of it (181 of 365 days) belongs to 2027.
    real = 19_999 + 3_275 - (1_200 + 110)
    assert budget.figures["prepaid"].text() == format_money(real * 181 // 365)


def test_a_long_depreciation_period_is_asked_once(qtbot, workspace, manager, fill_dialogs, monkeypatch):  # noqa: F811
    workspace.plan.create_action(manager, title="Travaux", due_date="2026-05-01")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    questions = []

    def answer(result):
        def question(parent, title, text, *args):
            questions.append(text)
            return result
        return question

    def fill(d):
        d.label_edit.setText("Câblage")
        d.planned_edit.setText("5000")
        d.nature_edit.setCurrentIndex(d.nature_edit.findData("investment"))
        d.category_edit.setCurrentIndex(d.category_edit.findData("services"))
        d.depreciation_edit.setValue(30)

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    fill_dialogs.extend([fill, lambda d: None])
    assert view.add_line() is None and workspace.plan.lines() == []  # refused: nothing saved
    assert "30 ans" in questions[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    fill_dialogs.append(fill)
    assert view.add_line().depreciation_years == 30


def test_the_purchase_journal_is_written_from_the_budget_page(qtbot, workspace, manager, tmp_path, monkeypatch):
    plan = workspace.plan
    action = plan.create_action(manager, title="Poste")
    plan.add_line(manager, action.id, label="PC", nature="investment", category="hardware", planned_ht=120_000,
                  actual_ht=120_000, actual_vat=24_000, actual_ttc=144_000, expense_date="2026-02-01",
                  invoice_date="2026-02-01", supplier="Łódź Computers", vat_deduction_pct=100)
    window = open_window(qtbot, workspace, manager)
    budget = window.show_page("budget")
    budget.show_year(2026)
    seen = {}

    def exec_(dialog):
        seen["notice"] = dialog.notice.text()
        dialog.path_edit.setText(str(tmp_path / "achats.csv"))
        dialog.encoding_edit.setCurrentIndex(dialog.encoding_edit.findData("cp1252"))
        dialog.write()
        seen["refused"] = dialog.result_label.text()
        dialog.encoding_edit.setCurrentIndex(dialog.encoding_edit.findData("utf-8-sig"))
        dialog.write()
        seen["written"] = dialog.result_label.text()
        return 0

    monkeypatch.setattr(PurchaseJournalDialog, "exec", exec_)
    budget.journal_button.click()
    assert "pas le FEC" in seen["notice"]
    assert "Windows-1252" in seen["refused"] and "'Ł'" in seen["refused"]
    assert "1 écriture" in seen["written"]
    rows = list(csv.reader(io.StringIO((tmp_path / "achats.csv").read_text("utf-8-sig")), delimiter=";"))
    assert [r[4] for r in rows[1:]] == ["2183", "44562", "404"]


def test_the_import_window_accepts_a_long_duration_once_its_box_is_ticked(qtbot, workspace, manager, tmp_path,
                                                                          monkeypatch):
    from PySide6.QtWidgets import QDialog

    from clinicguard.ui.plan_view import ImportDialog

    path = tmp_path / "plan.csv"
    path.write_text("Titre;Libellé dépense;Nature;Montant HT;Amortissement (années)\n"
                    "Travaux;Câblage;investissement;5000;30\n", encoding="utf-8")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    seen = {}

    def exec_(dialog):
        dialog.load(path)
        qtbot.waitUntil(lambda: "n'a pas été importé" in dialog.summary_label.text(), timeout=5000)
        seen["problem"] = dialog.table.model().index(0, 4).data()
        dialog.confirm_durations_edit.setChecked(True)  # reads the file again, the duration accepted
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=5000)
        dialog.run_import()
        return QDialog.DialogCode.Accepted if dialog.result_value else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ImportDialog, "exec", exec_)
    result = view.import_plan()
    assert "30 ans" in seen["problem"] and "case" in seen["problem"]
    assert result.lines == 1 and workspace.plan.lines()[0].depreciation_years == 30
