"""Backups: create, verify, restore, list."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from clinicguard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM_FOUND,
    UsageError,
    acting,
    data_dir_of,
    open_workspace,
    print_json,
)
from clinicguard.core import backup, keys
from clinicguard.core.keys import PASSPHRASE_ENV
from clinicguard.core.settings import checked_backup_settings
from clinicguard.core.workspace import clinic_exists
from clinicguard.i18n import tr
from clinicguard.model.backup import BackupSettings


def cmd_backup_create(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        if args.to:
            made = backup.create(ws, actor, Path(args.to))
        else:  # the destinations chosen in the settings, then their rotation
            made = backup.create_configured(ws, actor)
    finally:
        ws.close()
    print(tr("Backup written and verified: {file} ({size} bytes).", file=made.path, size=made.size))
    for copy in made.copies:
        print(tr("Verified copy: {file}", file=copy))
    for problem in made.problems:
        print(problem, file=sys.stderr)
    return EXIT_PROBLEM_FOUND if made.problems else EXIT_OK


def cmd_backup_verify(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        try:
            checked = backup.verify_recorded(ws, actor, Path(args.file))
        except backup.BackupNotFound:
            raise  # a refused argument (status 1), not a damaged backup
        except backup.BackupError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_PROBLEM_FOUND
    finally:
        ws.close()
    print(backup.checked_text(Path(args.file).name, checked.manifest))
    return EXIT_OK


def cmd_backup_restore(args: argparse.Namespace) -> int:
    key = os.environ.get(backup.RECOVERY_KEY_ENV)
    if not key:
        if sys.stdin is None or not sys.stdin.isatty():
            raise UsageError(tr("No recovery key given: set {env} or run the command in a terminal.",
                                env=backup.RECOVERY_KEY_ENV))
        key = getpass.getpass(tr("Recovery key: "))
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase and not keys.secure_keyring_available() and sys.stdin is not None and sys.stdin.isatty():
        # no credential store on this PC: the clinic key will be kept in a passphrase file (asked
        # before the work, as `init` asks it, so that a long restore does not end on the question)
        passphrase = keys.check_new_passphrase(getpass.getpass(tr("Choose a passphrase to protect the clinic key: ")))
        if getpass.getpass(tr("Type it again: ")) != passphrase:
            raise UsageError(tr("The two entries differ."))
    checked = backup.restore(Path(args.file), Path(args.into), key, passphrase=passphrase)
    print(tr("The clinic {name} was restored into {folder}.", name=checked.manifest["clinic_name"], folder=args.into))
    return EXIT_OK


def cmd_backup_list(args: argparse.Namespace) -> int:
    """The backups in --dir, or at the clinic's destinations; each one read back in full with the
    clinic key when the clinic is on this PC (state verified or damaged), else not verified."""
    identity, folders, last, ws = None, [args.dir] if args.dir else [], None, None
    if clinic_exists(data_dir_of(args)):
        ws = open_workspace(args)
    try:
        if ws is not None:
            folders = folders or list(ws.backup_settings.current.destinations)
            identity = ws.keys.identity
            last = ws.backup_settings.last
        if not folders:
            raise UsageError(tr("No backup folder: give --dir, or choose a destination with 'clinicguard backup "
                                "settings --destination DIR'."))
        found = backup.backups_at(folders, identity, replay=ws.verify_database_copy if ws is not None else None,
                                  last_verified=last.file if last else None)
    finally:
        if ws is not None:
            ws.close()
    for folder in found.missing:
        print(backup.missing_destination_text(folder), file=sys.stderr)
    if args.json:
        print_json(found.rows)
    else:
        for row in found.rows:
            line = f"{row['folder']}{os.sep}{row['file']}\t{row['size']}\t{backup.state_text(row['state'])}"
            print(line + (f"\t{row['problem']}" if row.get("problem") else ""))
    # Every folder found is listed; a script still learns that one is missing or a backup is damaged.
    problem = found.missing or any(row["state"] == "damaged" for row in found.rows)
    return EXIT_PROBLEM_FOUND if problem else EXIT_OK


def _settings_text(s: BackupSettings) -> list[str]:
    def yes(value: bool) -> str:
        return tr("yes") if value else tr("no")

    schedule = tr("off") if s.every_hours == 0 else tr("every {n} hours", n=s.every_hours)
    return [
        tr("Destination: {value}", value=s.destination or tr("not chosen yet")),
        tr("Second destination: {value}", value=s.second_destination) if s.second_destination
        else tr("Second destination: none"),
        tr("Automatic backup: {value}", value=schedule),
        tr("Backup at closing: {value}", value=yes(s.at_closing)),
        tr("Kept: {daily} daily, {weekly} weekly, {monthly} monthly", daily=s.keep_daily, weekly=s.keep_weekly,
           monthly=s.keep_monthly),
        tr("Warning after {n} days without a backup", n=s.warn_after_days),
    ]


def cmd_backup_settings(args: argparse.Namespace) -> int:
    changes = {name: value for name, value in (
        ("destination", args.destination), ("second_destination", args.second_destination),
        ("every_hours", args.every_hours), ("at_closing", args.at_closing), ("keep_daily", args.keep_daily),
        ("keep_weekly", args.keep_weekly), ("keep_monthly", args.keep_monthly),
        ("warn_after_days", args.warn_days)) if value is not None}
    ws = open_workspace(args)
    try:
        if changes:
            checked_backup_settings(changes)  # a bad value is refused before asking for a secret
            settings = ws.backup_settings.update(acting(ws, args), **changes)
        else:
            settings = ws.backup_settings.current
    finally:
        ws.close()
    for line in _settings_text(settings):
        print(line)
    return EXIT_OK


def cmd_backup_rotate(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        s = ws.backup_settings.current
        deleted = backup.rotate(ws, actor, Path(args.dir), daily=s.keep_daily if args.daily is None else args.daily,
                                weekly=s.keep_weekly if args.weekly is None else args.weekly,
                                monthly=s.keep_monthly if args.monthly is None else args.monthly)
    finally:
        ws.close()
    for name in deleted:
        print(tr("Deleted: {file}", file=name))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("backup", help=tr("encrypted backups of the clinic"))
    backup_sub = p.add_subparsers(dest="backup_command", metavar="COMMAND", required=True)
    p = backup_sub.add_parser("create", parents=[common, actor], help=tr("write a verified backup into a folder"))
    p.add_argument("--to", metavar="DIR", help=tr("the folder to write the backup to (default: the destinations "
                                                  "chosen with 'backup settings', then their rotation)"))
    p.set_defaults(func=cmd_backup_create)
    p = backup_sub.add_parser("verify", parents=[common, actor], help=tr("read a backup back in full and check it"))
    p.add_argument("file", metavar="FILE", help=tr("the backup file (.cgbackup.age)"))
    p.set_defaults(func=cmd_backup_verify)
    p = backup_sub.add_parser("restore", help=tr("restore a backup into a new, empty folder (recovery key from {env} "
                                                 "or a prompt)", env=backup.RECOVERY_KEY_ENV))
    p.add_argument("file", metavar="FILE", help=tr("the backup file (.cgbackup.age)"))
    p.add_argument("--into", required=True, metavar="DIR", help=tr("a new or empty folder for the restored clinic"))
    p.set_defaults(func=cmd_backup_restore)
    p = backup_sub.add_parser("list", parents=[common], help=tr("the backups found in a folder or at the "
                                                                "destinations, and their state"))
    p.add_argument("--dir", metavar="DIR", help=tr("the folder holding the backups (default: the destinations)"))
    p.add_argument("--json", action="store_true", help=tr("print the list as JSON"))
    p.set_defaults(func=cmd_backup_list)
    p = backup_sub.add_parser("rotate", parents=[common, actor],
                              help=tr("delete old backups, keeping daily, weekly and monthly ones and the last verified"))
    p.add_argument("--dir", required=True, metavar="DIR", help=tr("the folder holding the backups"))
    p.add_argument("--daily", type=int, metavar="N", help=tr("keep the newest backup of each of the last N days "
                                                             "(default: the settings, 7)"))
    p.add_argument("--weekly", type=int, metavar="N", help=tr("keep the newest backup of each of the last N weeks "
                                                              "(default: the settings, 4)"))
    p.add_argument("--monthly", type=int, metavar="N", help=tr("keep the newest backup of each of the last N months "
                                                               "(default: the settings, 12)"))
    p.set_defaults(func=cmd_backup_rotate)
    p = backup_sub.add_parser("settings", parents=[common, actor],
                              help=tr("show or change where and when backups are made"))
    p.add_argument("--destination", metavar="DIR", help=tr("the backup folder (USB drive, NAS share, synced folder)"))
    p.add_argument("--second-destination", metavar="DIR", help=tr("a second folder receiving a verified copy "
                                                                   "(\"\" to remove it)"))
    p.add_argument("--every-hours", metavar="N", help=tr("hours between automatic backups while the application "
                                                         "runs (24 = daily, 0 = off)"))
    p.add_argument("--at-closing", metavar="yes|no", help=tr("back up when the application closes, if something "
                                                              "changed"))
    p.add_argument("--keep-daily", metavar="N", help=tr("daily backups kept by the rotation"))
    p.add_argument("--keep-weekly", metavar="N", help=tr("weekly backups kept by the rotation"))
    p.add_argument("--keep-monthly", metavar="N", help=tr("monthly backups kept by the rotation"))
    p.add_argument("--warn-days", metavar="N", help=tr("warn on the dashboard when the last backup is older than N "
                                                       "days"))
    p.set_defaults(func=cmd_backup_settings)
