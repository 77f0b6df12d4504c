"""The append-only list of schema migrations. Never edit one that has landed: add the next.

Each migration is named mNNN_what and registered with `@_migration`; a database that holds a name
this list does not know was written by a newer ClinicGuard and is refused (see store/db.py).
`migrations`, the sqlite-utils set that applies them, is built on first use, so that importing this
list (every store does, through store/db.py) does not import sqlite-utils.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "clinicguard"
_REGISTERED: list[Callable[[Database], None]] = []


def _migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    _REGISTERED.append(fn)
    return fn


def migration_names() -> list[str]:
    """The names of the migrations listed here, in order, read without loading sqlite-utils (a
    reading command checks that a database has exactly these before it reads it)."""
    return [fn.__name__ for fn in _REGISTERED]


def __getattr__(name: str) -> Migrations:
    """`migrations`, sqlite-utils' migration set of the functions below, built when first used:
    importing sqlite-utils costs 60 to 130 ms, which a reading command does not pay (issue 18)."""
    if name != "migrations":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sqlite_utils import Migrations

    built = Migrations(MIGRATION_SET)
    for fn in _REGISTERED:
        built()(fn)
    globals()["migrations"] = built  # built once
    return built


def _run(db: Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@_migration
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


@_migration
def m002_catalogue_versions(db: Database) -> None:
    # A snapshot of every catalogue version the clinic has used, so that an item dropped by a
    # newer catalogue keeps its wording and its answer, read-only; and the record of each upgrade.
    _run(
        db,
        """
        CREATE TABLE catalogue_item (
            version TEXT NOT NULL,
            item_id TEXT NOT NULL,
            item_json TEXT NOT NULL,
            PRIMARY KEY (version, item_id)
        );
        CREATE TABLE catalogue_upgrade (
            id INTEGER PRIMARY KEY,
            from_version TEXT NOT NULL,
            to_version TEXT NOT NULL,
            upgraded_at TEXT NOT NULL,
            added TEXT NOT NULL,
            removed TEXT NOT NULL,
            changed TEXT NOT NULL,
            seen INTEGER NOT NULL DEFAULT 0
        )
        """,
    )


@_migration
def m003_actions_budget(db: Database) -> None:
    # Item ids carry no foreign key: the catalogue is a file, not a table.
    _run(
        db,
        """
        CREATE TABLE action (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            description TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4),
            status TEXT NOT NULL DEFAULT 'todo'
                CHECK (status IN ('todo', 'in-progress', 'on-hold', 'done', 'dropped')),
            start_date TEXT,
            due_date TEXT,
            done_date TEXT,
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (start_date IS NULL OR due_date IS NULL OR due_date >= start_date)
        );
        CREATE INDEX action_due_date ON action(due_date);
        CREATE INDEX action_status ON action(status);
        CREATE TABLE action_item (
            action_id INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL CHECK (length(item_id) > 0),
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (action_id, item_id)
        );
        CREATE INDEX action_item_item ON action_item(item_id);
        CREATE TABLE budget_line (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            label TEXT NOT NULL CHECK (length(trim(label)) > 0),
            supplier TEXT NOT NULL DEFAULT '',
            nature TEXT NOT NULL CHECK (nature IN ('investment', 'running')),
            category TEXT NOT NULL CHECK (category IN
                ('hardware', 'software', 'services', 'training', 'subscriptions', 'insurance', 'other')),
            vat_rate_bp INTEGER NOT NULL CHECK (vat_rate_bp IN (2000, 1000, 550, 0)),
            vat_recoverable INTEGER NOT NULL DEFAULT 0 CHECK (vat_recoverable IN (0, 1)),
            planned_ht INTEGER NOT NULL DEFAULT 0 CHECK (planned_ht >= 0),
            committed_ht INTEGER CHECK (committed_ht IS NULL OR committed_ht >= 0),
            actual_ht INTEGER CHECK (actual_ht IS NULL OR actual_ht >= 0),
            invoice_ref TEXT NOT NULL DEFAULT '',
            invoice_date TEXT,
            expense_date TEXT NOT NULL,
            fiscal_year INTEGER NOT NULL,
            fiscal_year_manual INTEGER NOT NULL DEFAULT 0 CHECK (fiscal_year_manual IN (0, 1)),
            depreciation_years INTEGER CHECK (depreciation_years IS NULL
                OR (nature = 'investment' AND depreciation_years BETWEEN 1 AND 50)),
            recurring INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
            recurring_until INTEGER CHECK (recurring_until IS NULL OR recurring_until >= fiscal_year),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (recurring = 0 OR nature = 'running')
        );
        CREATE INDEX budget_line_action ON budget_line(action_id);
        CREATE INDEX budget_line_fiscal_year ON budget_line(fiscal_year);
        """
    )


@_migration
def m004_evidence(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            blob TEXT NOT NULL UNIQUE CHECK (length(blob) BETWEEN 16 AND 64),
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            description TEXT NOT NULL DEFAULT '',
            original_name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            added_by INTEGER REFERENCES person(id),
            added_by_name TEXT NOT NULL,
            added_at TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            expires_on TEXT,
            CHECK (expires_on IS NULL OR expires_on >= valid_from)
        );
        CREATE INDEX evidence_expires_on ON evidence(expires_on);
        CREATE TABLE evidence_item (
            evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL CHECK (length(item_id) > 0),
            PRIMARY KEY (evidence_id, item_id)
        );
        CREATE INDEX evidence_item_item ON evidence_item(item_id);
        CREATE TABLE evidence_action (
            evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
            action_id INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            PRIMARY KEY (evidence_id, action_id)
        );
        CREATE INDEX evidence_action_action ON evidence_action(action_id);
        """
    )


@_migration
def m005_people_signoff(db: Database) -> None:
    _run(
        db,
        """
        ALTER TABLE person ADD COLUMN locked_until TEXT;
        ALTER TABLE person ADD COLUMN must_change_secret INTEGER NOT NULL DEFAULT 0
            CHECK (must_change_secret IN (0, 1));
        CREATE TABLE sign_off (
            item_id TEXT NOT NULL CHECK (length(item_id) > 0),
            person_id INTEGER NOT NULL REFERENCES person(id),
            signed_at TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            catalogue_version TEXT NOT NULL,
            PRIMARY KEY (item_id, person_id)
        );
        CREATE INDEX sign_off_person ON sign_off(person_id);
        CREATE TABLE sign_off_request (
            item_id TEXT PRIMARY KEY CHECK (length(item_id) > 0),
            requested_at TEXT NOT NULL,
            requested_by INTEGER REFERENCES person(id),
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_entry_kind ON audit_entry(kind);
        CREATE INDEX audit_entry_ts ON audit_entry(ts);
        """
    )
    # The trail is append-only: these stop a program bug from rewriting history. They do not stop
    # someone who edits the file with another tool; the hash chain and MAC are there for that.
    # (Trigger bodies hold semicolons, so they cannot go through _run.)
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_entry_no_{action.lower()} BEFORE {action} ON audit_entry "
            f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
        )


@_migration
def m008_budget_accounting(db: Database) -> None:
    # The Plan comptable général account of a budget line, when it differs from the default of its
    # category and nature (model/accounts.py); NULL: the default.
    _run(
        db,
        """
        ALTER TABLE budget_line ADD COLUMN account TEXT CHECK (account IS NULL OR length(account) BETWEEN 3 AND 10);
        """
    )


# Every VAT rate of French law (metropolitan France, Corsica, the overseas departments), in basis
# points; model/budget.py's VAT_RATES_BP lists the same with its sources.
_VAT_RATES_SQL = "(2000, 1300, 1000, 850, 550, 210, 175, 105, 90, 0)"


@_migration
def m010_budget_invoices(db: Database) -> None:
    # Invoices as printed (typed VAT and TTC, several rates, credit notes, a partial deduction, the
    # supplier's identity, payment date, the invoice file), the depreciation's dates and the service
    # period of a running cost. SQLite cannot relax a CHECK in place (the 2,1 % rate, a negative
    # credit note), so the table is rebuilt; no other table refers to budget_line yet.
    # budget_line_invoice: a recurring line's own invoice in each later fiscal year it runs.
    _run(
        db,
        f"""
        CREATE TABLE budget_line_m010 (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            label TEXT NOT NULL CHECK (length(trim(label)) > 0),
            supplier TEXT NOT NULL DEFAULT '',
            nature TEXT NOT NULL CHECK (nature IN ('investment', 'running')),
            category TEXT NOT NULL CHECK (category IN
                ('hardware', 'software', 'services', 'training', 'subscriptions', 'insurance', 'other')),
            vat_rate_bp INTEGER NOT NULL CHECK (vat_rate_bp IN {_VAT_RATES_SQL}),
            vat_recoverable INTEGER NOT NULL DEFAULT 0 CHECK (vat_recoverable IN (0, 1)),
            planned_ht INTEGER NOT NULL DEFAULT 0 CHECK (planned_ht >= 0),
            committed_ht INTEGER CHECK (committed_ht IS NULL OR committed_ht >= 0),
            actual_ht INTEGER,
            invoice_ref TEXT NOT NULL DEFAULT '',
            invoice_date TEXT,
            expense_date TEXT NOT NULL,
            fiscal_year INTEGER NOT NULL,
            fiscal_year_manual INTEGER NOT NULL DEFAULT 0 CHECK (fiscal_year_manual IN (0, 1)),
            depreciation_years INTEGER CHECK (depreciation_years IS NULL
                OR (nature = 'investment' AND depreciation_years BETWEEN 1 AND 50)),
            recurring INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
            recurring_until INTEGER CHECK (recurring_until IS NULL OR recurring_until >= fiscal_year),
            account TEXT CHECK (account IS NULL OR length(account) BETWEEN 3 AND 10),
            actual_vat INTEGER,
            actual_ttc INTEGER,
            vat_parts TEXT NOT NULL DEFAULT '',
            vat_deduction_pct INTEGER CHECK (vat_deduction_pct IS NULL OR vat_deduction_pct BETWEEN 0 AND 100),
            supplier_siret TEXT NOT NULL DEFAULT '',
            supplier_vat TEXT NOT NULL DEFAULT '',
            payment_date TEXT,
            invoice_evidence_id INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
            in_service_date TEXT,
            disposal_date TEXT,
            service_from TEXT,
            service_to TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (recurring = 0 OR nature = 'running'),
            CHECK (service_from IS NULL OR service_to IS NULL OR service_to >= service_from)
        );
        INSERT INTO budget_line_m010 (id, action_id, label, supplier, nature, category, vat_rate_bp, vat_recoverable,
            planned_ht, committed_ht, actual_ht, invoice_ref, invoice_date, expense_date, fiscal_year,
            fiscal_year_manual, depreciation_years, recurring, recurring_until, account, created_at, updated_at)
        SELECT id, action_id, label, supplier, nature, category, vat_rate_bp, vat_recoverable,
            planned_ht, committed_ht, actual_ht, invoice_ref, invoice_date, expense_date, fiscal_year,
            fiscal_year_manual, depreciation_years, recurring, recurring_until, account, created_at, updated_at
        FROM budget_line;
        DROP TABLE budget_line;
        ALTER TABLE budget_line_m010 RENAME TO budget_line;
        CREATE INDEX budget_line_action ON budget_line(action_id);
        CREATE INDEX budget_line_fiscal_year ON budget_line(fiscal_year);
        CREATE INDEX budget_line_invoice_evidence ON budget_line(invoice_evidence_id);
        CREATE TABLE budget_line_invoice (
            line_id INTEGER NOT NULL REFERENCES budget_line(id) ON DELETE CASCADE,
            fiscal_year INTEGER NOT NULL,
            actual_ht INTEGER NOT NULL,
            actual_vat INTEGER NOT NULL,
            actual_ttc INTEGER NOT NULL,
            invoice_ref TEXT NOT NULL DEFAULT '',
            invoice_date TEXT,
            payment_date TEXT,
            PRIMARY KEY (line_id, fiscal_year)
        );
        """
    )


@_migration
def m011_registers(db: Database) -> None:
    # The registers of issue 13: processing activities (GDPR art. 30), processors and hosts
    # (art. 28), incidents and breaches (art. 33(5)), training sessions and their attendees, the IT
    # charter's versions and who acknowledged which.
    # Lists (checklist items, art. 28(3) clauses, actions) are JSON arrays; evidence links go to
    # the vault's rows and disappear with them (the vault's tombstone keeps the trace).
    _run(
        db,
        """
        CREATE TABLE processing_activity (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) > 0),
            purpose TEXT NOT NULL DEFAULT '',
            legal_basis TEXT NOT NULL DEFAULT '',
            health_exception TEXT NOT NULL DEFAULT '',
            persons TEXT NOT NULL DEFAULT '',
            data_categories TEXT NOT NULL DEFAULT '',
            sensitive_data TEXT NOT NULL DEFAULT '',
            recipients TEXT NOT NULL DEFAULT '',
            transfers TEXT NOT NULL DEFAULT '',
            retention TEXT NOT NULL DEFAULT '',
            security_measures TEXT NOT NULL DEFAULT '',
            processors TEXT NOT NULL DEFAULT '',
            dpia TEXT NOT NULL DEFAULT 'unknown' CHECK (dpia IN ('unknown', 'required', 'not-required')),
            controller TEXT NOT NULL DEFAULT '',
            dpo TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL DEFAULT '',
            reference TEXT NOT NULL DEFAULT '',
            item_ids TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE processor (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) > 0),
            service TEXT NOT NULL DEFAULT '',
            data_concerned TEXT NOT NULL DEFAULT '',
            contract_date TEXT,
            contract_end TEXT,
            clauses TEXT NOT NULL DEFAULT '[]',
            sub_processors TEXT NOT NULL DEFAULT '',
            hosts_health_data INTEGER NOT NULL DEFAULT 0 CHECK (hosts_health_data IN (0, 1)),
            hds_number TEXT NOT NULL DEFAULT '',
            hds_certifier TEXT NOT NULL DEFAULT '',
            hds_scope TEXT NOT NULL DEFAULT '',
            hds_expiry TEXT,
            next_review TEXT,
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE incident (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL CHECK (length(title) > 0),
            discovered_at TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            started_at TEXT,
            is_breach INTEGER NOT NULL DEFAULT 1 CHECK (is_breach IN (0, 1)),
            data_concerned TEXT NOT NULL DEFAULT '',
            people_count INTEGER CHECK (people_count IS NULL OR people_count >= 0),
            records_count INTEGER CHECK (records_count IS NULL OR records_count >= 0),
            consequences TEXT NOT NULL DEFAULT '',
            measures TEXT NOT NULL DEFAULT '',
            cnil_decision TEXT NOT NULL DEFAULT 'pending'
                CHECK (cnil_decision IN ('pending', 'notified', 'not-notified')),
            not_notified_reason TEXT NOT NULL DEFAULT '',
            notified_at TEXT,
            cnil_reference TEXT NOT NULL DEFAULT '',
            people_informed TEXT NOT NULL DEFAULT 'undecided'
                CHECK (people_informed IN ('undecided', 'informed', 'not-needed')),
            people_informed_at TEXT,
            ars_required INTEGER NOT NULL DEFAULT 0 CHECK (ars_required IN (0, 1)),
            ars_reported_at TEXT,
            ars_reference TEXT NOT NULL DEFAULT '',
            declared_by TEXT NOT NULL DEFAULT '',
            action_ids TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE training_session (
            id INTEGER PRIMARY KEY,
            held_on TEXT NOT NULL,
            topic TEXT NOT NULL CHECK (length(topic) > 0),
            trainer TEXT NOT NULL DEFAULT '',
            duration_minutes INTEGER CHECK (duration_minutes IS NULL OR duration_minutes > 0),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE training_attendee (
            session_id INTEGER NOT NULL REFERENCES training_session(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL CHECK (length(name) > 0),
            person_id INTEGER REFERENCES person(id),
            PRIMARY KEY (session_id, position)
        );
        CREATE INDEX training_attendee_person ON training_attendee(person_id);
        CREATE TABLE register_evidence (
            kind TEXT NOT NULL CHECK (kind IN ('processing', 'processor', 'incident', 'training')),
            record_id INTEGER NOT NULL,
            evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
            role TEXT NOT NULL DEFAULT 'evidence',
            PRIMARY KEY (kind, record_id, evidence_id, role)
        );
        CREATE INDEX register_evidence_evidence ON register_evidence(evidence_id);
        CREATE TABLE charter_version (
            id INTEGER PRIMARY KEY,
            version TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(version) > 0),
            adopted_on TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            evidence_id INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE charter_acknowledgement (
            version_id INTEGER NOT NULL REFERENCES charter_version(id) ON DELETE CASCADE,
            name TEXT NOT NULL COLLATE NOCASE CHECK (length(name) > 0),
            person_id INTEGER REFERENCES person(id),
            acknowledged_on TEXT NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('app', 'paper')),
            evidence_id INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (version_id, name)
        );
        CREATE INDEX charter_acknowledgement_person ON charter_acknowledgement(person_id);
        """
    )
