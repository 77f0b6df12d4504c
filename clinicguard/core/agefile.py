"""The age v1 file format (https://age-encryption.org/v1) for X25519 recipients, streamed, on the
`cryptography` library's primitives.

Why not pyrage for the large files: its streaming API pulls and pushes Python file objects 8 KiB
at a time, so a backup had to feed it from a tar thread through an OS pipe (10.0 s for a 512 MiB
vault against 2.3 s for `tar c | age`, mostly system time), and it holds the GIL while it
encrypts, so nothing overlaps with it. Here the plaintext comes in 1 MiB blocks straight from the
caller, and OpenSSL's ChaCha20-Poly1305 (through `cryptography`, about 2.6 GB/s on one core here)
lets go of the GIL, so hashing and writing run beside it (core/serial.py). The files are plain age
files: `age -d` and pyrage read what is written here, and what they write is read here; the C2SP
test vectors (tests/data/age-testkit/) check the parser's every refusal. pyrage stays for the
small things (key files, the escrow, the passphrase file's scrypt).

Only what ClinicGuard needs: X25519 recipients and identities, binary (no armor). A file for a
passphrase (`scrypt` stanza) is refused as "no match" here, as a foreign file would be.

Errors are `AgeError` subclasses that tell the failures apart as the age test suite does:
`HeaderError` (not an age file, malformed header), `NoMatch` (no identity opens it), `MacError`
(the header was altered), `PayloadError` (damaged or truncated content: everything released
before it was authenticated).
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
import types
from collections.abc import Iterable, Iterator
from hashlib import sha256
from typing import TYPE_CHECKING, BinaryIO, Self

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

VERSION_LINE = b"age-encryption.org/v1\n"
CHUNK = 64 * 1024  # plaintext bytes per STREAM chunk (fixed by the format)
TAG = 16
ENC_CHUNK = CHUNK + TAG
BATCH = 16  # chunks read or written per system call (about 1 MiB)
MAX_HEADER = 1 << 20  # a header longer than this is not one ClinicGuard or age would write
X25519_LABEL = b"age-encryption.org/v1/X25519"


class AgeError(Exception):
    """The file cannot be decrypted; the subclass says why."""


class HeaderError(AgeError):
    pass


class NoMatch(AgeError):
    pass


class MacError(AgeError):
    pass


class PayloadError(AgeError):
    pass


@functools.cache
def _crypto() -> types.SimpleNamespace:
    """cryptography's primitives, imported at first use: its bindings cost about 20 ms, which the
    commands that encrypt nothing (`--help`, `status`) do not pay."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return types.SimpleNamespace(InvalidTag=InvalidTag, hashes=hashes, X25519PrivateKey=X25519PrivateKey,
                                 X25519PublicKey=X25519PublicKey, ChaCha20Poly1305=ChaCha20Poly1305, HKDF=HKDF)


# ---- bech32 (BIP 173), as age encodes its keys ----------------------------------------------------
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: Iterable[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _bech32_decode(text: str, hrp: str) -> bytes:
    """The 32 bytes a key string encodes; ValueError if it is not a valid bech32 key for `hrp`."""
    if text != text.lower() and text != text.upper():
        raise ValueError("mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if text[:pos] != hrp.lower() or len(text) - pos < 7:
        raise ValueError("wrong kind of key")
    try:
        data = [_CHARSET.index(c) for c in text[pos + 1:]]
    except ValueError:
        raise ValueError("invalid character") from None
    expanded = [ord(c) >> 5 for c in text[:pos]] + [0] + [ord(c) & 31 for c in text[:pos]]
    if _polymod(expanded + data) != 1:
        raise ValueError("bad checksum")
    acc = bits = 0
    out = bytearray()
    for v in data[:-6]:
        acc, bits = (acc << 5) | v, bits + 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        raise ValueError("bad padding")
    if len(out) != 32:
        raise ValueError("wrong key length")
    return bytes(out)


def recipient_bytes(recipient) -> bytes:
    """The X25519 public key of an `age1...` recipient (a string or a pyrage Recipient)."""
    return _bech32_decode(str(recipient).strip(), "age")


def identity_bytes(identity) -> bytes:
    """The X25519 private key of an `AGE-SECRET-KEY-1...` identity (a string or a pyrage Identity)."""
    return _bech32_decode(str(identity).strip(), "AGE-SECRET-KEY-")


# ---- helpers --------------------------------------------------------------------------------------
def _hkdf(ikm: bytes, salt: bytes | None, info: bytes) -> bytes:
    c = _crypto()
    return c.HKDF(algorithm=c.hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    """Strict, canonical, unpadded base64, as the format requires."""
    if b"=" in text or b"\r" in text or b"\n" in text:
        raise HeaderError("padded or broken base64")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise HeaderError("invalid base64") from None
    if _b64(data) != text:
        raise HeaderError("non-canonical base64")
    return data


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= 1 << 88:
        raise PayloadError("stream too long")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# ---- encryption -----------------------------------------------------------------------------------
def _x25519_stanza(recipient: bytes, file_key: bytes) -> bytes:
    c = _crypto()
    ephemeral = c.X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(c.X25519PublicKey.from_public_bytes(recipient))
    wrap = _hkdf(shared, share + recipient, X25519_LABEL)
    body = _b64(c.ChaCha20Poly1305(wrap).encrypt(b"\x00" * 12, file_key, None))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    if not lines or len(lines[-1]) == 64:
        lines.append(b"")
    return b"-> X25519 " + _b64(share) + b"\n" + b"".join(line + b"\n" for line in lines)


class Encryptor:
    """Writes an age file to `out`: `write()` the plaintext in pieces of any size, then `close()`
    (which writes the last chunk; without it the file is incomplete and will not decrypt).

    Memory stays at about one batch (1 MiB) whatever the size.
    """

    def __init__(self, out: BinaryIO, recipients: Iterable):
        keys = [recipient_bytes(r) for r in recipients]
        if not keys:
            raise ValueError("no recipient")
        self._out = out
        file_key = os.urandom(16)
        header = VERSION_LINE + b"".join(_x25519_stanza(k, file_key) for k in keys) + b"---"
        mac = hmac.new(_hkdf(file_key, None, b"header"), header, sha256).digest()
        nonce = os.urandom(16)
        out.write(header + b" " + _b64(mac) + b"\n" + nonce)
        self._aead = _crypto().ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._pending = bytearray()  # plaintext not sealed yet: at most one chunk, which may be the last
        self._sealed: list[bytes] = []
        self._closed = False
        self.size = 0  # plaintext bytes written

    def _seal(self, piece, last: bool) -> None:
        self._sealed.append(self._aead.encrypt(_nonce(self._counter, last), piece, None))
        self._counter += 1
        if len(self._sealed) >= BATCH or last:
            self._out.write(b"".join(self._sealed))
            self._sealed.clear()

    def write(self, data) -> int:
        if self._closed:
            raise ValueError("write to a closed age file")
        view = memoryview(data).cast("B")
        n = len(view)
        if not n:
            return 0
        self.size += n
        if self._pending:
            take = CHUNK - len(self._pending)
            self._pending += view[:take]
            view = view[take:]
            if not len(view):
                return n  # a full chunk stays pending: it is the last one if nothing follows
            self._seal(bytes(self._pending), False)
            self._pending = bytearray()
        full = (len(view) - 1) // CHUNK  # keep 1 to CHUNK bytes back for the last chunk
        for i in range(full):
            self._seal(view[i * CHUNK:(i + 1) * CHUNK], False)
        self._pending = bytearray(view[full * CHUNK:])
        return n

    def close(self) -> None:
        """Seal the last chunk (empty only for an empty file) and write what is left."""
        if not self._closed:
            self._closed = True
            self._seal(bytes(self._pending), True)
            self._pending = bytearray()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.close()


def encrypt_file(source: BinaryIO, out: BinaryIO, recipients: Iterable, block: int = BATCH * CHUNK) -> int:
    """Encrypt all of `source` into `out`; the plaintext size."""
    with Encryptor(out, recipients) as enc:
        while data := source.read(block):
            enc.write(data)
    return enc.size


# ---- decryption -----------------------------------------------------------------------------------
def _read_line(src: BinaryIO, budget: list[int]) -> bytes:
    line = src.readline(budget[0] + 1)
    budget[0] -= len(line)
    if budget[0] < 0 or not line.endswith(b"\n"):
        raise HeaderError("truncated or oversized header")
    return line


def _args(line: bytes) -> list[bytes]:
    args = line[3:-1].split(b" ")
    if any(not a or any(c < 0x21 or c > 0x7E for c in a) for a in args):
        raise HeaderError("malformed stanza line")
    return args


def _read_header(src: BinaryIO) -> tuple[list[tuple[list[bytes], bytes]], bytes, bytes]:
    """(stanzas as (arguments, body), the header's bytes through '---', its MAC)."""
    budget = [MAX_HEADER]
    first = src.readline(len(VERSION_LINE))
    if first != VERSION_LINE:
        raise HeaderError("not an age v1 file")
    raw = bytearray(first)
    stanzas = []
    while True:
        line = _read_line(src, budget)
        if line.startswith(b"--- "):
            raw += b"---"
            mac = _unb64(line[4:-1])
            if len(mac) != 32:
                raise HeaderError("malformed MAC")
            if not stanzas:
                raise HeaderError("no recipient stanza")
            return stanzas, bytes(raw), mac
        if not line.startswith(b"-> "):
            raise HeaderError("malformed header line")
        raw += line
        args = _args(line)
        body = bytearray()
        while True:
            text = _read_line(src, budget)
            raw += text
            if len(text) - 1 > 64:
                raise HeaderError("stanza line too long")
            body += _unb64(text[:-1])
            if len(text) - 1 < 64:
                break
        stanzas.append((args, bytes(body)))


def _unwrap_x25519(identity: bytes, public: bytes, args: list[bytes], body: bytes) -> bytes | None:
    if len(args) != 2:
        raise HeaderError("malformed X25519 stanza")
    share = _unb64(args[1])
    if len(share) != 32 or len(body) != 32:
        raise HeaderError("malformed X25519 stanza")
    c = _crypto()
    try:
        shared = c.X25519PrivateKey.from_private_bytes(identity).exchange(c.X25519PublicKey.from_public_bytes(share))
    except ValueError:  # a low-order share gives the all-zero secret
        raise HeaderError("X25519 share of low order") from None
    wrap = _hkdf(shared, share + public, X25519_LABEL)
    try:
        return c.ChaCha20Poly1305(wrap).decrypt(b"\x00" * 12, body, None)
    except c.InvalidTag:
        return None


def _file_key(stanzas, identities: list[bytes]) -> bytes:
    if any(args[0] == b"scrypt" for args, _ in stanzas) and len(stanzas) != 1:
        raise HeaderError("an scrypt stanza must be alone")
    for identity in identities:
        public = _crypto().X25519PrivateKey.from_private_bytes(identity).public_key().public_bytes_raw()
        for args, body in stanzas:
            if args[0] != b"X25519":
                continue
            key = _unwrap_x25519(identity, public, args, body)
            if key is not None:
                if len(key) != 16:
                    raise HeaderError("file key of the wrong length")
                return key
    raise NoMatch("no identity matches")


def _read_full(src: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        data = src.read(n - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decrypt_chunks(src: BinaryIO, identities: Iterable) -> Iterator[bytes]:
    """The plaintext of the age file `src`, in authenticated pieces of up to about 1 MiB.

    The header is read and checked at once (HeaderError, NoMatch, MacError); the payload as the
    pieces are taken (PayloadError). Nothing is released before it is authenticated, and a file
    cut short fails at its end (its last chunk lacks the end mark), never passing for a shorter
    complete file.
    """
    keys = [identity_bytes(i) for i in identities]
    stanzas, raw, mac = _read_header(src)
    file_key = _file_key(stanzas, keys)
    if not hmac.compare_digest(hmac.new(_hkdf(file_key, None, b"header"), raw, sha256).digest(), mac):
        raise MacError("the header was altered")
    nonce = _read_full(src, 16)
    if len(nonce) != 16:
        raise HeaderError("no payload nonce")
    return _payload(src, _crypto().ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload")))


def _payload(src: BinaryIO, aead: ChaCha20Poly1305) -> Iterator[bytes]:
    invalid_tag = _crypto().InvalidTag
    counter = 0
    block = _read_full(src, BATCH * ENC_CHUNK)
    if not block:
        raise PayloadError("no payload")
    while block:
        ahead = _read_full(src, BATCH * ENC_CHUNK) if len(block) == BATCH * ENC_CHUNK else b""
        view, out, pos = memoryview(block), [], 0
        while pos < len(view):
            piece = view[pos:pos + ENC_CHUNK]
            pos += len(piece)
            at_end = pos == len(view) and not ahead
            problem = None
            try:
                plain = aead.decrypt(_nonce(counter, at_end), piece, None) if len(piece) >= TAG else None
            except invalid_tag:
                plain = None
            if plain is None and len(piece) == ENC_CHUNK:
                # A full chunk may be marked otherwise than its place says: a last chunk followed by
                # more data, or a file cut after a full chunk. Its content is genuine; the file is not.
                try:
                    plain = aead.decrypt(_nonce(counter, not at_end), piece, None)
                    problem = "data after the last chunk" if not at_end else "cut after a full chunk"
                except invalid_tag:
                    pass
            if plain is None:
                problem = "damaged, truncated or altered content"
            elif at_end and not plain and counter:
                plain, problem = None, "empty last chunk"
            if plain is not None:
                out.append(plain)
                counter += 1
            if problem is not None:
                if out:
                    yield b"".join(out)
                raise PayloadError(problem)
        yield b"".join(out)
        block = ahead


class DecryptingReader:
    """A read-only file object over the plaintext of an age file (for tarfile and friends).

    Raises an AgeError subclass from `read()` where the content fails."""

    def __init__(self, src: BinaryIO, identities: Iterable):
        self._chunks = decrypt_chunks(src, identities)
        self._buf, self._pos = b"", 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            rest = [self._buf[self._pos:], *self._chunks]
            self._buf, self._pos = b"", 0
            return b"".join(rest)
        while self._pos >= len(self._buf):
            nxt = next(self._chunks, None)
            if nxt is None:
                return b""
            self._buf, self._pos = nxt, 0
        piece = self._buf[self._pos:self._pos + n]
        self._pos += len(piece)
        return piece

    def readable(self) -> bool:
        return True
