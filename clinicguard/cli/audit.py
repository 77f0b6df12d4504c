"""The journal: verify, export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clinicguard.i18n import tr
from clinicguard.model.audit import Head
from clinicguard.core import exports  # its names load on first use: openpyxl only for an export
from clinicguard.cli.parsing import date_value
from clinicguard.cli.checklist import suggestion
from clinicguard.cli.common import UsageError, EXIT_OK, EXIT_PROBLEM_FOUND, acting, open_workspace, print_json


def cmd_audit_verify(args: argparse.Namespace) -> int:
    expected = Head.parse(args.expect_head) if args.expect_head else None
    ws = open_workspace(args)
    try:
        result = ws.verify_journal(expected)  # the chain, then the data against what it records
    finally:
        ws.close()
    if args.json:
        print_json({"ok": result.ok, "entries": result.count, "head": f"{result.count}:{result.head}",
                    "bad_entry": result.bad_entry, "kind": result.kind, "problem": result.problem,
                    "head_checked": result.head_checked})
    elif result.ok:
        print(result.message)
    else:
        print(result.message, file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEM_FOUND


def cmd_audit_export(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        if args.person is not None:  # a mistyped name would give an empty workbook, not "nobody did anything"
            names = [person.name for person in ws.people.all()]
            if args.person.casefold() not in {name.casefold() for name in names}:
                raise UsageError(tr("Unknown profile {name!r}.", name=args.person) + suggestion(args.person, names))
        n = exports.export_journal(ws, actor, Path(args.out), person=args.person, since=args.since, until=args.until,
                           kind=args.kind, object_type=args.object_type, object_id=args.object_id)
        print(tr("{n} audit entries written to {file}.", n=n, file=args.out))
    finally:
        ws.close()
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("audit", help=tr("the audit trail (journal)"))
    audit_sub = p.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    p = audit_sub.add_parser("verify", parents=[common],
                             help=tr("check that no entry was edited, deleted, inserted or moved"))
    p.add_argument("--expect-head", metavar="COUNT:HASH",
                   help=tr("also check against a head kept elsewhere (printed in exports)"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_audit_verify)
    p = audit_sub.add_parser("export", parents=[common, actor], help=tr("write the audit trail to an Excel workbook"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.add_argument("--person", metavar="NAME", help=tr("only what this profile did"))
    p.add_argument("--since", type=date_value, metavar="DATE", help=tr("only the entries from this date (DD/MM/YYYY or YYYY-MM-DD)"))
    p.add_argument("--until", type=date_value, metavar="DATE", help=tr("only the entries up to this date, included"))
    p.add_argument("--kind", metavar="KIND", help=tr("a kind (person.create) or a family (person)"))
    p.add_argument("--object-type", metavar="TYPE", help=tr("only the entries about this kind of object (item, action, person...)"))
    p.add_argument("--object-id", metavar="ID", help=tr("only the entries about this object"))
    p.set_defaults(func=cmd_audit_export)
