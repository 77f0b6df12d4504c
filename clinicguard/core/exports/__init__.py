"""The Excel workbooks sent outside the app, all through one pipeline (pipeline.py): the budget for
the accountant, the checklist for a DPO or an inspector, the action plan, the journal, and the
bundled catalogue, the registers. One module per workbook; xlsx.py holds the safe cell helpers they share."""

from clinicguard.core.exports.budget import (
    MEASURES, SUMMARY_MEASURES, BudgetData, build_budget, detail_columns, detail_values, entry_amounts,
    export_budget, measure_headers, prepare_budget, quarter_label,
)
from clinicguard.core.exports.catalogue import build_catalogue, export_catalogue, prepare_catalogue
from clinicguard.core.exports.checklist import ChecklistData, build_checklist, export_checklist, prepare_checklist
from clinicguard.core.exports.journal import JournalData, build_journal, export_journal, prepare_journal
from clinicguard.core.exports.pipeline import (
    Cancelled, Context, ExportCancelled, ExportSources, NoSuchFolder, NotAWorkbookName, PreparedExport, Progress,
    check_folder, check_out_path, last_exports, publish_export, run_export, write_draft, write_export,
)
from clinicguard.core.exports.plan import ActionsData, build_actions, export_actions, prepare_actions
from clinicguard.core.exports.registers import RegistersData, build_registers, export_registers, prepare_registers

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
