"""Two catalogue versions: answers carry over by id, withdrawn items keep their history read-only,
new items start as not assessed, and the user sees what changed."""

from pathlib import Path

import pytest

from clinicguard.core.catalogue import load_catalogue
from clinicguard.model.checklist import Status
from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.workspace import Workspace
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState
from tests.conftest import MANAGER, MANAGER_SECRET

V2 = Path(__file__).parent / "data" / "catalogue_small_v2.toml"


@pytest.fixture
def answered(workspace, manager):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant", comment="Note de désignation signée")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", status="partial", comment="Disque au domicile du gérant")
    data_dir = workspace.data_dir
    workspace.close()
    return data_dir


def reopen_with_v2(data_dir):
    ws = Workspace.open(data_dir, catalogue=load_catalogue(V2))
    return ws


def test_answers_carry_over_and_changes_are_reported(answered):
    ws = reopen_with_v2(answered)
    assert ws.catalogue_versions.upgrade_pending()
    changes = ws.catalogue_versions.upgrade()
    assert (changes.from_version, changes.to_version) == ("1.0", "1.1")
    assert changes.added == ("SEC-BACKUP-03",)
    assert changes.removed == ("SEC-BACKUP-02",)
    assert changes.changed == ("GOV-ROLES-01",)
    assert ws.settings.clinic.catalogue_version == "1.1"
    assert not ws.catalogue_versions.upgrade_pending()
    assert ws.catalogue_versions.upgrade() is None  # once only

    rows = {r.item.id: r for r in ws.checklist.rows()}
    assert rows["GOV-ROLES-01"].status is Status.COMPLIANT
    assert rows["GOV-ROLES-01"].assessment.comment == "Note de désignation signée"
    assert rows["GOV-ROLES-01"].assessment.catalogue_version == "1.0"  # answered under the old text
    assert rows["SEC-BACKUP-03"].status is Status.NOT_ASSESSED
    assert "SEC-BACKUP-02" not in rows
    ws.close()


def test_withdrawn_item_keeps_its_history_read_only(answered):
    ws = reopen_with_v2(answered)
    ws.catalogue_versions.upgrade()
    retired = ws.catalogue_versions.retired_recommendations()
    assert [(item.id, answer.status, answer.comment) for item, answer in retired] == [
        ("SEC-BACKUP-02", "partial", "Disque au domicile du gérant")]
    assert retired[0][0].title["fr"] == "Copie hors ligne"  # its wording from the old catalogue
    actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    with pytest.raises(ClinicGuardError, match="SEC-BACKUP-02"):
        ws.checklist.set_assessment(actor, "SEC-BACKUP-02", status="compliant")
    history = ws.audit.search(object_id="SEC-BACKUP-02")
    assert history and history[-1].after["comment"] == "Disque au domicile du gérant"
    ws.close()


def test_upgrade_is_audited_and_the_new_answer_records_the_new_version(answered):
    ws = reopen_with_v2(answered)
    ws.catalogue_versions.upgrade()
    entry = ws.audit.search(kind="catalogue.upgrade")[-1]
    assert entry.before == {"version": "1.0"} and entry.after["added"] == ["SEC-BACKUP-03"]
    actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    ws.checklist.set_assessment(actor, "SEC-BACKUP-03", status="compliant")
    assert ws.checklist.store.get("SEC-BACKUP-03").catalogue_version == "1.1"
    assert ws.audit.verify().ok
    ws.close()


def test_unseen_upgrades_are_listed_until_seen(answered):
    ws = reopen_with_v2(answered)
    ws.catalogue_versions.upgrade()
    assert len(ws.catalogue_versions.upgrades(unseen_only=True)) == 1
    ws.catalogue_versions.mark_seen()
    assert ws.catalogue_versions.upgrades(unseen_only=True) == []
    assert len(ws.catalogue_versions.upgrades()) == 1
    ws.close()


def test_older_catalogue_does_not_downgrade(workspace):
    older = load_catalogue(V2.parent / "catalogue_small.toml")
    assert not workspace.catalogue_versions.upgrade_pending()
    ws = Workspace.open(workspace.data_dir, catalogue=older)
    assert ws.catalogue_versions.upgrade() is None
    ws.close()


def test_main_window_shows_what_changed_and_the_withdrawn_item_read_only(qtbot, answered):
    ws = reopen_with_v2(answered)
    ws.catalogue_versions.upgrade()
    actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    assert window.banner.isVisibleTo(window)
    assert "SEC-BACKUP-03" in window.banner_text and "SEC-BACKUP-02" in window.banner_text
    view = window.show_page("checklist")
    assert view.select_item("SEC-BACKUP-02")
    assert view.current_row().retired
    assert not view.form_widget.isEnabled()
    assert view.select_item("GOV-ROLES-01")
    assert view.form_widget.isEnabled()
    # seen once: a second window does not repeat it
    second = MainWindow(AppState(ws, actor))
    qtbot.addWidget(second)
    assert not second.banner.isVisibleTo(second)
    second.close()
    window.close()
    ws.close()
