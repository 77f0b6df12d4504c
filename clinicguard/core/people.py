"""People, roles and what each role may do; signing in, managing profiles and the inactivity lock.

Secrets are stored only as slow salted scrypt hashes (CNIL délibération 2022-100). Two kinds:
- a long password ("password alone" level, >= 80 bits: 12 characters of 4 kinds, 14 of 3 kinds,
  20 with at least 8 different ones of 2 kinds other than spaces, or a passphrase of 7 words of 3 letters or
  more, at least 5 of them different). After PASSWORD_FREE_FAILURES wrong attempts in a row, each further
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

from clinicguard.model.errors import ClinicGuardError, NotFound, PermissionDenied
from clinicguard.i18n import tr, trn
from clinicguard.core.permissions import require
from clinicguard.model.people import ROLE_PERMISSIONS, Actor, Permission, Person, Role

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace

PIN_MAX_FAILURES = 3
PASSWORD_FREE_FAILURES = 10
PASSWORD_FIRST_DELAY = timedelta(seconds=30)
PASSWORD_MAX_DELAY = timedelta(minutes=15)
PASSWORD_MIN_LENGTH = 12
PASSPHRASE_MIN_WORDS, PASSPHRASE_MIN_LETTERS, PASSPHRASE_MIN_DISTINCT = 7, 3, 5
LONG_PASSWORD_MIN_DISTINCT = 8
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
NAME_MAX_LENGTH = 80
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1

AUTO_LOCK_SETTING = "session.auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 10
AUTO_LOCK_RANGE = (1, 120)


# ---- secrets ------------------------------------------------------------------------------------
class WeakSecret(ClinicGuardError):
    pass


def secret_kind(secret: str) -> str:
    """Classify a new secret as 'pin' or 'password', or refuse it as too weak."""
    if PIN_PATTERN.match(secret):
        return "pin"
    classes = sum(bool(re.search(p, secret)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    # Each rule aims at the CNIL's 80 bits; the long ones also refuse the shapes a person picks
    # to satisfy a length alone ("a a a a a a a", twenty times the same key).
    words = [w for w in secret.split() if sum(c.isalpha() for c in w) >= PASSPHRASE_MIN_LETTERS]
    passphrase = (len(words) >= PASSPHRASE_MIN_WORDS
                  and len({w.casefold() for w in words}) >= PASSPHRASE_MIN_DISTINCT)
    # spaces do not count as a kind here, or any sentence of 20 characters would pass as a password
    # without meeting the passphrase rule
    kinds_besides_spaces = sum(bool(re.search(p, secret)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9\s]"))
    long_password = (len(secret) >= 20 and kinds_besides_spaces >= 2
                     and len(set(secret)) >= LONG_PASSWORD_MIN_DISTINCT)
    if (len(secret) >= 12 and classes >= 4) or (len(secret) >= 14 and classes >= 3) or passphrase or long_password:
        return "password"
    raise WeakSecret(
        tr(
            "Choose a PIN of 4 to 8 digits, or a password of at least 12 characters mixing upper case, "
            "lower case, digits and symbols (or 14 characters of three kinds, 20 characters with at least 8 "
            "different ones of two kinds other than spaces, or a passphrase of 7 words of 3 letters or more, "
            "at least 5 of them different)."
        )
    )


def secret_kind_for_prepared(prepared: PreparedSecret, role: Role) -> str:
    """The role rule for a secret prepared earlier (perhaps for another role): no PIN for a manager."""
    if prepared.kind == "pin" and Role(role) is Role.MANAGER:
        raise WeakSecret(tr("A manager must use a password, not a PIN: a locked PIN could leave nobody able "
                            "to unlock the profiles."))
    return prepared.kind


def secret_kind_for(secret: str, role: Role) -> str:
    """secret_kind(), refusing a PIN for a manager: a locked manager could leave nobody to unlock."""
    kind = secret_kind(secret)
    if kind == "pin" and Role(role) is Role.MANAGER:
        raise WeakSecret(tr("A manager must use a password, not a PIN: a locked PIN could leave nobody able "
                            "to unlock the profiles."))
    return kind


@dataclass(frozen=True)
class PreparedSecret:
    """A new secret already checked and hashed: the slow part, done off the UI thread."""

    kind: str
    secret_hash: str


def prepare_secret(secret: str, role: Role | str) -> PreparedSecret:
    """Check a new secret against the role's rules and hash it (pure; about a tenth of a second)."""
    return PreparedSecret(secret_kind_for(secret, Role(role)), hash_secret(secret))


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(secret.encode())
    return "scrypt${}${}${}${}${}".format(
        _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def _derive(secret: str, stored: str) -> bytes | None:
    """The digest `secret` gives with the stored hash's salt and parameters (None: unreadable hash)."""
    try:
        scheme, n, r, p, salt, _digest = stored.split("$")
        if scheme != "scrypt":
            return None
        return Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(secret.encode())
    except (ValueError, TypeError):
        return None


def _matches(digest: bytes | None, stored: str) -> bool:
    if digest is None:
        return False
    try:
        return hmac.compare_digest(digest, base64.b64decode(stored.split("$")[5]))
    except (ValueError, TypeError, IndexError):
        return False


def check_secret(secret: str, stored: str) -> bool:
    return _matches(_derive(secret, stored), stored)


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


class SignInAttempt:
    """One secret tried on a profile found by `People.begin_sign_in`.

    `check` is pure (no database) and slow on purpose. It keeps the digest it computed, and
    `People.finish_sign_in` compares that digest with the profile's hash inside its write
    transaction: no caller can finish as a success an attempt whose slow check it did not run,
    nor reuse one attempt for several secrets.
    """

    def __init__(self, person: "Person", stored_hash: str):
        self.person = person
        self._stored_hash = stored_hash
        self._digest: bytes | None = None
        self._checked = False
        self._finished = False

    def check(self, secret: str) -> bool:
        if self._checked:
            raise RuntimeError("a sign-in attempt checks one secret only")
        self._checked = True  # before the slow work, so that a second check cannot overlap it
        self._digest = _derive(secret, self._stored_hash)
        return _matches(self._digest, self._stored_hash)


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
        if actor is None or actor.id is None:
            # ClinicGuard's own changes go through Workspace.system_change(), never as an actor
            raise PermissionDenied(tr("Sign in first."))
        person = self.store.get(actor.id)
        if person is None or not person.active:
            raise PermissionDenied(tr("The profile {name} has been deactivated.", name=actor.name))
        return person.actor

    # ---- signing in
    # Three steps, so that a GUI can run the deliberately slow hash (step 2) off the UI thread
    # while the database is only touched from its own thread (steps 1 and 3).
    def _refusal(self, person: Person) -> str | None:
        """Why a locked or waiting profile may not sign in now (None: it may)."""
        now = self.clock()
        if person.locked:
            return tr("The profile {name} is locked: a manager must unlock it.", name=person.name)
        if person.locked_until and _utc(person.locked_until) > now:
            wait = int((_utc(person.locked_until) - now).total_seconds()) + 1
            return tr("Too many wrong passwords for {name}: try again in {seconds} seconds.",
                      name=person.name, seconds=wait)
        return None

    def _record_refusal(self, person: Person) -> None:
        self._ws.audit.record(person.actor, "session.sign-in-refused", "person", person.id, None,
                              {"locked": person.locked, "locked_until": person.locked_until})

    def begin_sign_in(self, name: str) -> "SignInAttempt":
        """Step 1: find the profile and refuse a locked or waiting one (audited)."""
        person = self.store.by_name(" ".join(str(name).split()))
        if person is None:
            raise PermissionDenied(tr("Unknown profile {name!r}.", name=name))
        if not person.active:
            raise PermissionDenied(tr("The profile {name} has been deactivated.", name=person.name))
        refusal = self._refusal(person)
        if refusal:
            with self._ws.transaction():
                self._record_refusal(person)
            raise PermissionDenied(refusal)
        return SignInAttempt(person, self.store.secret_hash(person.id))

    def finish_sign_in(self, attempt: "SignInAttempt") -> Actor:
        """Step 3: record the success or the failure (with PIN lock or password delay).

        Attempts begun together (several windows, a script) are decided against the profile as it
        is now, in one write transaction: the failures add up, and a profile that another attempt
        locked meanwhile refuses even the right secret.
        """
        if not attempt._checked:
            raise RuntimeError("check the secret (SignInAttempt.check) before finishing the sign-in")
        if attempt._finished:
            raise RuntimeError("this sign-in attempt is already finished")
        attempt._finished = True
        name = attempt.person.name
        refusal = None
        with self._ws.transaction():
            person = self.store.get(attempt.person.id)
            if person is None or not person.active:
                refusal = tr("The profile {name} has been deactivated.", name=name)
            elif self.store.secret_hash(person.id) != attempt._stored_hash:
                # reset or changed since step 1: this attempt proves nothing either way
                refusal = tr("The password or PIN of {name} has just been changed: try again.", name=name)
            elif not _matches(attempt._digest, attempt._stored_hash):
                refusal = self._record_failure(person)
            else:
                refusal = self._refusal(person)
                if refusal:
                    self._record_refusal(person)
                else:
                    if person.failed_attempts or person.locked_until:
                        self.store.update(person.id, failed_attempts=0, locked_until=None)
                    self._ws.audit.record(person.actor, "session.sign-in", "person", person.id)
        if refusal:
            raise PermissionDenied(refusal)
        return person.actor

    def _record_failure(self, person: Person) -> str:
        """Count one wrong secret on the row itself, lock or delay from the new count; the message."""
        now = self.clock()
        failures = self.store.add_failure(person.id)
        pin = person.secret_kind == "pin"
        lock = person.locked or (pin and failures >= PIN_MAX_FAILURES)
        delay = None if pin else password_delay(failures)
        until = (now + delay).isoformat(timespec="seconds") if delay else None
        self.store.update(person.id, locked=lock, locked_until=until)
        self._ws.audit.record(person.actor, "session.sign-in-failed", "person", person.id,
                              {"failed_attempts": failures - 1, "locked": person.locked},
                              {"failed_attempts": failures, "locked": lock, "locked_until": until})
        if person.locked:
            return tr("The profile {name} is locked: a manager must unlock it.", name=person.name)
        if lock:
            return tr("Wrong PIN: the profile {name} is now locked until a manager unlocks it.", name=person.name)
        if delay:
            return tr("Wrong password for {name}. Too many attempts: wait {seconds} seconds before trying again.",
                      name=person.name, seconds=int(delay.total_seconds()))
        if pin:
            return trn("Wrong PIN for {name}: {n} attempt left before the profile locks.",
                       "Wrong PIN for {name}: {n} attempts left before the profile locks.",
                       PIN_MAX_FAILURES - failures, name=person.name)
        return tr("Wrong password or PIN for {name}.", name=person.name)

    def sign_in(self, name: str, secret: str) -> Actor:
        """Check a person's secret; record the sign-in, the failure or the refusal in the audit trail."""
        attempt = self.begin_sign_in(name)
        attempt.check(secret)
        return self.finish_sign_in(attempt)

    def sign_out(self, actor: Actor, reason: str = "") -> None:
        with self._ws.transaction():
            self._ws.audit.record(actor, "session.sign-out", "person", actor.id or 0, None,
                                  {"reason": reason} if reason else None)

    def must_change_secret(self, actor: Actor) -> bool:
        """True when a manager set this person's secret: CNIL asks that they choose their own."""
        person = self.store.get(actor.id) if actor.id is not None else None
        return bool(person and person.must_change_secret)

    # ---- managing profiles (manager only)
    def add(self, actor: Actor, name: str, role: Role | str, secret: str | PreparedSecret) -> Person:
        """Add a profile; `secret` may come already prepared (see prepare_secret) by a GUI worker."""
        name, role = clean_name(name), self._role(role)
        prepared = secret if isinstance(secret, PreparedSecret) else None
        kind = secret_kind_for_prepared(prepared, role) if prepared else secret_kind_for(secret, role)
        existing = self.store.by_name(name)
        if existing is not None:
            raise ClinicGuardError(
                tr("A profile named {name} already exists.", name=existing.name) if existing.active else
                tr("A deactivated profile named {name} already exists: reactivate it instead.", name=existing.name))
        secret_hash = prepared.secret_hash if prepared else hash_secret(secret)
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

    def reset_secret(self, actor: Actor, who: int | str, new_secret: str | PreparedSecret) -> Person:
        """A manager sets a new secret (forgotten PIN or password); the person must change it at sign-in.
        Resetting also unlocks the profile."""
        person = self.get(who)
        if isinstance(new_secret, PreparedSecret):
            kind, secret_hash = secret_kind_for_prepared(new_secret, person.role), new_secret.secret_hash
        else:
            kind, secret_hash = secret_kind_for(new_secret, person.role), hash_secret(new_secret)
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
