"""The bundled catalogue's content: complete, bilingual, well referenced, honest about the CNIL draft,
and sensible for each type of structure (a liberal practice is never asked hospital questions)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from clinicguard.core.catalogue import bundled_catalogue, load_catalogue
from clinicguard.model.catalogue import (
    COST_UNITS,
    SOURCE_STATUSES,
    Recommendation,
    Reference,
    Structure,
    SuggestedAction,
)

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


# --- version 2026.1: costs with units, what changed and why, the topics the 2025.1 review found missing ---------

OLD_VERSION = Path(__file__).parent / "data" / "catalogue_2025_1.toml"
# items whose meaning changed in 2026.1: an answer given under 2025.1 goes back to review
REVIEWED_2026 = {
    "GOV-ROLES-03", "GOV-RISK-02", "GOV-RET-02", "GOV-RET-03", "GOV-RET-04", "GOV-PAT-01", "GOV-PAT-02",
    "GOV-SUB-02", "SEC-AUTH-01", "SEC-AUTH-02", "SEC-AUTH-05", "SEC-NET-01", "TRN-INC-06", "TRN-INC-07",
}


def french(item) -> str:
    return " ".join(getattr(item, f)["fr"] for f in TEXT_FIELDS)


def test_every_action_states_the_unit_of_its_cost(items):
    for item in items:
        for action in item.actions:
            assert action.cost_unit in COST_UNITS, (item.id, action.title["en"])
            if action.cost_max_eur:
                assert action.unit_label and action.unit_label in action.cost_band, (item.id, action.cost_band)
            assert action.for_structures <= item.applies_to, item.id


def test_every_structure_is_offered_an_action_for_every_item(items):
    for item in items:
        for structure in item.applies_to:
            assert item.actions_for(structure), (item.id, structure)
            marked = [a for a in item.actions if a.for_structures]
            if marked and len(marked) == len(item.actions):
                assert any(a.suits(structure) for a in item.actions), (item.id, structure)


def test_a_clinic_dpo_and_dpia_cost_more_than_a_practice_one(catalogue):
    for item_id in ("GOV-ROLES-03", "GOV-RISK-02"):
        item = catalogue.get(item_id)
        clinic = max(a.cost_max_eur for a in item.actions_for(Structure.CLINIC))
        practice = max(a.cost_max_eur for a in item.actions_for(Structure.GROUP_PRACTICE))
        assert clinic > practice, item_id
        assert all(a.cost_unit == "per-year" for a in item.actions_for(Structure.CLINIC) if item_id == "GOV-ROLES-03")


def test_the_costs_note_is_dated_and_removes_the_outdated_figures(catalogue, items):
    assert set(catalogue.costs_note) == {"fr", "en"}
    assert "décembre 2026" in catalogue.costs_note["fr"] and "December 2026" in catalogue.costs_note["en"]
    assert "devis" in catalogue.costs_note["fr"] and "quote" in catalogue.costs_note["en"]
    for item in items:
        assert "tarif 2018" not in french(item) and "2018 price" not in item.why["en"], item.id
    assert "8 100" not in french(catalogue.get("GOV-STEER-05"))


def test_items_whose_meaning_changed_say_why_in_both_languages(catalogue, items):
    changed = {i.id for i in items if i.changed_in == catalogue.version}
    assert changed == REVIEWED_2026
    for item in items:
        assert bool(item.changed_in) == bool(item.review), item.id
        if item.review:
            assert set(item.review) == {"fr", "en"} and item.review["fr"] != item.review["en"], item.id
            assert len(item.review["fr"]) <= 300 and len(item.review["en"]) <= 300, item.id
            assert item.needs_review("2025.1") and not item.needs_review(catalogue.version), item.id
    # the catalogue's own note names every one of them
    for item_id in REVIEWED_2026:
        assert item_id in catalogue.changes["fr"] and item_id in catalogue.changes["en"], item_id


def test_english_uses_english_words(items):
    for item in items:
        texts = [getattr(item, f)["en"] for f in TEXT_FIELDS] + [a.title["en"] for a in item.actions]
        texts += [item.uncertain.get("en", ""), item.review.get("en", "")]
        for text in texts:
            assert not re.search(r"\bliberal\b|\breferential\b|\bfiches?\b", text, re.IGNORECASE), (item.id, text)
            assert not re.search(r"\bDPI\b(?!\))", text), (item.id, text)


@pytest.mark.parametrize("item_id, needles, ref", [
    ("GOV-PAT-02", ("8 jours", "48 heures", "2 mois", "5 ans"), ("csp", "art. L.1111-7")),
    ("GOV-RET-03", ("90 jours", "trois mois"), ("other", "code de la sécurité sociale, art. R.161-47")),
    ("GOV-RET-04", ("20 ans", "28 ans", "décès", "recours"), ("csp", "art. R.1112-7")),
    ("GOV-RET-02", ("28 ans", "décès", "recours"), ("csp", "art. R.1112-7")),
    ("GOV-SUB-02", ("instructions", "sous-traitance ultérieure", "audits", "restitution"), ("gdpr", "art. 28(3)")),
    ("GOV-RISK-02", ("clinique",), ("cnil-deliberation", "n° 2018-327")),
    ("SEC-AUTH-02", ("1er janvier 2026", "e-CPS", "substantiel"), ("ans-pgssi-s", "référentiel d'identification électronique (arrêté du 28 mars 2022)")),
    ("SEC-NET-01", ("WPA3",), ("cnil-guide-2024", "fiche 8")),
    ("TRN-INC-06", ("portail de signalement des événements sanitaires indésirables", "laboratoires", "radiothérapie"),
     ("other", "décret n° 2016-1214 et décret n° 2022-715")),
    ("TRN-INC-07", ("Cybermalveillance.gouv.fr",), ("csp", "art. L.1111-8-2")),
])
def test_corrections_found_in_the_texts(catalogue, item_id, needles, ref):
    item = catalogue.get(item_id)
    text = french(item) + " " + " ".join(a.title["fr"] for a in item.actions)
    for needle in needles:
        assert needle in text, (item_id, needle)
    assert ref in {(r.source, r.ref) for r in item.references}, (item_id, item.references)


def test_duties_are_not_overstated(catalogue, items):
    # the 10,000-patient figure is the référentiel's benchmark, never a legal trigger
    for item in items:
        if "10 000" in french(item):
            assert "repère" in french(item), item.id
    assert "interdit" not in french(catalogue.get("SEC-LOG-03"))
    assert "Non conforme" not in catalogue.get("GOV-ACCESS-05").how_to_check["fr"]
    # the CNIL's 2024 report asked for robust authentication; the two-factor deadline is the ANS framework's
    mfa = catalogue.get("SEC-AUTH-05")
    assert "robuste" in mfa.why["fr"] and "1er janvier 2026" in mfa.why["fr"]
    # a good password alone is no longer presented as enough
    assert "SEC-AUTH-02" in catalogue.get("SEC-AUTH-01").why["fr"]


def test_clinics_are_asked_about_patient_information_and_requests(catalogue):
    for item_id in ("GOV-PAT-01", "GOV-PAT-02", "GOV-PAT-04"):
        assert catalogue.get(item_id).applies(Structure.CLINIC), item_id


# topic of the 2025.1 review -> (item, the structures it must reach)
MISSING_TOPICS = {
    "legal basis and the care team": ("GOV-PAT-05", set(Structure)),
    "other patient rights and their deadlines": ("GOV-PAT-06", set(Structure)),
    "CaRE domain 2: written security policy": ("GOV-STEER-07", {Structure.CLINIC}),
    "CaRE domain 2: crisis unit and the emergency plan": ("SEC-CONT-03", {Structure.CLINIC}),
    "CaRE domain 2: impact analysis, continuity and recovery plans": ("SEC-CONT-04", {Structure.CLINIC}),
    "CaRE domain 2: backups' own authentication and monitoring": ("SEC-BAK-06", {Structure.CLINIC}),
    "vulnerability watch and patching": ("SEC-NET-03", set(Structure)),
    "Internet exposure": ("SEC-NET-04", set(Structure)),
    "separate administrator accounts": ("SEC-AUTH-06", set(Structure)),
    "MFA for e-mail, cloud and administration": ("SEC-AUTH-07", set(Structure)),
    "e-mail filtering and endpoint protection": ("SEC-WKS-05", set(Structure)),
    "network segmentation": ("SEC-NET-05", {Structure.GROUP_PRACTICE, Structure.HEALTH_CENTRE, Structure.CLINIC}),
    "biomedical devices": ("SEC-NET-06", set(Structure)),
    "teleconsultation": ("SEC-EXCH-04", set(Structure)),
    "complaint and Cybermalveillance.gouv.fr": ("TRN-INC-08", set(Structure)),
    "cyber insurance": ("GOV-STEER-08", set(Structure)),
    "paper records": ("GOV-RET-05", set(Structure)),
    "closing or handing over a practice": ("GOV-RET-06", {Structure.INDIVIDUAL_PRACTICE, Structure.GROUP_PRACTICE}),
}


@pytest.mark.parametrize("topic", sorted(MISSING_TOPICS))
def test_each_missing_topic_has_an_item_for_the_right_structures(catalogue, topic):
    item_id, structures = MISSING_TOPICS[topic]
    item = catalogue.get(item_id)
    assert item is not None, topic
    assert item.applies_to == structures, (topic, item.applies_to)
    assert item.references and all(r.ref.strip() for r in item.references), topic
    assert item.title["fr"] != item.title["en"], topic


def test_care_domain_2_items_stay_with_clinics(catalogue):
    care_domain_2 = [i for i in catalogue.items if any("CaRE, domaine 2" in r.ref for r in i.references)]
    assert {i.id for i in care_domain_2} == {"GOV-STEER-07", "SEC-BAK-06", "SEC-CONT-03", "SEC-CONT-04"}
    for item in care_domain_2:
        assert item.applies_to == {Structure.CLINIC} and item.uncertain, item.id


def test_the_previous_version_still_loads_under_the_new_schema():
    old = load_catalogue(OLD_VERSION)
    assert old.version == "2025.1" and len(old.items) == 88
    assert all(a.cost_unit is None and not a.for_structures for i in old.items for a in i.actions)
    assert not any(i.changed_in or i.review for i in old.items) and old.costs_note == {}
    new = bundled_catalogue()
    assert {i.id for i in old.items} <= {i.id for i in new.items}, "2026.1 withdraws nothing"
    # an old band without a unit reads as before
    assert old.get("SEC-AUTH-02").actions[1].cost_band == new.get("SEC-AUTH-02").actions[1].cost_band.rsplit(" ", 2)[0]


# --- what kind of text each item rests on ----------------------------------------------------------------------------

DUTY_WORDS = re.compile(r"\bobligatoires?\b|\bobligation légale\b|la loi (impose|exige)|\best interdite?\b|\bil est interdit\b",
                        re.IGNORECASE)


def test_every_item_says_what_kind_of_text_it_rests_on(items):
    for item in items:
        assert item.source_status in SOURCE_STATUSES, item.id
        assert item.source_status_label, item.id
        if item.source_status == "draft":
            assert item.from_cnil_draft, item.id
        if item.from_cnil_draft:  # a draft item is a draft unless a text in force already sets the rule
            assert item.source_status in ("draft", "regulation", "law"), item.id
        if item.source_status == "cnil-referentiel":
            assert any(r.source == "cnil-referentiel-2020" for r in item.references), item.id
        if item.is_legal_duty:
            assert any(r.source in ("gdpr", "csp", "penal-code", "cgi") or "arrêté" in r.ref or "décret" in r.ref
                       or r.source == "cnil-deliberation" for r in item.references if not r.uncertain), item.id
    statuses = Counter(i.source_status for i in items)
    assert statuses["recommendation"] > statuses["law"] > 0 and statuses["draft"] and statuses["good-practice"]


def test_a_recommendation_is_never_worded_as_a_legal_duty(items):
    for item in items:
        if not item.is_legal_duty:
            text = " ".join(getattr(item, f)["fr"] for f in ("title", "question", "why"))
            assert not DUTY_WORDS.search(text), (item.id, item.source_status, DUTY_WORDS.search(text).group(0))


def test_some_statuses_are_the_reviewers_reading(catalogue):
    assert catalogue.get("GOV-RET-04").source_status == "regulation"  # R.1112-7 binds, whatever the draft becomes
    assert catalogue.get("GOV-STEER-08").source_status == "good-practice"  # insurance is a choice
    assert catalogue.get("TRN-INC-07").source_status == "good-practice"  # reporting by a practice is not proven
    assert catalogue.get("SEC-AUTH-02").source_status == "regulation"  # the ANS framework, binding by an order
    assert catalogue.get("GOV-RET-01").source_status == "cnil-referentiel"
