"""Evidence records: what a file proves, for which recommendations and actions, and until when;
what a verification or a start-up check of the vault found. Plain data and the rules that need no
storage (expiry); the encrypted bytes live in the vault (core/vault/).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from clinicguard.i18n import tr, trn

# Evidence expiring within this many days is flagged on the dashboard, in the list and in `status`.
EXPIRY_WARNING_DAYS = 60


class ExpiryState(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            ExpiryState.VALID: tr("Valid"),
            ExpiryState.EXPIRING: tr("Expires soon"),
            ExpiryState.EXPIRED: tr("Expired"),
        }[self]


@dataclass(frozen=True)
class Evidence:
    id: int
    blob: str
    title: str
    description: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    added_by: int | None
    added_by_name: str
    added_at: str
    valid_from: str
    expires_on: str | None
    items: tuple[str, ...] = field(default=())
    actions: tuple[int, ...] = field(default=())

    def expiry_state(self, today: date | None = None) -> ExpiryState:
        if not self.expires_on:
            return ExpiryState.VALID
        today = today or date.today()
        expires = date.fromisoformat(self.expires_on)
        if expires < today:
            return ExpiryState.EXPIRED
        if expires <= today + timedelta(days=EXPIRY_WARNING_DAYS):
            return ExpiryState.EXPIRING
        return ExpiryState.VALID

    def public(self) -> dict:
        """The fields an audit entry records (the blob's random name says nothing to a reader)."""
        values = asdict(self)
        values["items"] = list(self.items)
        values["actions"] = list(self.actions)
        return values


class Integrity(StrEnum):
    INTACT = "intact"
    DAMAGED = "damaged"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return {
            Integrity.INTACT: tr("Intact"),
            Integrity.DAMAGED: tr("Damaged"),
            Integrity.MISSING: tr("Missing"),
        }[self]


@dataclass(frozen=True)
class VerifiedFile:
    evidence: Evidence
    state: Integrity


@dataclass(frozen=True)
class VerifyReport:
    files: tuple[VerifiedFile, ...]
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(f.state is Integrity.INTACT for f in self.files)

    def with_state(self, state: Integrity) -> list[Evidence]:
        return [f.evidence for f in self.files if f.state is state]


@dataclass(frozen=True)
class StartupReport:
    """What the vault found when it was opened; the user is told about every missing file."""

    parts_removed: tuple[str, ...] = ()
    quarantined: tuple[str, ...] = ()
    missing: tuple[Evidence, ...] = ()
    database_ok: bool = True

    @property
    def needs_attention(self) -> bool:
        return bool(self.quarantined or self.missing or not self.database_ok)

    def messages(self) -> list[str]:
        lines = []
        if not self.database_ok:
            lines.append(tr("The database check found a problem: restore a backup or contact support."))
        for ev in self.missing:
            lines.append(tr("The file of the evidence {id} ({name}) is missing from the vault: restore a backup.",
                            id=ev.id, name=ev.original_name))
        if self.quarantined:
            lines.append(trn("{n} file of the vault had no record and was moved to the quarantine folder.",
                             "{n} files of the vault had no record and were moved to the quarantine folder.",
                             len(self.quarantined)))
        return lines
