"""Backups: create, verify, restore, list."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from clinicguard.i18n import tr
from clinicguard.core import backup
from clinicguard.core.keys import PASSPHRASE_ENV
from clinicguard.cli.common import EXIT_OK, EXIT_PROBLEM_FOUND, UsageError, acting, open_workspace, print_json, UsageError


def cmd_backup_create(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        made = backup.create(ws, actor, Path(args.to))
    finally:
        ws.close()
    print(tr("Backup written and verified: {file} ({size} bytes).", file=made.path, size=made.size))
    return EXIT_OK


def cmd_backup_verify(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        try:
            checked = backup.verify_recorded(ws, actor, Path(args.file))
        except backup.BackupError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_PROBLEM_FOUND
    finally:
        ws.close()
    print(tr("The backup {file} is complete: every entry matches its manifest ({date}).", file=args.file,
             date=checked.manifest["created_at"]))
    return EXIT_OK


def cmd_backup_restore(args: argparse.Namespace) -> int:
    key = os.environ.get(backup.RECOVERY_KEY_ENV)
    if not key:
        if sys.stdin is None or not sys.stdin.isatty():
            raise UsageError(tr("No recovery key given: set {env} or run the command in a terminal.",
                                env=backup.RECOVERY_KEY_ENV))
        key = getpass.getpass(tr("Recovery key: "))
    checked = backup.restore(Path(args.file), Path(args.into), key, passphrase=os.environ.get(PASSPHRASE_ENV))
    print(tr("The clinic {name} was restored into {folder}.", name=checked.manifest["clinic_name"], folder=args.into))
    return EXIT_OK


def cmd_backup_list(args: argparse.Namespace) -> int:
    rows = backup.list_backups(Path(args.dir))
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['file']}\t{row['size']}")
    return EXIT_OK


def cmd_backup_rotate(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        deleted = backup.rotate(ws, actor, Path(args.dir), daily=args.daily, weekly=args.weekly, monthly=args.monthly)
    finally:
        ws.close()
    for name in deleted:
        print(tr("Deleted: {file}", file=name))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("backup", help=tr("encrypted backups of the clinic"))
    backup_sub = p.add_subparsers(dest="backup_command", metavar="COMMAND", required=True)
    p = backup_sub.add_parser("create", parents=[common, actor], help=tr("write a verified backup into a folder"))
    p.add_argument("--to", required=True, metavar="DIR", help=tr("the folder to write the backup to (USB drive, NAS share, synced folder)"))
    p.set_defaults(func=cmd_backup_create)
    p = backup_sub.add_parser("verify", parents=[common, actor], help=tr("read a backup back in full and check it"))
    p.add_argument("file", metavar="FILE", help=tr("the backup file (.cgbackup.age)"))
    p.set_defaults(func=cmd_backup_verify)
    p = backup_sub.add_parser("restore", help=tr("restore a backup into a new, empty folder (recovery key from {env} "
                                                 "or a prompt)", env=backup.RECOVERY_KEY_ENV))
    p.add_argument("file", metavar="FILE", help=tr("the backup file (.cgbackup.age)"))
    p.add_argument("--into", required=True, metavar="DIR", help=tr("a new or empty folder for the restored clinic"))
    p.set_defaults(func=cmd_backup_restore)
    p = backup_sub.add_parser("list", help=tr("the backups found in a folder"))
    p.add_argument("--dir", required=True, metavar="DIR", help=tr("the folder holding the backups"))
    p.add_argument("--json", action="store_true", help=tr("print the list as JSON"))
    p.set_defaults(func=cmd_backup_list)
    p = backup_sub.add_parser("rotate", parents=[common, actor],
                              help=tr("delete old backups, keeping daily, weekly and monthly ones and the last verified"))
    p.add_argument("--dir", required=True, metavar="DIR", help=tr("the folder holding the backups"))
    p.add_argument("--daily", type=int, default=7, metavar="N", help=tr("keep the newest backup of each of the last N days (default 7)"))
    p.add_argument("--weekly", type=int, default=4, metavar="N", help=tr("keep the newest backup of each of the last N weeks (default 4)"))
    p.add_argument("--monthly", type=int, default=12, metavar="N", help=tr("keep the newest backup of each of the last N months (default 12)"))
    p.set_defaults(func=cmd_backup_rotate)
