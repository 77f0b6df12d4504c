"""The inspection pack: one zip archive for a DPO or an inspector, with the compliance report, the
checklist workbook, the chosen evidence files (decrypted, checked against their SHA-256, filed by
recommendation) and an index giving each file's SHA-256 and the audit head.

With a password, the archive's files are encrypted with AES-256 (WinZip AE-2, through pyzipper),
which 7-Zip, WinZip, WinRAR and PeaZip open on Windows; Windows' own zip folders read only the
weak legacy ZipCrypto, which is not offered. Without a password it is a plain zip that Windows
opens by itself.

Same steps as every export: `prepare_pack` reads the database (the UI thread in the GUI),
`write_pack_draft` builds the archive into a hidden draft beside the destination (no database,
safe on a worker thread, progress and cancel), `publish_pack` records in one transaction the
pack and, for each evidence file, that it left the vault, to where and by whom, and moves the
archive into place.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from clinicguard.core.exports.checklist import prepare_checklist
from clinicguard.core.exports.registers import prepare_registers
from clinicguard.core.exports.pipeline import (
    Cancelled,
    Progress,
    authorised,
    cancelled_error,
    check_folder,
)
from clinicguard.core.fsutil import fsync_dir, replace
from clinicguard.core.reports.content import in_language
from clinicguard.core.reports.pdf import prepare_report
from clinicguard.core.vault.names import safe_file_name
from clinicguard.core.vault.scratch import PrivateTemp
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.evidence import Evidence, ExpiryState
from clinicguard.model.people import Permission

if TYPE_CHECKING:
    from clinicguard.core.exports.pipeline import PreparedExport
    from clinicguard.core.workspace import Workspace
    from clinicguard.model.people import Actor

MIN_PASSWORD_LENGTH = 10
EVIDENCE_FOLDER = "preuves"
NO_ITEM_FOLDER = "sans-recommandation"


class NotAZipName(ClinicGuardError):
    """The destination does not end in .zip."""


class PackError(ClinicGuardError):
    """The pack cannot be made as asked (unknown recommendation, weak password...)."""


def check_zip_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise NotAZipName(tr("The inspection pack is a zip archive: give a file name ending in .zip."))
    return out


# ---- choosing the evidence ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EvidenceChoice:
    """Which evidence goes into the pack: of these recommendations (None: every one), only the
    files still valid today, only those valid from a date within [since, until] (ISO dates)."""

    items: tuple[str, ...] | None = None
    current_only: bool = False
    since: str | None = None
    until: str | None = None


def choose_evidence(files: Iterable[Evidence], choice: EvidenceChoice, today: date | None = None) -> list[Evidence]:
    today = today or date.today()
    wanted = set(choice.items) if choice.items is not None else None
    chosen = []
    for ev in files:
        if wanted is not None and not wanted & set(ev.items):
            continue
        if choice.current_only and ev.expiry_state(today) is ExpiryState.EXPIRED:
            continue
        if choice.since and ev.valid_from < choice.since:
            continue
        if choice.until and ev.valid_from > choice.until:
            continue
        chosen.append(ev)
    return sorted(chosen, key=lambda ev: ev.id)


def places(ev: Evidence, items: tuple[str, ...] | None) -> list[str]:
    """The archive paths of one evidence file: under each chosen recommendation it supports."""
    name = safe_file_name(f"{ev.id}-{ev.original_name}")
    folders = [i for i in ev.items if items is None or i in items] or [NO_ITEM_FOLDER]
    return [f"{EVIDENCE_FOLDER}/{safe_file_name(folder)}/{name}" for folder in dict.fromkeys(folders)]


# ---- the prepared pack -----------------------------------------------------------------------------
@dataclass
class PreparedPack:
    report: PreparedExport
    checklist: PreparedExport
    evidence: list[Evidence]
    items: tuple[str, ...] | None
    password: str | None
    head: str
    clinic: str
    actor_name: str
    lang: str
    decrypt_copy: object  # Vault.decrypt_copy (no database access)
    actor: Actor
    registers: PreparedExport | None = None  # the registers workbook, once the registers exist
    files: list[dict] = field(default_factory=list)  # filled by write_pack_draft: path, size, sha256


def prepare_pack(ws: Workspace, actor: Actor, choice: EvidenceChoice = EvidenceChoice(),
                 password: str | None = None, lang: str | None = None) -> PreparedPack:
    """Check the right to export, the choice and the password, and read what the pack holds."""
    current = authorised(ws, actor)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise PackError(tr("The pack's password needs at least {n} characters.", n=MIN_PASSWORD_LENGTH))
    items = None
    if choice.items is not None:
        items = tuple(dict.fromkeys(i.strip().upper() for i in choice.items if i.strip()))
        unknown = [i for i in items if i not in ws.catalogue]
        if unknown:
            raise PackError(tr("Unknown recommendation {id!r}.", id=unknown[0]))
        choice = EvidenceChoice(items, choice.current_only, choice.since, choice.until)
    report = prepare_report(ws, current, lang)
    with in_language(lang):
        checklist = prepare_checklist(ws, current)
        registers = prepare_registers(ws, current)
    return PreparedPack(report, checklist, choose_evidence(ws.evidence_store.all(), choice), items, password,
                        report.details["audit_head"], ws.settings.clinic.name, current.name, report.details["language"],
                        ws.vault.decrypt_copy, current, registers=registers)


# ---- building ------------------------------------------------------------------------------------------
def _open_archive(path: Path, password: str | None) -> zipfile.ZipFile:
    if password is None:
        return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
    import pyzipper  # imported here: only an encrypted pack needs it

    archive = pyzipper.AESZipFile(path, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES)
    archive.setpassword(password.encode("utf-8"))
    archive.setencryption(pyzipper.WZ_AES, nbits=256)
    return archive


def _add_bytes(archive: zipfile.ZipFile, pack: PreparedPack, arcname: str, data: bytes) -> None:
    archive.writestr(arcname, data)
    pack.files.append({"path": arcname, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})


def _index_texts(pack: PreparedPack) -> tuple[bytes, bytes]:
    """The index as CSV (for a spreadsheet) and a plain-text note on how to check the files."""
    with in_language(pack.lang):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([tr("File"), tr("Size (bytes)"), "SHA-256", tr("Evidence"), tr("Recommendations")])
        titles = {p: ev for ev in pack.evidence for p in places(ev, pack.items)}
        for f in pack.files:
            ev = titles.get(f["path"])
            # A leading = + - @ would make a spreadsheet formula of a title typed by a user.
            title = ev.title if ev else ""
            if title[:1] in ("=", "+", "-", "@", "\t", "\r"):
                title = "'" + title
            writer.writerow([f["path"], f["size"], f["sha256"], title, ", ".join(ev.items) if ev else ""])
        lines = [
            tr("Inspection pack — {clinic}", clinic=pack.clinic),
            tr("Made on {date} by {name}.", date=datetime.now().strftime("%d/%m/%Y %H:%M"), name=pack.actor_name),
            tr("Audit trail head: {head}", head=pack.head),
            "",
            tr("index.csv gives the SHA-256 of every file of this archive. On Windows, check a file with: "
               "certutil -hashfile FILE SHA256"),
            tr("The evidence files are filed by recommendation under {folder}/; they were checked against "
               "the SHA-256 recorded when they entered the vault.", folder=EVIDENCE_FOLDER),
            "",
        ] + [f"{f['sha256']}  {f['path']}" for f in pack.files]
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_pack_draft(pack: PreparedPack, out: Path | str, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> Path:
    """Build the archive into a hidden draft beside `out`; no database access (worker thread)."""
    out = check_zip_path(out)
    check_folder(out)
    total = 2 + sum(ev.size for ev in pack.evidence)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if cancelled is not None and cancelled():
            raise cancelled_error()
        if progress is not None:
            progress(min(done, total), total)

    fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".part.zip", dir=out.parent)
    os.close(fd)
    draft = Path(name)
    scratch = PrivateTemp(prefix="clinicguard-pack-")
    pack.files.clear()
    try:
        with _open_archive(draft, pack.password) as archive:
            with in_language(pack.lang):  # the workbook's headings are translated as it is built
                report_name, checklist_name = tr("compliance-report.pdf"), tr("checklist.xlsx")
                book = io.BytesIO()
                pack.checklist.build().save(book)
                registers = None
                if pack.registers is not None:
                    registers = io.BytesIO()
                    pack.registers.build().save(registers)
                registers_name = tr("registers.xlsx")
            _add_bytes(archive, pack, report_name, pack.report.build())
            step(1)
            _add_bytes(archive, pack, checklist_name, book.getvalue())
            if registers is not None:
                _add_bytes(archive, pack, registers_name, registers.getvalue())
            step(1)
            for ev in pack.evidence:
                plain = pack.decrypt_copy(pack.actor, ev, scratch.path)  # checked against its SHA-256
                try:
                    if _sha256_of(plain) != ev.sha256:  # the copy read back: never trust a copy blindly
                        raise PackError(tr("The file of the evidence {id} ({name}) is damaged: restore a backup.",
                                           id=ev.id, name=ev.original_name))
                    for arcname in places(ev, pack.items):
                        archive.write(plain, arcname)
                        pack.files.append({"path": arcname, "size": ev.size, "sha256": ev.sha256})
                finally:
                    plain.unlink(missing_ok=True)
                step(ev.size)
            index_csv, readme = _index_texts(pack)
            archive.writestr("index.csv", index_csv)
            archive.writestr(tr("README.txt"), readme)
        with open(draft, "rb+") as fh:
            os.fsync(fh.fileno())
        if cancelled is not None and cancelled():
            raise cancelled_error()
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    finally:
        scratch.cleanup()
    return draft


def publish_pack(ws: Workspace, actor: Actor, pack: PreparedPack, draft: Path, out: Path | str) -> Path:
    """Record the pack and each evidence file that left the vault, then move the archive into place,
    in one transaction (no archive without its entries, no entry without its archive)."""
    out, draft = Path(out), Path(draft)
    moved = False
    try:
        with ws.uow.writing(actor, Permission.EXPORT) as audit:
            audit.record("export.pack", "export", out.name, None, {
                "file": out.name, "to": str(out.resolve()), "audit_head": pack.head, "encrypted": pack.password is not None,
                "items": list(pack.items) if pack.items is not None else None,
                "files": [{"path": f["path"], "sha256": f["sha256"]} for f in pack.files]})
            for ev in pack.evidence:
                audit.record("evidence.export", "evidence", ev.id, None,
                             {"name": ev.original_name, "sha256": ev.sha256, "to": f"{out.resolve()} › {places(ev, pack.items)[0]}"})
            replace(draft, out)
            moved = True
    except BaseException:
        if moved:
            out.unlink(missing_ok=True)
        draft.unlink(missing_ok=True)
        raise
    fsync_dir(out.parent)
    return out


def export_pack(ws: Workspace, actor: Actor, out: Path | str, choice: EvidenceChoice = EvidenceChoice(),
                password: str | None = None, lang: str | None = None, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> PreparedPack:
    """Make the inspection pack at `out` on the calling thread; returns what it holds."""
    out = check_zip_path(out)
    check_folder(out)
    pack = prepare_pack(ws, actor, choice, password, lang)
    publish_pack(ws, actor, pack, write_pack_draft(pack, out, progress, cancelled), out)
    return pack
