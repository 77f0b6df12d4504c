"""A signed-in session: one sign-in attempt, a change of one's own secret, and the inactivity lock.

The slow hashing steps (`SignInAttempt.check`, `SecretChange.prepare`) touch no database, so the
GUI runs them off the UI thread while the people service reads and writes on its own thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from clinicguard.core.secrets import (
    WeakSecret, check_secret, derive_digest, digest_matches, hash_secret, is_peppered, secret_kind_for,
)
from clinicguard.i18n import tr
from clinicguard.model.errors import PermissionDenied
from clinicguard.model.people import Person


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


class SignInAttempt:
    """One secret tried on a profile found by `People.begin_sign_in`.

    `check` is pure (no database) and slow on purpose. It keeps the digest it computed, and
    `People.finish_sign_in` compares that digest with the profile's hash inside its write
    transaction: no caller can finish as a success an attempt whose slow check it did not run,
    nor reuse one attempt for several secrets.
    """

    def __init__(self, person: "Person", stored_hash: str, pepper: bytes | None = None):
        self.person = person
        self._pepper = pepper
        self.upgraded_hash: str | None = None  # a peppered hash replacing an older one, once proved
        self.typed_name = person.name if person is not None else ""  # the name as the user typed it
        self._stored_hash = stored_hash
        self._digest: bytes | None = None
        self._checked = False
        self._finished = False

    def check(self, secret: str) -> bool:
        if self._checked:
            raise RuntimeError("a sign-in attempt checks one secret only")
        self._checked = True  # before the slow work, so that a second check cannot overlap it
        self._digest = derive_digest(secret, self._stored_hash, self._pepper)
        ok = digest_matches(self._digest, self._stored_hash)
        if ok and self._pepper is not None and not is_peppered(self._stored_hash):
            self.upgraded_hash = hash_secret(secret, self._pepper)  # still off the UI thread
        return ok

    def finish(self) -> None:
        """Mark the attempt as decided: it is checked once and finished once."""
        if not self._checked:
            raise RuntimeError("check the secret (SignInAttempt.check) before finishing the sign-in")
        if self._finished:
            raise RuntimeError("this sign-in attempt is already finished")
        self._finished = True

    def made_on(self, stored_hash: str) -> bool:
        """Whether the attempt was made against this hash (not one reset or changed since)."""
        return self._stored_hash == stored_hash

    def proved(self) -> bool:
        """Whether the secret checked matched the hash (the digest kept from the check)."""
        return self._checked and digest_matches(self._digest, self._stored_hash)


class WrongSecret(PermissionDenied):
    """A sign-in refused for a wrong secret OR an unknown profile: both give the same message, so
    that a name typed at the command line cannot be probed. `detail` adds what only a known
    profile's owner needs (PIN attempts left); the window, whose list shows the profiles anyway,
    shows it."""

    def __init__(self, name: str, detail: str | None = None):
        super().__init__(tr("Unknown profile or wrong password or PIN for {name}.", name=name))
        self.detail = detail or str(self)


_DUMMY_HASH: list[str] = []


class UnknownProfileAttempt(SignInAttempt):
    """An attempt on a name no profile has: it costs the same slow check, then fails as a wrong
    secret would (same message, same time)."""

    def __init__(self, name: str):
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_secret("no profile has this secret"))
        super().__init__(None, _DUMMY_HASH[0])  # type: ignore[arg-type]
        self.typed_name = name

    def check(self, secret: str) -> bool:
        super().check(secret)
        return False

    def proved(self) -> bool:
        return False


@dataclass(frozen=True)
class SecretChange:
    """A person changing their own secret; `prepare` is pure (no database) and slow on purpose."""

    person: "Person"
    stored_hash: str
    pepper: bytes | None = None

    def prepare(self, current_secret: str, new_secret: str) -> tuple[str, str]:
        """Check the current secret and hash the new one: (kind, hash)."""
        if not check_secret(current_secret, self.stored_hash, self.pepper):
            raise PermissionDenied(tr("The current password or PIN is wrong."))
        kind = secret_kind_for(new_secret, self.person.role)
        if check_secret(new_secret, self.stored_hash, self.pepper):
            raise WeakSecret(tr("Choose a secret different from the current one."))
        return kind, hash_secret(new_secret, self.pepper)
