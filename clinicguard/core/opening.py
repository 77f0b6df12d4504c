"""The first reads of a clinic folder, before the clinic is open: whether it holds a clinic, and
what the sign-in dialog shows (the clinic's name and its active profiles), read through a plain
sqlite3 connection (store.db.open_for_reading).

The window's start shows the sign-in dialog from this, then opens the clinic (`Workspace.open`,
which imports every service and sqlite-utils) off the UI thread while the user types: that
opening is not on the way to the dialog (issue 18). The names are those `People.names()` gives
over the open clinic (tests/test_app_start.py checks both). A clinic this version cannot read as it
is (none yet, a database to migrate or from a newer version, a file SQLite cannot open) has no
list: the caller opens it the full way first, which migrates it or says what is wrong.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from clinicguard.model.people import SIGN_IN_KIND
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.db import open_for_reading
from clinicguard.store.people_store import PersonStore


def clinic_exists(data_dir: Path) -> bool:
    return (Path(data_dir) / DATABASE_NAME).exists()


@dataclass(frozen=True)
class SignInList:
    clinic_name: str
    profiles: tuple[str, ...]  # the active profiles, as People.names() lists them
    last: str | None = None  # who signed in last, if still an active profile: the start offers it first


def last_profile(audit: AuditStore, profiles: tuple[str, ...]) -> str | None:
    """Who signed in last, if that profile is still among `profiles`."""
    last = audit.last_actor_of(SIGN_IN_KIND)
    return last if last in profiles else None


def read_sign_in_list(data_dir: Path) -> SignInList | None:
    """The clinic's name and active profiles, or None when the clinic must be opened the full way
    first (see the module's docstring). Nothing is written."""
    db = open_for_reading(Path(data_dir) / DATABASE_NAME)
    if db is None:
        return None
    try:
        clinic = ClinicStore(db)
        if not clinic.exists():
            return None
        profiles = tuple(p.name for p in PersonStore(db).all(False))
        return SignInList(clinic.get().name, profiles, last_profile(AuditStore(db), profiles))
    except (sqlite3.Error, ValueError):  # the full way says what is wrong
        return None
    finally:
        db.close()
