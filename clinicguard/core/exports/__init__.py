"""The Excel workbooks sent outside the app, all through one pipeline (pipeline.py): the budget for
the accountant, the checklist for a DPO or an inspector, the action plan, the journal, and the
bundled catalogue, the registers. One module per workbook; xlsx.py holds the safe cell helpers they share.

The names below are loaded from their module when first used (PEP 562), not when the package is
imported: openpyxl costs about 100 ms, and `status` or the window only need `last_exports`, which
does not use it (tests/test_cheap_imports.py keeps it so)."""

from __future__ import annotations

from clinicguard.core.lazy import lazy_package

_NAMES = {
    "budget": ("MEASURES", "SUMMARY_MEASURES", "BudgetData", "build_budget", "detail_columns", "detail_values",
               "entry_amounts", "export_budget", "measure_headers", "prepare_budget", "quarter_label"),
    "catalogue": ("build_catalogue", "export_catalogue", "prepare_catalogue"),
    "checklist": ("ChecklistData", "build_checklist", "export_checklist", "prepare_checklist"),
    "journal": ("JournalData", "build_journal", "export_journal", "prepare_journal"),
    "pipeline": ("Cancelled", "Context", "ExportCancelled", "ExportSources", "NoSuchFolder", "NotAWorkbookName",
                 "PreparedExport", "Progress", "check_folder", "check_out_path", "last_exports", "publish_export",
                 "run_export", "write_draft", "write_export"),
    "plan": ("ActionsData", "build_actions", "export_actions", "prepare_actions"),
    "registers": ("RegistersData", "build_registers", "export_registers", "prepare_registers"),
}
# `exports.cover` and `exports.xlsx` load those modules too
__all__, __getattr__, __dir__ = lazy_package(__name__, _NAMES, submodules=("cover", "xlsx"))
