"""Backups: one age-encrypted tar file holding a consistent copy of a clinic, verified before it
gets its final name, and restored into a new folder only.

The file is `age` (to the clinic key and the recovery key) around a plain tar archive, so that
`age -d -i recovery.key FILE | tar x` reads it without ClinicGuard. The archive holds the SQLite
snapshot, the vault blobs, the key files (public recipients and the escrowed clinic key), the
audit-head file and, last, `manifest.json` (path, size and SHA-256 of every entry, the audit
head, the clinic, the versions and the creation time). Everything streams: memory stays flat
whatever the size of the vault.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import threading
from datetime import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import pyrage
from sqlite_utils import Database

from clinicguard import __version__
from clinicguard.core import keys
from clinicguard.core.audit import HEAD_FILE as AUDIT_HEAD_FILE
from clinicguard.core.clock import utc_now
from clinicguard.core.fsutil import fsync_dir, replace
from clinicguard.core.vault.service import VAULT_DIR
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import tr
from clinicguard.model.audit import Head
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor, Permission
from clinicguard.paths import DATABASE_NAME
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.db import known_migrations, snapshot

FORMAT = 1
MANIFEST = "manifest.json"
SUFFIX = ".cgbackup.age"
PART = ".part"
CHUNK = 1 << 20
RECOVERY_KEY_ENV = "CLINICGUARD_RECOVERY_KEY"

Progress = Callable[[int, int], None]


class BackupError(ClinicGuardError):
    """A backup that cannot be made, read or restored; the message says why."""


class WrongBackupKey(BackupError):
    pass


class DamagedBackup(BackupError):
    pass


class NewerBackup(BackupError):
    pass


@dataclass(frozen=True)
class Checked:
    path: Path
    manifest: dict
    size: int


def backup_name(clinic_uuid: str, when: str) -> str:
    stamp = when.split("+")[0].replace("-", "").replace(":", "").replace(".", "")  # to the microsecond
    return f"clinicguard-{clinic_uuid[:8]}-{stamp}{SUFFIX}"


def _sha256_file(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


class _HashingReader:
    def __init__(self, raw: BinaryIO):
        self._raw, self.sha = raw, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.sha.update(data)
        return data


def _pipe_thread(produce: Callable[[BinaryIO], None]) -> tuple[BinaryIO, threading.Thread, list]:
    """Run `produce(writer)` in a thread writing into a pipe; return the pipe's reader."""
    r, w = os.pipe()
    reader, writer = os.fdopen(r, "rb"), os.fdopen(w, "wb")
    errors: list = []

    def run():
        try:
            produce(writer)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            try:
                writer.close()
            except OSError:
                pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return reader, t, errors


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


def _write_tar(out: BinaryIO, entries: list[tuple[str, Path]], base_manifest: dict,
               progress: Progress | None, total: int) -> None:
    listed, done = [], 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name, path in entries:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = size, int(os.fstat(f.fileno()).st_mtime), 0o600
                reader = _HashingReader(f)
                tar.addfile(info, reader)
            listed.append({"path": name, "size": size, "sha256": reader.sha.hexdigest()})
            done += size
            if progress:
                progress(done, total)
        data = json.dumps({**base_manifest, "entries": listed}, indent=2, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, 0
        tar.addfile(info, io.BytesIO(data))


def create(ws: Workspace, actor: Actor | None, destination: Path, *, progress: Progress | None = None) -> Checked:
    """Make a verified backup of the open clinic in `destination`; return it checked."""
    destination = Path(destination)
    if not destination.is_dir():
        raise BackupError(tr("The backup destination {folder} is not available (unplugged drive or missing "
                             "folder?).", folder=destination))
    identity = ws.keys.identity
    clinic = ClinicStore(ws.db).get()
    snap = ws.data_dir / f".backup-{secrets.token_hex(8)}.sqlite"
    head_copy = ws.data_dir / f".backup-{secrets.token_hex(8)}.head"
    final = tmp = None
    try:
        with ws.uow.transaction():  # holds the write lock: the snapshot and the head file agree
            snapshot(ws.db, snap)
            if (ws.data_dir / AUDIT_HEAD_FILE).exists():
                shutil.copyfile(ws.data_dir / AUDIT_HEAD_FILE, head_copy)
        snap_db = Database(str(snap))
        try:
            head = AuditStore(snap_db).head()
            migrations = [r[0] for r in snap_db.execute("SELECT name FROM _sqlite_migrations")]
        finally:
            snap_db.close()
        entries = [(n, head_copy if n == AUDIT_HEAD_FILE else p) for n, p in _entries(ws.data_dir, snap)]
        now = utc_now()
        manifest = {"format": FORMAT, "app_version": __version__, "catalogue_version": clinic.catalogue_version,
                    "schema": migrations, "clinic_id": clinic.uuid, "clinic_name": clinic.name,
                    "created_at": now, "audit_head": {"count": head.count, "hash": head.hash}}
        total = sum(p.stat().st_size for _, p in entries)
        final = destination / backup_name(clinic.uuid, now)
        tmp = final.with_name(final.name + PART)
        reader, thread, errors = _pipe_thread(lambda w: _write_tar(w, entries, manifest, progress, total))
        try:
            # Encrypted, and still readable by its owner only (0600), like the database it holds.
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                pyrage.encrypt_io(reader, out, keys.recipients(ws.data_dir))
                out.flush()
                os.fsync(out.fileno())
        except (OSError, pyrage.EncryptError) as exc:
            raise BackupError(tr("The backup could not be written to {folder}: {error}", folder=destination,
                                 error=exc)) from None
        finally:
            reader.close()
            thread.join()
        if errors:
            raise BackupError(tr("The backup could not be written to {folder}: {error}", folder=destination,
                                 error=errors[0]))
        checked = verify(tmp, identity, expected_clinic=clinic.uuid)
        replace(tmp, final)
        fsync_dir(destination)
        tmp = None
    finally:
        for p in (snap, head_copy, tmp):
            if p is not None and Path(p).exists():
                Path(p).unlink()
    with ws.uow.writing(actor, Permission.EXPORT) as change:
        change.record("backup.create", "backup", final.name, None,
                      {"folder": str(destination), "size": checked.size, "audit_head": manifest["audit_head"]})
    return Checked(final, checked.manifest, checked.size)


def _identity_of(secret: str | pyrage.x25519.Identity) -> pyrage.x25519.Identity:
    if isinstance(secret, pyrage.x25519.Identity):
        return secret
    try:
        return pyrage.x25519.Identity.from_str(secret.strip())
    except Exception:
        raise WrongBackupKey(tr("This is not a key: it must start with AGE-SECRET-KEY-1.")) from None


def _read(path: Path, identity, on_entry: Callable[[tarfile.TarInfo, BinaryIO], None] | None,
          expected_clinic: str | None = None) -> Checked:
    """Decrypt and walk the archive, checking every entry against the manifest."""
    path = Path(path)
    try:
        src = open(path, "rb")
    except OSError as exc:
        raise BackupError(tr("The backup {file} cannot be read: {error}", file=path, error=exc)) from None
    with src:
        if src.read(len(b"age-encryption.org/v1\n")) != b"age-encryption.org/v1\n":
            raise DamagedBackup(tr("{file} is not a ClinicGuard backup, or its beginning is damaged.", file=path.name))
        src.seek(0)
        size = os.fstat(src.fileno()).st_size
        ident = _identity_of(identity)

        def produce(w):
            pyrage.decrypt_io(src, w, [ident])

        reader, thread, errors = _pipe_thread(produce)
        seen: dict[str, tuple[int, str]] = {}
        manifest = None
        try:
            try:
                with tarfile.open(fileobj=reader, mode="r|") as tar:
                    for info in tar:
                        if not info.isfile():
                            raise DamagedBackup(tr("{file} holds an unexpected entry.", file=path.name))
                        f = tar.extractfile(info)
                        if info.name == MANIFEST:
                            manifest = json.loads(f.read().decode())
                            continue
                        h = _HashingReader(f)
                        if on_entry is not None:
                            on_entry(info, h)
                        while h.read(CHUNK):
                            pass
                        seen[info.name] = (info.size, h.sha.hexdigest())
                while reader.read(CHUNK):  # to the end, so that age checks the last chunk too
                    pass
            except (tarfile.TarError, OSError, ValueError, EOFError):
                pass  # reported below from the decryption error or the manifest
            finally:
                reader.close()
                thread.join()
        except BackupError:
            raise
        if errors:
            exc = errors[0]
            if isinstance(exc, pyrage.DecryptError) and "No matching keys" in str(exc):
                raise WrongBackupKey(tr("This key does not open the backup {file} (wrong key, or another "
                                        "clinic's backup).", file=path.name))
            if isinstance(exc, pyrage.DecryptError) and "Header" in str(exc):
                raise DamagedBackup(tr("The backup {file} is damaged (its header).", file=path.name))
            if not isinstance(exc, BrokenPipeError):
                raise DamagedBackup(tr("The backup {file} is damaged or incomplete (truncated or altered "
                                       "content).", file=path.name))
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
        return Checked(path, manifest, size)


def verify(path: Path, identity, *, expected_clinic: str | None = None) -> Checked:
    """Read the whole backup back (decrypt it, check every hash); raise a BackupError naming what is wrong."""
    return _read(path, identity, None, expected_clinic)


def verify_recorded(ws: Workspace, actor: Actor | None, path: Path) -> Checked:
    """Verify a backup of the open clinic and journal the result."""
    try:
        checked = verify(path, ws.keys.identity, expected_clinic=ClinicStore(ws.db).get().uuid)
    except BackupError as exc:
        with ws.uow.writing(actor, Permission.READ) as change:
            change.record("backup.verify", "backup", Path(path).name, None, {"ok": False, "problem": str(exc)})
        raise
    with ws.uow.writing(actor, Permission.READ) as change:
        change.record("backup.verify", "backup", Path(path).name, None,
                      {"ok": True, "audit_head": checked.manifest["audit_head"]})
    return checked


def restore(path: Path, into: Path, secret: str, *, passphrase: str | None = None) -> Checked:
    """Restore a backup into a new, empty folder with the recovery key (or the clinic key).

    Everything is extracted into a hidden sibling folder and checked there; only a clinic that
    opens and whose journal verifies against the manifest is renamed to `into`.
    """
    into = Path(into)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise BackupError(tr("{folder} is not empty: a backup is restored into a new, empty folder only.",
                             folder=into))
    ident = _identity_of(secret)
    into.parent.mkdir(parents=True, exist_ok=True)
    stage = into.parent / f".{into.name}.restore-{secrets.token_hex(6)}"
    stage.mkdir(mode=0o700)
    try:
        def extract(info: tarfile.TarInfo, reader) -> None:
            rel = Path(info.name)
            if rel.is_absolute() or ".." in rel.parts:
                raise DamagedBackup(tr("{file} holds an unexpected entry.", file=Path(path).name))
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(target, "wb") as out:
                    while chunk := reader.read(CHUNK):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:  # a full or unplugged disk, not a damaged backup
                raise BackupError(tr("The clinic could not be restored into {folder}: {error}", folder=into,
                                     error=exc)) from None

        checked = _read(path, ident, extract)
        m = checked.manifest
        recipient = str(ident.to_public())
        paths = keys.KeyPaths(stage)
        if recipient == paths.recovery_recipient.read_text().strip():
            keys.recover(stage, m["clinic_id"], str(ident), passphrase)
        elif recipient == paths.clinic_recipient.read_text().strip():
            keys.store_identity(stage, m["clinic_id"], str(ident), passphrase)
        else:
            raise WrongBackupKey(tr("This key does not belong to the clinic in the backup."))
        ws = Workspace.open(stage, passphrase=passphrase)
        try:
            result = ws.audit.verify(Head(m["audit_head"]["count"], m["audit_head"]["hash"]))
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
        if into.exists():
            into.rmdir()
        replace(stage, into)
        fsync_dir(into.parent)
        return Checked(Path(path), m, checked.size)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def list_backups(folder: Path, identity=None) -> list[dict]:
    """The backups in a folder, newest first; checked in full when an identity is given."""
    rows = []
    for p in sorted(Path(folder).glob(f"*{SUFFIX}"), reverse=True):
        row = {"file": p.name, "size": p.stat().st_size, "state": "unchecked"}
        if identity is not None:
            try:
                c = verify(p, identity)
                row.update(state="verified", created_at=c.manifest["created_at"])
            except BackupError as exc:
                row.update(state="refused", problem=str(exc))
        rows.append(row)
    return rows


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


def rotate(ws: Workspace, actor: Actor | None, folder: Path, *, daily: int = 7, weekly: int = 4,
           monthly: int = 12) -> list[str]:
    """Delete the backups the rotation does not keep; never the newest one that verifies."""
    folder = Path(folder)
    names = sorted((p.name for p in folder.glob(f"*{SUFFIX}")), reverse=True)
    last_verified = None
    for name in names:
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
    with ws.uow.writing(actor, Permission.EXPORT) as change:
        change.record("backup.rotate", "backup", str(folder), None, {"deleted": doomed, "kept_verified": last_verified})
    return doomed
