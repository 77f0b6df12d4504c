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


def sign_off_overview(requests: dict[str, SignOffRequest], sign_offs: list[SignOff], practitioners: list[Person],
                      item_ids: list[str] | None = None) -> dict[str, ItemSignOffs]:
    """Per item (default: every item with a request or a confirmation): who has confirmed since the
    latest request, whose confirmation is older, and which of `practitioners` (the active ones)
    have not confirmed."""
    by_item: dict[str, list[SignOff]] = {}
    for s in sign_offs:
        by_item.setdefault(s.item_id, []).append(s)
    if item_ids is None:
        item_ids = sorted(set(requests) | set(by_item))
    result = {}
    for item_id in item_ids:
        request = requests.get(item_id)
        signed = by_item.get(item_id, [])
        confirmed = [s for s in signed if request is None or s.signed_at >= request.requested_at]
        outdated = [s for s in signed if s not in confirmed]
        done = {s.person_id for s in confirmed}
        result[item_id] = ItemSignOffs(item_id, request, confirmed, outdated,
                                       [p for p in practitioners if p.id not in done])
    return result
