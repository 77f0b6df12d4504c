"""Benchmark: the budget workbook of 10,000 budget lines against openpyxl writing the same values
without any style, in the same run.

Run: .venv/bin/python tests/benchmarks/bench_export.py [--lines 10000] [--repeat 3]
The export is timed whole (reading nothing from a database: building every sheet, styles, tables,
formulas, atomic save). Baselines, with plain `append` and `save` and no style at all:
- "write-only, same values" (issue 18): openpyxl's write-only mode writing every value of every
  sheet of the export (formulas included, read back from an exported workbook beforehand), and the
  export itself, each in a fresh child process, samples interleaved; the time of the write alone
  and its peak memory: the child's whole peak (VmHWM, the input held in memory included) and the
  rise of its resident memory during the write alone (Linux: the peak is reset just before).
  The baseline holds every value in memory before writing, as the export holds its input (the
  year's budget lines). Targets (issue 18): time at most 1.5x, peak memory at most 2x. Also printed,
  stricter: the peak of write-only reading the values row by row from disk as it writes (what a
  write-only workbook alone needs), and the memory each write adds to what its process held.
- "same values" (issue 5, in this process): openpyxl's normal mode, the same values;
- "detail only": just the budget-line sheet's values, a stricter yardstick.
Prints ratios; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402

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


def all_values(data: exports.BudgetData, folder: Path) -> list[tuple[str, list[tuple]]]:
    """Every sheet's values as the export writes them (formulas as their text), without any style."""
    path = folder / "values.xlsx"
    export(data, path)
    book = load_workbook(path, read_only=True)
    sheets = [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
    book.close()
    return sheets


def baseline(sheets: list[tuple[str, list]], path: Path, write_only: bool = False) -> None:
    book = Workbook(write_only=write_only)
    if not write_only:
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


# ---- child processes: time and peak memory of one write, its input already in memory ----------
def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the resident-memory peak (VmHWM) to the current size (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _trim() -> None:
    """Give the memory freed so far back to the system (glibc), so that the resident size measured
    before a write is what the write's input holds, not what reading it left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _streamed(values: Path):
    """The sheets of a values stream: (title, rows) with the rows read from disk one by one."""
    with open(values, "rb") as fh:
        while True:
            try:
                title, count = pickle.load(fh)
            except EOFError:
                return
            yield title, (pickle.load(fh) for _ in range(count))


def child(kind: str, lines: int, values: Path, out: Path) -> None:
    """Run one write in this (fresh) process and print its figures as JSON.

    writeonly: every value in memory first (the time's yardstick); streamed: the same values read
    row by row from disk while writing (the peak memory's yardstick: a process that holds no more
    than the write needs); ours: the export, its input (the clinic's lines) in memory first."""
    if kind == "writeonly":
        sheets = [(title, list(rows)) for title, rows in _streamed(values)]

        def job() -> None:
            baseline(sheets, out, write_only=True)
    elif kind == "streamed":
        def job() -> None:
            baseline(_streamed(values), out, write_only=True)
    else:
        data = make_data(lines)

        def job() -> None:
            export(data, out)
    gc.collect()
    _trim()
    # VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the parent's size at the fork.
    prepared = _status_kib("VmHWM")
    reset = _reset_peak()
    before = _status_kib("VmRSS")
    seconds = timed(job)
    peak = _status_kib("VmHWM")
    if peak is None or prepared is None:  # not Linux
        peak = prepared = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rise = (peak - before) / 1024 if reset and before is not None else None
    print(json.dumps({"seconds": seconds, "rise_mib": rise, "process_mib": max(peak, prepared) / 1024}))


def run_child(kind: str, lines: int, values: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--lines", str(lines), "--values", str(values),
           "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_only_ratios(sheets: list[tuple[str, list]], lines: int, repeat: int, tmp: Path) -> None:
    values = tmp / "values.pickle"
    with open(values, "wb") as fh:
        for title, rows in sheets:
            pickle.dump((title, len(rows)), fh)
            for row in rows:
                pickle.dump(row, fh)
    samples: dict[str, list[dict]] = {"writeonly": [], "streamed": [], "ours": []}
    for _ in range(repeat):  # interleaved: other load on the machine hits all alike
        for kind, figures in samples.items():
            figures.append(run_child(kind, lines, values, tmp / f"child-{kind}.xlsx"))

    def best(kind: str, key: str) -> float | None:
        figures = [s[key] for s in samples[kind] if s[key] is not None]
        return min(figures) if figures else None

    base_s, ours_s = best("writeonly", "seconds"), best("ours", "seconds")
    held, streamed, ours_p = (best(k, "process_mib") for k in ("writeonly", "streamed", "ours"))
    base_r, ours_r = best("streamed", "rise_mib"), best("ours", "rise_mib")
    print(f"openpyxl write-only, same values in memory:  {base_s:.2f} s, peak {held:.0f} MiB "
          f"(child processes, best of {repeat})")
    print(f"ClinicGuard budget workbook, input in memory: {ours_s:.2f} s, peak {ours_p:.0f} MiB")
    print(f"ratio to openpyxl write-only: time {ours_s / base_s:.2f}x (target: at most 1.5x), "
          f"peak memory {ours_p / held:.2f}x (target: at most 2x)")
    print(f"  stricter: peak memory {ours_p / streamed:.2f}x against write-only reading the values from disk as it "
          f"writes ({streamed:.0f} MiB)" + (f"; memory added by the write alone: {ours_r:.0f} MiB against "
                                          f"{base_r:.0f} MiB" if base_r is not None and ours_r is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-write-only", action="store_true",
                        help="skip the in-process baselines (normal mode, detail only)")
    parser.add_argument("--child", choices=("writeonly", "streamed", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--values", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.lines, args.values, args.out)
        return
    data = make_data(args.lines)
    rows = detail_values(data)
    with tempfile.TemporaryDirectory() as tmp:
        sheets = all_values(data, Path(tmp))
        cells = sum(v is not None for _, rs in sheets for r in rs for v in r)
        print(f"budget lines: {len(rows)}; sheets: {len(sheets)}; cells holding a value: {cells}")
        write_only_ratios(sheets, args.lines, args.repeat, Path(tmp))
        if args.only_write_only:
            return
        # Interleaved, best of each: other load on the machine hits all sides alike.
        times: dict[str, list[float]] = {"same": [], "detail": [], "ours": []}
        for _ in range(args.repeat):
            times["same"].append(timed(lambda: baseline(sheets, Path(tmp) / "same.xlsx")))
            times["detail"].append(timed(lambda: baseline([("detail", rows)], Path(tmp) / "detail.xlsx")))
            times["ours"].append(timed(lambda: export(data, Path(tmp) / "budget.xlsx")))
        same, detail, ours = (min(times[k]) for k in ("same", "detail", "ours"))
    print(f"openpyxl, same values, no styles:    {same:.2f} s")
    print(f"openpyxl, detail sheet only:         {detail:.2f} s")
    print(f"ClinicGuard budget workbook:         {ours:.2f} s")
    print(f"ratio to the same values: {ours / same:.2f}x (target: at most 1.5x)")
    print(f"ratio to the detail sheet only: {ours / detail:.2f}x")


if __name__ == "__main__":
    main()
