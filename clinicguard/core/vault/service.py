"""The evidence vault: each file stored as a standard age v1 blob, written so nothing is ever lost.

Blobs are encrypted to the clinic key and the recovery key, streamed in both directions so memory
does not grow with a file's size, and named by a random id (the file name stays in the database).
Ingest follows security.md: *.part, fsync, replace, fsync the folder, then one transaction for the
row, its links and its audit entry. `check()` repairs what a crash can leave behind; it is an
explicit step of the start-up (the GUI and the vault commands run it), never a side effect of
building the vault.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import secrets
import shutil
import time
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace as dc_replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pyrage

from clinicguard.core.formatting import check_text
from clinicguard.core import keys
from clinicguard.core.clock import utc_now
from clinicguard.core.formatting import parse_date
from clinicguard.core.fsutil import Reservations, atomic_output, fsync_dir, replace
from clinicguard.core.permissions import require
from clinicguard.core.uow import UnitOfWork
from clinicguard.core.vault.errors import EvidenceDamaged, EvidenceMissing, OperationCancelled, VaultError
from clinicguard.core.vault.locks import IngestLock, held_by_another_ingest
from clinicguard.core.vault.names import free_name, safe_file_name
from clinicguard.core.vault.scratch import PrivateTemp, remove_stale_open_folders
from clinicguard.core.vault.stream import PROGRESS_STEP, Cancelled, Meter, Progress, decrypt, encrypt
from clinicguard.i18n import tr
from clinicguard.model.errors import NotFound
from clinicguard.model.evidence import (
    EXPIRY_WARNING_DAYS,
    Evidence,
    ExpiryState,
    Integrity,
    StartupReport,
    VerifiedFile,
    VerifyReport,
)
from clinicguard.model.people import Actor, Permission
from clinicguard.store.evidence_store import EvidenceStore

VAULT_DIR = "vault"
QUARANTINE_DIR = "quarantine"
BLOB_SUFFIX = ".age"
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
# An unlocked lock file this old belongs to no running ingest.
_STALE_LOCK_SECONDS = 3600

log = logging.getLogger(__name__)


# ---- the vault -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StagedBlob:
    """A blob safely on disk but not yet recorded: `Vault.record` turns it into evidence."""

    blob: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    lock: IngestLock


class Vault:
    """The clinic's evidence files: add, link, edit, delete, open, export, verify, check.

    It is given what it needs and nothing more: the clinic's data folder (the vault folder and the
    key files the blobs are encrypted to), the evidence records, the unit of work every change goes
    through, the clinic key (read when first needed, so building the vault asks for nothing), the
    catalogue (to refuse unknown recommendations) and the applicable recommendations (for the
    dashboard's "without evidence" list).
    """

    def __init__(self, data_dir: Path, store: EvidenceStore, uow: UnitOfWork, *,
                 identity: Callable[[], pyrage.x25519.Identity], catalogue: Container[str],
                 applicable_item_ids: Callable[[], Iterable[str]], pending: Reservations | None = None):
        self._data_dir = Path(data_dir)
        self._pending = pending  # where the decrypted copies' temporary names are recorded first
        self.store = store
        self._uow = uow
        self._identity = identity
        self._catalogue = catalogue
        self._applicable_item_ids = applicable_item_ids
        self.folder = self._data_dir / VAULT_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        self.startup_report = StartupReport()  # what the last `check()` found; nothing until it runs
        # Where exported files are decrypted and checked before they are copied out; made when
        # first needed, so building the vault touches no folder outside the clinic's.
        self._scratch: PrivateTemp | None = None

    # ---- paths ---------------------------------------------------------------------------
    def blob_path(self, blob: str) -> Path:
        return self.folder / f"{blob}{BLOB_SUFFIX}"

    def _lock_path(self, blob: str) -> Path:
        return self.folder / f"{blob}{LOCK_SUFFIX}"

    @property
    def quarantine_folder(self) -> Path:
        return self.folder / QUARANTINE_DIR

    # ---- startup check -----------------------------------------------------------------------
    def check(self) -> StartupReport:
        """The start-up check: repair what a crash leaves behind and say what needs the user.

        Removes *.part files and the decrypted copies of crashed ClinicGuard processes, quarantines
        blobs with no row, reports missing blobs and a damaged database. It moves files: reading
        commands (`status`) do not run it; the GUI and the vault commands do, once, at start.
        """
        remove_stale_open_folders()
        known = self.store.blob_names()
        parts, quarantined = [], []
        for entry in sorted(self.folder.iterdir()):
            if not entry.is_file():
                continue
            name = entry.name
            if name.endswith(PART_SUFFIX):
                blob = name.split(".", 1)[0]
                if not held_by_another_ingest(self._lock_path(blob)):
                    entry.unlink(missing_ok=True)
                    parts.append(name)
            elif name.endswith(BLOB_SUFFIX):
                blob = name[: -len(BLOB_SUFFIX)]
                # An ingest releases its lock only after its commit: once the lock is free, asking
                # the database again tells whether another process recorded the blob meanwhile.
                if blob not in known and not held_by_another_ingest(self._lock_path(blob)) \
                        and not self.store.has_blob(blob):
                    self.quarantine_folder.mkdir(exist_ok=True)
                    replace(entry, self.quarantine_folder / name)
                    quarantined.append(name)
        for lock in self.folder.glob(f"*{LOCK_SUFFIX}"):
            blob = lock.name[: -len(LOCK_SUFFIX)]
            try:
                stale = time.time() - lock.stat().st_mtime > _STALE_LOCK_SECONDS
            except FileNotFoundError:  # its ingest just finished
                continue
            if (stale or blob in known or blob + BLOB_SUFFIX in quarantined) and not held_by_another_ingest(lock):
                lock.unlink(missing_ok=True)
        if parts or quarantined:
            fsync_dir(self.folder)
            if quarantined:
                fsync_dir(self.quarantine_folder)
        missing = tuple(ev for ev in self.store.all() if not self.blob_path(ev.blob).exists())
        self.startup_report = StartupReport(tuple(parts), tuple(quarantined), missing, self.store.quick_check())
        return self.startup_report

    # ---- ingest ----------------------------------------------------------------------------------
    def stage(self, actor: Actor | None, source: Path | BinaryIO, *, original_name: str | None = None,
              size_hint: int = 0, progress: Progress | None = None, cancelled: Cancelled | None = None) -> StagedBlob:
        """Encrypt a file into the vault (no database access: safe on a worker thread).

        The caller must pass the result to `record` or `discard`.
        """
        require(actor, Permission.ADD_EVIDENCE)
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.is_file():
                raise NotFound(tr("The file {file} does not exist.", file=path))
            try:
                with open(path, "rb", buffering=PROGRESS_STEP) as fh:
                    return self.stage(actor, fh, original_name=original_name or path.name,
                                      size_hint=path.stat().st_size, progress=progress, cancelled=cancelled)
            except PermissionError:
                raise VaultError(tr("The file {file} cannot be read (open in another program?).", file=path)) from None
        original_name = (original_name or "").strip() or "preuve"
        blob = secrets.token_hex(16)
        lock = IngestLock(self._lock_path(blob))
        part = self.folder / f"{blob}{BLOB_SUFFIX}{PART_SUFFIX}"
        final = self.blob_path(blob)
        meter = Meter(progress, cancelled, size_hint)
        try:
            with open(part, "xb") as out:
                encrypt(source, out, keys.recipients(self._data_dir), meter)
                out.flush()
                os.fsync(out.fileno())
            replace(part, final)
            fsync_dir(self.folder)
            sha256 = meter.hexdigest()
        except BaseException:
            part.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            lock.release()
            raise
        meter.finish()
        media_type = mimetypes.guess_type(original_name)[0] or "application/octet-stream"
        return StagedBlob(blob, original_name, media_type, meter.size, sha256, lock)

    def discard(self, staged: StagedBlob) -> None:
        self.blob_path(staged.blob).unlink(missing_ok=True)
        staged.lock.release()

    def record(self, actor: Actor | None, staged: StagedBlob, *, title: str | None = None, description: str = "",
               items: Iterable[str] = (), actions: Iterable[int] = (), valid_from=None, expires_on=None) -> Evidence:
        """Insert the row, its links and its audit entry in one transaction (UI thread).

        The blob is discarded only if the row did not commit: a committed row without its blob
        would be evidence lost, whereas a kept orphan blob is quarantined at the next start.
        """
        body_done = False
        try:
            evidence = self._new_evidence(actor, staged, title, description, items, actions, valid_from, expires_on)
            with self._uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
                evidence_id = self.store.insert(evidence)
                evidence = dc_replace(evidence, id=evidence_id)
                audit.record("evidence.add", "evidence", evidence_id, None, evidence.public())
                body_done = True
        except BaseException:
            if body_done and self._committed(staged):
                staged.lock.release()
            else:
                self.discard(staged)
            raise
        staged.lock.release()
        return evidence

    def _committed(self, staged: StagedBlob) -> bool:
        """After a failure at or past the commit: is the staged blob's row in the database for good?"""
        try:
            return self.store.blob_committed(staged.blob)
        except Exception:  # noqa: BLE001 - cannot tell: keep the blob, the startup check sorts it out
            return True

    def add(self, actor: Actor | None, source: Path | BinaryIO, *, original_name: str | None = None,
            title: str | None = None, description: str = "", items: Iterable[str] = (), actions: Iterable[int] = (),
            valid_from=None, expires_on=None, progress: Progress | None = None,
            cancelled: Cancelled | None = None) -> Evidence:
        """Encrypt a file into the vault and record it as evidence for the given items and actions."""
        items, actions = tuple(items), tuple(actions)
        # Refuse bad input before spending minutes encrypting a large file.
        require(actor, Permission.ADD_EVIDENCE)
        self._check_links_and_dates(items, actions, valid_from, expires_on)
        staged = self.stage(actor, source, original_name=original_name, progress=progress, cancelled=cancelled)
        return self.record(actor, staged, title=title, description=description, items=items, actions=actions,
                           valid_from=valid_from, expires_on=expires_on)

    def _check_links_and_dates(self, items, actions, valid_from, expires_on):
        """The links and dates a new evidence may have, normalised; raises on unknown ids or bad dates."""
        items = tuple(dict.fromkeys(self._check_item(i) for i in items))
        actions = tuple(dict.fromkeys(self._check_action(a) for a in actions))
        valid_from = parse_date(valid_from) if valid_from else date.today().isoformat()
        expires_on = parse_date(expires_on) if expires_on else None
        if expires_on and expires_on < valid_from:
            raise VaultError(tr("The expiry date must come after the date the evidence is valid from."))
        return items, actions, valid_from, expires_on

    def _new_evidence(self, actor, staged, title, description, items, actions, valid_from, expires_on) -> Evidence:
        require(actor, Permission.ADD_EVIDENCE)
        items, actions, valid_from, expires_on = self._check_links_and_dates(items, actions, valid_from, expires_on)
        name = staged.original_name
        title = (title or "").strip() or Path(name).stem or name
        check_text(title, tr("the title"))
        check_text(description, tr("the description"))
        return Evidence(
            id=0, blob=staged.blob, title=title, description=(description or "").strip(), original_name=name,
            media_type=staged.media_type, size=staged.size, sha256=staged.sha256, added_by=actor.id,
            added_by_name=actor.name, added_at=utc_now(), valid_from=valid_from, expires_on=expires_on,
            items=items, actions=actions,
        )

    def _check_item(self, item_id) -> str:
        item_id = str(item_id).strip()
        if item_id not in self._catalogue:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        return item_id

    def _check_action(self, action_id) -> int:
        try:
            action_id = int(action_id)
        except (TypeError, ValueError):
            raise NotFound(tr("Unknown action {id!r}.", id=action_id)) from None
        if not self.store.has_action(action_id):
            raise NotFound(tr("Unknown action {id!r}.", id=action_id))
        return action_id

    # ---- changes -----------------------------------------------------------------------------------
    def get(self, evidence_id: int) -> Evidence:
        evidence = self.store.get(int(evidence_id))
        if evidence is None:
            raise NotFound(tr("Unknown evidence {id}.", id=evidence_id))
        return evidence

    def link(self, actor: Actor | None, evidence_id: int, *, items: Iterable[str] = (),
             actions: Iterable[int] = ()) -> Evidence:
        """Attach an existing file to more recommendations or actions."""
        require(actor, Permission.ADD_EVIDENCE)
        items = tuple(self._check_item(i) for i in items)
        actions = tuple(self._check_action(a) for a in actions)
        return self._change_links(actor, evidence_id, "evidence.link", self.store.link, items, actions)

    def unlink(self, actor: Actor | None, evidence_id: int, *, items: Iterable[str] = (),
               actions: Iterable[int] = ()) -> Evidence:
        """Detach a file; ids are not checked, so a link to a retired recommendation can be removed."""
        return self._change_links(actor, evidence_id, "evidence.unlink", self.store.unlink, tuple(items), tuple(actions))

    def _change_links(self, actor, evidence_id, kind: str, change, items, actions) -> Evidence:
        with self._uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
            before = self.get(evidence_id)
            change(before.id, items, actions)
            after = self.get(evidence_id)
            if after != before:
                audit.record(kind, "evidence", before.id,
                             {"items": list(before.items), "actions": list(before.actions)},
                             {"items": list(after.items), "actions": list(after.actions)})
        return after

    def update(self, actor: Actor | None, evidence_id: int, **changes) -> Evidence:
        """Change a file's title, description, valid-from or expiry date."""
        if "title" in changes:
            changes["title"] = (changes["title"] or "").strip()
            if not changes["title"]:
                raise VaultError(tr("Give the evidence a title."))
        for field, word in (("title", tr("the title")), ("description", tr("the description"))):
            if changes.get(field):
                check_text(changes[field], word)
        for field in ("valid_from", "expires_on"):
            if field in changes:
                changes[field] = parse_date(changes[field]) if changes[field] else None
        if "valid_from" in changes and not changes["valid_from"]:
            raise VaultError(tr("Enter the date the evidence is valid from."))
        with self._uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
            before = self.get(evidence_id)
            merged = dc_replace(before, **changes)
            if merged == before:  # nothing changed: nothing to write, nothing to audit
                return before
            if merged.expires_on and merged.expires_on < merged.valid_from:
                raise VaultError(tr("The expiry date must come after the date the evidence is valid from."))
            changed = {k: v for k, v in changes.items() if getattr(before, k) != v}
            self.store.update(before.id, **changed)
            audit.record("evidence.update", "evidence", before.id, {k: getattr(before, k) for k in changed}, changed)
        return self.get(evidence_id)

    def delete(self, actor: Actor | None, evidence_id: int, reason: str) -> None:
        """Remove a file; the audit trail keeps a tombstone (name, SHA-256, who, when, why)."""
        reason = (reason or "").strip()
        if not reason:
            raise VaultError(tr("Give the reason for deleting this evidence: it is kept in the audit trail."))
        with self._uow.writing(actor, Permission.DELETE_EVIDENCE) as audit:
            evidence = self.get(evidence_id)
            self.store.delete(evidence.id)
            tombstone = {"name": evidence.original_name, "title": evidence.title, "sha256": evidence.sha256,
                         "size": evidence.size, "deleted_by": actor.name, "deleted_at": utc_now(), "reason": reason}
            audit.record("evidence.delete", "evidence", evidence.id, evidence.public(), {"tombstone": tombstone})
        # After the commit: a crash here leaves an orphan blob, which the next check quarantines.
        self.blob_path(evidence.blob).unlink(missing_ok=True)
        fsync_dir(self.folder)

    # ---- reading ---------------------------------------------------------------------------------
    @contextmanager
    def _checked_plaintext(self, evidence: Evidence, folder: Path, progress: Progress | None = None,
                           cancelled: Cancelled | None = None) -> Iterator[Path]:
        """Decrypt into a private folder and check size and SHA-256 there; yield the checked file.

        Nothing is written anywhere else before the check, so a damaged, truncated or swapped blob
        (another evidence's content) never reaches the user's folders, not even for a moment. The
        file is removed afterwards unless the caller moved it.
        """
        blob = self.blob_path(evidence.blob)
        if not blob.exists():
            raise EvidenceMissing(tr("The file of the evidence {id} ({name}) is missing from the vault: restore a backup.",
                                     id=evidence.id, name=evidence.original_name))
        identity = self._identity()
        tmp = folder / f"{secrets.token_hex(16)}{PART_SUFFIX}"
        meter = Meter(progress, cancelled, evidence.size)
        try:
            with open(tmp, "xb") as out, open(blob, "rb") as src:
                intact = decrypt(src, out, identity, meter)
            if not intact or meter.size != evidence.size or meter.hexdigest() != evidence.sha256:
                raise EvidenceDamaged(tr("The file of the evidence {id} ({name}) is damaged: restore a backup.",
                                         id=evidence.id, name=evidence.original_name))
            meter.finish()
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)

    def open_copy(self, actor: Actor | None, evidence: Evidence, temp: PrivateTemp, *,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
        """Decrypt a file into the private temporary folder, to open it in its default program.

        No database access (safe on a worker thread, once the key is read): the caller reads the
        record before and audits the opening after (`record_open`).
        """
        require(actor, Permission.READ)
        folder = temp.path / str(evidence.id)
        folder.mkdir(mode=0o700, exist_ok=True)
        dest = folder / safe_file_name(evidence.original_name)
        with self._checked_plaintext(evidence, temp.path, progress, cancelled) as plain:
            replace(plain, dest)
        return dest

    def record_open(self, actor: Actor | None, evidence: Evidence) -> None:
        """Note in the audit trail who read a decrypted copy of the file (CNIL: who consulted what)."""
        with self._uow.writing(actor, Permission.READ) as audit:
            audit.record("evidence.open", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "sha256": evidence.sha256})

    def export(self, actor: Actor | None, evidence_id: int, out: Path, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> Path:
        """Write a decrypted copy into a folder (original name, sanitised) or to a chosen file name.

        Journaled twice: as started (with its destination) before any byte leaves the vault, then as
        done once the file is in place; a failure is journaled as abandoned (no file written)."""
        evidence = self.get(evidence_id)
        dest = self.destination(evidence, out)
        self.record_export_started(actor, evidence, dest)
        try:
            dest = self.decrypt_copy(actor, evidence, dest, progress=progress, cancelled=cancelled, decided=True)
        except BaseException as exc:
            try:
                self.record_export_abandoned(actor, evidence, dest, exc)
            except Exception:  # noqa: BLE001  (the first error is the one to report)
                log.warning("could not journal the abandoned export of evidence %s", evidence.id)
            raise
        self.record_export(actor, evidence, dest)
        return dest

    def destination(self, evidence: Evidence, out: Path) -> Path:
        """Where `export` writes: a free name in a folder (the original name, sanitised), or the
        sanitised file name given."""
        out = Path(out)
        if out.is_dir():
            return free_name(out / safe_file_name(evidence.original_name))
        if not out.parent.is_dir():
            raise NotFound(tr("The folder {folder} does not exist.", folder=out.parent))
        return out.parent / safe_file_name(out.name)

    def decrypt_copy(self, actor: Actor | None, evidence: Evidence, out: Path, *, progress: Progress | None = None,
                     cancelled: Cancelled | None = None, decided: bool = False) -> Path:
        """The decrypting half of `export`, without database access (safe on a worker thread).

        `decided`: `out` is the file name `destination` chose (journaled as started), used as is.

        The checked file is copied, not moved, into the destination: a new file there takes the
        folder's permissions (a moved one would keep the private folder's owner-only rights on
        Windows), and the private folder may be on another drive.
        """
        require(actor, Permission.EXPORT)
        dest = Path(out) if decided else self.destination(evidence, out)
        with self._checked_plaintext(evidence, self._scratch_folder(), progress, cancelled) as plain, \
                open(plain, "rb") as src, atomic_output(dest, pending=self._pending) as copy:
            shutil.copyfileobj(src, copy, PROGRESS_STEP)
        return dest

    def _scratch_folder(self) -> Path:
        if self._scratch is None:
            self._scratch = PrivateTemp()
        return self._scratch.path

    def record_export_started(self, actor: Actor | None, evidence: Evidence, dest: Path) -> None:
        """Note in the audit trail, before the file appears, that a decrypted copy is being written
        and where: a kill after the copy leaves no decrypted file the journal does not mention."""
        with self._uow.writing(actor, Permission.EXPORT) as audit:
            audit.record("evidence.export.start", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "sha256": evidence.sha256, "to": str(dest)})

    def record_export_abandoned(self, actor: Actor | None, evidence: Evidence, dest: Path,
                                reason: BaseException) -> None:
        with self._uow.writing(actor, Permission.EXPORT) as audit:
            audit.record("evidence.export.abandoned", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "to": str(dest), "reason": type(reason).__name__})

    def record_export(self, actor: Actor | None, evidence: Evidence, dest: Path) -> None:
        """Note in the audit trail that a decrypted copy left the vault, and where to (done)."""
        with self._uow.writing(actor, Permission.EXPORT) as audit:
            audit.record("evidence.export", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "sha256": evidence.sha256, "to": str(dest)})

    def verify(self, evidence: Iterable[Evidence] | None = None, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> VerifyReport:
        """Decrypt every blob and compare its SHA-256; touches the database only if `evidence` is None.

        Reads the key before starting, so a missing key is reported once, not as damage.
        """
        files = list(self.store.all() if evidence is None else evidence)
        identity = self._identity()
        total = sum(ev.size for ev in files)
        done, results = 0, []
        for ev in files:
            blob = self.blob_path(ev.blob)
            if not blob.exists():
                results.append(VerifiedFile(ev, Integrity.MISSING))
                done += ev.size
                continue
            meter = Meter(progress, cancelled, total, done)
            try:
                with open(blob, "rb") as src:
                    intact = decrypt(src, None, identity, meter)
                intact = intact and meter.size == ev.size and meter.hexdigest() == ev.sha256
            except OperationCancelled:
                return VerifyReport(tuple(results), cancelled=True)
            except OSError:
                intact = False
            results.append(VerifiedFile(ev, Integrity.INTACT if intact else Integrity.DAMAGED))
            done += ev.size
            if progress is not None:
                progress(done, total)
        return VerifyReport(tuple(results))

    # ---- dashboard -------------------------------------------------------------------------------
    def summary(self, today: date | None = None) -> dict:
        """Items without evidence, evidence expiring within EXPIRY_WARNING_DAYS, and expired evidence."""
        today = today or date.today()
        files = self.store.all()
        covered = set(self.store.counts_by_item())
        without = [item_id for item_id in self._applicable_item_ids() if item_id not in covered]

        def brief(ev: Evidence) -> dict:
            return {"id": ev.id, "title": ev.title, "expires_on": ev.expires_on, "items": list(ev.items)}

        return {
            "evidence_files": len(files),
            "items_without_evidence": without,
            f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days": [brief(ev) for ev in files
                                                            if ev.expiry_state(today) is ExpiryState.EXPIRING],
            "evidence_expired": [brief(ev) for ev in files if ev.expiry_state(today) is ExpiryState.EXPIRED],
        }
