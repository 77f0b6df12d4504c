"""The compliance report as an archival PDF (PDF/A-2a and PDF/UA-1, fonts embedded), made without Qt.

Typst (the `typst` Python binding) lays out resources/reports/report.typ over the JSON made by
content.py. It was chosen because it writes PDF/A (and PDF/UA) itself and refuses to finish a file that
breaks the standard, embeds (and subsets) its fonts, carries its own fonts inside the wheel (the
same output on every PC, no system fonts read), has wheels for Windows, and takes data as JSON
values, so text typed by users is never interpreted as markup.

Same steps as the workbooks (core/exports/pipeline.py): `prepare_report` reads the database and
checks the right to export; `write_report_draft` renders into a hidden draft beside the
destination (no database, safe on a worker thread); `publish_export` records the export and
moves the file into place in one transaction.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from clinicguard.core.exports.pipeline import (
    Cancelled,
    PreparedExport,
    Progress,
    authorised,
    cancelled_error,
    check_folder,
    publish_export,
)
from clinicguard.core.reports.content import report_content
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.paths import resources_dir

if TYPE_CHECKING:
    from clinicguard.core.workspace import Workspace
    from clinicguard.model.people import Actor

# PDF/A-2a (archival, tagged: the text's structure and reading order are in the file) and PDF/UA-1
# (accessible); should some content ever break the stricter rules, PDF/A-2b (archival, the
# appearance kept exactly) is still made, and the log says why.
PDF_STANDARDS = ["a-2a", "ua-1"]
FALLBACK_STANDARDS = ["a-2b"]
TEMPLATE = ("reports", "report.typ")
log = logging.getLogger(__name__)


class NotAPdfName(ClinicGuardError):
    """The destination does not end in .pdf."""


class ReportFailed(ClinicGuardError):
    """The layout engine could not make the report."""


def check_pdf_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise NotAPdfName(tr("The report is a PDF file: give a file name ending in .pdf."))
    return out


def template_path() -> Path:
    return resources_dir().joinpath(*TEMPLATE)


def render_pdf(content: dict) -> bytes:
    """The PDF of a report's content (from `report_content`); no database access."""
    import typst  # imported here: ~80 MB of native code that only the report needs

    data = json.dumps(content, ensure_ascii=False)
    try:
        try:
            return typst.compile(str(template_path()), sys_inputs={"data": data}, pdf_standards=PDF_STANDARDS,
                                 ignore_system_fonts=True)
        except RuntimeError as exc:  # typst.TypstError, with the layout's diagnostics
            log.warning("the report breaks %s (%s): made as %s", PDF_STANDARDS, exc, FALLBACK_STANDARDS)
            return typst.compile(str(template_path()), sys_inputs={"data": data}, pdf_standards=FALLBACK_STANDARDS,
                                 ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own error type with the layout's diagnostics
        raise ReportFailed(tr("The report could not be laid out: {error}", error=str(exc).splitlines()[0]
                              if str(exc) else type(exc).__name__)) from exc


def prepare_report(ws: Workspace, actor: Actor, lang: str | None = None) -> PreparedExport:
    """Check the right to export and read everything the report shows (on the database's thread)."""
    current = authorised(ws, actor)
    content = report_content(ws, current, lang)
    details = {"language": content["lang"], "audit_head": content["cover"]["audit_head"],
               "score": content["summary"]["overall_percent"]}
    return PreparedExport("report", partial(render_pdf, content), details)


def write_report_draft(prepared: PreparedExport, out: Path | str, progress: Progress | None = None,
                       cancelled: Cancelled | None = None) -> Path:
    """Render into a hidden draft beside `out` and return it; nothing appears at `out` until
    `publish_export` has recorded the export."""
    out = check_pdf_path(out)
    check_folder(out)
    if progress is not None:
        progress(0, 2)
    pdf = prepared.build()
    if cancelled is not None and cancelled():
        raise cancelled_error()
    if progress is not None:
        progress(1, 2)
    fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".part.pdf", dir=out.parent)
    draft = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(2, 2)
    return draft


def export_report(ws: Workspace, actor: Actor, out: Path | str, lang: str | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """Write the compliance report to `out` (a .pdf) and record the export, on the calling thread."""
    out = check_pdf_path(out)
    check_folder(out)
    prepared = prepare_report(ws, actor, lang)
    return publish_export(ws, actor, prepared, write_report_draft(prepared, out, progress, cancelled), out)
