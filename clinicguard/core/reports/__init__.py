"""Documents for a DPO or an inspector: the compliance report (PDF/A) and the inspection pack."""

from clinicguard.core.reports.content import report_content, score_trend
from clinicguard.core.reports.pack import (
    EvidenceChoice,
    NotAZipName,
    PackError,
    PreparedPack,
    check_zip_path,
    choose_evidence,
    export_pack,
    prepare_pack,
    publish_pack,
    write_pack_draft,
)
from clinicguard.core.reports.pdf import (
    NotAPdfName,
    ReportFailed,
    check_pdf_path,
    export_report,
    prepare_report,
    render_pdf,
    write_report_draft,
)

__all__ = [
    "EvidenceChoice",
    "NotAPdfName",
    "NotAZipName",
    "PackError",
    "PreparedPack",
    "ReportFailed",
    "check_pdf_path",
    "check_zip_path",
    "choose_evidence",
    "export_pack",
    "export_report",
    "prepare_pack",
    "prepare_report",
    "publish_pack",
    "render_pdf",
    "report_content",
    "score_trend",
    "write_pack_draft",
    "write_report_draft",
]
