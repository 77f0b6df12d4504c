"""The tamper-evident audit trail: who changed what, when, with the values before and after.

Each entry is written in the same transaction as the change it records. Entries form a hash
chain (each hashes its content and the previous entry's hash) and carry an HMAC whose key is
derived from the clinic key, never stored in the database. Editing, deleting, inserting or
reordering entries breaks the chain or the MAC, and `verify` names the first bad entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from clinicguard.core.people import Actor
from clinicguard.i18n import tr

GENESIS = "0" * 64


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _entry_hash(row: dict) -> str:
    material = json.dumps(
        [
            row["id"], row["ts"], row["actor_id"], row["actor_name"], row["kind"], row["object_type"],
            row["object_id"], row["before"], row["after"], row["prev_hash"],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


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
class Verification:
    ok: bool
    count: int
    head: str
    bad_entry: int | None = None
    problem: str = ""


class AuditTrail:
    def __init__(self, db: Database, mac_key: bytes):
        self._db = db
        self._key = mac_key

    def _mac(self, entry_hash: str) -> str:
        return hmac.new(self._key, entry_hash.encode(), hashlib.sha256).hexdigest()

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
        last = self._db.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
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
        row["hash"] = _entry_hash(row)
        row["mac"] = self._mac(row["hash"])
        self._db["audit_entry"].insert(row)
        return row["id"]

    def head(self) -> tuple[int, str]:
        """(number of entries, hash of the last one): keep a copy elsewhere to detect truncation."""
        last = self._db.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        return (last[0], last[1]) if last else (0, GENESIS)

    def verify(self, expected_head: tuple[int, str] | None = None) -> Verification:
        prev_hash, expected_id, count = GENESIS, 1, 0
        cursor = self._db.execute(
            "SELECT id, ts, actor_id, actor_name, kind, object_type, object_id, before, after, prev_hash, hash, mac "
            "FROM audit_entry ORDER BY id"
        )
        columns = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(columns, values))
            count += 1
            entry = row["id"]
            if entry != expected_id:
                if entry > expected_id:
                    return Verification(False, count, prev_hash, expected_id,
                                        tr("entry {n} is missing: it was deleted", n=expected_id))
                return Verification(False, count, prev_hash, entry, tr("entry {n} is out of sequence", n=entry))
            if not hmac.compare_digest(row["mac"], self._mac(row["hash"])):
                return Verification(False, count, prev_hash, entry,
                                    tr("entry {n} was not written by ClinicGuard (inserted or forged)", n=entry))
            if _entry_hash(row) != row["hash"]:
                return Verification(False, count, prev_hash, entry, tr("entry {n} was edited", n=entry))
            if row["prev_hash"] != prev_hash:
                return Verification(False, count, prev_hash, entry,
                                    tr("entry {n} does not follow the entry before it (deleted, inserted or moved)", n=entry))
            prev_hash, expected_id = row["hash"], expected_id + 1
        if expected_head is not None and expected_head != (count, prev_hash):
            n = min(count, expected_head[0]) + 1 if count < expected_head[0] else count
            return Verification(False, count, prev_hash, n,
                                tr("the trail does not end where the saved head says: entries after {n} were removed",
                                   n=count) if count < expected_head[0] else tr("the trail's head differs from the saved head"))
        return Verification(True, count, prev_hash)

    def entries(self, where: str = "", params: list | None = None, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT id, ts, actor_id, actor_name, kind, object_type, object_id, before, after, hash FROM audit_entry"
        if where:
            sql += " WHERE " + where
        sql += " ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                       json.loads(r[7]) if r[7] else None, json.loads(r[8]) if r[8] else None, r[9])
            for r in self._db.execute(sql, params or [])
        ]
