"""Practitioners' sign-off of recommendations."""

from __future__ import annotations

import argparse

from clinicguard.core.status import signoff_object
from clinicguard.i18n import pick, tr, trn
from clinicguard.core.formatting import format_date
from clinicguard.cli.checklist import canonical_ids, suggestion
from clinicguard.cli.common import EXIT_OK, UsageError, acting, open_workspace, print_json


def cmd_signoff_confirm(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        for signed in ws.signoffs.confirm_many(actor, canonical_ids(ws, args.item_ids), args.comment or ""):
            print(tr("{id}: confirmed by {name}.", id=signed.item_id, name=actor.name))
    finally:
        ws.close()
    return EXIT_OK


def cmd_signoff_request(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        made = ws.signoffs.request(acting(ws, args), canonical_ids(ws, args.item_ids), args.note or "")
        names = ", ".join(p.name for p in ws.people.active_practitioners()) or tr("nobody yet")
        print(trn("{n} recommendation to confirm, asked of: {names}.", "{n} recommendations to confirm, asked of: {names}.",
                  len(made), names=names))
    finally:
        ws.close()
    return EXIT_OK


def cmd_signoff_pending(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        pending = ws.signoffs.pending(acting(ws, args))
        rows = [{"item_id": r.item_id,
                 "title": pick(ws.catalogue.get(r.item_id).title) if r.item_id in ws.catalogue else "",
                 "requested_at": r.requested_at, "requested_by": r.requested_by_name, "note": r.note}
                for r in pending]
    finally:
        ws.close()
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['item_id']}  {row['title']}")
            asked = {"name": row["requested_by"] or "—", "date": format_date(row["requested_at"][:10])}
            print("  " + (tr("Asked by {name} on {date}: “{note}”", note=row["note"], **asked) if row["note"]
                          else tr("Asked by {name} on {date}", **asked)))
        if not rows:
            print(tr("Nothing to confirm."))
    return EXIT_OK


def cmd_signoff_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        item_ids = canonical_ids(ws, args.item_ids)
        for item_id in item_ids:
            if item_id not in ws.catalogue:
                raise UsageError(tr("Unknown recommendation {id!r}.", id=item_id)
                                 + suggestion(item_id.upper(), [item.id for item in ws.catalogue.items]))
        result = signoff_object(ws, item_ids or None)
    finally:
        ws.close()
    if args.json:
        print_json(result)
        return EXIT_OK
    for item_id, s in result.items():
        print(item_id)
        print("  " + tr("Confirmed: {names}", names=", ".join(c["person"] for c in s["confirmed"]) or "—"))
        print("  " + tr("Not confirmed: {names}", names=", ".join(s["missing"]) or "—"))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("signoff", help=tr("practitioners' sign-off of recommendations"))
    signoff_sub = p.add_subparsers(dest="signoff_command", metavar="COMMAND", required=True)
    p = signoff_sub.add_parser("confirm", parents=[common, actor],
                               help=tr("confirm recommendations are applied in your practice"))
    p.add_argument("item_ids", nargs="+", metavar="ITEM_ID", help=tr("recommendation ids"))
    p.add_argument("--comment", metavar="TEXT", help=tr("a comment kept with the confirmation"))
    p.set_defaults(func=cmd_signoff_confirm)
    p = signoff_sub.add_parser("request", parents=[common, actor], help=tr("ask every practitioner to confirm"))
    p.add_argument("item_ids", nargs="+", metavar="ITEM_ID", help=tr("recommendation ids"))
    p.add_argument("--note", metavar="TEXT", help=tr("a note sent with the request"))
    p.set_defaults(func=cmd_signoff_request)
    p = signoff_sub.add_parser("pending", parents=[common, actor], help=tr("what you have been asked to confirm"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_signoff_pending)
    p = signoff_sub.add_parser("status", parents=[common], help=tr("who has confirmed and who has not"))
    p.add_argument("item_ids", nargs="*", metavar="ITEM_ID", help=tr("recommendation ids (default: all)"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_signoff_status)
