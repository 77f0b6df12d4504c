"""The demo clinic, answered under catalogue 2025.1, moves to the bundled 2026.1: every answer whose
meaning did not change is kept as it was; an answer to an item whose meaning changed goes back to
"not assessed", due for review today, with its comment kept, its old status in the audit trail and the
reason shown with the recommendation, in the window and by the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinicguard.cli.common import catalogue_changes_text
from clinicguard.core import workspace as workspace_module
from clinicguard.core.catalogue import bundled_catalogue, load_catalogue
from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, create_demo
from clinicguard.core.workspace import Workspace
from clinicguard.model.catalogue import Structure
from clinicguard.model.checklist import Status
from clinicguard.ui.main_window import MainWindow
from clinicguard.ui.state import AppState

OLD = Path(__file__).parent / "data" / "catalogue_2025_1.toml"
TODAY = date.today()


@pytest.fixture
def demo_on_2025(tmp_path, monkeypatch):
    """The demo clinic created and answered under 2025.1; returns its folder and its answers then."""
    old = load_catalogue(OLD)
    with monkeypatch.context() as patch:
        patch.setattr(workspace_module, "bundled_catalogue", lambda: old)
        ws, _manager, _ = create_demo(tmp_path / "demo", today=TODAY)
    assert ws.settings.clinic.catalogue_version == "2025.1"
    answers = ws.checklist.store.all()
    ws.close()
    return tmp_path / "demo", answers


@pytest.fixture
def upgraded(demo_on_2025):
    data_dir, before = demo_on_2025
    ws = Workspace.open(data_dir, catalogue=bundled_catalogue())
    changes = ws.catalogue_versions.upgrade()
    yield ws, before, changes
    ws.close()


def test_the_upgrade_reports_new_and_reviewed_items(upgraded):
    ws, _before, changes = upgraded
    new, old = bundled_catalogue(), load_catalogue(OLD)
    assert (changes.from_version, changes.to_version) == ("2025.1", new.version)
    assert set(changes.added) == {i.id for i in new.items} - {i.id for i in old.items} and len(changes.added) == 18
    assert changes.removed == ()
    assert set(changes.review) == {i.id for i in new.items if i.changed_in == new.version}
    assert set(changes.review) <= set(changes.changed)
    assert "GOV-ACCESS-06" in changes.reworded  # its English was reworded: the answer carries over
    assert "GOV-ACCESS-05" not in changes.changed  # only its guidance was corrected
    assert ws.settings.clinic.catalogue_version == new.version
    # what the window and the command line read back from the database says the same
    assert ws.catalogue_versions.upgrades()[-1].review == changes.review
    text = catalogue_changes_text(changes)  # the tests run in French (conftest)
    assert "à revoir" in text and "GOV-RET-03" in text and "SEC-AUTH-02" in text


def test_answers_keep_their_meaning_or_go_back_to_review(upgraded):
    ws, before, changes = upgraded
    after = ws.checklist.store.all()
    assert set(after) == set(before)
    sent_back = 0
    for item_id, old in before.items():
        new = after[item_id]
        if item_id in changes.review and old.status != Status.NOT_ASSESSED.value:
            sent_back += 1
            assert new.status == Status.NOT_ASSESSED.value, item_id
            assert new.next_review == TODAY.isoformat(), item_id
            assert (new.comment, new.responsible, new.last_reviewed) == (old.comment, old.responsible, old.last_reviewed)
            assert new.catalogue_version == "2025.1"  # answered under the old meaning, until answered again
        else:
            assert new == old, item_id  # nothing changed, not even the date of the change
    assert sent_back >= 5, "the demo answers most items: several answers must have gone back to review"
    # never silently kept compliant: no reviewed item still counts in the score
    rows = {r.item.id: r for r in ws.checklist.rows()}
    for item_id in changes.review:
        if item_id in before:
            assert rows[item_id].status is Status.NOT_ASSESSED, item_id


def test_each_answer_sent_back_is_audited_with_its_old_status_and_the_reason(upgraded):
    ws, before, changes = upgraded
    entries = {e.object_id: e for e in ws.audit.search(kind="assessment.review")}
    expected = {i for i in changes.review if i in before and before[i].status != Status.NOT_ASSESSED.value}
    assert set(entries) == expected
    catalogue = bundled_catalogue()
    for item_id, entry in entries.items():
        assert entry.before["status"] == before[item_id].status
        assert entry.after["status"] == Status.NOT_ASSESSED.value
        assert entry.after["reason_fr"] == catalogue.get(item_id).review["fr"]
        assert entry.after["reason_en"] == catalogue.get(item_id).review["en"]
    upgrade = ws.audit.search(kind="catalogue.upgrade")[-1]
    assert upgrade.after["review"] == list(changes.review)
    assert ws.audit.verify().ok
    # answering again, under the new meaning, clears the review
    item_id = min(expected)
    actor = ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    ws.checklist.set_assessment(actor, item_id, status="compliant")
    answer = ws.checklist.store.get(item_id)
    assert answer.catalogue_version == bundled_catalogue().version
    assert not bundled_catalogue().get(item_id).needs_review(answer.catalogue_version)
    assert ws.catalogue_versions.upgrade() is None  # once only: nothing goes back to review twice


def test_the_window_lists_them_and_shows_the_reason_with_each(qtbot, upgraded):
    ws, before, changes = upgraded
    actor = ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    window = MainWindow(AppState(ws, actor))
    qtbot.addWidget(window)
    assert window.banner.isVisibleTo(window)
    banner = window.banner.text()
    assert "à revoir" in banner and "GOV-RET-03" in banner
    view = window.show_page("checklist")
    assert view.select_item("GOV-RET-03")
    guidance = view.guidance.toPlainText()
    assert "à revoir" in guidance and "90 jours" in guidance and "2026.1" in guidance
    assert view.select_item("SEC-AUTH-02")  # its cost is shown with its unit
    assert "par poste" in view.guidance.toPlainText()
    assert "Nature de la source : Règlement (décret, arrêté)" in view.guidance.toPlainText()
    kept = next(i for i in before if i not in changes.review and bundled_catalogue().get(i) is not None)
    assert view.select_item(kept)
    assert "à revoir :" not in view.guidance.toPlainText()
    window.close()


def test_the_workbooks_show_the_kind_of_source_and_whom_an_action_suits(tmp_path, upgraded):
    from openpyxl import load_workbook

    from clinicguard.cli import main
    from clinicguard.i18n import tr

    def sheet_rows(sheet):
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    ws, _before, _changes = upgraded
    catalogue = bundled_catalogue()
    out = tmp_path / "catalogue.xlsx"
    assert main(["catalogue", "export", "--out", str(out)]) == 0
    book = load_workbook(out)
    items = {r[tr("Identifier")]: r for r in sheet_rows(book[tr("Recommendations")])}
    assert items["GOV-RET-04"][tr("Kind of source")] == "Règlement (décret, arrêté)"
    assert items["GOV-STEER-08"][tr("Kind of source")] == "Bonne pratique"
    actions = [r for r in sheet_rows(book[tr("Suggested actions")]) if r[tr("Identifier")] == "GOV-ROLES-03"]
    clinic_dpo = next(r for r in actions if "interne" in r[tr("Action")])
    assert clinic_dpo[tr("Suggested to")] == Structure.CLINIC.label and "par an" in clinic_dpo[tr("Cost band")]
    # and the clinic's own checklist workbook
    from clinicguard.core import exports

    manager = ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    out = exports.export_checklist(ws, manager, tmp_path / "checklist.xlsx")
    rows = {r[tr("Identifier")]: r for r in sheet_rows(load_workbook(out)[tr("Recommendations")])}
    for item_id in ("GOV-PAT-02", "SEC-AUTH-01", "GOV-RET-01"):
        assert rows[item_id][tr("Kind of source")] == catalogue.get(item_id).source_status_label, item_id
