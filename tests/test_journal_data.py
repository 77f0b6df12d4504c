"""The journal protects the data, not only itself (issue 19, item 7): `audit verify` replays what
the journal records about each answer, action, budget line and evidence file against its row."""

from __future__ import annotations

import sqlite3

import pytest

from clinicguard import cli
from clinicguard.core import workspace as workspace_module
from clinicguard.core.workspace import database_path


@pytest.fixture
def clinic(workspace, manager, tmp_path, monkeypatch):
    """A clinic with every kind of journaled row, changed several times, then closed."""
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    ws = workspace
    ws.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant", comment="pas de copie")
    ws.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    action = ws.plan.create_action(manager, title="Sauvegarde", item_ids=["SEC-BACKUP-01"], due_date="2026-05-01")
    ws.plan.update_action(manager, action.id, status="in-progress")
    line = ws.plan.add_line(manager, action.id, label="NAS", planned_ht=64_900)
    ws.plan.update_line(manager, line.id, actual_ht=70_000)
    gone = ws.plan.add_line(manager, action.id, label="Disque", planned_ht=10_000)
    ws.plan.delete_line(manager, gone.id)
    ws.settings.update(manager, fiscal_year_start_month=7)  # redates the lines: one entry for all
    (tmp_path / "charte.pdf").write_bytes(b"charte informatique")
    evidence = ws.vault.add(manager, tmp_path / "charte.pdf", items=["SEC-BACKUP-01"])
    ws.vault.update(manager, evidence.id, title="Charte signée")
    dropped = ws.plan.create_action(manager, title="Abandonnée")
    ws.plan.add_line(manager, dropped.id, label="x", planned_ht=1)
    ws.plan.delete_action(manager, dropped.id)
    ws.close()
    return ws.data_dir


def verify(data_dir, capsys, *extra):
    code = cli.main(["audit", "verify", "--data-dir", str(data_dir), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def edit(data_dir, sql, *params):
    conn = sqlite3.connect(database_path(data_dir))
    with conn:
        conn.execute(sql, params)
    conn.close()


def test_an_untouched_clinic_verifies(clinic, capsys):
    code, text = verify(clinic, capsys)
    assert code == 0, text


def test_the_demo_clinic_verifies(tmp_path, capsys, monkeypatch, small_catalogue):
    assert cli.main(["demo", "--data-dir", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    code, text = verify(tmp_path / "demo", capsys)
    assert code == 0, text


@pytest.mark.parametrize("sql, params, named", [
    ("UPDATE assessment SET status = ? WHERE item_id = 'SEC-BACKUP-01'", ("compliant",), "SEC-BACKUP-01"),
    ("UPDATE assessment SET comment = ? WHERE item_id = 'SEC-BACKUP-01'", ("fait",), "comment"),
    ("UPDATE budget_line SET actual_ht = ? WHERE label = 'NAS'", (1,), "actual_ht"),
    ("UPDATE budget_line SET fiscal_year = ? WHERE label = 'NAS'", (2030,), "fiscal_year"),
    ("UPDATE action SET status = ? WHERE title = 'Sauvegarde'", ("done",), "status"),
    ("DELETE FROM budget_line WHERE label = ?", ("NAS",), "manque"),
    ("UPDATE evidence SET sha256 = ?, blob = 'autre0123456789abcdef' WHERE id = 1", ("0" * 64,), "sha256"),
    ("UPDATE evidence SET title = ? WHERE id = 1", ("Autre titre",), "title"),
])
def test_a_row_edited_by_hand_is_named_with_the_entry_it_contradicts(clinic, capsys, sql, params, named):
    edit(clinic, sql, *params)
    code, text = verify(clinic, capsys)
    assert code == 3 and "modifiées hors de ClinicGuard" in text and named in text and "entrée" in text, text


def test_a_row_inserted_by_hand_is_named(clinic, capsys):
    conn = sqlite3.connect(database_path(clinic))
    row = conn.execute("SELECT * FROM budget_line WHERE label = 'NAS'").fetchone()
    columns = [c[1] for c in conn.execute("PRAGMA table_info(budget_line)")]
    values = dict(zip(columns, row), id=999, label="Ajout discret")
    with conn:
        conn.execute(f"INSERT INTO budget_line ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                     list(values.values()))
    conn.close()
    code, text = verify(clinic, capsys, "--json")
    assert code == 3 and '"kind": "data-edited"' in text and "999" in text and "aucune entrée" in text
