"""The private temporary folder where decrypted files live while they are opened or checked, and
the removal of the folders a crashed ClinicGuard left behind."""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import stat
import tempfile
import time
from ctypes import wintypes  # importable everywhere; used only on Windows
from pathlib import Path

# Windows-only paths are taken on this flag, which tests set to run them on any system with the
# operating-system call patched at its boundary.
WINDOWS = os.name == "nt"

OPEN_PREFIX = "clinicguard-open-"
OWNER_FILE = "owner.pid"
# A folder without its owner file is either being created right now or very old (a crash between
# mkdtemp and writing the file): only the latter is removed.
_UNOWNED_FOLDER_SECONDS = 24 * 3600


def _process_running(pid: int) -> bool:
    """Whether a process with this id exists; in doubt, say yes (keeping a folder is the safe side)."""
    if pid <= 0:
        return False
    if WINDOWS:
        # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        process_query_limited_information, still_active, error_invalid_parameter = 0x1000, 259, 87
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return ctypes.get_last_error() != error_invalid_parameter  # 87: no such process
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale_open_folders(parent: Path | None = None, prefix: str = OPEN_PREFIX) -> list[Path]:
    """Remove the private folders of ClinicGuard processes that are gone (a crash skips `cleanup`),
    so that decrypted files do not stay in the temporary folder. Only this user's folders."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(parent.glob(f"{prefix}*"))
    except OSError:
        return removed
    for folder in candidates:
        try:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                continue
            try:
                stale = not _process_running(int((folder / OWNER_FILE).read_text().strip()))
            except FileNotFoundError:
                stale = time.time() - info.st_mtime > _UNOWNED_FOLDER_SECONDS
            except ValueError:
                stale = True
        except OSError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class PrivateTemp:
    """A folder only this user can read, for decrypted files (opened in their default program, or
    checked before they are copied out of the vault).

    It is removed by `cleanup()` (the GUI calls it when it closes) and, as a backstop, at exit. A
    crash skips both: the folder names its owner process, and the next PrivateTemp removes the
    folders whose owner is gone.
    """

    def __init__(self, prefix: str = OPEN_PREFIX, parent: Path | None = None):
        self._prefix, self._parent = prefix, parent
        self._path: Path | None = None
        remove_stale_open_folders(parent, prefix)
        atexit.register(self.cleanup)

    @property
    def path(self) -> Path:
        if self._path is None or not self._path.exists():
            path = Path(tempfile.mkdtemp(prefix=self._prefix, dir=self._parent))  # created with mode 0700
            os.chmod(path, 0o700)
            (path / OWNER_FILE).write_text(str(os.getpid()))
            self._path = path
        return self._path

    def cleanup(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None
