"""What can go wrong with a file of the vault, in words a clinic manager can act on."""

from __future__ import annotations

from clinicguard.model.errors import ClinicGuardError


class VaultError(ClinicGuardError):
    pass


class EvidenceDamaged(VaultError):
    """The blob does not decrypt to the recorded size and SHA-256 (tampered, truncated, swapped)."""


class EvidenceMissing(VaultError):
    """The record is there, its blob is not."""


class OperationCancelled(VaultError):
    """The user stopped a long encryption, decryption or verification."""
