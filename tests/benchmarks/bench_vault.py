"""Benchmark: adding a 1 GiB file to the vault against a plain copy, and peak memory at 10 MiB and 1 GiB.

Run: .venv/bin/python tests/benchmarks/bench_vault.py [--size-mib 1024] [--dir DIR]
Each add runs in its own process, so its peak RSS (getrusage RUSAGE_CHILDREN) is its own.
Targets (issue 6): throughput at least 0.5x a plain copy; peak memory less than 32 MiB apart.
Prints ratios only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: the project and its tests

import keyring  # noqa: E402

from clinicguard.core.catalogue import load_catalogue  # noqa: E402
from clinicguard.core.workspace import Workspace  # noqa: E402
from clinicguard.model.people import Actor, Role  # noqa: E402
from tests.vault_crash_child import FileKeyring  # noqa: E402

MIB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    chunk = os.urandom(4 * MIB)
    with open(path, "wb") as fh:
        remaining = size
        while remaining:
            n = min(remaining, len(chunk))
            fh.write(chunk[:n])
            remaining -= n


def child(data_dir: str, source: str) -> None:
    """Add one file in a fresh process and report the time spent in Vault.add."""
    keyring.set_keyring(FileKeyring())
    ws = Workspace.open(Path(data_dir), catalogue=load_catalogue(ROOT / "tests" / "data" / "catalogue_small.toml"))
    ws.keys.unlock()
    vault = ws.vault
    start = time.perf_counter()
    ev = vault.add(Actor(1, "Bench", Role.MANAGER), Path(source))
    elapsed = time.perf_counter() - start
    ws.close()
    print(json.dumps({"seconds": elapsed, "size": ev.size,
                      "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def run_add(data_dir: Path, source: Path) -> tuple[dict, int]:
    out = subprocess.run([sys.executable, __file__, "--child", str(data_dir), str(source)], check=True,
                         capture_output=True, text=True, env=os.environ).stdout
    # ru_maxrss of RUSAGE_CHILDREN is the largest of all children waited for so far: run small first.
    return json.loads(out.strip().splitlines()[-1]), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--child", nargs=2, metavar=("DATA_DIR", "SOURCE"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    work = Path(tempfile.mkdtemp(prefix="bench-vault-", dir=args.dir))
    os.environ["CLINICGUARD_TEST_KEYRING"] = str(work / "keyring.json")
    keyring.set_keyring(FileKeyring())
    try:
        ws, _ = Workspace.create(work / "clinic", clinic_name="Bench", structure="group-practice",
                                 manager_name="Bench", manager_secret="Bench-Secret-2026!",
                                 catalogue=load_catalogue(ROOT / "tests" / "data" / "catalogue_small.toml"))
        ws.close()
        small, big = work / "small.bin", work / "big.bin"
        make_file(small, 10 * MIB)
        make_file(big, args.size_mib * MIB)

        small_add, small_rss = run_add(work / "clinic", small)
        # Two rounds, best of each; os.sync() first so neither run pays for the other's dirty pages.
        # The source is in the page cache for both. The plain copy does not fsync; the vault does.
        copy_seconds = synced_copy_seconds = float("inf")
        big_add = None
        for _ in range(2):
            (work / "copy.bin").unlink(missing_ok=True)
            os.sync()
            start = time.perf_counter()
            shutil.copyfile(big, work / "copy.bin")
            copy_seconds = min(copy_seconds, time.perf_counter() - start)
            with open(work / "copy.bin", "rb+") as fh:
                os.fsync(fh.fileno())
            synced_copy_seconds = min(synced_copy_seconds, time.perf_counter() - start)
            os.sync()
            result, big_rss = run_add(work / "clinic", big)
            if big_add is None or result["seconds"] < big_add["seconds"]:
                big_add = result
        size = big.stat().st_size
        copy_rate, add_rate = size / copy_seconds / MIB, size / big_add["seconds"] / MIB
        print(f"file size                : {args.size_mib} MiB")
        synced_rate = size / synced_copy_seconds / MIB
        print(f"plain copy (copyfile)    : {copy_seconds:6.2f} s  {copy_rate:7.1f} MiB/s")
        print(f"copy then fsync          : {synced_copy_seconds:6.2f} s  {synced_rate:7.1f} MiB/s")
        print(f"vault add (encrypt+fsync): {big_add['seconds']:6.2f} s  {add_rate:7.1f} MiB/s")
        print(f"throughput ratio         : {add_rate / copy_rate:.2f}x of a plain copy (target >= 0.5x), "
              f"{add_rate / synced_rate:.2f}x of a copy made durable")
        print(f"peak RSS, 10 MiB add     : {small_rss / 1024:6.1f} MiB (child's own: {small_add['self_maxrss_kib'] / 1024:.1f})")
        print(f"peak RSS, {args.size_mib} MiB add   : {big_rss / 1024:6.1f} MiB (child's own: {big_add['self_maxrss_kib'] / 1024:.1f})")
        print(f"difference               : {(big_rss - small_rss) / 1024:6.1f} MiB (target < 32 MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
