"""Profiles, roles and secrets."""

from __future__ import annotations

import argparse

from clinicguard.model.people import Role
from clinicguard.i18n import tr
from clinicguard.cli.common import EXIT_OK, acting, open_workspace, print_json, read_new_secret, read_secret, NEW_SECRET_ENV


def cmd_people_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        people = ws.people.all()
    finally:
        ws.close()
    rows = [{"name": p.name, "role": p.role.value, "secret_kind": p.secret_kind, "active": p.active,
             "locked": p.locked, "failed_attempts": p.failed_attempts} for p in people]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for p in people:
        state = [tr("deactivated")] if not p.active else []
        state += [tr("locked")] if p.locked else []
        print(f"{p.name} — {p.role.label}" + (f" ({', '.join(state)})" if state else ""))
    return EXIT_OK


def _people_change(args: argparse.Namespace, change) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        person = change(ws, actor)
        print(tr("{name}: {role}{state}", name=person.name, role=person.role.label,
                 state="" if person.active else " — " + tr("deactivated")))
    finally:
        ws.close()
    return EXIT_OK


def cmd_people_add(args: argparse.Namespace) -> int:
    secret = read_new_secret(args.name)
    return _people_change(args, lambda ws, actor: ws.people.add(actor, args.name, args.role, secret))


def cmd_people_set_role(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.change_role(actor, args.name, args.role))


def cmd_people_deactivate(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.deactivate(actor, args.name))


def cmd_people_reactivate(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.reactivate(actor, args.name))


def cmd_people_unlock(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.unlock(actor, args.name))


def cmd_people_reset_secret(args: argparse.Namespace) -> int:
    secret = read_new_secret(args.name)
    return _people_change(args, lambda ws, actor: ws.people.reset_secret(actor, args.name, secret))


def cmd_people_change_secret(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        name = args.as_name or ws.people.default_manager().name
        current = read_secret(tr("Password or PIN for {name}: ", name=name))
        actor = ws.people.sign_in(name, current)
        ws.people.change_own_secret(actor, current, read_new_secret(name))
        print(tr("The password or PIN of {name} has been changed.", name=actor.name))
    finally:
        ws.close()
    return EXIT_OK


def cmd_people_auto_lock(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        if args.minutes is not None:
            ws.people.set_auto_lock_minutes(acting(ws, args), args.minutes)
        print(tr("Automatic lock after {n} minutes without activity.", n=ws.people.auto_lock_minutes()))
    finally:
        ws.close()
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("people", help=tr("profiles and roles"))
    people_sub = p.add_subparsers(dest="people_command", metavar="COMMAND", required=True)
    p = people_sub.add_parser("list", parents=[common], help=tr("list the profiles"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_people_list)
    p = people_sub.add_parser("add", parents=[common, actor],
                              help=tr("add a profile (its secret from {env} or a prompt)", env=NEW_SECRET_ENV))
    p.add_argument("name", metavar="NAME", help=tr("the profile's name"))
    p.add_argument("--role", required=True, choices=[r.value for r in Role], help=tr("the profile's role"))
    p.set_defaults(func=cmd_people_add)
    p = people_sub.add_parser("set-role", parents=[common, actor], help=tr("change a profile's role"))
    p.add_argument("name", metavar="NAME", help=tr("the profile's name"))
    p.add_argument("role", choices=[r.value for r in Role], metavar="ROLE", help=", ".join(r.value for r in Role))
    p.set_defaults(func=cmd_people_set_role)
    for command, func, text in (("deactivate", cmd_people_deactivate, tr("deactivate a profile (its history is kept)")),
                                ("reactivate", cmd_people_reactivate, tr("reactivate a profile")),
                                ("unlock", cmd_people_unlock, tr("unlock a profile locked after wrong PINs")),
                                ("reset-secret", cmd_people_reset_secret,
                                 tr("set a new secret for a profile (from {env} or a prompt)", env=NEW_SECRET_ENV))):
        p = people_sub.add_parser(command, parents=[common, actor], help=text)
        p.add_argument("name", metavar="NAME", help=tr("the profile's name"))
        p.set_defaults(func=func)
    p = people_sub.add_parser("change-secret", parents=[common, actor],
                              help=tr("change your own secret (the new one from {env} or a prompt)", env=NEW_SECRET_ENV))
    p.set_defaults(func=cmd_people_change_secret)
    p = people_sub.add_parser("auto-lock", parents=[common, actor],
                              help=tr("show or set the minutes of inactivity before the application locks"))
    p.add_argument("minutes", type=int, nargs="?", metavar="MINUTES",
                   help=tr("the new delay in minutes (without it, the current one is shown)"))
    p.set_defaults(func=cmd_people_auto_lock)
