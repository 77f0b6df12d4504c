"""Errors a clinic manager can act on: raised by the core, shown by the GUI, printed by the CLI."""


class ClinicGuardError(Exception):
    """A problem the user can understand and act on; its message is already translated."""


class CatalogueError(ClinicGuardError):
    pass


class DatabaseError(ClinicGuardError):
    pass


class NewerDatabaseError(DatabaseError):
    pass


class PermissionDenied(ClinicGuardError):
    pass


class NotFound(ClinicGuardError):
    pass


class InvalidValue(ClinicGuardError):
    """A value typed by the user (amount, rate, date, year) that cannot be read."""


class KeyUnavailable(ClinicGuardError):
    """The clinic key cannot be read: no keyring entry, no passphrase, or a wrong one."""


# Where an unattended command reads the passphrase of a clinic key kept in a passphrase file
# (core/keys.py); the CLI names it when one is missing.
PASSPHRASE_ENV = "CLINICGUARD_PASSPHRASE"


class PassphraseRequired(KeyUnavailable):
    """The clinic key is in a passphrase file and no passphrase was given (core/keys.py)."""
