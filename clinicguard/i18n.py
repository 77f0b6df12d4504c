"""One message catalogue for the core, the CLI and the GUI.

The core must speak the user's language without importing Qt, so every
user-visible string, in every layer, goes through `tr()`: the source text is
English and `resources/translations/fr.toml` holds the French. French is the
default language; `CLINICGUARD_LANG=en` or `--lang en` switches to English.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache

from clinicguard.paths import resources_dir

LANGUAGES = ("fr", "en")
_env_lang = os.environ.get("CLINICGUARD_LANG", "fr")
_language = _env_lang if _env_lang in LANGUAGES else "fr"


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _language = lang


def language() -> str:
    return _language


@lru_cache(maxsize=None)
def translations(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    with open(resources_dir() / "translations" / f"{lang}.toml", "rb") as fh:
        return tomllib.load(fh)


def tr(text: str, /, **params: object) -> str:
    """Translate `text` (English source) into the current language, then format it."""
    translated = translations(_language).get(text, text)
    return translated.format(**params) if params else translated


def pick(texts: dict[str, str]) -> str:
    """Choose the current language's version of a bilingual text from the catalogue."""
    return texts.get(_language) or texts.get("fr") or next(iter(texts.values()), "")
