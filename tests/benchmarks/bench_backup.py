"""Benchmark: backup create and restore against `tar c | age -r R1 -r R2` and `age -d | tar x` of
the same clinic folder, in the same run, and the peak memory of each for two vault sizes.

Run: .venv/bin/python tests/benchmarks/bench_backup.py [--mib 1024] [--small-mib 10] [--repeat 3]
Needs the `age` and `tar` programs. Each measured step runs in a child process so that its peak
memory (ru_maxrss) is its own; the steps are interleaved and repeated, and the medians printed
(the peak memory: the largest sample). Targets (issue 11): create and restore at most 1.3x their baseline;
peak memory the same within 32 MiB for the small and the large vault. Prints ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import os, sys, keyring
from keyring.backend import KeyringBackend
class K(KeyringBackend):
    priority = 1
    def get_password(self, a, b): return os.environ.get("BENCH_CLINIC_KEY")
    def set_password(self, a, b, c): os.environ["BENCH_CLINIC_KEY"] = c
    def delete_password(self, a, b): pass
keyring.set_keyring(K())
from pathlib import Path
from clinicguard.core import backup
from clinicguard.core.workspace import Workspace
mode = sys.argv[1]
if mode == "setup":
    ws, recovery = Workspace.create(Path(sys.argv[2]), clinic_name="Bench", structure="group-practice",
                                    manager_name="Claire Martin", manager_secret="Secret-Manager-2026")
    m = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
    mib, chunk = int(sys.argv[3]), 16
    src = Path(sys.argv[2]).parent / "src.bin"
    for i in range(max(1, mib // chunk)):
        with open(src, "wb") as f:
            f.write(os.urandom(min(chunk, mib) << 20))
        ws.vault.add(m, src, original_name=f"f{i}.bin")
    src.unlink()
    ws.close()
    print(recovery)
    print(os.environ["BENCH_CLINIC_KEY"])
elif mode == "create":
    ws = Workspace.open(Path(sys.argv[2]))
    m = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
    print(backup.create(ws, m, Path(sys.argv[3])).path)
    ws.close()
elif mode == "restore":
    backup.restore(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
"""


def run(cmd, env=None, shell=False) -> tuple[float, float, str]:
    """(seconds, peak MiB, stdout) of one child process. What earlier steps left to write to the
    disk is written first, so that no step pays for another's (the baselines do not sync theirs)."""
    os.sync()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, shell=shell, stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if status:
        raise SystemExit(f"failed: {cmd}")
    return seconds, usage.ru_maxrss / 1024, out


def bench(mib: int, work: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    clinic = work / f"clinic-{mib}"
    _, _, out = run([sys.executable, "-c", CHILD, "setup", str(clinic), str(mib)], env)
    recovery, clinic_key = out.split()[:2]
    env["BENCH_CLINIC_KEY"] = clinic_key
    (work / "recovery.key").write_text(recovery + "\n")
    r1 = (clinic / "keys" / "clinic.recipient").read_text().strip()
    r2 = (clinic / "keys" / "recovery.recipient").read_text().strip()
    samples: dict[str, list[float]] = {k: [] for k in ("create", "create_base", "restore", "restore_base",
                                                       "create_mem", "restore_mem")}
    for i in range(repeat):  # interleaved, so that a busy moment of the machine hits both sides alike
        dest = work / f"dest-{mib}-{i}"
        dest.mkdir()
        c_s, c_mem, out = run([sys.executable, "-c", CHILD, "create", str(clinic), str(dest)], env)
        made = Path(out.strip())
        b_s, _, _ = run(f"tar c -C '{clinic}' . | age -r {r1} -r {r2} > '{work}/base-{mib}.age'", shell=True)
        restored = work / f"restored-{mib}"
        r_s, r_mem, _ = run([sys.executable, "-c", CHILD, "restore", str(made), str(restored), recovery],
                            {**env, "BENCH_CLINIC_KEY": ""})
        plain = work / f"plain-{mib}"
        plain.mkdir()
        rb_s, _, _ = run(f"age -d -i '{work}/recovery.key' '{made}' | tar x -C '{plain}'", shell=True)
        for key, value in (("create", c_s), ("create_base", b_s), ("restore", r_s), ("restore_base", rb_s),
                           ("create_mem", c_mem), ("restore_mem", r_mem)):
            samples[key].append(value)
        for p in (dest, restored, plain, work / f"base-{mib}.age"):
            shutil.rmtree(p, ignore_errors=True) if Path(p).is_dir() else Path(p).unlink(missing_ok=True)
    shutil.rmtree(clinic, ignore_errors=True)
    result = {k: statistics.median(v) for k, v in samples.items()}
    result["create_mem"], result["restore_mem"] = max(samples["create_mem"]), max(samples["restore_mem"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--small-mib", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="samples of each step (medians are printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = bench(args.small_mib, Path(tmp), args.repeat), bench(args.mib, Path(tmp), args.repeat)
    for name, r in ((f"{args.small_mib} MiB", small), (f"{args.mib} MiB", large)):
        print(f"{name}: create {r['create']:.2f}s vs tar|age {r['create_base']:.2f}s = "
              f"{r['create'] / r['create_base']:.2f}x; restore {r['restore']:.2f}s vs age -d|tar x "
              f"{r['restore_base']:.2f}s = {r['restore'] / r['restore_base']:.2f}x; peak create "
              f"{r['create_mem']:.0f} MiB, restore {r['restore_mem']:.0f} MiB")
    print(f"peak memory large - small: create {large['create_mem'] - small['create_mem']:+.0f} MiB, "
          f"restore {large['restore_mem'] - small['restore_mem']:+.0f} MiB (target within 32 MiB)")


if __name__ == "__main__":
    main()
