"""The checklist's answers, its score formula and the audit entry of each change."""

from datetime import date, timedelta

import pytest

from clinicguard.model.checklist import Status
from clinicguard.core.checklist import summarize
from clinicguard.model.errors import ClinicGuardError, NotFound


def test_untouched_checklist_scores_zero_and_marks_out_of_scope_items(workspace):
    rows = {r.item.id: r for r in workspace.checklist.rows()}
    assert rows["GOV-ROLES-02"].status is Status.NOT_APPLICABLE  # clinic-only item, group practice
    summary = summarize(list(rows.values()))
    assert summary.overall.percent == 0.0
    assert summary.never_assessed == 3


def test_score_is_severity_weighted_with_partial_counting_half(workspace, manager):
    # applicable: GOV-ROLES-01 (sev 3), SEC-BACKUP-01 (sev 4), SEC-BACKUP-02 (sev 2) -> weight 9
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", status="non-compliant")
    summary = summarize(workspace.checklist.rows())
    assert summary.overall.percent == pytest.approx(round(100 * (3 + 2) / 9, 1))
    assert summary.by_domain["governance"].percent == 100.0
    assert summary.by_domain["security"].percent == pytest.approx(round(100 * 2 / 6, 1))
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", status="not-applicable")
    assert summarize(workspace.checklist.rows()).overall.percent == pytest.approx(round(100 * 5 / 7, 1))


def test_reviews_due_within_30_days(workspace, manager):
    today = date.today()
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", next_review=today + timedelta(days=10))
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", next_review=today + timedelta(days=45))
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-02", next_review=(today - timedelta(days=3)).strftime("%d/%m/%Y"))
    summary = summarize(workspace.checklist.rows(), today)
    assert [r.item.id for r in summary.reviews_due] == ["GOV-ROLES-01"]
    assert [r.item.id for r in summary.overdue_reviews] == ["SEC-BACKUP-02"]


def test_each_change_leaves_one_audit_entry_with_before_and_after(workspace, manager):
    start = workspace.audit.head()[0]
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial", comment="Procédure rédigée")
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", comment="Procédure diffusée")
    entries = workspace.audit.entries()[start:]
    assert [e.kind for e in entries] == ["assessment.update", "assessment.update"]
    assert entries[0].before is None and entries[0].after["status"] == "partial"
    assert entries[1].before["comment"] == "Procédure rédigée"
    assert entries[1].after["comment"] == "Procédure diffusée"
    assert entries[1].actor_name == manager.name
    assert workspace.audit.verify().ok


def test_unchanged_value_writes_nothing(workspace, manager):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    head = workspace.audit.head()
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    assert workspace.audit.head() == head


def test_bad_input_is_refused_clearly(workspace, manager):
    with pytest.raises(NotFound, match="XYZ-1"):
        workspace.checklist.set_assessment(manager, "XYZ-1", status="compliant")
    with pytest.raises(ClinicGuardError, match="done"):
        workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="done")
    with pytest.raises(ClinicGuardError, match="31/02/2026"):
        workspace.checklist.set_assessment(manager, "GOV-ROLES-01", next_review="31/02/2026")
