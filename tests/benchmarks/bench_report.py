"""Benchmark: the compliance report (PDF/A) of the demo clinic and of a clinic with 10,000 actions.

Run: .venv/bin/python tests/benchmarks/bench_report.py [--actions 10000] [--repeat 3]
Each report is timed whole (reading the database, translating, laying out with Typst, writing the
PDF, recording the export) and in its two halves: reading (`prepare_report`) and layout
(`render_pdf`). Target (issue 14): the demo's report under 2 s on this machine. The big clinic's
time is printed as a ratio to the demo's, measured in the same run. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring
from keyring.backend import KeyringBackend

from clinicguard.core.demo import create_demo
from clinicguard.core.reports import export_report, prepare_report
from clinicguard.model.people import Permission


class MemoryKeyring(KeyringBackend):
    """Keeps the benchmark's clinic keys in memory: never the developer's keyring."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


def add_actions(ws, manager, n: int) -> None:
    """n open actions in one transaction (as an import does), linked to the clinic's gaps."""
    rng = random.Random(14)
    items = [row.item.id for row in ws.checklist.rows() if row.applies]
    with ws.uow.writing(manager, Permission.EDIT_PLAN) as audit:
        for i in range(n):
            ws.plan.create_action_in(audit, title=f"Action de mise en conformité n° {i} — {rng.choice(items)}",
                                     item_ids=rng.sample(items, 2), owner=f"Dr Responsable {i % 9}",
                                     due_date=f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(ws, manager, folder: Path, label: str, repeat: int) -> float:
    total = timed(lambda: export_report(ws, manager, folder / f"{label}.pdf"), repeat)
    prepared = prepare_report(ws, manager)
    reading = timed(lambda: prepare_report(ws, manager), repeat)
    layout = timed(prepared.build, repeat)
    size = (folder / f"{label}.pdf").stat().st_size
    print(f"{label:>24}: {total:6.2f} s whole (reading {reading:5.2f} s, layout {layout:5.2f} s), "
          f"{size / 1024:8.0f} KiB")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    os.environ.pop("CLINICGUARD_PASSPHRASE", None)
    with tempfile.TemporaryDirectory(prefix="clinicguard-bench-report-") as tmp:
        tmp = Path(tmp)
        ws, manager, _ = create_demo(tmp / "demo")
        try:
            demo = measure(ws, manager, tmp, "demo clinic", args.repeat)
            add_actions(ws, manager, args.actions)
            big = measure(ws, manager, tmp, f"{args.actions:,} actions", max(1, args.repeat - 2))
        finally:
            ws.close()
    print(f"demo under 2 s: {'yes' if demo < 2 else 'NO'}; {args.actions:,} actions / demo: {big / demo:.1f}x")


if __name__ == "__main__":
    main()
