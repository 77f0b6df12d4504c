"""For the clinic's accountant: the purchase journal that accounting software imports, and the
own invoice of a recurring cost in each later fiscal year."""

from __future__ import annotations

import argparse

from clinicguard.cli.common import EXIT_OK, UsageError, acting, open_workspace
from clinicguard.cli.parsing import date_value, year_value
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
        path, journal = export_purchase_journal(ws, actor, args.year, out, args.encoding, args.year_end)
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
    p.add_argument("--year-end", action="store_true",
                   help=tr("add the year-end entries (journal OD): depreciation of the year and prepaid expenses"))
    p.set_defaults(func=cmd_purchase_journal)
    register_recurring_invoice(accounting_sub, common, actor)


def cmd_recurring_invoice(args: argparse.Namespace) -> int:
    if args.remove == (args.ht is not None):
        raise UsageError(tr("Give either the invoice's amount (--ht) or --remove."))
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        line = ws.plan.set_year_invoice(actor, args.line, args.year, actual_ht=None if args.remove else args.ht,
                                        actual_vat=args.vat, actual_ttc=args.ttc, invoice_ref=args.ref or "",
                                        invoice_date=args.date, payment_date=args.paid)
    finally:
        ws.close()
    invoice = line.year_invoice(args.year)
    if invoice is None:
        print(tr("Invoice of fiscal year {year} removed from line {id}.", year=args.year, id=line.id))
    else:
        print(tr("Invoice of fiscal year {year} recorded on line {id}: {ht} excl. VAT, {vat} VAT, {ttc} incl. VAT.",
                 year=args.year, id=line.id, ht=format_money(invoice.actual_ht), vat=format_money(invoice.actual_vat),
                 ttc=format_money(invoice.actual_ttc)))
    return EXIT_OK


def register_recurring_invoice(accounting_sub, common, actor) -> None:
    p = accounting_sub.add_parser(
        "recurring-invoice", parents=[common, actor],
        help=tr("record a recurring line's own invoice of a later fiscal year"))
    p.add_argument("--line", type=int, required=True, metavar="ID", help=tr("the budget line's number"))
    p.add_argument("--year", type=year_value, required=True, metavar="YYYY", help=tr("the fiscal year of the invoice"))
    p.add_argument("--ht", metavar="AMOUNT", help=tr("the invoice's amount excl. VAT (e.g. 1200,00)"))
    p.add_argument("--vat", metavar="AMOUNT", help=tr("the invoice's VAT as printed (default: from the line's rate)"))
    p.add_argument("--ttc", metavar="AMOUNT", help=tr("the invoice's amount incl. VAT as printed (default: HT + VAT)"))
    p.add_argument("--ref", metavar="NUMBER", help=tr("the invoice number"))
    p.add_argument("--date", type=date_value, metavar="DD/MM/YYYY", help=tr("the invoice date"))
    p.add_argument("--paid", type=date_value, metavar="DD/MM/YYYY", help=tr("the payment date"))
    p.add_argument("--remove", action="store_true", help=tr("remove that year's invoice"))
    p.set_defaults(func=cmd_recurring_invoice)
