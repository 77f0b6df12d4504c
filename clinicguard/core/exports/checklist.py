"""The checklist workbook, for a DPO or an inspector: every recommendation with its assessment,
evidence count, linked actions and guidance, statuses coloured, and the score of each domain as
formulas over the recommendations (equal to the app's own scores, core/checklist.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from clinicguard.model.plan import Action
from clinicguard.model.catalogue import Catalogue
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.core.checklist import score, score_formula
from clinicguard.core.exports.catalogue import references_text
from clinicguard.core.exports.cover import cover
from clinicguard.core.exports.pipeline import (
    Cancelled, Context, ExportSources, PreparedExport, Progress, authorised, context_for, run_export, tick,
)
from clinicguard.core.exports.xlsx import (
    BOLD, DATE, DATETIME, INTEGER, NUMBER, SCORE, TEXT, WRAP, Column, TableSheet, fit_rows, formula, header_row, label,
    print_setup, put, set_widths, sheet_title, sumifs, title,
)
from clinicguard.core.formatting import format_date
from clinicguard.i18n import pick, tr
from clinicguard.model.evidence import ExpiryState
from clinicguard.model.people import Actor


STATUS_FILLS = {
    Status.COMPLIANT: "C6EFCE",
    Status.PARTIAL: "FFEB9C",
    Status.NON_COMPLIANT: "FFC7CE",
    Status.NOT_ASSESSED: "D9D9D9",
    Status.NOT_APPLICABLE: "F2F2F2",
}


@dataclass(frozen=True)
class ChecklistData:
    context: Context
    catalogue: Catalogue
    rows: tuple[ChecklistRow, ...]
    evidence_counts: dict[str, int]
    actions_by_item: dict[str, tuple[str, ...]]  # item id -> "#3 title" texts
    # Who answered and who confirmed (issue 14); empty when the sources cannot tell.
    assessors: dict[int, str] = field(default_factory=dict)  # person id -> name
    signoffs_by_item: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "name, 29/11/2026 14:05"
    evidence_by_item: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "title (valid until ...)"


def local_moment(ts: str | None) -> datetime | None:
    """A UTC timestamp of the database as a local, naive date and time for a spreadsheet cell."""
    if not ts:
        return None
    moment = datetime.fromisoformat(ts)
    return (moment.astimezone() if moment.tzinfo is not None else moment).replace(tzinfo=None, microsecond=0)


def evidence_texts(files: Iterable, today: date | None = None) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Per recommendation: how many evidence files still count (not expired), and every file's
    title with its validity; expired files are listed, marked, and no longer counted."""
    today = today or date.today()
    counts: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    for ev in sorted(files, key=lambda e: e.id):
        state = ev.expiry_state(today)
        if ev.expires_on:
            validity = tr("expired on {date}", date=format_date(ev.expires_on)) if state is ExpiryState.EXPIRED \
                else tr("valid until {date}", date=format_date(ev.expires_on))
        else:
            validity = tr("no end date")
        for item_id in ev.items:
            if state is not ExpiryState.EXPIRED:
                counts[item_id] = counts.get(item_id, 0) + 1
            texts.setdefault(item_id, []).append(f"{ev.title or ev.original_name} ({validity})")
    return counts, {item_id: tuple(t) for item_id, t in texts.items()}


def signoff_texts(overview: dict) -> dict[str, tuple[str, ...]]:
    """Per recommendation, the sign-offs that count ("name, date"), then the outdated ones, marked."""
    result = {}
    for item_id, s in overview.items():
        texts = [f"{c.person_name}, {local_moment(c.signed_at):%d/%m/%Y %H:%M}" for c in s.confirmed]
        texts += [tr("{name} (outdated: asked again since)", name=c.person_name) for c in s.outdated]
        if texts:
            result[item_id] = tuple(texts)
    return result


def not_applicable_reason(row: ChecklistRow) -> str:
    if row.status is not Status.NOT_APPLICABLE:
        return ""
    reasons = [tr("Outside the scope of this type of structure.")] if not row.applies else []
    if row.assessment.updated_at and row.assessment.comment:  # the clinic's own reason, as typed
        reasons.append(row.assessment.comment)
    return "\n".join(reasons)


def linked_actions(actions: Iterable[Action]) -> dict[str, tuple[str, ...]]:
    """For each recommendation, the actions linked to it as "#3 title", in the order of the plan."""
    linked: dict[str, list[str]] = {}
    for action in sorted(actions, key=lambda a: a.id):
        for item_id in dict.fromkeys(action.item_ids):
            linked.setdefault(item_id, []).append(f"#{action.id} {action.title}")
    return {item_id: tuple(texts) for item_id, texts in linked.items()}


def prepare_checklist(sources: ExportSources, actor: Actor) -> PreparedExport:
    """The checklist workbook (every recommendation with its assessment, and the scores), ready to build."""
    current = authorised(sources, actor)
    rows = tuple(sources.checklist.rows())
    counts, evidence, signoffs, assessors = sources.evidence_counts_by_item(), {}, {}, {}
    # The workspace also gives the files, the sign-offs and the people (issue 14); any other
    # source keeps the plain counts.
    evidence_store, signoff_service = getattr(sources, "evidence_store", None), getattr(sources, "signoffs", None)
    if evidence_store is not None:
        counts, evidence = evidence_texts(evidence_store.all())
    if signoff_service is not None:
        signoffs = signoff_texts(signoff_service.overview([r.item.id for r in rows]))
    if hasattr(sources.people, "all"):
        assessors = {p.id: p.name for p in sources.people.all()}
    data = ChecklistData(context_for(sources, current), sources.catalogue, rows, counts,
                         linked_actions(sources.plan.actions()), assessors, signoffs, evidence)
    overall = score(list(data.rows))
    details = {"recommendations": len(data.rows), "score": overall.percent, "audit_head": data.context.audit_head}
    return PreparedExport("checklist", partial(build_checklist, data), details)


def export_checklist(sources: ExportSources, actor: Actor, out: Path | str, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> Path:
    return run_export(sources, actor, prepare_checklist(sources, actor), out, progress, cancelled)


def build_checklist(data: ChecklistData, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"items": sheet_title(tr("Recommendations")), "scores": sheet_title(tr("Scores"))}
    cover(
        book, tr("Checklist of the clinic"), data.context,
        [(tr("Number of recommendations"), INTEGER, len(data.rows))],
        [(names["items"], tr("One row per recommendation: domain, theme, identifier, question, status, comment, "
                             "responsible, last and next review, number of evidence files, linked actions, guidance "
                             "and references. Statuses are coloured.")
                         + " " + tr("Also who assessed each item and when, the sign-offs (who, when), the evidence "
                                    "titles with their validity, and why an item does not apply. Expired evidence "
                                    "is listed but not counted.")),
         (names["scores"], tr("The score of each domain and the overall score, as formulas over the recommendations."))],
        [score_formula()],
    )
    columns = [
        Column(tr("Domain"), WRAP, 16), Column(tr("Theme"), WRAP, 16), Column(tr("Identifier"), TEXT, 16),
        Column(tr("Recommendation"), WRAP, 36), Column(tr("Question"), WRAP, 40), Column(tr("Severity"), INTEGER, 9),
        Column(tr("Status"), WRAP, 16), Column(tr("Comment"), WRAP, 36), Column(tr("Responsible"), WRAP, 18),
        Column(tr("Last review"), DATE, 12), Column(tr("Next review"), DATE, 12),
        Column(tr("Evidence files"), INTEGER, 10), Column(tr("Evidence (validity)"), WRAP, 36),
        Column(tr("Assessed by"), WRAP, 18), Column(tr("Assessed on"), DATETIME, 16),
        Column(tr("Sign-offs (who, when)"), WRAP, 30), Column(tr("Reason for not applicable"), WRAP, 30),
        Column(tr("Linked actions"), WRAP, 30),
        # the catalogue's guidance: narrower, so that the printed table stays three pages wide
        Column(tr("Why it matters"), WRAP, 40), Column(tr("How to check"), WRAP, 40),
        Column(tr("Expected evidence"), WRAP, 34), Column(tr("References"), WRAP, 34),
        Column(tr("Kind of source"), WRAP, 16),
    ]
    table = TableSheet(book.create_sheet(names["items"]), columns)
    catalogue = data.catalogue
    total = len(data.rows)
    for n, row in enumerate(data.rows, 1):
        item, a = row.item, row.assessment
        table.append([
            catalogue.domain_title(item.domain), catalogue.theme_title(item.theme), item.id, pick(item.title),
            pick(item.question), item.severity, row.status.label, a.comment, a.responsible, a.last_reviewed,
            a.next_review, data.evidence_counts.get(item.id, 0), "\n".join(data.evidence_by_item.get(item.id, ())),
            data.assessors.get(a.updated_by, "") if a.updated_by is not None else "", local_moment(a.updated_at),
            "\n".join(data.signoffs_by_item.get(item.id, ())), not_applicable_reason(row),
            "\n".join(data.actions_by_item.get(item.id, ())),
            pick(item.why), pick(item.how_to_check), pick(item.evidence), references_text(item),
            item.source_status_label,
        ])
        tick(progress, cancelled, n, total)
    table.finish("Recommandations", repeat_columns="A:C")
    status_col = get_column_letter(table.index(tr("Status")))
    for status, colour in STATUS_FILLS.items():
        table.sheet.conditional_formatting.add(
            f"{status_col}2:{status_col}{table.last_row}",
            CellIsRule(operator="equal", formula=['"' + status.label.replace('"', '""') + '"'],
                       fill=PatternFill("solid", fgColor=colour, bgColor=colour)))
    ranges = {h: table.range_of(h) for h in (tr("Domain"), tr("Severity"), tr("Status"))}
    domains = [d for d in catalogue.domains if any(r.item.domain == d.id for r in data.rows)]
    _scores(book.create_sheet(names["scores"]), [catalogue.domain_title(d.id) for d in domains], ranges)
    return book


def _scores(sheet, domains: list[str], ranges: dict[str, str]) -> None:
    dom, sev, st = ranges[tr("Domain")], ranges[tr("Severity")], ranges[tr("Status")]
    title(sheet, 1, tr("Scores by domain"))
    put(sheet, 2, 1, WRAP, score_formula())
    statuses = [Status.COMPLIANT, Status.PARTIAL, Status.NON_COMPLIANT, Status.NOT_ASSESSED, Status.NOT_APPLICABLE]
    header = 4
    headers = [tr("Domain")] + [s.label for s in statuses] + [tr("Applicable weight"), tr("Points"), tr("Score")]
    header_row(sheet, header, headers)
    # The credit table the formulas use, below the scores, so a reader sees the weights.
    legend = header + len(domains) + 4
    label(sheet, legend - 1, 1, tr("Credit per status"))
    credit_cell = {}
    for n, status in enumerate(statuses):
        r = legend + n
        put(sheet, r, 1, TEXT, status.label)
        if status is Status.NOT_APPLICABLE:
            put(sheet, r, 2, TEXT, tr("excluded"))
        else:
            put(sheet, r, 2, NUMBER, status.credit)
        credit_cell[status] = (f"$A${r}", f"$B${r}")
    weight_col, points_col = get_column_letter(len(statuses) + 2), get_column_letter(len(statuses) + 3)
    row = header
    for domain in domains:
        row += 1
        put(sheet, row, 1, TEXT, domain)
        for col, status in enumerate(statuses, 2):
            formula(sheet, row, col, f"=COUNTIFS({dom},$A{row},{st},{credit_cell[status][0]})", INTEGER)
        na = credit_cell[Status.NOT_APPLICABLE][0]
        formula(sheet, row, len(statuses) + 2, f"={sumifs(sev, (dom, f'$A{row}'))}-{sumifs(sev, (dom, f'$A{row}'), (st, na))}",
                INTEGER)
        earned = "+".join(f"{sumifs(sev, (dom, f'$A{row}'), (st, credit_cell[s][0]))}*{credit_cell[s][1]}"
                          for s in (Status.COMPLIANT, Status.PARTIAL))
        formula(sheet, row, len(statuses) + 3, f"={earned}", NUMBER)
        formula(sheet, row, len(statuses) + 4,
                f'=IF({weight_col}{row}=0,"—",100*{points_col}{row}/{weight_col}{row})', SCORE)
    row += 1
    label(sheet, row, 1, tr("Overall"))
    for col in range(2, len(statuses) + 4):
        letter = get_column_letter(col)
        formula(sheet, row, col, f"=SUM({letter}{header + 1}:{letter}{row - 1})",
                NUMBER if col == len(statuses) + 3 else INTEGER).font = BOLD
    formula(sheet, row, len(statuses) + 4,
            f'=IF({weight_col}{row}=0,"—",100*{points_col}{row}/{weight_col}{row})', SCORE).font = BOLD
    set_widths(sheet, [34] + [14] * (len(statuses) + 3))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(statuses) + 4)
    fit_rows(sheet)
    sheet.freeze_panes = f"B{header + 1}"
    print_setup(sheet, title_rows=f"{header}:{header}")
