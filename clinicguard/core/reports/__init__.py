"""Documents for a DPO or an inspector: the compliance report (PDF/A) and the inspection pack."""

from clinicguard.core.reports.content import report_content, score_trend
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
    "NotAPdfName", "ReportFailed", "check_pdf_path", "export_report", "prepare_report", "render_pdf",
    "report_content", "score_trend", "write_report_draft",
]
