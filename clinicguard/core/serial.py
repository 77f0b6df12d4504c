"""Ordered background work: one thread that runs calls in the order they were submitted.

A backup writes, hashes and encrypts the same bytes; each of those steps lets go of the GIL
(file writes, hashlib on large blocks, OpenSSL's ChaCha20-Poly1305), so on a two-core clinic PC
they overlap when two of them run on such a thread. Measured on a 256 MiB vault: the file writes
alone took half of a backup's time when they ran in line (bench_backup.py, issue 11).

The queue is bounded (`backlog` calls), so memory stays at a few blocks whatever the size; the
first error of a background call is raised in the caller at its next `submit` or at `drain`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import BinaryIO, Self

_STOP = object()


class Serial:
    def __init__(self, name: str, backlog: int = 4):
        self._queue: queue.Queue = queue.Queue(maxsize=backlog)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if self._error is None and not self._abandoned:  # after a failure the rest is skipped
                    fn, args = item
                    fn(*args)
            except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread)
                self._error = exc
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._abandoned = True
            raise error

    def submit(self, fn: Callable, *args) -> None:
        self._raise()
        self._queue.put((fn, args))

    def drain(self) -> None:
        """Wait until everything submitted has run; raise the first error."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Stop the thread once what was submitted has run (or been skipped after an error)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, *_) -> None:
        try:
            if exc_type is None:
                self.drain()
        finally:
            if exc_type is not None:
                self._abandoned = True  # the caller failed: what is still queued is skipped
            self.close()


class BackgroundWriter:
    """A write-only file object whose writes happen on a Serial thread (`data` must not change
    after it is written: bytes, not a reused buffer); `written(n)`, when given, is called on that
    thread once `n` more bytes are in the file."""

    def __init__(self, raw: BinaryIO, serial: Serial, written: Callable[[int], None] | None = None):
        self._raw, self._serial, self._written = raw, serial, written

    def _write(self, data) -> None:
        view = memoryview(data)
        while len(view):  # an unbuffered file may take part of a block
            view = view[self._raw.write(view):]
        if self._written is not None:
            self._written(len(data))

    def write(self, data) -> int:
        self._serial.submit(self._write, data)
        return len(data)

    def flush(self) -> None:
        self._serial.drain()
