"""pytest-qt on the real main window: File > Report for the DPO or the inspector (Ctrl+R) writes the
PDF report or the inspection pack off the UI thread, records it in the journal, and says why a
name or a password is refused."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import pyzipper
from PySide6.QtCore import Qt


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_the_report_from_the_file_menu(qtbot, main_window, workspace, manager, tmp_path):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant", comment="[vu] *ok*")
    action = main_window.findChild(type(main_window.report_action), "reportForInspector")
    assert action is main_window.report_action and action.shortcut().toString() == "Ctrl+R"
    dialog = main_window.open_report_dialog()
    qtbot.addWidget(dialog)
    assert dialog.kind == "pdf" and not dialog.pack_box.isVisibleTo(dialog)
    assert dialog.path_edit.text().endswith("rapport-conformite.pdf")
    out = tmp_path / "rapport.pdf"
    dialog.path_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=60000)
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "GOV-ROLES-01" in text and "[vu] *ok*" in text
    assert workspace.audit.entries()[-1].kind == "export.report"
    opened = []
    dialog.open_url = lambda url: opened.append(url.toLocalFile()) and False  # no PDF reader on this PC
    dialog.open_file_button.click()
    assert opened == [str(out)] and "lecteur de PDF" in dialog.message.text()
    dialog.open_folder_button.click()
    assert opened[-1] == str(tmp_path)


def test_the_inspection_pack_of_the_ticked_items_with_a_password(qtbot, main_window, workspace, manager, tmp_path):
    for name, item in (("a.txt", "GOV-ROLES-01"), ("b.txt", "SEC-BACKUP-01")):
        (tmp_path / name).write_text(name, encoding="utf-8")
        workspace.vault.add(manager, tmp_path / name, items=[item])
    dialog = main_window.open_report_dialog("pack")
    qtbot.addWidget(dialog)
    assert dialog.pack_box.isVisibleTo(dialog) and dialog.items_list.count() == 2
    dialog.items_list.item(1).setCheckState(Qt.CheckState.Unchecked)  # only GOV-ROLES-01's evidence
    out = tmp_path / "dossier.zip"
    dialog.path_edit.setText(str(out))
    dialog.since_edit.edit.setText("pas une date")
    dialog.export_button.click()
    assert not out.exists() and "pas une date" in dialog.message.text()  # the date is refused, in words
    dialog.since_edit.edit.setText("01/01/2020")
    dialog.password_edit.setText("Mot-de-passe-ARS")
    dialog.password_again.setText("autre chose")
    dialog.export_button.click()
    assert not out.exists() and dialog.message.text()  # the two entries differ: said, nothing written
    dialog.password_again.setText("Mot-de-passe-ARS")
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=60000)
    with pyzipper.AESZipFile(out) as archive:
        archive.setpassword(b"Mot-de-passe-ARS")
        names = archive.namelist()
        assert archive.read("preuves/GOV-ROLES-01/1-a.txt") == b"a.txt"
    assert not any(n.startswith("preuves/SEC-BACKUP-01") for n in names)
    assert [e.kind for e in workspace.audit.entries()[-2:]] == ["export.pack", "evidence.export"]


def test_a_pdf_name_is_required_and_nothing_is_written(qtbot, main_window, tmp_path):
    dialog = main_window.open_report_dialog()
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "rapport.docx"))
    dialog.export_button.click()
    assert ".pdf" in dialog.message.text()
    assert list(tmp_path.iterdir()) == [tmp_path / "clinic"]
