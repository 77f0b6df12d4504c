"""Benchmark: the budget workbook of 10,000 budget lines against openpyxl writing the same values
without any style, in the same run.

Run: .venv/bin/python tests/benchmarks/bench_export.py [--lines 10000] [--repeat 3]
The export is timed whole (reading nothing from a database: building every sheet, styles, tables,
formulas, atomic save). Two baselines, with plain `append` and `save` and no style at all:
- "same values": every value of every sheet of the export (formulas included), prepared beforehand;
- "detail only": just the budget-line sheet's values, a stricter yardstick.
Target (issue 5): at most 1.5x against the first. Prints ratios; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from clinicguard.core import exports  # noqa: E402
from clinicguard.core.exports import xlsx  # noqa: E402
from clinicguard.model.plan import Action, ActionStatus  # noqa: E402
from clinicguard.model.budget import VAT_RATES_BP, BudgetLine, Category, Nature
from clinicguard.core.budget import summarize_year  # noqa: E402


def make_data(n_lines: int, year: int = 2026) -> exports.BudgetData:
    rng = random.Random(5)
    actions = {i: Action(i, f"Action n° {i} — mise en conformité", owner=f"Dr Responsable {i % 7}",
                         status=rng.choice(list(ActionStatus)).value, due_date=f"{year}-{rng.randint(1, 12):02d}-28",
                         item_ids=(f"SEC-BACKUP-{i % 9:02d}", "GOV-ROLES-01"))
               for i in range(1, n_lines // 4 + 2)}
    lines = []
    for n in range(1, n_lines + 1):
        nature = rng.choice(list(Nature)).value
        planned = rng.randint(1_000, 5_000_000)
        actual = planned + rng.randint(-5_000, 5_000) if rng.random() < 0.5 else None
        lines.append(BudgetLine(
            n, rng.randint(1, len(actions)), label=f"Ligne de dépense {n}", expense_date=f"{year}-{rng.randint(1, 12):02d}-15",
            fiscal_year=year, supplier=f"Fournisseur {n % 50}", nature=nature, category=rng.choice(list(Category)).value,
            vat_rate_bp=rng.choice(VAT_RATES_BP), vat_recoverable=rng.random() < 0.3, planned_ht=planned,
            committed_ht=planned if rng.random() < 0.6 else None, actual_ht=actual,
            invoice_ref=f"F-{n}" if actual else "", invoice_date=f"{year}-12-01" if actual else None,
            depreciation_years=3 if nature == "investment" and rng.random() < 0.5 else None,
        ))
    summary = summarize_year(lines, {a.id: a.status for a in actions.values()}, year, 1)
    context = exports.Context("Cabinet médical des Tilleuls", "Cabinet de groupe", "Claire Martin",
                              datetime.now().replace(microsecond=0), "2025.1", "12:" + "ab" * 32)
    return exports.BudgetData(context, summary, actions, tuple(lines))


def detail_values(data: exports.BudgetData) -> list[list]:
    """The detail sheet's values exactly as the export writes them (euros as Decimal, real dates)."""
    keys = [(k, c.kind) for k, c in exports.detail_columns()]
    rows = []
    for entry in sorted(data.summary.entries, key=lambda e: (e.line.expense_date, e.line.id)):
        values = exports.detail_values(entry, data.actions.get(entry.line.action_id))
        row = []
        for key, kind in keys:
            v = values[key]
            if v is None or v == "":
                row.append(None)
            elif kind == xlsx.MONEY:
                row.append(xlsx.euros(v))
            elif kind == xlsx.PERCENT:
                row.append(xlsx.rate(v))
            elif kind == xlsx.DATE:
                row.append(date.fromisoformat(v))
            else:
                row.append(v)
        rows.append(row)
    return rows


def all_values(data: exports.BudgetData) -> list[tuple[str, list[tuple]]]:
    """Every sheet's values as the export writes them, without any style."""
    book = exports.build_budget(data)
    return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]


def baseline(sheets: list[tuple[str, list]], path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def export(data: exports.BudgetData, path: Path) -> None:
    xlsx.save_atomically(exports.build_budget(data), path)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = make_data(args.lines)
    rows = detail_values(data)
    sheets = all_values(data)
    with tempfile.TemporaryDirectory() as tmp:
        # Interleaved, best of each: other load on the machine hits all sides alike.
        times: dict[str, list[float]] = {"same": [], "detail": [], "ours": []}
        for _ in range(args.repeat):
            times["same"].append(timed(lambda: baseline(sheets, Path(tmp) / "same.xlsx")))
            times["detail"].append(timed(lambda: baseline([("detail", rows)], Path(tmp) / "detail.xlsx")))
            times["ours"].append(timed(lambda: export(data, Path(tmp) / "budget.xlsx")))
        same, detail, ours = (min(times[k]) for k in ("same", "detail", "ours"))
    cells = sum(len(r) for _, rs in sheets for r in rs)
    print(f"budget lines: {len(rows)}; sheets: {len(sheets)}; cells in the workbook: {cells}")
    print(f"openpyxl, same values, no styles:    {same:.2f} s")
    print(f"openpyxl, detail sheet only:         {detail:.2f} s")
    print(f"ClinicGuard budget workbook:         {ours:.2f} s")
    print(f"ratio to the same values: {ours / same:.2f}x (target: at most 1.5x)")
    print(f"ratio to the detail sheet only: {ours / detail:.2f}x")


if __name__ == "__main__":
    main()
