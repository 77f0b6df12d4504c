"""Secrets of the people who sign in: the policy a new password or PIN must meet, and its hashing.

Secrets are stored only as slow salted scrypt hashes (CNIL délibération 2022-100). Two kinds:
- a long password ("password alone" level, >= 80 bits: 12 characters of 4 kinds, 14 of 3 kinds,
  20 with at least 8 different ones of 2 kinds other than spaces, or a passphrase of 7 words of 3
  letters or more, at least 5 of them different). After PASSWORD_FREE_FAILURES wrong attempts in a
  row, each further attempt must wait a delay that doubles up to PASSWORD_MAX_DELAY (the CNIL's
  "temporisation"). A delay rather than a lock: anyone at the shared PC could otherwise lock the
  manager out, and a locked last manager would leave nobody to unlock the clinic.
- a short PIN (4 to 8 digits), allowed only because the profile locks after PIN_MAX_FAILURES wrong
  attempts until a manager unlocks it. Managers must use a password, for the same reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import timedelta

from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Role


PIN_MAX_FAILURES = 3


PASSWORD_FREE_FAILURES = 10


PASSWORD_FIRST_DELAY = timedelta(seconds=30)


PASSWORD_MAX_DELAY = timedelta(minutes=15)


PASSWORD_MIN_LENGTH = 12


PASSPHRASE_MIN_WORDS, PASSPHRASE_MIN_LETTERS, PASSPHRASE_MIN_DISTINCT = 7, 3, 5


LONG_PASSWORD_MIN_DISTINCT = 8


PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")


_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


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


def manager_password_rule() -> str:
    """What a manager's password must be: the same words in the setup's advice and its refusal."""
    return tr("A manager signs in with a password of at least 12 characters mixing upper case, lower case, digits "
              "and symbols (or 14 characters of three kinds, 20 characters with at least 8 different ones of two "
              "kinds other than spaces, or a passphrase of 7 words of 3 letters or more, at least 5 of them "
              "different); a PIN is not allowed for a manager.")


def secret_kind_for(secret: str, role: Role) -> str:
    """secret_kind(), refusing a PIN for a manager: a locked manager could leave nobody to unlock."""
    try:
        kind = secret_kind(secret)
    except WeakSecret:
        if Role(role) is Role.MANAGER:  # never advise a PIN to someone who may not use one
            raise WeakSecret(manager_password_rule()) from None
        raise
    if kind == "pin" and Role(role) is Role.MANAGER:
        raise WeakSecret(tr("A manager must use a password, not a PIN: a locked PIN could leave nobody able "
                            "to unlock the profiles."))
    return kind


@dataclass(frozen=True)
class PreparedSecret:
    """A new secret already checked and hashed: the slow part, done off the UI thread."""

    kind: str
    secret_hash: str


def prepare_secret(secret: str, role: Role | str, pepper: bytes | None = None) -> PreparedSecret:
    """Check a new secret against the role's rules and hash it (pure; about a tenth of a second)."""
    return PreparedSecret(secret_kind_for(secret, Role(role)), hash_secret(secret, pepper))


def Scrypt(**parameters):  # stands for cryptography's class
    """cryptography's Scrypt, imported when a secret is really hashed: a command that only reads
    never pays for cryptography's bindings."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt as scrypt

    return scrypt(**parameters)


def load_hashing() -> None:
    """Import the hash's library now (cryptography's scrypt and its bindings: 20 to 50 ms), so that
    the first check after the user types does not (People.prepare_sign_in)."""
    from cryptography.hazmat.primitives.kdf import scrypt  # noqa: F401


# A four-digit PIN falls to an offline search in minutes whatever the hash's cost, so a hash is made
# useless without the clinic key: the secret is first keyed with a pepper derived from that key
# (keys.secret_pepper, never stored), then salted and stretched with scrypt. Hashes made before
# the pepper ("scrypt$...") still check, and are replaced by a peppered one at the next sign-in.
PEPPERED = "scrypt-pepper"


def _keyed(secret: str, pepper: bytes | None) -> bytes:
    if pepper is None:
        return secret.encode()
    return hmac.new(pepper, secret.encode(), hashlib.sha256).digest()


def hash_secret(secret: str, pepper: bytes | None = None) -> str:
    salt = os.urandom(16)
    digest = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(_keyed(secret, pepper))
    return "{}${}${}${}${}${}".format(
        PEPPERED if pepper is not None else "scrypt", _SCRYPT_N, _SCRYPT_R, _SCRYPT_P,
        base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def is_peppered(stored: str) -> bool:
    return stored.startswith(PEPPERED + "$")


def derive_digest(secret: str, stored: str, pepper: bytes | None = None) -> bytes | None:
    """The digest `secret` gives with the stored hash's salt and parameters (None: unreadable hash,
    or a peppered hash and no pepper)."""
    try:
        scheme, n, r, p, salt, _digest = stored.split("$")
        if scheme == PEPPERED:
            if pepper is None:
                return None
            material = _keyed(secret, pepper)
        elif scheme == "scrypt":
            material = secret.encode()
        else:
            return None
        return Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(material)
    except (ValueError, TypeError):
        return None


def digest_matches(digest: bytes | None, stored: str) -> bool:
    if digest is None:
        return False
    try:
        return hmac.compare_digest(digest, base64.b64decode(stored.split("$")[5]))
    except (ValueError, TypeError, IndexError):
        return False


def check_secret(secret: str, stored: str, pepper: bytes | None = None) -> bool:
    return digest_matches(derive_digest(secret, stored, pepper), stored)


def password_delay(failures: int) -> timedelta | None:
    """How long a password profile must wait after `failures` wrong attempts in a row (None: no wait)."""
    if failures < PASSWORD_FREE_FAILURES:
        return None
    delay = PASSWORD_FIRST_DELAY * (2 ** min(failures - PASSWORD_FREE_FAILURES, 10))
    return min(delay, PASSWORD_MAX_DELAY)
