"""People, roles and what each role may do. Every write in the core checks the acting person.

Secrets are stored only as slow salted scrypt hashes. A long password follows the CNIL 2022
"password alone" level; a short PIN is only allowed because the profile locks after a few
failures until a manager unlocks it (the CNIL's "access restriction" level).
"""

from __future__ import annotations

import base64
import hmac
import os
import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from clinicguard.core.errors import ClinicGuardError, PermissionDenied
from clinicguard.i18n import tr

PIN_MAX_FAILURES = 3
PASSWORD_MIN_LENGTH = 12
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


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
    EDIT_PLAN = "edit-plan"  # actions
    EDIT_BUDGET = "edit-budget"
    ADD_EVIDENCE = "add-evidence"
    DELETE_EVIDENCE = "delete-evidence"
    MANAGE_PEOPLE = "manage-people"
    EDIT_SETTINGS = "edit-settings"
    EXPORT = "export"
    READ = "read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MANAGER: frozenset(Permission),
    Role.PRACTITIONER: frozenset(
        {Permission.READ, Permission.ASSESS, Permission.SIGN_OFF, Permission.ADD_EVIDENCE, Permission.EXPORT}
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


SYSTEM = Actor(None, "ClinicGuard", Role.MANAGER)


def require(actor: Actor | None, permission: Permission) -> None:
    if actor is None:
        raise PermissionDenied(tr("Sign in first."))
    if not actor.can(permission):
        raise PermissionDenied(
            tr("{name} ({role}) is not allowed to do this.", name=actor.name, role=actor.role.label)
        )


class WeakSecret(ClinicGuardError):
    pass


def secret_kind(secret: str) -> str:
    """Classify a new secret as 'pin' or 'password', or refuse it as too weak."""
    if PIN_PATTERN.match(secret):
        return "pin"
    classes = sum(bool(re.search(p, secret)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    words = len(secret.split())
    if (len(secret) >= 12 and classes >= 4) or (len(secret) >= 14 and classes >= 3) or words >= 7 or len(secret) >= 20:
        return "password"
    raise WeakSecret(
        tr(
            "Choose a PIN of 4 to 8 digits, or a password of at least 12 characters mixing upper case, "
            "lower case, digits and symbols (or 14 characters of three kinds, or a 7-word passphrase)."
        )
    )


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(secret.encode())
    return "scrypt${}${}${}${}${}".format(
        _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def check_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(secret.encode())
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))
