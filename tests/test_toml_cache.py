"""The bundled TOML files are parsed once per content and read back from the user's cache folder
(issue 18): what is read back is what the parser gives, a changed file is parsed again, a damaged
or unwritable copy only costs the parse."""

from __future__ import annotations

import tomllib

import pytest

from clinicguard import toml_cache
from clinicguard.core.catalogue import catalogue_folder, load_catalogue
from clinicguard.paths import resources_dir

TEXT = b'title = "Registre"\ncount = 3\n[plural."{n} file"]\none = "{n} fichier"\nother = "{n} fichiers"\n'


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(toml_cache.CACHE_ENV, str(folder))
    return folder


def copies(folder):
    return sorted(p.name for p in folder.glob("*.marshal")) if folder.exists() else []


def test_a_parsed_file_is_kept_and_read_back_as_parsed(cache, monkeypatch):
    assert toml_cache.loads("translations/fr.toml", TEXT) == tomllib.loads(TEXT.decode())
    assert len(copies(cache)) == 1
    monkeypatch.setattr(toml_cache.tomllib, "loads", lambda _text: pytest.fail("parsed again"))
    assert toml_cache.loads("translations/fr.toml", TEXT) == {"title": "Registre", "count": 3,
                                                              "plural": {"{n} file": {"one": "{n} fichier",
                                                                                      "other": "{n} fichiers"}}}


def test_a_changed_file_is_parsed_again_and_replaces_its_old_copy(cache):
    toml_cache.loads("fr.toml", TEXT)
    toml_cache.loads("other.toml", TEXT)
    changed = TEXT.replace(b"count = 3", b"count = 4")
    assert toml_cache.loads("fr.toml", changed)["count"] == 4
    names = copies(cache)
    assert len(names) == 2 and sum(name.startswith("fr-toml.") for name in names) == 1


def test_a_damaged_copy_is_parsed_again_and_rewritten(cache):
    toml_cache.loads("fr.toml", TEXT)
    (copy,) = cache.glob("*.marshal")
    for damage in (b"", copy.read_bytes()[:-5], copy.read_bytes()[:16] + b"\xff" * 40):
        copy.write_bytes(damage)
        assert toml_cache.loads("fr.toml", TEXT)["count"] == 3
        assert copy.read_bytes() != damage


def test_no_cache_folder_or_an_unwritable_one_still_parses(tmp_path, monkeypatch):
    monkeypatch.setenv(toml_cache.CACHE_ENV, "")
    assert toml_cache.loads("fr.toml", TEXT)["count"] == 3
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(toml_cache.CACHE_ENV, str(blocked / "cache"))
    assert toml_cache.loads("fr.toml", TEXT)["count"] == 3
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_file_with_a_date_is_parsed_each_time_and_errors_stay_the_parsers(cache):
    dated = b"published = 2026-01-15\n"
    assert str(toml_cache.loads("dated.toml", dated)["published"]) == "2026-01-15"
    assert copies(cache) == []
    with pytest.raises(tomllib.TOMLDecodeError):
        toml_cache.loads("bad.toml", b"title = \n")


def test_the_catalogue_and_the_translations_read_from_the_cache_are_the_files(cache):
    path = catalogue_folder() / "catalogue.toml"
    first, again = load_catalogue(path), load_catalogue(path)
    assert again == first and len(copies(cache)) == 1
    for path in [resources_dir() / "translations" / "fr.toml", *(resources_dir() / "translations" / "fr").glob("*.toml")]:
        data = path.read_bytes()
        toml_cache.loads(path.name, data)
        assert toml_cache.loads(path.name, data) == tomllib.loads(data.decode()), path.name
