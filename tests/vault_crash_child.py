"""Helper process for test_vault_crash.py: forks children that add files to the vault until killed.

It keeps the clinic key in a file-backed test keyring, because an in-memory keyring does not
survive the process; real clinics use the OS credential store.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend

from clinicguard.core.catalogue import load_catalogue
from clinicguard.core.workspace import Workspace
from clinicguard.model.people import Actor, Role


class FileKeyring(KeyringBackend):
    """A test keyring kept in a JSON file, shared by the test and its child processes."""

    priority = 1

    def __init__(self, path: Path | None = None):
        super().__init__()
        self._path = path

    @property
    def path(self) -> Path:
        # keyring instantiates every backend class while it looks for one: read the env late.
        return Path(self._path or os.environ["CLINICGUARD_TEST_KEYRING"])

    def _load(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        secrets = self._load()
        secrets[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(secrets))

    def delete_password(self, service, username):
        secrets = self._load()
        secrets.pop(f"{service}/{username}", None)
        self.path.write_text(json.dumps(secrets))


def ingest_forever(data_dir: Path, seed: int) -> None:
    catalogue = load_catalogue(Path(__file__).parent / "data" / "catalogue_small.toml")
    ws = Workspace.open(data_dir, catalogue=catalogue)
    ws.keys.unlock()
    actor = Actor(1, "Claire Martin", Role.MANAGER)
    vault = ws.vault
    items = [item.id for item in catalogue.items]
    rng = random.Random(seed)
    source = data_dir.parent / f"source-{seed}.bin"
    print(f"ready {os.getpid()}", flush=True)
    while True:
        source.write_bytes(rng.randbytes(rng.choice([0, 1, 1000, 65536, 70000, 150000])))
        vault.add(actor, source, original_name=f"piece-{rng.randrange(10**6)}.pdf", items=rng.sample(items, 1))


def main(data_dir: str) -> None:
    """Fork one fresh ingest process per seed read on stdin.

    Forking an interpreter that has already imported the project keeps each of the test's many
    kill cycles fast; every child still opens the workspace from scratch, as a restarted
    application would.
    """
    keyring.set_keyring(FileKeyring())
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                ingest_forever(Path(data_dir), int(line))
            finally:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        print(f"ended {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
