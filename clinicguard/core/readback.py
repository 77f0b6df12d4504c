"""Reading a file back while it is still being written, never past what is already on disk.

A backup must be synced and then read back in full before it gets its final name (issue 11).
Done one after the other, the read-back doubles the work's length; here it follows the writer
instead: the reader asks for the next bytes, the file is synced (fdatasync) up to what has been
written, at least `segment` bytes at a time, and only synced bytes are handed to the reader. Each
byte is still read back after it is on disk; the last part is synced by the writer's final
`fsync`, after which `finish()` lets the reader read to the end.

The writer's thread calls `wrote(n)` after each write; the reader's thread reads through a
`FollowingReader`; the owner calls `finish()` once the file is complete and synced, or `abort()`
to stop the reader (which then raises `Aborted` from its pending or next read).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import BinaryIO

SEGMENT = 32 << 20  # bytes synced at a time: a few dozen syncs for a 1 GiB file

_datasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)  # Windows: FlushFileBuffers


class Aborted(Exception):
    """The writer gave up: there is nothing more to read back."""


class Landing:
    """How far a file being written is written and synced. `fd` is the writer's descriptor (a
    read-only one cannot be synced on Windows); it must stay open until the reader has stopped."""

    def __init__(self, fd: int, segment: int = SEGMENT, sync: Callable[[int], None] | None = None):
        self._fd, self._segment = fd, segment
        self._sync = sync or (lambda fd: _datasync(fd))
        self._cond = threading.Condition()
        self.written = 0
        self.synced = 0
        self.final: int | None = None  # the complete size, once it is all written and synced
        self._aborted = False
        self._syncing = False
        self.sync_error: OSError | None = None  # a sync that failed (a full or vanished drive): the writer's problem

    def wrote(self, n: int) -> None:
        with self._cond:
            self.written += n
            self._cond.notify_all()

    def finish(self) -> None:
        """Everything is written and synced by the writer."""
        with self._cond:
            self.final = self.synced = self.written
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._cond.notify_all()

    def synced_to(self, upto: int) -> int:
        """Block until the first `upto` bytes are on disk, or the file is complete; return how far
        the file is synced (the whole file once complete, whatever `upto`)."""
        with self._cond:
            while True:
                if self._aborted:
                    raise Aborted
                if self.synced >= upto or self.final is not None:
                    return self.synced
                if not self._syncing and self.written >= max(upto, self.synced + self._segment):
                    target, self._syncing = self.written, True
                    break
                self._cond.wait()
        try:
            self._sync(self._fd)  # outside the lock: the writer goes on meanwhile
        except OSError as exc:
            with self._cond:
                self.sync_error, self._aborted = exc, True
                self._cond.notify_all()
            raise Aborted from exc
        finally:
            with self._cond:
                self._syncing = False
                self.synced = max(self.synced, target)
                self._cond.notify_all()
        return self.synced


class FollowingReader:
    """A read-only file object over `raw` (opened for reading, unbuffered) that never reads past
    what `landing` says is synced, and ends where the complete file ends."""

    def __init__(self, raw: BinaryIO, landing: Landing):
        self._raw, self._landing, self._pos = raw, landing, 0

    def _available(self, n: int) -> int:
        synced = self._landing.synced_to(self._pos + n)
        return max(0, min(n, synced - self._pos))

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(1 << 20):
                parts.append(chunk)
            return b"".join(parts)
        n = self._available(n)
        data = self._raw.read(n) if n else b""
        self._pos += len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        line = bytearray()
        while limit < 0 or len(line) < limit:
            if not self._available(1):
                break
            byte = self._raw.read(1)
            if not byte:
                break
            self._pos += 1
            line += byte
            if byte == b"\n":
                break
        return bytes(line)

    def readable(self) -> bool:
        return True
