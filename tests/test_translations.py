"""French is the default language: every text shown to a user has its French translation,
counts take the plural form each language uses, and a word can read differently by context."""

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import update_translations  # noqa: E402

from clinicguard.i18n import set_language, tr, trc, trn  # noqa: E402


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("fr")


def test_every_user_visible_text_is_translated_to_french():
    missing = update_translations.missing()
    assert not missing, "\n".join(f"{where}: {text}" for text, where in missing.items())


def test_every_count_has_its_french_plural_forms():
    missing = update_translations.missing_plurals()
    assert not missing, "\n".join(f"{where}: {text}" for text, where in missing.items())


def test_every_contextual_text_is_translated_in_its_context():
    missing = update_translations.missing_contexts()
    assert not missing, "\n".join(f"{where}: {context}: {text}" for (context, text), where in missing.items())


def test_plural_and_context_texts_are_literals_the_check_can_read():
    assert not update_translations.unchecked_calls()


def test_no_translation_is_left_without_its_source():
    assert not update_translations.obsolete()


def test_translations_keep_placeholders():
    assert not update_translations.placeholder_mismatches()


def test_french_plural_tables_name_only_french_categories():
    from babel.core import Locale

    categories = Locale.parse("fr").plural_form.tags | {"other"}
    tables = update_translations.french()["plural"]
    wrong = {singular: sorted(set(forms) - categories) for singular, forms in tables.items() if set(forms) - categories}
    assert not wrong, wrong


def test_no_source_text_says_s_in_brackets():
    """A count is phrased with trn(), never "file(s)": neither in the English nor in the French."""
    sources = list(update_translations.source_texts())
    sources += [text for singular, (plural, _) in update_translations.plural_texts().items() for text in (singular, plural)]
    french = update_translations.french()
    sources += [text for text in french.values() if isinstance(text, str)]
    sources += [text for forms in french["plural"].values() for text in forms.values()]
    assert not [text for text in sources if re.search(r"\w\((s|es|x)\)", text)]


def test_no_view_decides_plurals_by_hand():
    """Plurals come from the language's CLDR rule in i18n, not from `n == 1` or `language() == "fr"` next to a text."""
    offenders = []
    for path in sorted((ROOT / "clinicguard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.IfExp) and any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "tr"
                                                   for n in ast.walk(node.body)):
                test = ast.unparse(node.test)
                if re.search(r"(==|!=|>|<)\s*1\b|_singular|plural", test):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {test}")
    assert not offenders, offenders


def test_french_puts_zero_and_one_in_the_singular():
    # the action count above the plan's table
    assert [trn("{n} action", "{n} actions", n) for n in (0, 1, 2)] == ["0 action", "1 action", "2 actions"]
    assert trn("{n} file added to the evidence vault.", "{n} files added to the evidence vault.", 0) == \
        "0 fichier ajouté au coffre des preuves."
    assert trn("{n} file added to the evidence vault.", "{n} files added to the evidence vault.", 3) == \
        "3 fichiers ajoutés au coffre des preuves."


def test_english_puts_only_one_in_the_singular(english):
    assert [trn("{n} action", "{n} actions", n) for n in (0, 1, 2)] == ["0 actions", "1 action", "2 actions"]


def test_a_french_count_of_a_million_uses_the_other_form():
    # CLDR gives French a "many" category for 1,000,000; without a "many" text, "other" is used
    assert trn("{n} action", "{n} actions", 1_000_000) == "1000000 actions"


def test_plural_forms_keep_other_placeholders():
    text = trn("Wrong PIN for {name}: {n} attempt left before the profile locks.",
               "Wrong PIN for {name}: {n} attempts left before the profile locks.", 1, name="Léa")
    assert text == "Code PIN erroné pour Léa : encore 1 essai avant le verrouillage du profil."


def test_a_word_translates_by_its_context():
    assert trc("assessment", "Saved") == "Enregistrée"
    assert trc("settings", "Saved") == "Paramètres enregistrés"


def test_a_contextual_word_is_the_source_text_in_english(english):
    assert trc("assessment", "Saved") == trc("settings", "Saved") == "Saved"


def test_french_is_the_default_and_english_is_available():
    from clinicguard.model.checklist import Status

    assert Status.PARTIAL.label == "Partiellement conforme"
    set_language("en")
    try:
        assert Status.PARTIAL.label == "Partly compliant"
    finally:
        set_language("fr")


def test_tr_never_returns_a_table():
    assert tr("plural") == "plural" and tr("context") == "context"


def test_area_files_are_merged_and_a_text_translated_twice_is_refused():
    from clinicguard.i18n import merge_catalogues

    merged = merge_catalogues([("fr.toml", {"Save": "Enregistrer", "plural": {"{n} file": {"one": "a", "other": "b"}}}),
                               ("fr/backup.toml", {"Back up": "Sauvegarder", "context": {"x": {"Saved": "Enregistrée"}}})])
    assert merged["Save"] == "Enregistrer" and merged["Back up"] == "Sauvegarder"
    assert merged["plural"]["{n} file"]["other"] == "b" and merged["context"]["x"]["Saved"] == "Enregistrée"
    with pytest.raises(ValueError, match="fr/backup.toml"):
        merge_catalogues([("fr.toml", {"Save": "Enregistrer"}), ("fr/backup.toml", {"Save": "Sauver"})])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_written_out_plural_rules_are_babels(lang):
    """The French and English rules are written out (Babel's locale data slowed the window's first
    count): for whole numbers they give Babel's category, and anything else still goes to Babel."""
    from babel.core import Locale

    from clinicguard.i18n import plural_rule

    babel = Locale.parse(lang).plural_form
    numbers = [*range(2_100), *range(999_990, 1_000_011), 2_000_000, 3_500_000, 10**9, 10**12 + 1]
    assert {n: plural_rule(lang)(n) for n in numbers} == {n: babel(n) for n in numbers}
    assert plural_rule(lang)(1.5) == babel(1.5)


def test_a_million_is_many_in_french_and_counts_read_right(english):
    set_language("fr")
    assert trn("{n} file", "{n} files", 0) == "0 fichier"
    assert trn("{n} file", "{n} files", 2) == "2 fichiers"
    assert trn("{n} file", "{n} files", 1_000_000) == "1000000 fichiers"  # "many" falls back to "other"
    set_language("en")
    assert trn("{n} file", "{n} files", 0) == "0 files"
    assert trn("{n} file", "{n} files", 1) == "1 file"
