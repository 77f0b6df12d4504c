"""The bundled catalogue's "checked against the schema" stamp: up to date, and never a way around
the check for a content that was not checked."""

from __future__ import annotations

import shutil

import pytest

from clinicguard.core import catalogue as catalogue_module
from clinicguard.core.catalogue import (
    CATALOGUE_FILE,
    content_digest,
    load_catalogue,
    validated_stamp,
)
from clinicguard.model.errors import CatalogueError


def test_the_stamp_matches_the_bundled_schema_and_catalogue():
    path = catalogue_module.catalogue_folder() / CATALOGUE_FILE
    load_catalogue(path)  # the full check passes
    assert validated_stamp() == content_digest(path.read_bytes()), (
        "resources/catalogue/catalogue.validated is out of date: run python packaging/stamp_catalogue.py")


def test_an_edited_catalogue_is_checked_in_full_despite_the_stamp(tmp_path):
    source = catalogue_module.catalogue_folder() / CATALOGUE_FILE
    edited = tmp_path / CATALOGUE_FILE
    text = source.read_text(encoding="utf-8")
    # a severity the schema refuses, in a file otherwise identical to the stamped one
    edited.write_text(text.replace("severity = 3", "severity = 9", 1), encoding="utf-8")
    assert "severity = 9" in edited.read_text(encoding="utf-8")
    with pytest.raises(CatalogueError, match="severity"):
        load_catalogue(edited, validated_digest=validated_stamp())


def test_the_stamped_content_loads_without_the_schema_walk(tmp_path, monkeypatch):
    source = catalogue_module.catalogue_folder() / CATALOGUE_FILE
    copy = tmp_path / CATALOGUE_FILE
    shutil.copyfile(source, copy)
    walked = []
    monkeypatch.setattr(catalogue_module, "schema_check", lambda raw, path: walked.append(path))
    skipped = load_catalogue(copy, validated_digest=validated_stamp())
    assert walked == []
    checked = load_catalogue(copy)
    assert walked == [copy]
    assert [i.id for i in skipped.items] == [i.id for i in checked.items]
