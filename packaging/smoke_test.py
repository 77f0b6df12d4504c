"""Smoke test of a frozen ClinicGuard build: the headless commands, then the window on a demo clinic.

    python packaging/smoke_test.py dist/ClinicGuard            (the built folder)
    python packaging/smoke_test.py "%LOCALAPPDATA%\\Programs\\ClinicGuard"   (an installed copy)

It runs the console program (clinicguard-cli) with a clinic in a temporary folder: --version, init,
checklist set, status --json, evidence add, evidence verify, report pdf (a PDF/A file), report pack
(encrypted), backup create, backup verify, and a restore of that backup into a new folder with the
recovery key from the printed sheet (its status and evidence must match); then the window program on
a temporary demo clinic until its first paint (CLINICGUARD_SMOKE_EXIT_AFTER_PAINT=1). That start is
measured as the performance benchmarks do: the median of three starts, as a ratio to a bare PySide6
window's first paint measured in the same run by the Python running this script (when it has
PySide6). `--headless` skips the window. The clinic key goes to the system keyring when it has a
secure backend (Windows Credential Manager); elsewhere set CLINICGUARD_PASSPHRASE. Exits non-zero on
any failure.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = ".exe" if os.name == "nt" else ""
STARTS = 3
BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1200, 800)
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""


def run(cmd: list[str], env: dict[str, str], timeout: float = 120) -> str:
    shown = ["-c", "<bare PySide6 window>"] if "-c" in cmd else cmd[1:]
    print("$", " ".join(shown) or cmd[0], flush=True)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"FAILED (exit {done.returncode}): {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Median wall time of STARTS runs of `cmd` (each must succeed)."""
    times = []
    for _ in range(STARTS):
        start = time.perf_counter()
        run(cmd, env, timeout=120)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def backup_round_trip(cli: Path, common: list[str], tmp: Path, env: dict[str, str], status: dict) -> None:
    """backup create and verify, then restore into a new folder with only the file and the recovery key."""
    (tmp / "backups").mkdir()  # the manager's USB drive: it must exist, ClinicGuard never creates it
    run([str(cli), "backup", "create", *common, "--as", "Gérante", "--to", str(tmp / "backups")], env)
    made = sorted((tmp / "backups").glob("*.cgbackup.age"))
    if len(made) != 1:
        raise SystemExit(f"FAILED: backup create left {len(made)} backup files")
    run([str(cli), "backup", "verify", *common, "--as", "Gérante", str(made[0])], env)
    sheet = (tmp / "recovery.txt").read_text(encoding="utf-8")
    key = re.search(r"AGE-SECRET-KEY-1[0-9A-Z]+", sheet)
    if key is None:
        raise SystemExit("FAILED: no recovery key on the recovery sheet")
    restored = str(tmp / "restored")
    run([str(cli), "backup", "restore", str(made[0]), "--into", restored], dict(env, CLINICGUARD_RECOVERY_KEY=key.group(0)))
    again = json.loads(run([str(cli), "status", "--data-dir", restored, "--json"], env))
    if again.get("overall") != status.get("overall") or again.get("clinic") != status.get("clinic"):
        raise SystemExit(f"FAILED: the restored clinic differs:\n{status}\n{again}")
    run([str(cli), "evidence", "verify", "--data-dir", restored], env)


def main(argv: list[str]) -> int:
    with_gui = "--headless" not in argv
    argv = [a for a in argv if a != "--headless"]
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0])
    cli, gui = folder / f"clinicguard-cli{EXE}", folder / f"ClinicGuard{EXE}"
    for program in (cli, gui):
        if not program.is_file():
            raise SystemExit(f"FAILED: {program} not found")
    env = dict(os.environ, CLINICGUARD_PROFILE_SECRET="smoke-test-secret-7391", PYTHONIOENCODING="utf-8")
    with tempfile.TemporaryDirectory(prefix="clinicguard-smoke-") as tmp:
        data = str(Path(tmp) / "clinic")
        version = run([str(cli), "--version"], env).strip()
        if not version:
            raise SystemExit("FAILED: --version printed nothing")
        common = ["--data-dir", data]
        run([str(cli), "init", *common, "--clinic-name", "Cabinet Smoke", "--structure", "group-practice",
             "--manager", "Gérante", "--recovery-sheet", str(Path(tmp) / "recovery.txt")], env)
        run([str(cli), "checklist", "set", *common, "--as", "Gérante", "GOV-ROLES-01", "compliant",
             "--comment", "smoke test"], env)
        status = json.loads(run([str(cli), "status", *common, "--json"], env))
        if not status:
            raise SystemExit("FAILED: status --json returned nothing")
        proof = Path(tmp) / "charte-informatique.txt"
        proof.write_text("Charte informatique du cabinet (test)\n", encoding="utf-8")
        run([str(cli), "evidence", "add", *common, "--as", "Gérante", str(proof), "--item", "GOV-ROLES-01"], env)
        run([str(cli), "evidence", "verify", *common], env)
        # The report's layout (resources/reports/report.typ) and Typst's native module must be in
        # the build; the pack needs pyzipper's AES.
        report = Path(tmp) / "rapport.pdf"
        run([str(cli), "report", "pdf", *common, "--as", "Gérante", "--out", str(report)], env)
        if not report.read_bytes().startswith(b"%PDF-") or b"pdfaid:part" not in report.read_bytes():
            raise SystemExit("FAILED: the report is not a PDF/A file")
        pack = Path(tmp) / "dossier.zip"
        run([str(cli), "report", "pack", *common, "--as", "Gérante", "--out", str(pack), "--encrypt"],
            dict(env, CLINICGUARD_PACK_PASSWORD="smoke-pack-password-2718"))
        if not pack.is_file():
            raise SystemExit("FAILED: the inspection pack was not written")
        backup_round_trip(cli, common, Path(tmp), env, status)

        if not with_gui:
            print(f"smoke test passed (headless commands and backup round trip): {version}")
            return 0
        gui_env = dict(env, CLINICGUARD_SMOKE_EXIT_AFTER_PAINT="1")
        gui_env.setdefault("QT_QPA_PLATFORM", "offscreen" if os.name != "nt" else "windows")
        started = timed([str(gui), "--demo"], gui_env)
        try:
            import PySide6  # noqa: F401  (only for the baseline)
        except ImportError:
            baseline = None
        else:
            baseline = timed([sys.executable, "-c", BARE_WINDOW], gui_env)
    ratio = f", {started / baseline:.1f}x a bare PySide6 window ({baseline:.2f} s)" if baseline else ""
    print(f"smoke test passed: {version}; frozen window on the demo clinic painted in {started:.2f} s (median of {STARTS}){ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
