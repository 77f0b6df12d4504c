"""French is the default language: every text shown to a user has its French translation."""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import update_translations  # noqa: E402


def test_every_user_visible_text_is_translated_to_french():
    missing = update_translations.missing()
    assert not missing, "\n".join(f"{where}: {text}" for text, where in missing.items())


def test_no_translation_is_left_without_its_source():
    assert not update_translations.obsolete()


def test_translations_keep_placeholders():
    with open(ROOT / "resources" / "translations" / "fr.toml", "rb") as fh:
        french = tomllib.load(fh)
    pattern = re.compile(r"\{[^{}]*\}")
    wrong = [en for en, fr in french.items() if fr and sorted(pattern.findall(en)) != sorted(pattern.findall(fr))]
    assert not wrong, wrong


def test_french_is_the_default_and_english_is_available():
    from clinicguard.model.checklist import Status
    from clinicguard.i18n import set_language

    assert Status.PARTIAL.label == "Partiellement conforme"
    set_language("en")
    try:
        assert Status.PARTIAL.label == "Partly compliant"
    finally:
        set_language("fr")
