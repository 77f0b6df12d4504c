"""The metered age stream: encrypt or decrypt a file of any size with constant memory, hashing the
plaintext as it goes by, reporting progress and stopping when the user cancels."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from clinicguard.core import agefile
from clinicguard.core.serial import BackgroundWriter, Serial
from clinicguard.core.vault.errors import OperationCancelled, VaultError
from clinicguard.i18n import tr

# Report progress about once per MiB: a signal per read would flood the GUI's event loop.
PROGRESS_STEP = 1 << 20

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class Meter:
    """Hashes the plaintext as it streams by, reports progress, and stops when asked.

    The hash runs inline, or on a thread of its own (`hash_in_background`): the data comes in
    blocks of about 1 MiB, and hashlib releases the GIL for a block that large, so the hash runs
    beside the encryption or decryption. (Fed 8 KiB at a time, a hashing thread was measured
    slower: 4.1 s against 3.7 s per GiB.)
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


# The source is read, hashed and checked for a cancel 1 MiB at a time.
READ_BLOCK = 1 << 20


def encrypt(source: BinaryIO, out: BinaryIO, recipients: Sequence, meter: Meter) -> None:
    """Encrypt `source` into `out` as an age v1 file; raises OperationCancelled or VaultError.

    Three things overlap on a two-core PC: the plaintext is hashed on the meter's thread, the
    ciphertext written on another, and encrypted on this one (core/agefile.py; bench_evidence.py).
    """
    meter.hash_in_background()
    try:
        with Serial("evidence-write") as writing:
            enc = agefile.Encryptor(BackgroundWriter(out, writing), recipients)
            while block := source.read(READ_BLOCK):
                meter.feed(block)
                enc.write(block)
            enc.close()
            writing.drain()
    except OperationCancelled:
        meter.join()
        raise OperationCancelled(tr("Adding the file was cancelled; nothing was kept.")) from None
    except (OSError, ValueError) as exc:
        meter.join()
        raise VaultError(tr("The file could not be encrypted: {error}", error=exc)) from None
    meter.join()


def decrypt(src: BinaryIO, out: BinaryIO | None, identity, meter: Meter) -> bool:
    """Decrypt `src` into `out` (or nowhere); False if the blob does not decrypt (damaged, foreign).

    The caller still compares `meter.size` and `meter.hexdigest()` with the record: a blob that
    decrypts may be another evidence's. Only authenticated plaintext reaches `out`.
    """
    meter.hash_in_background()
    try:
        with Serial("evidence-read") as writing:
            for piece in agefile.decrypt_chunks(src, [identity]):
                meter.feed(piece)
                if out is not None:
                    writing.submit(_write, out, piece)
            writing.drain()
    except OperationCancelled:
        meter.join()
        raise OperationCancelled(tr("Cancelled.")) from None
    except _WriteFailed as failed:  # a full or unplugged disk where the copy goes: not a damaged blob
        meter.join()
        raise VaultError(tr("The decrypted copy could not be written: {error}",
                            error=failed.error.strerror or failed.error)) from None
    except (agefile.AgeError, OSError, ValueError):
        meter.join()
        return False
    meter.join()
    return True


class _WriteFailed(Exception):
    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _write(out: BinaryIO, data: bytes) -> None:
    try:
        out.write(data)
    except OSError as exc:
        raise _WriteFailed(exc) from None
