"""ClinicGuard's log: a rotating file in the per-user log folder with the main events and the
tracebacks of unexpected errors, for the clinic's IT provider.

What is logged is ClinicGuard's own wording and identifiers (kinds of change, file counts,
durations, exception types and tracebacks); never a secret, a passphrase, a recovery key, a file's
content or patient data. Callers log ids and kinds, not user text. `CLINICGUARD_LOG_DIR` chooses
another folder (tests, portable installs).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from clinicguard.paths import APP_NAME

LOG_FILE = "clinicguard.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    """The per-user log folder (Windows: %LOCALAPPDATA%\\ClinicGuard\\ClinicGuard\\Logs)."""
    override = os.environ.get("CLINICGUARD_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, APP_NAME))


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Send ClinicGuard's log records to the rotating file; returns its path, or None when the
    folder cannot be written (a read-only profile must not stop the application)."""
    logger = logging.getLogger("clinicguard")
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    return folder / LOG_FILE
