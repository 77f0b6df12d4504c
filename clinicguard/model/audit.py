"""The audit trail as values: an entry, the head of the chain, and the result of a verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    actor_id: int | None
    actor_name: str
    kind: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    hash: str


@dataclass(frozen=True)
class Head:
    """Where the trail ends: how many entries, and the hash of the last one."""

    count: int
    hash: str

    @property
    def text(self) -> str:
        return f"{self.count}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Head":
        try:
            count, digest = text.strip().split(":")
            if len(digest) != 64 or int(digest, 16) < 0 or int(count) < 0:
                raise ValueError
            return cls(int(count), digest.lower())
        except ValueError:
            raise ClinicGuardError(tr("Unreadable audit head {value!r}: expected NUMBER:HASH.", value=text)) from None


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head: str  # hash of the last good entry
    bad_entry: int | None = None
    problem: str = ""
    kind: str = ""  # edited, deleted, inserted, moved, head-altered, head-missing
    head_checked: bool = False  # False when no saved head could be compared
    note: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            text = tr("The audit trail is intact: {n} entries, head {head}.", n=self.count, head=f"{self.count}:{self.head}")
            return text + (" " + self.note if self.note else "")
        if self.kind == "data-edited":
            return tr("The journal is intact, but the data were changed outside ClinicGuard: {problem}.",
                      problem=self.problem)
        if self.kind == "head-missing":
            return tr("The audit trail cannot be trusted: {problem}.", problem=self.problem)
        return tr("The audit trail has been tampered with: {problem}.", problem=self.problem)
