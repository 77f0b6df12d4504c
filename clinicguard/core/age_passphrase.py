"""The clinic key's passphrase file, written as a standard age v1 file (scrypt recipient) with a
fixed work factor.

pyrage's own passphrase encryption tunes scrypt to the machine that creates the file (2^19 to
2^20 was seen, up to 1 GiB of memory and 2 s to open on the PC that made it, longer on a slower
one). The file is written here instead, by the age specification (age-encryption.org/v1), with
scrypt N = 2^PASSPHRASE_LOG_N, r = 8, p = 1: 128 MiB of memory and a few tenths of a second on a
modest clinic PC, the OWASP recommendation for scrypt (N=2^17, r=8, p=1), while a passphrase of at
least 12 characters keeps guessing impractical. Reading stays with pyrage (`pyrage.passphrase.decrypt`),
which takes the work factor from the file: files written earlier, with the tuned factor, keep opening.
tests/test_age_passphrase.py checks that pyrage reads what is written here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

PASSPHRASE_LOG_N = 17
_VERSION_LINE = b"age-encryption.org/v1\n"
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_CHUNK = 64 * 1024


def _b64(data: bytes) -> bytes:
    """age's base64: the standard alphabet without padding."""
    return base64.b64encode(data).rstrip(b"=")


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def encrypt(plaintext: bytes, passphrase: str, log_n: int = PASSPHRASE_LOG_N) -> bytes:
    """`plaintext` as an age v1 file that only `passphrase` opens (one scrypt stanza)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
    wrap_key = Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=1 << log_n, r=8, p=1).derive(passphrase.encode())
    body = _b64(ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None))  # 43 characters: one line
    header = _VERSION_LINE + b"-> scrypt " + _b64(salt) + b" %d\n" % log_n + body + b"\n---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    stream = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    chunks = [plaintext[i:i + _CHUNK] for i in range(0, len(plaintext), _CHUNK)] or [b""]
    payload = b"".join(
        stream.encrypt(n.to_bytes(11, "big") + (b"\x01" if n == len(chunks) - 1 else b"\x00"), chunk, None)
        for n, chunk in enumerate(chunks))
    return header + b" " + _b64(mac) + b"\n" + nonce + payload


def work_factor(data: bytes) -> int | None:
    """The scrypt work factor (log2 N) an age passphrase file was written with, None if it is not one."""
    lines = data.split(b"\n", 3)
    if len(lines) < 3 or lines[0] + b"\n" != _VERSION_LINE or not lines[1].startswith(b"-> scrypt "):
        return None
    try:
        return int(lines[1].split()[-1])
    except ValueError:
        return None
