"""The evidence vault (see service.py): the names its callers use."""

from clinicguard.core.vault.errors import EvidenceDamaged, EvidenceMissing, OperationCancelled, VaultError
from clinicguard.core.vault.names import safe_file_name
from clinicguard.core.vault.scratch import PrivateTemp, remove_stale_open_folders
from clinicguard.core.vault.service import StagedBlob, Vault
from clinicguard.core.vault.stream import Cancelled, Progress

__all__ = [
    "Cancelled", "EvidenceDamaged", "EvidenceMissing", "OperationCancelled", "PrivateTemp", "Progress", "StagedBlob",
    "Vault", "VaultError", "remove_stale_open_folders", "safe_file_name",
]
