"""Benchmark: the window's start as the user waits for it, against a bare PySide6 window (a
QMainWindow holding an empty QTableView) painted by a process started the same way, in the same
run. Also the plan page's opening with 10,000 actions against a bare QTableView over the same rows
(both on the UI thread, in one process).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_startup.py [--repeat 5]
     [--actions 10000] [--typing 1.0] [--before DIR]
Each start is a real `clinicguard --data-dir DIR` (clinicguard/__main__.py's `run`), whose dialogs
are answered by a simulated user (bench_typist, below): the passphrase prompt (for a key kept in the
passphrase file) and the sign-in dialog are each answered --typing seconds after they are painted
(1 s: a PIN and Enter; a password takes longer). What the user waits for is the time from the
launch to the first dialog's paint, plus the time from each answer to the next dialog's paint or
the main window's: that sum is the figure (the typing left out). What the start does while the user
types (opening the clinic, unlocking its key, importing the window's modules) counts only if it is
not done when the answer comes. With --before DIR (a checkout of another version), every start
also runs from DIR in the same rounds.
Targets (issue 18): small clinic at most 3x (keyring) and 3x after the passphrase is typed;
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
from clinicguard.model.errors import PASSPHRASE_ENV
from tests.conftest import MemoryKeyring

BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

class FirstPaint(QObject):  # as the simulated user below times ClinicGuard's windows
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print(time.time()), app.quit()))
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1280, 800)
first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.show()
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

# The simulated user, imported first by each started process: it answers the passphrase prompt and
# the sign-in dialog `typing` seconds after their first paint, and prints when each dialog and the
# main window were painted and when each answer was given. It finds the dialogs and the window
# through a hook on the import of clinicguard.ui.app (wherever the start imports it), and watches
# each through an event filter of its own (an application-wide Python filter would slow every
# event of the start): it changes nothing else of the start it measures.
TYPIST = """
import json, os, sys, time
SPEC = json.loads(os.environ["BENCH_CLINIC"])
TYPING_MS = int(float(SPEC["typing"]) * 1000)
marks = []


def watch(widget, what, answer):
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, painted)  # once that paint is done (its children's with it)
            return False

    def painted():
        marks.append((what, time.time()))
        if answer is None:  # the main window: the figure is complete
            print(json.dumps(marks), flush=True)
            os._exit(0)  # the vault check and the teardown are not part of the start
        QTimer.singleShot(TYPING_MS, answer)

    widget.bench_first_paint = FirstPaint()
    widget.installEventFilter(widget.bench_first_paint)


def sign_in(dialog):
    from PySide6.QtWidgets import QDialogButtonBox
    dialog.profile.setCurrentIndex(dialog.profile.findText(SPEC["manager"]))
    dialog.secret.setText(SPEC["secret"])
    marks.append(("answered", time.time()))
    box = dialog.buttons
    next(b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole).click()


def hooked(module):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QInputDialog

    class PassphrasePrompt:  # QInputDialog.getText, as a dialog the typist watches
        @staticmethod
        def getText(parent, title, label, echo):
            dialog = QInputDialog(parent)
            dialog.setWindowTitle(title)
            dialog.setLabelText(label)
            dialog.setTextEchoMode(echo)

            def answer():
                dialog.setTextValue(SPEC["passphrase"])
                marks.append(("answered", time.time()))
                dialog.accept()
            watch(dialog, "passphrase", answer)
            accepted = dialog.exec()
            return dialog.textValue(), bool(accepted)

    sign_in_dialog, window_class, application = module.SignInDialog, module.window_class, module.application

    def signin_dialog(*args, **kwargs):
        dialog = sign_in_dialog(*args, **kwargs)
        watch(dialog, "sign-in", lambda: sign_in(dialog))
        return dialog

    def watched_window_class():
        made = window_class()

        def window(*args, **kwargs):
            built = made(*args, **kwargs)
            watch(built, "window", None)
            return built
        return window

    def guarded_application():
        app = application()
        QTimer.singleShot(60_000, lambda: (print("stuck after", marks, flush=True), os._exit(3)))
        return app

    module.QInputDialog = PassphrasePrompt
    module.SignInDialog = signin_dialog
    module.window_class = watched_window_class
    module.application = guarded_application


class Hook:
    def find_spec(self, name, path, target=None):
        if name != "clinicguard.ui.app":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            hooked(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Hook())
"""

START = "import bench_typist, os, sys; sys.argv = ['clinicguard', '--data-dir', os.environ['BENCH_FOLDER']]; " \
        "from clinicguard.__main__ import run; run()"


def bare_start(env: dict, cwd: Path) -> float:
    """Seconds from launching Python to the bare window's first paint."""
    start = time.time()
    out = subprocess.run([sys.executable, "-c", BARE], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]) - start


def clinic_start(env: dict, cwd: Path) -> tuple[float, float, float]:
    """One start of `clinicguard`, its dialogs answered: the seconds the user waits in all (from the
    launch to the first dialog's paint, then from each answer to the next paint), and of those,
    the part before the first dialog and the part after the sign-in is answered."""
    start = time.time()
    out = subprocess.run([sys.executable, "-c", START], cwd=cwd, env=env, capture_output=True, text=True)
    try:
        marks = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"the start did not reach its window:\n{out.stdout}\n{out.stderr[-3000:]}") from None
    waited, before, last = 0.0, start, start
    for i, (what, at) in enumerate(marks):
        if what != "answered":
            waited += at - last
            if i == 0:
                before = at - start
        last = at
    return waited, before, marks[-1][1] - marks[-2][1]


def clinic_env(folder: Path, backend: MemoryKeyring, passphrase: str | None, typing: float) -> dict:
    spec = {"passphrase": passphrase, "manager": MANAGER, "secret": MANAGER_SECRET, "typing": typing,
            "keyring": {f"{s}/{u}": p for (s, u), p in backend.secrets.items()}}
    (folder.parent / "bench_kept_keyring.py").write_text(KEPT_KEYRING)
    (folder.parent / "bench_typist.py").write_text(TYPIST)
    path = os.pathsep.join([str(folder.parent), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, BENCH_CLINIC=json.dumps(spec), BENCH_FOLDER=str(folder), PYTHONPATH=path,
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
    parser.add_argument("--typing", type=float, default=1.0, help="seconds the user takes to answer each dialog")
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    parser.add_argument("--skip-plan-page", action="store_true")
    args = parser.parse_args()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        log_env = {"CLINICGUARD_LOG_DIR": str(tmp / "logs")}
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: a start does not compile every module
        os.environ.pop(PASSPHRASE_ENV, None)  # the passphrase is typed, as at a clinic
        clinics = {}
        for name, n, passphrase in (("small clinic, key in the keyring", 20, None),
                                    ("small clinic, passphrase file", 20, PASSPHRASE),
                                    (f"{args.actions} actions, {2 * args.actions} lines", args.actions, None)):
            folder = tmp / f"clinic{len(clinics)}"
            ws, _ = build_clinic(folder, n, passphrase=passphrase)
            ws.close()
            clinics[name] = clinic_env(folder, backend, passphrase, args.typing) | log_env
        base_env = dict(os.environ) | log_env
        runs = {name: (env, ROOT) for name, env in clinics.items()}
        if args.before is not None:
            runs |= {f"before: {name}": (env, args.before) for name, env in clinics.items()}
        bare: list[float] = []
        samples: dict[str, list[tuple[float, float, float]]] = {k: [] for k in runs}
        bare_start(base_env, ROOT)
        for env, cwd in runs.values():
            clinic_start(env, cwd)  # warm the caches and write the .pyc files once
        for _ in range(args.repeat):
            bare.append(bare_start(base_env, ROOT))
            for name, (env, cwd) in runs.items():
                samples[name].append(clinic_start(env, cwd))
        base = statistics.median(bare)
        print(f"baseline (bare PySide6 window, start to first paint): {base * 1000:.0f} ms")
        print(f"each dialog answered {args.typing:.1f} s after its paint; the figure is the waiting, the typing left out")
        targets = dict(zip(clinics, (3, 3, 5)))
        for name in clinics:
            waited, before, after = (statistics.median(s[i] for s in samples[name]) for i in range(3))
            was = ""
            if args.before is not None:
                then = statistics.median(s[0] for s in samples[f"before: {name}"])
                was = f"  (before: {then * 1000:.0f} ms, {then / base:.1f}x)"
            print(f"window start, {name:34s} {waited * 1000:7.0f} ms  ratio {waited / base:5.1f}x"
                  f"  (target: at most {targets[name]}x){was}")
            print(f"  of which: launch to the first dialog {before * 1000:.0f} ms, sign-in to the window "
                  f"{after * 1000:.0f} ms")
        if not args.skip_plan_page:
            ours, bare_plan = plan_page(args.actions, tmp, args.repeat)
            print(f"plan page open, {args.actions} actions: {ours * 1000:.0f} ms; bare QTableView over the same "
                  f"rows: {bare_plan * 1000:.0f} ms; ratio {ours / bare_plan:.1f}x (target: at most 3x)")


if __name__ == "__main__":
    main()
