"""The checklist workbook says who assessed each item and when, who confirmed it, which evidence
supports it (expired evidence listed, not counted) and why an item does not apply; its scores
still match `status --json`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from clinicguard.core import exports
from clinicguard.core.status import status_object
from clinicguard.i18n import tr


def rows_by_id(book) -> dict[str, dict]:
    rows = list(book[tr("Recommendations")].iter_rows(values_only=True))
    return {r[rows[0].index(tr("Identifier"))]: dict(zip(rows[0], r)) for r in rows[1:]}


def test_the_checklist_names_assessors_signoffs_evidence_and_reasons(workspace, manager, tmp_path):
    ws = workspace
    ws.people.add(manager, "Dr Anne Dubois", "practitioner", "7193")
    ws.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    ws.checklist.set_assessment(manager, "GOV-ROLES-02", status="not-applicable", comment="Pas de salarié.")
    ws.signoffs.confirm(ws.people.sign_in("Dr Anne Dubois", "7193"), "GOV-ROLES-01")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    ws.vault.add(manager, tmp_path / "a.txt", title="Charte", items=["GOV-ROLES-01"],
                 expires_on=(date.today() + timedelta(days=400)).isoformat())
    ws.vault.add(manager, tmp_path / "b.txt", title="Vieux certificat", items=["GOV-ROLES-01"],
                 valid_from="2019-01-01", expires_on="2020-01-01")
    rows = rows_by_id(load_workbook(exports.export_checklist(ws, manager, tmp_path / "c.xlsx")))
    first = rows["GOV-ROLES-01"]
    assert first[tr("Evidence files")] == 1  # the expired certificate no longer counts
    assert "Charte (valable jusqu'au" in first[tr("Evidence (validity)")]
    assert "Vieux certificat (expirée le 01/01/2020)" in first[tr("Evidence (validity)")]
    assert first[tr("Assessed by")] == "Claire Martin"
    assert isinstance(first[tr("Assessed on")], datetime) and first[tr("Assessed on")].date() == date.today()
    assert first[tr("Sign-offs (who, when)")].startswith("Dr Anne Dubois, ")
    assert rows["GOV-ROLES-02"][tr("Reason for not applicable")].endswith("Pas de salarié.")
    assert not rows["SEC-BACKUP-01"][tr("Reason for not applicable")]


def test_scores_still_match_status_json(workspace, manager, tmp_path):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    prepared = exports.prepare_checklist(workspace, manager)
    assert prepared.details["score"] == status_object(workspace)["overall"]["score"]
