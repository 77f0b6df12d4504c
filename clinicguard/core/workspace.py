"""The composition root: builds a clinic's services from its data folder (create, open).

A `Workspace` is what the GUI and the CLI hold for an open clinic: its stores, its unit of work and
its services, each built here once with the collaborators it needs. No service receives the
workspace or reaches back into it, so both front ends obey the same rules, checked in the core,
and every change is audited in its own transaction. Each change is committed as it is made.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from clinicguard.core import keys
from clinicguard.core.backup_archive import BackupError, Checked, write_to_destinations
from clinicguard.core.plan import ActionPlan
from clinicguard.core.audit import HEAD_FILE as AUDIT_HEAD_FILE
from clinicguard.core.audit import AuditTrail
from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.core.catalogue_versions import CatalogueVersions
from clinicguard.core.changes import ExternalChanges
from clinicguard.core.checklist import Checklist
from clinicguard.core.clock import utc_now
from clinicguard.core.plan_import import PlanImport
from clinicguard.core.opening import clinic_exists
from clinicguard.core.people import People
from clinicguard.core.registers import Registers, register_is_empty
from clinicguard.core.secrets import hash_secret, secret_kind_for
from clinicguard.core.permissions import current_actor
from clinicguard.core import data_check
from clinicguard.core.pending import PendingWrites
from clinicguard.core.settings import BackupPreferences, ClinicSettings, checked_clinic_fields
from clinicguard.core.signoff import SignOffs
from clinicguard.core.uow import UnitOfWork
from clinicguard.core.vault import Vault
from clinicguard.i18n import tr
from clinicguard.model.audit import Verification
from clinicguard.model.catalogue import Catalogue, Structure
from clinicguard.model.clinic import Clinic
from clinicguard.model.errors import ClinicGuardError, DatabaseError, KeyUnavailable
from clinicguard.model.people import Actor, Role
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.plan_store import ActionStore
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.catalogue_store import CatalogueStore
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.db import WriteTransaction, make_private, open_database, open_read_only
from clinicguard.store.evidence_store import EvidenceStore
from clinicguard.store.people_store import PersonStore
from clinicguard.store.register_store import RegisterStore
from clinicguard.store.signoff_store import SignOffStore

log = logging.getLogger(__name__)


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DATABASE_NAME


def verify_journal_and_data(db: Database, trail: AuditTrail, expected_head=None) -> Verification:
    """Verify the chain; if it holds, replay it against the rows (core/data_check.py): an answer,
    action, budget line or evidence row edited by hand is named, with the entry it contradicts."""
    result = trail.verify(expected_head)
    if not result.ok:
        return result
    actions = ActionStore(db)
    mismatches = data_check.compare(
        data_check.expected_state(trail.entries()),
        data_check.current_state(AssessmentStore(db).all(), actions.actions(), actions.lines(),
                                 EvidenceStore(db).all()))
    if not mismatches:
        return result
    problem = "; ".join(m.message for m in mismatches[:5])
    if len(mismatches) > 5:
        problem += " " + tr("(and {n} more)", n=len(mismatches) - 5)
    return dataclasses.replace(result, ok=False, kind="data-edited", problem=problem,
                               bad_entry=mismatches[0].entry)


class Workspace:
    """An open clinic folder and the services built over it (see `create` and `open`)."""

    def __init__(self, data_dir: Path, db: Database, catalogue: Catalogue, clinic_keys: keys.ClinicKeys):
        self.data_dir = Path(data_dir)
        self.db = db
        self.catalogue = catalogue
        self.keys = clinic_keys
        self._closed = False
        self.left_behind: list[Path] = []  # temporary files of an interrupted write, removed at open
        clinic_store, person_store = ClinicStore(db), PersonStore(db)
        assessments, history, audit_store = AssessmentStore(db), CatalogueStore(db), AuditStore(db)
        self.evidence_store = EvidenceStore(db)
        self.audit = AuditTrail(audit_store, clinic_keys.audit_mac_key, self.data_dir / AUDIT_HEAD_FILE)
        self.uow = UnitOfWork(WriteTransaction(db), self.audit, lambda actor: current_actor(actor, person_store.get),
                              lambda: clinic_keys.identity)
        self.external_changes = ExternalChanges(audit_store)
        self.uow.add_listener(self.external_changes.mark_seen)
        self.people = People(person_store, clinic_store, self.uow, pepper=clinic_keys.secret_pepper)
        register_store = RegisterStore(db)
        self.checklist = Checklist(assessments, self.uow, catalogue, clinic_store, history,
                                   lambda item_id: register_is_empty(register_store, item_id))
        self.backup_settings = BackupPreferences(clinic_store, self.uow, audit_store)
        self._unjournaled_backups: list[Checked | str] = []
        self.catalogue_versions = CatalogueVersions(catalogue, history, clinic_store, assessments, self.uow,
                                                    before_upgrade=lambda: self.backup_before_change("catalogue"))
        self.plan = ActionPlan(ActionStore(db), self.uow, catalogue, clinic_store, self.checklist)
        self.plan_import = PlanImport(self.plan, catalogue, clinic_store, self.uow)
        self.settings = ClinicSettings(clinic_store, self.uow, self.plan.redate_lines_in)
        self.signoffs = SignOffs(SignOffStore(db), self.uow, self.people, catalogue, clinic_store)
        # Temporary files written in user folders, recorded before they exist (core/pending.py).
        self.pending = PendingWrites(self.data_dir)
        self.vault = Vault(self.data_dir, self.evidence_store, self.uow, identity=lambda: clinic_keys.identity,
                           catalogue=catalogue, pending=self.pending,
                           applicable_item_ids=lambda: [row.item.id for row in self.checklist.rows() if row.applies])
        self.registers = Registers(register_store, self.uow, clinic_store, self.people, catalogue)

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
        kind = secret_kind_for(manager_secret, Role.MANAGER)
        if passphrase is not None:
            keys.check_new_passphrase(passphrase)
        if clinic_exists(data_dir):
            raise ClinicGuardError(tr("A clinic already exists in {folder}.", folder=data_dir))
        catalogue = catalogue or bundled_catalogue()
        make_private(data_dir, folder=True)  # the data folder: its owner only (0700 on POSIX)
        clinic = Clinic(uuid=str(uuid.uuid4()), name=fields["name"], structure=Structure(fields["structure"]),
                        fiscal_year_start_month=fields["fiscal_year_start_month"],
                        manager_name=fields["manager_name"], catalogue_version=catalogue.version,
                        vat_recoverable=False, created_at=utc_now())
        recovery, identity = keys.create_keys(data_dir, clinic.uuid, passphrase)
        db = open_database(database_path(data_dir))
        clinic_store, person_store = ClinicStore(db), PersonStore(db)
        ws = cls(data_dir, db, catalogue, keys.ClinicKeys(data_dir, clinic.uuid, passphrase, identity))
        with ws.uow.transaction():
            clinic_store.insert(clinic)
            CatalogueStore(db).snapshot(catalogue)
            person_id = person_store.insert(name=clinic.manager_name, role=Role.MANAGER, secret_kind=kind,
                                            secret_hash=hash_secret(manager_secret, keys.secret_pepper(identity)), created_at=clinic.created_at)
            actor = Actor(person_id, clinic.manager_name, Role.MANAGER)
            after = {"uuid": clinic.uuid, "name": clinic.name, "structure": clinic.structure.value,
                     "fiscal_year_start_month": clinic.fiscal_year_start_month, "manager_name": clinic.manager_name,
                     "catalogue_version": clinic.catalogue_version, "vat_recoverable": 0,
                     "created_at": clinic.created_at}
            ws.uow.record(actor, "clinic.create", "clinic", clinic.uuid, None, after)
            ws.uow.record(actor, "person.create", "person", person_id, None,
                          {"name": clinic.manager_name, "role": Role.MANAGER.value})
        return ws, recovery

    @classmethod
    def open(cls, data_dir: Path, *, passphrase: str | None = None, catalogue: Catalogue | None = None,
             backup_before_migrating: bool = True) -> "Workspace":
        """Open a clinic folder; a database from an older ClinicGuard is migrated, after a backup
        to the chosen destinations when there are some."""
        data_dir = Path(data_dir)
        if not clinic_exists(data_dir):
            raise DatabaseError(
                tr("No clinic has been set up in {folder}. Run 'clinicguard init' or start the application.",
                   folder=data_dir)
            )
        made: list[Checked | str] = []
        hook = (lambda old_db: made.extend(_backup_before_migrating(data_dir, old_db))) if backup_before_migrating \
            else None
        db = open_database(database_path(data_dir), create=False, before_migrating=hook)
        clinic_store = ClinicStore(db)
        if not clinic_store.exists():
            db.close()
            raise DatabaseError(tr("The database in {folder} holds no clinic.", folder=data_dir))
        clinic_keys = keys.ClinicKeys(data_dir, clinic_store.get().uuid, passphrase)
        ws = cls(data_dir, db, catalogue or bundled_catalogue(), clinic_keys)
        # At every start, commands and window alike: remove what an interrupted export left in a
        # user folder (a decrypted .part, a half workbook).
        ws.left_behind = ws.pending.clean()
        ws._unjournaled_backups = made
        try:
            ws.journal_pending_backups()
        except KeyUnavailable:  # a passphrase is needed: the front end calls it again once unlocked
            log.info("the backup made before the migration is journalled once the clinic key is unlocked")
        return ws

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the database; safe to call twice (a window and its owner may both close it)."""
        if self._closed:
            return
        if self.keys.loaded:
            try:  # catches entries written outside a unit of work; a reader never needed the key
                self.audit.save_head()
            except OSError:
                self.uow.head_stale = True
        self.db.close()
        self._closed = True

    # ---- backups the clinic makes by itself ---------------------------------------------------
    def journal_pending_backups(self) -> None:
        """Journal the backup made before a migration (it ran before the clinic key was read)."""
        while self._unjournaled_backups:
            item = self._unjournaled_backups[0]
            if isinstance(item, str):
                self.backup_settings.remember_problem(item)
            else:
                self.backup_settings.record_backup(
                    None, file=item.path.name, folder=str(item.path.parent), size=item.size, manifest=item.manifest,
                    reason="migration", copies=tuple(str(p.parent) for p in item.copies), problems=item.problems)
            self._unjournaled_backups.pop(0)

    def backup_before_change(self, reason: str) -> Checked | None:
        """A backup to the chosen destinations before ClinicGuard changes the clinic by itself (a
        catalogue upgrade). A failure does not stop the change: the dashboard says so."""
        settings = self.backup_settings.current
        if not settings.destination:
            return None
        try:
            made = write_to_destinations(self.data_dir, self.db, settings.destinations,
                                         hold_writes=self.uow.transaction)
        except BackupError as exc:
            log.warning("backup before %s failed: %s", reason, exc)
            self.backup_settings.remember_problem(str(exc))
            return None
        self.backup_settings.record_backup(None, file=made.path.name, folder=str(made.path.parent), size=made.size,
                                           manifest=made.manifest, reason=reason,
                                           copies=tuple(str(p.parent) for p in made.copies), problems=made.problems)
        return made

    # ---- what the front ends ask of the folder as a whole ----------------------------------------
    @property
    def head_stale(self) -> bool:
        """The copy of the audit head outside the database could not be written after a change."""
        return self.uow.head_stale

    def verify_database_copy(self, path: Path, expected_head) -> Verification:
        """A copy of this clinic's database (from a backup) against its own journal, with this
        clinic's key: its chain, its head, and its data against what the journal records."""
        db = open_read_only(Path(path))
        try:
            return verify_journal_and_data(db, AuditTrail(AuditStore(db), self.keys.audit_mac_key()), expected_head)
        finally:
            db.close()

    def audit_verifier(self):
        """A function that verifies the trail on a read-only connection of its own, so that the GUI
        can run it off the UI thread while the main connection stays with the UI."""
        key, head_path, path = self.keys.audit_mac_key(), self.audit.head_path, database_path(self.data_dir)

        def verify(expected_head=None):
            db = open_read_only(path)
            try:
                return verify_journal_and_data(db, AuditTrail(AuditStore(db), key, head_path), expected_head)
            finally:
                db.close()

        return verify

    def verify_journal(self, expected_head=None) -> Verification:
        """The journal's chain and head, then the data against what the journal records."""
        return verify_journal_and_data(self.db, self.audit, expected_head)

    def evidence_counts_by_item(self) -> dict[str, int]:
        """How many evidence files back each recommendation (the checklist's evidence column)."""
        return self.evidence_store.counts_by_item()


def _backup_before_migrating(data_dir: Path, db: Database) -> list[Checked | str]:
    """Back the clinic up, as it is, before its database is migrated (store/db.open_database's
    hook): the made backup, or the message of its failure, to journal once the clinic is open."""
    settings = BackupPreferences(ClinicStore(db), None).current  # reading only: no unit of work yet
    if not settings.destination:
        return []
    tx = WriteTransaction(db)

    @contextmanager
    def hold_writes():
        tx.begin()
        try:
            yield
        finally:
            tx.rollback()

    try:
        return [write_to_destinations(data_dir, db, settings.destinations, hold_writes=hold_writes)]
    except BackupError as exc:
        log.warning("backup before the migration failed: %s", exc)
        return [str(exc)]
