"""A clinic's workspace: its data folder, database, catalogue, keys and audit trail.

The GUI and the CLI both work through a Workspace, so both obey the same permission checks and
every change is audited in the same transaction. Each change is committed as it is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from clinicguard.core import keys
from clinicguard.core.audit import AuditTrail, utc_now
from clinicguard.core.catalogue import Catalogue, Structure, bundled_catalogue
from clinicguard.core.checklist import Assessment, ChecklistRow, Status
from clinicguard.core.checklist import rows as checklist_rows
from clinicguard.core.errors import ClinicGuardError, DatabaseError, NotFound, PermissionDenied
from clinicguard.core.people import Actor, Permission, Role, check_secret, hash_secret, require, secret_kind
from clinicguard.i18n import tr
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.db import open_database


@dataclass(frozen=True)
class Clinic:
    uuid: str
    name: str
    structure: Structure
    fiscal_year_start_month: int
    manager_name: str
    catalogue_version: str
    vat_recoverable: bool
    created_at: str


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DATABASE_NAME


def clinic_exists(data_dir: Path) -> bool:
    return database_path(data_dir).exists()


class Audited:
    """The handle a change uses to write its audit entries inside its transaction."""

    def __init__(self, trail: AuditTrail, actor: Actor):
        self._trail, self.actor = trail, actor

    def record(self, kind: str, object_type: str, object_id: str | int, before: Any = None, after: Any = None) -> int:
        return self._trail.record(self.actor, kind, object_type, object_id, before, after)


class Workspace:
    def __init__(self, data_dir: Path, db: Database, catalogue: Catalogue, *, identity=None,
                 passphrase: str | None = None):
        self.data_dir = Path(data_dir)
        self.db = db
        self.catalogue = catalogue
        self._identity = identity
        self._passphrase = passphrase
        self._audit: AuditTrail | None = None
        self.assessments = AssessmentStore(db)

    @property
    def identity(self):
        """The clinic key, read from the keyring or passphrase file the first time it is needed."""
        if self._identity is None:
            self._identity = keys.load_identity(self.data_dir, self.clinic.uuid, self._passphrase)
        return self._identity

    def unlock(self, passphrase: str | None = None) -> None:
        """Read the clinic key now (raises KeyUnavailable with a clear message if it cannot)."""
        if passphrase is not None:
            self._passphrase = passphrase
        self.identity

    def recover_key(self, recovery_secret: str, passphrase: str | None = None) -> None:
        """Bring the clinic key back with the recovery key (lost keyring entry, new PC)."""
        self._identity = keys.recover(self.data_dir, self.clinic.uuid, recovery_secret, passphrase)
        if passphrase is not None:
            self._passphrase = passphrase

    @property
    def audit(self) -> AuditTrail:
        if self._audit is None:
            self._audit = AuditTrail(self.db, keys.audit_mac_key(self.identity))
        return self._audit

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        data_dir: Path,
        *,
        clinic_name: str,
        structure: Structure | str,
        manager_name: str,
        manager_secret: str,
        fiscal_year_start_month: int = 1,
        passphrase: str | None = None,
        catalogue: Catalogue | None = None,
    ) -> tuple["Workspace", str]:
        """Set up a new clinic; return the workspace and the recovery key (to show once)."""
        data_dir = Path(data_dir)
        clinic_name, manager_name = clinic_name.strip(), manager_name.strip()
        if not clinic_name:
            raise ClinicGuardError(tr("Enter the clinic's name."))
        if not manager_name:
            raise ClinicGuardError(tr("Enter the manager's name."))
        try:
            structure = Structure(structure)
        except ValueError:
            raise ClinicGuardError(
                tr("Unknown type of structure {value!r}: use one of {allowed}.", value=structure,
                   allowed=", ".join(s.value for s in Structure))
            ) from None
        if not 1 <= int(fiscal_year_start_month) <= 12:
            raise ClinicGuardError(tr("The first month of the fiscal year must be between 1 and 12."))
        kind = secret_kind(manager_secret)
        if clinic_exists(data_dir):
            raise ClinicGuardError(tr("A clinic already exists in {folder}.", folder=data_dir))
        catalogue = catalogue or bundled_catalogue()
        data_dir.mkdir(parents=True, exist_ok=True)
        clinic_uuid = str(uuid.uuid4())
        recovery = keys.create_keys(data_dir, clinic_uuid, passphrase)
        identity = keys.load_identity(data_dir, clinic_uuid, passphrase)
        db = open_database(database_path(data_dir))
        ws = cls(data_dir, db, catalogue, identity=identity, passphrase=passphrase)
        now = utc_now()
        with db.atomic():
            clinic_row = {
                "id": 1, "uuid": clinic_uuid, "name": clinic_name, "structure": structure.value,
                "fiscal_year_start_month": int(fiscal_year_start_month), "manager_name": manager_name,
                "catalogue_version": catalogue.version, "vat_recoverable": 0, "created_at": now,
            }
            db["clinic"].insert(clinic_row)
            person_id = db["person"].insert(
                {"name": manager_name, "role": Role.MANAGER.value, "secret_kind": kind,
                 "secret_hash": hash_secret(manager_secret), "created_at": now}
            ).last_pk
            actor = Actor(person_id, manager_name, Role.MANAGER)
            ws.audit.record(actor, "clinic.create", "clinic", clinic_uuid, None,
                            {k: v for k, v in clinic_row.items() if k != "id"})
            ws.audit.record(actor, "person.create", "person", person_id, None,
                            {"name": manager_name, "role": Role.MANAGER.value})
        return ws, recovery

    @classmethod
    def open(cls, data_dir: Path, *, passphrase: str | None = None, catalogue: Catalogue | None = None) -> "Workspace":
        data_dir = Path(data_dir)
        if not clinic_exists(data_dir):
            raise DatabaseError(
                tr("No clinic has been set up in {folder}. Run 'clinicguard init' or start the application.",
                   folder=data_dir)
            )
        db = open_database(database_path(data_dir), create=False)
        if db.execute("SELECT uuid FROM clinic WHERE id = 1").fetchone() is None:
            db.close()
            raise DatabaseError(tr("The database in {folder} holds no clinic.", folder=data_dir))
        return cls(data_dir, db, catalogue or bundled_catalogue(), passphrase=passphrase)

    def close(self) -> None:
        self.db.close()

    # ---- clinic ---------------------------------------------------------------------------
    @property
    def clinic(self) -> Clinic:
        row = self.db.execute(
            "SELECT uuid, name, structure, fiscal_year_start_month, manager_name, catalogue_version, "
            "vat_recoverable, created_at FROM clinic WHERE id = 1"
        ).fetchone()
        return Clinic(row[0], row[1], Structure(row[2]), row[3], row[4], row[5], bool(row[6]), row[7])

    def update_clinic(self, actor: Actor, **changes: Any) -> Clinic:
        allowed = {"name", "structure", "fiscal_year_start_month", "manager_name", "vat_recoverable"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {unknown}")
        before = self.clinic
        with self.writing(actor, Permission.EDIT_SETTINGS) as audit:
            self.db["clinic"].update(1, {k: (v.value if isinstance(v, Structure) else v) for k, v in changes.items()})
            audit.record("clinic.update", "clinic", before.uuid,
                         {k: getattr(before, k) for k in changes}, changes)
        return self.clinic

    # ---- people and writes ------------------------------------------------------------------
    def sign_in(self, name: str, secret: str) -> Actor:
        """Check a person's secret; record the sign-in (or the failure) in the audit trail."""
        row = self.db.execute(
            "SELECT id, name, role, secret_kind, secret_hash, failed_attempts, locked, active FROM person "
            "WHERE name = ? COLLATE NOCASE", [name.strip()]
        ).fetchone()
        if row is None or not row[7]:
            raise PermissionDenied(tr("Unknown profile {name!r}.", name=name))
        person_id, person_name, role, kind, secret_hash, failures, locked, _ = row
        actor = Actor(person_id, person_name, Role(role))
        if locked:
            raise PermissionDenied(tr("The profile {name} is locked: a manager must unlock it.", name=person_name))
        if not check_secret(secret, secret_hash):
            from clinicguard.core.people import PIN_MAX_FAILURES
            with self.db.atomic():
                failures += 1
                lock = kind == "pin" and failures >= PIN_MAX_FAILURES
                self.db["person"].update(person_id, {"failed_attempts": failures, "locked": int(lock)})
                self.audit.record(actor, "session.sign-in-failed", "person", person_id, None,
                                  {"failed_attempts": failures, "locked": lock})
            if lock:
                raise PermissionDenied(tr("Wrong PIN: the profile {name} is now locked until a manager unlocks it.",
                                          name=person_name))
            raise PermissionDenied(tr("Wrong password or PIN for {name}.", name=person_name))
        with self.db.atomic():
            if failures:
                self.db["person"].update(person_id, {"failed_attempts": 0})
            self.audit.record(actor, "session.sign-in", "person", person_id)
        return actor

    def sign_out(self, actor: Actor) -> None:
        with self.db.atomic():
            self.audit.record(actor, "session.sign-out", "person", actor.id or 0)

    def person_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM person WHERE active = 1 ORDER BY name")]

    @contextmanager
    def writing(self, actor: Actor | None, permission: Permission) -> Iterator[Audited]:
        """Check the actor's right, then run the change and its audit entries in one transaction."""
        require(actor, permission)
        with self.db.atomic():
            yield Audited(self.audit, actor)

    # ---- checklist ---------------------------------------------------------------------------
    def checklist(self) -> list[ChecklistRow]:
        return checklist_rows(self.catalogue, self.assessments.all(), self.clinic.structure)

    def set_assessment(self, actor: Actor, item_id: str, **changes: Any) -> Assessment:
        """Change a recommendation's status, comment, responsible or review dates; saved at once."""
        if item_id not in self.catalogue:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        allowed = {"status", "comment", "responsible", "last_reviewed", "next_review"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {set(changes) - allowed}")
        if "status" in changes:
            try:
                changes["status"] = Status(changes["status"]).value
            except ValueError:
                raise ClinicGuardError(
                    tr("Unknown status {value!r}: use one of {allowed}.", value=changes["status"],
                       allowed=", ".join(s.value for s in Status))
                ) from None
        for field in ("last_reviewed", "next_review"):
            if changes.get(field):
                changes[field] = _iso_date(changes[field])
        with self.writing(actor, Permission.ASSESS) as audit:
            current = self.assessments.get(item_id)
            if current is None:
                item = self.catalogue.get(item_id)
                current = Assessment(item_id, status=(Status.NOT_ASSESSED if item.applies(self.clinic.structure)
                                                      else Status.NOT_APPLICABLE).value)
            if "status" in changes and changes["status"] != Status.NOT_ASSESSED.value and "last_reviewed" not in changes:
                changes["last_reviewed"] = date.today().isoformat()
            updated = current.changed(**changes, catalogue_version=self.clinic.catalogue_version,
                                      updated_at=utc_now(), updated_by=actor.id)
            before = current.public() if current.updated_at else None
            if before == updated.public():
                return current
            self.assessments.save(updated)
            audit.record("assessment.update", "recommendation", item_id, before, updated.public())
        return updated


def _iso_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    for parse in (date.fromisoformat, lambda s: date(int(s[6:10]), int(s[3:5]), int(s[0:2]))):
        try:
            return parse(text).isoformat()
        except (ValueError, IndexError):
            continue
    raise ClinicGuardError(tr("Unreadable date {value!r}: use DD/MM/YYYY.", value=text))
