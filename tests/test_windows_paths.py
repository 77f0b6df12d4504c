"""The code paths only Windows takes, run on every system with the operating-system call patched at
its boundary (the Windows workflow also runs the `real_windows` tests against the real calls).

Each module that branches on Windows reads its own `WINDOWS` flag; the tests set it and replace the
one system call behind it (os.replace, kernel32, msvcrt, the known-folder lookup, keyring's
backend choice), so what is checked is ClinicGuard's handling of what Windows answers.
"""

from __future__ import annotations

import ntpath
import os
import re
import sys
from pathlib import Path

import pytest

from clinicguard import paths
from clinicguard.core import fsutil, keys, logs
from clinicguard.core.vault import locks, scratch

ROOT = Path(__file__).resolve().parents[1]
real_windows = pytest.mark.skipif(os.name != "nt", reason="runs against the real Windows calls")


# --- os.replace on a sharing violation (antivirus, search indexer holding the file) ---------------

def _flaky_replace(failures: int):
    calls = []
    real = os.replace

    def replace(src, dst):
        calls.append((src, dst))
        if len(calls) <= failures:
            raise PermissionError(13, "The process cannot access the file because it is being used")
        real(src, dst)

    return replace, calls


def test_replace_retries_a_sharing_violation_on_windows(tmp_path, monkeypatch):
    src, dst = tmp_path / "new.part", tmp_path / "budget.xlsx"
    src.write_text("new")
    dst.write_text("old")
    replace, calls = _flaky_replace(failures=3)
    monkeypatch.setattr(fsutil, "WINDOWS", True)
    monkeypatch.setattr(fsutil.os, "replace", replace)
    monkeypatch.setattr(fsutil.time, "sleep", lambda s: None)
    fsutil.replace(src, dst)
    assert len(calls) == 4
    assert dst.read_text() == "new" and not src.exists()


def test_replace_gives_up_after_its_attempts_and_leaves_both_files(tmp_path, monkeypatch):
    src, dst = tmp_path / "new.part", tmp_path / "budget.xlsx"
    src.write_text("new")
    dst.write_text("old")
    replace, calls = _flaky_replace(failures=100)
    monkeypatch.setattr(fsutil, "WINDOWS", True)
    monkeypatch.setattr(fsutil.os, "replace", replace)
    monkeypatch.setattr(fsutil.time, "sleep", lambda s: None)
    with pytest.raises(PermissionError):
        fsutil.replace(src, dst, attempts=5)
    assert len(calls) == 5
    assert dst.read_text() == "old" and src.read_text() == "new"


def test_replace_does_not_retry_a_permission_error_elsewhere(tmp_path, monkeypatch):
    # On POSIX a PermissionError is a real permission problem: retrying would only delay the message.
    src, dst = tmp_path / "a", tmp_path / "b"
    src.write_text("x")
    replace, calls = _flaky_replace(failures=1)
    monkeypatch.setattr(fsutil, "WINDOWS", False)
    monkeypatch.setattr(fsutil.os, "replace", replace)
    with pytest.raises(PermissionError):
        fsutil.replace(src, dst)
    assert len(calls) == 1


def test_directory_sync_is_skipped_on_windows(tmp_path, monkeypatch):
    # Windows has no directory handle to fsync: opening one would fail with PermissionError.
    def no_open(*args, **kwargs):
        raise AssertionError("a directory was opened for fsync on Windows")

    monkeypatch.setattr(fsutil, "WINDOWS", True)
    monkeypatch.setattr(fsutil.os, "open", no_open)
    fsutil.fsync_dir(tmp_path)


# --- the stale-folder check: is the process that owns a folder still running? --------------------

class _Function:
    """A foreign function: callable, with the argtypes/restype the caller sets."""

    def __init__(self, body):
        self.body, self.argtypes, self.restype = body, None, None

    def __call__(self, *args):
        return self.body(*args)


class _FakeKernel32:
    """kernel32 as the check calls it: OpenProcess, GetExitCodeProcess, CloseHandle."""

    STILL_ACTIVE = 259

    def __init__(self, processes: dict[int, int], denied: set[int] = frozenset()):
        self.processes = processes  # pid -> exit code (259 while running)
        self.denied = denied
        self.closed: list[int] = []
        self.last_error = 0
        self.OpenProcess = _Function(self._open)
        self.GetExitCodeProcess = _Function(self._exit_code)
        self.CloseHandle = _Function(self.closed.append)

    def _open(self, access, inherit, pid):
        assert access == 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION: works across users
        if pid in self.denied:
            self.last_error = 5  # ERROR_ACCESS_DENIED: it exists, under another user
            return 0
        if pid not in self.processes:
            self.last_error = 87  # ERROR_INVALID_PARAMETER: no such process
            return 0
        return 1000 + pid

    def _exit_code(self, handle, code_ref):
        code_ref._obj.value = self.processes[handle - 1000]
        return 1


@pytest.fixture
def kernel32(monkeypatch):
    fake = _FakeKernel32({4242: _FakeKernel32.STILL_ACTIVE, 4343: 0}, denied={4444})

    def win_dll(name, use_last_error=False):
        assert name == "kernel32" and use_last_error
        return fake

    monkeypatch.setattr(scratch, "WINDOWS", True)
    monkeypatch.setattr(scratch.ctypes, "WinDLL", win_dll, raising=False)
    monkeypatch.setattr(scratch.ctypes, "get_last_error", lambda: fake.last_error, raising=False)

    def never_kill(*args):
        raise AssertionError("os.kill on Windows terminates the process")

    monkeypatch.setattr(scratch.os, "kill", never_kill)
    return fake


def test_process_check_asks_the_kernel_on_windows(kernel32):
    assert scratch._process_running(4242) is True  # running
    assert scratch._process_running(4343) is False  # exited, handle still around
    assert scratch._process_running(9999) is False  # no such process
    assert scratch._process_running(4444) is True  # another user's: in doubt, keep the folder
    assert kernel32.closed == [1000 + 4242, 1000 + 4343]  # every opened handle is closed


def test_a_crashed_process_folder_is_removed_and_a_live_one_kept_on_windows(tmp_path, kernel32):
    live = tmp_path / f"{scratch.OPEN_PREFIX}live"
    dead = tmp_path / f"{scratch.OPEN_PREFIX}dead"
    for folder, pid in ((live, 4242), (dead, 9999)):
        folder.mkdir()
        (folder / scratch.OWNER_FILE).write_text(str(pid))
        (folder / "ordonnance.pdf").write_bytes(b"decrypted")
    removed = scratch.remove_stale_open_folders(tmp_path)
    assert removed == [dead]
    assert live.is_dir() and not dead.exists()


# --- ingest locks through msvcrt -------------------------------------------------------------------

class _FakeMsvcrt:
    LK_NBLCK, LK_UNLCK = 2, 0

    def __init__(self):
        self.held: set[str] = set()
        self.calls: list[tuple[str, int]] = []

    def locking(self, fd, mode, nbytes):
        assert nbytes == 1
        key = os.path.realpath(f"/proc/self/fd/{fd}") if sys.platform.startswith("linux") else str(fd)
        self.calls.append((key, mode))
        if mode == self.LK_NBLCK:
            if key in self.held:
                raise OSError(13, "Permission denied")  # what msvcrt raises for a held region
            self.held.add(key)
        else:
            self.held.discard(key)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fake names descriptors through /proc")
def test_ingest_lock_uses_msvcrt_on_windows(tmp_path, monkeypatch):
    fake = _FakeMsvcrt()
    monkeypatch.setattr(locks, "WINDOWS", True)
    monkeypatch.setattr(locks, "msvcrt", fake, raising=False)
    lock_path = tmp_path / "blob.age.lock"
    lock = locks.IngestLock(lock_path)
    assert locks.held_by_another_ingest(lock_path) is True
    with pytest.raises(locks.VaultError):
        locks.IngestLock(lock_path)
    lock.release()
    assert not lock_path.exists()
    assert locks.held_by_another_ingest(lock_path) is False
    assert {mode for _, mode in fake.calls} == {fake.LK_NBLCK, fake.LK_UNLCK}


# --- keyring: the frozen Windows build names the Credential Manager backend ------------------------

def test_frozen_windows_build_sets_the_credential_manager_backend(monkeypatch):
    import keyring
    from keyring.backends.Windows import WinVaultKeyring

    chosen = []
    monkeypatch.setattr(keys, "WINDOWS", True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(keyring, "set_keyring", chosen.append)
    keys.configure_frozen_keyring()
    assert len(chosen) == 1 and isinstance(chosen[0], WinVaultKeyring)


def test_keyring_backend_is_left_alone_outside_a_frozen_windows_build(monkeypatch):
    import keyring

    chosen = []
    monkeypatch.setattr(keyring, "set_keyring", chosen.append)
    monkeypatch.setattr(keys, "WINDOWS", True)
    monkeypatch.delattr(sys, "frozen", raising=False)
    keys.configure_frozen_keyring()  # running from source: keyring's own choice
    monkeypatch.setattr(keys, "WINDOWS", False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    keys.configure_frozen_keyring()  # frozen Linux build
    assert chosen == []


def test_the_credential_manager_counts_as_a_secure_keyring(monkeypatch):
    import keyring
    from keyring.backends.Windows import WinVaultKeyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: WinVaultKeyring())
    assert keys.secure_keyring_available() is True


# --- per-user data and log folders ----------------------------------------------------------------

@pytest.fixture
def windows_folders(monkeypatch):
    """platformdirs' Windows rules with the known folders of a user named Anaïs."""
    import platformdirs
    from platformdirs.windows import Windows

    monkeypatch.setattr(platformdirs, "PlatformDirs", Windows)
    folders = {"APPDATA": r"C:\Users\Anaïs\AppData\Roaming", "LOCAL_APPDATA": r"C:\Users\Anaïs\AppData\Local"}
    for name, value in folders.items():
        monkeypatch.setenv(f"WIN_PD_OVERRIDE_{name}", value)
    monkeypatch.delenv("CLINICGUARD_LOG_DIR", raising=False)
    return folders


def _windows(path: Path | str) -> str:
    return ntpath.normpath(str(path).replace("/", "\\"))


def test_data_folder_is_the_users_roaming_application_data(windows_folders):
    assert _windows(paths.default_data_dir()) == r"C:\Users\Anaïs\AppData\Roaming\ClinicGuard\ClinicGuard"


def test_logs_go_to_the_users_local_application_data(windows_folders):
    assert _windows(logs.log_dir()) == r"C:\Users\Anaïs\AppData\Local\ClinicGuard\ClinicGuard\Logs"


def test_data_folder_is_not_inside_the_install_folder_and_the_uninstaller_names_it(windows_folders):
    script = (ROOT / "packaging" / "installer.nsi").read_text(encoding="utf-8")
    install_dir = re.search(r'^InstallDir "\$LOCALAPPDATA\\(.+)"$', script, re.MULTILINE).group(1)
    installed = ntpath.join(windows_folders["LOCAL_APPDATA"], install_dir)
    data = _windows(paths.default_data_dir())
    assert not data.lower().startswith(installed.lower() + "\\")
    # What the uninstaller says it keeps is the folder the program really uses.
    kept = re.search(r"LangString DataKept \$\{LANG_FRENCH\} \".*?(\$APPDATA\\\S+?) :", script).group(1)
    assert data == kept.replace("$APPDATA", windows_folders["APPDATA"])


# --- the same paths against the real Windows calls (Windows workflow) ------------------------------

@real_windows
def test_real_process_check():
    assert scratch._process_running(os.getpid()) is True
    assert scratch._process_running(2**31 - 3) is False


@real_windows
def test_real_ingest_lock(tmp_path):
    lock_path = tmp_path / "blob.age.lock"
    lock = locks.IngestLock(lock_path)
    assert locks.held_by_another_ingest(lock_path) is True
    lock.release()
    assert locks.held_by_another_ingest(lock_path) is False


@real_windows
def test_real_data_folder_is_under_appdata():
    assert str(paths.default_data_dir()).lower().startswith(os.environ["APPDATA"].lower())
