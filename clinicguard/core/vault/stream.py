"""The metered age stream: encrypt or decrypt a file of any size with constant memory, hashing the
plaintext as it goes by, reporting progress and stopping when the user cancels."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

import pyrage

from clinicguard.core.vault.errors import OperationCancelled, VaultError
from clinicguard.i18n import tr

# Report progress about once per MiB: a signal per read would flood the GUI's event loop.
PROGRESS_STEP = 1 << 20

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class Meter:
    """Hashes the plaintext as it streams by, reports progress, and stops when asked.

    The hash runs inline, except for an encryption (`hash_in_background`): there the source comes
    in 1 MiB blocks, and hashlib releases the GIL for a block that large, so a thread of its own
    hashes beside pyrage's encryption. (Fed 8 KiB at a time, a hashing thread was measured slower:
    4.1 s against 3.7 s per GiB.)
    """

    BACKLOG = 4  # blocks waiting for the hashing thread, at most (4 MiB)

    def __init__(self, progress: Progress | None, cancelled: Cancelled | None, total: int, done: int = 0):
        self._sha = hashlib.sha256()
        self.size = 0
        self._progress, self._cancelled = progress, cancelled
        self._total, self._base, self._reported = total, done, done
        self.was_cancelled = False
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()

    def hash_in_background(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-hash")

    def join(self) -> None:
        """Wait until every block fed so far is hashed."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
            self._pending.clear()

    def feed(self, data: bytes) -> None:
        if self._cancelled is not None and self._cancelled():
            self.was_cancelled = True
            # pyrage turns this into an I/O error; `was_cancelled` tells the caller why.
            raise OperationCancelled(tr("Cancelled."))
        if self._pool is None:
            self._sha.update(data)
        else:  # one worker: the blocks are hashed in the order they were read
            self._pending.append(self._pool.submit(self._sha.update, data))
            while len(self._pending) > self.BACKLOG:
                self._pending.popleft().result()
        self.size += len(data)
        done = self._base + self.size
        if self._progress is not None and done - self._reported >= PROGRESS_STEP:
            self._reported = done
            self._progress(done, max(self._total, done))

    def hexdigest(self) -> str:
        self.join()
        return self._sha.hexdigest()

    def finish(self) -> None:
        if self._progress is not None:
            done = self._base + self.size
            self._progress(done, max(self._total, done))


# The source is read, hashed and checked for a cancel 1 MiB at a time; pyrage's 8 KiB reads are
# served from that block. Per 8 KiB read (131,072 per GiB) the hash call, the cancel check and the
# system call each cost more than the slice that replaces them (bench_evidence.py, issue 18).
READ_BLOCK = 1 << 20


class _MeteredReader:
    def __init__(self, raw: BinaryIO, meter: Meter):
        self._raw, self._meter = raw, meter
        self._block, self._pos = memoryview(b""), 0

    def _next_block(self, size: int = READ_BLOCK) -> bool:
        data = self._raw.read(size)
        if not data:
            return False
        self._meter.feed(data)
        self._block, self._pos = memoryview(data), 0
        return True

    def read(self, n: int = -1) -> bytes:
        if self._pos >= len(self._block) and not self._next_block():
            return b""
        if n is None or n < 0:  # the rest of the file
            rest = [self._block[self._pos:].tobytes()]
            while self._next_block():
                rest.append(self._block.tobytes())
            self._pos = len(self._block)
            return b"".join(rest)
        end = min(self._pos + n, len(self._block))
        piece = self._block[self._pos:end].tobytes()
        self._pos = end
        return piece


class _MeteredWriter:
    """Writes the plaintext through the meter; with no file, only counts and hashes (verify)."""

    def __init__(self, raw: BinaryIO | None, meter: Meter):
        self._raw, self._meter = raw, meter

    def write(self, data) -> int:
        self._meter.feed(data)
        if self._raw is not None:
            self._raw.write(data)
        return len(data)

    def flush(self) -> None:
        if self._raw is not None:
            self._raw.flush()


def encrypt(source: BinaryIO, out: BinaryIO, recipients: Sequence[pyrage.x25519.Recipient], meter: Meter) -> None:
    """Encrypt `source` into `out` as an age v1 file; raises OperationCancelled or VaultError."""
    meter.hash_in_background()
    try:
        pyrage.encrypt_io(_MeteredReader(source, meter), out, list(recipients))
    except (pyrage.EncryptError, OSError, ValueError) as exc:
        meter.join()
        if meter.was_cancelled:
            raise OperationCancelled(tr("Adding the file was cancelled; nothing was kept.")) from None
        raise VaultError(tr("The file could not be encrypted: {error}", error=exc)) from None
    meter.join()


def decrypt(src: BinaryIO, out: BinaryIO | None, identity: pyrage.x25519.Identity, meter: Meter) -> bool:
    """Decrypt `src` into `out` (or nowhere); False if the blob does not decrypt (damaged, foreign).

    The caller still compares `meter.size` and `meter.hexdigest()` with the record: a blob that
    decrypts may be another evidence's.
    """
    try:
        pyrage.decrypt_io(src, _MeteredWriter(out, meter), [identity])
    except (pyrage.DecryptError, OSError, ValueError):
        if meter.was_cancelled:
            raise OperationCancelled(tr("Cancelled.")) from None
        return False
    return True
