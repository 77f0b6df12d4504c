"""Answering the checklist."""

from __future__ import annotations

import argparse

from clinicguard.model.checklist import Status
from clinicguard.i18n import tr
from clinicguard.cli.common import acting, open_workspace


def cmd_checklist_set(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        changes = {"status": args.status}
        if args.comment is not None:
            changes["comment"] = args.comment
        if args.responsible is not None:
            changes["responsible"] = args.responsible
        if args.next_review is not None:
            changes["next_review"] = args.next_review
        ws.checklist.set_assessment(actor, args.item_id, **changes)
        print(tr("{id}: {status}", id=args.item_id, status=Status(args.status).label))
    finally:
        ws.close()
    return 0


def register(sub, common, actor) -> None:
    p = sub.add_parser("checklist", help=tr("answer the checklist"))
    checklist_sub = p.add_subparsers(dest="checklist_command", metavar="COMMAND", required=True)
    p = checklist_sub.add_parser("set", parents=[common, actor], help=tr("set a recommendation's status"))
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("status", choices=[s.value for s in Status], metavar="STATUS",
                   help=", ".join(s.value for s in Status))
    p.add_argument("--comment")
    p.add_argument("--responsible")
    p.add_argument("--next-review", metavar="DATE")
    p.set_defaults(func=cmd_checklist_set)
