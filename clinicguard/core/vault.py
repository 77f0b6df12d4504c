"""The evidence vault: each file stored as a standard age v1 blob, written so nothing is ever lost.

Blobs are encrypted to the clinic key and the recovery key, streamed in both directions so memory
does not grow with a file's size, and named by a random id (the file name stays in the database).
Ingest follows security.md: *.part, fsync, replace, fsync the folder, then one transaction for the
row, its links and its audit entry. `check()` repairs what a crash can leave behind.
"""

from __future__ import annotations

import atexit
import hashlib
import mimetypes
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace as dc_replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pyrage

from clinicguard.core import keys
from clinicguard.core.clock import utc_now
from clinicguard.model.errors import ClinicGuardError, NotFound
from clinicguard.core.evidence import (
    EXPIRY_WARNING_DAYS,
    Evidence,
    ExpiryState,
    Integrity,
    StartupReport,
    VerifiedFile,
    VerifyReport,
    safe_file_name,
)
from clinicguard.core.fsutil import atomic_output, fsync_dir, replace
from clinicguard.model.people import Actor, Permission
from clinicguard.core.permissions import require
from clinicguard.i18n import tr
from clinicguard.store.db import quick_check
from clinicguard.store.evidence_store import EvidenceStore
from clinicguard.core.formatting import parse_date

VAULT_DIR = "vault"
QUARANTINE_DIR = "quarantine"
BLOB_SUFFIX = ".age"
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
# Report progress about once per MiB: pyrage reads 8 KiB at a time, and a signal per read
# would flood the GUI's event loop.
_PROGRESS_STEP = 1 << 20
# An unlocked lock file this old belongs to no running ingest.
_STALE_LOCK_SECONDS = 3600

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class VaultError(ClinicGuardError):
    pass


class EvidenceDamaged(VaultError):
    pass


class EvidenceMissing(VaultError):
    pass


class OperationCancelled(VaultError):
    pass


# ---- streaming helpers -------------------------------------------------------------------------
class _Meter:
    """Hashes the plaintext as it streams by, reports progress, and stops when asked.

    The hash runs inline: pyrage holds the GIL while it encrypts, so a hashing thread was measured
    slower (4.1 s against 3.7 s per GiB), not faster.
    """

    def __init__(self, progress: Progress | None, cancelled: Cancelled | None, total: int, done: int = 0):
        self._sha = hashlib.sha256()
        self.size = 0
        self._progress, self._cancelled = progress, cancelled
        self._total, self._base, self._reported = total, done, done
        self.was_cancelled = False

    def feed(self, data: bytes) -> None:
        if self._cancelled is not None and self._cancelled():
            self.was_cancelled = True
            # pyrage turns this into an I/O error; `was_cancelled` tells the caller why.
            raise OperationCancelled(tr("Cancelled."))
        self._sha.update(data)
        self.size += len(data)
        done = self._base + self.size
        if self._progress is not None and done - self._reported >= _PROGRESS_STEP:
            self._reported = done
            self._progress(done, max(self._total, done))

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    def finish(self) -> None:
        if self._progress is not None:
            done = self._base + self.size
            self._progress(done, max(self._total, done))


class _MeteredReader:
    def __init__(self, raw: BinaryIO, meter: _Meter):
        self._raw, self._meter = raw, meter

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if data:
            self._meter.feed(data)
        return data


class _MeteredWriter:
    def __init__(self, raw: BinaryIO | None, meter: _Meter):
        self._raw, self._meter = raw, meter

    def write(self, data) -> int:
        self._meter.feed(data)
        if self._raw is not None:
            self._raw.write(data)
        return len(data)

    def flush(self) -> None:
        if self._raw is not None:
            self._raw.flush()


# ---- locks: a running ingest protects its files from another process's startup check -------------
def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        if os.name == "nt":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


class _IngestLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(self._fd):  # a random 128-bit id: nobody else can hold it
            os.close(self._fd)
            raise VaultError(tr("The vault file {name} is in use.", name=path.name))

    def release(self) -> None:
        if self._fd is None:
            return
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None
        self.path.unlink(missing_ok=True)


def _held_by_another_ingest(lock_path: Path) -> bool:
    if not lock_path.exists():
        return False
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return True  # Windows: still open elsewhere
    try:
        if _try_lock(fd):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


# ---- the private folder where opened files live -------------------------------------------------
OPEN_PREFIX = "clinicguard-open-"
OWNER_FILE = "owner.pid"
# A folder without its owner file is either being created right now or very old (a crash between
# mkdtemp and writing the file): only the latter is removed.
_UNOWNED_FOLDER_SECONDS = 24 * 3600


def _process_running(pid: int) -> bool:
    """Whether a process with this id exists; in doubt, say yes (keeping a folder is the safe side)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        process_query_limited_information, still_active, error_invalid_parameter = 0x1000, 259, 87
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return ctypes.get_last_error() != error_invalid_parameter  # 87: no such process
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale_open_folders(parent: Path | None = None, prefix: str = OPEN_PREFIX) -> list[Path]:
    """Remove the private folders of ClinicGuard processes that are gone (a crash skips `cleanup`),
    so that decrypted files do not stay in the temporary folder. Only this user's folders."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(parent.glob(f"{prefix}*"))
    except OSError:
        return removed
    for folder in candidates:
        try:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                continue
            try:
                stale = not _process_running(int((folder / OWNER_FILE).read_text().strip()))
            except FileNotFoundError:
                stale = time.time() - info.st_mtime > _UNOWNED_FOLDER_SECONDS
            except ValueError:
                stale = True
        except OSError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class PrivateTemp:
    """A folder only this user can read, for decrypted files (opened in their default program, or
    checked before they are copied out of the vault).

    It is removed by `cleanup()` (the GUI calls it when it closes) and, as a backstop, at exit. A
    crash skips both: the folder names its owner process, and the next PrivateTemp removes the
    folders whose owner is gone.
    """

    def __init__(self, prefix: str = OPEN_PREFIX, parent: Path | None = None):
        self._prefix, self._parent = prefix, parent
        self._path: Path | None = None
        remove_stale_open_folders(parent, prefix)
        atexit.register(self.cleanup)

    @property
    def path(self) -> Path:
        if self._path is None or not self._path.exists():
            path = Path(tempfile.mkdtemp(prefix=self._prefix, dir=self._parent))  # created with mode 0700
            os.chmod(path, 0o700)
            (path / OWNER_FILE).write_text(str(os.getpid()))
            self._path = path
        return self._path

    def cleanup(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


# ---- the vault -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StagedBlob:
    """A blob safely on disk but not yet recorded: `Vault.record` turns it into evidence."""

    blob: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    lock: _IngestLock


class Vault:
    def __init__(self, workspace):
        self._ws = workspace
        self.store = EvidenceStore(workspace.db)
        self.folder = Path(workspace.data_dir) / VAULT_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        self.startup_report = StartupReport()
        # Where exported files are decrypted and checked before they are copied out; creating it
        # also removes the private folders a crashed ClinicGuard left behind.
        self._scratch = PrivateTemp()

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
        """Repair what a crash leaves: remove *.part, quarantine blobs with no row, report missing blobs."""
        known = self.store.blob_names()
        parts, quarantined = [], []
        for entry in sorted(self.folder.iterdir()):
            if not entry.is_file():
                continue
            name = entry.name
            if name.endswith(PART_SUFFIX):
                blob = name.split(".", 1)[0]
                if not _held_by_another_ingest(self._lock_path(blob)):
                    entry.unlink(missing_ok=True)
                    parts.append(name)
            elif name.endswith(BLOB_SUFFIX):
                blob = name[: -len(BLOB_SUFFIX)]
                # An ingest releases its lock only after its commit: once the lock is free, asking
                # the database again tells whether another process recorded the blob meanwhile.
                if blob not in known and not _held_by_another_ingest(self._lock_path(blob)) \
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
            if (stale or blob in known or blob + BLOB_SUFFIX in quarantined) and not _held_by_another_ingest(lock):
                lock.unlink(missing_ok=True)
        if parts or quarantined:
            fsync_dir(self.folder)
            if quarantined:
                fsync_dir(self.quarantine_folder)
        missing = tuple(ev for ev in self.store.all() if not self.blob_path(ev.blob).exists())
        self.startup_report = StartupReport(tuple(parts), tuple(quarantined), missing, quick_check(self._ws.db))
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
                with open(path, "rb", buffering=_PROGRESS_STEP) as fh:
                    return self.stage(actor, fh, original_name=original_name or path.name,
                                      size_hint=path.stat().st_size, progress=progress, cancelled=cancelled)
            except PermissionError:
                raise VaultError(tr("The file {file} cannot be read (open in another program?).", file=path)) from None
        original_name = (original_name or "").strip() or "preuve"
        blob = secrets.token_hex(16)
        lock = _IngestLock(self._lock_path(blob))
        part = self.folder / f"{blob}{BLOB_SUFFIX}{PART_SUFFIX}"
        final = self.blob_path(blob)
        meter = _Meter(progress, cancelled, size_hint)
        try:
            with open(part, "xb") as out:
                try:
                    pyrage.encrypt_io(_MeteredReader(source, meter), out, keys.recipients(self._ws.data_dir))
                except (pyrage.EncryptError, OSError, ValueError) as exc:
                    if meter.was_cancelled:
                        raise OperationCancelled(tr("Adding the file was cancelled; nothing was kept.")) from None
                    raise VaultError(tr("The file could not be encrypted: {error}", error=exc)) from None
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
            with self._ws.uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
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
            return not self._ws.db.conn.in_transaction and self.store.has_blob(staged.blob)
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
        valid_from = _date(valid_from) if valid_from else date.today().isoformat()
        expires_on = _date(expires_on) if expires_on else None
        if expires_on and expires_on < valid_from:
            raise VaultError(tr("The expiry date must come after the date the evidence is valid from."))
        return items, actions, valid_from, expires_on

    def _new_evidence(self, actor, staged, title, description, items, actions, valid_from, expires_on) -> Evidence:
        require(actor, Permission.ADD_EVIDENCE)
        items, actions, valid_from, expires_on = self._check_links_and_dates(items, actions, valid_from, expires_on)
        name = staged.original_name
        title = (title or "").strip() or Path(name).stem or name
        return Evidence(
            id=0, blob=staged.blob, title=title, description=(description or "").strip(), original_name=name,
            media_type=staged.media_type, size=staged.size, sha256=staged.sha256, added_by=actor.id,
            added_by_name=actor.name, added_at=utc_now(), valid_from=valid_from, expires_on=expires_on,
            items=items, actions=actions,
        )

    def _check_item(self, item_id) -> str:
        item_id = str(item_id).strip()
        if item_id not in self._ws.catalogue:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        return item_id

    def _check_action(self, action_id) -> int:
        try:
            action_id = int(action_id)
        except (TypeError, ValueError):
            raise NotFound(tr("Unknown action {id!r}.", id=action_id)) from None
        if self._ws.db.execute("SELECT 1 FROM action WHERE id = ?", [action_id]).fetchone() is None:
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
        with self._ws.uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
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
        for field in ("valid_from", "expires_on"):
            if field in changes:
                changes[field] = _date(changes[field]) if changes[field] else None
        if "valid_from" in changes and not changes["valid_from"]:
            raise VaultError(tr("Enter the date the evidence is valid from."))
        with self._ws.uow.writing(actor, Permission.ADD_EVIDENCE) as audit:
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
        with self._ws.uow.writing(actor, Permission.DELETE_EVIDENCE) as audit:
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
        identity = self._ws.keys.identity
        tmp = folder / f"{secrets.token_hex(16)}{PART_SUFFIX}"
        meter = _Meter(progress, cancelled, evidence.size)
        try:
            with open(tmp, "xb") as out, open(blob, "rb") as src:
                intact = self._decrypt_stream(src, _MeteredWriter(out, meter), identity, meter)
            if not intact or meter.size != evidence.size or meter.hexdigest() != evidence.sha256:
                raise EvidenceDamaged(tr("The file of the evidence {id} ({name}) is damaged: restore a backup.",
                                         id=evidence.id, name=evidence.original_name))
            meter.finish()
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _decrypt_stream(src, writer, identity, meter: _Meter) -> bool:
        try:
            pyrage.decrypt_io(src, writer, [identity])
        except (pyrage.DecryptError, OSError, ValueError):
            if meter.was_cancelled:
                raise OperationCancelled(tr("Cancelled.")) from None
            return False
        return True

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
        with self._ws.uow.writing(actor, Permission.READ) as audit:
            audit.record("evidence.open", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "sha256": evidence.sha256})

    def export(self, actor: Actor | None, evidence_id: int, out: Path, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> Path:
        """Write a decrypted copy into a folder (original name, sanitised) or to a chosen file name."""
        evidence = self.get(evidence_id)
        dest = self.decrypt_copy(actor, evidence, out, progress=progress, cancelled=cancelled)
        self.record_export(actor, evidence, dest)
        return dest

    def decrypt_copy(self, actor: Actor | None, evidence: Evidence, out: Path, *, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> Path:
        """The decrypting half of `export`, without database access (safe on a worker thread).

        The checked file is copied, not moved, into the destination: a new file there takes the
        folder's permissions (a moved one would keep the private folder's owner-only rights on
        Windows), and the private folder may be on another drive.
        """
        require(actor, Permission.EXPORT)
        out = Path(out)
        if out.is_dir():
            dest = _free_name(out / safe_file_name(evidence.original_name))
        else:
            if not out.parent.is_dir():
                raise NotFound(tr("The folder {folder} does not exist.", folder=out.parent))
            dest = out.parent / safe_file_name(out.name)
        with self._checked_plaintext(evidence, self._scratch.path, progress, cancelled) as plain, \
                open(plain, "rb") as src, atomic_output(dest) as copy:
            shutil.copyfileobj(src, copy, _PROGRESS_STEP)
        return dest

    def record_export(self, actor: Actor | None, evidence: Evidence, dest: Path) -> None:
        """Note in the audit trail that a decrypted copy left the vault, and where to."""
        with self._ws.uow.writing(actor, Permission.EXPORT) as audit:
            audit.record("evidence.export", "evidence", evidence.id, None,
                         {"name": evidence.original_name, "sha256": evidence.sha256, "to": str(dest)})

    def verify(self, evidence: Iterable[Evidence] | None = None, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> VerifyReport:
        """Decrypt every blob and compare its SHA-256; touches the database only if `evidence` is None.

        Reads the key before starting, so a missing key is reported once, not as damage.
        """
        files = list(self.store.all() if evidence is None else evidence)
        identity = self._ws.keys.identity
        total = sum(ev.size for ev in files)
        done, results = 0, []
        for ev in files:
            blob = self.blob_path(ev.blob)
            if not blob.exists():
                results.append(VerifiedFile(ev, Integrity.MISSING))
                done += ev.size
                continue
            meter = _Meter(progress, cancelled, total, done)
            try:
                with open(blob, "rb") as src:
                    intact = self._decrypt_stream(src, _MeteredWriter(None, meter), identity, meter)
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
        """Items without evidence, evidence expiring within 60 days, and expired evidence."""
        today = today or date.today()
        files = self.store.all()
        covered = set(self.store.counts_by_item())
        without = [row.item.id for row in self._ws.checklist.rows() if row.applies and row.item.id not in covered]

        def brief(ev: Evidence) -> dict:
            return {"id": ev.id, "title": ev.title, "expires_on": ev.expires_on, "items": list(ev.items)}

        return {
            "evidence_files": len(files),
            "items_without_evidence": without,
            f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days": [brief(ev) for ev in files
                                                            if ev.expiry_state(today) is ExpiryState.EXPIRING],
            "evidence_expired": [brief(ev) for ev in files if ev.expiry_state(today) is ExpiryState.EXPIRED],
        }


def _free_name(path: Path) -> Path:
    """Never overwrite a file the user already has: add ' (2)', ' (3)'..."""
    if not path.exists():
        return path
    stem, suffix = path.stem, path.suffix
    n = 2
    while (candidate := path.with_name(f"{stem} ({n}){suffix}")).exists():
        n += 1
    return candidate


def _date(value) -> str:
    return parse_date(value)
