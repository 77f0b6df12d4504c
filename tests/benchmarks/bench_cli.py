"""Benchmark: how long the commands take from the shell, against `python -c "import sqlite3"`
measured in the same run (the cost of starting Python at all).

Run: .venv/bin/python tests/benchmarks/bench_cli.py [--repeat 9] [--actions 10000] [--before DIR]
With --before DIR (a checkout of another version, e.g. `git archive main | tar -x -C DIR`), each
command also runs from DIR in the same rounds, to print before -> after side by side.
Each command runs in a fresh process, as a script or a user would run it; the samples are
interleaved with the baseline's so that other load on the machine hits both alike; medians.
Targets (issue 18): `--version` at most 3x; `status --json` at most 8x on a small clinic (the demo)
and at most 15x with 10,000 actions and 20,000 budget lines. Prints ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring

from tests.benchmarks.clinics import build_clinic
from tests.conftest import MemoryKeyring

BASELINE = [sys.executable, "-c", "import sqlite3"]


def child_env(log_dir: str) -> dict:
    """As installed: compiled modules are kept (.pyc), so a start does not compile every module."""
    env = dict(os.environ, CLINICGUARD_LOG_DIR=log_dir, CLINICGUARD_LANG="fr")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(cmd: list[str], env: dict, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], env: dict, repeat: int, before: Path | None) -> dict[str, float]:
    """Median seconds of each command (and of the baseline), samples interleaved; with `before`,
    also of each command run from that checkout (key "before: NAME")."""
    runs = {name: (cmd, ROOT) for name, cmd in commands.items()}
    if before is not None:
        runs.update({f"before: {name}": (cmd, before) for name, cmd in commands.items()})
    samples: dict[str, list[float]] = {"baseline": [], **{k: [] for k in runs}}
    run_once(BASELINE, env)
    for cmd, cwd in runs.values():
        run_once(cmd, env, cwd)  # warm the file cache (and write the .pyc files) once
    for _ in range(repeat):
        samples["baseline"].append(run_once(BASELINE, env))
        for name, (cmd, cwd) in runs.items():
            samples[name].append(run_once(cmd, env, cwd))
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    from clinicguard.core.demo import create_demo

    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        small, *_ = create_demo(Path(tmp) / "demo")
        small.close()
        big, _ = build_clinic(Path(tmp) / "big", args.actions)
        big.close()
        clinicguard = [sys.executable, "-m", "clinicguard"]
        commands = {
            "--version": [*clinicguard, "--version"],
            "status --json, demo clinic": [*clinicguard, "status", "--json", "--data-dir", str(Path(tmp) / "demo")],
            f"status --json, {args.actions} actions": [*clinicguard, "status", "--json", "--data-dir",
                                                       str(Path(tmp) / "big")],
        }
        figures = measure(commands, env, args.repeat, args.before)
    targets = {"--version": 3, "status --json, demo clinic": 8}
    base = figures["baseline"]
    print(f"baseline (python -c 'import sqlite3'): {base * 1000:.0f} ms")
    for name in commands:
        target = targets.get(name, 15)
        ratio = figures[name] / base
        was = ""
        if args.before is not None:
            was = f"  (before: {figures['before: ' + name] * 1000:.0f} ms, {figures['before: ' + name] / base:.1f}x)"
        print(f"{name:34s} {figures[name] * 1000:7.0f} ms  ratio {ratio:5.1f}x  (target: at most {target}x){was}")


if __name__ == "__main__":
    main()
