"""pytest-qt on the real main window: first-run setup, checklist answers that survive a restart,
filters and search, and a dashboard that follows the checklist."""

from PySide6.QtCore import Qt

from clinicguard.model.checklist import Status
from clinicguard.core.workspace import Workspace, clinic_exists
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.setup_dialog import SetupDialog
from clinicguard.ui.state import AppState
from tests.conftest import MANAGER, MANAGER_SECRET


def open_window(qtbot, ws, actor):
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def test_first_run_setup_creates_the_clinic(qtbot, tmp_path):
    data = tmp_path / "new-clinic"
    dialog = SetupDialog(data)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Centre de santé des Lilas")
    dialog.structure_edit.setCurrentIndex(dialog.structure_edit.findData("health-centre"))
    dialog.month_edit.setCurrentIndex(6)  # July
    dialog.manager_edit.setText("Claire Martin")
    dialog.secret_edit.setText("Lilas-Direction-2026")
    dialog.secret_again.setText("Lilas-Direction-2026")
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.submit()
    ws, recovery = dialog.result_value
    assert recovery.startswith("AGE-SECRET-KEY-1")
    assert clinic_exists(data)
    clinic = ws.settings.clinic
    assert (clinic.name, clinic.structure.value, clinic.fiscal_year_start_month) == ("Centre de santé des Lilas", "health-centre", 7)
    ws.close()


def test_setup_refuses_mismatched_passwords_and_creates_nothing(qtbot, tmp_path):
    data = tmp_path / "c"
    dialog = SetupDialog(data)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Cabinet")
    dialog.manager_edit.setText("Claire")
    dialog.secret_edit.setText("Lilas-Direction-2026")
    dialog.secret_again.setText("Lilas-Direction-2027")
    dialog.submit()
    assert dialog.error_label.text()
    assert not clinic_exists(data)


def test_status_set_in_the_checklist_survives_a_restart(qtbot, workspace, manager, small_catalogue):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    assert view.select_item("SEC-BACKUP-01")
    view.status_edit.setCurrentIndex(view.status_edit.findData(Status.PARTIAL.value))
    view.comment_edit.setPlainText("Disque acheté, rotation à organiser")
    view.tree.setFocus()
    assert view.select_item("GOV-ROLES-01")  # leaving the item saves the comment at once
    data_dir = workspace.data_dir
    window.close()
    workspace.close()

    reopened = Workspace.open(data_dir, catalogue=small_catalogue)
    actor = reopened.people.sign_in(MANAGER, MANAGER_SECRET)
    window = open_window(qtbot, reopened, actor)
    view = window.show_page("checklist")
    view.select_item("SEC-BACKUP-01")
    assert view.status_edit.currentData() == Status.PARTIAL.value
    assert view.comment_edit.toPlainText() == "Disque acheté, rotation à organiser"
    window.close()
    reopened.close()


def visible_items(view):
    found = []

    def walk(parent):
        for r in range(view.proxy.rowCount(parent)):
            index = view.proxy.index(r, 0, parent)
            row = index.data(Qt.ItemDataRole.UserRole + 1)
            if row is None:
                walk(index)
            else:
                found.append(row.item.id)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return found


def test_filters_and_search(qtbot, workspace, manager):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant", responsible="Dr Karim")
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    assert len(visible_items(view)) == 4

    view.status_filter.setCurrentIndex(view.status_filter.findData("non-compliant"))
    assert visible_items(view) == ["SEC-BACKUP-01"]
    view.status_filter.setCurrentIndex(0)

    view.domain_filter.setCurrentIndex(view.domain_filter.findData("governance"))
    assert visible_items(view) == ["GOV-ROLES-01", "GOV-ROLES-02"]
    view.domain_filter.setCurrentIndex(0)

    view.responsible_filter.setCurrentIndex(view.responsible_filter.findData("Dr Karim"))
    assert visible_items(view) == ["SEC-BACKUP-01"]
    view.responsible_filter.setCurrentIndex(0)

    qtbot.keyClicks(view.search, "hors ligne")
    assert visible_items(view) == ["SEC-BACKUP-02"]
    view.search.clear()
    qtbot.keyClicks(view.search, "introuvable")
    assert visible_items(view) == []
    assert "0" in view.count_label.text()


def test_dashboard_score_follows_checklist_changes(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    dashboard = window.pages["dashboard"]
    assert dashboard.score_label.text() == "0 %"
    view = window.show_page("checklist")
    view.select_item("SEC-BACKUP-01")  # severity 4 of a total weight 9
    view.status_edit.setCurrentIndex(view.status_edit.findData(Status.COMPLIANT.value))
    assert dashboard.score_label.text() == "44 %"
    assert dashboard.count_labels["compliant"].text() == "1"
    view.status_edit.setCurrentIndex(view.status_edit.findData(Status.PARTIAL.value))
    assert dashboard.score_label.text() == "22 %"


def test_checklist_is_usable_from_the_keyboard(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    view.select_item("GOV-ROLES-01")
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2 = compliant
    assert workspace.checklist.store.get("GOV-ROLES-01").status == "compliant"
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)
    assert view.current_row().item.id == "GOV-ROLES-02"
    qtbot.keyClick(view.tree, Qt.Key.Key_4)  # 4 = not compliant, straight from the list
    assert workspace.checklist.store.get("GOV-ROLES-02").status == "non-compliant"
    view.comment_edit.setFocus()
    qtbot.keyClick(view.comment_edit, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # from the form too
    assert workspace.checklist.store.get("GOV-ROLES-02").status == "partial"


def test_signed_in_person_and_clinic_always_visible(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    assert "Cabinet Test" in window.clinic_label.text()
    assert MANAGER in window.person_label.text()


def test_answering_while_filtered_moves_on_to_the_next_unassessed_item(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    view.status_filter.setCurrentIndex(view.status_filter.findData("not-assessed"))
    assert visible_items(view) == ["GOV-ROLES-01", "SEC-BACKUP-01", "SEC-BACKUP-02"]
    view.select_item("GOV-ROLES-01")
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_4)  # not compliant: a gap, then hidden by the filter
    assert visible_items(view) == ["SEC-BACKUP-01", "SEC-BACKUP-02"]
    assert view.current_row().item.id == "SEC-BACKUP-01"  # the next item, not a heading
    assert view.count_label.text().startswith("2 ")
    assert view.status_edit.currentData() == "not-assessed"
    assert not view.plan_button.isVisible()  # SEC-BACKUP-01 is not a gap
    qtbot.keyClick(view.tree, Qt.Key.Key_2)
    qtbot.keyClick(view.tree, Qt.Key.Key_2)
    assert visible_items(view) == [] and view.current_row() is None
    assert not view.form_widget.isEnabled()
    assert [workspace.checklist.store.get(i).status for i in ("GOV-ROLES-01", "SEC-BACKUP-01", "SEC-BACKUP-02")] == [
        "non-compliant", "compliant", "compliant"]


def test_a_search_without_result_offers_to_clear_the_filters(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    qtbot.keyClicks(view.search, "introuvable xyz")
    assert visible_items(view) == [] and view.no_match.isVisible()
    view.clear_filters()
    assert len(visible_items(view)) == 4 and not view.no_match.isVisible()


def test_dashboard_leads_to_the_review_of_unassessed_items(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    dashboard = window.pages["dashboard"]
    assert dashboard.review_button.isVisible()
    qtbot.mouseClick(dashboard.review_button, Qt.MouseButton.LeftButton)
    view = window.pages["checklist"]
    assert window.stack.currentWidget() is view
    assert view.status_filter.currentData() == "not-assessed"
    assert view.current_row().item.id == "GOV-ROLES-01"
    # a placeholder line ("no review due") leads nowhere
    window.show_page("dashboard")
    dashboard.reviews_list.itemActivated.emit(dashboard.reviews_list.item(0))
    assert window.stack.currentWidget() is dashboard


def test_review_dates_can_be_typed(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    view.select_item("SEC-BACKUP-01")
    view.next_review_edit.edit.clear()
    qtbot.keyClicks(view.next_review_edit.edit, "31/12/2026")
    qtbot.keyClick(view.next_review_edit.edit, Qt.Key.Key_Return)
    assert workspace.checklist.store.get("SEC-BACKUP-01").next_review == "2026-12-31"
    view.next_review_edit.edit.clear()
    qtbot.keyClicks(view.next_review_edit.edit, "31/02/2026")  # not a date: shown red, not saved
    qtbot.keyClick(view.next_review_edit.edit, Qt.Key.Key_Return)
    assert workspace.checklist.store.get("SEC-BACKUP-01").next_review == "2026-12-31"


def test_the_main_window_fits_a_1024_by_700_screen(qtbot, workspace, manager, real_look):
    window = open_window(qtbot, workspace, manager)  # with the look users see: its style sheet widens widgets
    for key, page in window.pages.items():
        window.show_page(key)
        assert window.minimumSizeHint().width() <= 1024, key
    window.resize(1024, 700)
    assert window.width() <= 1024


def test_a_typed_date_is_kept_when_the_status_key_moves_on(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    view.status_filter.setCurrentIndex(view.status_filter.findData("not-assessed"))
    view.select_item("GOV-ROLES-01")
    qtbot.keyClicks(view.next_review_edit.edit, "31/12/2026")
    qtbot.keyClick(view.next_review_edit.edit, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    saved = workspace.checklist.store.get("GOV-ROLES-01")
    assert (saved.status, saved.next_review) == ("partial", "2026-12-31")
    assert view.current_row().item.id == "SEC-BACKUP-01" and view.next_review_edit.value() is None


def test_a_date_that_could_not_be_saved_is_saved_on_the_next_try(qtbot, workspace, manager, monkeypatch):
    from clinicguard.model.errors import DatabaseError

    window = open_window(qtbot, workspace, manager)
    view = window.show_page("checklist")
    view.select_item("GOV-ROLES-01")
    real = workspace.checklist.set_assessment

    def busy(*args, **kwargs):
        raise DatabaseError("occupée")

    monkeypatch.setattr(workspace.checklist, "set_assessment", busy)
    qtbot.keyClicks(view.next_review_edit.edit, "31/12/2026")
    qtbot.keyClick(view.next_review_edit.edit, Qt.Key.Key_Return)
    assert "occupée" in view.saved_label.text()
    monkeypatch.setattr(workspace.checklist, "set_assessment", real)
    qtbot.keyClick(view.next_review_edit.edit, Qt.Key.Key_Return)
    assert workspace.checklist.store.get("GOV-ROLES-01").next_review == "2026-12-31"


def test_text_typed_by_users_is_never_shown_as_html(qtbot, workspace, manager):
    from PySide6.QtCore import Qt as QtCore

    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", comment="<b>gras</b> <img src='x.png'>")
    window = open_window(qtbot, workspace, manager)
    journal = window.show_page("journal")
    journal.refresh()
    model = journal.model
    row = next(r for r in range(model.rowCount()) if model.rows[r].kind == "assessment.update")
    tip = model.data(model.index(row, 6), QtCore.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;gras&lt;/b&gt;" in tip and "<b>gras" not in tip
