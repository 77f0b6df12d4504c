"""The bundled catalogue's content: complete, bilingual, well referenced, honest about the CNIL draft,
and sensible for each type of structure (a liberal practice is never asked hospital questions)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from clinicguard.model.catalogue import Recommendation, Reference, Structure, SuggestedAction
from clinicguard.core.catalogue import bundled_catalogue, load_catalogue

TEXT_FIELDS = ("title", "question", "why", "how_to_check", "evidence")
DOMAIN_PREFIX = {"governance": "GOV", "security": "SEC", "training": "TRN"}
SEED_IDS = {
    "gov-roles", "gov-access-policy", "gov-documentation",
    "sec-encryption", "sec-traceability", "sec-backups",
    "train-continuous", "train-incidents", "train-culture",
    "track-audit", "track-action-plan", "track-training", "track-documentation", "track-budget",
}
# Items written for hospitals and other establishments: DPO for large-scale processing, DPIA above the
# threshold, DPI governance/homologation/matrix/partitioning, the CaRE programme, the establishments'
# incident-reporting decree. None of them may be put to a professional practising alone.
HOSPITAL_ONLY_IDS = {
    "GOV-ROLES-03",  # DPO for large-scale processing
    "GOV-ROLES-04",  # DPI governance (draft)
    "GOV-ACCESS-06",  # DPI access-rights matrix (draft)
    "GOV-RISK-02",  # DPIA above the threshold
    "GOV-RISK-04",  # DPIA per DPI project (draft)
    "GOV-RISK-05",  # DPI homologation (draft)
    "GOV-STEER-06",  # CaRE programme
    "SEC-AUTH-05",  # MFA on the DPI (draft)
    "SEC-ENC-05",  # DPI data partitioning (draft)
    "TRN-INC-06",  # establishments' incident-reporting decree
}
HOSPITAL_WORDS = re.compile(r"\bDPI\b|homologation|programme CaRE|établissements? de santé", re.IGNORECASE)

REF_PATTERNS = {
    "gdpr": r"art\. \d+(\(\d+\))?(\([a-z]\))?",
    "cnil-guide-2024": r"fiche \d{1,2}",
    "cnil-referentiel-2020": r"délibération n° 2020-081(, .+)?",
    "cnil-dpi-draft-2025": r"fiche « [^«»]+ »",
    "cnil-deliberation": r"n° 20\d\d-\d{3}",
    "ans-pgssi-s": r"\S.{9,}",
    "csp": r"art\. [LRD]\.\d{4}-\d+(-\d+)?",
    "penal-code": r"art\. \d{3}-\d+(-\d+)?",
    "cgi": r"art\. \d+(-\d+)*°?",
    "other": r"\S.{9,}",
}
ACCENTED = re.compile(r"[éèêàâùûçôîœ]")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def items(catalogue) -> tuple[Recommendation, ...]:
    return catalogue.items


def applicable(items, structure: Structure) -> list[Recommendation]:
    return [item for item in items if item.applies(structure)]


# --- size and shape ------------------------------------------------------------------------------


def test_bundled_catalogue_is_the_default_file(catalogue):
    assert [i.id for i in bundled_catalogue().items] == [i.id for i in catalogue.items]


def test_item_count_is_within_range(items):
    assert 60 <= len(items) <= 130, len(items)


def test_exactly_the_three_domains(catalogue, items):
    assert [d.id for d in catalogue.domains] == ["governance", "security", "training"]
    per_domain = Counter(i.domain for i in items)
    for domain in DOMAIN_PREFIX:
        assert per_domain[domain] >= 10, per_domain


def test_themes_unique_and_all_used(catalogue, items):
    theme_ids = [t.id for t in catalogue.themes]
    assert len(theme_ids) == len(set(theme_ids)), "duplicate theme id"
    used = {i.theme for i in items}
    assert set(theme_ids) == used, set(theme_ids) ^ used
    for theme in catalogue.themes:
        assert theme.title["fr"].strip() and theme.title["en"].strip() and theme.title["fr"] != theme.title["en"]


def test_ids_unique_stable_and_prefixed_by_domain(items):
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), [x for x, n in Counter(ids).items() if n > 1]
    code_of_theme: dict[str, set[str]] = defaultdict(set)
    for item in items:
        match = re.fullmatch(r"([A-Z]+)-([A-Z]+)-(\d{2})", item.id)
        assert match, item.id
        assert match.group(1) == DOMAIN_PREFIX[item.domain], item.id
        code_of_theme[item.theme].add(match.group(2))
    # one code per theme, and no two themes of the same domain share a code
    for theme, codes in code_of_theme.items():
        assert len(codes) == 1, (theme, codes)
    pairs = [(i.domain, next(iter(code_of_theme[i.theme]))) for i in items]
    by_pair = defaultdict(set)
    for item, pair in zip(items, pairs):
        by_pair[pair].add(item.theme)
    assert all(len(themes) == 1 for themes in by_pair.values()), by_pair


def test_item_numbers_are_contiguous_within_each_theme(items):
    numbers = defaultdict(list)
    for item in items:
        prefix, number = item.id.rsplit("-", 1)
        numbers[prefix].append(int(number))
    for prefix, nums in numbers.items():
        assert sorted(nums) == list(range(1, len(nums) + 1)), (prefix, nums)


# --- texts ---------------------------------------------------------------------------------------


def test_every_text_field_is_filled_in_both_languages(items):
    for item in items:
        for name in TEXT_FIELDS:
            texts = getattr(item, name)
            assert set(texts) == {"fr", "en"}, (item.id, name)
            for lang in ("fr", "en"):
                assert texts[lang].strip(), (item.id, name, lang)
                assert len(texts[lang]) <= 450, (item.id, name, lang, "keep it to 1-3 sentences")
        assert 1 <= len(item.actions) <= 3, item.id
        for action in item.actions:
            assert isinstance(action, SuggestedAction)
            assert action.title["fr"].strip() and action.title["en"].strip(), item.id


def test_french_differs_from_english_and_is_french(items):
    for item in items:
        for name in TEXT_FIELDS:
            texts = getattr(item, name)
            assert texts["fr"] != texts["en"], (item.id, name)
        for action in item.actions:
            assert action.title["fr"] != action.title["en"], item.id
        french = " ".join(getattr(item, name)["fr"] for name in TEXT_FIELDS)
        assert ACCENTED.search(french), f"{item.id}: French text without a single accent"
        assert not re.search(r"\b(the|and|with|should)\b", french), f"{item.id}: English words in French text"


def test_questions_can_be_answered_yes_partly_no(items):
    for item in items:
        assert item.question["fr"].rstrip().endswith("?"), item.id
        assert item.question["en"].rstrip().endswith("?"), item.id


def test_ui_vocabulary_is_consistent(items):
    """The design's word for the responsible person is "responsable": a title never says "référent" alone,
    and the French interface says "recommandations", never "checklist"."""
    for item in items:
        title = item.title["fr"].lower()
        assert "référent" not in title or "responsable" in title, item.id
        assert "checklist" not in title, item.id


# --- seed recommendations and tracks --------------------------------------------------------------


def test_seed_recommendations_are_exactly_the_newsletter_ones(catalogue):
    ids = [sid for sid, _ in catalogue.seed_recommendations]
    assert len(ids) == len(set(ids))
    assert set(ids) == SEED_IDS
    for sid, title in catalogue.seed_recommendations:
        assert title["fr"].strip() and title["en"].strip() and title["fr"] != title["en"], sid


@pytest.mark.parametrize("seed", sorted(SEED_IDS))
def test_each_seed_is_served_by_at_least_three_items(items, seed):
    serving = [i.id for i in items if seed in i.seed]
    assert len(serving) >= 3, (seed, serving)


@pytest.mark.parametrize("structure", list(Structure))
def test_each_structure_sees_every_seed(items, structure):
    seen = {s for i in applicable(items, structure) for s in i.seed}
    assert SEED_IDS <= seen, SEED_IDS - seen


# --- references ----------------------------------------------------------------------------------


def test_references_are_well_formed(items):
    for item in items:
        assert item.references, item.id
        for ref in item.references:
            assert isinstance(ref, Reference)
            assert ref.source in REF_PATTERNS, (item.id, ref)
            assert re.fullmatch(REF_PATTERNS[ref.source], ref.ref), (item.id, ref)
            if ref.source == "cnil-guide-2024":
                assert 1 <= int(ref.ref.split()[1]) <= 25, (item.id, ref)


def test_guide_fiches_match_their_theme(items):
    """A few spot checks that references point at the right fiche of the 2024 guide."""
    expected = {
        "backups": {"fiche 17"}, "logging": {"fiche 16"}, "maintenance": {"fiche 15"},
        "workstations": {"fiche 6", "fiche 7"}, "premises": {"fiche 12"}, "continuity": {"fiche 18"},
    }
    for item in items:
        if item.theme in expected and not item.from_cnil_draft:
            refs = {r.ref for r in item.references if r.source == "cnil-guide-2024"}
            assert expected[item.theme] & refs, (item.id, refs)


def test_uncertain_references_are_explained(items):
    for item in items:
        if any(r.uncertain for r in item.references):
            assert item.uncertain.get("fr", "").strip() and item.uncertain.get("en", "").strip(), item.id
        if item.uncertain:
            assert set(item.uncertain) == {"fr", "en"}, item.id
            assert item.uncertain["fr"] != item.uncertain["en"], item.id


def test_known_uncertain_facts_are_flagged(catalogue):
    minors = catalogue.get("GOV-RET-02")
    assert "28" in minors.question["fr"] and minors.uncertain
    assert all(r.uncertain for r in minors.references)
    solo_reporting = catalogue.get("TRN-INC-07")
    assert solo_reporting.uncertain and all(r.uncertain for r in solo_reporting.references if r.source == "csp")
    for item in catalogue.items:
        if re.search(r"28e anniversaire", " ".join(getattr(item, f)["fr"] for f in TEXT_FIELDS)):
            assert item.uncertain, item.id


# --- the CNIL draft and the structures --------------------------------------------------------------


def test_draft_items_are_flagged_consistently(items):
    for item in items:
        cites_draft = any(r.source == "cnil-dpi-draft-2025" for r in item.references)
        assert cites_draft == item.from_cnil_draft, item.id
        if item.from_cnil_draft:
            assert all(r.uncertain for r in item.references if r.source == "cnil-dpi-draft-2025"), item.id
            assert "projet" in item.uncertain.get("fr", ""), item.id
            assert "draft" in item.uncertain.get("en", ""), item.id


def test_draft_items_never_reach_liberal_practices(items):
    drafts = [i for i in items if i.from_cnil_draft]
    assert drafts
    for item in drafts:
        assert item.applies(Structure.CLINIC), item.id
        assert not item.applies(Structure.INDIVIDUAL_PRACTICE), item.id
        assert not item.applies(Structure.GROUP_PRACTICE), item.id


@pytest.mark.parametrize("domain", sorted(DOMAIN_PREFIX))
def test_each_domain_has_draft_and_non_draft_items(items, domain):
    flags = {i.from_cnil_draft for i in items if i.domain == domain}
    assert flags == {True, False}, domain


def test_individual_practice_is_not_asked_hospital_questions(catalogue, items):
    solo = applicable(items, Structure.INDIVIDUAL_PRACTICE)
    assert len(solo) >= 40, len(solo)
    for item_id in HOSPITAL_ONLY_IDS:
        assert item_id in catalogue, item_id
    assert not {i.id for i in solo} & HOSPITAL_ONLY_IDS
    for item in solo:
        text = " ".join(getattr(item, f)["fr"] for f in TEXT_FIELDS)
        assert not HOSPITAL_WORDS.search(text), (item.id, HOSPITAL_WORDS.search(text).group(0))


def test_dpia_and_dpo_are_not_imposed_on_a_solo_practitioner(items):
    for item in applicable(items, Structure.INDIVIDUAL_PRACTICE):
        for ref in item.references:
            assert not (ref.source == "gdpr" and ref.ref in ("art. 35", "art. 37(1)(c)")), item.id


def test_clinic_has_every_draft_item_and_most_of_the_catalogue(items):
    clinic = applicable(items, Structure.CLINIC)
    assert {i.id for i in items if i.from_cnil_draft} <= {i.id for i in clinic}
    assert len(clinic) >= 60, len(clinic)
    assert HOSPITAL_ONLY_IDS <= {i.id for i in clinic}


@pytest.mark.parametrize("structure", [Structure.GROUP_PRACTICE, Structure.HEALTH_CENTRE])
def test_other_structures_have_a_sensible_set(items, structure):
    chosen = applicable(items, structure)
    assert 40 <= len(chosen) < len(items), len(chosen)
    solo = {i.id for i in applicable(items, Structure.INDIVIDUAL_PRACTICE)}
    # a structure with a team sees at least what a solo practitioner sees, apart from solo-only items
    assert len(solo - {i.id for i in chosen}) <= 3


def test_every_structure_is_covered_by_every_domain(items):
    for structure in Structure:
        domains = {i.domain for i in applicable(items, structure)}
        assert domains == set(DOMAIN_PREFIX), structure


def test_practice_retention_rule_is_not_given_to_clinics(catalogue):
    twenty_years = catalogue.get("GOV-RET-01")
    assert "20 ans" in twenty_years.question["fr"]
    assert twenty_years.applies(Structure.INDIVIDUAL_PRACTICE)
    assert not twenty_years.applies(Structure.CLINIC)


# --- severity and costs -----------------------------------------------------------------------------


def test_severities_are_realistic(catalogue, items):
    assert {i.severity for i in items} == {1, 2, 3, 4}
    critical = [i.id for i in items if i.severity == 4]
    assert 3 <= len(critical) <= len(items) // 8, critical
    for item_id in ("GOV-ACCESS-02", "SEC-BAK-01", "SEC-BAK-02"):  # shared accounts, no backup, no offline copy
        assert catalogue.get(item_id).severity == 4, item_id


def test_cost_bands_are_plausible(items):
    for item in items:
        for action in item.actions:
            assert action.effort in ("low", "medium", "high"), item.id
            assert action.cost_kind in ("investment", "running"), item.id
            assert 0 <= action.cost_min_eur <= action.cost_max_eur, item.id
            assert action.cost_max_eur <= 60_000, item.id
            if item.applies(Structure.INDIVIDUAL_PRACTICE) and action.suits(Structure.INDIVIDUAL_PRACTICE):
                assert action.cost_max_eur <= 5_000, (item.id, action.title["en"])


@pytest.mark.parametrize("item_id, keyword", [
    ("SEC-AUTH-02", "e-CPS"),
    ("SEC-ENC-01", "BitLocker"),
    ("TRN-EDU-01", "MOOC"),
    ("SEC-EXCH-01", "Mailiz"),
])
def test_free_measures_are_free(catalogue, item_id, keyword):
    actions = [a for a in catalogue.get(item_id).actions if keyword in a.title["fr"]]
    assert actions, (item_id, keyword)
    assert all(a.cost_min_eur == 0 and a.cost_max_eur == 0 for a in actions)


def test_a_good_share_of_actions_is_free(items):
    actions = [a for i in items for a in i.actions]
    free = [a for a in actions if a.cost_max_eur == 0]
    assert len(free) >= len(actions) // 3


# --- the sources note --------------------------------------------------------------------------------


def test_sources_are_honest_about_the_draft(catalogue):
    fr, en = catalogue.sources["fr"], catalogue.sources["en"]
    assert "projet" in fr.lower() and "consultation" in fr.lower()
    assert "draft" in en.lower() and "consultation" in en.lower()
    # it was a draft recommendation put to public consultation, with no final adoption found
    assert "projet de recommandation" in fr and "consultation publique" in fr and "définitive" in fr
    assert "draft recommendation" in en and "public consultation" in en and "final" in en
    # and practices are covered by the 2020 référentiel, not by the draft
    assert "cabinets libéraux" in fr and "private practices" in en
    assert "(?)" in fr and "(?)" in en
    for text in (fr, en):
        for needle in ("2020-081", "2022-100", "2021-122", "PGSSI-S", "2024"):
            assert needle in text, needle
    assert "RGPD" in fr and "GDPR" in en
    assert catalogue.version and re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalogue.date)
