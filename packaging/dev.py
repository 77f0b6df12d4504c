"""Run ClinicGuard or its tests from a source checkout, on a fresh machine.

    python3 packaging/dev.py --demo     open the application on a demo clinic
    python3 packaging/dev.py test       run the test suite
    python3 packaging/dev.py ARGS...    any clinicguard command (init, status, ...)

The first run makes a virtual environment in .venv and installs the locked dependencies
(requirements.lock); later runs reinstall only when the lock file changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".clinicguard-lock-sha256"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    python = venv_python()
    if not python.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing the locked dependencies ...", flush=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
        subprocess.run(pip + ["-r", str(LOCK)], check=True)
        subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
        STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    python = ensure_environment()
    if argv[:1] == ["test"]:
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        return subprocess.run([str(python), "-m", "pytest", *argv[1:]], cwd=ROOT, env=env).returncode
    return subprocess.run([str(python), "-m", "clinicguard", *argv], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
