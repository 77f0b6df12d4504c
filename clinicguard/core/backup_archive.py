"""The backup file itself: one age-encrypted tar holding a consistent copy of a clinic folder,
written beside its destination and read back in full before it gets its final name.

The file is `age` (to the clinic key and the recovery key) around a plain tar archive, so that
`age -d -i recovery.key FILE | tar x` reads it without ClinicGuard. The archive holds the SQLite
snapshot, the vault blobs, the key files (public recipients and the escrowed clinic key), the
audit-head file and, last, `manifest.json` (path, size and SHA-256 of every entry, the audit
head, the clinic, the versions and the creation time). Everything streams: memory stays flat
whatever the size of the vault.

This module knows folders and a database connection, not an open clinic, so that the composition
root can back a clinic up before migrating its database (core/backup.py holds the operations on
an open clinic: journalled create, verify, restore, rotate).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import tarfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime as _dt
from pathlib import Path
from typing import BinaryIO

import pyrage
from sqlite_utils import Database

from clinicguard import __version__
from clinicguard.core import agefile, keys, tarstream
from clinicguard.core.audit import HEAD_FILE as AUDIT_HEAD_FILE
from clinicguard.core.clock import utc_now
from clinicguard.core.fsutil import BINARY, fsync_dir, replace
from clinicguard.core.readback import FollowingReader, Landing
from clinicguard.core.serial import BackgroundWriter, Serial
from clinicguard.core.vault.service import VAULT_DIR
from clinicguard.core.formatting import local_time
from clinicguard.i18n import tr, trn
from clinicguard.model.errors import ClinicGuardError
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.db import known_migrations, snapshot

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
SUFFIX = ".cgbackup.age"
PART = ".part"
CHUNK = 1 << 20
PROGRESS_STEP = 4 << 20  # progress is reported every 4 MiB, not for every block
RECOVERY_KEY_ENV = "CLINICGUARD_RECOVERY_KEY"
SNAPSHOT_PREFIX = ".backup-"  # the snapshot and head copy made in the clinic folder while a backup runs
RESTORE_MARK = ".restore-"  # the hidden folder a restore is staged in, beside its target

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class BackupError(ClinicGuardError):
    """A backup that cannot be made, read or restored; the message says why."""


class WrongBackupKey(BackupError):
    pass


class DamagedBackup(BackupError):
    pass


class BackupNotFound(BackupError):
    """The file to read is not there (or is a folder): nothing was checked."""


class NewerBackup(BackupError):
    pass


class DestinationUnavailable(BackupError):
    """The destination folder is not there (unplugged drive, disconnected share), or is full."""


class BackupCancelled(BackupError):
    pass


@dataclass(frozen=True)
class Checked:
    path: Path
    manifest: dict
    size: int
    copies: tuple[Path, ...] = field(default=())  # the same file, verified, at the second destination
    problems: tuple[str, ...] = field(default=())  # what went wrong at a second destination


def backup_name(clinic_uuid: str, when: str) -> str:
    stamp = when.split("+")[0].replace("-", "").replace(":", "").replace(".", "")  # to the microsecond
    return f"clinicguard-{clinic_uuid[:8]}-{stamp}{SUFFIX}"


class _HashingReader:
    """Hashes what is read through it (on `hashing`'s thread when given); `on_read(n)` may report
    progress or raise to cancel."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None] | None = None, hashing: Serial | None = None):
        self._raw, self.sha, self._on_read, self._hashing = raw, hashlib.sha256(), on_read, hashing

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if self._hashing is None:
            self.sha.update(data)
        elif data:
            self._hashing.submit(self.sha.update, data)
        if self._on_read is not None:
            self._on_read(len(data))
        return data


class _Meter:
    """Counts bytes, reports progress every few MiB and stops the work when it is cancelled."""

    def __init__(self, progress: Progress | None, cancelled: Cancelled | None, total: int, offset: int = 0,
                 scale: float = 1.0, grand_total: int | None = None, message: str = "",
                 also: Callable[[], int] | None = None):
        self.progress, self.cancelled = progress, cancelled
        self.total, self.offset, self.scale = total, offset, scale
        self.grand_total = grand_total if grand_total is not None else total
        self.done, self._next = 0, 0
        self.message = message
        self.also = also  # work done beside this meter's, counted in its progress (a read-back)

    def __call__(self, n: int) -> None:
        self.done += n
        if self.done >= self._next:
            self._next = self.done + PROGRESS_STEP
            self.check()
            self.report()

    def report(self) -> None:
        if self.progress is not None:
            done = self.offset + int(min(self.done, self.total) * self.scale)
            if self.also is not None:
                done += self.also()
            self.progress(min(done, self.grand_total), self.grand_total)

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise BackupCancelled(self.message or tr("Cancelled."))


def _entries(data_dir: Path, snapshot_path: Path) -> list[tuple[str, Path]]:
    entries = [(DATABASE_NAME, snapshot_path)]
    for folder in (keys.KEYS_DIR, VAULT_DIR):
        base = data_dir / folder
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file() and not p.name.endswith((PART, ".lock")) and "quarantine" not in p.parts:
                    entries.append((p.relative_to(data_dir).as_posix(), p))
    head = data_dir / AUDIT_HEAD_FILE
    if head.exists():
        entries.append((AUDIT_HEAD_FILE, head))
    return entries


def _tar_header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _write_tar(out: agefile.Encryptor, entries: list[tuple[str, Path]], base_manifest: dict, meter: _Meter,
               hashing: Serial) -> None:
    """A POSIX (pax) tar of `entries` then `manifest.json`, streamed into `out` 1 MiB at a time,
    each entry hashed on `hashing`'s thread as it is read (tarfile's own writer would copy every
    block twice more)."""
    listed = []
    written = 0
    for name, path in entries:
        meter.check()
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            header = _tar_header(name, st.st_size, int(st.st_mtime))
            out.write(header)
            sha, left = hashlib.sha256(), st.st_size
            while left > 0:
                block = f.read(min(CHUNK, left))
                if not block:  # the file shrank while it was read: not a consistent copy
                    raise BackupError(tr("{file} changed while it was backed up; try again.", file=name))
                hashing.submit(sha.update, block)
                out.write(block)
                left -= len(block)
                meter(len(block))
            pad = -st.st_size % tarfile.BLOCKSIZE
            out.write(b"\0" * pad)
            written += len(header) + st.st_size + pad
        entry = {"path": name, "size": st.st_size}
        hashing.submit(lambda entry=entry, sha=sha: entry.update(sha256=sha.hexdigest()))
        listed.append(entry)
    hashing.drain()
    data = json.dumps({**base_manifest, "entries": listed}, indent=2, ensure_ascii=False).encode()
    header = _tar_header(MANIFEST, len(data), 0)
    pad = -len(data) % tarfile.BLOCKSIZE
    out.write(header + data + b"\0" * pad)
    written += len(header) + len(data) + pad
    end = 2 * tarfile.BLOCKSIZE  # two empty blocks close the archive, padded to a whole record as tar does
    end += -(written + end) % tarfile.RECORDSIZE
    out.write(b"\0" * end)


def _unavailable(destination: Path) -> DestinationUnavailable:
    return DestinationUnavailable(tr("The backup destination {folder} is not available (unplugged drive or missing "
                                     "folder?).", folder=destination))


def _write_problem(destination: Path, exc: BaseException) -> BackupError:
    """The message for a write that failed: a full destination and a vanished one are told apart."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return DestinationUnavailable(tr("The backup destination {folder} is full: free some space there or choose "
                                         "another destination. No backup file was left there.", folder=destination))
    if not destination.is_dir():
        return DestinationUnavailable(tr("The backup destination {folder} disappeared while the backup was written "
                                         "(drive unplugged?). No backup was made.", folder=destination))
    return BackupError(tr("The backup could not be written to {folder}: {error}", folder=destination, error=exc))


def _remove(path: Path | None) -> None:
    if path is None:
        return
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:  # an unplugged drive: the leftover `.part` is removed at a later start
        log.warning("could not remove %s", path)


def _open_private(path: Path) -> BinaryIO:
    """A new file readable by its owner only (0600), unbuffered: the encryptor writes 1 MiB at a time."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | BINARY, 0o600), "wb", buffering=0)


def write_backup(data_dir: Path, db: Database, destination: Path, *,
                 hold_writes: Callable[[], AbstractContextManager], progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> Checked:
    """Write a backup of the clinic folder `data_dir` (database `db`) into `destination` and read it
    back in full before it gets its final name; return it checked.

    `hold_writes()` keeps other writers out while the database is copied, so the snapshot and the
    audit-head file agree. The file is also encrypted to a throwaway key made for this backup
    alone, which reads it back: verifying never needs the clinic key (a backup made before a
    migration, when no passphrase was asked yet). The throwaway key is never stored.
    """
    destination = Path(destination)
    if not destination.is_dir():
        raise _unavailable(destination)
    clinic = ClinicStore(db).get()
    snap = data_dir / f"{SNAPSHOT_PREFIX}{secrets.token_hex(8)}.sqlite"
    head_copy = data_dir / f"{SNAPSHOT_PREFIX}{secrets.token_hex(8)}.head"
    tmp = None
    cancel_text = tr("The backup was cancelled: no backup file was left at the destination.")
    try:
        with hold_writes():
            snapshot(db, snap)
            if (data_dir / AUDIT_HEAD_FILE).exists():
                shutil.copyfile(data_dir / AUDIT_HEAD_FILE, head_copy)
        snap_db = Database(str(snap))
        try:
            head = AuditStore(snap_db).head()
            migrations = [r[0] for r in snap_db.execute("SELECT name FROM _sqlite_migrations")]
        finally:
            snap_db.close()
        entries = [(n, head_copy if n == AUDIT_HEAD_FILE else p) for n, p in _entries(data_dir, snap)]
        now = utc_now()
        manifest = {"format": FORMAT, "app_version": __version__, "catalogue_version": clinic.catalogue_version,
                    "schema": migrations, "clinic_id": clinic.uuid, "clinic_name": clinic.name,
                    "created_at": now, "audit_head": {"count": head.count, "hash": head.hash}}
        total = max(sum(p.stat().st_size for _, p in entries), 1)
        final = destination / backup_name(clinic.uuid, now)
        tmp = final.with_name(final.name + PART)
        check_key = pyrage.x25519.Identity.generate()
        recipients = [*keys.recipients(data_dir), check_key.to_public()]
        checked = _write_and_read_back(tmp, destination, entries, manifest, recipients, check_key, clinic.uuid,
                                       total, _Meter(progress, cancelled, total, grand_total=2 * total,
                                                     message=cancel_text))
        try:
            replace(tmp, final)
            fsync_dir(destination)
        except OSError as exc:
            raise _write_problem(destination, exc) from None
        tmp = None
        if progress is not None:
            progress(2 * total, 2 * total)
        return Checked(final, checked.manifest, checked.size)
    finally:
        for p in (snap, head_copy, tmp):
            _remove(p)


class _ReadBack(threading.Thread):
    """Reads the backup being written back in full as it lands on disk (core/readback.py): the
    read-back overlaps the writing instead of doubling its length."""

    def __init__(self, path: Path, identity, clinic_uuid: str, landing: Landing):
        super().__init__(name="backup-read-back", daemon=True)
        self._path, self._identity, self._clinic, self._landing = path, identity, clinic_uuid, landing
        self.counter = _Meter(None, None, 1)  # encrypted bytes read so far
        self.checked: Checked | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with open(self._path, "rb", buffering=0) as raw:
                source = _CountingReader(FollowingReader(raw, self._landing), self.counter)
                manifest = _walk(source, self._identity, None, self._path, self._clinic, None)
            self.checked = Checked(self._path, manifest, self._landing.final or 0)
        except BaseException as exc:  # noqa: BLE001 (raised in the owner's thread by wait)
            self.error = exc

    def wait(self, meter: _Meter) -> Checked:
        """The read-back's result, reporting progress and honouring a cancel meanwhile."""
        while self.is_alive():
            self.join(0.05)
            meter.check()
            meter.report()
        if self.error is not None:
            if isinstance(self.error, OSError):
                raise BackupError(tr("The backup {file} cannot be read: {error}", file=self._path,
                                     error=self.error)) from None
            raise self.error
        return self.checked


def _write_and_read_back(tmp: Path, destination: Path, entries, manifest: dict, recipients, check_key,
                         clinic_uuid: str, total: int, meter: _Meter) -> Checked:
    """Write the encrypted archive to `tmp`, synced, and read it back in full (every hash checked)
    as it lands; the file is complete, synced and checked when this returns."""
    try:
        # Encrypted, and still readable by its owner only (0600), like the database it holds.
        out = _open_private(tmp)
    except OSError as exc:
        raise _write_problem(destination, exc) from None
    with out:
        landing = Landing(out.fileno())
        back = _ReadBack(tmp, check_key, clinic_uuid, landing)
        meter.also = lambda: min(back.counter.done, total)
        back.start()
        try:
            try:
                with Serial("backup-write") as writing, Serial("backup-hash") as hashing:
                    enc = agefile.Encryptor(BackgroundWriter(out, writing, landing.wrote), recipients)
                    _write_tar(enc, entries, manifest, meter, hashing)
                    enc.close()
                    writing.drain()
                os.fsync(out.fileno())
            except OSError as exc:
                raise _write_problem(destination, exc) from None
            landing.finish()
            try:
                return back.wait(meter)
            finally:
                if landing.sync_error is not None:  # the drive failed under the read-back's sync
                    raise _write_problem(destination, landing.sync_error) from None
        finally:
            landing.abort()  # a reader still waiting for more stops (after a failure or a cancel)
            back.join()


def destination_available(folder: str | Path) -> bool:
    """Is the backup folder there? (May take seconds on a disconnected share: never on a UI thread.)"""
    try:
        return Path(folder).is_dir()
    except OSError:
        return False


def missing_destination_text(folder: str | Path) -> str:
    return tr("The backup folder {folder} cannot be found: plug in the drive or reconnect the share.",
              folder=folder)


def write_to_destinations(data_dir: Path, db: Database, destinations: tuple[str, ...] | list[str], *,
                          hold_writes: Callable[[], AbstractContextManager], progress: Progress | None = None,
                          cancelled: Cancelled | None = None) -> Checked:
    """A backup written to the first of `destinations` that is there, and a verified copy in each
    other one that is there. A destination that is missing (the USB drive taken away after use, as
    advised) or whose copy fails is a problem of the result, not a failure, as long as one of them
    holds a verified backup; with none there, the first one's absence is the error."""
    present = [d for d in destinations if destination_available(d)]
    if not present:
        raise _unavailable(Path(destinations[0]))
    problems = tuple(missing_destination_text(d) for d in destinations if d not in present)
    made = write_backup(data_dir, db, Path(present[0]), hold_writes=hold_writes, progress=progress,
                        cancelled=cancelled)
    copies: tuple[Path, ...] = ()
    for other in present[1:]:
        try:
            copies += (copy_verified(made, Path(other)),)
        except BackupError as exc:
            problems += (str(exc),)
    return Checked(made.path, made.manifest, made.size, copies=copies, problems=problems)


def copy_verified(made: Checked, destination: Path) -> Path:
    """Copy a verified backup into a second destination: temporary name, fsync, the copy's bytes
    compared with the original's, then its final name."""
    destination = Path(destination)
    if not destination.is_dir():
        raise _unavailable(destination)
    final = destination / made.path.name
    tmp = final.with_name(final.name + PART)
    try:
        original, copy = hashlib.sha256(), hashlib.sha256()
        with open(made.path, "rb") as src, _open_private(tmp) as out:
            while chunk := src.read(CHUNK):
                original.update(chunk)
                view = memoryview(chunk)
                while len(view):  # unbuffered: a write may take part of the block
                    view = view[out.write(view):]
            os.fsync(out.fileno())
        with open(tmp, "rb") as back:
            while chunk := back.read(CHUNK):
                copy.update(chunk)
        if copy.digest() != original.digest():
            raise BackupError(tr("The copy of the backup in {folder} does not read back as written.",
                                 folder=destination))
        replace(tmp, final)
        fsync_dir(destination)
        tmp = None
        return final
    except OSError as exc:
        raise _write_problem(destination, exc) from None
    finally:
        _remove(tmp)


def _identity_of(secret: str | pyrage.x25519.Identity) -> pyrage.x25519.Identity:
    if isinstance(secret, pyrage.x25519.Identity):
        return secret
    try:
        return pyrage.x25519.Identity.from_str(secret.strip())
    except Exception:  # noqa: BLE001 (pyrage raises several kinds for a malformed key)
        if secret.strip().upper().startswith("AGE-SECRET-KEY-1"):  # a key, mistyped: its checksum fails
            raise WrongBackupKey(tr("This recovery key has a typing mistake: check each character against the "
                                    "printed sheet (the key has 74 characters).")) from None
        raise WrongBackupKey(tr("This is not a key: it must start with AGE-SECRET-KEY-1.")) from None


class _CountingReader:
    """Counts the encrypted bytes read, for the progress of a read-back, a verify or a restore."""

    def __init__(self, raw: BinaryIO, meter: _Meter | None):
        self._raw, self._meter = raw, meter

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        meter = self._meter
        if meter is not None:
            meter.done += len(data)
            if meter.progress is not None and meter.done >= meter._next:
                meter._next = meter.done + PROGRESS_STEP
                meter.progress(meter.offset + int(meter.done * meter.scale), meter.grand_total)
        return data

    def readline(self, limit: int = -1) -> bytes:
        return self._raw.readline(limit)


def _decryption_problem(exc: agefile.AgeError, path: Path) -> BackupError:
    if isinstance(exc, agefile.NoMatch):
        return WrongBackupKey(tr("This key does not open the backup {file} (wrong key, or another clinic's backup).",
                                 file=path.name))
    if isinstance(exc, (agefile.HeaderError, agefile.MacError)):
        return DamagedBackup(tr("The backup {file} is damaged (its header).", file=path.name))
    return DamagedBackup(tr("The backup {file} is damaged or incomplete (truncated or altered content).",
                            file=path.name))


def _read(path: Path, identity, on_entry: Callable[[tarfile.TarInfo, BinaryIO], None] | None,
          expected_clinic: str | None = None, meter: _Meter | None = None) -> Checked:
    """Decrypt and walk the archive, checking every entry against the manifest."""
    path = Path(path)
    if path.is_dir():
        raise BackupNotFound(tr("{file} is a folder: choose a backup file (.cgbackup.age) in it.", file=path))
    try:
        src = open(path, "rb", buffering=CHUNK)  # noqa: SIM115 (closed by the with block below)
    except FileNotFoundError:
        raise BackupNotFound(tr("The backup file {file} cannot be found.", file=path)) from None
    except OSError as exc:
        raise BackupError(tr("The backup {file} cannot be read: {error}", file=path, error=exc)) from None
    with src:
        if src.read(len(agefile.VERSION_LINE)) != agefile.VERSION_LINE:
            raise DamagedBackup(tr("{file} is not a ClinicGuard backup, or its beginning is damaged.", file=path.name))
        src.seek(0)
        size = os.fstat(src.fileno()).st_size
        manifest = _walk(_CountingReader(src, meter), identity, on_entry, path, expected_clinic, meter)
    return Checked(path, manifest, size)


def _walk(source, identity, on_entry: Callable[[tarfile.TarInfo, BinaryIO], None] | None, path: Path,
          expected_clinic: str | None, meter: _Meter | None) -> dict:
    """Decrypt the archive read from `source` and walk it, checking every entry against the
    manifest; the manifest, or a BackupError naming what is wrong."""
    ident = _identity_of(identity)
    seen: dict[str, tuple[int, str]] = {}
    manifest = None
    try:
        with Serial("backup-check") as hashing:
            blocks = tarstream.Blocks(agefile.decrypt_chunks(source, [ident]))
            for member in tarstream.members(blocks):
                if meter is not None:
                    meter.check()
                if member.name == MANIFEST:
                    manifest = json.loads(member.readall().decode())
                    continue
                h = _HashingReader(member, (lambda _n: meter.check()) if meter is not None else None, hashing)
                if on_entry is not None:
                    info = tarfile.TarInfo(member.name)
                    info.size = member.size
                    on_entry(info, h)
                while h.read(CHUNK):
                    pass
                hashing.submit(lambda name=member.name, size=member.size, sha=h.sha: seen.__setitem__(
                    name, (size, sha.hexdigest())))
            blocks.drain()  # to the end, so that the last chunk is authenticated too
    except agefile.AgeError as exc:
        raise _decryption_problem(exc, path) from None
    except tarstream.NotAFile:
        raise DamagedBackup(tr("{file} holds an unexpected entry.", file=path.name)) from None
    except (tarfile.TarError, ValueError, EOFError, UnicodeDecodeError):
        raise DamagedBackup(tr("The backup {file} is damaged or incomplete (truncated or altered content).",
                               file=path.name)) from None
    except OSError as exc:
        raise BackupError(tr("The backup {file} cannot be read: {error}", file=path, error=exc)) from None
    if manifest is None:
        raise DamagedBackup(tr("The backup {file} is damaged or incomplete (truncated or altered content).",
                               file=path.name))
    if int(manifest.get("format", 0)) > FORMAT or set(manifest.get("schema", [])) - set(known_migrations()):
        raise NewerBackup(tr("The backup {file} was made by a newer version of ClinicGuard ({version}): "
                             "install it to read this backup.", file=path.name,
                             version=manifest.get("app_version", "?")))
    listed = {e["path"]: (e["size"], e["sha256"]) for e in manifest["entries"]}
    if listed != seen:
        raise DamagedBackup(tr("The backup {file} is damaged: its content does not match its manifest.",
                               file=path.name))
    if expected_clinic is not None and manifest["clinic_id"] != expected_clinic:
        raise BackupError(tr("The backup {file} belongs to another clinic ({name}).", file=path.name,
                             name=manifest["clinic_name"]))
    return manifest


def checked_text(name: str, manifest: dict) -> str:
    """What a verified backup holds, as its check tells it."""
    files = sum(1 for e in manifest["entries"] if e["path"].startswith(f"{VAULT_DIR}/"))
    return trn("The backup {file} of {date} is whole: the database, {n} evidence file and the journal of {count} "
               "entries, each checked against its manifest.",
               "The backup {file} of {date} is whole: the database, {n} evidence files and the journal of {count} "
               "entries, each checked against its manifest.", files, file=name,
               date=local_time(manifest["created_at"]), count=manifest["audit_head"]["count"])


def verify(path: Path, identity, *, expected_clinic: str | None = None, progress: Progress | None = None,
           cancelled: Cancelled | None = None, database_to: Path | None = None) -> Checked:
    """Read the whole backup back (decrypt it, check every hash); raise a BackupError naming what is
    wrong. `database_to`: where to keep a copy of the database it holds, read on the way."""
    try:
        size = max(Path(path).stat().st_size, 1)
    except OSError:
        size = 1
    meter = _Meter(progress, cancelled, size, message=tr("The verification was cancelled."))
    def keep_database(info: tarfile.TarInfo, reader) -> None:
        if database_to is not None and info.name == DATABASE_NAME:
            with open(database_to, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)

    try:
        checked = _read(path, identity, keep_database if database_to is not None else None, expected_clinic, meter)
    except WrongBackupKey:
        # the clinic's own key does not open it: its name says whether it is another clinic's
        named = _clinic_of(Path(path).name)
        if expected_clinic is not None and named is not None and not expected_clinic.startswith(named):
            raise BackupError(tr("The backup {file} belongs to another clinic: its name carries the clinic number "
                                 "{other}, this clinic's number starts with {ours}.", file=Path(path).name,
                                 other=named, ours=expected_clinic[:8])) from None
        raise
    if progress is not None:
        progress(size, size)
    return checked


# ---- the folders: which backups are there, which to delete, what a kill left ---------------------
def list_backups(folder: Path, identity=None) -> list[dict]:
    """The backups in a folder, newest first; checked in full when an identity is given: state
    `verified` or `damaged` (with the problem), else `not-verified`."""
    rows = []
    for p in sorted(Path(folder).glob(f"*{SUFFIX}"), reverse=True):
        st = p.stat()
        row = {"file": p.name, "folder": str(Path(folder)), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
               "state": "not-verified"}
        if identity is not None:
            try:
                c = verify(p, identity)
                row.update(state="verified", created_at=c.manifest["created_at"], clinic=c.manifest["clinic_name"])
            except BackupError as exc:
                row.update(state="damaged", problem=str(exc))
        rows.append(row)
    return rows


def _clinic_of(name: str) -> str | None:
    """The clinic number a backup's name starts with (the first 8 characters of its id), or None."""
    parts = name.split("-")
    return parts[1] if name.endswith(SUFFIX) and len(parts) >= 3 and parts[0] == "clinicguard" else None


def _stamp_of(name: str) -> str | None:
    """The creation stamp in a backup's name (YYYYMMDDTHHMMSS...), or None for another file."""
    parts = name[: -len(SUFFIX)].split("-")
    return parts[-1] if len(parts) >= 3 and len(parts[-1]) >= 15 and parts[-1][8] == "T" else None


def rotation_plan(names: list[str], *, daily: int = 7, weekly: int = 4, monthly: int = 12,
                  last_verified: str | None = None) -> list[str]:
    """Which backups to delete: keep the newest of each of the last `daily` days, `weekly` ISO
    weeks and `monthly` months, and always `last_verified`."""
    dated = sorted(((s, n) for n in names if (s := _stamp_of(n))), reverse=True)
    keep: set[str] = {last_verified} if last_verified else set()
    for count, key in ((daily, lambda d: d.date()), (weekly, lambda d: d.isocalendar()[:2]),
                       (monthly, lambda d: (d.year, d.month))):
        seen: list = []
        for stamp, name in dated:
            k = key(_dt.strptime(stamp[:15], "%Y%m%dT%H%M%S"))
            if k not in seen:
                if len(seen) >= count:
                    break
                seen.append(k)
                keep.add(name)
    return [n for _, n in dated if n not in keep]


LEFTOVER_AGE_S = 600  # a leftover younger than this may belong to a backup still running elsewhere


def remove_leftovers(data_dir: Path, destinations: tuple[str, ...] | list[str] = (), *,
                     older_than_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Remove what a killed backup or restore left: the snapshot copies in the clinic folder, the
    `.part` files at the destinations and the hidden `.NAME.restore-*` folders a restore into this
    clinic's folder was staged in.
    Only what is older than `older_than_s` goes, so a backup running in another process (the
    CLI) keeps its files. Returns what was removed."""
    data_dir = Path(data_dir)
    limit = time.time() - older_than_s
    removed: list[Path] = []

    def old(p: Path) -> bool:
        try:
            return p.stat().st_mtime < limit
        except OSError:
            return False

    candidates: list[Path] = []
    if data_dir.is_dir():
        candidates += [p for p in data_dir.glob(f"{SNAPSHOT_PREFIX}*") if p.is_file()]
    if data_dir.parent.is_dir():
        candidates += [p for p in data_dir.parent.glob(f".{data_dir.name}{RESTORE_MARK}*") if p.is_dir()]
    for folder in destinations:
        if folder and Path(folder).is_dir():
            candidates += [p for p in Path(folder).glob(f"*{SUFFIX}{PART}") if p.is_file()]
    for p in candidates:
        if not old(p):
            continue
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
        except OSError:
            log.warning("could not remove the leftover %s", p)
    if removed:
        log.info("removed what an interrupted backup or restore left: %s", [str(p) for p in removed])
    return removed
