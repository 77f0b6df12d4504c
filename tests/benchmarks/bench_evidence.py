"""Benchmark: adding a large file as evidence (the whole `vault.add`: hashing, encryption, fsync,
the database record) against pyrage encrypting the same file to the same two recipients and
fsyncing it, in the same run.

Run: .venv/bin/python tests/benchmarks/bench_evidence.py [--size-mib 1024] [--repeat 3] [--dir DIR]
          [--before DIR]
Samples interleaved, best of each (other load on the machine only ever slows a sample down).
With --before DIR (a checkout of another version), the add also runs with that version's code, in a
child process per sample. Target (issue 18): throughput at least 0.9x the raw encryption.
Prints ratios only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ADD = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, os.getcwd())
import keyring
from keyring.backend import KeyringBackend

class Memory(KeyringBackend):
    priority = 1
    kept = {}
    def get_password(self, s, u): return self.kept.get((s, u))
    def set_password(self, s, u, p): self.kept[(s, u)] = p
    def delete_password(self, s, u): self.kept.pop((s, u), None)

keyring.set_keyring(Memory())
from clinicguard.core.catalogue import load_catalogue
from clinicguard.core.workspace import Workspace
source, folder, catalogue = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ws, _ = Workspace.create(folder, clinic_name="Bench", structure="group-practice", manager_name="Claire Martin",
                         manager_secret="Secret-Manager-2026", catalogue=load_catalogue(catalogue))
actor = ws.people.sign_in("Claire Martin", "Secret-Manager-2026")
start = time.perf_counter()
ws.vault.add(actor, source)
print(time.perf_counter() - start)
ws.close()
"""

RAW = """
import os, sys, time
import pyrage
source, out = sys.argv[1], sys.argv[2]
recipients = [pyrage.x25519.Identity.generate().to_public() for _ in range(2)]
start = time.perf_counter()
with open(source, "rb") as src, open(out, "wb") as dst:
    pyrage.encrypt_io(src, dst, recipients)
    dst.flush()
    os.fsync(dst.fileno())
print(time.perf_counter() - start)
"""


def run(code: str, cwd: Path, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where to write the files (default: a temporary folder)")
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    args = parser.parse_args()
    catalogue = str(ROOT / "tests" / "data" / "catalogue_small.toml")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        source = tmp / "scan.bin"
        with open(source, "wb") as fh:
            block = os.urandom(1 << 20)
            fh.writelines(block for _ in range(args.size_mib))
        samples: dict[str, list[float]] = {"raw": [], "add": [], "before": []}
        for n in range(args.repeat):
            samples["raw"].append(run(RAW, ROOT, str(source), str(tmp / "raw.age")))
            (tmp / "raw.age").unlink()
            samples["add"].append(run(ADD, ROOT, str(source), str(tmp / f"clinic{n}"), catalogue))
            if args.before is not None:
                samples["before"].append(run(ADD, args.before, str(source), str(tmp / f"before{n}"), catalogue))
    raw, add = min(samples["raw"]), min(samples["add"])
    mib = args.size_mib
    print(f"file: {mib} MiB")
    print(f"raw pyrage encrypt + fsync: {raw:.2f} s ({mib / raw:.0f} MiB/s)")
    print(f"evidence add (vault.add):   {add:.2f} s ({mib / add:.0f} MiB/s)")
    print(f"throughput ratio to raw: {raw / add:.2f}x (target: at least 0.9x)")
    if samples["before"]:
        before = min(samples["before"])
        print(f"before: {before:.2f} s, throughput ratio {raw / before:.2f}x")


if __name__ == "__main__":
    main()
