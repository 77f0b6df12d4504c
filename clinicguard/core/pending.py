"""What ClinicGuard is writing outside its data folder, recorded before the file exists.

An export writes a hidden temporary file beside the chosen destination (`.NAME.XXXXXXXX.part`),
in a folder of the user's (Documents, a USB key), then moves it into place. A kill in between
would leave that file there for good, holding decrypted evidence or a half workbook, in a folder
ClinicGuard never looks at again. So the temporary name is chosen first and written down, in one
small record per write in the clinic's data folder (`pending-writes/`), fsynced, and only then is
the file created. The record goes when the file has been moved into place or removed.

At each start (`Workspace.open`, for the commands and for the window) the records whose process
is gone are read: their temporary files are removed, then the records. A record of a process that
still runs (another window, a command in progress) is left alone.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from pathlib import Path

from clinicguard.core.fsutil import BINARY, MAX_NAME_BYTES, atomic_write_bytes, fit_bytes
from clinicguard.core.vault.scratch import _process_running
from clinicguard.paths import PENDING_WRITES_FOLDER

log = logging.getLogger(__name__)
PENDING_FOLDER = PENDING_WRITES_FOLDER  # named in paths.py: `status` looks for records without importing this module
_RANDOM = 8
_OURS: dict[Path, Path] = {}  # this process's temporary files being written -> their records
_LOCK = threading.Lock()


class PendingWrites:
    """The records of the temporary files this clinic's processes are writing in user folders."""

    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / PENDING_FOLDER

    def reserve(self, final: Path, suffix: str) -> Path:
        """Choose a temporary name beside `final`, record it, then create the (empty) file.

        The record is durable before the file exists, so no kill can leave an unrecorded file."""
        final = Path(final)
        room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - _RANDOM - 2
        self.folder.mkdir(mode=0o700, exist_ok=True)
        for _ in range(100):
            token = secrets.token_hex(_RANDOM // 2)
            temp = final.parent / f".{fit_bytes(final.name, room)}.{token}{suffix}"
            record = self.folder / f"{os.getpid()}-{token}.json"
            atomic_write_bytes(record, json.dumps({"pid": os.getpid(), "temp": str(temp.absolute()),
                                                   "final": str(final.absolute())}).encode("utf-8"))
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | BINARY, 0o600)
            except FileExistsError:
                record.unlink(missing_ok=True)
                continue
            except BaseException:
                record.unlink(missing_ok=True)
                raise
            os.close(fd)
            with _LOCK:
                _OURS[temp] = record
            return temp
        raise FileExistsError(final)

    def release(self, temp: Path) -> None:
        """The temporary file has been moved into place or removed: forget it."""
        # One record per temporary file: no shared list to rewrite, so two processes never lose
        # each other's records.
        with _LOCK:
            record = _OURS.pop(Path(temp), None)
        if record is not None:
            record.unlink(missing_ok=True)

    def clean(self) -> list[Path]:
        """Remove the temporary files left by processes that are gone; return what was removed."""
        removed: list[Path] = []
        try:
            records = sorted(self.folder.iterdir())
        except OSError:
            return removed
        for record in records:
            if record.suffix != ".json":  # a record cut by a kill while it was written
                if record.name.startswith("."):
                    record.unlink(missing_ok=True)
                continue
            try:
                entry = json.loads(record.read_text(encoding="utf-8"))
                pid, temp = int(entry["pid"]), Path(entry["temp"])
            except (OSError, ValueError, KeyError, TypeError):
                record.unlink(missing_ok=True)
                continue
            with _LOCK:
                ours = record in _OURS.values()
            if ours or (pid != os.getpid() and _process_running(pid)):
                continue  # still being written (an earlier process with our id is gone)
            try:
                if temp.exists():
                    temp.unlink()
                    removed.append(temp)
                    log.info("removed %s, left by an interrupted write", temp)
            except OSError as exc:  # a folder gone read-only or unplugged: try again at next start
                log.warning("could not remove %s: %s", temp, exc)
                continue
            record.unlink(missing_ok=True)
        return removed
