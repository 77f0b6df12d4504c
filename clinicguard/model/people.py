"""Who works in the clinic: roles, what each role may do, profiles and the actor of a change."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from clinicguard.i18n import tr


SIGN_IN_KIND = "session.sign-in"  # the journal's kind for a sign-in


class Role(StrEnum):
    MANAGER = "manager"
    PRACTITIONER = "practitioner"
    ACCOUNTANT = "accountant"

    @property
    def label(self) -> str:
        return {
            Role.MANAGER: tr("Manager"),
            Role.PRACTITIONER: tr("Practitioner"),
            Role.ACCOUNTANT: tr("Accountant / read-only"),
        }[self]


class Permission(StrEnum):
    ASSESS = "assess"  # set status, comment, responsible, review dates
    SIGN_OFF = "sign-off"
    REQUEST_SIGN_OFF = "request-sign-off"  # ask every practitioner to confirm items
    EDIT_PLAN = "edit-plan"  # actions
    EDIT_BUDGET = "edit-budget"
    ADD_EVIDENCE = "add-evidence"
    DELETE_EVIDENCE = "delete-evidence"
    MANAGE_PEOPLE = "manage-people"
    EDIT_SETTINGS = "edit-settings"
    EXPORT = "export"
    READ = "read"
    EDIT_REGISTERS = "edit-registers"  # processing, processors, incidents' decisions, everyone's training
    DECLARE_INCIDENT = "declare-incident"
    RECORD_TRAINING = "record-training"  # a practitioner: only the sessions they attended (core/registers.py)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MANAGER: frozenset(Permission),
    Role.PRACTITIONER: frozenset(
        {Permission.READ, Permission.ASSESS, Permission.SIGN_OFF, Permission.ADD_EVIDENCE, Permission.EXPORT,
         Permission.DECLARE_INCIDENT, Permission.RECORD_TRAINING}
    ),
    Role.ACCOUNTANT: frozenset({Permission.READ, Permission.EXPORT}),
}


@dataclass(frozen=True)
class Actor:
    """The person on whose behalf a change is made."""

    id: int | None
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True)
class Person:
    """A profile as the people page shows it; the secret's hash never leaves the store."""

    id: int
    name: str
    role: Role
    secret_kind: str  # "password" or "pin"
    failed_attempts: int
    locked: bool
    active: bool
    created_at: str
    locked_until: str | None = None
    must_change_secret: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.name, self.role)

    def public(self) -> dict:
        """What the audit trail records about a profile (never the secret or its hash)."""
        return {"name": self.name, "role": self.role.value, "secret_kind": self.secret_kind,
                "active": self.active, "locked": self.locked}
