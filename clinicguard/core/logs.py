"""ClinicGuard's log: a rotating file in the per-user log folder with the main events and the
tracebacks of unexpected errors, for the clinic's IT provider.

What is logged is ClinicGuard's own wording and identifiers (kinds of change, file counts,
durations, exception types and tracebacks); never a secret, a passphrase, a recovery key, a file's
content or patient data. Callers log ids and kinds, not user text. `CLINICGUARD_LOG_DIR` chooses
another folder (tests, portable installs).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from clinicguard.paths import APP_NAME

LOG_FILE = "clinicguard.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
BRIEF_MARGIN = 64_000  # far more than a brief command writes, a traceback included
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    """The per-user log folder (Windows: %LOCALAPPDATA%\\ClinicGuard\\ClinicGuard\\Logs)."""
    override = os.environ.get("CLINICGUARD_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs  # here: about 10 ms that a command told where to log does not pay

    return Path(platformdirs.user_log_dir(APP_NAME, APP_NAME))


def configure_logging(level: int = logging.INFO, *, brief: bool = False) -> Path | None:
    """Send ClinicGuard's log records to the rotating file; returns its path, or None when the
    folder cannot be written (a read-only profile must not stop the application).

    `brief`: for a command that writes a line or two (`status`): while the file is far from its
    size limit, it is appended to by a plain FileHandler, which spares importing logging.handlers
    (its socket and pickle imports cost about 10 ms at each start, issue 18); near the limit the
    rotating handler is used as for every other command."""
    logger = logging.getLogger("clinicguard")
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):  # the rotating handler is one
            return Path(handler.baseFilename)
    folder = log_dir()
    path = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if brief and _size(path) < MAX_BYTES - BRIEF_MARGIN:
            handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        else:
            from logging.handlers import RotatingFileHandler  # here: see `brief`

            handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    return path


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
