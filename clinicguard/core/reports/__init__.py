"""Documents for a DPO or an inspector: the compliance report (PDF/A) and the inspection pack.

The names below are loaded from their module when first used (PEP 562), as in `core.exports`: the
report needs openpyxl (the pack's workbooks) and Typst, which a command that only reads, or builds
its parser, must not pay for (tests/test_cheap_imports.py)."""

from __future__ import annotations

import importlib

_NAMES = {
    "content": ("report_content", "score_trend"),
    "pack": ("EvidenceChoice", "NotAZipName", "PackError", "PreparedPack", "check_zip_path", "choose_evidence",
             "export_pack", "prepare_pack", "publish_pack", "write_pack_draft"),
    "pdf": ("NotAPdfName", "ReportFailed", "check_pdf_path", "export_report", "prepare_report", "render_pdf",
            "write_report_draft"),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name in _NAMES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
