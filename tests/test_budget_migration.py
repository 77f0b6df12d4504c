"""m010_budget_invoices rebuilds the budget_line table (to accept the 2,1 % rate and credit notes):
a database of the previous version keeps every line, field for field."""

import sqlite3

from sqlite_utils import Database

from clinicguard.store.db import configure, open_database
from clinicguard.store.migrations import migrations
from clinicguard.store.plan_store import ActionStore

NOW = "2026-01-01T00:00:00+00:00"


def test_lines_of_the_previous_version_survive_the_rebuild(tmp_path):
    path = tmp_path / "c.sqlite"
    old = Database(sqlite3.connect(path))
    configure(old)
    migrations.apply(old, stop_before="m010_budget_invoices")
    old["action"].insert({"id": 1, "title": "Sauvegarde", "priority": 2, "status": "todo", "progress": 0,
                          "created_at": NOW, "updated_at": NOW})
    old["budget_line"].insert({"id": 7, "action_id": 1, "label": "NAS", "supplier": "LDLC", "nature": "investment",
                               "category": "hardware", "vat_rate_bp": 550, "vat_recoverable": 1, "planned_ht": 64_900,
                               "committed_ht": 62_000, "actual_ht": 61_990, "invoice_ref": "F-1",
                               "invoice_date": "2026-02-03", "expense_date": "2026-02-03", "fiscal_year": 2026,
                               "fiscal_year_manual": 0, "depreciation_years": 3, "recurring": 0,
                               "account": "2183", "created_at": NOW, "updated_at": NOW})
    old.close()

    db = open_database(path)
    (line,) = ActionStore(db).lines()
    assert (line.id, line.label, line.supplier, line.vat_rate_bp, line.vat_recoverable, line.planned_ht,
            line.committed_ht, line.actual_ht, line.invoice_ref, line.depreciation_years, line.account) == (
        7, "NAS", "LDLC", 550, True, 64_900, 62_000, 61_990, "F-1", 3, "2183")
    assert line.actual_vat is None and line.invoice_vat == 3_409  # computed until typed
    assert line.vat_parts == () and line.year_invoices == ()
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {r[1] for r in db.execute("PRAGMA index_list(budget_line)")} >= {"budget_line_action",
                                                                               "budget_line_fiscal_year"}
    # What the old table refused: the 2,1 % rate and a credit note.
    db.execute("UPDATE budget_line SET vat_rate_bp = 210, actual_ht = -100 WHERE id = 7")
    assert ActionStore(db).line(7).vat_rate_bp == 210
