"""The headless commands' parser and `main`, on top of the core. Never imports Qt (the GUI is
loaded on demand). `python -m clinicguard status` may answer before this module is loaded
(cli/status.py); both ways handle errors alike (cli/running.py)."""

from __future__ import annotations

import argparse
import sys

from clinicguard import __version__
from clinicguard.cli import (
    accounting,
    audit,
    backup,
    checklist,
    clinic,
    evidence,
    people,
    plan,
    registers,
    report,
    signoff,
)
from clinicguard.cli import (
    exports as export_commands,
)
from clinicguard.cli.clinic import cmd_gui
from clinicguard.cli.common import SECRET_ENV
from clinicguard.cli.parsing import ArgumentParser, translate_argparse_message
from clinicguard.cli.running import environment_problem_text, run_command
from clinicguard.core.keys import configure_frozen_keyring
from clinicguard.core.logs import configure_logging
from clinicguard.i18n import set_language, tr

# The command areas, in the order `clinicguard --help` lists them; each adds its subcommands.
COMMAND_AREAS = (clinic, checklist, plan, evidence, people, signoff, registers, audit, export_commands, report,
                 accounting, backup)
__all__ = ["COMMAND_AREAS", "build_parser", "environment_problem_text", "main", "translate_argparse_message"]


def build_parser() -> argparse.ArgumentParser:
    common = ArgumentParser(add_help=False)
    # SUPPRESS: not given after the command, the folder given before it (`clinicguard --data-dir DIR
    # people list`) is kept instead of being reset to the default
    common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help=tr("the clinic's data folder (default: the per-user application-data folder)"))
    actor = ArgumentParser(add_help=False)
    actor.add_argument("--as", dest="as_name", metavar="NAME",
                       help=tr("act as this profile (secret from {env} or a prompt)", env=SECRET_ENV))

    parser = ArgumentParser(prog="clinicguard", description=tr("ClinicGuard: health-data compliance for clinics."))
    parser.add_argument("--version", action="version", version=f"ClinicGuard {__version__}",
                        help=tr("show the version number and exit"))
    parser.add_argument("--lang", choices=["fr", "en"], help=tr("language of the interface"))
    parser.add_argument("--demo", action="store_true", help=tr("open the application on a demo clinic"))
    parser.add_argument("--data-dir", metavar="DIR",
                        help=tr("the clinic's data folder, for the window or the command that follows (default: the "
                                "per-user application-data folder)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for area in COMMAND_AREAS:
        area.register(sub, common, actor)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv:
        i = argv.index("--lang")
        if i + 1 < len(argv) and argv[i + 1] in ("fr", "en"):
            set_language(argv[i + 1])
    parser = build_parser()
    args = parser.parse_args(argv)

    configure_frozen_keyring()
    log_file = configure_logging()
    if args.command is None:
        return run_command(None, lambda: cmd_gui(args), log_file)
    return run_command(args.command, lambda: args.func(args), log_file)
