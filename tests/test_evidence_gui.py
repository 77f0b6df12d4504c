"""pytest-qt on the real main window's evidence page: attach by button and by drop (with the dialog
for title, dates and links), edit, open, export, verify (a damaged file named, cancel), delete with a
reason, a 1024 px wide window. System dialogs are patched at the boundary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialogButtonBox

from clinicguard.model.evidence import Integrity
from clinicguard.ui import evidence_view
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(evidence_view, "show_error", lambda parent, error: shown.append(error))
    return shown


@pytest.fixture
def window(qtbot, workspace, manager, errors):
    win = MainWindow(AppState(workspace, manager))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.pages["evidence"].temp.cleanup()


def files(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(f"contenu de {name} ".encode() + os.urandom(2000))
        paths.append(path)
    return paths


def wait_idle(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.busy, timeout=10000)


def attach_dialog(view) -> evidence_view.EvidenceDialog:
    dialog = view.attach_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def click_ok(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def checked_links(dialog) -> list:
    model = dialog.links
    return [model.item(r).data(evidence_view.LINK_ROLE) for r in range(model.rowCount())
            if model.item(r).checkState() == Qt.CheckState.Checked]


def test_attach_by_button_to_the_chosen_recommendation(qtbot, window, tmp_path, monkeypatch, errors):
    view = window.show_page("evidence")
    assert view.empty.isVisible()
    chosen = files(tmp_path, "charte.pdf", "attestation.pdf")
    monkeypatch.setattr(evidence_view.QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(p) for p in chosen], ""))
    view.item_filter.setCurrentIndex(view.item_filter.findData("SEC-BACKUP-01"))
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    dialog = attach_dialog(view)
    assert checked_links(dialog) == [("item", "SEC-BACKUP-01")]  # from the filter
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and not view.busy, timeout=10000)
    assert errors == []
    assert {ev.original_name for ev in view.model.rows} == {"charte.pdf", "attestation.pdf"}
    assert all(ev.items == ("SEC-BACKUP-01",) for ev in view.model.rows)
    assert view.table.isVisible() and not view.empty.isVisible()
    # The checklist shows which items have evidence.
    assert window.pages["checklist"].model.evidence_counts == {"SEC-BACKUP-01": 2}


def test_attach_by_drag_and_drop(qtbot, window, tmp_path, errors):
    view = window.show_page("evidence")
    dropped = files(tmp_path, "capture sauvegarde.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in dropped])
    # Qt delivers drop events only during a real drag, so the handlers get the events directly.
    enter = QDragEnterEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    view.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    assert event.isAccepted()
    click_ok(qtbot, attach_dialog(view))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.busy, timeout=10000)
    assert errors == []
    ev = view.model.rows[0]
    assert ev.original_name == "capture sauvegarde.png" and ev.media_type == "image/png"
    assert view.selected() == ev


def test_open_decrypts_into_the_private_folder(qtbot, window, workspace, manager, tmp_path, monkeypatch, errors):
    source = files(tmp_path, "rapport.pdf")[0]
    ev = workspace.vault.add(manager, source)
    view = window.show_page("evidence")
    view.reload()
    opened = []
    monkeypatch.setattr(evidence_view.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert view.select_evidence(ev.id)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    # The decryption runs in the background (a file can be several GB): the window stays responsive.
    assert view.busy and opened == [] and view.cancel_button.isVisible()
    wait_idle(qtbot, view)
    assert errors == [] and len(opened) == 1
    path = Path(opened[0].toLocalFile())
    assert path.read_bytes() == source.read_bytes()
    assert view.temp.path in path.parents and workspace.data_dir not in path.parents
    # Reading a record is logged: who opened which evidence, and when.
    [entry] = workspace.audit.search(kind="evidence.open")
    assert entry.object_id == str(ev.id) and entry.actor_name == manager.name
    assert entry.after == {"name": "rapport.pdf", "sha256": ev.sha256}
    view.temp.cleanup()
    assert not path.exists()


def test_open_of_a_damaged_file_opens_nothing(qtbot, window, workspace, manager, tmp_path, monkeypatch, errors):
    ev = workspace.vault.add(manager, files(tmp_path, "rapport.pdf")[0])
    blob = workspace.vault.blob_path(ev.blob)
    blob.write_bytes(blob.read_bytes()[:-10])
    view = window.show_page("evidence")
    view.reload()
    opened = []
    monkeypatch.setattr(evidence_view.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert view.select_evidence(ev.id)
    view.open_selected()
    wait_idle(qtbot, view)
    assert opened == [] and len(errors) == 1 and "rapport.pdf" in str(errors[0])
    assert workspace.audit.search(kind="evidence.open") == []
    assert sorted(p.name for p in view.temp.path.rglob("*") if p.is_file()) == ["owner.pid"]


def test_export_writes_a_decrypted_copy(qtbot, window, workspace, manager, tmp_path, monkeypatch, errors):
    source = files(tmp_path, "certificat HDS.pdf")[0]
    ev = workspace.vault.add(manager, source)
    view = window.show_page("evidence")
    view.reload()
    out = tmp_path / "export"
    out.mkdir()
    monkeypatch.setattr(evidence_view.QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    assert view.select_evidence(ev.id)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    assert errors == []
    assert (out / "certificat HDS.pdf").read_bytes() == source.read_bytes()
    assert workspace.audit.search(kind="evidence.export")[0].object_id == str(ev.id)


def test_verify_names_the_damaged_file(qtbot, window, workspace, manager, tmp_path, errors):
    good, bad = files(tmp_path, "intact.pdf", "abime.pdf")
    workspace.vault.add(manager, good)
    damaged = workspace.vault.add(manager, bad)
    blob = workspace.vault.blob_path(damaged.blob)
    raw = bytearray(blob.read_bytes())
    raw[-10] ^= 0x01
    blob.write_bytes(bytes(raw))
    view = window.show_page("evidence")
    view.reload()
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    assert errors == []
    assert not view.last_report.ok
    assert view.model.integrity[damaged.id] is Integrity.DAMAGED
    assert "abime.pdf" in view.status.text() and "intact.pdf" not in view.status.text()
    row = next(r for r in range(view.model.rowCount()) if view.model.rows[r].id == damaged.id)
    state = view.model.data(view.model.index(row, view.model.COLUMNS.index("state")))
    assert state == Integrity.DAMAGED.label


def test_verify_can_be_cancelled(qtbot, window, workspace, manager, tmp_path, errors):
    for n in range(3):
        path = tmp_path / f"gros{n}.bin"
        path.write_bytes(os.urandom(6 * 1024 * 1024))
        workspace.vault.add(manager, path)
    view = window.show_page("evidence")
    view.reload()
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert view.cancel_button.isVisible() and not view.verify_button.isEnabled()
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    assert view.last_report.cancelled and len(view.last_report.files) < 3
    assert not view.cancel_button.isVisible() and view.verify_button.isEnabled()


def test_delete_asks_for_a_reason(qtbot, window, workspace, manager, tmp_path, monkeypatch, errors):
    ev = workspace.vault.add(manager, files(tmp_path, "doublon.pdf")[0])
    view = window.show_page("evidence")
    view.reload()
    monkeypatch.setattr(evidence_view.QInputDialog, "getText", lambda *a, **k: ("Fichier en double", True))
    assert view.select_evidence(ev.id)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert errors == [] and view.model.rowCount() == 0
    tomb = workspace.audit.search(kind="evidence.delete")[0].after["tombstone"]
    assert tomb["reason"] == "Fichier en double" and tomb["name"] == "doublon.pdf"


def test_drop_on_a_checklist_item_attaches_to_that_item(qtbot, window, tmp_path, errors):
    checklist = window.show_page("checklist")
    assert checklist.select_item("GOV-ROLES-01")
    tree = checklist.tree
    rect = tree.visualRect(tree.currentIndex())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files(tmp_path, "charte signée.pdf")])
    point = QPointF(rect.center())
    event = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    # Qt delivers drops only during a real drag: hand the event to the filter the window installed.
    drop_filter = tree.findChild(evidence_view.DropOnto)
    assert drop_filter.eventFilter(tree.viewport(), event) and event.isAccepted()
    view = window.pages["evidence"]
    dialog = attach_dialog(view)
    assert checked_links(dialog) == [("item", "GOV-ROLES-01")]
    assert dialog.title.text() == "charte signée"
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.busy, timeout=10000)
    assert errors == [] and view.model.rows[0].items == ("GOV-ROLES-01",)
    assert checklist.model.evidence_counts == {"GOV-ROLES-01": 1}


def test_drop_on_an_action_attaches_to_that_action(qtbot, window, workspace, manager, tmp_path, errors):
    action = workspace.plan.create_action(manager, title="Acheter un disque de sauvegarde chiffré")
    plan = window.show_page("plan")
    plan.reload()
    table = plan.table
    index = next(plan.proxy.index(r, 0) for r in range(plan.proxy.rowCount())
                 if plan.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).action.id == action.id)
    rect = table.visualRect(index)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files(tmp_path, "devis disque.pdf")])
    event = QDropEvent(QPointF(rect.center()), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    drop_filter = table.findChild(evidence_view.DropOnto)
    assert drop_filter.eventFilter(table.viewport(), event) and event.isAccepted()
    view = window.pages["evidence"]
    dialog = attach_dialog(view)
    assert checked_links(dialog) == [("action", action.id)]
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.busy, timeout=10000)
    assert errors == [] and view.model.rows[0].actions == (action.id,)


def test_dashboard_shows_missing_expiring_and_expired_evidence(qtbot, window, workspace, manager, tmp_path):
    from datetime import date, timedelta

    soon = (date.today() + timedelta(days=20)).isoformat()
    past = (date.today() - timedelta(days=3)).isoformat()
    a, b = files(tmp_path, "attestation formation.pdf", "certificat HDS.pdf")
    workspace.vault.add(manager, a, title="Attestation de formation", items=["GOV-ROLES-01"], expires_on=soon)
    workspace.vault.add(manager, b, title="Certificat HDS de l'hébergeur", items=["SEC-BACKUP-01"],
                       valid_from=(date.today() - timedelta(days=400)).isoformat(), expires_on=past)
    dashboard = window.show_page("dashboard")
    dashboard.refresh()
    box = dashboard.evidence_box
    texts = [box.expiry_list.item(i).text() for i in range(box.expiry_list.count())]
    assert any("Certificat HDS" in t and "Expirée" in t for t in texts)
    assert any("Attestation de formation" in t and "Expire le" in t for t in texts)
    assert box.without_label.text().startswith("1 ")  # SEC-BACKUP-02 is the only applicable item left


# ---- the attach dialog, editing, the item shortcuts, a small window (QA issues 1, 11) ----------------
def drop_on_item(window, tmp_path, item_id: str, *names: str) -> None:
    checklist = window.show_page("checklist")
    assert checklist.select_item(item_id)
    tree = checklist.tree
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files(tmp_path, *names)])
    event = QDropEvent(QPointF(tree.visualRect(tree.currentIndex()).center()), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert tree.findChild(evidence_view.DropOnto).eventFilter(tree.viewport(), event)


def type_date(qtbot, field, text: str) -> None:
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


def test_the_attach_dialog_sets_title_description_dates_and_feeds_the_dashboard(qtbot, window, tmp_path, errors):
    from datetime import date, timedelta

    drop_on_item(window, tmp_path, "GOV-ROLES-01", "attestation formation Dr Benali.pdf")
    view = window.pages["evidence"]
    dialog = attach_dialog(view)
    assert dialog.title.text() == "attestation formation Dr Benali"
    assert dialog.valid_from.text() == date.today().strftime("%d/%m/%Y") and dialog.expires_on.value() is None
    # keyClicks types ASCII only: accented text is set directly.
    dialog.title.setText("Attestation de formation — Dr Benali")
    dialog.description.setPlainText("Demi-journée de sensibilisation")
    started = date.today() - timedelta(days=340)
    type_date(qtbot, dialog.valid_from, started.strftime("%d/%m/%Y"))
    qtbot.mouseClick(dialog.plus_one, Qt.MouseButton.LeftButton)
    expires = started.replace(year=started.year + 1)
    assert dialog.expires_on.text() == expires.strftime("%d/%m/%Y")
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.busy, timeout=10000)
    assert errors == []
    ev = view.model.rows[0]
    assert (ev.title, ev.description, ev.valid_from, ev.expires_on, ev.items) == (
        "Attestation de formation — Dr Benali", "Demi-journée de sensibilisation", started.isoformat(),
        expires.isoformat(), ("GOV-ROLES-01",))
    dashboard = window.show_page("dashboard")
    dashboard.refresh()
    box = dashboard.evidence_box
    texts = [box.expiry_list.item(i).text() for i in range(box.expiry_list.count())]
    assert any(expires.strftime("%d/%m/%Y") in t and "Dr Benali" in t for t in texts), texts


def test_several_files_take_one_dialog_and_their_own_names(qtbot, window, tmp_path, errors):
    drop_on_item(window, tmp_path, "SEC-BACKUP-01", "capture NAS.png", "rapport sauvegarde.pdf")
    view = window.pages["evidence"]
    dialog = attach_dialog(view)
    assert not dialog.title.isVisible()
    qtbot.mouseClick(dialog.plus_three, Qt.MouseButton.LeftButton)
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and not view.busy, timeout=10000)
    assert errors == []
    assert sorted(ev.title for ev in view.model.rows) == ["capture NAS", "rapport sauvegarde"]
    [expiry] = {ev.expires_on for ev in view.model.rows}
    [start] = {ev.valid_from for ev in view.model.rows}
    assert int(expiry[:4]) - int(start[:4]) == 3 and expiry[4:] == start[4:]
    assert all(ev.items == ("SEC-BACKUP-01",) for ev in view.model.rows)


def test_the_dialog_refuses_an_expiry_before_the_start_and_cancel_adds_nothing(qtbot, window, tmp_path, errors):
    drop_on_item(window, tmp_path, "GOV-ROLES-01", "certificat.pdf")
    view = window.pages["evidence"]
    dialog = attach_dialog(view)
    type_date(qtbot, dialog.valid_from, "01/06/2026")
    type_date(qtbot, dialog.expires_on, "31/05/2026")
    click_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "expir" in dialog.error.text().lower()
    type_date(qtbot, dialog.expires_on, "31/13/2026")
    click_ok(qtbot, dialog)
    assert dialog.isVisible() and "31/12/2026" in dialog.error.text()  # "type it as DD/MM/YYYY, e.g. 31/12/2026"
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert view.attach_dialog is None and not view.busy
    assert view.model.rowCount() == 0 and view.vault.store.all() == []


def test_edit_changes_title_dates_and_links_of_a_stored_file(qtbot, window, workspace, manager, tmp_path, errors):
    ev = workspace.vault.add(manager, files(tmp_path, "charte.pdf")[0], items=["GOV-ROLES-01"])
    view = window.show_page("evidence")
    view.reload()
    assert not view.edit_button.isEnabled()
    assert view.select_evidence(ev.id) and view.edit_button.isEnabled()
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.edit_dialog
    assert dialog.isVisible() and dialog.title.text() == "charte"
    assert "charte.pdf" in dialog.files_label.text() and manager.name in dialog.files_label.text()
    dialog.title.setText("Charte informatique signée")
    type_date(qtbot, dialog.valid_from, "15/01/2026")
    type_date(qtbot, dialog.expires_on, "15/01/2028")
    dialog.set_link("item", "GOV-ROLES-01", False)
    dialog.set_link("item", "SEC-BACKUP-01")
    click_ok(qtbot, dialog)
    assert errors == []
    after = workspace.vault.get(ev.id)
    assert (after.title, after.valid_from, after.expires_on, after.items) == (
        "Charte informatique signée", "2026-01-15", "2028-01-15", ("SEC-BACKUP-01",))
    assert view.selected() == after
    row = view.model.rows.index(after)
    assert view.model.data(view.model.index(row, view.model.COLUMNS.index("expires_on"))) == "15/01/2028"
    kinds = [e.kind for e in workspace.audit.search(object_type="evidence")]
    assert {"evidence.update", "evidence.link", "evidence.unlink"} <= set(kinds)
    assert window.pages["checklist"].model.evidence_counts == {"SEC-BACKUP-01": 1}
    # Clearing the expiry date makes the evidence permanent.
    view.edit_selected()
    view.edit_dialog.expires_on.set_value(None)
    click_ok(qtbot, view.edit_dialog)
    assert workspace.vault.get(ev.id).expires_on is None


def test_attach_for_item_and_show_for_item(qtbot, window, workspace, manager, tmp_path, monkeypatch, errors):
    workspace.vault.add(manager, files(tmp_path, "autre.pdf")[0], items=["SEC-BACKUP-01"])
    chosen = files(tmp_path, "organigramme.pdf")
    monkeypatch.setattr(evidence_view.QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(p) for p in chosen], ""))
    view = window.pages["evidence"]
    view.attach_for_item("GOV-ROLES-01")
    dialog = attach_dialog(view)
    assert checked_links(dialog) == [("item", "GOV-ROLES-01")]
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and not view.busy, timeout=10000)
    view.search.setText("zzz")
    assert view.show_for_item("GOV-ROLES-01") == 1
    assert view.item_filter.currentData() == "GOV-ROLES-01" and view.search.text() == ""
    index = view.proxy.index(0, 0)
    assert view.proxy.data(index, evidence_view.EVIDENCE_ROLE).original_name == "organigramme.pdf"


def test_the_page_fits_a_1024_px_window_and_sizes_read_in_french(qtbot, window, workspace, manager, tmp_path):
    path = tmp_path / "charte.pdf"
    path.write_bytes(os.urandom(57856))  # 56.5 KiB
    workspace.vault.add(manager, path, title="Une preuve au titre assez long pour remplir la colonne")
    view = window.pages["evidence"]
    view.reload()
    # 1024 px minus the navigation: the page must fit in about 780 px.
    assert view.minimumSizeHint().width() <= 780
    # Laid out alone at that width (other pages set the real window's minimum), nothing is squeezed.
    alone = evidence_view.EvidenceView(AppState(workspace, manager))
    qtbot.addWidget(alone)
    alone.resize(780, 600)
    alone.show()
    qtbot.waitExposed(alone)
    assert alone.width() == 780
    assert alone.search.width() >= 200  # used to be squeezed to "R…"
    for button in (alone.add_button, alone.edit_button, alone.open_button, alone.export_button,
                   alone.verify_button, alone.delete_button):
        assert button.isVisible() and button.width() >= button.sizeHint().width(), button.text()
        assert button.geometry().right() <= alone.width()
    alone.temp.cleanup()
    size = view.model.data(view.model.index(0, view.model.COLUMNS.index("size")))
    assert size == "56,5\u00a0Ko"
