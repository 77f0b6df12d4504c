"""The journal reads as sentences: kinds, objects and fields named in French, values formatted, local
time; the raw entry (codes, JSON, UTC, hash) is still in the export for verification."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from clinicguard.core import exports
from clinicguard.core.journal_text import journal_names, object_label, readable_rows
from clinicguard.i18n import tr


def _plan(ws, manager):
    action = ws.plan.create_action(manager, title="Matrice des droits", item_ids=["GOV-ROLES-01"])
    line = ws.plan.add_line(manager, action.id, label="Rédaction matrice des droits", planned_ht=120_000,
                            expense_date="2026-05-02")
    return action, line


def test_objects_and_fields_are_named_as_a_person_says_them(workspace, manager):
    _action, line = _plan(workspace, manager)
    workspace.plan.update_line(manager, line.id, expense_date="2026-06-15")
    workspace.plan.delete_line(manager, line.id)
    names = journal_names(workspace)
    entries = workspace.audit.search(kind="budget-line")
    created, _updated, deleted = entries
    assert object_label(created, names) == "Ligne de dépense « Rédaction matrice des droits »"
    assert object_label(deleted, names) == "Ligne de dépense « Rédaction matrice des droits »"  # gone: its own values
    rows = readable_rows(entries, names)
    when, person, what, _about, change = rows[0]
    assert what == "Ligne de dépense ajoutée" and person == "Claire Martin" and when[2] == "/"
    assert "Action : n° 1 « Matrice des droits »" in change and "Date de la dépense : 02/05/2026" in change
    assert "Prévu HT : 1\u202f200,00\u202f€" in change
    assert rows[1][4] == "Date de la dépense : 02/05/2026 → 15/06/2026"
    for row in rows:
        text = " ".join(row)
        assert not any(raw in text for raw in ("action_id", "expense_date", "budget-line", "{", '"'))
    assessment = workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    assert assessment
    entry = workspace.audit.search(kind="assessment.update")[-1]
    assert object_label(entry, names).startswith("Recommandation GOV-ROLES-01 « ")


def test_the_journal_workbook_reads_in_words_and_keeps_the_raw_entry(workspace, manager, tmp_path):
    _plan(workspace, manager)
    out = tmp_path / "journal.xlsx"
    exports.export_journal(workspace, manager, out, kind="budget-line")
    header, *rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    row = dict(zip(header, rows[0]))
    assert row[tr("What happened")] == "Ligne de dépense ajoutée"
    assert row[tr("Concerning")] == "Ligne de dépense « Rédaction matrice des droits »"
    assert "Date de la dépense : 02/05/2026" in row[tr("Change")]
    assert row[tr("Kind (code)")] == "budget-line.create" and row[tr("Object (code)")] == "budget-line"
    assert json.loads(row[tr("After (raw)")])["expense_date"] == "2026-05-02"
    assert row[tr("Date (UTC)")].startswith("20") and len(row[tr("Hash")]) == 64


def test_the_journal_page_names_the_expense_line(qtbot, main_window, workspace, manager):
    _plan(workspace, manager)
    page = main_window.show_page("journal")
    page.refresh()
    model = page.model
    row = next(i for i, e in enumerate(model.rows) if e.kind == "budget-line.create")
    assert model.data(model.index(row, 4)) == "Ligne de dépense « Rédaction matrice des droits »"
    assert "Date de la dépense : 02/05/2026" in model.data(model.index(row, 6))
    assert "expense_date" not in model.data(model.index(row, 6))
    from PySide6.QtCore import Qt
    assert model.data(model.index(row, 4), Qt.ItemDataRole.ToolTipRole).startswith("budget-line ")


def test_the_backups_entries_read_in_words():
    from clinicguard.core.journal_text import change_summary, object_label
    from clinicguard.model.audit import AuditEntry

    def entry(kind, object_type, object_id, before, after):
        return AuditEntry(id=1, ts="2026-12-03T09:00:00+00:00", actor_id=None, actor_name="ClinicGuard", kind=kind,
                          object_type=object_type, object_id=object_id, before=before, after=after, hash="")

    made = entry("backup.create", "backup", "clinicguard-x.cgbackup.age", None,
                 {"folder": "E:\\Sauvegardes", "size": 10, "reason": "manual", "copies": ["\\\\nas\\b"],
                  "audit_head": {"count": 19, "hash": "ab"}})
    text = change_summary(made)
    for raw in ("manual", "folder", "copies", "count :", "audit_head"):
        assert raw not in text, raw
    assert "à la demande" in text and "Dossier" in text and "Copies vérifiées" in text
    settings = entry("backup.settings", "settings", "backup", {"destination": "", "second_destination": ""},
                     {"destination": "E:\\", "second_destination": "F:\\"})
    assert object_label(settings) == "Paramètres des sauvegardes"
    assert "second_destination" not in change_summary(settings) and "Seconde destination" in change_summary(settings)
    rotated = entry("backup.rotate", "backup", "E:\\", None, {"deleted": ["a"], "kept_verified": "b"})
    assert "deleted" not in change_summary(rotated) and "kept_verified" not in change_summary(rotated)
