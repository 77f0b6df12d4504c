"""pytest-qt on the real main window: Ctrl+E opens the export dialog on the workbook that fits the
page; exporting writes the workbook off the UI thread and records it; a refused name says why."""

from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from clinicguard.i18n import tr
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState


def open_window(qtbot, ws, actor):
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_exporting_the_budget_from_the_main_window(qtbot, workspace, manager, tmp_path):
    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde", due_date="2026-06-30")
    plan.add_line(manager, action.id, label="NAS", planned_ht=89_900, expense_date="2026-05-02")
    window = open_window(qtbot, workspace, manager)
    window.show_page("budget")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    assert dialog.kind == "budget" and dialog.year_edit.isEnabled()
    dialog.year_edit.setCurrentIndex(dialog.year_edit.findData(2026))
    out = tmp_path / "budget 2026.xlsx"
    dialog.path_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=30000)  # "Open the workbook" once it is saved
    book = load_workbook(out)
    lines = book[tr("Budget lines")]
    header = [cell.value for cell in lines[1]]
    assert book.sheetnames[1] == tr("Budget lines") and lines.cell(2, header.index(tr("Label")) + 1).value == "NAS"
    assert workspace.audit.entries()[-1].kind == "export.budget"


def test_the_dialog_follows_the_page_and_refuses_a_name_that_is_not_a_workbook(qtbot, workspace, manager, tmp_path):
    window = open_window(qtbot, workspace, manager)
    window.show_page("checklist")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    assert dialog.kind == "checklist" and not dialog.year_edit.isEnabled()
    assert dialog.path_edit.text().endswith(".xlsx")
    dialog.path_edit.setText(str(tmp_path / "checklist.csv"))
    dialog.export_button.click()
    assert ".xlsx" in dialog.message.text()
    assert not (tmp_path / "checklist.csv").exists()
    dialog.path_edit.setText(str(tmp_path / "checklist.xlsx"))
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=30000)  # "Open the workbook" once it is saved
    assert load_workbook(tmp_path / "checklist.xlsx").sheetnames[1] == tr("Recommendations")


def test_ctrl_e_opens_the_export_of_the_action_plan_from_the_plan_page(qtbot, workspace, manager):
    window = open_window(qtbot, workspace, manager)
    window.show_page("plan")
    dialogs = []
    original = window.open_export_dialog
    window.open_export_dialog = lambda kind=None: dialogs.append(original(kind)) or dialogs[-1]
    window.export_action.trigger()
    assert dialogs and dialogs[0].kind == "actions"
    qtbot.keyClick(dialogs[0], Qt.Key.Key_Escape)
    assert not dialogs[0].isVisible()


def test_an_export_that_cannot_be_recorded_leaves_no_file_and_says_why(qtbot, workspace, manager, tmp_path,
                                                                       monkeypatch):
    from clinicguard.core.audit import AuditTrail
    from clinicguard.model.errors import DatabaseError

    original = AuditTrail.record

    def record(self, actor, kind, *args, **kwargs):
        if kind.startswith("export."):
            raise DatabaseError("la base est occupée")
        return original(self, actor, kind, *args, **kwargs)

    monkeypatch.setattr(AuditTrail, "record", record)
    window = open_window(qtbot, workspace, manager)
    window.show_page("checklist")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    folder = tmp_path / "exports"
    folder.mkdir()
    dialog.path_edit.setText(str(folder / "checklist.xlsx"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.export_button.isEnabled(), timeout=30000)
    assert "occupée" in dialog.message.text()
    assert list(folder.iterdir()) == []
    assert dialog.result() != dialog.DialogCode.Accepted


def test_budget_page_names_quarters_in_the_interface_language(qtbot, workspace, manager):
    from clinicguard.i18n import set_language

    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde", due_date="2026-05-02")
    plan.add_line(manager, action.id, label="NAS", planned_ht=89_900)
    window = open_window(qtbot, workspace, manager)
    budget = window.show_page("budget")
    budget.show_year(2026)
    quarters = budget.group_models["quarter"]
    assert [quarters.index(r, 0).data() for r in range(quarters.rowCount())] == ["T2", "Total"]
    assert budget.lines_model.index(0, budget.lines_model.COLUMNS.index("quarter")).data() == "T2"
    set_language("en")
    try:
        budget.reload()
        assert [quarters.index(r, 0).data() for r in range(quarters.rowCount())][0] == "Q2"
    finally:
        set_language("fr")


def test_a_successful_export_says_where_and_offers_to_open_the_workbook_or_its_folder(qtbot, workspace, manager,
                                                                                     tmp_path, monkeypatch):
    from clinicguard.ui.export_dialog import ExportDialog

    opened = []
    monkeypatch.setattr(ExportDialog, "open_url", staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    window = open_window(qtbot, workspace, manager)
    window.show_page("checklist")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.minimumSizeHint().width() <= 780
    assert not dialog.open_file_button.isVisible()
    out = tmp_path / "checklist.xlsx"
    dialog.path_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=30000)  # "Open the workbook" once it is saved
    # the dialog stays open: the manager sees where the workbook went and can open it at once
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert "Classeur enregistré" in dialog.message.text() and str(out) in dialog.message.text()
    assert dialog.open_file_button.isVisible() and dialog.open_folder_button.isVisible()
    assert dialog.open_file_button.text() == "Ouvrir le classeur"
    assert dialog.open_folder_button.text() == "Ouvrir le dossier"
    assert dialog.cancel_button.text() == "Fermer"
    dialog.open_file_button.click()
    dialog.open_folder_button.click()
    assert [Path(p) for p in opened] == [out, tmp_path]
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_the_default_folder_exists_and_a_missing_folder_is_never_created(qtbot, workspace, manager, tmp_path,
                                                                         monkeypatch):
    from clinicguard.ui import file_output

    assert file_output.default_folder().is_dir()
    monkeypatch.setattr(file_output.QStandardPaths, "writableLocation",
                        staticmethod(lambda _location: str(tmp_path / "Documents")))  # not there
    monkeypatch.setattr(file_output.Path, "home", staticmethod(lambda: tmp_path))
    assert file_output.default_folder() == tmp_path
    window = open_window(qtbot, workspace, manager)
    window.show_page("checklist")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    assert Path(dialog.path_edit.text()).parent == tmp_path
    missing = tmp_path / "Exports" / "checklist.xlsx"
    dialog.path_edit.setText(str(missing))
    dialog.export_button.click()
    assert "n'existe pas" in dialog.message.text()
    assert dialog.task is None and not missing.parent.exists()


def test_escape_during_an_export_cancels_it(qtbot, workspace, manager, tmp_path, monkeypatch):
    import threading

    from clinicguard.core import exports

    release = threading.Event()
    real_write = exports.write_draft

    def slow_write(prepared, out, **kwargs):  # holds the worker until the user has pressed Escape
        release.wait(10)
        return real_write(prepared, out, **kwargs)

    monkeypatch.setattr(exports, "write_draft", slow_write)
    window = open_window(qtbot, workspace, manager)
    window.show_page("plan")
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    out = tmp_path / "plan.xlsx"
    dialog.path_edit.setText(str(out))
    entries = len(workspace.audit.entries())
    dialog.export_button.click()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # Escape cancels the running export; the dialog stays to say so
    release.set()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=10000)
    assert not out.exists() and len(workspace.audit.entries()) == entries
    assert not list(tmp_path.glob("*.part*"))
