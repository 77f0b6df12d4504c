"""Names of the decrypted files that leave the vault: safe on every system, never overwriting."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from clinicguard.core.fsutil import fit_bytes

# Windows refuses these names whatever the extension ("CON.txt" is the console).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{n}" for p in ("COM", "LPT") for n in "123456789¹²³"}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# In UTF-8 bytes, with room for " (99)" (free_name) under the file system's 255.
_MAX_NAME_BYTES = 200
_MAX_NAME_CHARS = 150  # and short enough to read
# Bidirectional controls make "photo\u202Efdp.exe" display as "photoexe.pdf": removed, never shown.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def safe_file_name(name: str, fallback: str = "preuve") -> str:
    """A file name that cannot leave the chosen folder nor upset Windows.

    No separators, no '..', no control or reserved characters, no reserved device names
    (CON, NUL, COM1...), no trailing dots or spaces, and a bounded length.
    """
    name = unicodedata.normalize("NFC", str(name))
    # Keep only the last component of whatever path-like thing we were given.
    name = re.split(r"[/\\]", name)[-1]
    name = _BIDI.sub("", name)
    name = _FORBIDDEN.sub("_", name)
    name = name.strip().rstrip(". ")
    name = name.lstrip(".")  # no hidden files, no '..'
    if not name:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].strip().upper() in _RESERVED or name.upper() in _RESERVED:
        name = f"_{name}"
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES or len(name) > _MAX_NAME_CHARS:
        ext = name.rpartition(".")[2] if "." in name else ""
        ext = f".{ext}" if ext and len(ext) < 16 else ""
        keep = _MAX_NAME_BYTES - len(ext.encode("utf-8"))
        name = fit_bytes(name, keep)[:_MAX_NAME_CHARS - len(ext)].rstrip(". ") + ext
    return name


def free_name(path: Path) -> Path:
    """Never overwrite a file the user already has: add ' (2)', ' (3)'..."""
    if not path.exists():
        return path
    stem, suffix = path.stem, path.suffix
    n = 2
    while (candidate := path.with_name(f"{stem} ({n}){suffix}")).exists():
        n += 1
    return candidate
