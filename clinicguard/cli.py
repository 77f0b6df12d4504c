"""The headless commands, on top of the core. Never imports Qt (the GUI is loaded on demand).

Errors the user can act on print one clear line and exit with status 1; no traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from clinicguard import __version__
from clinicguard.core.catalogue import Structure
from clinicguard.core.checklist import Status, score_formula, summarize
from clinicguard.core.errors import ClinicGuardError
from clinicguard.core.people import Actor
from clinicguard.i18n import set_language, tr
from clinicguard.paths import default_data_dir

SECRET_ENV = "CLINICGUARD_PROFILE_SECRET"


class UsageError(ClinicGuardError):
    pass


# ---- shared helpers -------------------------------------------------------------------------
def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def read_secret(prompt: str) -> str:
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return secret
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No secret given: set {env} or run the command in a terminal.", env=SECRET_ENV))
    return getpass.getpass(prompt)


def open_workspace(args: argparse.Namespace):
    from clinicguard.core.workspace import Workspace

    return Workspace.open(data_dir_of(args))


def acting(ws, args: argparse.Namespace) -> Actor:
    """Sign in as the profile named by --as (default: the clinic's manager)."""
    name = getattr(args, "as_name", None) or ws.clinic.manager_name
    return ws.sign_in(name, read_secret(tr("Password or PIN for {name}: ", name=name)))


def print_json(value) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


# ---- commands -------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from clinicguard.core.workspace import Workspace

    data_dir = data_dir_of(args)
    manager = args.manager or tr("Manager")
    secret = read_secret(tr("Choose a password or PIN for {name}: ", name=manager))
    from clinicguard.core import keys

    passphrase = None
    if not keys.secure_keyring_available():
        passphrase = os.environ.get(keys.PASSPHRASE_ENV)
        if not passphrase and sys.stdin is not None and sys.stdin.isatty():
            passphrase = getpass.getpass(tr("Choose a passphrase to protect the clinic key: "))
    ws, recovery = Workspace.create(
        data_dir, clinic_name=args.clinic_name, structure=args.structure, manager_name=manager,
        manager_secret=secret, fiscal_year_start_month=args.fiscal_year_start, passphrase=passphrase,
    )
    sheet = recovery_sheet(ws, recovery)
    if args.recovery_sheet:
        from clinicguard.core.fsutil import atomic_write_bytes

        atomic_write_bytes(Path(args.recovery_sheet), sheet.encode("utf-8"))
        print(tr("Clinic created in {folder}. Recovery sheet written to {file}: print it and keep it safe.",
                 folder=data_dir, file=args.recovery_sheet))
    else:
        print(tr("Clinic created in {folder}.", folder=data_dir))
        print(sheet)
    ws.close()
    return 0


def recovery_sheet(ws, recovery: str) -> str:
    clinic = ws.clinic
    lines = [
        tr("CLINICGUARD RECOVERY SHEET"),
        "",
        tr("Clinic: {name}", name=clinic.name),
        tr("Clinic identifier: {uuid}", uuid=clinic.uuid),
        "",
        tr("Recovery key (shown once, never stored by ClinicGuard):"),
        recovery,
        "",
        tr("With a backup and this key, a new PC gets every piece of evidence back. Keep this sheet in a safe "
           "place, away from the PC; anyone holding it can read the evidence vault."),
        tr("The key is a standard age identity: the 'age' tool can decrypt the vault files with it."),
    ]
    return "\n".join(lines) + "\n"


def cmd_demo(args: argparse.Namespace) -> int:
    from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, create_demo

    data_dir = data_dir_of(args)
    ws, _, _ = create_demo(data_dir)
    ws.close()
    print(tr("Demo clinic created in {folder}. Sign in as {name} with the password {secret}.",
             folder=data_dir, name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET))
    return 0


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
        ws.set_assessment(actor, args.item_id, **changes)
        print(tr("{id}: {status}", id=args.item_id, status=Status(args.status).label))
    finally:
        ws.close()
    return 0


def status_object(ws) -> dict:
    """The clinic's standing as one JSON object; later features add their own keys."""
    clinic = ws.clinic
    rows = ws.checklist()
    summary = summarize(rows)
    result = {
        "clinic": {"name": clinic.name, "structure": clinic.structure.value,
                   "fiscal_year_start_month": clinic.fiscal_year_start_month},
        "catalogue_version": clinic.catalogue_version,
        "score_formula": score_formula(),
        "overall": {"score": summary.overall.percent, "counts": summary.overall.counts},
        "domains": {
            domain: {"title": ws.catalogue.domain_title(domain), "score": s.percent, "counts": s.counts}
            for domain, s in summary.by_domain.items()
        },
        "never_assessed": summary.never_assessed,
        "reviews_due_30_days": [r.item.id for r in summary.reviews_due],
        "reviews_overdue": [r.item.id for r in summary.overdue_reviews],
    }
    return result


def cmd_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        status = status_object(ws)
    finally:
        ws.close()
    if args.json:
        print_json(status)
        return 0
    print(f"{status['clinic']['name']} — {Structure(status['clinic']['structure']).label}")
    overall = status["overall"]["score"]
    print(tr("Overall score: {score}", score="—" if overall is None else f"{overall:.0f} %"))
    for domain in status["domains"].values():
        score = domain["score"]
        print(f"  {domain['title']}: {'—' if score is None else f'{score:.0f} %'}")
    for key, count in status["overall"]["counts"].items():
        print(f"  {Status(key).label}: {count}")
    print(tr("Reviews due within 30 days: {n}", n=len(status["reviews_due_30_days"])))
    print(score_formula())
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from clinicguard.app import run_gui

    return run_gui(data_dir=Path(args.data_dir) if args.data_dir else None, demo=args.demo)


# ---- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", help=tr("the clinic's data folder (default: the per-user application-data folder)"))
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--as", dest="as_name", metavar="NAME",
                       help=tr("act as this profile (secret from {env} or a prompt)", env=SECRET_ENV))

    parser = argparse.ArgumentParser(prog="clinicguard", description=tr("ClinicGuard: health-data compliance for clinics."))
    parser.add_argument("--version", action="version", version=f"ClinicGuard {__version__}")
    parser.add_argument("--lang", choices=["fr", "en"], help=tr("language of the interface"))
    parser.add_argument("--demo", action="store_true", help=tr("open the application on a demo clinic"))
    parser.add_argument("--data-dir", metavar="DIR", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help=tr("set up a new clinic"))
    p.add_argument("--clinic-name", required=True)
    p.add_argument("--structure", required=True, choices=[s.value for s in Structure])
    p.add_argument("--manager", metavar="NAME", help=tr("the manager's name (first profile)"))
    p.add_argument("--fiscal-year-start", type=int, default=1, metavar="MONTH")
    p.add_argument("--recovery-sheet", metavar="FILE", help=tr("write the recovery sheet to FILE instead of printing it"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common], help=tr("create the demo clinic"))
    p.set_defaults(func=cmd_demo)

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

    p = sub.add_parser("status", parents=[common], help=tr("print where the clinic stands"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv:
        i = argv.index("--lang")
        if i + 1 < len(argv) and argv[i + 1] in ("fr", "en"):
            set_language(argv[i + 1])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return cmd_gui(args)
        return args.func(args)
    except ClinicGuardError as exc:
        print(tr("Error: {message}", message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
