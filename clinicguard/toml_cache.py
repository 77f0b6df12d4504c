"""The bundled TOML files (the catalogue, the translations) parsed once per content, not at every
start: Python's TOML parser spends 30 to 100 ms on them, reading the parsed tables back takes
about 1 ms (issue 18).

The parsed tables are kept in the user's cache folder (`CLINICGUARD_CACHE_DIR` to choose another,
empty to keep none) in Python's `marshal` format, under a name made of the file's content digest
and the Python version: a changed file, or another Python, never reads an old copy. Only plain
data is written and read back (tables, lists, strings, numbers; a file holding a TOML date is
parsed every time); a copy that cannot be read is parsed again and rewritten; a folder that
cannot be written only costs the parse.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tomllib
from pathlib import Path

import platformdirs

from clinicguard.paths import APP_NAME

CACHE_ENV = "CLINICGUARD_CACHE_DIR"
_FORMAT = 1  # raise when what is kept changes shape
_CHECK = 16  # a copy starts with the digest of what follows: a damaged copy is parsed again


def _check(packed: bytes) -> bytes:
    return hashlib.blake2b(packed, digest_size=_CHECK).digest()


def cache_dir() -> Path | None:
    """Where parsed copies are kept; None when `CLINICGUARD_CACHE_DIR` is set empty."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(platformdirs.user_cache_dir(APP_NAME, APP_NAME)) / "parsed"


def _copy_name(name: str, data: bytes) -> tuple[str, str]:
    stem = "".join(c if c.isalnum() else "-" for c in name)
    digest = hashlib.blake2b(data + b"\0%d %d.%d" % (_FORMAT, *sys.version_info[:2]), digest_size=16).hexdigest()
    return stem, f"{stem}.{digest}.marshal"


def loads(name: str, data: bytes) -> dict:
    """`data` (a TOML file's bytes; `name` says which file) parsed, as tomllib.loads would give it.
    Raises tomllib.TOMLDecodeError and UnicodeDecodeError as parsing it does."""
    folder = cache_dir()
    if folder is None:
        return tomllib.loads(data.decode())
    stem, file_name = _copy_name(name, data)
    copy = folder / file_name
    try:
        kept = copy.read_bytes()
        if _check(kept[_CHECK:]) == kept[:_CHECK]:
            parsed = marshal.loads(kept[_CHECK:])
            if isinstance(parsed, dict):
                return parsed
    except (OSError, ValueError, EOFError, TypeError):
        pass
    parsed = tomllib.loads(data.decode())
    _keep(folder, stem, copy, parsed)
    return parsed


def _keep(folder: Path, stem: str, copy: Path, parsed: dict) -> None:
    try:
        packed = marshal.dumps(parsed)
    except ValueError:  # a TOML date or time: parsed at each start, as before
        return
    draft = copy.with_name(f"{copy.name}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{stem}.*.marshal"):  # the copies of earlier contents of that file
            old.unlink(missing_ok=True)
        draft.write_bytes(_check(packed) + packed)
        os.replace(draft, copy)  # whole or absent: a reader never sees half a copy
    except OSError:
        try:
            draft.unlink(missing_ok=True)
        except OSError:  # no folder to write in at all
            pass
