"""Ingest locks: a running ingest protects its files from another process's start-up check.

Each blob being written has a `<blob>.lock` file held with an OS lock (flock, or msvcrt on
Windows) until its row is committed; the check leaves alone the files whose lock is held.
"""

from __future__ import annotations

import os
from pathlib import Path

from clinicguard.core.fsutil import BINARY
from clinicguard.core.vault.errors import VaultError
from clinicguard.i18n import tr

# Windows-only paths are taken on this flag, which tests set to run them on any system with the
# operating-system call patched at its boundary.
WINDOWS = os.name == "nt"

if WINDOWS:
    import msvcrt
else:
    import fcntl


def _try_lock(fd: int) -> bool:
    try:
        if WINDOWS:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        if WINDOWS:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


class IngestLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | BINARY, 0o600)
        if not _try_lock(self._fd):  # a random 128-bit id: nobody else can hold it
            os.close(self._fd)
            raise VaultError(tr("The vault file {name} is in use.", name=path.name))

    def release(self) -> None:
        if self._fd is None:
            return
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None
        self.path.unlink(missing_ok=True)


def held_by_another_ingest(lock_path: Path) -> bool:
    if not lock_path.exists():
        return False
    try:
        fd = os.open(lock_path, os.O_RDWR | BINARY)
    except OSError:
        return True  # Windows: still open elsewhere
    try:
        if _try_lock(fd):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)
