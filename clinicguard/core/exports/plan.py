"""The action plan workbook: one row per action (owner, dates, priority, status, linked
recommendations, its costs over every fiscal year) and every budget line of every year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from openpyxl import Workbook

from clinicguard.model.plan import Action
from clinicguard.core.plan_filter import plan_rows
from clinicguard.core.plan import priority_label
from clinicguard.model.budget import BudgetLine, Category, Nature, fiscal_year_label
from clinicguard.core.exports.budget import recurring_text
from clinicguard.core.exports.cover import cover
from clinicguard.core.exports.pipeline import (
    Cancelled, Context, ExportSources, PreparedExport, Progress, authorised, context_for, run_export, tick,
)
from clinicguard.core.exports.xlsx import (
    DATE, INTEGER, MONEY, PERCENT, TEXT, WRAP, Column, TableSheet, enum_label, sheet_title, yes_no,
)
from clinicguard.i18n import tr
from clinicguard.model.people import Actor


@dataclass(frozen=True)
class ActionsData:
    context: Context
    actions: tuple[Action, ...]
    lines: tuple[BudgetLine, ...]
    today: date
    start_month: int


def prepare_actions(sources: ExportSources, actor: Actor) -> PreparedExport:
    """The action plan workbook (every action, every budget line of every year), ready to build."""
    current = authorised(sources, actor)
    plan = sources.plan
    data = ActionsData(context_for(sources, current), tuple(plan.actions()), tuple(plan.lines()), date.today(),
                       sources.settings.clinic.fiscal_year_start_month)
    details = {"actions": len(data.actions), "lines": len(data.lines), "audit_head": data.context.audit_head}
    return PreparedExport("actions", partial(build_actions, data), details)


def export_actions(sources: ExportSources, actor: Actor, out: Path | str, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> Path:
    return run_export(sources, actor, prepare_actions(sources, actor), out, progress, cancelled)


def build_actions(data: ActionsData, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"actions": sheet_title(tr("Actions")), "lines": sheet_title(tr("Budget lines"))}
    cover(
        book, tr("Action plan of the clinic"), data.context,
        [(tr("Number of actions"), INTEGER, len(data.actions)), (tr("Number of budget lines"), INTEGER, len(data.lines))],
        [(names["actions"], tr("One row per action: owner, dates, priority, status, linked recommendations and its "
                               "costs (sum of its budget lines, all fiscal years).")),
         (names["lines"], tr("Every budget line of every fiscal year, with its action."))],
        [tr("The costs of an action add up its budget lines once each: a recurring cost counts once here; the budget "
            "workbook of each fiscal year shows it every year it runs.")],
    )
    per_action: dict[int, dict[str, int]] = {}
    for line in data.lines:
        sums = per_action.setdefault(line.action_id, {"lines": 0, "planned_ttc": 0, "committed_ht": 0,
                                                      "actual_ttc": 0})
        sums["lines"] += 1
        sums["planned_ttc"] += line.planned_ttc
        sums["committed_ht"] += line.committed_ht or 0
        sums["actual_ttc"] += line.invoice_ttc or 0
    plan = {row.action.id: row for row in plan_rows(list(data.actions), data.lines)}
    columns = [
        Column(tr("Action no."), INTEGER, 8), Column(tr("Title"), WRAP, 36), Column(tr("Description"), WRAP, 44),
        Column(tr("Owner"), TEXT, 18), Column(tr("Priority"), TEXT, 9), Column(tr("Status"), TEXT, 12),
        Column(tr("Start date"), DATE, 12), Column(tr("Due date"), DATE, 12), Column(tr("Done on"), DATE, 12),
        Column(tr("Progress (%)"), INTEGER, 10), Column(tr("Overdue"), TEXT, 9),
        Column(tr("Linked recommendations"), TEXT, 22), Column(tr("Budget lines"), INTEGER, 9),
        Column(tr("Planned excl. VAT"), MONEY, 15), Column(tr("Planned incl. VAT"), MONEY, 15),
        Column(tr("Committed excl. VAT"), MONEY, 15), Column(tr("Actual excl. VAT"), MONEY, 15),
        Column(tr("Actual incl. VAT"), MONEY, 15),
    ]
    table = TableSheet(book.create_sheet(names["actions"]), columns)
    total = len(data.actions) + len(data.lines)
    done = 0
    for action in data.actions:
        sums = per_action.get(action.id, {"lines": 0, "planned_ttc": 0, "committed_ht": 0, "actual_ttc": 0})  # type: ignore[arg-type]
        row = plan[action.id]
        table.append([
            action.id, action.title, action.description, action.owner, priority_label(action.priority),
            action.status_enum.label, action.start_date, action.due_date, action.done_date, action.progress,
            yes_no(action.is_overdue(data.today)), ", ".join(action.item_ids), sums["lines"], row.planned_ht,
            sums["planned_ttc"], sums["committed_ht"], row.actual_ht, sums["actual_ttc"],
        ])
        done += 1
        tick(progress, cancelled, done, total)
    table.finish("Actions")
    titles = {a.id: a.title for a in data.actions}
    line_columns = [
        Column(tr("Line no."), INTEGER, 8), Column(tr("Action no."), INTEGER, 8), Column(tr("Action"), TEXT, 30),
        Column(tr("Fiscal year"), TEXT, 10), Column(tr("Expense date"), DATE, 12), Column(tr("Category"), TEXT, 18),
        Column(tr("Nature"), TEXT, 14), Column(tr("Supplier"), TEXT, 18), Column(tr("Label"), TEXT, 28),
        Column(tr("VAT rate"), PERCENT, 9), Column(tr("Planned excl. VAT"), MONEY, 15),
        Column(tr("Planned incl. VAT"), MONEY, 15), Column(tr("Committed excl. VAT"), MONEY, 15),
        Column(tr("Actual excl. VAT"), MONEY, 15), Column(tr("Actual incl. VAT"), MONEY, 15),
        Column(tr("Invoice reference"), TEXT, 16), Column(tr("Invoice date"), DATE, 12),
        Column(tr("Recurring"), TEXT, 18), Column(tr("Depreciation (years)"), INTEGER, 12),
    ]
    lines = TableSheet(book.create_sheet(names["lines"]), line_columns)
    for line in data.lines:
        lines.append([
            line.id, line.action_id, titles.get(line.action_id, ""), fiscal_year_label(line.fiscal_year, data.start_month),
            line.expense_date, enum_label(Category, line.category), enum_label(Nature, line.nature), line.supplier,
            line.label, line.vat_rate_bp, line.planned_ht, line.planned_ttc, line.committed_ht, line.actual_ht,
            line.invoice_ttc, line.invoice_ref, line.invoice_date, recurring_text(line), line.depreciation_years,
        ])
        done += 1
        tick(progress, cancelled, done, total)
    lines.finish("Lignes")
    return book
