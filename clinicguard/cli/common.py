"""What every command shares: the data folder, the secrets read from the environment or a prompt, signing in, JSON output."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor
from clinicguard.i18n import tr, trn
from clinicguard.core.workspace import Workspace
from clinicguard.cli.running import (  # noqa: F401  (re-exported: every command uses them)
    EXIT_OK, EXIT_PROBLEM_FOUND, EXIT_REFUSED, EXIT_USAGE, data_dir_of, print_json,
)


SECRET_ENV = "CLINICGUARD_PROFILE_SECRET"



class UsageError(ClinicGuardError):
    pass


# Who may read without a secret (documented in the README, "Reading without a secret"): these
# commands read the lists and summaries that the PC's user account can already read in the clinic's
# folder; they write nothing to the clinic, and no evidence content leaves the vault. Every other
# command acts as a profile (`acting`), with that profile's secret and the window's session rules.
READING_COMMANDS = ("status", "checklist list", "checklist show", "people list", "evidence list", "evidence verify",
                    "audit verify", "signoff status", "backup list")


# ---- shared helpers -------------------------------------------------------------------------
def read_secret(prompt: str) -> str:
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return secret
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No secret given: set {env} or run the command in a terminal.", env=SECRET_ENV))
    return getpass.getpass(prompt)


def open_workspace(args: argparse.Namespace):
    ws = Workspace.open(data_dir_of(args))
    for path in ws.left_behind:
        print(tr("Removed {file}, left by an interrupted export.", file=path), file=sys.stderr)
    return ws


def acting(ws, args: argparse.Namespace) -> Actor:
    """Sign in as the profile named by --as (default: the clinic's manager)."""
    name = getattr(args, "as_name", None) or ws.people.default_manager().name
    actor = ws.people.sign_in(name, read_secret(tr("Password or PIN for {name}: ", name=name)))
    ws.journal_pending_backups()  # a backup made before a migration (the key is read by now)
    ws.people.require_own_secret(actor)  # the window's rule too: a secret set by a manager is changed first
    changes = ws.catalogue_versions.upgrade()
    if changes is not None:
        print(catalogue_changes_text(changes), file=sys.stderr)
    return actor


def catalogue_changes_text(changes) -> str:
    text = tr("The catalogue moved from version {old} to {new}: {added} to assess, "
              "{removed} (their answers are kept, read-only), {changed}.",
              old=changes.from_version, new=changes.to_version,
              added=trn("{n} new recommendation", "{n} new recommendations", len(changes.added)),
              removed=trn("{n} withdrawn", "{n} withdrawn", len(changes.removed)),
              changed=trn("{n} reworded", "{n} reworded", len(changes.reworded)))
    if changes.review:
        text += " " + tr("Meaning changed, back to review: {ids}.", ids=", ".join(changes.review))
    return text


NEW_SECRET_ENV = "CLINICGUARD_NEW_SECRET"


def read_new_secret(name: str) -> str:
    """A new password or PIN for `name`: from CLINICGUARD_NEW_SECRET, or asked twice at a prompt."""
    secret = os.environ.get(NEW_SECRET_ENV)
    if secret:
        return secret
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No new secret given: set {env} or run the command in a terminal.", env=NEW_SECRET_ENV))
    first = getpass.getpass(tr("New password or PIN for {name}: ", name=name))
    if getpass.getpass(tr("Type it again: ")) != first:
        raise UsageError(tr("The two entries differ."))
    return first
