"""Rows of the registers' tables (processing activities, processors, incidents, training sessions and
their attendees, the IT charter's versions and acknowledgements) and their links to the evidence vault."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from clinicguard.model.registers import (
    Acknowledgement,
    Attendee,
    CharterVersion,
    EvidenceLink,
    Incident,
    ProcessingActivity,
    Processor,
    RegisterKind,
    TrainingSession,
)

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_TABLES: dict[RegisterKind, tuple[str, type]] = {
    RegisterKind.PROCESSING: ("processing_activity", ProcessingActivity),
    RegisterKind.PROCESSOR: ("processor", Processor),
    RegisterKind.INCIDENT: ("incident", Incident),
    RegisterKind.TRAINING: ("training_session", TrainingSession),
}
_JSON = {"item_ids", "clauses", "action_ids"}
_BOOL = {"hosts_health_data", "is_breach", "ars_required"}
_NOT_COLUMNS = {"id", "evidence", "attendees"}


def _columns(cls: type) -> list[str]:
    return [f.name for f in fields(cls) if f.name not in _NOT_COLUMNS]


def _to_row(record: Any) -> dict:
    row = {}
    for name in _columns(type(record)):
        value = getattr(record, name)
        if name in _JSON:
            value = json.dumps(list(value))
        elif name in _BOOL:
            value = int(bool(value))
        row[name] = value
    return row


def _from_row(cls: type, names: list[str], row: tuple) -> Any:
    values = dict(zip(names, row))
    for name in _JSON & set(values):
        values[name] = tuple(json.loads(values[name] or "[]"))
    for name in _BOOL & set(values):
        values[name] = bool(values[name])
    return cls(**values)


class RegisterStore:
    def __init__(self, db: Database):
        self._db = db

    # ---- records of any register
    def _select(self, kind: RegisterKind, where: str = "", params: list | None = None) -> list:
        table, cls = _TABLES[kind]
        names = ["id", *_columns(cls)]
        sql = f"SELECT {', '.join(names)} FROM {table} {where} ORDER BY id"
        records = [_from_row(cls, names, row) for row in self._db.execute(sql, params or [])]
        if not records:
            return records
        links = self._links(kind, [r.id for r in records])
        attendees = self._attendees([r.id for r in records]) if kind is RegisterKind.TRAINING else {}
        result = []
        for record in records:
            extra: dict[str, Any] = {"evidence": tuple(links.get(record.id, ()))}
            if kind is RegisterKind.TRAINING:
                extra["attendees"] = tuple(attendees.get(record.id, ()))
            result.append(replace(record, **extra))
        return result

    def all(self, kind: RegisterKind) -> list:
        return self._select(kind)

    def get(self, kind: RegisterKind, record_id: int):
        found = self._select(kind, "WHERE id = ?", [record_id])
        return found[0] if found else None

    def count(self, kind: RegisterKind) -> int:
        return self._db.execute(f"SELECT count(*) FROM {_TABLES[kind][0]}").fetchone()[0]

    def insert(self, record: Any) -> int:
        kind = self._kind_of(record)
        row = _to_row(record)
        cursor = self._db.execute(
            f"INSERT INTO {_TABLES[kind][0]} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()))
        record_id = cursor.lastrowid
        self._save_details(kind, record_id, record)
        return record_id

    def update(self, record: Any) -> None:
        kind = self._kind_of(record)
        row = _to_row(record)
        self._db.execute(f"UPDATE {_TABLES[kind][0]} SET {', '.join(f'{k} = ?' for k in row)} WHERE id = ?",
                         [*row.values(), record.id])
        self._save_details(kind, record.id, record)

    def delete(self, kind: RegisterKind, record_id: int) -> None:
        self._db.execute("DELETE FROM register_evidence WHERE kind = ? AND record_id = ?", [kind.value, record_id])
        self._db.execute(f"DELETE FROM {_TABLES[kind][0]} WHERE id = ?", [record_id])

    @staticmethod
    def _kind_of(record: Any) -> RegisterKind:
        for kind, (_table, cls) in _TABLES.items():
            if isinstance(record, cls):
                return kind
        raise TypeError(f"not a register record: {record!r}")

    def _save_details(self, kind: RegisterKind, record_id: int, record: Any) -> None:
        self._db.execute("DELETE FROM register_evidence WHERE kind = ? AND record_id = ?", [kind.value, record_id])
        for link in record.evidence:
            self._db.execute("INSERT OR IGNORE INTO register_evidence (kind, record_id, evidence_id, role) "
                             "VALUES (?, ?, ?, ?)", [kind.value, record_id, link.evidence_id, link.role])
        if kind is RegisterKind.TRAINING:
            self._db.execute("DELETE FROM training_attendee WHERE session_id = ?", [record_id])
            for position, attendee in enumerate(record.attendees):
                self._db.execute("INSERT INTO training_attendee (session_id, position, name, person_id) "
                                 "VALUES (?, ?, ?, ?)", [record_id, position, attendee.name, attendee.person_id])

    def _links(self, kind: RegisterKind, ids: list[int]) -> dict[int, list[EvidenceLink]]:
        marks = ", ".join("?" for _ in ids)
        rows = self._db.execute(
            "SELECT l.record_id, l.evidence_id, l.role, e.title FROM register_evidence l "
            f"JOIN evidence e ON e.id = l.evidence_id WHERE l.kind = ? AND l.record_id IN ({marks}) "
            "ORDER BY l.record_id, l.role, l.evidence_id", [kind.value, *ids])
        result: dict[int, list[EvidenceLink]] = {}
        for record_id, evidence_id, role, title in rows:
            result.setdefault(record_id, []).append(EvidenceLink(evidence_id, role, title))
        return result

    def _attendees(self, ids: list[int]) -> dict[int, list[Attendee]]:
        marks = ", ".join("?" for _ in ids)
        rows = self._db.execute(f"SELECT session_id, name, person_id FROM training_attendee WHERE session_id IN ({marks}) "
                                "ORDER BY session_id, position", ids)
        result: dict[int, list[Attendee]] = {}
        for session_id, name, person_id in rows:
            result.setdefault(session_id, []).append(Attendee(name, person_id))
        return result

    # ---- what the dashboard asks
    def last_training_by_person(self) -> dict[int, str]:
        """The date of each profile's latest training session."""
        rows = self._db.execute("SELECT a.person_id, max(s.held_on) FROM training_attendee a "
                                "JOIN training_session s ON s.id = a.session_id "
                                "WHERE a.person_id IS NOT NULL GROUP BY a.person_id")
        return {person_id: held_on for person_id, held_on in rows}

    def evidence_exists(self, evidence_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM evidence WHERE id = ?", [evidence_id]).fetchone() is not None

    def action_exists(self, action_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM action WHERE id = ?", [action_id]).fetchone() is not None

    # ---- the IT charter
    def charter_versions(self) -> list[CharterVersion]:
        """Every version, the latest adopted first, with who acknowledged it."""
        acks: dict[int, list[Acknowledgement]] = {}
        for version_id, *row in self._db.execute(
                "SELECT version_id, name, person_id, acknowledged_on, how, evidence_id FROM charter_acknowledgement "
                "ORDER BY acknowledged_on, name COLLATE NOCASE"):
            acks.setdefault(version_id, []).append(Acknowledgement(*row))
        rows = self._db.execute("SELECT id, version, adopted_on, notes, evidence_id, created_at FROM charter_version "
                                "ORDER BY adopted_on DESC, id DESC")
        return [CharterVersion(*row, acknowledgements=tuple(acks.get(row[0], ()))) for row in rows]

    def insert_charter_version(self, version: CharterVersion) -> int:
        return self._db.execute(
            "INSERT INTO charter_version (version, adopted_on, notes, evidence_id, created_at) VALUES (?, ?, ?, ?, ?)",
            [version.version, version.adopted_on, version.notes, version.evidence_id, version.created_at]).lastrowid

    def charter_version_exists(self, version: str) -> bool:
        return self._db.execute("SELECT 1 FROM charter_version WHERE version = ?", [version]).fetchone() is not None

    def save_acknowledgement(self, version_id: int, ack: Acknowledgement, recorded_at: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO charter_acknowledgement (version_id, name, person_id, acknowledged_on, how, "
            "evidence_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [version_id, ack.name, ack.person_id, ack.acknowledged_on, ack.how, ack.evidence_id, recorded_at])
