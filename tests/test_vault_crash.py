"""SIGKILL during ingest, many times: after each restart the vault is consistent and nothing is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pyrage
import pytest

from clinicguard.model.evidence import Integrity
from clinicguard.core.workspace import Workspace
from clinicguard.store.db import quick_check
from tests.conftest import MANAGER, MANAGER_SECRET
from tests.vault_crash_child import FileKeyring

HELPER = Path(__file__).with_name("vault_crash_child.py")
KILLS = 50

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX-only")


def test_sigkill_during_ingest_leaves_a_consistent_vault(tmp_path, small_catalogue, monkeypatch):
    store = tmp_path / "keyring.json"
    monkeypatch.setenv("CLINICGUARD_TEST_KEYRING", str(store))
    keyring.set_keyring(FileKeyring(store))
    data_dir = tmp_path / "clinic"
    ws, recovery = Workspace.create(data_dir, clinic_name="Crash", structure="group-practice",
                                    manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    ws.close()
    recovery_identity = pyrage.x25519.Identity.from_str(recovery)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    # The kills land within a few ingests of one typical file: measured here, now, so that a loaded
    # machine gets proportionally longer runs between kills.
    one_add = _time_one_add(small_catalogue, tmp_path)
    rng = random.Random(50)
    counts = {"rows": 0, "quarantined": 0, "parts": 0}
    helper = subprocess.Popen([sys.executable, str(HELPER), str(data_dir)], env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, cwd=tmp_path)
    try:
        for attempt in range(KILLS):
            helper.stdin.write(f"{attempt}\n".encode())
            helper.stdin.flush()
            ready = helper.stdout.readline().split()
            assert ready and ready[0] == b"ready", ready
            time.sleep(rng.uniform(0.0, max(0.1, 6 * one_add)))
            os.kill(int(ready[1]), signal.SIGKILL)
            assert helper.stdout.readline().strip() == f"ended {-signal.SIGKILL}".encode()
            check_after_restart(data_dir, small_catalogue, recovery_identity, counts)
    finally:
        helper.kill()
        helper.wait()
    assert counts["rows"] > KILLS  # the kills really landed in ingest loops that made progress
    print(f"{KILLS} kills, {counts['rows']} files kept, {counts['quarantined']} orphan blobs quarantined, "
          f"{counts['parts']} partial files removed")


def _time_one_add(catalogue, tmp_path) -> float:
    """Seconds to add one 64 KiB file (the ingest loop's typical size) on this machine right now,
    in a clinic of its own so that the tested vault starts empty."""
    ws, _ = Workspace.create(tmp_path / "calibration", clinic_name="Calibration", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=catalogue)
    manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    source = tmp_path / "calibration.bin"
    source.write_bytes(os.urandom(65536))
    start = time.perf_counter()
    ws.vault.add(manager, source, items=[catalogue.items[0].id])
    elapsed = time.perf_counter() - start
    ws.close()
    return elapsed


def check_after_restart(data_dir, catalogue, recovery_identity, counts) -> None:
    """The restarted application's view: database fine, no *.part, every row decrypts, orphans quarantined."""
    reopened = Workspace.open(data_dir, catalogue=catalogue)
    vault = reopened.vault
    report = vault.check()
    assert quick_check(reopened.db) and report.database_ok
    assert report.missing == ()
    assert not list(vault.folder.glob("*.part"))
    on_disk = {p.name[: -len(".age")] for p in vault.folder.glob("*.age")}
    assert on_disk == vault.store.blob_names()
    # A quarantined blob is never half-written: a crash leaves nothing or a complete blob.
    for name in report.quarantined:
        with open(vault.quarantine_folder / name, "rb") as src:
            with open(os.devnull, "wb") as sink:
                pyrage.decrypt_io(src, sink, [recovery_identity])
    counts["quarantined"] += len(report.quarantined)
    counts["parts"] += len(report.parts_removed)
    verification = vault.verify()
    assert all(f.state is Integrity.INTACT for f in verification.files)
    assert verification.ok
    assert reopened.audit.verify().ok
    added = len(reopened.audit.search(kind="evidence.add"))
    assert added == len(vault.store.all()) >= counts["rows"]
    counts["rows"] = added
    reopened.close()
