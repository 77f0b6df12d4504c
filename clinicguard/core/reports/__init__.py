"""Documents for a DPO or an inspector: the compliance report (PDF/A) and the inspection pack.

The names below are loaded from their module when first used (PEP 562), as in `core.exports`: the
report needs openpyxl (the pack's workbooks) and Typst, which a command that only reads, or builds
its parser, must not pay for (tests/test_cheap_imports.py)."""

from __future__ import annotations

from clinicguard.core.lazy import lazy_package

_NAMES = {
    "content": ("report_content", "score_trend"),
    "pack": ("EvidenceChoice", "NotAZipName", "PackError", "PreparedPack", "check_zip_path", "choose_evidence",
             "export_pack", "prepare_pack", "publish_pack", "write_pack_draft"),
    "pdf": ("NotAPdfName", "ReportFailed", "check_pdf_path", "export_report", "prepare_report", "render_pdf",
            "write_report_draft"),
}
__all__, __getattr__, __dir__ = lazy_package(__name__, _NAMES)
