"""The evidence vault."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clinicguard.model.evidence import Integrity
from clinicguard.i18n import tr, trn
from clinicguard.core.formatting import format_date
from clinicguard.cli.parsing import date_value
from clinicguard.cli.checklist import canonical_ids
from clinicguard.cli.common import EXIT_OK, EXIT_PROBLEM_FOUND, UsageError, acting, open_workspace, print_json


def open_vault(args: argparse.Namespace):
    """Open the workspace and its vault, run the vault's start-up check and say what it found."""
    ws = open_workspace(args)
    for line in ws.vault.check().messages():
        print(tr("Warning: {message}", message=line), file=sys.stderr)
    return ws


def cmd_evidence_add(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]
    for file in files:
        if not file.is_file():
            raise UsageError(tr("The file {file} does not exist.", file=file))
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        for file in files:
            ev = ws.vault.add(actor, file, title=args.title, description=args.description or "",
                              items=canonical_ids(ws, args.item), actions=args.action or (), valid_from=args.valid_from,
                              expires_on=args.expires)
            print(tr("Evidence {id} added: {name} ({size} bytes, SHA-256 {sha256}).",
                     id=ev.id, name=ev.original_name, size=ev.size, sha256=ev.sha256))
    finally:
        ws.close()
    return EXIT_OK


def cmd_evidence_list(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        files = ws.vault.store.all()
    finally:
        ws.close()
    if args.json:
        print_json([dict(ev.public(), expiry=ev.expiry_state().value) for ev in files])
        return EXIT_OK
    if not files:
        print(tr("The evidence vault is empty."))
    for ev in files:
        expiry = tr(", expires {date}", date=format_date(ev.expires_on)) if ev.expires_on else ""
        links = ", ".join([*ev.items, *(tr("action {id}", id=a) for a in ev.actions)]) or "—"
        print(f"{ev.id:>5}  {ev.title} [{ev.original_name}, {tr('{n} bytes', n=ev.size)}{expiry}] — {links}")
    return EXIT_OK


def cmd_evidence_export(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        dest = ws.vault.export(actor, args.evidence_id, Path(args.out))
    finally:
        ws.close()
    print(tr("Decrypted copy written to {file}.", file=dest))
    return EXIT_OK


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        report = ws.vault.verify()
    finally:
        ws.close()
    for item in report.files:
        if item.state is not Integrity.INTACT:
            print(tr("{state}: evidence {id} — {title} ({name})", state=item.state.label, id=item.evidence.id,
                     title=item.evidence.title, name=item.evidence.original_name))
    intact = len(report.with_state(Integrity.INTACT))
    print(trn("{intact} of {n} file intact.", "{intact} of {n} files intact.", len(report.files), intact=intact))
    return EXIT_OK if report.ok else EXIT_PROBLEM_FOUND


def cmd_evidence_delete(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        ws.vault.delete(actor, args.evidence_id, args.reason)
    finally:
        ws.close()
    print(tr("Evidence {id} deleted; the audit trail keeps its name, SHA-256 and the reason.", id=args.evidence_id))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("evidence", help=tr("the evidence vault"))
    evidence_sub = p.add_subparsers(dest="evidence_command", metavar="COMMAND", required=True)
    p = evidence_sub.add_parser("add", parents=[common, actor], help=tr("encrypt files into the vault"))
    p.add_argument("files", nargs="+", metavar="FILE", help=tr("the files to encrypt into the vault"))
    p.add_argument("--item", action="append", metavar="ID", help=tr("a recommendation the file backs (repeatable)"))
    p.add_argument("--action", action="append", type=int, metavar="ID", help=tr("an action the file backs (repeatable)"))
    p.add_argument("--title", metavar="TEXT", help=tr("a title (default: the file's name)"))
    p.add_argument("--description", metavar="TEXT", help=tr("what the file shows"))
    p.add_argument("--valid-from", type=date_value, metavar="DATE", help=tr("the date from which the evidence is valid"))
    p.add_argument("--expires", type=date_value, metavar="DATE", help=tr("the date the evidence expires (e.g. a training certificate)"))
    p.set_defaults(func=cmd_evidence_add)
    p = evidence_sub.add_parser("list", parents=[common], help=tr("list the evidence files"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_evidence_list)
    p = evidence_sub.add_parser("export", parents=[common, actor], help=tr("write a decrypted copy of a file"))
    p.add_argument("evidence_id", type=int, metavar="EVIDENCE_ID", help=tr("the number evidence list shows"))
    p.add_argument("--out", required=True, metavar="PATH", help=tr("a folder, or the file to write"))
    p.set_defaults(func=cmd_evidence_export)
    p = evidence_sub.add_parser("verify", parents=[common], help=tr("decrypt every file and check it is intact"))
    p.set_defaults(func=cmd_evidence_verify)
    p = evidence_sub.add_parser("delete", parents=[common, actor], help=tr("delete a file (the reason is kept)"))
    p.add_argument("evidence_id", type=int, metavar="EVIDENCE_ID", help=tr("the number evidence list shows"))
    p.add_argument("--reason", required=True, metavar="TEXT", help=tr("why the file is deleted (kept in the audit trail)"))
    p.set_defaults(func=cmd_evidence_delete)
