"""A clinic's workspace: its data folder, database, catalogue, keys and audit trail.

The GUI and the CLI both work through a Workspace, so both obey the same permission checks and
every change is audited in the same transaction. Each change is committed as it is made.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from clinicguard.core import keys
from clinicguard.core.audit import HEAD_FILE as AUDIT_HEAD_FILE
from clinicguard.core.audit import AuditTrail, utc_now
from clinicguard.core.catalogue import Catalogue, Recommendation, Structure, bundled_catalogue
from clinicguard.core.catalogue_versions import CatalogueChanges, CatalogueHistory, new_changes, upgrade_pending
from clinicguard.core.checklist import Assessment, ChecklistRow, Status
from clinicguard.core.checklist import rows as checklist_rows
from clinicguard.core.formatting import parse_date
from clinicguard.model.errors import ClinicGuardError, DatabaseError, NotFound
from clinicguard.model.people import Actor, Permission, Role
from clinicguard.core.changes import ExternalChanges
from clinicguard.core.uow import UnitOfWork
from clinicguard.core.vault import Vault
from clinicguard.store.audit_store import AuditStore
from clinicguard.core.people import hash_secret, secret_kind_for
from clinicguard.core.permissions import require
from clinicguard.i18n import tr
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.db import open_database
from clinicguard.store.evidence_store import EvidenceStore


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


def checked_clinic_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The clinic's settings as stored, or a clear refusal (used by setup and by the settings page)."""
    checked = dict(fields)
    for key, message in (("name", tr("Enter the clinic's name.")), ("manager_name", tr("Enter the manager's name."))):
        if key in checked:
            checked[key] = str(checked[key] or "").strip()
            if not checked[key]:
                raise ClinicGuardError(message)
    if "structure" in checked:
        try:
            checked["structure"] = Structure(checked["structure"]).value
        except ValueError:
            raise ClinicGuardError(
                tr("Unknown type of structure {value!r}: use one of {allowed}.", value=checked["structure"],
                   allowed=", ".join(s.value for s in Structure))
            ) from None
    if "fiscal_year_start_month" in checked:
        month = checked["fiscal_year_start_month"]
        if isinstance(month, bool) or not isinstance(month, (int, str)) or not str(month).strip().isdigit() \
                or not 1 <= int(month) <= 12:
            raise ClinicGuardError(tr("The first month of the fiscal year must be between 1 and 12."))
        checked["fiscal_year_start_month"] = int(month)
    if "vat_recoverable" in checked:
        checked["vat_recoverable"] = int(bool(checked["vat_recoverable"]))
    return checked


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DATABASE_NAME


def clinic_exists(data_dir: Path) -> bool:
    return database_path(data_dir).exists()


class Workspace:
    def __init__(self, data_dir: Path, db: Database, catalogue: Catalogue, *, identity=None,
                 passphrase: str | None = None):
        self.data_dir = Path(data_dir)
        self.db = db
        self.catalogue = catalogue
        self._identity = identity
        self._passphrase = passphrase
        self._audit = AuditTrail(db, lambda: keys.audit_mac_key(self.identity), self.data_dir / AUDIT_HEAD_FILE)
        self._closed = False
        self.uow = UnitOfWork(db, self._audit, lambda actor: self.people.current(actor), lambda: self.identity)
        self.external_changes = ExternalChanges(AuditStore(db))
        self.uow.add_listener(self.external_changes.mark_seen)
        self.assessments = AssessmentStore(db)
        self.catalogue_history = CatalogueHistory(db)

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
        return self._audit

    def audit_verifier(self):
        """A function that verifies the trail on a read-only connection of its own, so that the GUI
        can run it off the UI thread while the main connection stays with the UI."""
        key, head_path = keys.audit_mac_key(self.identity), self.audit.head_path
        uri = f"{database_path(self.data_dir).resolve().as_uri()}?mode=ro"

        def verify(expected_head=None):
            conn = sqlite3.connect(uri, uri=True)
            try:
                return AuditTrail(Database(conn), key, head_path).verify(expected_head)
            finally:
                conn.close()

        return verify

    @property
    def people(self):
        """Profiles, sign-in and the inactivity-lock setting (core/people.py)."""
        if getattr(self, "_people", None) is None:
            from clinicguard.core.people import People

            self._people = People(self)
        return self._people

    @property
    def signoffs(self):
        """Practitioners' confirmations that an item is applied, and the manager's requests (core/signoff.py)."""
        if getattr(self, "_signoffs", None) is None:
            from clinicguard.core.signoff import SignOffs

            self._signoffs = SignOffs(self)
        return self._signoffs

    @property
    def vault(self):
        """The evidence vault. Building it checks nothing: callers that start work on the vault (the
        GUI, the `evidence` commands) run `vault.check()` once; reading commands do not."""
        if getattr(self, "_vault", None) is None:
            self._vault = Vault(
                self.data_dir, EvidenceStore(self.db), self.uow, identity=lambda: self.identity,
                catalogue=self.catalogue,
                applicable_item_ids=lambda: [row.item.id for row in self.checklist() if row.applies],
            )
        return self._vault

    def evidence_counts_by_item(self) -> dict[str, int]:
        """How many evidence files back each recommendation (the checklist's evidence column)."""
        return self.vault.store.counts_by_item()

    @property
    def plan(self):
        """The action plan and its budget (core/actions.py)."""
        if getattr(self, "_plan", None) is None:
            from clinicguard.core.actions import ActionPlan
            from clinicguard.store.action_store import ActionStore

            self._plan = ActionPlan(self, ActionStore(self.db))
        return self._plan

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
        fields = checked_clinic_fields({"name": clinic_name, "manager_name": manager_name, "structure": structure,
                                        "fiscal_year_start_month": fiscal_year_start_month})
        clinic_name, manager_name = fields["name"], fields["manager_name"]
        structure, fiscal_year_start_month = Structure(fields["structure"]), fields["fiscal_year_start_month"]
        kind = secret_kind_for(manager_secret, Role.MANAGER)
        if clinic_exists(data_dir):
            raise ClinicGuardError(tr("A clinic already exists in {folder}.", folder=data_dir))
        catalogue = catalogue or bundled_catalogue()
        data_dir.mkdir(parents=True, exist_ok=True)
        clinic_uuid = str(uuid.uuid4())
        recovery, identity = keys.create_keys(data_dir, clinic_uuid, passphrase)
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
            ws.catalogue_history.snapshot(catalogue)
            person_id = db["person"].insert(
                {"name": manager_name, "role": Role.MANAGER.value, "secret_kind": kind,
                 "secret_hash": hash_secret(manager_secret), "created_at": now}
            ).last_pk
            actor = Actor(person_id, manager_name, Role.MANAGER)
            ws.audit.record(actor, "clinic.create", "clinic", clinic_uuid, None,
                            {k: v for k, v in clinic_row.items() if k != "id"})
            ws.audit.record(actor, "person.create", "person", person_id, None,
                            {"name": manager_name, "role": Role.MANAGER.value})
        ws.audit.save_head()
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
        """Close the database; safe to call twice (a window and its owner may both close it)."""
        if self._closed:
            return
        if self._identity is not None:
            try:  # catches entries written outside ws.writing(); a reader never needed the key
                self._audit.save_head()
            except OSError:
                self.uow.head_stale = True
        self.db.close()
        self._closed = True

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
        changes = checked_clinic_fields(changes)
        with self.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self.clinic
            self.db["clinic"].update(1, changes)
            audit.record("clinic.update", "clinic", before.uuid,
                         {k: getattr(before, k) for k in changes}, changes)
            month = changes.get("fiscal_year_start_month", before.fiscal_year_start_month)
            if month != before.fiscal_year_start_month:
                # Budget lines store their fiscal year; those derived from their date follow the new first month.
                self.plan.redate_lines_in(audit, month)
        return self.clinic

    # ---- people and writes ------------------------------------------------------------------
    def sign_in(self, name: str, secret: str) -> Actor:
        """Check a person's secret; the sign-in, or the failure, is recorded in the audit trail."""
        return self.people.sign_in(name, secret)

    def sign_out(self, actor: Actor, reason: str = "") -> None:
        self.people.sign_out(actor, reason)

    def person_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM person WHERE active = 1 ORDER BY name")]

    def writing(self, actor: Actor | None, permission: Permission):
        return self.uow.writing(actor, permission)

    def system_change(self):
        return self.uow.system_change()

    def transaction(self):
        return self.uow.transaction()

    @property
    def head_stale(self) -> bool:
        return self.uow.head_stale

    # ---- catalogue versions ------------------------------------------------------------------
    def catalogue_upgrade_pending(self) -> bool:
        return upgrade_pending(self.clinic.catalogue_version, self.catalogue)

    def upgrade_catalogue(self) -> CatalogueChanges | None:
        """Move the clinic to the newer bundled catalogue: answers carry over by item id, items
        that disappeared keep their answer read-only, new items start as not assessed."""
        if not self.catalogue_upgrade_pending():
            return None
        clinic = self.clinic
        old = self.catalogue_history.items(clinic.catalogue_version)
        with self.system_change() as audit:
            changes = new_changes(old, clinic.catalogue_version, self.catalogue)
            self.catalogue_history.snapshot(self.catalogue)
            self.catalogue_history.record_upgrade(changes)
            self.db["clinic"].update(1, {"catalogue_version": self.catalogue.version})
            audit.record("catalogue.upgrade", "catalogue", self.catalogue.version,
                         {"version": clinic.catalogue_version},
                         {"version": self.catalogue.version, "added": list(changes.added),
                          "removed": list(changes.removed), "changed": list(changes.changed)})
        return changes

    def retired_recommendations(self) -> list[tuple[Recommendation, Assessment]]:
        """Answers kept for items that a newer catalogue dropped: shown read-only."""
        result = []
        for item_id, answer in sorted(self.assessments.all().items()):
            if item_id not in self.catalogue:
                item = self.catalogue_history.last_known(item_id)
                if item is not None:
                    result.append((item, answer))
        return result

    # ---- checklist ---------------------------------------------------------------------------
    def checklist(self) -> list[ChecklistRow]:
        return checklist_rows(self.catalogue, self.assessments.all(), self.clinic.structure)

    def set_assessment(self, actor: Actor, item_id: str, **changes: Any) -> Assessment:
        """Change a recommendation's status, comment, responsible or review dates; saved at once."""
        if item_id not in self.catalogue:
            if self.catalogue_history.last_known(item_id) is not None:
                raise ClinicGuardError(tr("The recommendation {id} is no longer in the catalogue: its history is kept, "
                                          "read-only.", id=item_id))
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
                changes[field] = parse_date(changes[field])
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


