"""Answering the checklist, and reading it (list, show) so that a script never parses a workbook."""

from __future__ import annotations

import argparse
import difflib
import unicodedata

from clinicguard.model.errors import NotFound
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.i18n import pick, tr
from clinicguard.cli.parsing import date_value
from clinicguard.cli.common import EXIT_OK, UsageError, acting, open_workspace, print_json

# Statuses as a user may type them: the English value, or the French word (accents and case ignored).
STATUS_WORDS = {
    Status.NOT_ASSESSED: ("not-assessed", "non-evalue", "a-evaluer"),
    Status.COMPLIANT: ("compliant", "conforme"),
    Status.PARTIAL: ("partial", "partially-compliant", "partiel", "partiellement-conforme"),
    Status.NON_COMPLIANT: ("non-compliant", "not-compliant", "non-conforme"),
    Status.NOT_APPLICABLE: ("not-applicable", "non-applicable", "sans-objet"),
}
FRENCH_WORD = {Status.NOT_ASSESSED: "non-evalue", Status.COMPLIANT: "conforme", Status.PARTIAL: "partiel",
               Status.NON_COMPLIANT: "non-conforme", Status.NOT_APPLICABLE: "non-applicable"}
_STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}


def _normalized(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().replace("_", " ").replace("-", " ").split())


def suggestion(value: str, known) -> str:
    """" Did you mean X?" for the closest of `known`, or nothing."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return tr(" Did you mean {value}?", value=close[0]) if close else ""


def parse_status(value: str) -> Status:
    word = _normalized(value)
    if word in _STATUS_BY_WORD:
        return _STATUS_BY_WORD[word]
    raise UsageError(tr("Unknown status {value!r}: use one of {allowed}.", value=value,
                        allowed=", ".join(s.value for s in Status)) + suggestion(word, _STATUS_BY_WORD))


def resolve_item_id(rows: list[ChecklistRow], value: str, keep_unknown: bool = False) -> str:
    """The catalogue's id for `value`, whatever its case; an unknown id is refused with a suggestion."""
    ids = {row.item.id.upper(): row.item.id for row in rows}
    if value.upper() in ids:
        return ids[value.upper()]
    if not keep_unknown:
        raise unknown_id_error(rows, value)
    return value  # the core refuses it, naming a recommendation a newer catalogue withdrew


def canonical_ids(ws, values) -> list[str]:
    """`values` with each id spelled as the catalogue spells it, whatever its case (unknown ones are
    left as they are, for the core to refuse by name)."""
    ids = {item.id.upper(): item.id for item in ws.catalogue.items}
    return [ids.get(value.upper(), value) for value in values or ()]


def unknown_id_error(rows: list[ChecklistRow], value: str) -> UsageError:
    ids = [row.item.id for row in rows]
    return UsageError(tr("Unknown recommendation {id!r}.", id=value) + suggestion(value.upper(), ids))


def row_json(row: ChecklistRow) -> dict:
    a = row.assessment
    return {"id": row.item.id, "domain": row.item.domain, "theme": row.item.theme, "severity": row.item.severity,
            "title": pick(row.item.title), "status": row.status.value, "applies": row.applies,
            "retired": row.retired, "comment": a.comment, "responsible": a.responsible,
            "last_reviewed": a.last_reviewed, "next_review": a.next_review}


def cmd_checklist_set(args: argparse.Namespace) -> int:
    status = parse_status(args.status)
    ws = open_workspace(args)
    try:
        rows = ws.checklist.rows()
        item_id = resolve_item_id(rows, args.item_id, keep_unknown=True)
        actor = acting(ws, args)
        changes = {"status": status.value}
        if args.comment is not None:
            changes["comment"] = args.comment
        if args.responsible is not None:
            changes["responsible"] = args.responsible
        if args.next_review is not None:
            changes["next_review"] = args.next_review
        try:
            ws.checklist.set_assessment(actor, item_id, **changes)
        except NotFound:
            raise unknown_id_error(rows, args.item_id) from None
        print(tr("{id}: {status}", id=item_id, status=status.label))
    finally:
        ws.close()
    return EXIT_OK


def cmd_checklist_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        rows = all_rows = ws.checklist.rows()
    finally:
        ws.close()
    if args.status:
        wanted = {parse_status(word) for word in args.status.split(",")}
        rows = [row for row in rows if row.status in wanted]
    if args.domain:
        domains = sorted({row.item.domain for row in all_rows})
        if _normalized(args.domain) not in {_normalized(d) for d in domains}:
            raise UsageError(tr("Unknown domain {value!r}: use one of {allowed}.", value=args.domain,
                                allowed=", ".join(domains)) + suggestion(args.domain.lower(), domains))
        rows = [row for row in rows if _normalized(row.item.domain) == _normalized(args.domain)]
    if args.responsible:
        rows = [row for row in rows if row.assessment.responsible.casefold() == args.responsible.casefold()]
    if args.json:
        print_json([row_json(row) for row in rows])
        return EXIT_OK
    for row in rows:
        print(f"{row.item.id:<16} {row.status.label:<22} {pick(row.item.title)}")
    return EXIT_OK


def cmd_checklist_show(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        rows = ws.checklist.rows()
        item_id = resolve_item_id(rows, args.item_id)
        register_state = ws.registers.state_for_item(item_id)
    finally:
        ws.close()
    row = next(row for row in rows if row.item.id == item_id)
    if args.json:
        print_json(dict(row_json(row), question=pick(row.item.question), how_to_check=pick(row.item.how_to_check)))
        return EXIT_OK
    a = row.assessment
    print(f"{row.item.id} — {pick(row.item.title)}")
    print(tr("Status: {status}", status=row.status.label))
    print(tr("Question: {text}", text=pick(row.item.question)))
    if register_state:
        print(register_state)
    if a.responsible:
        print(tr("Responsible: {name}", name=a.responsible))
    if a.comment:
        print(tr("Comment: {text}", text=a.comment))
    if a.next_review:
        print(tr("Next review: {date}", date=a.next_review))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("checklist", help=tr("answer and read the checklist"))
    checklist_sub = p.add_subparsers(dest="checklist_command", metavar="COMMAND", required=True)
    statuses = tr("a status, in English or French: {values}",
                  values=", ".join(f"{s.value} ({FRENCH_WORD[s]})" for s in Status))
    p = checklist_sub.add_parser("set", parents=[common, actor], help=tr("set a recommendation's status"))
    p.add_argument("item_id", metavar="ITEM_ID", help=tr("the recommendation's id (case does not matter)"))
    p.add_argument("status", metavar="STATUS", help=statuses)
    p.add_argument("--comment", metavar="TEXT", help=tr("a comment kept with the answer"))
    p.add_argument("--responsible", metavar="NAME", help=tr("the person responsible for this recommendation"))
    p.add_argument("--next-review", type=date_value, metavar="DATE", help=tr("the date of the next review (DD/MM/YYYY or YYYY-MM-DD)"))
    p.set_defaults(func=cmd_checklist_set)
    p = checklist_sub.add_parser("list", parents=[common], help=tr("list the recommendations and their status"))
    p.add_argument("--status", metavar="STATUS", help=tr("only these statuses (comma-separated)"))
    p.add_argument("--domain", metavar="DOMAIN", help=tr("only this domain (governance, security, training)"))
    p.add_argument("--responsible", metavar="NAME", help=tr("only the recommendations of this person"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_checklist_list)
    p = checklist_sub.add_parser("show", parents=[common], help=tr("show one recommendation and its answer"))
    p.add_argument("item_id", metavar="ITEM_ID", help=tr("the recommendation's id (case does not matter)"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_checklist_show)
