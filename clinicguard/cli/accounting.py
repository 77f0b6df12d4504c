"""Files for the clinic's accountant: the purchase journal that accounting software imports."""

from __future__ import annotations

import argparse

from clinicguard.cli.common import EXIT_OK, acting, open_workspace
from clinicguard.cli.parsing import year_value
from clinicguard.core.exports.purchases import (
    ENCODINGS,
    check_journal_path,
    export_purchase_journal,
    import_file_notice,
)
from clinicguard.core.formatting import format_money
from clinicguard.i18n import tr, trn


def cmd_purchase_journal(args: argparse.Namespace) -> int:
    out = check_journal_path(args.out)
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        path, journal = export_purchase_journal(ws, actor, args.year, out, args.encoding)
    finally:
        ws.close()
    print(tr("Purchase journal of fiscal year {year} written to {file}: {entries}, debits {debit} = credits {credit}.",
             year=journal.fiscal_year, file=path, entries=trn("{n} entry", "{n} entries", journal.entries),
             debit=format_money(journal.debit), credit=format_money(journal.credit)))
    print(import_file_notice())
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("accounting", help=tr("files for the accountant's software"))
    accounting_sub = p.add_subparsers(dest="accounting_command", metavar="WHAT", required=True)
    p = accounting_sub.add_parser(
        "purchase-journal", parents=[common, actor],
        help=tr("write the purchase journal of a fiscal year (CSV to import, not the legal FEC)"))
    p.add_argument("--year", type=year_value, metavar="YYYY",
                   help=tr("the fiscal year, named by the year it starts in (default: the current one)"))
    p.add_argument("--out", required=True, metavar="FILE.csv", help=tr("the CSV file to write"))
    p.add_argument("--encoding", choices=ENCODINGS, default="utf-8-sig",
                   help=tr("utf-8-sig (UTF-8 with BOM, the default) or cp1252 (Windows-1252, for older software)"))
    p.set_defaults(func=cmd_purchase_journal)
