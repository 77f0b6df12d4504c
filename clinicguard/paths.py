"""Where ClinicGuard finds its bundled resources and keeps each clinic's data."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

APP_NAME = "ClinicGuard"
DATABASE_NAME = "clinic.sqlite"
PENDING_WRITES_FOLDER = "pending-writes"  # in a clinic's data folder (core/pending.py)
PARSED_FOLDER = "__pycache__"  # beside a bundled TOML file: its parsed copy, like Python's compiled modules


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
    import platformdirs  # here: about 10 ms, and most commands are given --data-dir or never need it

    return Path(platformdirs.user_data_dir(APP_NAME, APP_NAME, roaming=True))


def parsed_copy_path(path: Path) -> Path:
    return path.parent / PARSED_FOLDER / f"{path.name}.json"


def read_bundled_toml(path: Path) -> dict:
    """A bundled TOML file, parsed: from its parsed copy when that copy was made from exactly these
    bytes (it records their SHA-256), else parsed with tomllib (about 30 ms for the catalogue, 20 ms
    more to import tomllib) and the copy written for the next start (issue 18).

    The copy is JSON in `__pycache__/` beside the file, as Python keeps its compiled modules: any
    change of the file changes the digest, so a stale copy is never used. Where the folder cannot
    be written (an installed program), the file is parsed each time; the build writes the copies
    (packaging/clinicguard.spec). Raises OSError, or ValueError (tomllib.TOMLDecodeError,
    UnicodeDecodeError) for a file that is not valid TOML, as tomllib does."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    copy = parsed_copy_path(path)
    try:
        saved = json.loads(copy.read_bytes())
        if isinstance(saved, dict) and saved.get("sha256") == digest and isinstance(saved.get("data"), dict):
            return saved["data"]
    except (OSError, ValueError):
        pass  # no copy yet, or a damaged one: parse the file
    import tomllib  # here: the parsed copy spares its import

    raw = tomllib.loads(data.decode("utf-8"))
    _write_parsed_copy(copy, digest, raw)
    return raw


def _write_parsed_copy(copy: Path, digest: str, raw: dict) -> None:
    try:
        text = json.dumps({"sha256": digest, "data": raw}, ensure_ascii=False)
    except (TypeError, ValueError):  # a TOML date or time has no JSON form: no copy, parsed each time
        return
    temporary = copy.with_name(f"{copy.name}.{os.getpid()}.tmp")
    try:
        copy.parent.mkdir(exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, copy)  # whole or not at all, whoever else is writing it
    except OSError:  # a read-only installation: parsed again next time
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
