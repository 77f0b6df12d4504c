"""A malformed catalogue is refused with a message naming the file, the item and the field."""

import re
from pathlib import Path

import pytest

from clinicguard.core.catalogue import load_catalogue
from clinicguard.model.catalogue import Structure
from clinicguard.model.errors import CatalogueError

SMALL = Path(__file__).parent / "data" / "catalogue_small.toml"


def variant(tmp_path, transform) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(transform(SMALL.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_small_catalogue_loads(small_catalogue):
    assert small_catalogue.version == "1.0"
    assert [i.id for i in small_catalogue.items] == ["GOV-ROLES-01", "GOV-ROLES-02", "SEC-BACKUP-01", "SEC-BACKUP-02"]
    assert not small_catalogue.get("GOV-ROLES-02").applies(Structure.INDIVIDUAL_PRACTICE)


@pytest.mark.parametrize(
    "transform, item, field",
    [
        (lambda s: s.replace('why_en = "Ransomware can wipe everything."\n', ""), "SEC-BACKUP-01", "why_en"),
        (lambda s: s.replace('id = "GOV-ROLES-02"', 'id = "GOV-ROLES-01"'), "GOV-ROLES-01", "id"),
        (lambda s: s.replace('applies_to = ["clinic"]', 'applies_to = ["hospital"]'), "GOV-ROLES-02", "applies_to.0"),
        (lambda s: s.replace("severity = 4", "severity = 7"), "SEC-BACKUP-01", "severity"),
        (lambda s: s.replace("severity = 2", 'severity = "high"'), "SEC-BACKUP-02", "severity"),
        (lambda s: s.replace('theme = "backups"\nseverity = 4', 'theme = "nowhere"\nseverity = 4'), "SEC-BACKUP-01", "theme"),
    ],
    ids=["missing-field", "duplicate-id", "unknown-structure", "severity-out-of-range", "severity-not-number", "unknown-theme"],
)
def test_malformed_catalogue_is_refused_precisely(tmp_path, transform, item, field):
    path = variant(tmp_path, transform)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path)
    message = str(exc.value)
    assert str(path) in message
    assert item in message
    assert re.search(rf"\b{re.escape(field)}\b", message), message


def test_invalid_toml_names_the_file(tmp_path):
    path = variant(tmp_path, lambda s: s + "\n[[items]\n")
    with pytest.raises(CatalogueError, match="broken.toml"):
        load_catalogue(path)


def test_bundled_catalogue_loads_and_is_bilingual():
    from clinicguard.core.catalogue import bundled_catalogue

    catalogue = bundled_catalogue()
    assert catalogue.items
    for item in catalogue.items:
        assert item.title["fr"] and item.title["en"]


def test_duplicate_theme_id_is_refused(tmp_path):
    extra = '\n[[themes]]\nid = "roles"\ndomain = "security"\ntitle_fr = "Doublon"\ntitle_en = "Duplicate"\n'
    path = variant(tmp_path, lambda s: s.replace("[[items]]", extra + "\n[[items]]", 1))
    with pytest.raises(CatalogueError, match=r"roles.*\bid\b"):
        load_catalogue(path)


def test_first_problem_in_file_order_is_reported(tmp_path):
    # two bad items: the message names the first one in the file
    def break_two(s):
        s = s.replace("severity = 3", "severity = 9", 1)  # GOV-ROLES-01, first item
        return s.replace("severity = 2", "severity = 0", 1)  # SEC-BACKUP-02, fourth item
    with pytest.raises(CatalogueError, match="GOV-ROLES-01"):
        load_catalogue(variant(tmp_path, break_two))


def test_uncertainty_note_needs_both_languages(tmp_path):
    path = variant(tmp_path, lambda s: s.replace('severity = 2\n', 'severity = 2\nuncertain_fr = "Incertain"\n', 1))
    with pytest.raises(CatalogueError, match="SEC-BACKUP-02.*uncertain_en"):
        load_catalogue(path)


@pytest.mark.parametrize(
    "transform, item, field",
    [
        # a change of meaning must say why, in both languages, and name a version that exists
        (lambda s: s.replace('severity = 1\n', 'severity = 1\nchanged_in = "1.0"\n', 1), "GOV-ROLES-02", "review_fr"),
        (lambda s: s.replace('severity = 1\n', 'severity = 1\nreview_fr = "Sens modifié"\nreview_en = "Meaning changed"\n', 1),
         "GOV-ROLES-02", "changed_in"),
        (lambda s: s.replace('severity = 1\n', 'severity = 1\nchanged_in = "1.0"\nreview_fr = "Sens modifié"\n', 1),
         "GOV-ROLES-02", "review_en"),
        (lambda s: s.replace('severity = 1\n', 'severity = 1\nchanged_in = "2.0"\nreview_fr = "Sens modifié"\n'
                             'review_en = "Meaning changed"\n', 1), "GOV-ROLES-02", "changed_in"),
        # a cost unit is one of the known ones; an action is only offered to structures the item applies to
        (lambda s: s.replace("cost_max_eur = 500\n", 'cost_max_eur = 500\ncost_unit = "per-decade"\n', 1),
         "GOV-ROLES-02", "actions.0.cost_unit"),
        (lambda s: s.replace("cost_max_eur = 500\n", 'cost_max_eur = 500\nfor_structures = ["individual-practice"]\n', 1),
         "GOV-ROLES-02", "actions.1.for_structures"),
    ],
    ids=["changed-without-reason", "reason-without-version", "reason-in-one-language", "version-from-the-future",
         "unknown-cost-unit", "action-for-a-structure-out-of-scope"],
)
def test_version_fields_are_checked(tmp_path, transform, item, field):
    path = variant(tmp_path, transform)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path)
    message = str(exc.value)
    assert item in message and re.search(rf"\b{re.escape(field)}\b", message), message


def test_units_structures_and_reasons_are_read(tmp_path):
    def add(s):
        s = s.replace('severity = 1\n', 'severity = 1\nchanged_in = "1.0"\nreview_fr = "Sens modifié"\n'
                      'review_en = "Meaning changed"\n', 1)
        return s.replace("cost_max_eur = 500\n", 'cost_max_eur = 500\ncost_unit = "per-year"\nfor_structures = ["clinic"]\n', 1)
    catalogue = load_catalogue(variant(tmp_path, add))
    item = catalogue.get("GOV-ROLES-02")
    assert item.changed_in == "1.0" and item.review == {"fr": "Sens modifié", "en": "Meaning changed"}
    assert item.needs_review("0.9") and not item.needs_review("1.0") and not item.needs_review("")
    action = item.actions[0]
    assert action.cost_unit == "per-year" and action.suits(Structure.CLINIC) and not action.suits(Structure.GROUP_PRACTICE)
    assert action.cost_band.endswith(action.unit_label) and action.unit_label
    # the snapshot kept in the database keeps them too
    from clinicguard.model.catalogue import (
        recommendation_from_raw,
        recommendation_to_raw,
    )
    assert recommendation_from_raw(recommendation_to_raw(item)) == item
