"""Where ClinicGuard finds its bundled resources and keeps each clinic's data."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "ClinicGuard"
DATABASE_NAME = "clinic.sqlite"


def resources_dir() -> Path:
    """The bundled `resources/` folder: source tree, installed wheel or frozen build."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here / "resources", here.parent / "resources"]
    for candidate in candidates:
        if (candidate / "catalogue").is_dir():
            return candidate
    raise FileNotFoundError("ClinicGuard resources folder not found")


def default_data_dir() -> Path:
    """The per-user application-data folder (Windows: under %APPDATA%)."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_NAME, roaming=True))
