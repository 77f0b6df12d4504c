"""A backup's read-back follows its writing but never reads a byte before it is synced (issue 11)."""

from __future__ import annotations

import os
import threading

import pytest

from clinicguard.core.readback import Aborted, FollowingReader, Landing


class _Disk:
    """The file's descriptor and what each sync made durable."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.durable = 0
        self.syncs = []
        self.written = 0

    def sync(self, fd):
        os.fsync(fd)
        self.syncs.append(self.written)
        self.durable = self.written

    def write(self, landing, data):
        os.write(self.fd, data)
        self.written += len(data)
        landing.wrote(len(data))


def test_the_reader_gets_every_byte_and_none_before_it_is_synced(tmp_path):
    path = tmp_path / "f.part"
    disk = _Disk(path)
    landing = Landing(disk.fd, segment=64 * 1024, sync=disk.sync)
    blocks = [os.urandom(10_000 + i) for i in range(60)]
    got, seen_beyond = bytearray(), []

    reading, first_bytes = threading.Event(), threading.Event()

    def read_back():
        with open(path, "rb", buffering=0) as raw:
            reader = FollowingReader(raw, landing)
            reading.set()
            while data := reader.read(7_000):
                if len(got) + len(data) > disk.durable and landing.final is None:
                    seen_beyond.append(len(got) + len(data))
                got.extend(data)
                first_bytes.set()

    thread = threading.Thread(target=read_back)
    thread.start()
    assert reading.wait(10)
    for block in blocks:
        disk.write(landing, block)
    # The writer does not finish before the reader has asked for what is written: on a loaded
    # machine the whole file can be written before the reader's first read, and a file finished
    # unread is read back at once, with no sync of the reader's own.
    assert first_bytes.wait(10)
    os.fsync(disk.fd)
    landing.finish()
    thread.join(10)
    os.close(disk.fd)
    assert not thread.is_alive()
    assert bytes(got) == b"".join(blocks)
    assert not seen_beyond, "bytes were read back before they were synced"
    assert disk.syncs, "the reader never had the file synced while it was written"
    assert len(disk.syncs) <= len(got) // (64 * 1024), "synced more often than once a segment"


def test_a_line_is_read_whole_and_the_reader_stops_at_the_end(tmp_path):
    path = tmp_path / "f.part"
    disk = _Disk(path)
    landing = Landing(disk.fd, segment=1 << 20, sync=disk.sync)
    disk.write(landing, b"age-encryption.org/v1\n-> X25519 abc\nrest")
    landing.finish()  # smaller than a segment: read once complete
    with open(path, "rb", buffering=0) as raw:
        reader = FollowingReader(raw, landing)
        assert reader.readline(100) == b"age-encryption.org/v1\n"
        assert reader.readline(5) == b"-> X2"
        assert reader.read() == b"5519 abc\nrest"
        assert reader.read(10) == b""
    os.close(disk.fd)


def test_abort_stops_a_reader_that_waits_for_more(tmp_path):
    path = tmp_path / "f.part"
    disk = _Disk(path)
    landing = Landing(disk.fd, segment=1 << 20, sync=disk.sync)
    disk.write(landing, b"x" * 100)
    errors = []

    def read_back():
        with open(path, "rb", buffering=0) as raw:
            try:
                FollowingReader(raw, landing).read(1000)
            except Aborted as exc:
                errors.append(exc)

    thread = threading.Thread(target=read_back)
    thread.start()
    thread.join(0.2)
    assert thread.is_alive(), "the reader did not wait for bytes that are not written yet"
    landing.abort()
    thread.join(10)
    os.close(disk.fd)
    assert not thread.is_alive() and len(errors) == 1
    assert not disk.syncs


def test_a_failed_sync_reaches_the_reader(tmp_path):
    path = tmp_path / "f.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    def broken(_fd):
        raise OSError(5, "Input/output error")

    landing = Landing(fd, segment=10, sync=broken)
    os.write(fd, b"y" * 100)
    landing.wrote(100)
    with open(path, "rb", buffering=0) as raw, pytest.raises(Aborted):
        FollowingReader(raw, landing).read(50)
    os.close(fd)
    assert isinstance(landing.sync_error, OSError)  # kept for the writer, who reports it as its own
