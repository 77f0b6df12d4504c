"""The recommendations catalogue: a versioned, bilingual TOML file validated against a schema.

A malformed catalogue is refused as a whole with a message that names the file, the item and
the field, so whoever edits the content knows exactly what to fix.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import jsonschema

from clinicguard.model.errors import CatalogueError
from clinicguard.i18n import pick, tr
from clinicguard.paths import resources_dir

CATALOGUE_FILE = "catalogue.toml"


class Structure(StrEnum):
    INDIVIDUAL_PRACTICE = "individual-practice"
    GROUP_PRACTICE = "group-practice"
    HEALTH_CENTRE = "health-centre"
    CLINIC = "clinic"

    @property
    def label(self) -> str:
        return {
            Structure.INDIVIDUAL_PRACTICE: tr("Individual practice"),
            Structure.GROUP_PRACTICE: tr("Group practice"),
            Structure.HEALTH_CENTRE: tr("Health centre"),
            Structure.CLINIC: tr("Clinic / health establishment"),
        }[self]


@dataclass(frozen=True)
class Reference:
    source: str
    ref: str
    uncertain: bool = False

    @property
    def label(self) -> str:
        names = {
            "gdpr": tr("GDPR"),
            "cnil-guide-2024": tr("CNIL security guide 2024"),
            "cnil-referentiel-2020": tr("CNIL référentiel for practices 2020"),
            "cnil-dpi-draft-2025": tr("CNIL draft recommendation on patient records (2025 consultation)"),
            "cnil-deliberation": tr("CNIL deliberation"),
            "ans-pgssi-s": tr("ANS / PGSSI-S"),
            "csp": tr("Public health code"),
            "penal-code": tr("Penal code"),
            "cgi": tr("General tax code"),
            "other": "",
        }
        name = names.get(self.source, self.source)
        text = f"{name}, {self.ref}" if name else self.ref
        return text + (" (?)" if self.uncertain else "")


@dataclass(frozen=True)
class SuggestedAction:
    title: dict[str, str]
    effort: str  # low / medium / high
    cost_kind: str  # investment / running
    cost_min_eur: int
    cost_max_eur: int

    @property
    def cost_band(self) -> str:
        if self.cost_max_eur == 0:
            return tr("free")
        if self.cost_min_eur == self.cost_max_eur:
            return f"{self.cost_min_eur} € HT"
        return tr("{low} to {high} € excl. VAT", low=self.cost_min_eur, high=self.cost_max_eur)


@dataclass(frozen=True)
class Recommendation:
    id: str
    domain: str
    theme: str
    severity: int
    applies_to: frozenset[Structure]
    title: dict[str, str]
    question: dict[str, str]
    why: dict[str, str]
    how_to_check: dict[str, str]
    evidence: dict[str, str]
    references: tuple[Reference, ...]
    actions: tuple[SuggestedAction, ...]
    seed: tuple[str, ...] = ()
    from_cnil_draft: bool = False
    uncertain: dict[str, str] = field(default_factory=dict)

    def applies(self, structure: Structure | str) -> bool:
        return Structure(structure) in self.applies_to


@dataclass(frozen=True)
class Domain:
    id: str
    title: dict[str, str]


@dataclass(frozen=True)
class Theme:
    id: str
    domain: str
    title: dict[str, str]


@dataclass(frozen=True)
class Catalogue:
    version: str
    date: str
    sources: dict[str, str]
    changes: dict[str, str]
    domains: tuple[Domain, ...]
    themes: tuple[Theme, ...]
    items: tuple[Recommendation, ...]
    seed_recommendations: tuple[tuple[str, dict[str, str]], ...] = ()
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})

    def get(self, item_id: str) -> Recommendation | None:
        return self._by_id.get(item_id)  # type: ignore[attr-defined]

    def __contains__(self, item_id: str) -> bool:
        return item_id in self._by_id  # type: ignore[attr-defined]

    def domain_title(self, domain_id: str) -> str:
        for domain in self.domains:
            if domain.id == domain_id:
                return pick(domain.title)
        return domain_id

    def theme_title(self, theme_id: str) -> str:
        for theme in self.themes:
            if theme.id == theme_id:
                return pick(theme.title)
        return theme_id


def _bilingual(raw: dict, name: str) -> dict[str, str]:
    return {"fr": raw[f"{name}_fr"], "en": raw[f"{name}_en"]}


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads((resources_dir() / "catalogue" / "schema.json").read_text(encoding="utf-8"))


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


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read, validate and return a catalogue; raise CatalogueError naming file, item and field."""
    path = Path(path) if path else resources_dir() / "catalogue" / CATALOGUE_FILE
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogueError(tr("Catalogue file {file} was not found.", file=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(tr("Catalogue file {file} is not valid TOML: {error}", file=path, error=exc)) from None

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
        for n, act in enumerate(raw_item["actions"], 1):
            if act["cost_min_eur"] > act["cost_max_eur"]:
                raise fail(item_id, f"actions.{n}.cost_min_eur", tr("the low end of the cost band is above the high end"))
        items.append(recommendation_from_raw(raw_item))
    meta = raw["catalogue"]
    return Catalogue(
        version=meta["version"],
        date=meta["date"],
        sources={"fr": meta["sources_fr"], "en": meta["sources_en"]},
        changes={k: meta.get(f"changes_{k}", "") for k in ("fr", "en")},
        domains=tuple(Domain(d["id"], _bilingual(d, "title")) for d in raw["domains"]),
        themes=tuple(Theme(t["id"], t["domain"], _bilingual(t, "title")) for t in raw["themes"]),
        items=tuple(items),
        seed_recommendations=tuple((s["id"], _bilingual(s, "title")) for s in raw.get("seed_recommendations", [])),
        path=path,
    )


def recommendation_from_raw(raw_item: dict) -> Recommendation:
    """Build a Recommendation from its catalogue-file form (also used for stored snapshots)."""
    return Recommendation(
        id=raw_item["id"],
        domain=raw_item["domain"],
        theme=raw_item["theme"],
        severity=raw_item["severity"],
        applies_to=frozenset(Structure(s) for s in raw_item["applies_to"]),
        title=_bilingual(raw_item, "title"),
        question=_bilingual(raw_item, "question"),
        why=_bilingual(raw_item, "why"),
        how_to_check=_bilingual(raw_item, "how_to_check"),
        evidence=_bilingual(raw_item, "evidence"),
        references=tuple(Reference(r["source"], r["ref"], r.get("uncertain", False)) for r in raw_item["references"]),
        actions=tuple(
            SuggestedAction(_bilingual(a, "title"), a["effort"], a["cost_kind"], a["cost_min_eur"], a["cost_max_eur"])
            for a in raw_item["actions"]
        ),
        seed=tuple(raw_item.get("seed", [])),
        from_cnil_draft=raw_item.get("from_cnil_draft", False),
        uncertain={k: raw_item[f"uncertain_{k}"] for k in ("fr", "en") if raw_item.get(f"uncertain_{k}")},
    )


def recommendation_to_raw(item: Recommendation) -> dict:
    """The catalogue-file form of a Recommendation, to keep a snapshot of it in the database."""
    raw: dict = {"id": item.id, "domain": item.domain, "theme": item.theme, "severity": item.severity,
                 "applies_to": sorted(s.value for s in item.applies_to), "seed": list(item.seed),
                 "from_cnil_draft": item.from_cnil_draft}
    for name in ("title", "question", "why", "how_to_check", "evidence", "uncertain"):
        for lang, text in getattr(item, name).items():
            raw[f"{name}_{lang}"] = text
    raw["references"] = [{"source": r.source, "ref": r.ref, "uncertain": r.uncertain} for r in item.references]
    raw["actions"] = [{"title_fr": a.title["fr"], "title_en": a.title["en"], "effort": a.effort,
                       "cost_kind": a.cost_kind, "cost_min_eur": a.cost_min_eur, "cost_max_eur": a.cost_max_eur}
                      for a in item.actions]
    return raw


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@lru_cache(maxsize=1)
def bundled_catalogue() -> Catalogue:
    return load_catalogue()
