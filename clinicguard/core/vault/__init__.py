"""The evidence vault (see service.py): the names its callers use."""

from clinicguard.core.vault.errors import EvidenceDamaged, EvidenceMissing, OperationCancelled, VaultError
from clinicguard.core.vault.names import safe_file_name
from clinicguard.core.vault.scratch import PrivateTemp
from clinicguard.core.vault.service import StagedBlob, Vault

__all__ = [
    "EvidenceDamaged", "EvidenceMissing", "OperationCancelled", "PrivateTemp", "StagedBlob", "Vault", "VaultError",
    "safe_file_name",
]
