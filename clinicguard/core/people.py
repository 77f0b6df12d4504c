"""People, roles and what each role may do; signing in, managing profiles and the inactivity lock.

Secrets are stored only as slow salted scrypt hashes (CNIL délibération 2022-100). Two kinds:
- a long password ("password alone" level, >= 80 bits: 12 characters of 4 kinds, 14 of 3 kinds,
  or a 7-word passphrase). After PASSWORD_FREE_FAILURES wrong attempts in a row, each further
  attempt must wait a delay that doubles up to PASSWORD_MAX_DELAY (the CNIL's "temporisation").
  A delay rather than a lock: anyone at the shared PC could otherwise lock the manager out, and a
  locked last manager would leave nobody to unlock the clinic.
- a short PIN (4 to 8 digits), allowed only because the profile locks after PIN_MAX_FAILURES wrong
  attempts until a manager unlocks it. Managers must use a password, for the same reason.
"""

from __future__ import annotations

import base64
import hmac
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from clinicguard.core.errors import ClinicGuardError, NotFound, PermissionDenied
from clinicguard.i18n import tr

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace

PIN_MAX_FAILURES = 3
PASSWORD_FREE_FAILURES = 10
PASSWORD_FIRST_DELAY = timedelta(seconds=30)
PASSWORD_MAX_DELAY = timedelta(minutes=15)
PASSWORD_MIN_LENGTH = 12
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
NAME_MAX_LENGTH = 80
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1

AUTO_LOCK_SETTING = "session.auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 10
AUTO_LOCK_RANGE = (1, 120)


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


# ---- secrets ------------------------------------------------------------------------------------
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


def secret_kind_for(secret: str, role: Role) -> str:
    """secret_kind(), refusing a PIN for a manager: a locked manager could leave nobody to unlock."""
    kind = secret_kind(secret)
    if kind == "pin" and Role(role) is Role.MANAGER:
        raise WeakSecret(tr("A manager must use a password, not a PIN: a locked PIN could leave nobody able "
                            "to unlock the profiles."))
    return kind


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


def password_delay(failures: int) -> timedelta | None:
    """How long a password profile must wait after `failures` wrong attempts in a row (None: no wait)."""
    if failures < PASSWORD_FREE_FAILURES:
        return None
    delay = PASSWORD_FIRST_DELAY * (2 ** min(failures - PASSWORD_FREE_FAILURES, 10))
    return min(delay, PASSWORD_MAX_DELAY)


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ClinicGuardError(tr("Enter the person's name."))
    if len(name) > NAME_MAX_LENGTH or any(ord(c) < 32 for c in name):
        raise ClinicGuardError(tr("A name has at most {n} characters.", n=NAME_MAX_LENGTH))
    return name


# ---- inactivity lock ------------------------------------------------------------------------------
class InactivityClock:
    """Tells when the session has been idle for too long. The GUI touches it on every input event
    and polls `expired()` from a timer; the time source is injectable so the logic is testable."""

    def __init__(self, minutes: float, now: Callable[[], float] = time.monotonic):
        self._now = now
        self.timeout = float(minutes) * 60.0
        self._last = now()

    def set_minutes(self, minutes: float) -> None:
        self.timeout = float(minutes) * 60.0

    def touch(self) -> None:
        self._last = self._now()

    def idle_seconds(self) -> float:
        return max(0.0, self._now() - self._last)

    def remaining(self) -> float:
        return max(0.0, self.timeout - self.idle_seconds())

    def expired(self) -> bool:
        return self.idle_seconds() >= self.timeout


# ---- the service ---------------------------------------------------------------------------------
def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class SignInAttempt:
    """A profile found and allowed to try; `check` is pure (no database) and slow on purpose."""

    person: "Person"
    stored_hash: str

    def check(self, secret: str) -> bool:
        return check_secret(secret, self.stored_hash)


@dataclass(frozen=True)
class SecretChange:
    """A person changing their own secret; `prepare` is pure (no database) and slow on purpose."""

    person: "Person"
    stored_hash: str

    def prepare(self, current_secret: str, new_secret: str) -> tuple[str, str]:
        """Check the current secret and hash the new one: (kind, hash)."""
        if not check_secret(current_secret, self.stored_hash):
            raise PermissionDenied(tr("The current password or PIN is wrong."))
        kind = secret_kind_for(new_secret, self.person.role)
        if check_secret(new_secret, self.stored_hash):
            raise WeakSecret(tr("Choose a secret different from the current one."))
        return kind, hash_secret(new_secret)


class People:
    """Profiles of a workspace: sign in and out, and the manager's management of profiles.

    `clock` returns the current UTC time; it is a parameter so delays can be tested without waiting.
    """

    def __init__(self, ws: "Workspace", clock: Callable[[], datetime] | None = None):
        from clinicguard.store.people_store import PersonStore

        self._ws = ws
        self.store = PersonStore(ws.db)
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    # ---- reading
    def all(self, include_inactive: bool = True) -> list[Person]:
        return self.store.all(include_inactive)

    def get(self, who: int | str) -> Person:
        person = self.store.get(who) if isinstance(who, int) else self.store.by_name(clean_name(who))
        if person is None:
            raise NotFound(tr("Unknown profile {name!r}.", name=str(who)))
        return person

    def active_practitioners(self) -> list[Person]:
        return [p for p in self.store.all(False) if p.role is Role.PRACTITIONER]

    def current(self, actor: Actor) -> Actor:
        """The actor as the database sees it now: a role changed or a profile deactivated since
        sign-in takes effect at the next change, not at the next sign-in."""
        if actor.id is None:
            return actor
        person = self.store.get(actor.id)
        if person is None or not person.active:
            raise PermissionDenied(tr("The profile {name} has been deactivated.", name=actor.name))
        return person.actor

    # ---- signing in
    # Three steps, so that a GUI can run the deliberately slow hash (step 2) off the UI thread
    # while the database is only touched from its own thread (steps 1 and 3).
    def begin_sign_in(self, name: str) -> "SignInAttempt":
        """Step 1: find the profile and refuse a locked or waiting one (audited)."""
        person = self.store.by_name(" ".join(str(name).split()))
        if person is None:
            raise PermissionDenied(tr("Unknown profile {name!r}.", name=name))
        if not person.active:
            raise PermissionDenied(tr("The profile {name} has been deactivated.", name=person.name))
        now = self.clock()
        refusal = None
        if person.locked:
            refusal = tr("The profile {name} is locked: a manager must unlock it.", name=person.name)
        elif person.locked_until and _utc(person.locked_until) > now:
            wait = int((_utc(person.locked_until) - now).total_seconds()) + 1
            refusal = tr("Too many wrong passwords for {name}: try again in {seconds} seconds.",
                         name=person.name, seconds=wait)
        if refusal:
            with self._ws.db.atomic():
                self._ws.audit.record(person.actor, "session.sign-in-refused", "person", person.id, None,
                                      {"locked": person.locked, "locked_until": person.locked_until})
            self._ws.audit.save_head()
            raise PermissionDenied(refusal)
        return SignInAttempt(person, self.store.secret_hash(person.id))

    def finish_sign_in(self, attempt: "SignInAttempt", secret_ok: bool) -> Actor:
        """Step 3: record the success or the failure (with PIN lock or password delay)."""
        person = attempt.person
        if not secret_ok:
            now = self.clock()
            failures = person.failed_attempts + 1
            lock = person.secret_kind == "pin" and failures >= PIN_MAX_FAILURES
            delay = None if person.secret_kind == "pin" else password_delay(failures)
            until = (now + delay).isoformat(timespec="seconds") if delay else None
            with self._ws.db.atomic():
                self.store.update(person.id, failed_attempts=failures, locked=lock, locked_until=until)
                self._ws.audit.record(person.actor, "session.sign-in-failed", "person", person.id,
                                      {"failed_attempts": person.failed_attempts, "locked": person.locked},
                                      {"failed_attempts": failures, "locked": lock, "locked_until": until})
            self._ws.audit.save_head()
            if lock:
                raise PermissionDenied(tr("Wrong PIN: the profile {name} is now locked until a manager unlocks it.",
                                          name=person.name))
            if delay:
                raise PermissionDenied(tr("Wrong password for {name}. Too many attempts: wait {seconds} seconds "
                                          "before trying again.", name=person.name,
                                          seconds=int(delay.total_seconds())))
            if person.secret_kind == "pin":
                raise PermissionDenied(tr("Wrong PIN for {name}: {n} attempt(s) left before the profile locks.",
                                          name=person.name, n=PIN_MAX_FAILURES - failures))
            raise PermissionDenied(tr("Wrong password or PIN for {name}.", name=person.name))
        with self._ws.db.atomic():
            if person.failed_attempts or person.locked_until:
                self.store.update(person.id, failed_attempts=0, locked_until=None)
            self._ws.audit.record(person.actor, "session.sign-in", "person", person.id)
        self._ws.audit.save_head()
        return person.actor

    def sign_in(self, name: str, secret: str) -> Actor:
        """Check a person's secret; record the sign-in, the failure or the refusal in the audit trail."""
        attempt = self.begin_sign_in(name)
        return self.finish_sign_in(attempt, attempt.check(secret))

    def sign_out(self, actor: Actor, reason: str = "") -> None:
        with self._ws.db.atomic():
            self._ws.audit.record(actor, "session.sign-out", "person", actor.id or 0, None,
                                  {"reason": reason} if reason else None)
        self._ws.audit.save_head()

    def must_change_secret(self, actor: Actor) -> bool:
        """True when a manager set this person's secret: CNIL asks that they choose their own."""
        person = self.store.get(actor.id) if actor.id is not None else None
        return bool(person and person.must_change_secret)

    # ---- managing profiles (manager only)
    def add(self, actor: Actor, name: str, role: Role | str, secret: str) -> Person:
        name, role = clean_name(name), self._role(role)
        kind = secret_kind_for(secret, role)
        existing = self.store.by_name(name)
        if existing is not None:
            raise ClinicGuardError(
                tr("A profile named {name} already exists.", name=existing.name) if existing.active else
                tr("A deactivated profile named {name} already exists: reactivate it instead.", name=existing.name))
        secret_hash = hash_secret(secret)
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person_id = self.store.insert(name=name, role=role, secret_kind=kind, secret_hash=secret_hash,
                                          created_at=self.clock().isoformat(timespec="microseconds"),
                                          must_change_secret=True)
            person = self.store.get(person_id)
            audit.record("person.create", "person", person_id, None, person.public())
        return person

    def change_role(self, actor: Actor, who: int | str, role: Role | str) -> Person:
        role = self._role(role)
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(who)
            if person.role is role:
                return person
            if role is Role.MANAGER and person.secret_kind == "pin":
                raise WeakSecret(tr("{name} signs in with a PIN: set a password for this profile before making "
                                    "it a manager.", name=person.name))
            if person.role is Role.MANAGER:
                self._keep_a_manager(person)
            self.store.update(person.id, role=role)
            audit.record("person.change-role", "person", person.id, {"role": person.role.value},
                         {"role": role.value})
        return self.get(person.id)

    def deactivate(self, actor: Actor, who: int | str) -> Person:
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(who)
            if not person.active:
                return person
            if person.id == actor.id:
                raise ClinicGuardError(tr("You cannot deactivate your own profile."))
            if person.role is Role.MANAGER:
                self._keep_a_manager(person)
            self.store.update(person.id, active=False)
            audit.record("person.deactivate", "person", person.id, {"active": True}, {"active": False})
        return self.get(person.id)

    def reactivate(self, actor: Actor, who: int | str) -> Person:
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(who)
            if person.active:
                return person
            self.store.update(person.id, active=True)
            audit.record("person.reactivate", "person", person.id, {"active": False}, {"active": True})
        return self.get(person.id)

    def reset_secret(self, actor: Actor, who: int | str, new_secret: str) -> Person:
        """A manager sets a new secret (forgotten PIN or password); the person must change it at sign-in.
        Resetting also unlocks the profile."""
        person = self.get(who)
        kind = secret_kind_for(new_secret, person.role)
        secret_hash = hash_secret(new_secret)
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(person.id)
            self.store.set_secret(person.id, kind, secret_hash, must_change=person.id != actor.id)
            self.store.update(person.id, failed_attempts=0, locked=False, locked_until=None)
            audit.record("person.reset-secret", "person", person.id,
                         {"secret_kind": person.secret_kind, "locked": person.locked},
                         {"secret_kind": kind, "locked": False})
        return self.get(person.id)

    def unlock(self, actor: Actor, who: int | str) -> Person:
        with self._ws.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(who)
            if not person.locked and not person.failed_attempts and not person.locked_until:
                return person
            self.store.update(person.id, failed_attempts=0, locked=False, locked_until=None)
            audit.record("person.unlock", "person", person.id,
                         {"locked": person.locked, "failed_attempts": person.failed_attempts},
                         {"locked": False, "failed_attempts": 0})
        return self.get(person.id)

    def begin_secret_change(self, actor: Actor) -> "SecretChange":
        """Step 1 of changing one's own secret (the slow step 2 may run off the UI thread)."""
        if actor is None or actor.id is None:
            raise PermissionDenied(tr("Sign in first."))
        person = self.get(actor.id)
        return SecretChange(person, self.store.secret_hash(person.id))

    def finish_secret_change(self, actor: Actor, change: "SecretChange", prepared: tuple[str, str]) -> Person:
        """Step 3: store the new hash prepared by `SecretChange.prepare`, audited."""
        kind, secret_hash = prepared
        person = change.person
        with self._ws.writing(actor, Permission.READ) as audit:
            self.store.set_secret(person.id, kind, secret_hash, must_change=False)
            audit.record("person.change-secret", "person", person.id, {"secret_kind": person.secret_kind},
                         {"secret_kind": kind})
        return self.get(person.id)

    def change_own_secret(self, actor: Actor, current_secret: str, new_secret: str) -> Person:
        """Anyone signed in may change their own secret, after proving they know the current one."""
        change = self.begin_secret_change(actor)
        return self.finish_secret_change(actor, change, change.prepare(current_secret, new_secret))

    # ---- the inactivity lock setting
    def auto_lock_minutes(self) -> int:
        row = self._ws.db.execute("SELECT value FROM setting WHERE key = ?", [AUTO_LOCK_SETTING]).fetchone()
        try:
            return int(row[0]) if row else DEFAULT_AUTO_LOCK_MINUTES
        except ValueError:
            return DEFAULT_AUTO_LOCK_MINUTES

    def set_auto_lock_minutes(self, actor: Actor, minutes: int) -> int:
        low, high = AUTO_LOCK_RANGE
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            minutes = -1
        if not low <= minutes <= high:
            raise ClinicGuardError(tr("The automatic lock must be between {low} and {high} minutes.",
                                      low=low, high=high))
        with self._ws.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self.auto_lock_minutes()
            if before == minutes:
                return minutes
            self._ws.db["setting"].upsert({"key": AUTO_LOCK_SETTING, "value": str(minutes)}, pk="key")
            audit.record("setting.update", "setting", AUTO_LOCK_SETTING, {"value": before}, {"value": minutes})
        return minutes

    # ---- helpers
    @staticmethod
    def _role(role: Role | str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise ClinicGuardError(tr("Unknown role {value!r}: use one of {allowed}.", value=role,
                                      allowed=", ".join(r.value for r in Role))) from None

    def _keep_a_manager(self, person: Person) -> None:
        others = [p for p in self.store.all(False) if p.role is Role.MANAGER and p.id != person.id]
        if not others:
            raise ClinicGuardError(tr("{name} is the only active manager: make someone else manager first.",
                                      name=person.name))
