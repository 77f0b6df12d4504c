"""The backup's tar reader (core/tarstream.py) reads what tarfile and GNU tar write, block
boundaries anywhere, and refuses what a backup never holds."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile

import pytest

from clinicguard.core import tarstream

FILES = {
    "clinic.sqlite": os.urandom(1 << 20 | 1),
    "keys/clinic.recipient": b"age1example\n",
    "vault/" + "a" * 120 + ".age": os.urandom(700),  # longer than ustar's 100 characters: a pax path
    "vault/évaluation-été.age": os.urandom(512),  # not ASCII: a pax path too
    "audit-head.json": b"",
    "manifest.json": b'{"entries": []}',
}


def _tarfile_archive(files=FILES, fmt=tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _in_pieces(data: bytes, size: int):
    return (data[i:i + size] for i in range(0, len(data), size))


def _read_all(data: bytes, piece: int = 1 << 20) -> dict[str, bytes]:
    blocks = tarstream.Blocks(_in_pieces(data, piece))
    got = {}
    for member in tarstream.members(blocks):
        parts = []
        while len(chunk := member.read(300_000)):
            assert len(chunk) <= 300_000
            parts.append(bytes(chunk))
        got[member.name] = b"".join(parts)
        assert member.size == len(got[member.name])
    blocks.drain()
    return got


@pytest.mark.parametrize("piece", [1, 511, 512, 513, 65_536, 1 << 20])
def test_every_file_comes_back_whatever_the_block_boundaries(piece):
    data = _tarfile_archive()
    if piece < 512:
        data = data[:200 * 1024]  # byte by byte through a whole archive would take long: its first files
        with pytest.raises(EOFError):
            _read_all(data, piece)
        return
    assert _read_all(data, piece) == FILES


def test_members_not_read_are_skipped():
    blocks = tarstream.Blocks(_in_pieces(_tarfile_archive(), 4096))
    names = []
    for member in tarstream.members(blocks):
        names.append(member.name)
        if member.name == "keys/clinic.recipient":
            assert member.readall() == FILES["keys/clinic.recipient"]
        elif member.size:
            member.read(10)  # read in part: the rest is skipped
    assert names == list(FILES)


@pytest.mark.skipif(shutil.which("tar") is None, reason="no tar program")
@pytest.mark.parametrize("fmt", ["pax", "ustar", "gnu"])
def test_what_gnu_tar_writes_is_read(tmp_path, fmt):
    files = {k: v for k, v in FILES.items() if fmt == "pax" or len(k) < 100}
    src = tmp_path / "src"
    for name, data in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    out = subprocess.run(["tar", "c", f"--format={fmt}", "-C", str(src), *files], capture_output=True,
                         check=True).stdout
    assert _read_all(out) == files


def test_a_folder_or_a_link_is_refused(tmp_path):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        folder = tarfile.TarInfo("vault")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    with pytest.raises(tarstream.NotAFile):
        _read_all(out.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        link = tarfile.TarInfo("clinic.sqlite")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(tarstream.NotAFile):
        _read_all(out.getvalue())


@pytest.mark.parametrize("cut", [0, 100, 512, 4000, 10_751, 10_752])
def test_a_cut_archive_is_refused(cut):
    data = _tarfile_archive({"clinic.sqlite": os.urandom(10_000)})  # header, 10,000 bytes, padding, end marker
    assert data[10_752:10_752 + 1024] == bytes(1024)  # the end marker starts there
    with pytest.raises(EOFError):
        _read_all(data[:cut])


def test_an_altered_header_or_pax_record_is_refused():
    data = bytearray(_tarfile_archive({"clinic.sqlite": b"x" * 10}))
    data[5] ^= 1  # the name: its checksum no longer matches
    with pytest.raises(tarfile.TarError):
        _read_all(bytes(data))
    data = bytearray(_tarfile_archive({"vault/" + "b" * 150: b"y"}))
    start = data.index(b" path=")
    data[start - 3:start] = b"999"  # the record's length runs past the header
    with pytest.raises((ValueError, tarfile.TarError)):
        _read_all(bytes(data))
