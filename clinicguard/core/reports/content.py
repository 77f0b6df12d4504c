"""What the compliance report says, read from the clinic and put into words in one language.

`report_content` runs on the database's thread and returns plain data (strings, numbers, lists):
every text is already translated and formatted, so the layout (report.typ, rendered by pdf.py)
only places it and never reads the database or the translations. User-typed text is carried as
data, never as markup: the template receives it as JSON values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

from clinicguard.core.checklist import score_formula, summarize
from clinicguard.core.formatting import format_date, format_money
from clinicguard.core.journal_text import journal_names, readable_rows
from clinicguard.i18n import language, pick, set_language, tr, trn
from clinicguard.model.catalogue import Catalogue, Structure
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.model.evidence import Evidence, ExpiryState
from clinicguard.model.plan import Action, ActionStatus
from clinicguard.model.registers import RegisterSummary

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace
    from clinicguard.model.audit import AuditEntry
    from clinicguard.model.people import Actor

# Statuses in the order the report counts them.
STATUS_ORDER = (Status.COMPLIANT, Status.PARTIAL, Status.NON_COMPLIANT, Status.NOT_ASSESSED, Status.NOT_APPLICABLE)
TREND_POINTS = 24  # at most this many bars in the trend chart (by day, else by month)
JOURNAL_ROWS = 40  # the latest entries the report shows in words (the journal workbook has them all)
ACTION_ROWS = 500  # the most urgent open actions the report lists (the action plan workbook has them all)
CHANGE_CHARS = 300  # a longer change is cut in the report (the workbook keeps it whole)


@contextmanager
def in_language(lang: str | None) -> Iterator[None]:
    """Speak `lang` while the report's texts are made, then go back to the interface's language."""
    previous = language()
    if lang:
        set_language(lang)
    try:
        yield
    finally:
        set_language(previous)


def local_time(ts: str | None) -> str:
    """A UTC timestamp of the database as the reader's local date and time (29/11/2026 14:05)."""
    if not ts:
        return ""
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


def local_day(ts: str) -> date:
    moment = datetime.fromisoformat(ts)
    return (moment.astimezone() if moment.tzinfo is not None else moment).date()


LONG_TOKEN = 28  # characters without a space above which the layout may break a word (hashes, links)
_ZWSP = "\u200b"


def breakable(text: str, every: int = 16) -> str:
    """Let the layout break words longer than LONG_TOKEN (a SHA-256, a pasted link), which would
    otherwise run past the page's edge; shorter words are left exactly as typed."""
    if not text or len(text) <= LONG_TOKEN:
        return text
    words = text.split(" ")
    return " ".join(_ZWSP.join(w[i:i + every] for i in range(0, len(w), every)) if len(w) > LONG_TOKEN else w
                    for w in words)


def percent_text(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return (text.replace(".", ",") if language() == "fr" else text) + "\u202f%"


# ---- the score over time ---------------------------------------------------------------------------
def score_trend(entries: Iterable[AuditEntry], catalogue: Catalogue, structure: Structure | str) -> list[tuple[date, float | None]]:
    """The overall score at the end of each day an assessment changed, replayed from the journal.

    The replay starts from an untouched checklist (every applicable item not assessed) and applies
    each `assessment.update` entry's new status in the journal's order, scored with the current
    catalogue's severities, so the last point equals today's score.
    """
    items = {item.id: item for item in catalogue.items}
    statuses = {i: Status.NOT_ASSESSED if item.applies(structure) else Status.NOT_APPLICABLE for i, item in items.items()}
    # Kept up to date entry by entry (same rule as core.checklist.score, without rebuilding rows).
    weight = sum(items[i].severity for i, s in statuses.items() if s is not Status.NOT_APPLICABLE)
    earned = 0.0
    points: dict[date, float | None] = {}
    for entry in entries:
        if entry.kind != "assessment.update" or entry.object_id not in items or not isinstance(entry.after, dict):
            continue
        try:
            new = Status(entry.after.get("status"))
        except ValueError:
            continue
        severity, old = items[entry.object_id].severity, statuses[entry.object_id]
        if old is not Status.NOT_APPLICABLE:
            weight -= severity
            earned -= severity * old.credit
        if new is not Status.NOT_APPLICABLE:
            weight += severity
            earned += severity * new.credit
        statuses[entry.object_id] = new
        points[local_day(entry.ts)] = round(100.0 * earned / weight, 1) if weight else None
    return sorted(points.items())


def trend_bars(points: list[tuple[date, float | None]]) -> list[dict]:
    """At most TREND_POINTS bars: one per day if few, else the last score of each month (then the
    last months only)."""
    if len(points) > TREND_POINTS:
        by_month: dict[tuple[int, int], float | None] = {}
        for day, value in points:
            by_month[(day.year, day.month)] = value
        bars = [{"label": f"{m:02d}/{y % 100:02d}", "value": v} for (y, m), v in sorted(by_month.items())]
    else:
        bars = [{"label": day.strftime("%d/%m/%y"), "value": v} for day, v in points]
    for bar in bars[-TREND_POINTS:]:
        bar["text"] = percent_text(bar["value"])
        bar["value"] = 0.0 if bar["value"] is None else float(bar["value"])
    return bars[-TREND_POINTS:]


# ---- the pieces ------------------------------------------------------------------------------------
def evidence_line(ev: Evidence, today: date) -> dict:
    state = ev.expiry_state(today)
    if ev.expires_on:
        validity = tr("valid from {start} to {end}", start=format_date(ev.valid_from), end=format_date(ev.expires_on))
    else:
        validity = tr("valid from {start}, no end date", start=format_date(ev.valid_from))
    return {"id": ev.id, "title": breakable(ev.title or ev.original_name), "validity": validity, "state": state.value,
            "state_label": state.label, "expired": state is ExpiryState.EXPIRED, "sha256": ev.sha256}


def item_block(row: ChecklistRow, evidence: list[Evidence], signoffs, names: dict[int, str], today: date) -> dict:
    a = row.assessment
    block = {
        "id": row.item.id, "title": pick(row.item.title), "status": row.status.value, "status_label": row.status.label,
        "severity": row.item.severity, "comment": breakable(a.comment), "responsible": breakable(a.responsible),
        "last_reviewed": format_date(a.last_reviewed), "next_review": format_date(a.next_review),
        "overdue_review": bool(a.next_review and a.next_review < today.isoformat()),
        "assessed_by": names.get(a.updated_by, "") if a.updated_by is not None else "",
        "assessed_at": local_time(a.updated_at) if a.updated_at else "",
        "from_cnil_draft": row.item.from_cnil_draft,
        "source_status": row.item.source_status_label if row.item.source_status else "",
        "scope": "" if row.applies else tr("Outside the scope of this type of structure."),
        "signoffs": [], "outdated": [], "missing": [],
        "evidence": [evidence_line(ev, today) for ev in evidence],
    }
    if signoffs is not None:
        block["signoffs"] = [{"person": s.person_name, "at": local_time(s.signed_at), "comment": s.comment}
                             for s in signoffs.confirmed]
        block["outdated"] = [s.person_name for s in signoffs.outdated]
        block["missing"] = [p.name for p in signoffs.missing] if signoffs.request else []
    return block


def action_line(action: Action, today: date) -> dict:
    return {"id": action.id, "title": breakable(action.title), "owner": breakable(action.owner), "status": action.status_enum.label,
            "due": format_date(action.due_date), "overdue": action.is_overdue(today),
            "items": ", ".join(action.item_ids)}


def registers_section(summary: RegisterSummary) -> dict:
    """Where the registers stand (GDPR art. 30, 28, 33(5); training and the IT charter), in words."""
    def names(people: Iterable[str]) -> str:
        people = list(people)
        return ", ".join(breakable(p) for p in people) if people else tr("none")

    rows = [
        [tr("Processing activities in the register"), str(summary.processing)],
        [tr("Activities whose need for a DPIA is not yet decided"), str(summary.activities_without_dpia_decision)],
        [tr("Processors and hosts"), str(summary.processors)],
        [tr("Contracts missing art. 28(3) clauses"),
         names(p.name for p in summary.incomplete_contracts)],
        [tr("Contracts and HDS certificates ending within 60 days"),
         names(f"{e.processor} ({e.label}, {format_date(e.on)})" for e in summary.expiring)],
        [tr("Incidents recorded (notified or not)"), str(summary.incidents)],
        [tr("Incidents awaiting a CNIL decision or an ARS report"), str(len(summary.open_incidents))],
        [tr("Incidents past the 72-hour notification deadline"),
         names(i.title for i in summary.overdue_incidents)],
        [tr("Training sessions"), str(summary.trainings)],
        [trn("Active people without training in the last {n} month", "Active people without training in the last {n} months",
             summary.training_months), names(summary.untrained)],
    ]
    if summary.charter_version is None:
        rows.append([tr("IT charter"), tr("no version recorded")])
    else:
        rows.append([tr("Active people who have not acknowledged IT charter {version}", version=summary.charter_version),
                     names(summary.without_charter)])
    return {"title": tr("Registers"), "rows": rows}


def method_section(catalogue: Catalogue) -> dict:
    refs: dict[str, dict] = {}
    for item in catalogue.items:
        for ref in item.references:
            entry = refs.setdefault(ref.source, {"label": ref.label.split(",")[0].replace(" (?)", ""), "count": 0,
                                                 "uncertain": False})
            entry["count"] += 1
            entry["uncertain"] = entry["uncertain"] or ref.uncertain
    sources = []
    for source, entry in sorted(refs.items(), key=lambda kv: -kv[1]["count"]):
        if not entry["label"]:
            continue
        if source == "cnil-dpi-draft-2025":
            status = tr("draft put to public consultation in March 2025, not adopted as far as we know (?)")
        elif source == "cnil-referentiel-2020":
            status = tr("adopted (deliberation 2020-081), not binding: departures must be justified")
        elif source in ("gdpr", "csp", "penal-code", "cgi"):
            status = tr("law in force")
        else:
            status = tr("published guidance")
        sources.append({"label": entry["label"], "status": status,
                        "count": trn("{n} recommendation", "{n} recommendations", entry["count"]),
                        "uncertain": entry["uncertain"]})
    draft_items = [item.id for item in catalogue.items if item.from_cnil_draft]
    return {
        "formula": score_formula(),
        "credits": [[s.label, tr("excluded") if s is Status.NOT_APPLICABLE else f"{s.credit:g}".replace(".", ",")
                     if language() == "fr" else f"{s.credit:g}"] for s in STATUS_ORDER],
        "catalogue_sources": [p.strip() for p in pick(catalogue.sources).strip().splitlines() if p.strip()],
        "sources": sources,
        "draft_note": tr("The CNIL text on computerised patient records used here is a draft recommendation put to "
                         "public consultation in March 2025; no final version was found. The {n} recommendations "
                         "taken from it ({ids}) may change when the CNIL adopts its text.",
                         n=len(draft_items), ids=", ".join(draft_items) or "—"),
        "evidence_rule": tr("Expired evidence is listed but no longer counts as evidence."),
        "trend_rule": tr("The trend replays the journal's assessment changes with the current catalogue: the last "
                         "bar is today's score."),
    }


def journal_section(ws: Workspace, head_count: int, actions: list[Action]) -> dict:
    entries = ws.audit.search(limit=JOURNAL_ROWS, newest_first=True)
    rows = []
    for when, person, what, about, change in readable_rows(entries, journal_names(ws, actions)):
        change = change.replace("\n", "; ")
        change = change if len(change) <= CHANGE_CHARS else change[:CHANGE_CHARS - 1] + "…"
        rows.append([when, breakable(person), what, breakable(about), breakable(change)])
    return {"rows": rows,
            "note": tr("The latest {shown} of the journal's {total} entries, newest first, at local time. The whole "
                       "journal, with each entry as recorded, is in its workbook (Journal page, Export to Excel).",
                       shown=len(rows), total=head_count)}


def labels() -> dict[str, str]:
    """The fixed words of the layout, in the report's language."""
    return {
        "report": tr("Compliance report"), "clinic": tr("Clinic name"), "structure": tr("Type of structure"),
        "date": tr("Date of the report"), "catalogue": tr("Catalogue version"), "produced_by": tr("Produced by"),
        "audit_head": tr("Audit trail head"), "audit_hint": tr("Keep this head: 'clinicguard audit verify "
                                                               "--expect-head' shows later whether any entry up to it "
                                                               "was changed or removed."),
        "summary": tr("Summary"), "overall": tr("Overall score"), "by_domain": tr("Score by domain"),
        "counts": tr("Recommendations by status"), "trend": tr("Score over time"),
        "no_trend": tr("No assessment has been recorded yet."),
        "status": tr("Status"), "comment": tr("Comment"), "responsible": tr("Responsible"),
        "source_status": tr("Kind of source"),
        "last_review": tr("Last review"), "next_review": tr("Next review"), "assessed": tr("Assessed by"),
        "signoffs": tr("Sign-offs"), "outdated": tr("Outdated sign-offs"), "missing": tr("Not yet confirmed by"),
        "evidence": tr("Evidence"), "no_evidence": tr("No evidence file."), "expired": tr("expired"),
        "no_signoff": tr("No sign-off."), "overdue": tr("overdue"), "draft": tr("from the CNIL draft"),
        "actions": tr("Open actions"), "action": tr("Action"), "owner": tr("Owner"), "due": tr("Due date"),
        "items": tr("Recommendations"), "no_actions": tr("No open action."),
        "budget": tr("Budget summary"), "fiscal_year": tr("Fiscal year"), "planned_ht": tr("Planned excl. VAT"),
        "planned_ttc": tr("Planned incl. VAT"), "actual_ht": tr("Actual excl. VAT"),
        "actual_ttc": tr("Actual incl. VAT"), "no_budget": tr("No budget line."),
        "method": tr("Method and sources"), "formula": tr("Scoring formula"), "credit": tr("Credit per status"),
        "sources": tr("Sources and their status"), "source": tr("Source"), "used_by": tr("Used by"),
        "catalogue_sources": tr("What the catalogue restates"), "page": tr("Page"),
        "colon": " : " if language() == "fr" else ": ",
        "journal": tr("Journal"), "when": tr("Date and time (local)"), "person": tr("Person"),
        "what": tr("What happened"), "about": tr("Concerning"), "change": tr("Change"),
    }


# ---- the whole report ------------------------------------------------------------------------------
def report_content(ws: Workspace, actor: Actor, lang: str | None = None, today: date | None = None) -> dict:
    """Everything the report shows, translated into `lang` (default: the interface's language)."""
    with in_language(lang):
        return _content(ws, actor, today or date.today())


def _content(ws: Workspace, actor: Actor, today: date) -> dict:
    clinic = ws.settings.clinic
    catalogue = ws.catalogue
    rows = ws.checklist.rows()
    summary = summarize(rows, today)
    head = ws.audit.stored_head()
    names = {p.id: p.name for p in ws.people.all()}
    files = ws.evidence_store.all()
    by_item: dict[str, list[Evidence]] = {}
    for ev in files:
        for item_id in ev.items:
            by_item.setdefault(item_id, []).append(ev)
    overview = ws.signoffs.overview([r.item.id for r in rows])

    domains = []
    for domain in catalogue.domains:
        domain_rows = [r for r in rows if r.item.domain == domain.id]
        if not domain_rows:
            continue
        s = summary.by_domain.get(domain.id)
        domains.append({
            "id": domain.id, "title": pick(domain.title),
            "score": percent_text(s.percent if s else None), "value": (s.percent or 0.0) if s else 0.0,
            "applies": bool(s and s.percent is not None),
            "items": [item_block(r, by_item.get(r.item.id, []), overview.get(r.item.id), names, today)
                      for r in domain_rows],
        })

    every_action = ws.plan.actions()
    actions = [a for a in every_action if a.status_enum.open]
    actions.sort(key=lambda a: (a.due_date or "9999-12-31", a.id or 0))  # overdue first, then by due date
    listed = actions[:ACTION_ROWS]
    budget = []
    for s in ws.plan.summaries(today):
        t = s.total
        budget.append([s.label, format_money(t.planned_ht), format_money(t.planned_ttc),
                       format_money(t.actual_ht), format_money(t.actual_ttc)])
    counts = summary.overall.counts
    trend = trend_bars(score_trend(ws.audit.search(kind="assessment"), catalogue, clinic.structure))
    assessed_total = len(rows)
    produced = datetime.now().replace(microsecond=0)
    return {
        "lang": language(),
        "title": tr("Compliance report — {clinic}", clinic=clinic.name),
        "labels": labels(),
        "cover": {
            "clinic": clinic.name, "structure": clinic.structure.label,
            "date": produced.strftime("%d/%m/%Y %H:%M"), "catalogue": clinic.catalogue_version,
            "produced_by": actor.name, "audit_head": head.text,
            "entries": trn("{n} entry in the journal", "{n} entries in the journal", head.count),
            "items": trn("{n} recommendation", "{n} recommendations", assessed_total),
        },
        "summary": {
            "overall": percent_text(summary.overall.percent),
            "overall_value": summary.overall.percent or 0.0,
            "overall_percent": summary.overall.percent,  # None when nothing applies, as in `status --json`
            "counts": [{"status": s.value, "label": s.label, "n": counts.get(s.value, 0)} for s in STATUS_ORDER],
            "reviews_overdue": trn("{n} review overdue", "{n} reviews overdue", len(summary.overdue_reviews)),
            "evidence": trn("{n} evidence file", "{n} evidence files", len(files)),
            "expired": trn("{n} expired", "{n} expired",
                           sum(1 for ev in files if ev.expiry_state(today) is ExpiryState.EXPIRED)),
            "overdue_actions": trn("{n} overdue action", "{n} overdue actions",
                                   sum(1 for a in actions if a.is_overdue(today))),
            "trend": trend,
        },
        "domains": domains,
        "actions": [action_line(a, today) for a in listed],
        "actions_count": trn("{n} open action", "{n} open actions", len(actions)),
        "actions_note": "" if len(listed) == len(actions) else tr(
            "The {shown} most urgent are listed here; the action plan workbook (Export to Excel) has them all.",
            shown=len(listed)),
        "budget": budget,
        "registers": registers_section(ws.registers.summary()),
        "journal": journal_section(ws, head.count, every_action),
        "method": method_section(catalogue),
        "status_names": {s.value: s.label for s in Status},
        "action_statuses": {s.value: s.label for s in ActionStatus},
    }
