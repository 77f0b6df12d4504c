"""The bundled TOML files (catalogue, translations) are read from a parsed copy kept beside them
(paths.read_bundled_toml) while they are unchanged: a start spares tomllib (issue 18). The copy must
never outlive the content it was made from: an edited file, a damaged copy or a copy that cannot be
written all give what tomllib gives for the file as it is now."""

from __future__ import annotations

import json
import os
import tomllib

import pytest

from clinicguard import i18n
from clinicguard.core.catalogue import CATALOGUE_FILE, catalogue_folder, load_catalogue
from clinicguard.paths import parsed_copy_path, read_bundled_toml


def test_a_copy_is_written_once_and_read_while_the_file_is_unchanged(tmp_path, monkeypatch):
    source = tmp_path / "texts.toml"
    source.write_text('"Hello" = "Bonjour"\n[plural."{n} file"]\none = "{n} fichier"\n', encoding="utf-8")
    assert read_bundled_toml(source) == tomllib.loads(source.read_text(encoding="utf-8"))
    copy = parsed_copy_path(source)
    assert copy.is_file() and copy.parent.name == "__pycache__"

    def no_parse(_text):
        raise AssertionError("parsed again although the copy is up to date")

    monkeypatch.setattr(tomllib, "loads", no_parse)
    assert read_bundled_toml(source)["Hello"] == "Bonjour"


def test_an_edited_file_is_parsed_again_even_at_the_same_size_and_time(tmp_path):
    source = tmp_path / "texts.toml"
    source.write_text('"Hello" = "Bonjour"\n', encoding="utf-8")
    read_bundled_toml(source)
    stat = source.stat()
    source.write_text('"Hello" = "Bonsoir"\n', encoding="utf-8")  # same length
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert read_bundled_toml(source) == {"Hello": "Bonsoir"}
    assert json.loads(parsed_copy_path(source).read_text(encoding="utf-8"))["data"] == {"Hello": "Bonsoir"}


def test_a_damaged_copy_is_replaced_and_invalid_toml_still_fails_as_tomllib_fails(tmp_path):
    source = tmp_path / "texts.toml"
    source.write_text('"Hello" = "Bonjour"\n', encoding="utf-8")
    read_bundled_toml(source)
    parsed_copy_path(source).write_text('{"sha256": "', encoding="utf-8")  # cut short
    assert read_bundled_toml(source) == {"Hello": "Bonjour"}
    source.write_text('"Hello" = \n', encoding="utf-8")
    with pytest.raises(tomllib.TOMLDecodeError):
        read_bundled_toml(source)


def test_a_folder_that_cannot_be_written_only_costs_the_parse(tmp_path):
    source = tmp_path / "texts.toml"
    source.write_text('"Hello" = "Bonjour"\n', encoding="utf-8")
    (tmp_path / "__pycache__").write_text("a file where the folder would go")  # mkdir fails
    assert read_bundled_toml(source) == {"Hello": "Bonjour"}
    assert read_bundled_toml(source) == {"Hello": "Bonjour"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__pycache__", "texts.toml"]  # no temporary file left


def test_the_translations_and_the_catalogue_are_those_of_the_files():
    folder = i18n.resources_dir() / "translations"
    parts = []
    for path in i18n.translation_files("fr"):
        with open(path, "rb") as fh:
            parts.append((path.relative_to(folder).as_posix(), tomllib.load(fh)))
    i18n.catalogue.cache_clear()
    i18n.catalogue("fr")  # writes the copies if need be
    i18n.catalogue.cache_clear()
    assert i18n.catalogue("fr") == i18n.merge_catalogues(parts)  # read from the copies
    path = catalogue_folder() / CATALOGUE_FILE
    load_catalogue(path)  # writes its copy if need be
    with open(path, "rb") as fh:
        assert read_bundled_toml(path) == tomllib.load(fh)
