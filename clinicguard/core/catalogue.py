"""The recommendations catalogue: a versioned, bilingual TOML file validated against a schema.

A malformed catalogue is refused as a whole with a message that names the file, the item and
the field, so whoever edits the content knows exactly what to fix.

The JSON-schema check (jsonschema's import and its walk cost about 140 ms) runs once per content,
not at each start: `catalogue.validated` beside the bundled file holds the SHA-256 of the schema
and the catalogue that passed it (`packaging/stamp_catalogue.py` writes it after a full check;
tests/test_catalogue_stamp.py fails while it is out of date). Any other content, an edited file
or a stale stamp, is checked in full as before. The checks of ids and references always run.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import lru_cache
from pathlib import Path


from clinicguard.model.errors import CatalogueError
from clinicguard.i18n import tr
from clinicguard.model.catalogue import (
    Catalogue, Domain, Theme, bilingual,
    recommendation_from_raw, version_key,
)
from clinicguard import toml_cache
from clinicguard.paths import resources_dir

CATALOGUE_FILE = "catalogue.toml"
SCHEMA_FILE = "schema.json"
VALIDATED_STAMP = "catalogue.validated"


def catalogue_folder() -> Path:
    return resources_dir() / "catalogue"


def content_digest(catalogue_bytes: bytes) -> str:
    """What the stamp records: the schema and the catalogue, hashed together."""
    schema = (catalogue_folder() / SCHEMA_FILE).read_bytes()
    return hashlib.sha256(schema + b"\0" + catalogue_bytes).hexdigest()


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads((catalogue_folder() / SCHEMA_FILE).read_text(encoding="utf-8"))


def _where(raw: dict, path: list) -> tuple[str, str]:
    """Turn a JSON-schema error path into (item, field) words for the message."""
    if len(path) >= 2 and path[0] in ("items", "domains", "themes", "seed_recommendations") and isinstance(path[1], int):
        entries = raw.get(path[0], [])
        entry = entries[path[1]] if path[1] < len(entries) else {}
        ident = entry.get("id") if isinstance(entry, dict) else None
        where = tr("{section} #{n}", section=path[0], n=path[1] + 1)
        if ident:
            where += f" ({ident})"
        return where, ".".join(str(p) for p in path[2:])
    return (str(path[0]) if path else tr("top level")), ".".join(str(p) for p in path[1:])


def load_catalogue(path: Path | str | None = None, *, validated_digest: str | None = None) -> Catalogue:
    """Read, validate and return a catalogue; raise CatalogueError naming file, item and field.

    `validated_digest`: the `content_digest` of a content known to pass the schema; a file with
    exactly that content skips the schema walk (every other check still runs)."""
    path = Path(path) if path else catalogue_folder() / CATALOGUE_FILE
    try:
        data = path.read_bytes()
        raw = toml_cache.loads(f"catalogue/{path.name}", data)  # parsed once per content (issue 18)
    except FileNotFoundError:
        raise CatalogueError(tr("Catalogue file {file} was not found.", file=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(tr("Catalogue file {file} is not valid TOML: {error}", file=path, error=exc)) from None

    if validated_digest is None or content_digest(data) != validated_digest:
        schema_check(raw, path)
    return _checked_catalogue(raw, path)


def schema_check(raw: dict, path: Path) -> None:
    """Check the parsed file against the JSON schema; raise CatalogueError for its first problem."""
    import jsonschema  # lazily: only a catalogue being checked needs its validator

    validator = jsonschema.Draft202012Validator(_schema())
    # report the first problem in file order (items.2 before items.10)
    errors = sorted(validator.iter_errors(raw), key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p))
                                                               for p in e.absolute_path])
    if errors:
        err = errors[0]
        item, fld = _where(raw, list(err.absolute_path))
        if err.validator == "required":
            missing = [name for name in err.validator_value if name not in err.instance]
            fld = ".".join(filter(None, [fld, missing[0] if missing else ""]))
            problem = tr("the field is missing")
        elif err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            fld = ".".join(filter(None, [fld, extra[0] if extra else ""]))
            problem = tr("unknown field")
        elif err.validator == "enum":
            problem = tr("{value!r} is not one of {allowed}", value=err.instance, allowed=", ".join(map(str, err.validator_value)))
        elif err.validator in ("minimum", "maximum", "type"):
            problem = tr("invalid value {value!r}", value=err.instance)
        else:
            problem = err.message
        raise CatalogueError(
            tr("Catalogue {file}: {item}, field {field}: {problem}", file=path, item=item, field=fld or "-", problem=problem)
        )



def _checked_catalogue(raw: dict, path: Path) -> Catalogue:
    """The ids and references checks, then the Catalogue (the schema has been checked)."""
    def fail(item: str, fld: str, problem: str) -> CatalogueError:
        return CatalogueError(tr("Catalogue {file}: {item}, field {field}: {problem}", file=path, item=item, field=fld, problem=problem))

    for section in ("domains", "themes", "seed_recommendations"):
        seen_ids: set[str] = set()
        for entry in raw.get(section, []):
            if entry["id"] in seen_ids:
                raise fail(f"{section}: {entry['id']}", "id", tr("duplicate id {value!r}", value=entry["id"]))
            seen_ids.add(entry["id"])
    domain_ids = [d["id"] for d in raw["domains"]]
    theme_ids = {t["id"]: t["domain"] for t in raw["themes"]}
    seed_ids = {s["id"] for s in raw.get("seed_recommendations", [])}
    for theme in raw["themes"]:
        if theme["domain"] not in domain_ids:
            raise fail(theme["id"], "domain", tr("unknown domain {value!r}", value=theme["domain"]))
    seen: set[str] = set()
    items = []
    for raw_item in raw["items"]:
        item_id = raw_item["id"]
        if item_id in seen:
            raise fail(item_id, "id", tr("duplicate id {value!r}", value=item_id))
        seen.add(item_id)
        if raw_item["domain"] not in domain_ids:
            raise fail(item_id, "domain", tr("unknown domain {value!r}", value=raw_item["domain"]))
        if theme_ids.get(raw_item["theme"]) != raw_item["domain"]:
            raise fail(item_id, "theme", tr("unknown theme {value!r} for this domain", value=raw_item["theme"]))
        for seed in raw_item.get("seed", []):
            if seed not in seed_ids:
                raise fail(item_id, "seed", tr("unknown seed recommendation {value!r}", value=seed))
        if bool(raw_item.get("uncertain_fr")) != bool(raw_item.get("uncertain_en")):
            missing = "uncertain_en" if raw_item.get("uncertain_fr") else "uncertain_fr"
            raise fail(item_id, missing, tr("the field is missing"))
        if bool(raw_item.get("review_fr")) != bool(raw_item.get("review_en")):
            missing = "review_en" if raw_item.get("review_fr") else "review_fr"
            raise fail(item_id, missing, tr("the field is missing"))
        if bool(raw_item.get("review_fr")) != bool(raw_item.get("changed_in")):
            missing = "review_fr" if raw_item.get("changed_in") else "changed_in"
            raise fail(item_id, missing, tr("the field is missing"))
        if raw_item.get("changed_in") and version_key(raw_item["changed_in"]) > version_key(raw["catalogue"]["version"]):
            raise fail(item_id, "changed_in", tr("invalid value {value!r}", value=raw_item["changed_in"]))
        for n, act in enumerate(raw_item["actions"], 1):
            if act["cost_min_eur"] > act["cost_max_eur"]:
                raise fail(item_id, f"actions.{n}.cost_min_eur", tr("the low end of the cost band is above the high end"))
            if not set(act.get("for_structures", ())) <= set(raw_item["applies_to"]):
                raise fail(item_id, f"actions.{n}.for_structures",
                           tr("an action is suggested to a structure the recommendation does not apply to"))
        items.append(recommendation_from_raw(raw_item))
    meta = raw["catalogue"]
    return Catalogue(
        version=meta["version"],
        date=meta["date"],
        sources={"fr": meta["sources_fr"], "en": meta["sources_en"]},
        changes={k: meta.get(f"changes_{k}", "") for k in ("fr", "en")},
        domains=tuple(Domain(d["id"], bilingual(d, "title")) for d in raw["domains"]),
        themes=tuple(Theme(t["id"], t["domain"], bilingual(t, "title")) for t in raw["themes"]),
        items=tuple(items),
        seed_recommendations=tuple((s["id"], bilingual(s, "title")) for s in raw.get("seed_recommendations", [])),
        path=path,
        costs_note={k: meta[f"costs_note_{k}"] for k in ("fr", "en") if meta.get(f"costs_note_{k}")},
    )


def validated_stamp() -> str | None:
    """The digest recorded in the bundled `catalogue.validated` (None when it is missing)."""
    try:
        return (catalogue_folder() / VALIDATED_STAMP).read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def write_validated_stamp() -> str:
    """Check the bundled catalogue in full, then record its digest (packaging/stamp_catalogue.py)."""
    path = catalogue_folder() / CATALOGUE_FILE
    load_catalogue(path)  # raises CatalogueError: nothing is stamped
    digest = content_digest(path.read_bytes())
    (catalogue_folder() / VALIDATED_STAMP).write_text(digest + "\n", encoding="ascii")
    return digest


@lru_cache(maxsize=1)
def bundled_catalogue() -> Catalogue:
    return load_catalogue(validated_digest=validated_stamp())
