"""Benchmark: how start-up, `status` and the budget export grow with the clinic's size, at 100,
1,000 and 10,000 actions (two budget lines each).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_scale.py [--sizes 100 1000 10000]
     [--repeat 3]
Per size: the window's start as the user waits for it (as bench_startup.py measures it: a real
`clinicguard` start, its sign-in answered after --typing seconds, the typing left out) and `status --json`,
each in a fresh process, and the budget workbook of the busiest fiscal year (prepare, build, save)
in this process; medians. Each figure is also printed as a ratio to its baseline in the same run
(a bare PySide6 window; `python -c "import sqlite3"`; openpyxl appending the same number of rows),
and each step up in size as a growth ratio: with ten times the actions, at most 10x is a curve at
most linear (issue 18). Prints figures only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: a start does not compile every module
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring

from tests.benchmarks.bench_cli import BASELINE, run_once
from tests.benchmarks.bench_startup import bare_start, clinic_env, clinic_start
from tests.benchmarks.clinics import build_clinic
from tests.conftest import MemoryKeyring


def budget_export(ws, actor, out: Path) -> tuple[float, int]:
    """Seconds to write the budget workbook of the year with the most lines, and its line count."""
    from clinicguard.core import exports

    year = Counter(line.fiscal_year for line in ws.plan.lines()).most_common(1)[0][0]
    start = time.perf_counter()
    prepared = exports.prepare_budget(ws, actor, year)
    exports.run_export(ws, actor, prepared, out)
    return time.perf_counter() - start, prepared.details["lines"]


def openpyxl_rows(rows: int, columns: int, out: Path) -> float:
    """openpyxl appending `rows` rows of `columns` numbers and saving: the export's yardstick."""
    from openpyxl import Workbook

    start = time.perf_counter()
    book = Workbook()
    sheet = book.active
    for r in range(rows):
        sheet.append([r * 1.5] * columns)
    book.save(out)
    return time.perf_counter() - start


def median(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--typing", type=float, default=1.0, help="seconds the user takes to sign in")
    args = parser.parse_args()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    figures: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, CLINICGUARD_LOG_DIR=str(tmp / "logs"))
        bare = median(lambda: bare_start(env, ROOT), args.repeat)
        python = median(lambda: run_once(BASELINE, env), args.repeat)
        for n in args.sizes:
            folder = tmp / f"clinic{n}"
            ws, actor = build_clinic(folder, n)
            export_s, lines = budget_export(ws, actor, tmp / f"budget{n}.xlsx")
            exports = [export_s] + [budget_export(ws, actor, tmp / f"budget{n}.xlsx")[0] for _ in range(args.repeat - 1)]
            ws.close()
            app_env = clinic_env(folder, backend, None, args.typing) | {"CLINICGUARD_LOG_DIR": str(tmp / "logs")}
            status = [sys.executable, "-m", "clinicguard", "status", "--json", "--data-dir", str(folder)]
            clinic_start(app_env, ROOT)  # warm
            figures[n] = {
                "window start": median(lambda e=app_env: clinic_start(e, ROOT)[0], args.repeat),
                "status --json": median(lambda cmd=status: run_once(cmd, env), args.repeat),
                "budget export": statistics.median(exports),
                "openpyxl rows": median(lambda k=lines: openpyxl_rows(k, 30, tmp / "rows.xlsx"), args.repeat),
                "lines": lines,
            }
    baselines = {"window start": ("bare PySide6 window", lambda f: bare),
                 "status --json": ("python -c 'import sqlite3'", lambda f: python),
                 "budget export": ("openpyxl, same number of rows x 30 numbers", lambda f: f["openpyxl rows"])}
    print(f"baselines: bare PySide6 window {bare * 1000:.0f} ms; python -c 'import sqlite3' {python * 1000:.0f} ms")
    for measure, (what, base_of) in baselines.items():
        print(f"\n{measure} (ratio to {what}):")
        previous = None
        for n in args.sizes:
            f = figures[n]
            value = f[measure]
            growth = f"  growth x{value / figures[previous][measure]:.1f} for x{n / previous:.0f} actions" \
                if previous else ""
            extra = f" ({f['lines']} lines in the year)" if measure == "budget export" else ""
            print(f"  {n:>6} actions{extra}: {value * 1000:8.0f} ms  ratio {value / base_of(f):5.1f}x{growth}")
            previous = n


if __name__ == "__main__":
    main()
