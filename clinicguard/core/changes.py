"""What a change touched, as a typed value: the window broadcasts it and each page refreshes only
what concerns it (in the manner of Anki's OpChanges).

Every write of ClinicGuard records an audit entry in its own transaction, so what a transaction
changed is read from the kinds of the entries it recorded. The same reading serves changes made in
this process and changes made by another one (the CLI, a script) that the window picks up later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clinicguard.store.audit_store import AuditStore


@dataclass(frozen=True)
class Changes:
    clinic: bool = False  # the clinic's settings (name, structure, fiscal year, VAT)
    checklist: bool = False  # answers to recommendations
    catalogue: bool = False  # the catalogue version
    plan: bool = False  # actions
    budget: bool = False  # budget lines
    evidence: bool = False  # the evidence vault
    people: bool = False  # profiles, roles, secrets, session settings
    signoff: bool = False  # practitioners' confirmations and the manager's requests
    registers: bool = False  # processing, processors, incidents, training (core/registers.py)
    journal: bool = False  # the audit trail itself (every write adds to it)
    backup: bool = False  # backups made, verified, restored or rotated, and their settings

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def everything(cls) -> "Changes":
        return cls(**{f.name: True for f in fields(cls)})


NOTHING = Changes()

# The audit kind's first word says which part of the clinic an entry changed.
_BY_PREFIX: dict[str, Changes] = {
    "clinic": Changes(clinic=True),
    "assessment": Changes(checklist=True),
    "catalogue": Changes(catalogue=True, checklist=True, signoff=True),
    "action": Changes(plan=True, budget=True),
    "plan": Changes(plan=True, budget=True),
    "budget-line": Changes(budget=True, plan=True),
    "evidence": Changes(evidence=True),
    "person": Changes(people=True, signoff=True),
    "setting": Changes(people=True),
    "session": Changes(people=True),  # a failed sign-in counts on the profile, and may lock it
    "signoff": Changes(signoff=True),
    "register": Changes(registers=True, checklist=True),  # the checklist shows each register's state
    "backup": Changes(backup=True),
}


def changes_for_kinds(kinds: Iterable[str]) -> Changes:
    """What the audit entries of these kinds changed (the journal, always, when there is one)."""
    result = NOTHING
    for kind in kinds:
        result = result | Changes(journal=True) | _BY_PREFIX.get(kind.split(".", 1)[0], NOTHING)
    return result


class ExternalChanges:
    """Notices what another process (the CLI, a script, a second PC) committed to the clinic's
    database since the last look, from SQLite's `PRAGMA data_version`: cheap enough to poll every
    second from the window."""

    def __init__(self, audit_store: "AuditStore"):
        self._store = audit_store
        self._version = audit_store.data_version()
        self._seen = audit_store.last_id()

    def mark_seen(self, _changes: Changes | None = None) -> None:
        """Entries written by this process are not news (a unit-of-work listener)."""
        self._seen = self._store.last_id()

    def poll(self) -> Changes:
        version = self._store.data_version()
        if version == self._version:
            return NOTHING
        self._version = version
        self._seen, kinds = self._store.kinds_after(self._seen)
        # A commit that recorded no entry (a migration, a repair) may have changed anything.
        return changes_for_kinds(kinds) if kinds else Changes.everything()
