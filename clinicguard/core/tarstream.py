"""Reading a tar stream of regular files from decrypted blocks, without copying their content.

A backup is read back in full at every creation, at every verification and at every restore.
Through `tarfile`'s stream mode each byte was copied three times more (its read buffer, its slices
and its file object's `readinto`), a quarter of a 1 GiB read-back's time here (issue 11). This
reader hands out views into the decrypted blocks instead. It knows what a ClinicGuard backup
holds, and `tar` writes for such files: POSIX ustar headers (parsed by `tarfile.TarInfo.frombuf`)
and pax extended headers for the path and the size (a long or non-ASCII name, a file of 8 GiB or
more). Any other kind of entry (folder, link, device, global header) is refused: `NotAFile`.

Errors: `tarfile.TarError` (a header that fails its checksum), `NotAFile`, `ValueError` (a
malformed pax header), `EOFError` (the stream ends inside an entry or before its end marker).
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator

BLOCK = tarfile.BLOCKSIZE
_ZERO = bytes(BLOCK)
_FILE_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE)


class NotAFile(Exception):
    """An entry other than a regular file."""


class Blocks:
    """The stream as views into the blocks it arrives in; `take` and `piece` never return more
    than asked."""

    def __init__(self, blocks: Iterator[bytes]):
        self._blocks = iter(blocks)
        self._view = memoryview(b"")

    def _fill(self) -> bool:
        while not len(self._view):
            block = next(self._blocks, None)
            if block is None:
                return False
            self._view = memoryview(block)
        return True

    def piece(self, n: int) -> memoryview:
        """Up to `n` bytes, from the current block only (empty at the end of the stream)."""
        if n <= 0 or not self._fill():
            return memoryview(b"")
        piece, self._view = self._view[:n], self._view[n:]
        return piece

    def take(self, n: int) -> bytes:
        """Exactly `n` bytes (fewer only at the end of the stream), copied: for headers."""
        parts, got = [], 0
        while got < n:
            piece = self.piece(n - got)
            if not len(piece):
                break
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)

    def skip(self, n: int) -> None:
        while n > 0:
            piece = self.piece(n)
            if not len(piece):
                raise EOFError("the stream ends inside an entry")
            n -= len(piece)

    def drain(self) -> None:
        """Read to the end (a decrypting source authenticates its last block then)."""
        self._view = memoryview(b"")
        for _ in self._blocks:
            pass


class Member:
    """One entry's content, read in views of at most the asked size."""

    def __init__(self, blocks: Blocks, name: str, size: int):
        self._blocks, self.name, self.size, self.left = blocks, name, size, size

    def read(self, n: int = -1) -> memoryview | bytes:
        if n is None or n < 0:
            return self.readall()
        if self.left <= 0:
            return b""
        piece = self._blocks.piece(min(n, self.left))
        if not len(piece):
            raise EOFError("the stream ends inside an entry")
        self.left -= len(piece)
        return piece

    def readall(self) -> bytes:
        parts = []
        while len(piece := self.read(1 << 20)):
            parts.append(piece)
        return b"".join(parts)


def _pax(data: bytes) -> dict[str, str]:
    """The records of a pax extended header ("LEN key=value\\n" each)."""
    records, pos = {}, 0
    while pos < len(data):
        space = data.index(b" ", pos)
        length = int(data[pos:space])
        record = data[space + 1:pos + length]
        if length <= space - pos or pos + length > len(data) or not record.endswith(b"\n") or b"=" not in record:
            raise ValueError("malformed pax header")
        key, value = record[:-1].split(b"=", 1)
        records[key.decode("utf-8")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


def members(blocks: Blocks) -> Iterator[Member]:
    """The archive's files in order, up to its end marker. Each must be read (or not) before the
    next is asked for: what is left of it is skipped then."""
    extended: dict[str, str] = {}
    while True:
        header = blocks.take(BLOCK)
        if len(header) < BLOCK:
            raise EOFError("the archive has no end marker")
        if header == _ZERO:
            return  # the end marker (and what pads the last record) follows; it is not read here
        info = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
        if info.type == tarfile.XHDTYPE:
            if info.size > 1 << 20:
                raise ValueError("oversized pax header")
            data = blocks.take(info.size)
            if len(data) < info.size:
                raise EOFError("the stream ends inside a pax header")
            blocks.skip(-info.size % BLOCK)
            extended = _pax(data)
            continue
        if info.type not in _FILE_TYPES:
            raise NotAFile(info.name)
        name = extended.get("path", info.name)
        size = int(extended["size"]) if "size" in extended else info.size
        if size < 0:
            raise ValueError("negative size")
        extended = {}
        member = Member(blocks, name, size)
        yield member
        blocks.skip(member.left + (-size % BLOCK))
