"""Benchmark: the window's start, from launching Python to the main window's first paint, against a
bare PySide6 window (a QMainWindow holding an empty QTableView) painted by a process started the
same way, in the same run. Also the plan page's opening with 10,000 actions against a bare
QTableView over the same rows (both on the UI thread, in one process).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_startup.py [--repeat 5]
     [--actions 10000] [--before DIR]
The window is opened as `clinicguard` opens it once the dialogs are answered: open the folder,
read the clinic key (keyring, or the passphrase file), sign in, build the window, show it. With
--before DIR (a checkout of another version), every start also runs from DIR in the same rounds.
Targets (issue 18): small clinic at most 3x (keyring) and 3x after the passphrase is typed (the
clinic key's unlock, from the passphrase file or the credential store, runs while the sign-in
dialog is open, so the figures leave it out; each figure with it is printed beside);
10,000 actions and 20,000 lines at most 5x; the plan page at most 3x. Prints ratios only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring

from tests.benchmarks.clinics import MANAGER, MANAGER_SECRET, PASSPHRASE, build_clinic
from tests.conftest import MemoryKeyring

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print(time.time()), app.quit()))
app.exec()
"""

# The credential store the started processes find, through keyring's own configuration variable
# (PYTHON_KEYRING_BACKEND): keyring is imported where ClinicGuard imports it, not before.
KEPT_KEYRING = """
import json, os
from keyring.backend import KeyringBackend

class Kept(KeyringBackend):
    priority = 1
    def get_password(self, service, username):
        return json.loads(os.environ["BENCH_CLINIC"])["keyring"].get(service + "/" + username)
    def set_password(self, service, username, password):
        pass
    def delete_password(self, service, username):
        pass
"""

# What ui/app.py's open_clinic does once the passphrase and the sign-in are typed.
APP = """
import json, os, sys, threading, time
spec = json.loads(os.environ["BENCH_CLINIC"])
from clinicguard.ui.app import application
try:
    from clinicguard.ui.app import window_class
except ImportError:  # --before an older version, whose ui/app.py imported the window at the top
    def window_class():
        from clinicguard.ui.main_window import MainWindow
        return MainWindow
from clinicguard.core.workspace import Workspace
from clinicguard.ui.state import AppState
from PySide6.QtCore import QTimer  # after the application's modules, as `clinicguard` imports Qt
app = application()
ws = Workspace.open(spec["folder"])
started = time.time()
ws.keys.unlock(spec["passphrase"])  # ui/app.py runs this on a worker while the sign-in dialog is open
print("unlock", time.time() - started)
ws.catalogue_versions.upgrade()
# the sign-in dialog's submit: the password checked on a worker while the UI thread imports the window
attempt = ws.people.begin_sign_in(spec["manager"])
checking = threading.Thread(target=attempt.check, args=(spec["secret"],))
checking.start()
window_class()
checking.join()
actor = ws.people.finish_sign_in(attempt)
window = window_class()(AppState(ws, actor))
window.show()
QTimer.singleShot(0, lambda: (print(time.time()), app.quit()))
app.exec()
os._exit(0)  # the figure is printed; the vault check and the teardown are not part of the start
"""


def start_to_paint(code: str, env: dict, cwd: Path) -> float:
    return start_and_unlock(code, env, cwd)[0]


def start_and_unlock(code: str, env: dict, cwd: Path) -> tuple[float, float]:
    """Seconds from launching Python to the first paint, and of those, the passphrase file's unlock."""
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    unlock = sum(float(line.split()[1]) for line in lines if line.startswith("unlock "))
    return float(lines[-1]) - start, unlock


def clinic_env(folder: Path, backend: MemoryKeyring, passphrase: str | None) -> dict:
    spec = {"folder": str(folder), "passphrase": passphrase, "manager": MANAGER, "secret": MANAGER_SECRET,
            "keyring": {f"{s}/{u}": p for (s, u), p in backend.secrets.items()}}
    kept = folder.parent / "bench_kept_keyring.py"
    kept.write_text(KEPT_KEYRING)
    path = os.pathsep.join([str(folder.parent), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, BENCH_CLINIC=json.dumps(spec), PYTHONPATH=path,
                PYTHON_KEYRING_BACKEND="bench_kept_keyring.Kept")


def plan_page(n_actions: int, tmp: Path, repeat: int) -> tuple[float, float]:
    """Seconds to open the plan page on a clinic of `n_actions`, and for a bare QTableView over a
    minimal table model of the same actions read the same way (title, owner, due date, status), medians."""
    from PySide6.QtCore import QAbstractTableModel, QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    class BareRows(QAbstractTableModel):
        def __init__(self, rows):
            super().__init__()
            self.rows = rows

        def rowCount(self, parent=None):
            return len(self.rows)

        def columnCount(self, parent=None):
            return 4

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return self.rows[index.row()][index.column()] if role == Qt.ItemDataRole.DisplayRole else None

    from clinicguard.ui.plan_view import PlanView
    from clinicguard.ui.state import AppState

    app = QApplication.instance() or QApplication([])
    ws, actor = build_clinic(tmp / "plan", n_actions)
    state = AppState(ws, actor)
    ours, bare = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        view = PlanView(state)
        view.resize(1200, 800)
        view.show()
        QCoreApplication.processEvents()
        ours.append(time.perf_counter() - start)
        view.close()
        view.deleteLater()
        QCoreApplication.processEvents()

        start = time.perf_counter()
        model = BareRows([(a.title, a.owner, a.due_date or "", a.status) for a in ws.plan.actions()])
        table = QTableView()
        table.setModel(model)
        table.resize(1200, 800)
        table.show()
        QCoreApplication.processEvents()
        bare.append(time.perf_counter() - start)
        table.close()
        table.deleteLater()
        QCoreApplication.processEvents()
    state.detach()
    ws.close()
    del app
    return statistics.median(ours), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    parser.add_argument("--skip-plan-page", action="store_true")
    args = parser.parse_args()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        log_env = {"CLINICGUARD_LOG_DIR": str(tmp / "logs")}
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: a start does not compile every module
        clinics = {}
        for name, n, passphrase in (("small clinic, key in the keyring", 20, None),
                                    ("small clinic, passphrase file", 20, PASSPHRASE),
                                    (f"{args.actions} actions, {2 * args.actions} lines", args.actions, None)):
            folder = tmp / f"clinic{len(clinics)}"
            ws, _ = build_clinic(folder, n, passphrase=passphrase)
            ws.close()
            clinics[name] = clinic_env(folder, backend, passphrase) | log_env
        base_env = dict(os.environ) | log_env
        runs = {name: (APP, env, ROOT) for name, env in clinics.items()}
        if args.before is not None:
            runs |= {f"before: {name}": (APP, env, args.before) for name, env in clinics.items()}
        samples: dict[str, list[float]] = {"bare": [], **{k: [] for k in runs}}
        waits: dict[str, list[float]] = {k: [] for k in runs}  # the same starts, less the unlock
        start_to_paint(BARE, base_env, ROOT)
        for code, env, cwd in runs.values():
            start_to_paint(code, env, cwd)  # warm the caches and write the .pyc files once
        for _ in range(args.repeat):
            samples["bare"].append(start_to_paint(BARE, base_env, ROOT))
            for name, (code, env, cwd) in runs.items():
                total, unlock = start_and_unlock(code, env, cwd)
                samples[name].append(total)
                waits[name].append(total - unlock)
        figures = {k: statistics.median(v) for k, v in samples.items()}
        # The clinic key's unlock (the passphrase file's scrypt, or the credential store's read with
        # `import keyring`) runs while the sign-in dialog is open, and typing a name and a password
        # takes longer than it (0.4 s at most here): what the user waits for once the sign-in is
        # typed is the start without it. Both figures are printed.
        after_typing = {k: statistics.median(v) for k, v in waits.items()}
        base = figures["bare"]
        print(f"baseline (bare PySide6 window, start to first paint): {base * 1000:.0f} ms")
        targets = dict(zip(clinics, (3, 3, 5)))
        for name in clinics:
            shown = after_typing
            was = ""
            if args.before is not None:
                before = shown[f"before: {name}"]
                was = f"  (before: {before * 1000:.0f} ms, {before / base:.1f}x)"
            print(f"window start, {name:34s} {shown[name] * 1000:7.0f} ms  ratio {shown[name] / base:5.1f}x"
                  f"  (target: at most {targets[name]}x){was}")
            print(f"  the same with its unlock counted (as if the sign-in were typed at once): "
                  f"{figures[name] * 1000:.0f} ms, {figures[name] / base:.1f}x")
        if not args.skip_plan_page:
            ours, bare = plan_page(args.actions, tmp, args.repeat)
            print(f"plan page open, {args.actions} actions: {ours * 1000:.0f} ms; bare QTableView over the same "
                  f"rows: {bare * 1000:.0f} ms; ratio {ours / bare:.1f}x (target: at most 3x)")


if __name__ == "__main__":
    main()
