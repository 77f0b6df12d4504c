"""The workbooks for the accountant, the DPO or an inspector, and the catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path

from clinicguard.i18n import tr
from clinicguard.core import exports  # its names load on first use: openpyxl only for an export
from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.cli.parsing import year_value
from clinicguard.cli.common import EXIT_OK, acting, open_workspace


def _export_with(args: argparse.Namespace, prepare) -> int:
    out = exports.check_out_path(args.out)
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        exports.run_export(ws, actor, prepare(ws, actor), out)
    finally:
        ws.close()
    print(tr("Workbook written to {file}.", file=out))
    return EXIT_OK


def cmd_export_budget(args: argparse.Namespace) -> int:
    return _export_with(args, lambda ws, actor: exports.prepare_budget(ws, actor, args.year))


def cmd_export_checklist(args: argparse.Namespace) -> int:
    return _export_with(args, exports.prepare_checklist)


def cmd_export_actions(args: argparse.Namespace) -> int:
    return _export_with(args, exports.prepare_actions)


def cmd_catalogue_export(args: argparse.Namespace) -> int:
    out = exports.export_catalogue(bundled_catalogue(), Path(args.out))
    print(tr("Workbook written to {file}.", file=out))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("export", help=tr("write Excel workbooks for the accountant, the DPO or an inspector"))
    export_sub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    p = export_sub.add_parser("budget", parents=[common, actor], help=tr("the budget of a fiscal year"))
    p.add_argument("--year", type=year_value, metavar="YYYY",
                   help=tr("the fiscal year, named by the year it starts in (default: the current one)"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.set_defaults(func=cmd_export_budget)
    p = export_sub.add_parser("checklist", parents=[common, actor], help=tr("the checklist with the scores"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.set_defaults(func=cmd_export_checklist)
    p = export_sub.add_parser("actions", parents=[common, actor], help=tr("the action plan with its costs"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.set_defaults(func=cmd_export_actions)

    p = sub.add_parser("catalogue", help=tr("the recommendations catalogue"))
    catalogue_sub = p.add_subparsers(dest="catalogue_command", metavar="COMMAND", required=True)
    p = catalogue_sub.add_parser("export", help=tr("write the whole bundled catalogue to an Excel workbook"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.add_argument("--lang", choices=["fr", "en"], help=tr("language of the workbook"))
    p.set_defaults(func=cmd_catalogue_export)
