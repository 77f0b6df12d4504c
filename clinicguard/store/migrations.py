"""The append-only list of schema migrations. Never edit one that has landed: add the next.

Each migration is named mNNN_what; a database that holds a name this list does not know was
written by a newer ClinicGuard and is refused (see store/db.py).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("clinicguard")


def _run(db: Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_foundation(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE clinic (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            uuid TEXT NOT NULL,
            name TEXT NOT NULL,
            structure TEXT NOT NULL,
            fiscal_year_start_month INTEGER NOT NULL DEFAULT 1
                CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
            manager_name TEXT NOT NULL,
            catalogue_version TEXT NOT NULL,
            vat_recoverable INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE person (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('manager', 'practitioner', 'accountant')),
            secret_kind TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
            secret_hash TEXT NOT NULL,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE assessment (
            item_id TEXT PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'not-assessed'
                CHECK (status IN ('not-assessed', 'compliant', 'partial', 'non-compliant', 'not-applicable')),
            comment TEXT NOT NULL DEFAULT '',
            responsible TEXT NOT NULL DEFAULT '',
            last_reviewed TEXT,
            next_review TEXT,
            catalogue_version TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES person(id)
        );
        CREATE TABLE audit_entry (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor_id INTEGER,
            actor_name TEXT NOT NULL,
            kind TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id TEXT NOT NULL,
            before TEXT,
            after TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL
        );
        CREATE INDEX audit_entry_object ON audit_entry(object_type, object_id);
        CREATE INDEX audit_entry_actor ON audit_entry(actor_name);
        """
    )
