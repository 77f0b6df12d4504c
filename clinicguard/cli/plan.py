"""Importing an action plan kept elsewhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clinicguard.i18n import tr, trn
from clinicguard.core.plan_import import write_template
from clinicguard.cli.common import EXIT_OK, UsageError, acting, open_workspace


def cmd_import_actions(args: argparse.Namespace) -> int:
    if args.template:
        if args.file:
            raise UsageError(tr("Give either a file to import or --template, not both."))
        if Path(args.template).suffix.lower() != ".xlsx":
            raise UsageError(tr("The template is an Excel workbook: give a file name ending in .xlsx."))
        write_template(Path(args.template))
        print(tr("Import template written to {file}.", file=args.template))
        return EXIT_OK
    if not args.file:
        raise UsageError(tr("Give the file to import, or --template FILE.xlsx to write the template."))
    ws = open_workspace(args)
    try:
        # Check the whole file before signing in, so a refused file leaves the database untouched.
        preview = ws.plan_import.preview(Path(args.file), confirm_durations=args.confirm_durations)
        if not preview.ok:
            raise preview.refusal()
        if preview.ignored:
            print(preview.ignored_note(), file=sys.stderr)
        actor = acting(ws, args)
        result = ws.plan_import.apply(actor, preview)
    finally:
        ws.close()
    print(tr("{actions} and {lines} imported from {file}.", actions=trn("{n} action", "{n} actions", result.actions),
             lines=trn("{n} budget line", "{n} budget lines", result.lines), file=Path(args.file).name))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("import", help=tr("import data kept elsewhere"))
    import_sub = p.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    p = import_sub.add_parser("actions", parents=[common, actor],
                              help=tr("import an action plan with its budget from an .xlsx or .csv file"))
    p.add_argument("file", nargs="?", metavar="FILE", help=tr("the .xlsx or .csv file, one row per budget line"))
    p.add_argument("--template", metavar="FILE.xlsx", help=tr("write the import template to this file instead"))
    p.add_argument("--confirm-durations", action="store_true",
                   help=tr("accept depreciation periods outside the usual 1 to 10 years"))
    p.set_defaults(func=cmd_import_actions)
