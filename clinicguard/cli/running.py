"""What the two ways into a command share: the full parser (cli/commands.py) and the short way
`python -m clinicguard status` takes (cli/status.py): the data folder, JSON output, and the one
handling of errors, so that a command fails alike whichever way it was started.

Errors the user can act on print one clear line and exit with status 1; no traceback."""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from clinicguard.i18n import tr
from clinicguard.model.errors import (
    PASSPHRASE_ENV,
    ClinicGuardError,
    PassphraseRequired,
)
from clinicguard.paths import default_data_dir

if TYPE_CHECKING:
    import argparse  # only named: `status` answers without importing it (cli/status.py)

log = logging.getLogger(__name__)

# Exit statuses, so that a script can tell the outcomes apart (documented in the README).
EXIT_OK = 0                # done
EXIT_REFUSED = 1           # refused by a rule, or bad data (a one-line message says why)
EXIT_USAGE = 2             # bad arguments (argparse's own status)
EXIT_PROBLEM_FOUND = 3     # a verification ran and found a problem (journal, vault, backup)


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def print_json(value) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def run_command(command: str | None, call: Callable[[], int], log_file: Path | None) -> int:
    """Run one command's function (`command` None: the window) and turn what it raises into a line
    for the user and an exit status (`log_file`: where the traceback of a bug goes, named in its line)."""
    try:
        if command is not None:
            log.info("command %s", command)
        code = call()
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
        log.warning("command %s: %s", command, exc)
        print(tr("Error: {message}", message=environment_problem_text(exc)), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: one line for the user, the traceback in the log
        log.exception("unexpected error in command %s", command)
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
