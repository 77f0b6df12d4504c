"""The people service: profiles, signing in and out, the manager's management of profiles, and the
inactivity-lock setting. Permissions are in core/permissions.py, the secret policy and hashing in
core/secrets.py, a sign-in attempt and the inactivity clock in core/session.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone


from clinicguard.core.formatting import check_text
from clinicguard.model.errors import ClinicGuardError, NotFound, PermissionDenied
from clinicguard.i18n import tr, trn
from clinicguard.model.people import SIGN_IN_KIND, Actor, Permission, Person, Role
from clinicguard.core.permissions import current_actor
from clinicguard.core.secrets import (
    PIN_MAX_FAILURES, PreparedSecret, WeakSecret, hash_secret, load_hashing, password_delay,
    secret_kind_for, secret_kind_for_prepared,
)
from clinicguard.core.session import SecretChange, SignInAttempt, UnknownProfileAttempt, WrongSecret
from clinicguard.core.uow import UnitOfWork
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.people_store import PersonStore


NAME_MAX_LENGTH = 80

AUTO_LOCK_SETTING = "session.auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 10
AUTO_LOCK_RANGE = (1, 120)


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ClinicGuardError(tr("Enter the person's name."))
    check_text(name, tr("the person's name"))
    if len(name) > NAME_MAX_LENGTH or any(ord(c) < 32 for c in name):
        raise ClinicGuardError(tr("A name has at most {n} characters.", n=NAME_MAX_LENGTH))
    return name


# ---- the service ---------------------------------------------------------------------------------
def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value)


class People:
    """Profiles of a workspace: sign in and out, and the manager's management of profiles.

    `clock` returns the current UTC time; it is a parameter so delays can be tested without waiting.
    """

    def __init__(self, store: PersonStore, settings: ClinicStore, uow: UnitOfWork,
                 clock: Callable[[], datetime] | None = None, pepper: Callable[[], bytes | None] | None = None):
        """`pepper()` gives the key mixed into every secret's hash (the clinic key's; see
        core/secrets.py); without it hashes are made as before the pepper."""
        self.store = store
        self.pepper = pepper or (lambda: None)
        self._settings = settings
        self._uow = uow
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    # ---- reading
    def all(self, include_inactive: bool = True) -> list[Person]:
        return self.store.all(include_inactive)

    def get(self, who: int | str) -> Person:
        person = self.store.get(who) if isinstance(who, int) else self.store.by_name(clean_name(who))
        if person is None:
            raise NotFound(tr("Unknown profile {name!r}.", name=str(who)))
        return person

    def default_manager(self) -> Person:
        """Who acts when a command names nobody: the first manager profile still active. The
        clinic's `manager_name` setting is only the name printed on exports and may differ."""
        managers = sorted((p for p in self.store.all(False) if p.role is Role.MANAGER), key=lambda p: p.id)
        if not managers:
            raise NotFound(tr("No active manager profile: name a profile with --as."))
        return managers[0]

    def names(self) -> list[str]:
        """The active profiles' names, for the sign-in list."""
        return [p.name for p in self.store.all(False)]

    def active_practitioners(self) -> list[Person]:
        return [p for p in self.store.all(False) if p.role is Role.PRACTITIONER]

    def current(self, actor: Actor) -> Actor:
        """The actor as the database sees it now (see permissions.current_actor)."""
        return current_actor(actor, self.store.get)

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
        self._uow.record(person.actor, "session.sign-in-refused", "person", person.id, None,
                              {"locked": person.locked, "locked_until": person.locked_until})

    def prepare_sign_in(self) -> None:
        """Load what checking a sign-in needs before one is typed: the hash's library, and the
        pepper from the clinic key (which imports cryptography's HKDF, and reads the key if it is
        not yet). The window's start calls it off the UI thread while the sign-in dialog is shown."""
        load_hashing()
        self.pepper()

    def begin_sign_in(self, name: str) -> "SignInAttempt":
        """Step 1: find the profile and refuse a locked or waiting one (audited)."""
        typed = " ".join(str(name).split())
        person = self.store.by_name(typed)
        if person is None:
            return UnknownProfileAttempt(typed)
        if not person.active:
            raise PermissionDenied(tr("The profile {name} has been deactivated.", name=person.name))
        refusal = self._refusal(person)
        if refusal:
            with self._uow.transaction():
                self._record_refusal(person)
            raise PermissionDenied(refusal)
        attempt = SignInAttempt(person, self.store.secret_hash(person.id), self.pepper())
        attempt.typed_name = typed
        return attempt

    def finish_sign_in(self, attempt: "SignInAttempt") -> Actor:
        """Step 3: record the success or the failure (with PIN lock or password delay).

        Attempts begun together (several windows, a script) are decided against the profile as it
        is now, in one write transaction: the failures add up, and a profile that another attempt
        locked meanwhile refuses even the right secret.
        """
        attempt.finish()
        if isinstance(attempt, UnknownProfileAttempt):
            raise WrongSecret(attempt.typed_name)
        name = attempt.person.name
        refusal = None
        with self._uow.transaction():
            person = self.store.get(attempt.person.id)
            if person is None or not person.active:
                refusal = tr("The profile {name} has been deactivated.", name=name)
            elif not attempt.made_on(self.store.secret_hash(person.id)):
                # reset or changed since step 1: this attempt proves nothing either way
                refusal = tr("The password or PIN of {name} has just been changed: try again.", name=name)
            elif not attempt.proved():
                refusal = self._record_failure(person, getattr(attempt, "typed_name", name))
            else:
                refusal = self._refusal(person)
                if refusal:
                    self._record_refusal(person)
                else:
                    if person.failed_attempts or person.locked_until:
                        self.store.update(person.id, failed_attempts=0, locked_until=None)
                    if attempt.upgraded_hash:  # a hash from before the pepper, replaced now it is proved
                        self.store.set_secret(person.id, person.secret_kind, attempt.upgraded_hash,
                                              must_change=person.must_change_secret)
                    self._uow.record(person.actor, SIGN_IN_KIND, "person", person.id)
        if isinstance(refusal, WrongSecret):
            raise refusal
        if refusal:
            raise PermissionDenied(refusal)
        return person.actor

    def _record_failure(self, person: Person, typed_name: str) -> str | WrongSecret:
        """Count one wrong secret on the row itself, lock or delay from the new count; the message."""
        now = self.clock()
        failures = self.store.add_failure(person.id)
        pin = person.secret_kind == "pin"
        lock = person.locked or (pin and failures >= PIN_MAX_FAILURES)
        delay = None if pin else password_delay(failures)
        until = (now + delay).isoformat(timespec="seconds") if delay else None
        self.store.update(person.id, locked=lock, locked_until=until)
        self._uow.record(person.actor, "session.sign-in-failed", "person", person.id,
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
            return WrongSecret(typed_name, trn("Wrong PIN for {name}: {n} attempt left before the profile locks.",
                                              "Wrong PIN for {name}: {n} attempts left before the profile locks.",
                                              PIN_MAX_FAILURES - failures, name=person.name))
        return WrongSecret(typed_name, tr("Wrong password or PIN for {name}.", name=person.name))

    def sign_in(self, name: str, secret: str) -> Actor:
        """Check a person's secret; record the sign-in, the failure or the refusal in the audit trail."""
        attempt = self.begin_sign_in(name)
        attempt.check(secret)
        return self.finish_sign_in(attempt)

    def sign_out(self, actor: Actor, reason: str = "") -> None:
        with self._uow.transaction():
            self._uow.record(actor, "session.sign-out", "person", actor.id or 0, None,
                                  {"reason": reason} if reason else None)

    def must_change_secret(self, actor: Actor) -> bool:
        """True when a manager set this person's secret: CNIL asks that they choose their own."""
        person = self.store.get(actor.id) if actor.id is not None else None
        return bool(person and person.must_change_secret)

    def require_own_secret(self, actor: Actor) -> None:
        """The session rule shared by the window and the commands: a profile whose secret a manager
        set may do nothing but change it."""
        if self.must_change_secret(actor):
            raise PermissionDenied(tr("The password or PIN of {name} was set by a manager: choose your own first "
                                      "(in the window, or with 'clinicguard people change-secret --as NAME').",
                                      name=actor.name))

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
        secret_hash = prepared.secret_hash if prepared else hash_secret(secret, self.pepper())
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person_id = self.store.insert(name=name, role=role, secret_kind=kind, secret_hash=secret_hash,
                                          created_at=self.clock().isoformat(timespec="microseconds"),
                                          must_change_secret=True)
            person = self.store.get(person_id)
            audit.record("person.create", "person", person_id, None, person.public())
        return person

    def change_role(self, actor: Actor, who: int | str, role: Role | str) -> Person:
        role = self._role(role)
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
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
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
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
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
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
            kind, secret_hash = secret_kind_for(new_secret, person.role), hash_secret(new_secret, self.pepper())
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
            person = self.get(person.id)
            self.store.set_secret(person.id, kind, secret_hash, must_change=person.id != actor.id)
            self.store.update(person.id, failed_attempts=0, locked=False, locked_until=None)
            audit.record("person.reset-secret", "person", person.id,
                         {"secret_kind": person.secret_kind, "locked": person.locked},
                         {"secret_kind": kind, "locked": False})
        return self.get(person.id)

    def unlock(self, actor: Actor, who: int | str) -> Person:
        with self._uow.writing(actor, Permission.MANAGE_PEOPLE) as audit:
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
        return SecretChange(person, self.store.secret_hash(person.id), self.pepper())

    def finish_secret_change(self, actor: Actor, change: "SecretChange", prepared: tuple[str, str]) -> Person:
        """Step 3: store the new hash prepared by `SecretChange.prepare`, audited."""
        kind, secret_hash = prepared
        person = change.person
        with self._uow.writing(actor, Permission.READ) as audit:
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
        value = self._settings.setting(AUTO_LOCK_SETTING)
        try:
            return int(value) if value is not None else DEFAULT_AUTO_LOCK_MINUTES
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
        with self._uow.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self.auto_lock_minutes()
            if before == minutes:
                return minutes
            self._settings.set_setting(AUTO_LOCK_SETTING, str(minutes))
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
