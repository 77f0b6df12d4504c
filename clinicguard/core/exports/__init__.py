"""The Excel workbooks sent outside the app, all through one pipeline (pipeline.py): the budget for
the accountant, the checklist for a DPO or an inspector, the action plan, the journal, and the
bundled catalogue, the registers. One module per workbook; xlsx.py holds the safe cell helpers they share.

The names below are loaded from their module when first used (PEP 562), not when the package is
imported: openpyxl costs about 100 ms, and `status` or the window only need `last_exports`, which
does not use it (tests/test_cheap_imports.py keeps it so)."""

from __future__ import annotations

import importlib

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
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}
_SUBMODULES = {*_NAMES, "cover", "xlsx"}  # `exports.xlsx` loads the module too
__all__ = [
    "MEASURES", "SUMMARY_MEASURES", "ActionsData", "BudgetData", "Cancelled", "ChecklistData", "Context",
    "ExportCancelled", "ExportSources", "JournalData", "NoSuchFolder", "NotAWorkbookName", "PreparedExport",
    "Progress", "build_actions", "build_budget", "build_catalogue", "build_checklist", "build_journal",
    "check_folder", "check_out_path", "detail_columns", "detail_values", "entry_amounts", "export_actions",
    "export_budget", "export_catalogue", "export_checklist", "export_journal", "last_exports", "measure_headers",
    "prepare_actions", "prepare_budget", "prepare_catalogue", "prepare_checklist", "prepare_journal",
    "publish_export", "quarter_label", "run_export", "write_draft", "write_export",
    "RegistersData", "build_registers", "export_registers", "prepare_registers",
]
assert sorted(__all__) == sorted(_MODULE_OF)  # one list of names, two spellings kept in step


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
