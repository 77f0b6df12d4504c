"""`clinicguard status` reads the clinic through a plain connection and aggregate queries, and
`python -m clinicguard status` answers before the parser loads (issue 18): what it prints must be
exactly what the services compute the slow way (every object built), on a clinic with answers,
actions, dropped actions, recurring lines, invoices, evidence, practitioners, sign-off requests
and an export; the short way in and the parser's way must print the same bytes; a clinic that
must be opened the full way (to migrate it, to clean up an interrupted export) still is."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from clinicguard import cli
from clinicguard.cli.status import quick_main, simple_arguments
from clinicguard.core import exports
from clinicguard.core.checklist import score_formula, summarize
from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, create_demo
from clinicguard.core.status import StatusReader, status_object
from clinicguard.core.workspace import Workspace
from clinicguard.model.evidence import EXPIRY_WARNING_DAYS
from clinicguard.model.people import Permission, Role
from clinicguard.paths import PENDING_WRITES_FOLDER

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def busy_clinic(tmp_path):
    """The demo clinic (on the bundled catalogue, as `status` reads it), with more of what the
    totals and counts must get right: a dropped action with a line and an invoice, a recurring
    line with an end, a credit note, and a checklist export."""
    ws, manager, _ = create_demo(tmp_path / "clinic")
    with ws.uow.writing(manager, Permission.EDIT_PLAN) as audit:
        dropped = ws.plan.create_action_in(audit, title="Abandonnée", due_date="2020-01-15", status="dropped")
        ws.plan.add_line_in(audit, dropped.id, label="Prévu puis abandonné", planned_ht=123_457, vat_rate_bp=550,
                            expense_date="2026-03-10", actual_ht=99_999, invoice_ref="F-1")
        kept = ws.plan.create_action_in(audit, title="Contrat de maintenance", due_date=date.today().isoformat())
        ws.plan.add_line_in(audit, kept.id, label="Maintenance", planned_ht=10_001, vat_rate_bp=1000,
                            expense_date="2025-06-01", nature="running", recurring=True, recurring_until=2027,
                            vat_recoverable=True)
        ws.plan.add_line_in(audit, kept.id, label="Avoir", planned_ht=5_005, vat_rate_bp=2000,
                            expense_date="2026-02-01", actual_ht=-2_345, invoice_ref="AV-1")
    exports.export_checklist(ws, manager, tmp_path / "checklist.xlsx")
    yield ws
    if not ws.closed:
        ws.close()


def slow_status(ws: Workspace) -> dict:
    """The standing computed through the services, every object built (the way before issue 18)."""
    today = date.today()
    rows = ws.checklist.rows()
    summary = summarize(rows, today)
    clinic = ws.settings.clinic
    actions = ws.plan.actions()
    budget = {str(s.fiscal_year): {"label": s.label, "start": s.bounds[0].isoformat(), "end": s.bounds[1].isoformat(),
                                   "planned_ht": s.total.planned_ht, "planned_ttc": s.total.planned_ttc,
                                   "actual_ht": s.total.actual_ht, "actual_ttc": s.total.actual_ttc}
              for s in ws.plan.summaries(today)}
    people = ws.people.all()
    overview = ws.signoffs.overview()
    head = ws.audit.stored_head()
    return {
        "clinic": {"name": clinic.name, "structure": clinic.structure.value,
                   "fiscal_year_start_month": clinic.fiscal_year_start_month},
        "catalogue_version": clinic.catalogue_version,
        "score_formula": score_formula(),
        "overall": {"score": summary.overall.percent, "counts": summary.overall.counts},
        "domains": {d: {"title": ws.catalogue.domain_title(d), "score": s.percent, "counts": s.counts}
                    for d, s in summary.by_domain.items()},
        "never_assessed": summary.never_assessed,
        "reviews_due_30_days": [r.item.id for r in summary.reviews_due],
        "reviews_overdue": [r.item.id for r in summary.overdue_reviews],
        "actions": len(actions),
        "overdue_actions": sum(a.is_overdue(today) for a in actions),
        "actions_due_30_days": sum(a.is_due_soon(today) for a in actions),
        "gaps_without_action": [g.row.item.id for g in ws.plan.gaps_without_action()],
        "budget_by_fiscal_year": budget,
        **ws.vault.summary(today),
        "people": {"active": sum(p.active for p in people), "locked": [p.name for p in people if p.active and p.locked]},
        "signoff": {"open_requests": sum(1 for s in overview.values() if s.request),
                    "incomplete_requests": sorted(i for i, s in overview.items() if s.request and s.missing)},
        "audit": {"entries": head.count, "head": head.text},
        "last_exports": exports.last_exports(ws),
    }


def test_the_status_is_what_the_services_compute_the_slow_way(busy_clinic):
    expected = slow_status(busy_clinic)
    # the clinic holds what the comparison is about, so that a wrong total cannot hide
    assert "dropped" in {a.status for a in busy_clinic.plan.actions()}
    assert any(line.recurring for line in busy_clinic.plan.lines())
    assert expected["overdue_actions"] and expected["actions_due_30_days"] and expected["gaps_without_action"]
    assert expected["signoff"]["open_requests"] and expected["last_exports"]["checklist"]
    assert expected["evidence_files"] and expected[f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days"]
    assert any(y["actual_ht"] for y in expected["budget_by_fiscal_year"].values())
    assert status_object(busy_clinic) == expected
    busy_clinic.close()

    reader = StatusReader.open(busy_clinic.data_dir)
    try:
        assert reader.status() == expected
    finally:
        reader.close()


def test_the_short_way_prints_the_bytes_the_parser_prints(busy_clinic, capsys):
    folder = str(busy_clinic.data_dir)
    busy_clinic.close()
    printed = {}
    for options in (["--json"], []):
        assert cli.main(["status", "--data-dir", folder, *options]) == 0
        printed[tuple(options)] = capsys.readouterr().out
        assert quick_main(["status", *options, f"--data-dir={folder}"]) == 0
        assert capsys.readouterr().out == printed[tuple(options)]
    assert json.loads(printed[("--json",)])["clinic"]["name"] in printed[()]


def test_python_m_clinicguard_status_answers_the_short_way_with_the_same_json(busy_clinic, capsys):
    folder = str(busy_clinic.data_dir)
    busy_clinic.close()
    assert cli.main(["status", "--json", "--data-dir", folder]) == 0
    full = capsys.readouterr().out
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "clinicguard", "status", "--json",
                             "--data-dir", folder], cwd=ROOT, capture_output=True, text=True, env=dict(os.environ),
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout == full
    loaded = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "sqlite_utils" not in loaded and "clinicguard.cli.commands" not in loaded  # the short way was taken


@pytest.mark.parametrize("argv", [
    ["status", "--help"], ["status", "--js"], ["status", "--data-dir"], ["status", "--data-dir", "--json"],
    ["status", "--lang", "en"], ["status", "--as", "x"], ["checklist", "list"],
])
def test_other_arguments_are_left_to_the_parser(argv):
    assert simple_arguments(argv) is None
    assert quick_main(argv) is None


def test_the_arguments_are_read_as_the_parser_reads_them():
    assert vars(simple_arguments(["status"])) == {"command": "status", "json": False, "data_dir": None}
    args = simple_arguments(["status", "--data-dir", "a", "--json", "--data-dir=b c"])
    assert (args.json, args.data_dir) == (True, "b c")  # the last --data-dir wins, as with argparse
    parsed = cli.build_parser().parse_args(["status", "--data-dir", "a", "--json", "--data-dir=b c"])
    assert (parsed.json, parsed.data_dir) == (args.json, args.data_dir)


def test_a_clinic_to_migrate_or_to_clean_up_is_opened_the_full_way(busy_clinic, tmp_path, capsys):
    folder = busy_clinic.data_dir
    busy_clinic.close()
    assert quick_main(["status", "--json", "--data-dir", str(tmp_path / "nowhere")]) is None  # the parser says why

    pending = folder / PENDING_WRITES_FOLDER
    pending.mkdir(exist_ok=True)
    (pending / "left.json").write_text("{}")
    assert StatusReader.open(folder) is None  # Workspace.open removes what an interrupted export left
    (pending / "left.json").unlink()
    assert StatusReader.open(folder) is not None and StatusReader.open(folder).close() is None

    conn = sqlite3.connect(folder / "clinic.sqlite")
    with conn:
        last = conn.execute("SELECT max(id) FROM _sqlite_migrations").fetchone()[0]
        conn.execute("DELETE FROM _sqlite_migrations WHERE id = ?", [last])  # as if one migration were pending
    conn.close()
    assert StatusReader.open(folder) is None


def test_a_reader_sees_what_a_practitioner_changed_and_writes_nothing(busy_clinic):
    manager = busy_clinic.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    busy_clinic.people.add(manager, "Dr Zoé Nouvelle", Role.PRACTITIONER.value, "2468")
    expected = slow_status(busy_clinic)
    folder = busy_clinic.data_dir
    busy_clinic.close()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
    reader = StatusReader.open(folder)
    try:
        assert reader.status() == expected and expected["people"]["active"] >= 2
    finally:
        reader.close()
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()} == before
