"""The headless commands, on top of the core. Never imports Qt (the GUI is loaded on demand).

Errors the user can act on print one clear line and exit with status 1; no traceback."""

from __future__ import annotations

import argparse
import errno
import os
import sys

from clinicguard import __version__
from clinicguard.model.errors import ClinicGuardError
from clinicguard.i18n import set_language, tr
from clinicguard.core.keys import PASSPHRASE_ENV, PassphraseRequired, configure_frozen_keyring
from clinicguard.core.logs import configure_logging
from clinicguard.cli import (
    accounting, audit, backup, checklist, clinic, evidence, exports as export_commands, people, plan, registers, report,
    signoff,
)
from clinicguard.cli.common import SECRET_ENV, log
from clinicguard.cli.parsing import ArgumentParser, translate_argparse_message
from clinicguard.cli.clinic import cmd_gui

# The command areas, in the order `clinicguard --help` lists them; each adds its subcommands.
COMMAND_AREAS = (clinic, checklist, plan, evidence, people, signoff, registers, audit, export_commands, report,
                 accounting, backup)
__all__ = ["main", "build_parser", "translate_argparse_message"]


def build_parser() -> argparse.ArgumentParser:
    common = ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", help=tr("the clinic's data folder (default: the per-user application-data folder)"))
    actor = ArgumentParser(add_help=False)
    actor.add_argument("--as", dest="as_name", metavar="NAME",
                       help=tr("act as this profile (secret from {env} or a prompt)", env=SECRET_ENV))

    parser = ArgumentParser(prog="clinicguard", description=tr("ClinicGuard: health-data compliance for clinics."))
    parser.add_argument("--version", action="version", version=f"ClinicGuard {__version__}",
                        help=tr("show the version number and exit"))
    parser.add_argument("--lang", choices=["fr", "en"], help=tr("language of the interface"))
    parser.add_argument("--demo", action="store_true", help=tr("open the application on a demo clinic"))
    parser.add_argument("--data-dir", metavar="DIR", help=argparse.SUPPRESS)
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
    try:
        if args.command is None:
            return cmd_gui(args)
        log.info("command %s", args.command)
        code = args.func(args)
        sys.stdout.flush()  # the last buffered lines may meet a closed pipe: here, not at exit
        return code
    except ClinicGuardError as exc:
        message = str(exc)
        if isinstance(exc, PassphraseRequired):  # the GUI asks; a script must say where it is
            message += " " + tr("Unattended commands read it from {env}.", env=PASSPHRASE_ENV)
        print(tr("Error: {message}", message=message), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(tr("Interrupted: nothing that was saved has been lost."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`clinicguard status | head -1`): nothing to report.
        # Point stdout at devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # the environment, not a bug: a missing or read-only folder, a full disk
        log.warning("command %s: %s", args.command, exc)
        print(tr("Error: {message}", message=environment_problem_text(exc)), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: one line for the user, the traceback in the log
        log.exception("unexpected error in command %s", args.command)
        where = tr(" Details are in {file}.", file=log_file) if log_file else ""
        print(tr("Error: something went wrong ({kind}); nothing that was saved has been lost.{where}",
                 kind=type(exc).__name__, where=where), file=sys.stderr)
        return 1


def environment_problem_text(exc: OSError) -> str:
    """One line for a problem of the computer rather than of the input: full disk, read-only or
    missing folder, no permission."""
    where = exc.filename or ""
    if exc.errno == errno.ENOSPC:
        return tr("The disk is full{where}: free some space and try again; nothing that was saved has been lost.",
                  where=f" ({where})" if where else "")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return tr("ClinicGuard may not write to {file}: check the folder's permissions.", file=where or "?")
    if exc.errno == errno.ENOENT:
        return tr("The folder or file {file} does not exist.", file=where or "?")
    return tr("The system refused the operation ({error}); nothing that was saved has been lost.",
              error=exc.strerror or exc)

