"""The recommendations catalogue as values: structures, recommendations, domains and themes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from clinicguard.i18n import pick, tr


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


COST_UNITS = ("one-off", "per-workstation", "per-workstation-year", "per-user-month", "per-year")


@dataclass(frozen=True)
class SuggestedAction:
    title: dict[str, str]
    effort: str  # low / medium / high
    cost_kind: str  # investment / running
    cost_min_eur: int
    cost_max_eur: int
    cost_unit: str | None = None  # one of COST_UNITS; None in catalogues older than 2026.1
    for_structures: frozenset[Structure] = frozenset()  # empty: suggested to every structure

    @property
    def unit_label(self) -> str:
        return {
            "one-off": tr("one-off"),
            "per-workstation": tr("per workstation"),
            "per-workstation-year": tr("per workstation per year"),
            "per-user-month": tr("per user per month"),
            "per-year": tr("per year"),
        }.get(self.cost_unit or "", "")

    @property
    def cost_band(self) -> str:
        if self.cost_max_eur == 0:
            return tr("free")
        if self.cost_min_eur == self.cost_max_eur:
            band = f"{self.cost_min_eur} € HT"
        else:
            band = tr("{low} to {high} € excl. VAT", low=self.cost_min_eur, high=self.cost_max_eur)
        return f"{band} {self.unit_label}" if self.unit_label else band

    def suits(self, structure: Structure | str) -> bool:
        """Whether this action is suggested to that type of structure (a clinic's DPO is not a practice's)."""
        return not self.for_structures or Structure(structure) in self.for_structures


SOURCE_STATUSES = ("law", "regulation", "cnil-referentiel", "recommendation", "good-practice", "draft")


def source_status_label(status: str) -> str:
    """What kind of text a recommendation rests on: only law and regulation make it a legal duty."""
    return {
        "law": tr("Law (statute or EU regulation)"),
        "regulation": tr("Regulation (decree, order)"),
        "cnil-referentiel": tr("CNIL référentiel (departures must be justified)"),
        "recommendation": tr("Recommendation of an authority"),
        "good-practice": tr("Good practice"),
        "draft": tr("Draft text, not adopted"),
    }.get(status, "")


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
    source_status: str = ""  # one of SOURCE_STATUSES; empty in catalogues older than 2026.1
    changed_in: str = ""  # the catalogue version whose change of meaning sends an earlier answer back to review
    review: dict[str, str] = field(default_factory=dict)  # why, in both languages

    def applies(self, structure: Structure | str) -> bool:
        return Structure(structure) in self.applies_to

    @property
    def source_status_label(self) -> str:
        return source_status_label(self.source_status)

    @property
    def is_legal_duty(self) -> bool:
        return self.source_status in ("law", "regulation")

    def actions_for(self, structure: Structure | str) -> tuple[SuggestedAction, ...]:
        """The suggested actions that fit that type of structure (all of them if none is marked)."""
        return tuple(a for a in self.actions if a.suits(structure)) or self.actions

    def needs_review(self, answered_under: str) -> bool:
        """Whether an answer given under catalogue version `answered_under` predates this item's change of meaning."""
        return bool(self.changed_in and answered_under) and version_key(answered_under) < version_key(self.changed_in)


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
    costs_note: dict[str, str] = field(default_factory=dict)  # where the cost bands come from, dated

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


def bilingual(raw: dict, name: str) -> dict[str, str]:
    return {"fr": raw[f"{name}_fr"], "en": raw[f"{name}_en"]}


def recommendation_from_raw(raw_item: dict) -> Recommendation:
    """Build a Recommendation from its catalogue-file form (also used for stored snapshots)."""
    return Recommendation(
        id=raw_item["id"],
        domain=raw_item["domain"],
        theme=raw_item["theme"],
        severity=raw_item["severity"],
        applies_to=frozenset(Structure(s) for s in raw_item["applies_to"]),
        title=bilingual(raw_item, "title"),
        question=bilingual(raw_item, "question"),
        why=bilingual(raw_item, "why"),
        how_to_check=bilingual(raw_item, "how_to_check"),
        evidence=bilingual(raw_item, "evidence"),
        references=tuple(Reference(r["source"], r["ref"], r.get("uncertain", False)) for r in raw_item["references"]),
        actions=tuple(
            SuggestedAction(bilingual(a, "title"), a["effort"], a["cost_kind"], a["cost_min_eur"], a["cost_max_eur"],
                            a.get("cost_unit"), frozenset(Structure(s) for s in a.get("for_structures", ())))
            for a in raw_item["actions"]
        ),
        seed=tuple(raw_item.get("seed", [])),
        from_cnil_draft=raw_item.get("from_cnil_draft", False),
        uncertain={k: raw_item[f"uncertain_{k}"] for k in ("fr", "en") if raw_item.get(f"uncertain_{k}")},
        source_status=raw_item.get("source_status", ""),
        changed_in=raw_item.get("changed_in", ""),
        review={k: raw_item[f"review_{k}"] for k in ("fr", "en") if raw_item.get(f"review_{k}")},
    )


def recommendation_to_raw(item: Recommendation) -> dict:
    """The catalogue-file form of a Recommendation, to keep a snapshot of it in the database."""
    raw: dict = {"id": item.id, "domain": item.domain, "theme": item.theme, "severity": item.severity,
                 "applies_to": sorted(s.value for s in item.applies_to), "seed": list(item.seed),
                 "from_cnil_draft": item.from_cnil_draft}
    if item.source_status:
        raw["source_status"] = item.source_status
    if item.changed_in:
        raw["changed_in"] = item.changed_in
    for name in ("title", "question", "why", "how_to_check", "evidence", "uncertain", "review"):
        for lang, text in getattr(item, name).items():
            raw[f"{name}_{lang}"] = text
    raw["references"] = [{"source": r.source, "ref": r.ref, "uncertain": r.uncertain} for r in item.references]
    raw["actions"] = []
    for a in item.actions:
        action = {"title_fr": a.title["fr"], "title_en": a.title["en"], "effort": a.effort,
                  "cost_kind": a.cost_kind, "cost_min_eur": a.cost_min_eur, "cost_max_eur": a.cost_max_eur}
        if a.cost_unit:
            action["cost_unit"] = a.cost_unit
        if a.for_structures:
            action["for_structures"] = sorted(s.value for s in a.for_structures)
        raw["actions"].append(action)
    return raw


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class CatalogueChanges:
    from_version: str
    to_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    upgraded_at: str = ""
    review: tuple[str, ...] = ()  # among `changed`: items whose meaning changed, sent back to review

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def reworded(self) -> tuple[str, ...]:
        """Changed items whose answers carry over as they are (wording only)."""
        return tuple(i for i in self.changed if i not in self.review)
