"""The passphrase file is a standard age file with the fixed, documented work factor: pyrage (and
so any age tool) opens it, a wrong passphrase does not, and files written before keep opening."""

from __future__ import annotations

import pyrage
import pytest

from clinicguard.core import age_passphrase, keys
from clinicguard.core.workspace import Workspace
from tests.conftest import MANAGER, MANAGER_SECRET

PASSPHRASE = "une phrase de passe assez longue"


@pytest.mark.parametrize("size", [0, 1, 74, 64 * 1024, 64 * 1024 + 1, 200_000])
def test_pyrage_reads_what_is_written(size):
    plaintext = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = age_passphrase.encrypt(plaintext, PASSPHRASE, log_n=10)
    assert pyrage.passphrase.decrypt(data, PASSPHRASE) == plaintext
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(data, PASSPHRASE + "!")


def test_a_damaged_file_does_not_open():
    data = bytearray(age_passphrase.encrypt(b"AGE-SECRET-KEY-1...", PASSPHRASE, log_n=10))
    data[-3] ^= 1
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(bytes(data), PASSPHRASE)


def test_a_new_clinic_key_file_uses_the_fixed_work_factor_and_an_old_one_still_opens(tmp_path, small_catalogue,
                                                                                      monkeypatch):
    monkeypatch.setattr(keys, "secure_keyring_available", lambda: False)
    ws, _ = Workspace.create(tmp_path / "clinic", clinic_name="Cabinet", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET, catalogue=small_catalogue,
                             passphrase=PASSPHRASE)
    identity = str(ws.keys.identity)
    ws.close()
    path = keys.KeyPaths(tmp_path / "clinic").passphrase_file
    assert age_passphrase.work_factor(path.read_bytes()) == age_passphrase.PASSPHRASE_LOG_N == 17
    reopened = Workspace.open(tmp_path / "clinic", catalogue=small_catalogue)
    reopened.keys.unlock(PASSPHRASE)
    assert str(reopened.keys.identity) == identity
    reopened.close()

    # A file written by an earlier version (pyrage's own, tuned work factor) keeps opening.
    path.write_bytes(pyrage.passphrase.encrypt(identity.encode(), PASSPHRASE))
    assert age_passphrase.work_factor(path.read_bytes()) not in (None, 17)
    old = Workspace.open(tmp_path / "clinic", catalogue=small_catalogue)
    with pytest.raises(keys.WrongPassphrase):
        old.keys.unlock("pas la bonne phrase de passe")
    old.keys.unlock(PASSPHRASE)
    assert str(old.keys.identity) == identity
    old.close()
