"""How long the work that runs on the UI thread takes on the demo clinic (target: about 50 ms).

Run: QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_ui_thread.py
Each figure is printed in milliseconds and as a ratio to a baseline measured in the same run
(reading every assessment row with plain sqlite3), so a loaded machine shows up in both.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring  # noqa: E402

from tests.conftest import MemoryKeyring  # noqa: E402


def timed(fn, repeat=15) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    keyring.set_keyring(MemoryKeyring())
    from clinicguard.ui.app import application
    from clinicguard.core.demo import create_demo
    from clinicguard.core.workspace import database_path
    from clinicguard.ui.main_window import MainWindow
    from clinicguard.ui.state import AppState

    app = application()
    folder = Path(tempfile.mkdtemp()) / "demo"
    ws, manager, _ = create_demo(folder)
    window = MainWindow(AppState(ws, manager))
    window.show()
    app.processEvents()
    checklist, dashboard = window.pages["checklist"], window.pages["dashboard"]

    conn = sqlite3.connect(database_path(folder))
    baseline = timed(lambda: conn.execute("SELECT * FROM assessment").fetchall())
    item = ws.catalogue.items[0].id
    statuses = iter(["compliant", "partial"] * 50)
    figures = {
        "checklist reload": timed(checklist.reload),
        "dashboard refresh": timed(dashboard.refresh),
        "checklist text filter": timed(lambda: checklist.search.setText("sauvegarde") or checklist.search.setText("")),
        # The save and the page refreshes its typed change triggers (the whole cost of one keystroke).
        "save one answer + refreshes": timed(lambda: ws.checklist.set_assessment(manager, item, status=next(statuses))),
    }
    window.state.detach()  # the core alone: the save and its audit entry, no page listening
    figures["save one answer (core, audit)"] = timed(
        lambda: ws.checklist.set_assessment(manager, item, status=next(statuses)))
    print(f"baseline (read all assessments with sqlite3): {baseline:.3f} ms")
    for name, ms in figures.items():
        verdict = "ok" if ms <= 50 else "OVER 50 ms"
        print(f"{name:32s} {ms:8.2f} ms  ratio to baseline {ms / baseline:8.1f}x  {verdict}")
    window.close()
    window.deleteLater()
    app.processEvents()
    conn.close()
    ws.close()


if __name__ == "__main__":
    main()
