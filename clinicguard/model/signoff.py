"""Practitioners' confirmations that a recommendation is applied, and the manager's requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from clinicguard.model.people import Person


COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class SignOff:
    item_id: str
    person_id: int
    person_name: str
    signed_at: str
    comment: str
    catalogue_version: str

    def public(self) -> dict:
        return {"person": self.person_name, "signed_at": self.signed_at, "comment": self.comment}


@dataclass(frozen=True)
class SignOffRequest:
    item_id: str
    requested_at: str
    requested_by: int | None
    requested_by_name: str
    note: str

    def public(self) -> dict:
        return {"requested_at": self.requested_at, "requested_by": self.requested_by_name, "note": self.note}


@dataclass(frozen=True)
class ItemSignOffs:
    """Where one recommendation stands: who has confirmed, whose confirmation predates the
    latest request, and which active practitioners have not confirmed."""

    item_id: str
    request: SignOffRequest | None
    confirmed: list[SignOff] = field(default_factory=list)
    outdated: list[SignOff] = field(default_factory=list)
    missing: list[Person] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing
