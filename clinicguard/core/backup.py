"""Backups of an open clinic: made (journalled, to the configured destinations, then rotated),
verified, restored into a new folder only, and rotated.

The file format, its writing and its reading back live in core/backup_archive.py; this module
adds what needs the clinic: its journal, its settings and its keys.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from datetime import UTC, datetime
from pathlib import Path

from clinicguard.core import keys
from clinicguard.core.backup_archive import (  # noqa: F401 (the names the CLI and the GUI use)
    CHUNK,
    PART,
    RECOVERY_KEY_ENV,
    RESTORE_MARK,
    SUFFIX,
    BackupCancelled,
    BackupError,
    BackupNotFound,
    Cancelled,
    Checked,
    DamagedBackup,
    DestinationUnavailable,
    NewerBackup,
    Progress,
    WrongBackupKey,
    _identity_of,
    _Meter,
    _read,
    _stamp_of,
    checked_text,
    copy_verified,
    destination_available,
    list_backups,
    missing_destination_text,
    remove_leftovers,
    rotation_plan,
    verify,
    write_backup,
    write_to_destinations,
)
from clinicguard.core.fsutil import fsync_dir, replace
from clinicguard.core.permissions import require
from clinicguard.core.serial import Serial
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import tr
from clinicguard.model.audit import Head
from clinicguard.model.backup import LastBackup
from clinicguard.model.people import Actor, Permission
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.clinic_store import ClinicStore


def _journal_made(ws: Workspace, actor: Actor | None, made: Checked, reason: str) -> None:
    ws.backup_settings.record_backup(actor, file=made.path.name, folder=str(made.path.parent), size=made.size,
                                     manifest=made.manifest, reason=reason,
                                     copies=tuple(str(p.parent) for p in made.copies), problems=made.problems)


def create(ws: Workspace, actor: Actor | None, destination: Path, *, progress: Progress | None = None,
           cancelled: Cancelled | None = None, reason: str = "manual") -> Checked:
    """Make a verified backup of the open clinic in `destination`; journal it and remember it as
    the last verified backup."""
    if actor is not None:
        require(actor, Permission.EXPORT)  # before any byte is written
    made = write_backup(ws.data_dir, ws.db, Path(destination), hold_writes=ws.uow.transaction, progress=progress,
                        cancelled=cancelled)
    _journal_made(ws, actor, made, reason)
    return made


def create_configured(ws: Workspace, actor: Actor | None, *, progress: Progress | None = None,
                      cancelled: Cancelled | None = None, reason: str = "manual") -> Checked:
    """A backup to the destinations chosen in the settings, then the rotation those settings ask
    for (the just-verified backup is always kept)."""
    settings = ws.backup_settings.current
    if not settings.destination:
        raise BackupError(tr("No backup destination is chosen yet: choose a folder in Settings › Backups "
                             "(a USB drive, a NAS share or a synced folder)."))
    if actor is not None:
        require(actor, Permission.EXPORT)  # before any byte is written
    remove_leftovers(ws.data_dir, settings.destinations)  # what an interrupted backup left there
    made = write_to_destinations(ws.data_dir, ws.db, settings.destinations, hold_writes=ws.uow.transaction,
                                 progress=progress, cancelled=cancelled)
    _journal_made(ws, actor, made, reason)
    for copy in (made.path, *made.copies):
        rotate(ws, actor, copy.parent, daily=settings.keep_daily, weekly=settings.keep_weekly,
               monthly=settings.keep_monthly, known_verified=copy.name)
    return made


def verify_against_journal(path: Path, identity, replay: Callable[[Path, Head], Any], *,
                           expected_clinic: str | None = None, progress: Progress | None = None,
                           cancelled: Cancelled | None = None) -> Checked:
    """A backup read back in full (every hash), then the clinic it holds replayed against its own
    journal by `replay(database copy, head)` (Workspace.verify_database_copy, with this clinic's
    key): whole is not enough, since anyone holding the public keys can write a well-formed backup
    of a database edited by hand, its manifest made to match."""
    with tempfile.TemporaryDirectory(prefix="clinicguard-verify-") as scratch:
        copy = Path(scratch) / DATABASE_NAME
        checked = verify(path, identity, expected_clinic=expected_clinic, progress=progress, cancelled=cancelled,
                         database_to=copy)
        head = checked.manifest["audit_head"]
        result = replay(copy, Head(head["count"], head["hash"]))
    if not result.ok:
        raise DamagedBackup(tr("The clinic in the backup {file} does not match its journal: {problem}",
                               file=Path(path).name, problem=result.problem))
    return checked


def verify_recorded(ws: Workspace, actor: Actor | None, path: Path, *, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Checked:
    """Verify a backup of the open clinic and journal the result (a cancelled check is not one)."""
    try:
        checked = verify_against_journal(path, ws.keys.identity, ws.verify_database_copy,
                                         expected_clinic=ClinicStore(ws.db).get().uuid, progress=progress,
                                         cancelled=cancelled)
    except (BackupCancelled, BackupNotFound):  # nothing was checked: nothing to journal
        raise
    except BackupError as exc:
        with ws.uow.writing(actor, Permission.READ) as change:
            change.record("backup.verify", "backup", Path(path).name, None, {"ok": False, "problem": str(exc)})
        raise
    m = checked.manifest
    with ws.uow.writing(actor, Permission.READ) as change:
        ws.backup_settings.remember(LastBackup(Path(path).name, str(Path(path).resolve().parent), checked.size,
                                               m["created_at"], m["audit_head"]["count"]), made_now=False)
        change.record("backup.verify", "backup", Path(path).name, None, {"ok": True, "audit_head": m["audit_head"]})
    return checked


def _close_synced(out) -> None:
    try:
        os.fsync(out.fileno())
    finally:
        out.close()


def restore(path: Path, into: Path, secret: str, *, passphrase: str | None = None,
            progress: Progress | None = None, cancelled: Cancelled | None = None,
            allow_present: tuple[str, ...] = ()) -> Checked:
    """Restore a backup into a new, empty folder with the recovery key (or the clinic key).

    Everything is extracted into a hidden sibling folder and checked there; only a clinic that
    opens and whose journal verifies against the manifest is renamed to `into`. `allow_present`
    names files `into` may already hold (the window's lock on the first-start screen).
    """
    into = Path(into)
    present = sorted(p.name for p in into.iterdir()) if into.is_dir() else []
    if into.exists() and (not into.is_dir() or set(present) - set(allow_present)):
        raise BackupError(tr("{folder} is not empty: a backup is restored into a new, empty folder only.",
                             folder=into))
    ident = _identity_of(secret)
    into.parent.mkdir(parents=True, exist_ok=True)
    stage = into.parent / f".{into.name}{RESTORE_MARK}{secrets.token_hex(6)}"
    stage.mkdir(mode=0o700)
    try:
        def cannot_write(exc: OSError) -> BackupError:  # a full or unplugged disk, not a damaged backup
            return BackupError(tr("The clinic could not be restored into {folder}: {error}", folder=into, error=exc))

        def extract(info: tarfile.TarInfo, reader) -> None:
            rel = Path(info.name)
            if rel.is_absolute() or ".." in rel.parts:
                raise DamagedBackup(tr("{file} holds an unexpected entry.", file=Path(path).name))
            target = stage / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                out = open(target, "wb", buffering=0)  # noqa: SIM115 (closed on the writing thread)
                try:
                    while chunk := reader.read(CHUNK):
                        writing.submit(out.write, chunk)
                finally:
                    writing.submit(_close_synced, out)
            except OSError as exc:
                raise cannot_write(exc) from None

        try:
            size = max(Path(path).stat().st_size, 1)
        except OSError:
            size = 1
        # The files are written on a thread of their own while the next blocks are decrypted.
        with Serial("restore-write", backlog=8) as writing:
            checked = _read(path, ident, extract, None, _Meter(progress, cancelled, size, message=tr(
                "The restore was cancelled: nothing was written to {folder}.", folder=into)))
            try:
                writing.drain()
            except OSError as exc:
                raise cannot_write(exc) from None
        m = checked.manifest
        recipient = str(ident.to_public())
        paths = keys.KeyPaths(stage)
        if recipient == paths.recovery_recipient.read_text().strip():
            keys.recover(stage, m["clinic_id"], str(ident), passphrase)
        elif recipient == paths.clinic_recipient.read_text().strip():
            keys.store_identity(stage, m["clinic_id"], str(ident), passphrase)
        else:
            raise WrongBackupKey(tr("This key does not belong to the clinic in the backup."))
        ws = Workspace.open(stage, passphrase=passphrase, backup_before_migrating=False)  # the file is that copy
        try:
            # the chain against the manifest's head, then the data against what the journal records:
            # a database edited outside ClinicGuard, even inside a well-formed backup, is refused
            result = ws.verify_journal(Head(m["audit_head"]["count"], m["audit_head"]["hash"]))
            if not result.ok and result.kind == "data-edited":
                raise DamagedBackup(tr("The clinic in the backup {file} was modified outside ClinicGuard: {problem}. "
                                       "It was not restored; restore an older backup.", file=Path(path).name,
                                       problem=result.problem))
            if not result.ok:
                raise DamagedBackup(tr("The journal in the backup does not verify: {problem}", problem=result.problem))
            with ws.uow.system_change() as change:
                change.record("backup.restore", "backup", Path(path).name, None,
                              {"created_at": m["created_at"], "audit_head": m["audit_head"]})
        finally:
            ws.close()
        for p in stage.rglob("*"):
            if p.is_dir():
                fsync_dir(p)
        if present:  # a folder holding only the window's lock: move the entries in, the database last,
            # so that the clinic exists (its database is there) only once everything else is in place
            for entry in sorted(stage.iterdir(), key=lambda p: p.name == DATABASE_NAME):
                replace(entry, into / entry.name)
            fsync_dir(into)
            stage.rmdir()
        else:
            if into.exists():
                into.rmdir()
            replace(stage, into)
        fsync_dir(into.parent)
        return Checked(Path(path), m, checked.size)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def rotate(ws: Workspace, actor: Actor | None, folder: Path, *, daily: int = 7, weekly: int = 4,
           monthly: int = 12, known_verified: str | None = None) -> list[str]:
    """Delete the backups the rotation does not keep; never the newest one that verifies
    (`known_verified`: one just verified, so that it is not read a second time)."""
    folder = Path(folder)
    names = sorted((p.name for p in folder.glob(f"*{SUFFIX}")), reverse=True)
    last_verified = known_verified if known_verified in names else None
    for name in names if last_verified is None else ():
        try:
            verify(folder / name, ws.keys.identity)
            last_verified = name
            break
        except BackupError:
            continue
    doomed = rotation_plan(names, daily=daily, weekly=weekly, monthly=monthly, last_verified=last_verified)
    if not doomed:
        return []
    for name in doomed:
        (folder / name).unlink(missing_ok=True)
    fsync_dir(folder)
    writing = ws.uow.system_change() if actor is None else ws.uow.writing(actor, Permission.EXPORT)
    with writing as change:
        change.record("backup.rotate", "backup", str(folder), None, {"deleted": doomed, "kept_verified": last_verified})
    return doomed


# ---- what the destinations hold (the rules `backup list` and the window's Backups dialog share) --
def state_text(state: str) -> str:
    """A backup's state as the user reads it."""
    return {"verified": tr("verified"), "not-verified": tr("not verified"), "damaged": tr("damaged")}[state]


def paths_present(paths: Iterable[str]) -> dict[str, bool]:
    """Which of these folders and files are there (may take seconds each on a disconnected share:
    never on a UI thread)."""
    present = {}
    for path in paths:
        try:
            present[path] = Path(path).exists()
        except OSError:
            present[path] = False
    return present


def created_at_of(name: str) -> str | None:
    """The creation time a backup's name carries (UTC ISO, as in its manifest), or None."""
    stamp = _stamp_of(name)
    if stamp is None:
        return None
    try:
        when = datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    micro = stamp[15:21]
    if micro.isdigit():
        when = when.replace(microsecond=int(micro.ljust(6, "0")))
    return when.replace(tzinfo=UTC).isoformat()


@dataclass(frozen=True)
class Found:
    """The backups found at some folders (newest first) and the folders that are not there."""

    rows: list[dict]
    missing: tuple[str, ...] = field(default=())


def find_backups(folders: Iterable[str | Path], *, last_verified: str | None = None) -> Found:
    """The backups in `folders`, not read yet (state `not-verified`, date from the name), newest
    first; `last_verified`, the name of the last backup known to verify, is marked on its rows
    (the copies at both destinations). A folder that is not there is named in `missing`."""
    rows: list[dict] = []
    missing: list[str] = []
    for folder in folders:
        if not destination_available(folder):
            missing.append(str(folder))
            continue
        try:
            found = list_backups(Path(folder))
        except OSError:  # unplugged while it was read
            missing.append(str(folder))
            continue
        for row in found:
            row["created_at"] = created_at_of(row["file"]) or ""
            row["last_verified"] = row["file"] == last_verified
        rows += found
    rows.sort(key=lambda r: r["created_at"], reverse=True)  # stable: the first destination first
    return Found(rows, tuple(missing))


def check_backup(row: dict, identity, *, replay: Callable[[Path, Head], Any] | None = None,
                 progress: Progress | None = None, cancelled: Cancelled | None = None) -> dict:
    """A found backup read back in full with the clinic key: the same row, state `verified` (date
    and clinic from its manifest) or `damaged` with the problem. `identity` may be a function
    giving the key, so that it is read where the work runs; with `replay`, the clinic it holds is
    also checked against its journal (verify_against_journal). A cancelled check raises BackupCancelled."""
    ident = identity() if callable(identity) else identity
    checked = dict(row)
    checked.pop("problem", None)
    try:
        path = Path(row["folder"]) / row["file"]
        c = (verify(path, ident, progress=progress, cancelled=cancelled) if replay is None else
             verify_against_journal(path, ident, replay, progress=progress, cancelled=cancelled))
    except BackupCancelled:
        raise
    except BackupError as exc:
        checked.update(state="damaged", problem=str(exc))
        return checked
    checked.update(state="verified", created_at=c.manifest["created_at"], clinic=c.manifest["clinic_name"])
    return checked


def backups_at(folders: Iterable[str | Path], identity=None, *, replay: Callable[[Path, Head], Any] | None = None,
               last_verified: str | None = None) -> Found:
    """`backup list`: the backups in `folders`, each one read back in full when the clinic key is
    given (verified or damaged; with `replay`, checked against its journal too), else not verified."""
    found = find_backups(folders, last_verified=last_verified)
    if identity is None:
        return found
    return Found([check_backup(row, identity, replay=replay) for row in found.rows], found.missing)
