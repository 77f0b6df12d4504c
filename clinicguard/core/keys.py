"""The clinic key and the recovery key.

The clinic key is an age X25519 identity. It lives in the OS credential store (Windows
Credential Manager through `keyring`); where no secure keyring exists it is kept in a
passphrase-protected age file instead, never in plaintext. The recovery key is generated once,
shown once and never stored: only its public recipient is kept, together with a copy of the
clinic identity encrypted to it (the escrow), so that the recovery key alone brings the clinic
key back on a new PC. The audit trail's MAC key is derived from the clinic identity, so it is
never in the database and comes back with the recovery key too.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pyrage

from clinicguard.model.errors import PASSPHRASE_ENV, ClinicGuardError, KeyUnavailable, PassphraseRequired
from clinicguard.core import age_passphrase
from clinicguard.core.fsutil import atomic_write_bytes
from clinicguard.i18n import tr

# Windows-only paths are taken on this flag, which tests set to run them on any system with the
# operating-system call patched at its boundary.
WINDOWS = os.name == "nt"

KEYRING_SERVICE = "ClinicGuard"
KEYS_DIR = "keys"
CLINIC_RECIPIENT = "clinic.recipient"
RECOVERY_RECIPIENT = "recovery.recipient"
ESCROW = "clinic-identity.recovery.age"
PASSPHRASE_FILE = "clinic-identity.passphrase.age"


class NoKeyringEntry(KeyUnavailable):
    """The keyring works but holds no clinic key (new Windows profile, reinstalled PC)."""


class KeyFileMissing(KeyUnavailable):
    """No credential store protects the key on this PC and its passphrase file is not in the folder
    (deleted, or a folder copied from a PC that kept the key in its credential store)."""


class WrongPassphrase(KeyUnavailable):
    pass


class WrongRecoveryKey(KeyUnavailable):
    pass


def configure_frozen_keyring() -> None:
    """In a frozen Windows build, name the Credential Manager backend explicitly: PyInstaller
    builds have been seen to find only keyring's "fail" backend."""
    if getattr(sys, "frozen", False) and WINDOWS:
        import keyring
        from keyring.backends.Windows import WinVaultKeyring

        keyring.set_keyring(WinVaultKeyring())


def secure_keyring_available() -> bool:
    """True when `keyring` has a backend that really protects secrets.

    The `fail` and `null` backends store nothing, and `keyrings.alt` backends write plaintext
    or weakly protected files: both are refused, as security.md asks.
    """
    import keyring  # lazily: commands that never touch the key do not pay for its start-up

    backend = keyring.get_keyring()
    backends = getattr(backend, "backends", None) or [backend]
    usable = []
    for b in backends:
        module = type(b).__module__
        if module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")):
            continue
        usable.append(b)
    return bool(usable)


def _username(clinic_uuid: str) -> str:
    return f"clinic-{clinic_uuid}"


@dataclass(frozen=True)
class KeyPaths:
    data_dir: Path

    @property
    def folder(self) -> Path:
        return self.data_dir / KEYS_DIR

    @property
    def clinic_recipient(self) -> Path:
        return self.folder / CLINIC_RECIPIENT

    @property
    def recovery_recipient(self) -> Path:
        return self.folder / RECOVERY_RECIPIENT

    @property
    def escrow(self) -> Path:
        return self.folder / ESCROW

    @property
    def passphrase_file(self) -> Path:
        return self.folder / PASSPHRASE_FILE


PASSPHRASE_MIN_LENGTH = 12


class WeakPassphrase(ClinicGuardError):
    """A new passphrase for the clinic key that is too short to resist guessing."""


def passphrase_problem(passphrase: str) -> str | None:
    """Why a new passphrase is refused, in the user's words (None: it is accepted)."""
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        return tr("The passphrase must have at least {n} characters.", n=PASSPHRASE_MIN_LENGTH)
    return None


def check_new_passphrase(passphrase: str) -> str:
    """The one rule for a new passphrase protecting the clinic key (setup, init, recovery)."""
    problem = passphrase_problem(passphrase)
    if problem:
        raise WeakPassphrase(problem)
    return passphrase


def uses_passphrase(data_dir: Path) -> bool:
    return KeyPaths(data_dir).passphrase_file.exists()


def _store_identity(paths: KeyPaths, clinic_uuid: str, identity: str, passphrase: str | None) -> None:
    import keyring
    import keyring.errors

    if passphrase is None and secure_keyring_available():
        try:
            keyring.set_password(KEYRING_SERVICE, _username(clinic_uuid), identity)
            if keyring.get_password(KEYRING_SERVICE, _username(clinic_uuid)) == identity:  # really kept
                return
        except keyring.errors.KeyringError:
            pass
    if not passphrase:
        raise PassphraseRequired(
            tr("No secure credential store is available on this computer: choose a passphrase to protect "
               "the clinic key.")
        )
    check_new_passphrase(passphrase)
    # a standard age file, with the fixed work factor documented in age_passphrase.py
    atomic_write_bytes(paths.passphrase_file, age_passphrase.encrypt(identity.encode(), passphrase))


def store_identity(data_dir: Path, clinic_uuid: str, identity: str, passphrase: str | None = None) -> None:
    """Keep a clinic identity on this PC (keyring, or the passphrase file): a restored backup."""
    _store_identity(KeyPaths(data_dir), clinic_uuid, identity, passphrase)


def create_keys(data_dir: Path, clinic_uuid: str, passphrase: str | None = None) -> tuple[str, pyrage.x25519.Identity]:
    """Make the clinic key and the recovery key; return the recovery identity (to show once) and
    the clinic identity (so that it need not be read back through a slow passphrase)."""
    paths = KeyPaths(data_dir)
    paths.folder.mkdir(parents=True, exist_ok=True)
    clinic = pyrage.x25519.Identity.generate()
    recovery = pyrage.x25519.Identity.generate()
    _store_identity(paths, clinic_uuid, str(clinic), passphrase)
    atomic_write_bytes(paths.clinic_recipient, str(clinic.to_public()).encode() + b"\n")
    atomic_write_bytes(paths.recovery_recipient, str(recovery.to_public()).encode() + b"\n")
    atomic_write_bytes(paths.escrow, pyrage.encrypt(str(clinic).encode(), [recovery.to_public()]))
    return str(recovery), clinic


def recipients(data_dir: Path) -> list[pyrage.x25519.Recipient]:
    """The two recipients every blob is encrypted to: the clinic key and the recovery key."""
    paths = KeyPaths(data_dir)
    return [
        pyrage.x25519.Recipient.from_str(paths.clinic_recipient.read_text().strip()),
        pyrage.x25519.Recipient.from_str(paths.recovery_recipient.read_text().strip()),
    ]


def load_identity(data_dir: Path, clinic_uuid: str, passphrase: str | None = None) -> pyrage.x25519.Identity:
    """Read the clinic identity from the keyring or the passphrase file."""
    import keyring
    import keyring.errors

    paths = KeyPaths(data_dir)
    if paths.passphrase_file.exists():
        passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
        if not passphrase:
            raise PassphraseRequired(
                tr("The clinic key is protected by a passphrase: enter it.")
            )
        try:
            secret = pyrage.passphrase.decrypt(paths.passphrase_file.read_bytes(), passphrase).decode()
        except pyrage.DecryptError:
            raise WrongPassphrase(tr("The passphrase is wrong: the clinic key could not be unlocked.")) from None
    else:
        if not secure_keyring_available():
            if paths.escrow.exists():
                raise KeyFileMissing(tr(
                    "The clinic key is not on this computer: its passphrase-protected file ({file}) is "
                    "missing from the clinic's folder, and there is no secure credential store here. Enter "
                    "the recovery key to restore it, then choose a new passphrase.", file=paths.passphrase_file))
            raise KeyUnavailable(
                tr("No secure credential store is available on this computer to read the clinic key.")
            )
        try:
            secret = keyring.get_password(KEYRING_SERVICE, _username(clinic_uuid))
        except keyring.errors.KeyringError as exc:
            raise KeyUnavailable(tr("The credential store could not be read: {error}", error=exc)) from None
        if not secret:
            raise NoKeyringEntry(
                tr(
                    "The clinic key is not in this computer's credential store (new Windows profile or "
                    "reinstalled PC?). Enter the recovery key to restore it."
                )
            )
    identity = pyrage.x25519.Identity.from_str(secret)
    if str(identity.to_public()) != paths.clinic_recipient.read_text().strip():
        raise KeyUnavailable(tr("The clinic key found does not belong to this clinic."))
    return identity


def check_recovery_key(data_dir: Path, recovery_secret: str) -> pyrage.x25519.Identity:
    """The recovery key typed, if it is this clinic's (checked before anything else is asked)."""
    try:
        recovery = pyrage.x25519.Identity.from_str(recovery_secret.strip())
    except Exception:  # noqa: BLE001 (pyrage raises several kinds for a malformed key)
        if recovery_secret.strip().upper().startswith("AGE-SECRET-KEY-1"):  # a key, mistyped: its checksum fails
            raise WrongRecoveryKey(tr("This recovery key has a typing mistake: check each character against the "
                                      "printed sheet (the key has 74 characters).")) from None
        raise WrongRecoveryKey(tr("This is not a recovery key: it must start with AGE-SECRET-KEY-1.")) from None
    if str(recovery.to_public()) != KeyPaths(data_dir).recovery_recipient.read_text().strip():
        raise WrongRecoveryKey(tr("This recovery key does not belong to this clinic."))
    return recovery


def recover(data_dir: Path, clinic_uuid: str, recovery_secret: str, passphrase: str | None = None) -> pyrage.x25519.Identity:
    """Check the recovery key, restore the clinic key from the escrow, and store it again."""
    paths = KeyPaths(data_dir)
    recovery = check_recovery_key(data_dir, recovery_secret)
    try:
        secret = pyrage.decrypt(paths.escrow.read_bytes(), [recovery]).decode()
    except (pyrage.DecryptError, OSError):
        raise WrongRecoveryKey(tr("The stored copy of the clinic key is damaged; restore a backup.")) from None
    if paths.passphrase_file.exists() and passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    if paths.passphrase_file.exists() and not passphrase:
        raise PassphraseRequired(tr("Choose a new passphrase to protect the clinic key."))
    _store_identity(paths, clinic_uuid, secret, passphrase)
    return pyrage.x25519.Identity.from_str(secret)


def _derived_key(identity: pyrage.x25519.Identity, info: bytes) -> bytes:
    """A 32-byte key derived from the clinic identity for one purpose (HKDF-SHA256)."""
    # Imported here: cryptography's bindings cost about 20 ms, which commands that only read pay otherwise.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(str(identity).encode())


def audit_mac_key(identity: pyrage.x25519.Identity) -> bytes:
    """The audit trail's HMAC key, derived from the clinic identity (never stored)."""
    return _derived_key(identity, b"clinicguard audit mac v1")


def secret_pepper(identity: pyrage.x25519.Identity) -> bytes:
    """The key mixed into every password and PIN hash (core/secrets.py), derived from the clinic
    identity and never stored: a copied database gives no offline guess without the clinic key."""
    return _derived_key(identity, b"clinicguard secret pepper v1")


class ClinicKeys:
    """The clinic key of one clinic folder, read from the keyring or the passphrase file the first
    time a change or a decryption needs it (reading the trail or the checklist never does)."""

    def __init__(self, data_dir: Path, clinic_uuid: str, passphrase: str | None = None,
                 identity: pyrage.x25519.Identity | None = None):
        self.data_dir = Path(data_dir)
        self._uuid = clinic_uuid
        self._passphrase = passphrase
        self._identity = identity
        # The window unlocks the passphrase file on a worker while the sign-in dialog is shown: a
        # reader on the UI thread (the sign-in's audit entry) waits for it instead of unlocking twice.
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._identity is not None

    @property
    def identity(self) -> pyrage.x25519.Identity:
        with self._lock:
            if self._identity is None:
                self._identity = load_identity(self.data_dir, self._uuid, self._passphrase)
            return self._identity

    def unlock(self, passphrase: str | None = None) -> None:
        """Read the clinic key now (raises KeyUnavailable with a clear message if it cannot).
        A passphrase that does not open the file is not kept."""
        with self._lock:
            if self._identity is None:
                chosen = passphrase if passphrase is not None else self._passphrase
                self._identity = load_identity(self.data_dir, self._uuid, chosen)
            if passphrase is not None:
                self._passphrase = passphrase

    def recover(self, recovery_secret: str, passphrase: str | None = None) -> None:
        """Bring the clinic key back with the recovery key (lost keyring entry, new PC)."""
        self._identity = recover(self.data_dir, self._uuid, recovery_secret, passphrase)
        if passphrase is not None:
            self._passphrase = passphrase

    def audit_mac_key(self) -> bytes:
        return audit_mac_key(self.identity)

    def secret_pepper(self) -> bytes:
        return secret_pepper(self.identity)
