"""`clinicguard report pdf` (the compliance report, PDF/A) and `clinicguard report pack` (the
inspection pack, a zip archive) for a DPO or an inspector."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from clinicguard.cli.common import EXIT_OK, UsageError, acting, open_workspace
from clinicguard.cli.parsing import date_value
from clinicguard.core import reports  # loaded when a report is made (Typst, openpyxl)
from clinicguard.i18n import language, tr, trn

PACK_PASSWORD_ENV = "CLINICGUARD_PACK_PASSWORD"


def cmd_report_pdf(args: argparse.Namespace) -> int:
    out = reports.check_pdf_path(args.out)
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        reports.export_report(ws, actor, out, args.report_lang or language())
    finally:
        ws.close()
    print(tr("Report written to {file}.", file=out))
    return EXIT_OK


def read_pack_password() -> str:
    """The pack's password: from CLINICGUARD_PACK_PASSWORD, or asked twice at a prompt."""
    password = os.environ.get(PACK_PASSWORD_ENV)
    if password:
        return password
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No password given for the pack: set {env} or run the command in a terminal.",
                            env=PACK_PASSWORD_ENV))
    first = getpass.getpass(tr("Password of the pack: "))
    if getpass.getpass(tr("Type it again: ")) != first:
        raise UsageError(tr("The two entries differ."))
    return first


def cmd_report_pack(args: argparse.Namespace) -> int:
    out = reports.check_zip_path(args.out)
    items = tuple(i for i in args.items.split(",") if i.strip()) if args.items else None
    choice = reports.EvidenceChoice(items, args.current, args.since, args.until)
    password = read_pack_password() if args.encrypt else None
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        pack = reports.export_pack(ws, actor, out, choice, password, args.report_lang or language())
    finally:
        ws.close()
    print(tr("Inspection pack written to {file}: {files}.", file=out,
             files=trn("{n} evidence file", "{n} evidence files", len(pack.evidence))))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("report", help=tr("the compliance report and the inspection pack for a DPO or an inspector"))
    report_sub = p.add_subparsers(dest="report_command", metavar="WHAT", required=True)

    p = report_sub.add_parser("pdf", parents=[common, actor], help=tr("the compliance report, an archival PDF (PDF/A)"))
    p.add_argument("--out", required=True, metavar="FILE.pdf", help=tr("the PDF file to write"))
    p.add_argument("--lang", dest="report_lang", choices=["fr", "en"],
                   help=tr("language of the report (default: French)"))
    p.set_defaults(func=cmd_report_pdf)

    p = report_sub.add_parser("pack", parents=[common, actor],
                              help=tr("the inspection pack: report, checklist and evidence in one zip archive"))
    p.add_argument("--out", required=True, metavar="FILE.zip", help=tr("the archive to write"))
    p.add_argument("--items", metavar="ID,ID",
                   help=tr("only the evidence of these recommendations (comma-separated; default: all)"))
    p.add_argument("--current", action="store_true", help=tr("only the evidence still valid today"))
    p.add_argument("--since", type=date_value, metavar="DATE",
                   help=tr("only the evidence valid from this date or later"))
    p.add_argument("--until", type=date_value, metavar="DATE",
                   help=tr("only the evidence valid from this date or earlier"))
    p.add_argument("--encrypt", action="store_true",
                   help=tr("encrypt the archive with a password (AES-256; from {env} or a prompt)",
                           env=PACK_PASSWORD_ENV))
    p.add_argument("--lang", dest="report_lang", choices=["fr", "en"],
                   help=tr("language of the report (default: French)"))
    p.set_defaults(func=cmd_report_pack)
