"""A change says what it touched: the unit of work reports each commit as a typed `Changes`, and
what another process committed is seen from SQLite's data_version, without the window's help."""

from __future__ import annotations

import pytest

from clinicguard.core.changes import NOTHING, Changes, changes_for_kinds
from clinicguard.core.workspace import Workspace
from clinicguard.model.errors import NotFound
from tests.conftest import MANAGER, MANAGER_SECRET


def test_each_commit_reports_what_it_changed(workspace, manager):
    seen: list[Changes] = []
    workspace.uow.add_listener(seen.append)
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    workspace.plan.create_action(manager, title="Rédiger la charte")
    workspace.settings.update(manager, name="Cabinet des Lilas")
    assert seen == [Changes(checklist=True, journal=True), Changes(plan=True, budget=True, journal=True),
                    Changes(clinic=True, journal=True)]


def test_a_refused_change_reports_nothing(workspace, manager):
    seen: list[Changes] = []
    workspace.uow.add_listener(seen.append)
    with pytest.raises(NotFound):
        workspace.checklist.set_assessment(manager, "NO-SUCH-ITEM", status="partial")
    with pytest.raises(NotFound):
        workspace.plan.update_action(manager, 999, title="x")
    assert seen == []


def test_a_failed_sign_in_is_a_change_of_the_profiles():
    assert changes_for_kinds(["session.sign-in-failed"]) == Changes(people=True, journal=True)
    assert changes_for_kinds([]) is NOTHING and not NOTHING


def test_what_another_connection_committed_is_seen_once(workspace, manager):
    other = Workspace.open(workspace.data_dir, catalogue=workspace.catalogue)
    try:
        assert not workspace.external_changes.poll()
        actor = other.people.sign_in(MANAGER, MANAGER_SECRET)
        other.checklist.set_assessment(actor, "SEC-BACKUP-01", status="compliant")
        changes = workspace.external_changes.poll()
        assert changes.checklist and changes.people and changes.journal and not changes.plan
        assert not workspace.external_changes.poll()  # seen once
        # this connection's own commits are not news
        workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", status="partial")
        assert not workspace.external_changes.poll()
    finally:
        other.close()
