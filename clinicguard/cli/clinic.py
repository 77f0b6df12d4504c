"""Setting up a clinic (init, demo), where it stands (status), and the window."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from clinicguard.model.catalogue import Structure
from clinicguard.core.recovery_sheet import recovery_sheet
from clinicguard.core.status import status_object
from clinicguard.i18n import tr
from clinicguard.core.workspace import Workspace
from clinicguard.core import keys
from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, DEMO_PEOPLE, create_demo, demo_passphrase
from clinicguard.core.fsutil import atomic_write_bytes
from clinicguard.cli.common import EXIT_OK, data_dir_of, open_workspace, read_secret
from clinicguard.cli.status import print_status
from clinicguard.cli.window import open_window


def cmd_init(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    manager = args.manager or tr("Manager")
    secret = read_secret(tr("Choose a password or PIN for {name}: ", name=manager))

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
        atomic_write_bytes(Path(args.recovery_sheet), sheet.encode("utf-8"))
        print(tr("Clinic created in {folder}. Recovery sheet written to {file}: print it and keep it safe.",
                 folder=data_dir, file=args.recovery_sheet))
    else:
        print(tr("Clinic created in {folder}.", folder=data_dir))
        print(sheet)
    ws.close()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    ws, _, _ = create_demo(data_dir)
    ws.close()
    print(tr("Demo clinic created in {folder}. Sign in as {name} with the password {secret}.",
             folder=data_dir, name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET))
    print(tr("Other profiles and their PINs: {others}.",
             others=", ".join(f"{name} ({pin})" for name, _role, pin in DEMO_PEOPLE)))
    if passphrase := demo_passphrase(data_dir):
        print(tr("No credential store here: the clinic's key is kept in a file, behind the passphrase "
                 "{passphrase}, asked for each time the clinic is opened.", passphrase=passphrase))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """`status` the full way: the clinic opened as a Workspace (migrated if need be); the short way
    in is cli/status.py's `quick_main`, and both print through `print_status`."""
    ws = open_workspace(args)
    try:
        status = status_object(ws)
    finally:
        ws.close()
    print_status(status, args.json)
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    return open_window(args.data_dir, args.demo)


def register(sub, common, actor) -> None:
    p = sub.add_parser("init", parents=[common], help=tr("set up a new clinic"))
    p.add_argument("--clinic-name", required=True, metavar="NAME", help=tr("the clinic's name, as exports print it"))
    p.add_argument("--structure", required=True, choices=[s.value for s in Structure],
                   help=tr("the kind of structure, which decides the recommendations that apply"))
    p.add_argument("--manager", metavar="NAME", help=tr("the manager's name (first profile)"))
    p.add_argument("--fiscal-year-start", type=int, default=1, metavar="MONTH",
                   help=tr("the month the fiscal year starts (1 to 12, default 1)"))
    p.add_argument("--recovery-sheet", metavar="FILE", help=tr("write the recovery sheet to FILE instead of printing it"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common], help=tr("create the demo clinic"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", parents=[common], help=tr("print where the clinic stands"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_status)
