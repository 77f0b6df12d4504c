"""pytest-qt on the real main window: the Registers page (a template adapted in its form, an incident
declared with its countdown, bad input kept in the form), the dashboard's registers box, the export,
and what a practitioner may do there."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from clinicguard.i18n import tr
from clinicguard.model.registers import RegisterKind
from clinicguard.ui.registers_view import COLUMNS, RecordDialog, RegistersView


def page(window) -> RegistersView:
    return window.show_page("registers")


def column_text(tab, column: str, row: int = 0) -> str:
    return tab.proxy.index(row, COLUMNS[tab.kind].index(column)).data()


def test_the_registers_page_is_in_the_navigation(main_window):
    assert main_window.minimumSizeHint().width() <= 1024  # every tab fits a small screen
    titles = [main_window.nav.item(n).text() for n in range(main_window.nav.count())]
    assert "Registres" in titles
    view = page(main_window)
    assert main_window.stack.currentWidget() is view
    assert [view.tabs.tabText(n) for n in range(view.tabs.count())] == [k.label for k in RegisterKind] + \
        ["Charte informatique"]
    assert view.tab[RegisterKind.PROCESSING].empty_label.isVisible()  # says what to do next


def test_a_template_is_added_then_adapted_in_its_form(qtbot, main_window, workspace):
    tab = page(main_window).tab[RegisterKind.PROCESSING]
    tab.template_combo.setCurrentIndex(tab.template_combo.findData("teleconsultation"))
    dialog = tab.add_from_template()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, RecordDialog) and dialog.isVisible()
    _kind, purpose = dialog.widgets["purpose"]
    assert "distance" in purpose.toPlainText()
    purpose.setPlainText("Téléconsultations du Dr Benali, par la solution de l'éditeur.")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert column_text(tab, "purpose") == "Téléconsultations du Dr Benali, par la solution de l'éditeur."
    assert not tab.empty_label.isVisible()
    kinds = [e.kind for e in workspace.audit.entries() if e.kind.startswith("register.")]
    assert kinds == ["register.processing.add", "register.processing.update"]


def test_an_incident_declared_in_the_form_counts_down_to_the_cnil_deadline(qtbot, main_window, workspace):
    tab = page(main_window).tab[RegisterKind.INCIDENT]
    dialog = tab.add()
    qtbot.addWidget(dialog)
    dialog.widgets["title"][1].setText("Hameçonnage au secrétariat")
    dialog.widgets["discovered_at"][1].setText("27/11/2026 17:00")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert column_text(tab, "cnil_deadline") == "30/11/2026 17:00"
    friday = datetime(2026, 11, 27, 17, 0).astimezone()
    tab.model.tick(friday + timedelta(hours=2))
    assert column_text(tab, "countdown") == "reste 2 j 22 h 00 min"
    tab.model.tick(friday + timedelta(hours=75))
    assert column_text(tab, "countdown") == "dépassée de 3 h 00 min"
    assert tab.proxy.index(0, COLUMNS[tab.kind].index("countdown")).data(Qt.ItemDataRole.ForegroundRole) \
        == Qt.GlobalColor.darkRed
    # the guided CNIL form, in its order
    tab.table.selectRow(0)
    notification = tab.prepare_notification()
    qtbot.addWidget(notification)
    assert "1. Organisme" in notification.text and "Hameçonnage au secrétariat" in notification.text


def test_a_discovery_in_the_future_is_refused_and_the_form_keeps_what_was_typed(qtbot, main_window, workspace):
    tab = page(main_window).tab[RegisterKind.INCIDENT]
    dialog = tab.add()
    qtbot.addWidget(dialog)
    dialog.widgets["title"][1].setText("Panne")
    dialog.widgets["discovered_at"][1].setText("01/01/2099 10:00")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "dans le futur" in dialog.message.text()
    assert dialog.widgets["title"][1].text() == "Panne"
    assert workspace.registers.incidents() == []


def test_a_training_session_with_someone_without_a_profile(qtbot, main_window, workspace):
    tab = page(main_window).tab[RegisterKind.TRAINING]
    dialog = tab.add()
    qtbot.addWidget(dialog)
    dialog.widgets["held_on"][1].edit.setText("15/11/2026")
    dialog.widgets["topic"][1].setText("Sensibilisation à l'hameçonnage")
    assert dialog.people.item(0).checkState() == Qt.CheckState.Checked  # the person signed in
    dialog.others.setText("Sophie Leroy, Paul Martin")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert column_text(tab, "attendees") == "Claire Martin, Sophie Leroy, Paul Martin"


def test_the_dashboard_shows_a_host_whose_certificate_expires_in_30_days(qtbot, main_window, workspace, manager):
    expiry = date.today() + timedelta(days=30)
    workspace.registers.add_processor(manager, name="Hébergeur HDS", hosts_health_data=True, clauses="a,b,c,d,e,f,g,h",
                                      hds_expiry=expiry.isoformat())
    dashboard = main_window.show_page("dashboard")
    alerts = dashboard.registers_box.alerts
    texts = [alerts.item(n).text() for n in range(alerts.count())]
    assert f"certificat HDS de Hébergeur HDS : fin le {expiry.strftime('%d/%m/%Y')}" in texts
    item = alerts.item(texts.index(f"certificat HDS de Hébergeur HDS : fin le {expiry.strftime('%d/%m/%Y')}"))
    alerts.itemActivated.emit(item)
    view = page(main_window)
    assert main_window.stack.currentWidget() is view
    assert view.tabs.currentWidget() is view.tab[RegisterKind.PROCESSOR]


def test_the_registers_are_exported_from_their_page(qtbot, main_window, workspace, manager, tmp_path):
    workspace.registers.add_incident(manager, title="Vol d'un portable", discovered_at="2026-11-20 08:00")
    page(main_window)
    dialog = main_window.open_export_dialog()
    qtbot.addWidget(dialog)
    assert dialog.kind == "registers" and dialog.path_edit.text().endswith("registres.xlsx")
    out = tmp_path / "registres.xlsx"
    dialog.path_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(dialog.open_file_button.isVisible, timeout=30000)
    rows = list(load_workbook(out)[tr("Incidents and breaches")].iter_rows(values_only=True))
    assert rows[1][1] == "Vol d'un portable"
    assert workspace.audit.entries()[-1].kind == "export.registers"


def test_a_practitioner_declares_incidents_but_edits_no_register(open_main_window, workspace, manager):
    workspace.people.add(manager, "Dr Karim Benali", "practitioner", "2468")
    karim = workspace.people.sign_in("Dr Karim Benali", "2468")
    window = open_main_window(workspace, karim)
    view = page(window)
    assert view.tab[RegisterKind.INCIDENT].add_button.isEnabled()
    assert not view.tab[RegisterKind.INCIDENT].edit_button.isEnabled()
    assert not view.tab[RegisterKind.PROCESSING].add_button.isEnabled()
    assert not view.tab[RegisterKind.PROCESSING].template_button.isEnabled()
    assert view.tab[RegisterKind.TRAINING].add_button.isEnabled()  # their own training


def test_a_change_made_by_a_command_shows_on_the_page(main_window, workspace, manager):
    view = page(main_window)
    workspace.registers.add_processor(manager, name="Éditeur du logiciel")  # as another process would
    main_window.poll_external_changes()
    tab = view.tab[RegisterKind.PROCESSOR]
    assert column_text(tab, "name") == "Éditeur du logiciel"


def test_a_contract_from_the_vault_is_cited_by_a_processor(main_window, workspace, manager, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    contract = tmp_path / "contrat.pdf"
    contract.write_bytes(b"%PDF-1.4 contrat")
    evidence = workspace.vault.add(manager, contract, title="Contrat de l'hébergeur")
    host = workspace.registers.add_processor(manager, name="Hébergeur HDS")
    tab = page(main_window).tab[RegisterKind.PROCESSOR]
    tab.select(host.id)
    answers = iter([(f"{evidence.id} — Contrat de l'hébergeur", True), ("le contrat", True)])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: next(answers))
    linked = tab.cite_evidence()
    assert [(e.evidence_id, e.role) for e in linked.evidence] == [(evidence.id, "contract")]
    assert column_text(tab, "evidence") == "Contrat de l'hébergeur (le contrat)"
    assert workspace.audit.entries()[-1].kind == "register.processor.update"


def test_the_it_charter_tab_records_a_version_and_who_read_it(qtbot, main_window, workspace, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    view = page(main_window)
    tab = view.charter_tab
    view.tabs.setCurrentWidget(tab)
    assert not tab.read_button.isEnabled()  # nothing to read yet
    dialog = tab.new_version()
    qtbot.addWidget(dialog)
    dialog.version_edit.setText("2026-1")
    dialog.adopted_edit.edit.setText("01/09/2026")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert tab.version_label.text() == "Version en vigueur : 2026-1 du 01/09/2026"
    assert tab.model.index(0, 1).data() == "Pas encore"  # the manager has not read it yet
    dashboard = main_window.show_page("dashboard")
    alerts = [dashboard.registers_box.alerts.item(n).text() for n in range(dashboard.registers_box.alerts.count())]
    assert "1 personne n'a pas pris connaissance de la charte informatique 2026-1 : Claire Martin" in alerts
    page(main_window)
    tab.read_button.click()
    answers = iter([("Sophie Leroy", True), ("Pas de scan dans le coffre", True)])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: next(answers))
    ack = tab.record_paper()
    assert (ack.name, ack.person_id, ack.how) == ("Sophie Leroy", None, "paper")
    rows = [(tab.model.index(n, 0).data(), tab.model.index(n, 2).data()) for n in range(tab.model.rowCount())]
    assert sorted(rows) == [("Claire Martin", "dans l'application"), ("Sophie Leroy", "sur papier")]


def test_the_training_period_is_set_on_the_training_tab(main_window, workspace):
    tab = page(main_window).tab[RegisterKind.TRAINING]
    assert tab.period_spin.value() == 12 and tab.period_spin.isEnabled()
    tab.period_spin.setValue(6)
    tab.period_spin.editingFinished.emit()
    assert workspace.registers.training_months() == 6
    alerts = main_window.show_page("dashboard").registers_box.alerts
    texts = [alerts.item(n).text() for n in range(alerts.count())]
    assert "1 personne sans formation depuis 6 mois : Claire Martin" in texts


def test_an_activity_is_deleted_after_one_question_but_an_incident_cannot_be(main_window, workspace, manager,
                                                                              monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    activity = workspace.registers.add_from_template(manager, "billing")
    view = page(main_window)
    tab = view.tab[RegisterKind.PROCESSING]
    tab.select(activity.id)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2]) or
                        QMessageBox.StandardButton.Yes)
    assert tab.delete_button.isEnabled() and tab.delete_selected()
    assert "Le journal garde ce qu'elle contenait" in asked[0]
    assert workspace.registers.processing_activities() == [] and tab.model.rowCount() == 0
    assert workspace.audit.entries()[-1].kind == "register.processing.delete"
    assert not hasattr(view.tab[RegisterKind.INCIDENT], "delete_button")


def test_in_an_establishment_the_ars_report_is_ticked_and_shown_as_due(qtbot, open_main_window, tmp_path,
                                                                          small_catalogue):
    from clinicguard.core.workspace import Workspace
    from tests.conftest import MANAGER, MANAGER_SECRET

    ws, _ = Workspace.create(tmp_path / "clinique", clinic_name="Clinique du Parc", structure="clinic",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    try:
        window = open_main_window(ws, ws.people.sign_in(MANAGER, MANAGER_SECRET))
        tab = page(window).tab[RegisterKind.INCIDENT]
        dialog = tab.add()
        qtbot.addWidget(dialog)
        assert dialog.widgets["ars_required"][1].isChecked()
        dialog.widgets["title"][1].setText("Rançongiciel")
        dialog.widgets["discovered_at"][1].setText("30/11/2026 06:00")
        dialog.save_button.click()
        assert column_text(tab, "ars_state") == "À signaler sans délai"
        window.close()
    finally:
        ws.close()
