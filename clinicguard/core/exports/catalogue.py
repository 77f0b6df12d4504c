"""The bundled catalogue as a workbook, for a DPO's review: every recommendation with all its
fields, and the actions suggested for each. It belongs to no clinic, so it has no audit entry."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from openpyxl import Workbook

from clinicguard.model.budget import Nature
from clinicguard.model.catalogue import Catalogue, Recommendation, Structure
from clinicguard.core.exports.cover import cover
from clinicguard.core.exports.pipeline import Cancelled, PreparedExport, Progress, tick, write_export
from clinicguard.core.exports.xlsx import (
    DATE, DATETIME, INTEGER, MONEY, TEXT, WRAP, Column, TableSheet, enum_label, sheet_title, yes_no,
)
from clinicguard.i18n import pick, tr


def _effort(value: str) -> str:
    return {"low": tr("Low effort"), "medium": tr("Medium effort"), "high": tr("High effort")}.get(value, value)


def prepare_catalogue(catalogue: Catalogue) -> PreparedExport:
    return PreparedExport("catalogue", partial(build_catalogue, catalogue), {"version": catalogue.version})


def export_catalogue(catalogue: Catalogue, out: Path | str, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> Path:
    return write_export(prepare_catalogue(catalogue), out, progress, cancelled)


def references_text(item: Recommendation) -> str:
    """A recommendation's references, one per line."""
    return "\n".join(r.label for r in item.references)


def build_catalogue(catalogue: Catalogue, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"items": sheet_title(tr("Recommendations")), "actions": sheet_title(tr("Suggested actions"))}
    cover(
        book, tr("ClinicGuard recommendations catalogue"), None,
        [(tr("Catalogue version"), TEXT, catalogue.version), (tr("Catalogue date"), DATE, catalogue.date),
         (tr("Number of recommendations"), INTEGER, len(catalogue.items)),
         (tr("Exported on"), DATETIME, datetime.now().replace(microsecond=0)),
         (tr("Sources"), WRAP, pick(catalogue.sources)), (tr("Changes"), WRAP, pick(catalogue.changes))],
        [(names["items"], tr("Every recommendation with all its fields, one row each.")),
         (names["actions"], tr("The actions suggested for each recommendation, with effort, kind of cost and cost "
                               "band excl. VAT."))],
        [tr("Uncertain facts are marked (?). Amounts are indicative bands excluding VAT, not quotes.")],
    )
    seeds = dict(catalogue.seed_recommendations)
    columns = [
        Column(tr("Identifier"), TEXT, 16), Column(tr("Domain"), TEXT, 20), Column(tr("Theme"), TEXT, 20),
        Column(tr("Title"), WRAP, 36), Column(tr("Question"), WRAP, 44), Column(tr("Why it matters"), WRAP, 50),
        Column(tr("How to check"), WRAP, 50), Column(tr("Expected evidence"), WRAP, 40),
        Column(tr("Suggested actions"), WRAP, 50), Column(tr("References"), WRAP, 40),
        Column(tr("Applies to"), WRAP, 26), Column(tr("Severity"), INTEGER, 9),
        Column(tr("Newsletter recommendations"), WRAP, 30), Column(tr("From the CNIL draft"), TEXT, 10),
        Column(tr("Uncertain"), WRAP, 36), Column(tr("Kind of source"), WRAP, 24),
    ]
    table = TableSheet(book.create_sheet(names["items"]), columns)
    total = len(catalogue.items)
    for n, item in enumerate(catalogue.items, 1):
        suggested = "\n".join(f"{pick(a.title)} ({_effort(a.effort)}; {enum_label(Nature, a.cost_kind)}; {a.cost_band})"
                              for a in item.actions)
        applies = "\n".join(s.label for s in Structure if s in item.applies_to)
        seed = "\n".join(pick(seeds[s]) if s in seeds else s for s in item.seed)
        table.append([
            item.id, catalogue.domain_title(item.domain), catalogue.theme_title(item.theme), pick(item.title),
            pick(item.question), pick(item.why), pick(item.how_to_check), pick(item.evidence), suggested,
            references_text(item), applies, item.severity, seed, yes_no(item.from_cnil_draft), pick(item.uncertain)
            if item.uncertain else "", item.source_status_label,
        ])
        tick(progress, cancelled, n, total)
    table.finish("Catalogue")
    action_columns = [
        Column(tr("Identifier"), TEXT, 16), Column(tr("Recommendation"), WRAP, 36), Column(tr("Action"), WRAP, 44),
        Column(tr("Effort"), TEXT, 14), Column(tr("Kind of cost"), TEXT, 16),
        Column(tr("Lowest cost excl. VAT"), MONEY, 14), Column(tr("Highest cost excl. VAT"), MONEY, 14),
        Column(tr("Cost band"), TEXT, 22), Column(tr("Suggested to"), WRAP, 26),
    ]
    actions = TableSheet(book.create_sheet(names["actions"]), action_columns)
    for item in catalogue.items:
        for a in item.actions:
            actions.append([item.id, pick(item.title), pick(a.title), _effort(a.effort), enum_label(Nature, a.cost_kind),
                            a.cost_min_eur * 100, a.cost_max_eur * 100, a.cost_band,
                            "\n".join(st.label for st in Structure if a.suits(st) and st in item.applies_to)])
    actions.finish("Actions_suggerees")
    return book
