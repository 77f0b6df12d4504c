"""pytest-qt on the real main window: what a new user hit (issue 16, item 4) — the export follows
the budget year on screen, a new budget line is dated today and the budget page follows it, the
checklist form never shows a hidden item, a gap with an action opens it instead of a duplicate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog

from clinicguard.ui import plan_view
from clinicguard.ui.checklist_model import ROW_ROLE
from clinicguard.ui.export_dialog import ExportDialog
from clinicguard.ui.plan_view import ActionDialog, BudgetLineDialog


@pytest.fixture
def fill_dialogs(monkeypatch):
    """Answer the next dialogs as a user would: each entry fills the fields, then clicks OK."""
    answers: list = []

    def exec_(dialog):
        if not answers:
            return QDialog.DialogCode.Rejected
        answers.pop(0)(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ActionDialog, "exec", exec_)
    monkeypatch.setattr(BudgetLineDialog, "exec", exec_)
    return answers


def visible_items(view) -> list[str]:
    found: list[str] = []

    def walk(parent):
        for r in range(view.proxy.rowCount(parent)):
            index = view.proxy.index(r, 0, parent)
            row = index.data(ROW_ROLE)
            if row is None:
                walk(index)
            else:
                found.append(row.item.id)

    walk(QModelIndex())
    return found


def test_the_budget_export_opens_on_the_fiscal_year_being_viewed(qtbot, main_window, workspace, manager):
    plan = workspace.plan
    this_year = plan.current_fiscal_year()
    action = plan.create_action(manager, title="Pare-feu")
    plan.add_line(manager, action.id, label="Boîtier", planned_ht=50_000,
                  expense_date=date(this_year + 1, 6, 15).isoformat())
    budget = main_window.show_page("budget")
    budget.show_year(this_year + 1)
    assert budget.current_year() == this_year + 1
    qtbot.mouseClick(budget.export_button, Qt.MouseButton.LeftButton)
    (dialog,) = main_window.findChildren(ExportDialog)
    assert dialog.kind == "budget" and dialog.year_edit.currentData() == this_year + 1
    assert str(this_year + 1) in dialog.path_edit.text()
    dialog.reject()
    # Ctrl+E from the budget page too
    budget.show_year(this_year)
    again = main_window.open_export_dialog()
    qtbot.addWidget(again)
    assert again.year_edit.currentData() == this_year


def test_a_new_budget_line_is_dated_today_and_the_budget_page_follows_it(qtbot, main_window, workspace, manager,
                                                                        fill_dialogs):
    plan = workspace.plan
    due = date.today() + timedelta(days=800)  # an action due in two years or so
    action = plan.create_action(manager, title="Renouveler les postes", due_date=due.isoformat())
    budget = main_window.pages["budget"]
    assert budget.current_year() == plan.current_fiscal_year()
    page = main_window.show_page("plan")
    assert page.select_action(action.id)
    seen = {}

    def fill(dialog):
        seen["date"] = dialog.expense_date_edit.value()
        dialog.label_edit.setText("Trois postes")
        dialog.planned_edit.setText("2400")
        dialog.expense_date_edit.set_value(due.isoformat())  # paid when the action is done

    fill_dialogs.append(fill)
    qtbot.mouseClick(page.add_line_button, Qt.MouseButton.LeftButton)
    assert seen["date"] == date.today().isoformat()  # not the action's due date
    (line,) = plan.lines(action.id)
    assert line.fiscal_year == plan.fiscal_year_for(due) != plan.current_fiscal_year()
    assert budget.current_year() == line.fiscal_year  # the budget page shows where it landed
    main_window.show_page("budget")
    assert budget.lines_model.rowCount() == 1


def test_the_form_never_shows_an_item_the_filter_hides(qtbot, main_window):
    view = main_window.show_page("checklist")
    assert view.select_item("GOV-ROLES-01")
    assert "GOV-ROLES-01" in view.title.text() and view.form_widget.isEnabled()
    view.status_filter.setCurrentIndex(view.status_filter.findData("compliant"))
    assert "GOV-ROLES-01" not in visible_items(view)
    assert "GOV-ROLES-01" not in view.title.text() and not view.form_widget.isEnabled()
    view.search.setText("sauvegarde")  # a search hiding it does the same
    view.clear_filters()
    assert view.select_item("GOV-ROLES-01")
    view.search.setText("introuvable xyz")
    assert view.current_row() is None and not view.form_widget.isEnabled()


def test_last_review_shows_today_after_answering_with_a_key(qtbot, main_window, workspace):
    view = main_window.show_page("checklist")
    view.select_item("GOV-ROLES-02")
    assert view.last_review_edit.value() is None
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_2)
    assert workspace.checklist.store.get("GOV-ROLES-02").last_reviewed == date.today().isoformat()
    assert view.current_row().item.id == "GOV-ROLES-02"
    assert view.last_review_edit.value() == date.today().isoformat()


def test_a_gap_with_an_action_offers_to_open_it_rather_than_a_duplicate(qtbot, main_window, workspace, manager,
                                                                      monkeypatch, fill_dialogs):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant")
    first = workspace.plan.create_action(manager, title="Disque chiffré", item_ids=["SEC-BACKUP-01"])
    workspace.plan.create_action(manager, title="Autre chose")
    asked = []
    monkeypatch.setattr(plan_view, "ask_existing_action",
                        lambda parent, item, titles: asked.append((item, titles)) or "open")
    checklist = main_window.show_page("checklist")
    plan = main_window.pages["plan"]
    plan.search.setText("Autre")  # a filter hides the existing action
    checklist.select_item("SEC-BACKUP-01")
    qtbot.mouseClick(checklist.plan_button, Qt.MouseButton.LeftButton)
    assert asked == [("SEC-BACKUP-01", ["Disque chiffré"])]
    assert main_window.stack.currentWidget() is plan
    assert plan.current_action().id == first.id and plan.search.text() == ""
    assert len(workspace.plan.actions()) == 2  # no duplicate
    # "create another" still makes one, when the user really wants it
    monkeypatch.setattr(plan_view, "ask_existing_action", lambda parent, item, titles: "create")
    fill_dialogs.append(lambda d: d.title_edit.setText("Deuxième disque"))
    plan.create_from_gap("SEC-BACKUP-01")
    assert len(workspace.plan.actions()) == 3


def test_a_gap_answered_during_the_review_stays_within_reach(qtbot, main_window, workspace, fill_dialogs):
    view = main_window.show_page("checklist")
    view.review_not_assessed()
    assert view.current_row().item.id == "GOV-ROLES-01"
    qtbot.keyClick(view.tree, Qt.Key.Key_4)  # not compliant: the filter hides it, the review goes on
    assert "GOV-ROLES-01" not in visible_items(view)
    assert view.answered_bar.isVisible() and "GOV-ROLES-01" in view.answered_label.text()
    fill_dialogs.append(lambda d: None)  # the action prefilled from the catalogue, as it is
    qtbot.mouseClick(view.answered_plan_button, Qt.MouseButton.LeftButton)
    (action,) = workspace.plan.actions()
    assert action.item_ids == ("GOV-ROLES-01",)
    main_window.show_page("checklist")
    qtbot.mouseClick(view.answered_show_button, Qt.MouseButton.LeftButton)
    assert view.current_row().item.id == "GOV-ROLES-01" and not view.answered_bar.isVisible()
    # a compliant answer is no gap: nothing to keep in reach
    view.review_not_assessed()
    qtbot.keyClick(view.tree, Qt.Key.Key_2)
    assert not view.answered_bar.isVisible()


def test_setup_messages_never_overlap_the_advice_and_never_offer_a_pin_to_the_manager(qtbot, tmp_path):
    from clinicguard.ui.setup_dialog import SetupDialog

    dialog = SetupDialog(tmp_path / "new")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("Cabinet des Lilas")
    dialog.manager_edit.setText("Claire Martin")
    for edit in (dialog.secret_edit, dialog.secret_again):
        edit.setText("soleil2026")  # too weak: the refusal must not suggest a PIN
    dialog.passphrase_edit.setText("une phrase de passe assez longue 2026")
    dialog.submit()
    message = dialog.error_label.text()
    assert "gestionnaire" in message and "12 caractères" in message
    assert not message.startswith("Choisissez un code PIN")  # the setup's advice and its refusal agree
    assert dialog.hint.text().startswith(message.split(";")[0])
    label, hint, buttons = dialog.error_label.geometry(), dialog.hint.geometry(), dialog.buttons.geometry()
    assert label.height() >= dialog.error_label.heightForWidth(label.width())  # every line of it shown
    assert not label.intersects(hint) and not label.intersects(buttons)


def test_one_word_for_the_manager_everywhere(main_window, workspace):
    from clinicguard.model.people import Role

    assert Role.MANAGER.label == "Gestionnaire"
    assert "(Gestionnaire)" in main_window.person_label.text()


def test_default_sorts_newest_evidence_and_journal_first_people_a_to_z(qtbot, main_window, workspace, manager,
                                                                       tmp_path):
    for name in ("b-ancien.pdf", "a-recent.pdf"):
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.4 " + name.encode())
        workspace.vault.add(manager, path)
    for name in ("zoé Petit", "Émilie Durand", "bernard Roy"):
        workspace.people.add(manager, name, "practitioner", "2468")
    evidence = main_window.show_page("evidence")
    evidence.reload()
    shown = [evidence.proxy.index(r, 1).data() for r in range(evidence.proxy.rowCount())]
    assert shown == ["a-recent.pdf", "b-ancien.pdf"]  # the last one attached on top
    people = main_window.show_page("people")
    names = [people.proxy.index(r, 0).data() for r in range(people.proxy.rowCount())]
    assert names == ["bernard Roy", "Claire Martin", "Émilie Durand", "zoé Petit"]
    journal = main_window.show_page("journal")
    journal.refresh()
    numbers = [int(journal.proxy.index(r, 0).data()) for r in range(journal.proxy.rowCount())]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 3


def test_disabled_buttons_say_why(main_window, workspace):
    plan = main_window.show_page("plan")
    assert not plan.edit_button.isEnabled()
    assert "Sélectionnez une action" in plan.edit_button.toolTip()
    action = workspace.plan.create_action(main_window.state.actor, title="Chiffrer les postes")
    assert plan.select_action(action.id)
    assert plan.edit_button.isEnabled() and "Sélectionnez" not in plan.edit_button.toolTip()
    assert "Sélectionnez une ligne" in plan.edit_line_button.toolTip()
    checklist = main_window.show_page("checklist")
    checklist.select_item("GOV-ROLES-01")
    assert not checklist.evidence_button.isEnabled() and "Aucune preuve" in checklist.evidence_button.toolTip()
    evidence = main_window.show_page("evidence")
    assert not evidence.open_button.isEnabled() and "Sélectionnez un fichier" in evidence.open_button.toolTip()


def test_open_says_so_when_no_program_opens_the_file(qtbot, main_window, workspace, manager, tmp_path, monkeypatch):
    from clinicguard.ui.evidence_view import EvidenceView

    path = tmp_path / "plan.odg"
    path.write_bytes(b"not a common kind of file")
    ev = workspace.vault.add(manager, path)
    monkeypatch.setattr(EvidenceView, "open_url", staticmethod(lambda url: False))  # nothing reads it here
    view = main_window.show_page("evidence")
    view.reload()
    assert view.select_evidence(ev.id)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=10000)
    assert "Aucun programme" in view.status.text() and "plan.odg" in view.status.text()
    view.temp.cleanup()


def test_saving_the_recovery_sheet_says_where_it_went(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from clinicguard.ui.setup_dialog import RecoverySheetDialog

    dialog = RecoverySheetDialog("Clé de secours : AGE-SECRET-KEY-1TEST")
    qtbot.addWidget(dialog)
    out = tmp_path / "feuille de secours.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog.save()
    assert out.read_text(encoding="utf-8").endswith("AGE-SECRET-KEY-1TEST")
    assert str(out) in dialog.saved_label.text()
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(blocked / "x.txt"), ""))
    dialog.save()  # a place that cannot be written: said, not a traceback
    assert "n'a pas pu" in dialog.saved_label.text() and blocked.read_text() == "x"


def test_the_demo_banner_never_breaks_a_password_across_lines(qtbot, workspace, manager):
    from PySide6.QtGui import QTextDocument

    from clinicguard.core.demo import DEMO_MANAGER_SECRET
    from clinicguard.ui.main_window import MainWindow
    from clinicguard.ui.state import AppState

    text = "Clinique de démonstration, gardée dans un dossier temporaire au nom très long. " * 2 + \
        f"Pour vous reconnecter : profil Claire Martin, mot de passe {DEMO_MANAGER_SECRET} ; autres profils."
    window = MainWindow(AppState(workspace, manager), banner=text, keep_together=[DEMO_MANAGER_SECRET])
    qtbot.addWidget(window)
    assert window.banner.isVisibleTo(window)
    for width in range(150, 700, 7):  # wherever the line ends, the password stays whole
        document = QTextDocument()
        document.setHtml(window.banner.text())
        document.setTextWidth(width)
        document.size()  # lays the text out
        found = document.find(DEMO_MANAGER_SECRET.replace("-", "-\u2060"))  # as shown: the same glyphs
        assert not found.isNull()
        block = found.block()
        layout = block.layout()
        first = layout.lineForTextPosition(found.selectionStart() - block.position()).lineNumber()
        last = layout.lineForTextPosition(found.selectionEnd() - 1 - block.position()).lineNumber()
        assert first >= 0 and first == last, width
