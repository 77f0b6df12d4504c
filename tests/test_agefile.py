"""The age format of core/agefile.py: the C2SP test vectors, and files exchanged both ways with
pyrage and with the `age` program, so that backups and evidence stay readable without ClinicGuard."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import zlib
from pathlib import Path

import pyrage
import pytest

from clinicguard.core import agefile

VECTORS = Path(__file__).parent / "data" / "age-testkit"
EXPECT = {"success": None, "no match": agefile.NoMatch, "HMAC failure": agefile.MacError,
          "header failure": agefile.HeaderError, "payload failure": agefile.PayloadError}


def _vector(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    fields: dict = {"identity": []}
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        if key == "identity":
            fields["identity"].append(value)
        else:
            fields[key] = value
    if fields.get("compressed") == "zlib":
        body = zlib.decompress(body)
    return fields, body


@pytest.mark.parametrize("name", sorted(p.name for p in VECTORS.iterdir() if p.name != "README.md"))
def test_c2sp_vector(name):
    fields, body = _vector(VECTORS / name)
    expected = EXPECT[fields["expect"]]
    released = hashlib.sha256()
    identities = [i for i in fields["identity"] if i.startswith("AGE-SECRET-KEY-1")]
    try:
        for piece in agefile.decrypt_chunks(io.BytesIO(body), identities):
            released.update(piece)
    except agefile.AgeError as exc:
        assert expected is not None, f"{name}: refused a valid file ({exc})"
        assert type(exc) is expected, f"{name}: {type(exc).__name__} ({exc}), expected {expected.__name__}"
    else:
        assert expected is None, f"{name}: accepted, expected {fields['expect']}"
    if "payload" in fields:
        assert released.hexdigest() == fields["payload"], f"{name}: released plaintext differs"


def test_the_vectors_are_there():
    assert len(list(VECTORS.iterdir())) > 60


SIZES = [0, 1, agefile.CHUNK - 1, agefile.CHUNK, agefile.CHUNK + 1, 2 * agefile.CHUNK,
         agefile.BATCH * agefile.CHUNK, agefile.BATCH * agefile.CHUNK + 5, 3 * agefile.BATCH * agefile.CHUNK + 7]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_with_pyrage_both_ways(size):
    key = pyrage.x25519.Identity.generate()
    other = pyrage.x25519.Identity.generate()
    data = os.urandom(size)
    out = io.BytesIO()
    with agefile.Encryptor(out, [other.to_public(), key.to_public()]) as enc:
        for i in range(0, size, 40_000):  # writes of a size unrelated to the chunks
            enc.write(data[i:i + 40_000])
    assert pyrage.decrypt(out.getvalue(), [key]) == data
    theirs = pyrage.encrypt(data, [key.to_public()])
    assert b"".join(agefile.decrypt_chunks(io.BytesIO(theirs), [key])) == data
    assert agefile.DecryptingReader(io.BytesIO(out.getvalue()), [str(other)]).read() == data


def test_unfinished_or_cut_files_never_pass_for_complete_ones():
    key = pyrage.x25519.Identity.generate()
    data = os.urandom(3 * agefile.CHUNK + 100)
    out = io.BytesIO()
    enc = agefile.Encryptor(out, [key.to_public()])
    enc.write(data)  # never closed: the last chunk is not written
    unfinished = out.getvalue()
    with pytest.raises(agefile.PayloadError):
        b"".join(agefile.decrypt_chunks(io.BytesIO(unfinished), [key]))
    enc.close()
    whole = out.getvalue()
    header_end = whole.index(b"\n", whole.index(b"--- ")) + 1 + 16
    for cut in (header_end + agefile.ENC_CHUNK, len(whole) - 1, header_end + 10):
        with pytest.raises(agefile.PayloadError):
            b"".join(agefile.decrypt_chunks(io.BytesIO(whole[:cut]), [key]))
    flipped = bytearray(whole)
    flipped[header_end + agefile.ENC_CHUNK + 3] ^= 1
    released = b""
    with pytest.raises(agefile.PayloadError):
        for piece in agefile.decrypt_chunks(io.BytesIO(bytes(flipped)), [key]):
            released += piece
    assert data.startswith(released) and len(released) < len(data)


def test_wrong_key_and_altered_header_are_told_apart():
    key, stranger = pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()
    out = io.BytesIO()
    with agefile.Encryptor(out, [key.to_public()]) as enc:
        enc.write(b"secret")
    with pytest.raises(agefile.NoMatch):
        agefile.decrypt_chunks(io.BytesIO(out.getvalue()), [stranger])
    with pytest.raises(agefile.HeaderError):
        agefile.decrypt_chunks(io.BytesIO(b"PK\x03\x04 not an age file"), [key])
    mac_at = out.getvalue().index(b"--- ") + 5
    altered = bytearray(out.getvalue())
    altered[mac_at] = ord("A") if altered[mac_at] != ord("A") else ord("B")
    with pytest.raises((agefile.MacError, agefile.HeaderError)):
        agefile.decrypt_chunks(io.BytesIO(bytes(altered)), [key])


def test_keys_are_checked():
    key = pyrage.x25519.Identity.generate()
    assert len(agefile.identity_bytes(key)) == 32
    assert len(agefile.recipient_bytes(key.to_public())) == 32
    text = str(key.to_public())
    broken = text[:-1] + ("q" if text[-1] != "q" else "p")
    mixed = text[:4] + "".join(c.upper() if i % 2 else c for i, c in enumerate(text[4:]))
    for bad in (broken, "age1", str(key), mixed):
        with pytest.raises(ValueError):
            agefile.recipient_bytes(bad)


@pytest.mark.skipif(shutil.which("age") is None, reason="the age program is not installed")
def test_the_age_program_reads_ours_and_we_read_its(tmp_path):
    key = pyrage.x25519.Identity.generate()
    (tmp_path / "key.txt").write_text(str(key) + "\n")
    data = os.urandom(5 * agefile.CHUNK + 17)
    ours = tmp_path / "ours.age"
    with open(ours, "wb") as f, agefile.Encryptor(f, [key.to_public()]) as enc:
        enc.write(data)
    out = subprocess.run(["age", "-d", "-i", str(tmp_path / "key.txt"), str(ours)], capture_output=True, check=True)
    assert out.stdout == data
    theirs = subprocess.run(["age", "-r", str(key.to_public())], input=data, capture_output=True, check=True).stdout
    assert b"".join(agefile.decrypt_chunks(io.BytesIO(theirs), [key])) == data
