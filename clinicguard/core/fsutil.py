"""Writing files so that a crash or a full disk never leaves a half-written file in place."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

# Windows-only paths are taken on this flag, which tests set to run them on any system with the
# operating-system call patched at its boundary.
WINDOWS = os.name == "nt"

# os.open opens in text mode on Windows unless told otherwise: every "\n" written would become
# "\r\n". Every os.open of a file passes this (tests/test_binary_open.py checks it).
BINARY = getattr(os, "O_BINARY", 0)


# Most file systems (ext4, NTFS in UTF-16 units, APFS) limit one name to 255 bytes or units; UTF-8
# bytes are the stricter count, so names are measured in them.
MAX_NAME_BYTES = 255
_TEMP_RANDOM = 8  # the characters tempfile.mkstemp adds


def fit_bytes(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` bytes of UTF-8, never in the middle of a character."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def fsync_dir(folder: Path) -> None:
    """Make a rename durable on POSIX; Windows has no directory handles to sync."""
    if WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(src: Path, dst: Path, attempts: int = 20) -> None:
    """os.replace, retried briefly on Windows sharing violations (antivirus, indexer)."""
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if not WINDOWS or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


class Reservations(Protocol):
    """Where temporary files in user folders are recorded before they exist (core/pending.py)."""

    def reserve(self, final: Path, suffix: str) -> Path: ...
    def release(self, temp: Path) -> None: ...


@contextmanager
def atomic_path(path: Path, suffix: str = ".part", pending: Reservations | None = None) -> Iterator[Path]:
    """Yield a temporary path next to `path` for the caller to fill; on success fsync it and move it
    into place. On any error the temporary file is removed and `path` is left as it was.

    With `pending` (a file outside the data folder), the temporary name is recorded before the file
    is created, so that the next start removes it if a kill skips the cleanup here."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if pending is not None:
        tmp = pending.reserve(path, suffix)
    else:
        # The temporary name (".NAME.XXXXXXXX.part") must fit the file system's limit too.
        room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - _TEMP_RANDOM - 2
        fd, tmp_name = tempfile.mkstemp(prefix=f".{fit_bytes(path.name, room)}.", suffix=suffix, dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
    try:
        yield tmp
        # Reopened for writing because Windows refuses to fsync a read-only handle.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if pending is not None:
            pending.release(tmp)


@contextmanager
def atomic_output(path: Path, suffix: str = ".part", pending: Reservations | None = None) -> Iterator[BinaryIO]:
    """Yield a temporary file next to `path` to write into; see `atomic_path`."""
    with atomic_path(path, suffix, pending) as tmp, open(tmp, "wb") as fh:
        yield fh


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)


def atomic_write_with(path: Path, writer: Callable[[Path], None], suffix: str = ".part",
                      pending: Reservations | None = None) -> None:
    """Let `writer` produce a file at a temporary path (e.g. openpyxl's save), then move it into place.

    The temporary name keeps `path`'s extension, which some writers look at."""
    path = Path(path)
    with atomic_path(path, suffix + path.suffix, pending) as tmp:
        writer(tmp)
