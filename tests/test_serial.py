"""core/serial.py: work handed to a background thread runs in order, and its failure reaches the
caller (a full disk during a backup must not pass for a finished write)."""

from __future__ import annotations

import errno
import threading

import pytest

from clinicguard.core.serial import BackgroundWriter, Serial


def test_calls_run_in_order_on_another_thread():
    seen, threads = [], set()
    with Serial("test") as serial:
        for i in range(200):
            serial.submit(lambda i=i: (seen.append(i), threads.add(threading.current_thread().name)))
    assert seen == list(range(200))
    assert threads == {"test"}


def test_a_failure_is_raised_to_the_caller_and_what_follows_is_skipped():
    seen = []

    def fail():
        raise OSError(errno.ENOSPC, "No space left on device")

    serial = Serial("test", backlog=1)
    serial.submit(seen.append, 1)
    serial.submit(fail)
    with pytest.raises(OSError) as caught:
        for i in range(2, 50):  # at the latest at the next submit once the failure has happened
            serial.submit(seen.append, i)
        serial.drain()
    assert caught.value.errno == errno.ENOSPC
    serial.drain()
    assert seen[0] == 1 and len(seen) < 49
    after = list(seen)
    serial.submit(seen.append, "late")  # skipped: the work it belongs to has failed
    serial.drain()
    assert seen == after
    serial.close()


def test_leaving_on_an_error_stops_the_thread_without_running_the_rest():
    seen = []
    gate = threading.Event()
    with pytest.raises(RuntimeError):
        with Serial("test", backlog=10) as serial:
            serial.submit(gate.wait)  # busy with a long write while the caller fails
            for i in range(5):
                serial.submit(seen.append, i)
            threading.Timer(0.2, gate.set).start()
            raise RuntimeError("cancelled by the user")
    assert not serial._thread.is_alive()
    assert seen == []


def test_background_writer_writes_everything_before_flush_returns(tmp_path):
    with open(tmp_path / "out.bin", "wb") as raw, Serial("test") as serial:
        out = BackgroundWriter(raw, serial)
        for i in range(100):
            out.write(bytes([i]) * 1000)
        out.flush()
        raw.flush()
        assert (tmp_path / "out.bin").stat().st_size == 100_000
