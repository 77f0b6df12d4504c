"""pytest-qt on the real main window: an action from a gap, its budget lines, the budget view and
the dashboard following, and the plan table's filters."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState


def open_window(qtbot, ws, actor):
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def visible_titles(view):
    return sorted(view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount()))


def test_action_from_a_gap_with_budget_lines_updates_budget_and_dashboard(qtbot, workspace, manager, fill_dialogs):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant")
    window = open_window(qtbot, workspace, manager)
    dashboard = window.pages["dashboard"]
    qtbot.waitUntil(lambda: dashboard.plan_box.overdue_label.text() == "0")  # filled once the window has painted
    checklist = window.show_page("checklist")
    assert checklist.select_item("SEC-BACKUP-01")
    assert checklist.plan_button.isVisible()  # the gap offers its action

    due = date.today() + timedelta(days=10)
    seen = {}

    def fill_action(dialog):
        seen["title"], seen["priority"] = dialog.title_edit.text(), dialog.priority_edit.currentText()
        dialog.owner_edit.setEditText("Sophie Leroy")
        dialog.due_edit.set_value(due.isoformat())

    def fill_quote(dialog):
        seen["suggested"] = dialog.planned_edit.text()
        dialog.label_edit.setText("Disque externe chiffré 2 To")
        dialog.supplier_edit.setText("LDLC Pro")
        dialog.category_edit.setCurrentIndex(dialog.category_edit.findData("hardware"))
        dialog.planned_edit.setText("149,90")
        seen["vat"] = dialog.vat_label.text()
        dialog.actual_edit.setText("159,90")

    fill_dialogs.extend([fill_action, fill_quote])
    qtbot.mouseClick(checklist.plan_button, Qt.MouseButton.LeftButton)

    plan = window.pages["plan"]
    assert window.stack.currentWidget() is plan
    assert seen["title"] == "Acheter un disque externe chiffré" and seen["priority"] == "P1"
    assert seen["suggested"] == "200,00"  # the top of the catalogue's cost band
    assert "29,98" in seen["vat"] and "179,88" in seen["vat"]  # VAT shown as the amount is typed
    (action,) = workspace.plan.actions()
    assert (action.owner, action.due_date, action.item_ids) == ("Sophie Leroy", due.isoformat(), ("SEC-BACKUP-01",))
    assert plan.model.rowCount() == 1 and plan.lines_model.rowCount() == 1
    assert plan.gaps_label.text().endswith("0")

    # a second line from the plan page
    fill_dialogs.append(lambda d: (d.label_edit.setText("Formation à la restauration"),
                                   d.category_edit.setCurrentIndex(d.category_edit.findData("training")),
                                   d.planned_edit.setText("300"), d.vat_edit.setCurrentIndex(d.vat_edit.findData(0))))
    qtbot.mouseClick(plan.add_line_button, Qt.MouseButton.LeftButton)
    assert plan.lines_model.rowCount() == 2

    budget = window.show_page("budget")
    year = workspace.plan.fiscal_year_for(due)
    budget.show_year(year)
    assert budget.figures["planned"].text() == "449,90\u202f€ / 479,88\u202f€"
    assert budget.figures["actual"].text() == "159,90\u202f€ / 191,88\u202f€"
    assert budget.figures["over"].text() == "1"  # invoiced above the quote
    lines = budget.lines_model
    over = [r for r in range(lines.rowCount()) if lines.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) is not None]
    assert [lines.index(r, 1).data() for r in over] == ["Disque externe chiffré 2 To"]
    category_rows = {budget.group_models["category"].index(r, 0).data(): r
                     for r in range(budget.group_models["category"].rowCount())}
    assert set(category_rows) == {"Matériel", "Formation", "Total"}

    window.show_page("dashboard")
    assert dashboard.plan_box.due_label.text() == "1"
    if year == workspace.plan.current_fiscal_year():  # the dashboard shows the current fiscal year
        assert "191,88" in dashboard.plan_box.budget_label.text()


def test_overdue_action_stands_out_and_dashboard_counts_it(qtbot, workspace, manager):
    late = workspace.plan.create_action(manager, title="Rédiger le registre", due_date=date.today() - timedelta(days=3))
    workspace.plan.create_action(manager, title="Former l'équipe", due_date=date.today() + timedelta(days=60))
    window = open_window(qtbot, workspace, manager)
    qtbot.waitUntil(lambda: window.pages["dashboard"].plan_box.overdue_label.text() == "1")  # once painted
    plan = window.show_page("plan")
    rows = {plan.proxy.index(r, 1).data(): r for r in range(plan.proxy.rowCount())}
    assert plan.proxy.index(rows["Rédiger le registre"], 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert plan.proxy.index(rows["Former l'équipe"], 0).data(Qt.ItemDataRole.BackgroundRole) is None
    plan.overdue_filter.setChecked(True)
    assert visible_titles(plan) == ["Rédiger le registre"]
    workspace.plan.update_action(manager, late.id, status="done")
    assert visible_titles(plan) == []
    assert window.pages["dashboard"].plan_box.overdue_label.text() == "0"


def test_filter_and_sort_the_plan(qtbot, workspace, manager):
    plan_api = workspace.plan
    specs = [("Chiffrer les disques", "Sophie Leroy", 1, "todo", "2026-03-01"),
             ("Former l'équipe", "Dr Karim Benali", 2, "in-progress", "2027-03-01"),
             ("Écrire la charte informatique", "Sophie Leroy", 3, "done", "2026-09-01"),
             ("Souscrire une assurance", "Claire Martin", 4, "on-hold", "2027-06-01")]
    for title, owner, priority, status, due in specs:
        a = plan_api.create_action(manager, title=title, owner=owner, priority=priority, status=status, due_date=due)
        plan_api.add_line(manager, a.id, label="Ligne", planned_ht=1000)
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    assert view.count_label.text().startswith("4 ")

    qtbot.keyClicks(view.search, "ecrire")  # accents and case ignored
    assert visible_titles(view) == ["Écrire la charte informatique"]
    view.search.clear()
    view.owner_filter.setCurrentIndex(view.owner_filter.findData("Sophie Leroy"))
    assert visible_titles(view) == ["Chiffrer les disques", "Écrire la charte informatique"]
    view.status_filter.setCurrentIndex(view.status_filter.findData("done"))
    assert visible_titles(view) == ["Écrire la charte informatique"]
    view.owner_filter.setCurrentIndex(0)
    view.status_filter.setCurrentIndex(0)
    view.priority_filter.setCurrentIndex(view.priority_filter.findData(2))
    assert visible_titles(view) == ["Former l'équipe"]
    view.priority_filter.setCurrentIndex(0)
    view.year_filter.setCurrentIndex(view.year_filter.findData(2027))
    assert visible_titles(view) == ["Former l'équipe", "Souscrire une assurance"]
    view.year_filter.setCurrentIndex(0)
    assert view.count_label.text().startswith("4 ")

    view.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # due date, latest first
    assert view.proxy.index(0, 1).data() == "Souscrire une assurance"
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert view.proxy.index(0, 1).data() == "Chiffrer les disques"


def test_a_refused_budget_line_keeps_the_dialog_open_with_the_reason(qtbot, workspace, manager, fill_dialogs):
    workspace.plan.create_action(manager, title="Sauvegarde", due_date="2026-05-01")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    errors = []
    fill_dialogs.extend([
        lambda d: (d.label_edit.setText("NAS"), d.planned_edit.setText("-5")),
        lambda d: errors.append(d.error_label.text()),  # shown again with the reason; then cancelled
    ])
    assert view.add_line() is None
    assert len(errors) == 1 and "négatif" in errors[0]
    assert workspace.plan.lines() == []


def test_import_from_excel_previews_problems_and_imports_all_or_nothing(qtbot, workspace, manager, tmp_path,
                                                                        monkeypatch):
    from clinicguard.ui.plan_view import ImportDialog

    header = "Titre;Recommandations;Échéance;Libellé dépense;Montant HT;Taux TVA\n"
    bad = tmp_path / "mauvais.csv"
    bad.write_text(header + "Sauvegarde;SEC-BACKUP-01;30/06/2026;NAS;649,90;20\nFormation;;31/02/2026;Demi-journée;"
                   "-5;20\n", encoding="utf-8")
    good = tmp_path / "bon.csv"
    good.write_text(header + "Sauvegarde;SEC-BACKUP-01;30/06/2026;NAS;649,90;20\nSauvegarde;;;Abonnement;300;20\n",
                    encoding="utf-8")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    seen = {}

    def exec_(dialog):
        dialog.load(bad)  # read off the UI thread: the summary says when it is done
        qtbot.waitUntil(lambda: "n'a pas été importé" in dialog.summary_label.text(), timeout=5000)
        model = dialog.table.model()
        seen["bad"] = (dialog.import_button.isEnabled(), [model.index(r, 4).data() for r in range(model.rowCount())])
        seen["refusal"] = dialog.summary_label.text()
        dialog.load(good)
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=5000)
        seen["good"] = dialog.import_button.isEnabled()
        dialog.run_import()
        return QDialog.DialogCode.Accepted if dialog.result_value else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ImportDialog, "exec", exec_)
    result = view.import_plan()
    enabled, problems = seen["bad"]
    assert not enabled
    assert problems[0] == "OK" and "31/02/2026" in problems[1] and "négatif" in problems[1]
    assert "1 ligne à corriger" in seen["refusal"]
    assert seen["good"] and (result.actions, result.lines) == (1, 2)
    assert visible_titles(view) == ["Sauvegarde"]
    assert workspace.audit.search(kind="plan.import")[0].after["file"] == "bon.csv"


# ---- QA fixes: typed dates, budget line buttons, gap prefill, empty states, 1024 px ---------------
def test_a_due_date_typed_with_slashes_is_saved(qtbot, workspace, manager, fill_dialogs):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    seen = {}

    def fill(dialog):
        dialog.show()
        seen["calendar_empty"] = (dialog.due_edit.open_calendar(), dialog.due_edit.calendar.selectedDate())[1]
        dialog.due_edit.popup.hide()
        qtbot.keyClicks(dialog.title_edit, "Chiffrer les postes")
        qtbot.keyClicks(dialog.due_edit.edit, "31/12/2026")
        qtbot.keyClicks(dialog.start_edit.edit, "01092026")  # without slashes
        seen["due_text"] = dialog.due_edit.text()
        dialog.due_edit.open_calendar()
        seen["calendar_set"] = dialog.due_edit.calendar.selectedDate()
        dialog.due_edit.popup.hide()

    fill_dialogs.append(fill)
    action = view.new_action()
    assert seen["due_text"] == "31/12/2026"  # what was typed stays as typed
    assert seen["calendar_empty"] == QDate.currentDate()
    assert seen["calendar_set"] == QDate(2026, 12, 31)
    assert (action.due_date, action.start_date) == ("2026-12-31", "2026-09-01")
    assert workspace.plan.action(action.id).due_date == "2026-12-31"
    assert view.proxy.index(0, 4).data() == "31/12/2026"


def test_an_impossible_date_turns_red_and_is_not_saved_as_no_date(qtbot, workspace, manager, fill_dialogs):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    seen = {}

    def fill(dialog):
        qtbot.keyClicks(dialog.title_edit, "Former le personnel")
        qtbot.keyClicks(dialog.due_edit.edit, "31/02/2026")
        seen["red"] = "#b3261e" in dialog.due_edit.edit.styleSheet()

    fill_dialogs.extend([fill, lambda d: seen.setdefault("error", d.error_label.text())])
    assert view.new_action() is None  # the dialog stayed open with the reason, then was cancelled
    assert seen["red"] and "31/02/2026" in seen["error"]
    assert workspace.plan.actions() == []


def test_date_field_signals_a_finished_edit_once_and_can_be_emptied(qtbot):
    from clinicguard.ui.date_field import DateField

    field = DateField("2026-06-30")
    qtbot.addWidget(field)
    field.show()
    field.edit.setFocus()
    values = []
    field.changed.connect(values.append)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2026-07-14")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.text() == "14/07/2026" and values == ["2026-07-14"]
    field.edit.clear()
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert values == ["2026-07-14", None] and field.value() is None
    field.open_calendar()
    field.calendar.clicked.emit(QDate(2027, 1, 15))  # a pick in the calendar
    assert field.text() == "15/01/2027" and values[-1] == "2027-01-15" and not field.popup.isVisible()


def test_budget_line_buttons_follow_the_selected_line_and_delete_it(qtbot, workspace, manager, monkeypatch):
    action = workspace.plan.create_action(manager, title="Sauvegarde", due_date="2026-05-01")
    workspace.plan.add_line(manager, action.id, label="NAS", planned_ht=64_990)
    workspace.plan.add_line(manager, action.id, label="Disques", planned_ht=30_000)
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    view.table.selectRow(0)
    assert not view.edit_line_button.isEnabled() and not view.delete_line_button.isEnabled()
    rows = {view.lines_model.index(r, 0).data(): r for r in range(view.lines_model.rowCount())}
    rect = view.lines_table.visualRect(view.lines_model.index(rows["NAS"], 0))
    qtbot.mouseClick(view.lines_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.edit_line_button.isEnabled() and view.delete_line_button.isEnabled()

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *args, **kw: asked.append(args[2]) or QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(view.delete_line_button, Qt.MouseButton.LeftButton)
    assert asked and "NAS" in asked[0]
    assert [line.label for line in workspace.plan.lines(action.id)] == ["Disques"]
    assert [view.lines_model.index(r, 0).data() for r in range(view.lines_model.rowCount())] == ["Disques"]


def test_the_quote_from_a_gap_is_prefilled_and_says_where_the_amount_comes_from(qtbot, workspace, manager,
                                                                                  fill_dialogs):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    seen = {}

    def fill_quote(dialog):
        seen.update(label=dialog.label_edit.text(), nature=dialog.nature_edit.currentData(),
                    category=dialog.category_edit.currentData(), amount=dialog.planned_edit.text(),
                    depreciation=dialog.depreciation_edit.value(), note=dialog.suggestion_label.text())
        dialog.category_edit.setCurrentIndex(dialog.category_edit.findData("other"))
        seen["depreciation_other"] = dialog.depreciation_edit.value()
        dialog.category_edit.setCurrentIndex(dialog.category_edit.findData("hardware"))

    fill_dialogs.extend([lambda d: None, fill_quote])
    action = view.create_from_gap("SEC-BACKUP-01")
    assert action is not None
    assert seen["label"] == "Acheter un disque externe chiffré"
    assert (seen["nature"], seen["category"], seen["amount"]) == ("investment", "hardware", "200,00")
    assert seen["depreciation"] == 3 and seen["depreciation_other"] == 0
    assert "haut de la fourchette du catalogue" in seen["note"] and "80 à 200\u202f€ HT" in seen["note"]
    (line,) = workspace.plan.lines(action.id)
    assert (line.label, line.category, line.depreciation_years) == ("Acheter un disque externe chiffré", "hardware", 3)


def test_a_fresh_clinic_is_told_to_assess_before_gaps_appear(qtbot, workspace, manager, fill_dialogs):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("plan")
    assert "Chaque écart a son action" not in view.gaps_hint.text()
    assert "3 recommandations ne sont pas encore évaluées" in view.gaps_hint.text()
    assert view.to_checklist_button.isVisible() and not view.gap_button.isVisible()
    with qtbot.waitSignal(view.go_to_checklist):
        qtbot.mouseClick(view.to_checklist_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.pages["checklist"]  # the button leads there
    window.show_page("plan")
    assert view.count_label.text() == "0 action"

    workspace.plan.create_action(manager, title="Rédiger le registre")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    assert view.count_label.text() == "1 action"
    assert view.gaps_list.isVisible() and view.gap_button.isVisible() and not view.to_checklist_button.isVisible()
    assert view.gaps_list.wordWrap()


def test_plan_and_budget_fit_a_1024_window_without_cut_labels(qtbot, workspace, manager):
    for n in range(3):
        a = workspace.plan.create_action(manager, title=f"Action {n}", owner="Dr Karim Benali", due_date="2026-06-01")
        workspace.plan.add_line(manager, a.id, label="Ligne", planned_ht=10_000)
    window = open_window(qtbot, workspace, manager)
    plan, budget = window.pages["plan"], window.pages["budget"]
    assert plan.minimumSizeHint().width() <= 780
    assert budget.minimumSizeHint().width() <= 780
    # as laid out in a 1024 px window: 200 px of navigation, the rest for the page
    from clinicguard.ui.plan_view import PlanView

    plan = PlanView(window.state)
    qtbot.addWidget(plan)
    plan.resize(794, 640)
    plan.show()
    qtbot.waitExposed(plan)
    for combo in (plan.owner_filter, plan.status_filter, plan.priority_filter, plan.year_filter):
        assert combo.width() >= combo.fontMetrics().horizontalAdvance(combo.itemText(0)) + 20, combo.itemText(0)
    for table in (plan.table, plan.lines_table):
        header = table.horizontalHeader()
        for column in range(header.count()):
            assert header.sectionSize(column) >= header.sectionSizeHint(column), table.model().headerData(
                column, Qt.Orientation.Horizontal)


def test_empty_budget_says_what_to_do_and_offers_the_plan_and_the_export(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    budget = window.show_page("budget")
    assert budget.empty_box.isVisible() and "Ajouter une ligne de dépense" in budget.empty_label.text()
    with qtbot.waitSignal(budget.go_to_plan):
        qtbot.mouseClick(budget.plan_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(budget.export_requested):
        qtbot.mouseClick(budget.export_button, Qt.MouseButton.LeftButton)
