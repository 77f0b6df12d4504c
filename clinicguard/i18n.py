"""One message catalogue for the core, the CLI and the GUI.

The core must speak the user's language without importing Qt, so every
user-visible string, in every layer, goes through `tr()`: the source text is
English and `resources/translations/fr.toml` holds the French, with one more file per
area in `resources/translations/fr/` (all merged; a text translated twice is an error). French is the
default language; `CLINICGUARD_LANG=en` or `--lang en` switches to English.

A text that counts something goes through `trn(singular, plural, n)`: the
language's CLDR plural rule (Babel's, written out for French and English) picks the form, so French says
"0 action", "1 action", "2 actions" and English "0 actions", "1 action".
A word that translates differently by where it appears goes through
`trc(context, text)`, like gettext's pgettext.

fr.toml holds three kinds of entry:
    "English text" = "texte français"                 # tr()
    [plural."{n} file"]                               # trn(), keyed by the English singular
    one = "{n} fichier"                               # CLDR category "one" (fr: 0 and 1)
    other = "{n} fichiers"                            # every other number ("many" falls back to it)
    [context.assessment]                              # trc(), one table per context
    "Saved" = "Enregistrée"
"""

from __future__ import annotations

import os
from functools import cache, lru_cache

from clinicguard.paths import read_bundled_toml, resources_dir

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


PLURAL_TABLE = "plural"
CONTEXT_TABLE = "context"


def translation_files(lang: str) -> list:
    """`lang`'s translation files: `fr.toml`, then one file per area in `fr/` (`fr/backup.toml`...),
    so that work on different areas never edits the same file."""
    folder = resources_dir() / "translations"
    return [folder / f"{lang}.toml", *sorted((folder / lang).glob("*.toml"))]


def merge_catalogues(parts: list[tuple[str, dict]]) -> dict:
    """One catalogue from several files' tables; a text translated twice is an error naming both files."""
    merged: dict = {PLURAL_TABLE: {}, CONTEXT_TABLE: {}}
    origin: dict[tuple, str] = {}

    def put(table: dict, key: str, value, where: tuple, name: str) -> None:
        if where in origin:
            raise ValueError(f"{key!r} is translated in both {origin[where]} and {name}")
        origin[where] = name
        table[key] = value

    for name, data in parts:
        for key, value in data.items():
            if key == PLURAL_TABLE:
                for singular, forms in value.items():
                    put(merged[PLURAL_TABLE], singular, forms, (PLURAL_TABLE, singular), name)
            elif key == CONTEXT_TABLE:
                for context, texts in value.items():
                    table = merged[CONTEXT_TABLE].setdefault(context, {})
                    for text, translated in texts.items():
                        put(table, text, translated, (CONTEXT_TABLE, context, text), name)
            else:
                put(merged, key, value, ("text", key), name)
    return merged


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict:
    """All of `lang`'s translation files, merged as read from TOML (empty for English, the source);
    each file from its parsed copy while it is unchanged (paths.read_bundled_toml)."""
    if lang == "en":
        return {}
    parts, folder = [], resources_dir() / "translations"
    for path in translation_files(lang):
        parts.append((path.relative_to(folder).as_posix(), read_bundled_toml(path)))
    return merge_catalogues(parts)


@lru_cache(maxsize=None)
def translations(lang: str) -> dict[str, str]:
    """The plain texts of `lang` (what `tr()` looks up), without the plural and context tables."""
    return {en: text for en, text in catalogue(lang).items() if isinstance(text, str)}


def plurals(lang: str) -> dict[str, dict[str, str]]:
    return catalogue(lang).get(PLURAL_TABLE, {})


def contexts(lang: str) -> dict[str, dict[str, str]]:
    return catalogue(lang).get(CONTEXT_TABLE, {})


def _french(n: int) -> str:  # CLDR: one: i = 0,1; many: e = 0 and i != 0 and i % 1000000 = 0 and v = 0
    return "one" if n in (0, 1) else "many" if n % 1_000_000 == 0 else "other"


def _english(n: int) -> str:  # CLDR: one: i = 1 and v = 0
    return "one" if n == 1 else "other"


# The rules of the two languages shipped, for whole numbers (what trn counts), written out: Babel's
# locale data cost 50 to 130 ms at the window's first count. tests/test_i18n.py checks them
# against Babel's; any other number goes to Babel.
_WHOLE_NUMBER_RULES = {"fr": _french, "en": _english}


@cache
def _babel_rule(lang: str):
    # Imported here, not at the top: Babel and its locale data cost about 55 ms, which every CLI
    # command would pay at start-up although most print no count.
    from babel.core import Locale

    return Locale.parse(lang).plural_form


@cache
def plural_rule(lang: str):
    """The CLDR plural rule of `lang`: a callable giving a number's category ("one", "many", "other"...)."""
    whole = _WHOLE_NUMBER_RULES.get(lang)
    if whole is None:
        return _babel_rule(lang)

    def rule(n) -> str:
        return whole(n) if type(n) is int else _babel_rule(lang)(n)

    return rule


def tr(text: str, /, **params: object) -> str:
    """Translate `text` (English source) into the current language, then format it."""
    translated = translations(_language).get(text, text)
    return translated.format(**params) if params else translated


def trn(singular: str, plural: str, n: int, /, **params: object) -> str:
    """Translate a text that counts `n` things, in the plural form the current language uses for `n`.

    `singular` and `plural` are the English forms; `n` is passed to format as `{n}`.
    """
    category = plural_rule(_language)(n)
    forms = plurals(_language).get(singular)
    if forms:
        text = forms.get(category) or forms["other"]
    else:
        text = singular if category == "one" else plural
    return text.format(n=n, **params)


def trc(context: str, text: str, /, **params: object) -> str:
    """Translate `text` as it reads in `context` (a word that the languages translate differently by use)."""
    translated = contexts(_language).get(context, {}).get(text, text)
    return translated.format(**params) if params else translated


def pick(texts: dict[str, str]) -> str:
    """Choose the current language's version of a bilingual text from the catalogue."""
    return texts.get(_language) or texts.get("fr") or next(iter(texts.values()), "")
