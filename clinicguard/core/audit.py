"""The tamper-evident audit trail: who changed what, when, with the values before and after.

Each entry is written in the same transaction as the change it records. Entries form a hash
chain (each entry's hash covers its content and the previous entry's hash) and carry an HMAC of
that hash whose key is derived from the clinic key, never stored in the database. So editing,
deleting, inserting or reordering entries breaks the chain or the MAC, and `verify` names the
first bad entry and says what happened to it.

What a chain cannot show on its own is that its last entries were removed. A MACed copy of the
head (number of entries and last hash) is therefore kept outside the database, in
`audit-head.json` next to it: written when the clinic is created, moved forward after each
committed change, and printed in exports. Deleting that file does not hide a truncation: on a
trail with entries, a missing head file makes `verify` fail, and ClinicGuard never writes a new
one (only the first save after the very first entry, at the clinic's creation, creates the file).
Limits, stated honestly: someone who can write the data folder can replace that file with an
older copy of it (a backup), and removing the entries written since then goes unnoticed except
against a head kept elsewhere (an export sent to the accountant, a backup manifest):
`verify(expected_head=...)` checks against such a copy. A head file lost by accident (a
database copied without it) cannot be told from a deleted one, so `verify` fails then too. The MAC key is on the same PC (keyring or passphrase file), so the
trail proves integrity against edits of the database file, not against someone who holds the
clinic key and writes a program to forge entries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinicguard.core.clock import utc_now
from clinicguard.model.audit import GENESIS, AuditEntry, Head, Verification
from clinicguard.store.audit_store import AuditStore
from clinicguard.core.fsutil import atomic_write_bytes
from clinicguard.model.people import Actor
from clinicguard.i18n import tr

HEAD_FILE = "audit-head.json"
HEAD_FORMAT = "clinicguard-audit-head/1"
# Keys that must never reach the trail (CNIL: never log passwords).
_FORBIDDEN_KEYS = frozenset({"secret", "secret_hash", "password", "pin", "passphrase"})


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict) and _FORBIDDEN_KEYS & set(value):
        raise ValueError(f"secrets must not be recorded in the audit trail: {_FORBIDDEN_KEYS & set(value)}")
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(row: dict) -> str:
    # The row id is left out on purpose: the chain alone fixes each entry's place, so an entry
    # moved or renumbered still proves it is genuine and the verifier can say "moved", not "edited".
    material = json.dumps(
        ["v1", row["ts"], row["actor_id"], row["actor_name"], row["kind"], row["object_type"],
         row["object_id"], row["before"], row["after"], row["prev_hash"]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


class AuditTrail:
    def __init__(self, store: AuditStore, mac_key: bytes | Callable[[], bytes], head_path: Path | None = None):
        """`mac_key` may be a function: reading and searching the trail then never needs the clinic
        key (which may sit behind a slow passphrase); writing and verifying ask for it."""
        self._store = store
        self._key_source = mac_key
        self._key_value: bytes | None = mac_key if isinstance(mac_key, bytes) else None
        self.head_path = Path(head_path) if head_path else None
        self._started_trail = False  # wrote entry 1 and has not saved the head yet: may create the file

    @property
    def _key(self) -> bytes:
        if self._key_value is None:
            self._key_value = self._key_source()
        return self._key_value

    def _mac(self, entry_hash: str) -> str:
        return hmac.new(self._key, entry_hash.encode(), hashlib.sha256).hexdigest()

    def _head_mac(self, head: Head) -> str:
        return hmac.new(self._key, f"{HEAD_FORMAT}:{head.text}".encode(), hashlib.sha256).hexdigest()

    # ---- writing -------------------------------------------------------------------------------
    def record(
        self,
        actor: Actor | None,
        kind: str,
        object_type: str,
        object_id: str | int,
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Append one entry. Call inside the db.atomic() block of the change it records."""
        last = self._store.last()
        row = {
            "id": (last[0] + 1) if last else 1,
            "ts": utc_now(),
            "actor_id": actor.id if actor else None,
            "actor_name": actor.name if actor else "ClinicGuard",
            "kind": kind,
            "object_type": object_type,
            "object_id": str(object_id),
            "before": _canonical(before),
            "after": _canonical(after),
            "prev_hash": last[1] if last else GENESIS,
        }
        row["hash"] = entry_hash(row)
        row["mac"] = self._mac(row["hash"])
        self._store.append(row)
        if last is None:
            self._started_trail = True
        return row["id"]

    # ---- the head and its copy outside the database ---------------------------------------------
    def head(self) -> tuple[int, str]:
        """(number of entries, hash of the last one): keep a copy elsewhere to detect truncation."""
        head = self._store.head()
        return head.count, head.hash

    def stored_head(self) -> Head:
        """The head as the database has it; needs no key (for status displays, not for proof)."""
        return self._store.head()

    def head_text(self) -> str:
        return Head(*self.head()).text

    def saved_head(self) -> tuple[Head | None, bool]:
        """The head kept in audit-head.json, and whether its MAC is right. (None, True): no file."""
        if self.head_path is None or not self.head_path.exists():
            return None, True
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
            head = Head(int(data["count"]), str(data["hash"]))
            return head, hmac.compare_digest(str(data["mac"]), self._head_mac(head))
        except (ValueError, KeyError, TypeError, OSError):
            return None, False

    def _hash_at(self, position: int) -> str | None:
        return self._store.hash_at(position)

    def save_head(self) -> bool:
        """Copy the current head to audit-head.json. Call after the change's transaction commits.

        The file is only moved forward, and never over a saved head the trail no longer contains:
        that file is the evidence of a truncation and must survive the next change. Nor is a
        missing file written again for a trail with entries: its absence is the evidence then.
        """
        if self.head_path is None or self._store.in_transaction():
            return False
        head = Head(*self.head())
        saved, valid = self.saved_head()
        if saved is not None:
            if not valid or saved.count > head.count or self._hash_at(saved.count) != saved.hash:
                return False
            if saved == head:
                return True
        elif not valid or (head.count and not self._started_trail):
            return False
        payload = {"format": HEAD_FORMAT, "count": head.count, "hash": head.hash, "saved_at": utc_now(),
                   "mac": self._head_mac(head)}
        atomic_write_bytes(self.head_path, (json.dumps(payload, indent=2) + "\n").encode())
        self._started_trail = False  # from now on a missing file means it was removed
        return True

    # ---- verification -------------------------------------------------------------------------------
    def verify(self, expected_head: Head | tuple[int, str] | None = None) -> Verification:
        """Walk the trail from the first entry; name the first entry that is not as it was written.

        Entries are named by their place in the trail (1 = first), which is also the number they
        were written with as long as everything before them is intact. The saved head (the file,
        and `expected_head` from an export or backup) then shows whether entries were removed at
        the end.
        """
        prev_hash, position = GENESIS, 0
        seen: dict[str, int] = {}
        for row in self._store.rows():
            position += 1
            bad = self._classify(row, position, prev_hash, seen)
            if bad is not None:
                kind, problem = bad
                return Verification(False, position - 1, prev_hash, position, problem, kind)
            seen[row["hash"]] = position
            prev_hash = row["hash"]

        count = position
        heads: list[Head] = []
        saved, valid = self.saved_head()
        if not valid:
            return Verification(False, count, prev_hash, None,
                                tr("the saved copy of the trail's head ({file}) was altered", file=HEAD_FILE),
                                "head-altered")
        if saved is not None:
            heads.append(saved)
        if expected_head is not None:
            heads.append(expected_head if isinstance(expected_head, Head) else Head(*expected_head))
        for expected in heads:
            if count < expected.count:
                return Verification(False, count, prev_hash, count + 1,
                                    tr("entries {first} to {last} were deleted (the trail ends before its saved "
                                       "head)", first=count + 1, last=expected.count), "deleted", True)
            if self._hash_at(expected.count) != expected.hash:
                return Verification(False, count, prev_hash, expected.count,
                                    tr("entry {n} is not the one the saved head recorded: the end of the trail "
                                       "was replaced", n=expected.count), "edited", True)
        if saved is None and self.head_path is not None and count:
            # checked after any exported head, which can still name the entries that were removed
            return Verification(False, count, prev_hash, None,
                                tr("the saved copy of the head ({file}) is missing, so the removal of the last "
                                   "entries cannot be ruled out", file=HEAD_FILE), "head-missing", bool(heads))
        return Verification(True, count, prev_hash, head_checked=bool(heads))

    def _classify(self, row: dict, position: int, prev_hash: str, seen: dict[str, int]) -> tuple[str, str] | None:
        if not hmac.compare_digest(str(row["mac"]), self._mac(str(row["hash"]))):
            following = self._store.prev_hash_after(row["id"])
            saved, valid = self.saved_head()
            appended = following is None and saved is not None and valid and saved.count < position
            if (following is not None and following == prev_hash) or appended:
                return "inserted", tr("entry {n} was inserted: ClinicGuard did not write it", n=position)
            return "edited", tr("entry {n} was edited", n=position)
        if entry_hash(row) != row["hash"]:
            return "edited", tr("entry {n} was edited", n=position)
        if row["hash"] in seen:
            return "inserted", tr("entry {n} is a copy of entry {m}: it was inserted", n=position, m=seen[row["hash"]])
        if row["prev_hash"] != prev_hash:
            if self._store.count_with_hash(row["hash"]) > 1:
                return "inserted", tr("entry {n} is a copy of another entry: it was inserted", n=position)
            if self._store.count_with_hash(row["prev_hash"]) or row["prev_hash"] == GENESIS:
                return "moved", tr("entry {n} is not in its place: entries were moved", n=position)
            return "deleted", tr("entry {n} was deleted", n=position)
        if row["id"] != position:
            return "edited", tr("entry {n} was renumbered", n=position)
        return None

    # ---- reading ----------------------------------------------------------------------------------
    def entries(self) -> list[AuditEntry]:
        """Every entry, oldest first."""
        return self._store.search()

    def search(self, *, person: str | None = None, since: str | None = None, until: str | None = None,
               kind: str | None = None, object_type: str | None = None, object_id: str | None = None,
               limit: int | None = None, newest_first: bool = False) -> list[AuditEntry]:
        """Entries filtered as the journal view and the export do.

        `since`/`until` are ISO dates or timestamps (until a date includes that whole day, UTC);
        `kind` matches a whole kind or a family ("person" matches "person.create").
        """
        return self._store.search(person=person, since=since, until=until, kind=kind, object_type=object_type,
                                  object_id=object_id, limit=limit, newest_first=newest_first)

    def last_of_each_kind(self, family: str) -> list[AuditEntry]:
        """The last entry of each kind of a family ("export": "export.budget"...), in journal order."""
        return self._store.last_of_each_kind(family)

    def last_actor_of(self, kind: str) -> str | None:
        """Who made the last entry of `kind` ("session.sign-in": who signed in last)."""
        return self._store.last_actor_of(kind)

    def distinct(self, column: str) -> list[str]:
        """The values present in one column, for the journal's filter lists."""
        return self._store.distinct(column)
