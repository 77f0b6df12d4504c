"""The budget and checklist workbooks recalculated by LibreOffice headless, as an accountant's
spreadsheet would: every total and every score computed by the workbook's formulas equals the
app's own figures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clinicguard.core import exports
from clinicguard.model.plan import ActionStatus
from clinicguard.model.budget import Category, Nature
from clinicguard.core.budget import Totals, depreciation_schedule, depreciations
from clinicguard.model.checklist import Status
from clinicguard.core.checklist import summarize
from clinicguard.core.demo import create_demo
from clinicguard.i18n import tr

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH: install "
                                                        "libreoffice-calc-nogui to recalculate the workbooks")


def recalculated(path: Path, tmp_path: Path):
    """Open `path` in LibreOffice (private profile), save it again, and read the computed values."""
    out = tmp_path / "recalculated"
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, timeout=240, capture_output=True)
    return load_workbook(out / path.name, data_only=True)


def cents(value) -> int:
    assert isinstance(value, (int, float)), value
    return round(value * 100)


def make_budget(ws, manager, start_month: int) -> int:
    """A plan exercising every rule of the summaries; returns the fiscal year to export."""
    if start_month != 1:
        ws.settings.update(manager, fiscal_year_start_month=start_month)
    plan = ws.plan
    year = 2026
    m = lambda month: f"{year if month >= start_month else year + 1}-{month:02d}-15"  # noqa: E731
    a = plan.create_action(manager, title="Sauvegarde externalisée", item_ids=["SEC-BACKUP-01"], due_date=m(11))
    plan.add_line(manager, a.id, label="NAS", supplier="Inmac", nature="investment", category="hardware",
                  planned_ht=89_900, committed_ht=87_450, actual_ht=87_451, expense_date=m(start_month),
                  invoice_ref="F-1", invoice_date=m(start_month), depreciation_years=3)
    plan.add_line(manager, a.id, label="Abonnement cloud", supplier="OVH", nature="running",
                  category="subscriptions", planned_ht=3_333, vat_rate_bp=2000, expense_date=m((start_month + 4) % 12 or 12),
                  recurring=True)
    b = plan.create_action(manager, title="Formation", due_date=m(3))
    plan.add_line(manager, b.id, label="Formation CNIL", nature="running", category="training", planned_ht=50_001,
                  vat_rate_bp=550, actual_ht=49_999, expense_date=m((start_month + 7) % 12 or 12))
    plan.add_line(manager, b.id, label="Livres", nature="running", category="other", planned_ht=1_999,
                  vat_rate_bp=1000, committed_ht=2_001, vat_recoverable=True, expense_date=m((start_month + 10) % 12 or 12))
    c = plan.create_action(manager, title="Projet abandonné")
    plan.add_line(manager, c.id, label="Devis non signé", category="services", planned_ht=120_000,
                  expense_date=m(start_month))
    plan.add_line(manager, c.id, label="Acompte versé", category="services", planned_ht=30_000, actual_ht=10_000,
                  vat_recoverable=True, expense_date=m(start_month))
    plan.update_action(manager, c.id, status=ActionStatus.DROPPED.value)
    d = plan.create_action(manager, title="Poste d'accueil (exercice précédent)")
    plan.add_line(manager, d.id, label="PC accueil", nature="investment", category="hardware", planned_ht=100_000,
                  actual_ht=99_999, fiscal_year=year - 1, expense_date=m(start_month), depreciation_years=5,
                  invoice_date=f"{year - 1}-{(start_month + 2):02d}-20")
    plan.add_line(manager, d.id, label="Hébergement", nature="running", category="subscriptions", planned_ht=12_000,
                  committed_ht=11_000, fiscal_year=year - 1, expense_date=m(start_month), recurring=True,
                  recurring_until=year + 2)
    return year


def rows_of(sheet) -> list[tuple]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def block(rows: list[tuple], heading: str, groups: int) -> tuple[tuple, list[tuple], tuple]:
    """The header row, the group rows and the total row under `heading` on the summary sheet."""
    start = next(n for n, r in enumerate(rows) if r[0] == heading)
    return rows[start + 1], rows[start + 2:start + 2 + groups], rows[start + 2 + groups]


@pytest.mark.parametrize("start_month", [1, 7])
def test_every_budget_total_recalculated_by_libreoffice_equals_the_app(workspace, manager, tmp_path, start_month):
    year = make_budget(workspace, manager, start_month)
    summary = workspace.plan.summary(year)
    assert summary.total.lines == 7  # six lines of the year and last year's recurring hosting
    out = exports.export_budget(workspace, manager, year, tmp_path / "budget.xlsx")
    book = recalculated(out, tmp_path)
    rows = rows_of(book[tr("Summary")])
    headers = exports.measure_headers()
    checked = 0

    # category x quarter: each cell from the entries, row totals = by category, column totals = by quarter
    for measure, heading in (("planned_ht", tr("Planned excl. VAT by category and quarter")),
                             ("actual_ht", tr("Actual excl. VAT by category and quarter"))):
        _, groups, total = block(rows, heading, len(Category))
        for category, row in zip(Category, groups):
            assert row[0] == category.label
            for q in (1, 2, 3, 4):
                expected = sum(getattr(e, measure) or 0 for e in summary.entries
                               if e.line.category == category.value and e.quarter == q)
                assert cents(row[q]) == expected, (measure, category, q)
            assert cents(row[5]) == getattr(summary.by_category[category.value], measure)
            checked += 5
        for q in (1, 2, 3, 4):
            assert cents(total[q]) == getattr(summary.by_quarter[q], measure)
        assert cents(total[5]) == getattr(summary.total, measure)
        checked += 5

    groupings = [
        (tr("By category"), [(c.label, summary.by_category.get(c.value, Totals())) for c in Category]),
        (tr("By nature"), [(n.label, summary.by_nature.get(n.value, Totals())) for n in Nature]),
        (tr("By quarter"), [(exports.quarter_label(q, start_month), summary.by_quarter[q]) for q in (1, 2, 3, 4)]),
        (tr("By action status"), [(s.label, summary.by_action_status.get(s.value, Totals())) for s in ActionStatus]),
    ]
    for heading, groups in groupings:
        header, group_rows, total = block(rows, heading, len(groups))
        assert list(header[1:len(exports.SUMMARY_MEASURES) + 1]) == [headers[m] for m in exports.SUMMARY_MEASURES]
        for (text, totals), row in zip(groups, group_rows):
            assert row[0] == text
            for col, measure in enumerate(exports.SUMMARY_MEASURES, 1):
                assert cents(row[col]) == getattr(totals, measure), (heading, text, measure)
                checked += 1
        for col, measure in enumerate(exports.SUMMARY_MEASURES, 1):
            assert cents(total[col]) == getattr(summary.total, measure), (heading, measure)
            checked += 1

    # planned against actual: one row per action, the total row equals the year's totals
    variance = rows_of(book[tr("Planned vs actual")])
    measures = ("planned_ht", "committed_ht", "actual_ht", "variance_ht", "remaining_ht", "forecast_real")
    assert list(variance[0][4:10]) == [headers[m] for m in measures]
    action_rows = variance[1:-1]
    assert [r[0] for r in action_rows] == sorted({e.line.action_id for e in summary.entries})
    for row in action_rows:
        for col, measure in enumerate(measures, 4):
            expected = sum(exports.entry_amounts(e)[measure] or 0 for e in summary.entries
                           if e.line.action_id == row[0])
            assert cents(row[col]) == expected
    assert variance[-1][1] == tr("Total")
    for col, measure in enumerate(measures, 4):
        assert cents(variance[-1][col]) == getattr(summary.total, measure)
        checked += 1

    # depreciation: each investment's schedule as the app computes it, totals adding up to the base
    dep = rows_of(book[tr("Depreciation")])
    year_headers = list(dep[0][8:-1])
    items = {d.line.id: d for d in depreciations(workspace.plan.lines(),
                                                        {a.id: a.status for a in workspace.plan.actions()}, year,
                                                        start_month)}
    assert len(items) == 2  # this year's NAS and last year's PC, still being depreciated
    for row in dep[1:-1]:
        d = items[row[0]]
        assert cents(row[5]) == d.base
        schedule = dict(depreciation_schedule(d.base, d.line.depreciation_years, d.line.fiscal_year, d.start,
                                              start_month))
        assert len(schedule) == d.line.depreciation_years + 1  # invoiced mid-year: pro rata first and last
        for label_, value in zip(year_headers, row[8:-1]):
            fy = int(str(label_)[:4])
            assert (cents(value) if value is not None else 0) == schedule.get(fy, 0)
        assert cents(row[-1]) == d.base
    assert cents(dep[-1][5]) == sum(d.base for d in items.values())
    assert checked > 150


def test_an_empty_year_recalculates_to_zero_without_errors(workspace, manager, tmp_path):
    out = exports.export_budget(workspace, manager, 2031, tmp_path / "empty.xlsx")
    book = recalculated(out, tmp_path)
    for name in (tr("Summary"), tr("Planned vs actual"), tr("Depreciation")):
        values = [v for row in rows_of(book[name]) for v in row if v is not None]
        assert not [v for v in values if isinstance(v, str) and v.startswith("#")], name
        assert all(v == 0 for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)), name


def test_checklist_scores_recalculated_by_libreoffice_equal_the_app(workspace, manager, tmp_path):
    for item_id, status in (("GOV-ROLES-01", "compliant"), ("GOV-ROLES-02", "partial"),
                            ("SEC-BACKUP-01", "non-compliant"), ("SEC-BACKUP-02", "not-applicable")):
        workspace.checklist.set_assessment(manager, item_id, status=status)
    out = exports.export_checklist(workspace, manager, tmp_path / "checklist.xlsx")
    book = recalculated(out, tmp_path)
    summary = summarize(workspace.checklist.rows())
    rows = rows_of(book[tr("Scores")])
    statuses = [Status.COMPLIANT, Status.PARTIAL, Status.NON_COMPLIANT, Status.NOT_ASSESSED, Status.NOT_APPLICABLE]
    header = next(n for n, r in enumerate(rows) if r[0] == tr("Domain"))
    by_title = {workspace.catalogue.domain_title(d): s for d, s in summary.by_domain.items()}
    domain_rows = rows[header + 1:header + 1 + len(by_title)]
    assert {r[0] for r in domain_rows} == set(by_title)
    overall = rows[header + 1 + len(by_title)]
    assert overall[0] == tr("Overall")
    for row, score in [(r, by_title[r[0]]) for r in domain_rows] + [(overall, summary.overall)]:
        assert [row[n] for n in range(1, 6)] == [score.counts[s.value] for s in statuses]
        assert row[6] == score.weight
        if score.percent is None:
            assert row[8] == "—"
        else:
            assert round(row[8], 1) == score.percent, row
    assert any(isinstance(r[8], float) and 0 < r[8] < 100 for r in domain_rows)


def test_every_domain_of_the_bundled_catalogue_scores_as_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICGUARD_PASSPHRASE", "demo-passphrase-for-tests")
    ws, manager, _ = create_demo(tmp_path / "demo")
    try:
        out = exports.export_checklist(ws, manager, tmp_path / "checklist.xlsx")
        summary = summarize(ws.checklist.rows())
    finally:
        ws.close()
    rows = rows_of(recalculated(out, tmp_path)[tr("Scores")])
    scores = {r[0]: r[8] for r in rows if r[0] and isinstance(r[8], (int, float))}
    expected = {ws.catalogue.domain_title(d): s.percent for d, s in summary.by_domain.items()}
    expected[tr("Overall")] = summary.overall.percent
    assert {k: round(v, 1) for k, v in scores.items()} == expected
