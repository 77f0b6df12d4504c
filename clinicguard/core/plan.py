"""The action plan: each gap of the checklist becomes an owned, dated, costed action.

`ActionPlan` (reached as `workspace.plan`) holds the rules and the audited writes for actions
and their budget lines, with the priority rule. The plan page's filtering is in plan_filter, the
words an import accepts in plan_vocabulary, the import itself in plan_import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from clinicguard.core.clock import utc_now
from clinicguard.model.budget import BudgetLine, Nature, YearInvoice, fiscal_year_of, vat_cents
from clinicguard.core.budget import (
    BudgetSummary, InvalidValue, budget_years, check_depreciation_duration, parse_amount, summarize_year, validate_line,
)
from clinicguard.core.plan_standing import GAP_STATUSES, Gap, PlanStanding, gaps, plan_standing
from clinicguard.model.invoice import normal_identifier
from clinicguard.model.checklist import Status
from clinicguard.model.errors import ClinicGuardError, NotFound
from clinicguard.core.formatting import date_problem, format_date, parse_date, text_problem
from clinicguard.model.people import Actor, Permission
from clinicguard.core.permissions import require
from clinicguard.i18n import pick, tr
from clinicguard.model.plan import DUE_SOON_DAYS, Action, ActionStatus, is_overdue
from clinicguard.core.plan_filter import PlanRow, plan_rows_from_sums
from clinicguard.core.plan_vocabulary import guess_category, priority_value, status_value
from clinicguard.core.checklist import Checklist
from clinicguard.core.uow import Audited, UnitOfWork
from clinicguard.model.catalogue import Catalogue
from clinicguard.store.plan_store import ActionStore
from clinicguard.store.clinic_store import ClinicStore




def priority_label(priority: int) -> str:
    return f"P{priority}"


def priority_rule() -> str:
    """The rule `suggest_priority` follows, in words for the user."""
    return tr("Suggested priority: a not compliant recommendation of severity 4 is P1, 3 is P2, 2 is P3, 1 is P4; "
              "a partly compliant one is one step lower (never below P4). For several recommendations, the most "
              "urgent wins; a free action is P3.")


def suggest_priority(gaps: Iterable[tuple[int, Status | str]]) -> int:
    """The priority suggested for an action from its items' (severity, status); see priority_rule()."""
    best = None
    for severity, status in gaps:
        priority = 5 - int(severity)
        if Status(status) is Status.PARTIAL:
            priority += 1
        priority = min(4, max(1, priority))
        best = priority if best is None else min(best, priority)
    return 3 if best is None else best


def validate_action(action: Action) -> list[str]:
    problems = []
    if not action.title.strip():
        problems.append(tr("the action needs a title"))
    if action.priority not in (1, 2, 3, 4):
        problems.append(tr("the priority must be P1, P2, P3 or P4"))
    if action.status not in {s.value for s in ActionStatus}:
        problems.append(tr("unknown action status {value!r}", value=action.status))
    if not 0 <= action.progress <= 100:
        problems.append(tr("the progress must be between 0 and 100 %"))
    for word, text in ((tr("the title"), action.title), (tr("the description"), action.description),
                       (tr("the responsible"), action.owner)):
        problem = text_problem(text)
        if problem:
            problems.append(tr("{field}: {problem}", field=word, problem=problem))
    for day in (action.start_date, action.due_date, action.done_date):
        problem = date_problem(day)
        if problem:
            problems.append(problem)
    if action.start_date and action.due_date and action.due_date < action.start_date:
        problems.append(tr("the due date {due} is before the start date {start}",
                           due=format_date(action.due_date), start=format_date(action.start_date)))
    return problems


@dataclass(frozen=True)
class ActionDraft:
    """An action prefilled from a gap, for the user to complete before saving."""

    title: str
    description: str
    priority: int
    item_ids: tuple[str, ...]
    owner: str = ""
    suggested_nature: str | None = None
    suggested_amount_ht: int | None = None  # top of the catalogue's cost band, in cents
    cost_band: str = ""
    suggested_label: str = ""  # the catalogue's suggested action, as the budget line's label
    suggested_category: str = "other"
    suggested_min_ht: int | None = None  # bottom of the catalogue's cost band, in cents


_ACTION_FIELDS = {"title", "description", "owner", "priority", "status", "start_date", "due_date", "done_date",
                  "progress", "item_ids"}
_LINE_FIELDS = {"label", "supplier", "nature", "category", "vat_rate_bp", "vat_recoverable", "planned_ht",
                "committed_ht", "actual_ht", "invoice_ref", "invoice_date", "expense_date", "fiscal_year",
                "depreciation_years", "recurring", "recurring_until", "account", "actual_vat", "actual_ttc",
                "vat_parts", "vat_deduction_pct", "supplier_siret", "supplier_vat", "payment_date",
                "invoice_evidence_id", "in_service_date", "disposal_date", "service_from", "service_to"}
_LINE_DATES = ("expense_date", "invoice_date", "payment_date", "in_service_date", "disposal_date", "service_from",
               "service_to")


class ActionPlan:
    """The clinic's actions and budget lines, with the rules every change obeys."""

    def __init__(self, store: ActionStore, uow: UnitOfWork, catalogue: Catalogue, clinic: ClinicStore,
                 checklist: Checklist):
        self.store = store
        self._uow = uow
        self._catalogue = catalogue
        self._clinic = clinic
        self._checklist = checklist

    # ---- reading -------------------------------------------------------------------------
    def actions(self) -> list[Action]:
        return self.store.actions()

    def action(self, action_id: int) -> Action:
        action = self.store.action(action_id)
        if action is None:
            raise NotFound(tr("Unknown action {id}.", id=action_id))
        return action

    def lines(self, action_id: int | None = None) -> list[BudgetLine]:
        return self.store.lines(action_id)

    def line(self, line_id: int) -> BudgetLine:
        line = self.store.line(line_id)
        if line is None:
            raise NotFound(tr("Unknown budget line {id}.", id=line_id))
        return line

    def titles(self) -> dict[str, int]:
        """Each action's title and id (an import does not create an action twice)."""
        return self.store.titles()

    def rows(self) -> list[PlanRow]:
        # the lines summed by action and year in SQL suffice for the table: no line built for 20,000 of them
        return plan_rows_from_sums(self.actions(), self.store.line_sums())

    def gaps(self) -> list[Gap]:
        """Every recommendation partly or not compliant, most severe first, with its actions."""
        return gaps(self._checklist.rows(), self.store.actions_by_item())

    def gaps_without_action(self) -> list[Gap]:
        return [g for g in self.gaps() if not g.has_action]

    def current_fiscal_year(self, today: date | None = None) -> int:
        return fiscal_year_of(today or date.today(), self._clinic.get().fiscal_year_start_month)

    def fiscal_year_for(self, day: str | date) -> int:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return fiscal_year_of(day, self._clinic.get().fiscal_year_start_month)

    def summary(self, fiscal_year: int | None = None, today: date | None = None) -> BudgetSummary:
        year = fiscal_year if fiscal_year is not None else self.current_fiscal_year(today)
        statuses = {a.id: a.status for a in self.actions()}
        return summarize_year(self.lines(), statuses, year, self._clinic.get().fiscal_year_start_month)  # type: ignore[arg-type]

    def summaries(self, today: date | None = None) -> list[BudgetSummary]:
        """One summary per fiscal year from the first budget line's year to the current year or later."""
        lines = self.lines()
        statuses = {a.id: a.status for a in self.actions()}
        start = self._clinic.get().fiscal_year_start_month
        return [summarize_year(lines, statuses, y, start)  # type: ignore[arg-type]
                for y in budget_years(lines, self.current_fiscal_year(today))]

    def standing(self, today: date | None = None) -> PlanStanding:
        """The plan's counts and each fiscal year's headline totals, as `status` prints them: two
        aggregate queries, without building every action and line (core/plan_standing.py)."""
        return plan_standing(self.store, self._clinic.get().fiscal_year_start_month, today or date.today())

    def draft_from_gap(self, item_id: str, suggestion: int = 0) -> ActionDraft:
        """An action prefilled from the catalogue's suggested action for this gap."""
        row = next((r for r in self._checklist.rows() if r.item.id == item_id), None)
        if row is None:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        if row.status not in GAP_STATUSES:
            raise ClinicGuardError(tr("{id} is not a gap: only a partly or not compliant recommendation needs an action.",
                                      id=item_id))
        item = row.item
        priority = suggest_priority([(item.severity, row.status)])
        actions = item.actions_for(self._clinic.get().structure)
        if not actions:
            return ActionDraft(pick(item.title), pick(item.question), priority, (item.id,), row.assessment.responsible)
        suggested = actions[min(suggestion, len(actions) - 1)]
        return ActionDraft(
            title=pick(suggested.title), description=pick(item.title), priority=priority, item_ids=(item.id,),
            owner=row.assessment.responsible, suggested_nature=suggested.cost_kind,
            suggested_amount_ht=suggested.cost_max_eur * 100 if suggested.cost_max_eur else None,
            cost_band=suggested.cost_band, suggested_label=pick(suggested.title),
            suggested_category=guess_category(suggested.title.values()),
            suggested_min_ht=suggested.cost_min_eur * 100,
        )

    # ---- writing actions -----------------------------------------------------------------
    def create_action(self, actor: Actor, *, title: str, item_ids: Sequence[str] = (), priority: int | None = None,
                      **fields: Any) -> Action:
        """Create an action (linked to zero or more recommendations); its priority is suggested if not given."""
        with self._uow.writing(actor, Permission.EDIT_PLAN) as audit:
            return self.create_action_in(audit, title=title, item_ids=item_ids, priority=priority, **fields)

    def create_from_gap(self, actor: Actor, item_id: str, **overrides: Any) -> Action:
        draft = self.draft_from_gap(item_id)
        fields = {"title": draft.title, "description": draft.description, "priority": draft.priority,
                  "item_ids": draft.item_ids, "owner": draft.owner}
        fields.update(overrides)
        return self.create_action(actor, **fields)

    def create_action_in(self, audit: "Audited", *, title: str, item_ids: Sequence[str] = (),
                         priority: int | None = None, **fields: Any) -> Action:
        """create_action inside a `uow.writing(...)` block the caller already holds (imports)."""
        unknown = set(fields) - _ACTION_FIELDS
        if unknown:
            raise ValueError(f"unknown action fields {unknown}")
        items = self._checked_items(item_ids)
        if priority is None:
            priority = self._suggested_priority(items)
        now = utc_now()
        action = Action(None, title="", item_ids=items, created_at=now, updated_at=now)
        action = self._normalised(action, {**fields, "title": title, "priority": priority})
        action = action.changed(id=self.store.insert_action(action))
        audit.record("action.create", "action", action.id, None, action.public())  # type: ignore[arg-type]
        return action

    def update_action(self, actor: Actor, action_id: int, **changes: Any) -> Action:
        unknown = set(changes) - _ACTION_FIELDS
        if unknown:
            raise ValueError(f"unknown action fields {unknown}")
        with self._uow.writing(actor, Permission.EDIT_PLAN) as audit:
            current = self.action(action_id)
            if "item_ids" in changes:
                changes["item_ids"] = self._checked_items(changes["item_ids"])
            updated = self._normalised(current, changes, was=current)
            if updated.public() == current.public():
                return current
            updated = updated.changed(updated_at=utc_now())
            self.store.update_action(updated)
            audit.record("action.update", "action", action_id, current.public(), updated.public())
        return updated

    def delete_action(self, actor: Actor, action_id: int) -> None:
        """Delete an action and its budget lines: one audit entry, whose "before" keeps the action
        and every line it had."""
        with self._uow.writing(actor, Permission.EDIT_PLAN) as audit:
            current = self.action(action_id)
            lines = self.store.lines(action_id)
            if lines:
                # The role as read inside the transaction, not the one the caller signed in with.
                require(audit.actor, Permission.EDIT_BUDGET)
            for line in lines:
                self.store.delete_line(line.id)  # type: ignore[arg-type]
            self.store.delete_action(action_id)
            before = current.public()
            before["budget_lines"] = [{"id": line.id, **line.public()} for line in lines]
            audit.record("action.delete", "action", action_id, before, None)

    def redate_lines_in(self, audit: "Audited", start_month: int) -> dict[int, tuple[int, int]]:
        """Put each line whose fiscal year follows its date into the year that date falls in when the
        fiscal year starts in `start_month` (inside the clinic change's transaction). A year set by
        hand is kept. Returns {line id: (year before, year after)} for the lines that moved."""
        now = utc_now()
        moved: dict[int, tuple[int, int]] = {}
        before: dict[str, dict] = {}
        after: dict[str, dict] = {}
        for line in self.store.lines():
            if line.fiscal_year_manual:
                continue
            year = fiscal_year_of(date.fromisoformat(line.expense_date), start_month)
            if year == line.fiscal_year:
                continue
            changes: dict[str, Any] = {"fiscal_year": year}
            if line.recurring_until is not None and line.recurring_until < year:
                changes["recurring_until"] = year  # it still runs its own, first year
            self.store.update_line(line.changed(**changes, updated_at=now))
            moved[line.id] = (line.fiscal_year, year)  # type: ignore[index]
            before[str(line.id)] = {k: getattr(line, k) for k in changes}
            after[str(line.id)] = changes
        if moved:
            # One entry for one decision (the clinic's first month), listing every line it moved:
            # thousands of per-line entries would bury the change itself in the journal.
            audit.record("budget-line.redate", "clinic", self._clinic.get().uuid, {"lines": before},
                         {"fiscal_year_start_month": start_month, "lines": after})
        return moved

    def _checked_items(self, item_ids: Iterable[str]) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(i.strip() for i in item_ids if i and i.strip()))
        for item_id in items:
            if item_id not in self._catalogue:
                raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        return items

    def _suggested_priority(self, item_ids: Iterable[str]) -> int:
        statuses = {r.item.id: r for r in self._checklist.rows()}
        return suggest_priority((statuses[i].item.severity, statuses[i].status) for i in item_ids
                                if i in statuses and statuses[i].status in GAP_STATUSES)

    @staticmethod
    def _normalised(action: Action, changes: dict[str, Any], was: Action | None = None) -> Action:
        """Apply changes with their types fixed, fill the date done, and refuse an invalid action."""
        changes = dict(changes)
        for key in ("start_date", "due_date", "done_date"):
            if key in changes:
                changes[key] = parse_date(changes[key]) if changes[key] not in (None, "") else None
        for key in ("title", "description", "owner"):
            if key in changes:
                changes[key] = (changes[key] or "").strip()
        if "status" in changes:
            changes["status"] = status_value(changes["status"])
        if "priority" in changes:
            changes["priority"] = priority_value(changes["priority"])
        if "progress" in changes:
            changes["progress"] = int(changes["progress"] or 0)
        updated = action.changed(**changes)
        finished = updated.status == ActionStatus.DONE.value
        if finished and (was is None or was.status != ActionStatus.DONE.value):
            # Marking an action done records when, unless the user gave the date.
            updated = updated.changed(done_date=updated.done_date or date.today().isoformat(),
                                      progress=100 if "progress" not in changes else updated.progress)
        elif not finished and "status" in changes and "done_date" not in changes:
            updated = updated.changed(done_date=None)
        problems = validate_action(updated)
        if problems:
            raise InvalidValue(_sentence(problems))
        return updated

    # ---- writing budget lines ------------------------------------------------------------
    def add_line(self, actor: Actor, action_id: int, *, label: str, planned_ht: int, confirm_duration: bool = False,
                 **fields: Any) -> BudgetLine:
        """Add a budget line to an action. Its date defaults to the action's due date, else today;
        its fiscal year follows from the date unless given; VAT recovery defaults to the clinic's.
        A depreciation period outside 1 to 10 years needs `confirm_duration`."""
        with self._uow.writing(actor, Permission.EDIT_BUDGET) as audit:
            return self.add_line_in(audit, action_id, label=label, planned_ht=planned_ht,
                                    confirm_duration=confirm_duration, **fields)

    def add_line_in(self, audit: "Audited", action_id: int, confirm_duration: bool = False,
                    **fields: Any) -> BudgetLine:
        """add_line inside a `uow.writing(...)` block the caller already holds (imports)."""
        unknown = set(fields) - _LINE_FIELDS
        if unknown:
            raise ValueError(f"unknown budget line fields {unknown}")
        action = self.action(action_id)
        fields.setdefault("expense_date", action.due_date or action.start_date or date.today())
        fields.setdefault("vat_recoverable", self._clinic.get().vat_recoverable)
        now = utc_now()
        line = BudgetLine(None, action_id, label="", expense_date="", fiscal_year=0, created_at=now, updated_at=now)
        line = self._normalised_line(line, fields)
        check_depreciation_duration(line, confirm_duration)
        line = line.changed(id=self.store.insert_line(line))
        audit.record("budget-line.create", "budget-line", line.id, None, line.public())  # type: ignore[arg-type]
        return line

    def update_line(self, actor: Actor, line_id: int, confirm_duration: bool = False, **changes: Any) -> BudgetLine:
        unknown = set(changes) - _LINE_FIELDS - {"action_id"}
        if unknown:
            raise ValueError(f"unknown budget line fields {unknown}")
        with self._uow.writing(actor, Permission.EDIT_BUDGET) as audit:
            current = self.line(line_id)
            if "action_id" in changes:
                self.action(changes["action_id"])
            updated = self._normalised_line(current, changes)
            if updated.public() == current.public():
                return current
            if updated.depreciation_years != current.depreciation_years:  # asked once, when it is set
                check_depreciation_duration(updated, confirm_duration)
            updated = updated.changed(updated_at=utc_now())
            self.store.update_line(updated)
            if current.year_invoices:  # a later year's invoice of a year the line no longer runs goes
                last = updated.recurring_until if updated.recurring else updated.fiscal_year
                self.store.drop_year_invoices_outside(line_id, updated.fiscal_year, last)
                updated = self.line(line_id)
            audit.record("budget-line.update", "budget-line", line_id, current.public(), updated.public())
        return updated

    def set_year_invoice(self, actor: Actor, line_id: int, year: int, *, actual_ht: Any, actual_vat: Any = None,
                         actual_ttc: Any = None, invoice_ref: str = "", invoice_date: Any = None,
                         payment_date: Any = None) -> BudgetLine:
        """Record the invoice of a recurring line in one of its later fiscal years (its own invoice,
        date and actual, not the first year's); `actual_ht` None removes it. Amounts in integer cents
        (or text in euros); VAT and TTC as printed, when left out the rate's VAT and HT + VAT."""
        with self._uow.writing(actor, Permission.EDIT_BUDGET) as audit:
            line = self.line(line_id)
            if not line.recurring:
                raise InvalidValue(tr("Line {id} does not recur: its invoice is on the line itself.", id=line_id))
            if year not in line.years_active(line.fiscal_year + 1, year):
                raise InvalidValue(tr("Line {id} does not run in fiscal year {year} (it runs from {first}{until}).",
                                      id=line_id, year=year, first=line.fiscal_year,
                                      until=tr(" to {last}", last=line.recurring_until)
                                      if line.recurring_until is not None else ""))
            before = line.year_invoice(year)
            invoice = None
            if actual_ht is not None:
                ht = _cents(actual_ht, tr("Actual amount excl. VAT"))
                vat = _cents(actual_vat, tr("Invoice VAT")) if actual_vat not in (None, "") else \
                    vat_cents(ht, line.vat_rate_bp)
                ttc = _cents(actual_ttc, tr("Invoice incl. VAT")) if actual_ttc not in (None, "") else ht + vat
                invoice = YearInvoice(year, ht, vat, ttc, (invoice_ref or "").strip(),
                                      parse_date(invoice_date) if invoice_date not in (None, "") else None,
                                      parse_date(payment_date) if payment_date not in (None, "") else None)
                problems = validate_line(line.changed(year_invoices=(invoice,)).for_year(year))
                if problems:
                    raise InvalidValue(_sentence(problems))
            self.store.set_year_invoice(line_id, invoice, year)
            audit.record("budget-line.year-invoice", "budget-line", line_id,
                         dataclasses.asdict(before) if before else None,
                         dataclasses.asdict(invoice) if invoice else None)
            return self.line(line_id)

    def delete_line(self, actor: Actor, line_id: int) -> None:
        with self._uow.writing(actor, Permission.EDIT_BUDGET) as audit:
            current = self.line(line_id)
            self.store.delete_line(line_id)
            audit.record("budget-line.delete", "budget-line", line_id, current.public(), None)

    def _normalised_line(self, line: BudgetLine, changes: dict[str, Any]) -> BudgetLine:
        changes = dict(changes)
        for key in _LINE_DATES:
            if key in changes:
                changes[key] = parse_date(changes[key]) if changes[key] not in (None, "") else None
        for key in ("label", "supplier", "invoice_ref"):
            if key in changes:
                changes[key] = (changes[key] or "").strip()
        for key in ("supplier_siret", "supplier_vat"):
            if key in changes:
                changes[key] = normal_identifier(changes[key] or "")
        if "vat_parts" in changes:
            changes["vat_parts"] = tuple(tuple(int(x) for x in part) for part in (changes["vat_parts"] or ()))
        if changes.get("invoice_evidence_id") is not None:
            changes["invoice_evidence_id"] = int(changes["invoice_evidence_id"])
            if not self.store.evidence_exists(changes["invoice_evidence_id"]):
                raise NotFound(tr("Unknown evidence {id}.", id=changes["invoice_evidence_id"]))
        if "vat_deduction_pct" in changes and changes["vat_deduction_pct"] is not None:
            changes["vat_deduction_pct"] = int(changes["vat_deduction_pct"])
        if "actual_ht" in changes and not {"actual_vat", "actual_ttc", "vat_parts"} & set(changes):
            # A new amount excl. VAT without its VAT: the VAT follows the rate again (not a stale figure).
            changes.update(actual_vat=None, actual_ttc=None, vat_parts=())
        if changes.get("vat_parts") and "actual_ht" not in changes:
            changes["actual_ht"] = sum(p[1] for p in changes["vat_parts"])
        if changes.get("vat_parts") and "actual_vat" not in changes:
            changes["actual_vat"] = sum(p[2] for p in changes["vat_parts"])
        if changes.get("actual_vat") is not None and changes.get("actual_ttc") is None and "actual_ht" in changes \
                and changes["actual_ht"] is not None:
            changes["actual_ttc"] = changes["actual_ht"] + changes["actual_vat"]
        for key in ("vat_recoverable", "recurring"):
            if key in changes:
                changes[key] = bool(changes[key])
        if "account" in changes:  # empty: back to the default of the category
            changes["account"] = str(changes["account"] or "").strip().replace(" ", "") or None
        for key in ("nature", "category"):
            if key in changes:
                changes[key] = str(changes[key])  # validate_line names an unknown value
        if changes.get("fiscal_year") is not None:
            changes["fiscal_year"] = int(changes["fiscal_year"])
            changes["fiscal_year_manual"] = True
        elif "fiscal_year" in changes:  # None: go back to the year of the date
            changes.pop("fiscal_year")
            changes["fiscal_year_manual"] = False
        updated = line.changed(**changes)
        if not updated.expense_date:
            raise InvalidValue(tr("The expense needs a date."))
        if not updated.fiscal_year_manual:
            updated = updated.changed(fiscal_year=self.fiscal_year_for(updated.expense_date))
        if updated.nature != Nature.INVESTMENT.value and "depreciation_years" not in changes:
            updated = updated.changed(depreciation_years=None)
        if updated.actual_ht is None and "actual_ht" in changes:  # the invoice removed: its figures go too
            updated = updated.changed(actual_vat=None, actual_ttc=None, vat_parts=())
        problems = validate_line(updated)
        if problems:
            raise InvalidValue(_sentence(problems))
        return updated

    # ---- dashboard figures ----------------------------------------------------------------
    def overdue(self, today: date | None = None) -> list[Action]:
        today = today or date.today()
        return sorted((a for a in self.actions() if a.is_overdue(today)), key=lambda a: a.due_date or "")

    def overdue_count(self, today: date | None = None) -> int:
        """How many actions are overdue (the window's sidebar count), without building them."""
        today = today or date.today()
        return sum(1 for _id, status, due in self.store.statuses_and_due_dates() if is_overdue(status, due, today))

    def due_soon(self, today: date | None = None, days: int = DUE_SOON_DAYS) -> list[Action]:
        today = today or date.today()
        return sorted((a for a in self.actions() if a.is_due_soon(today, days)), key=lambda a: a.due_date or "")


def _cents(value: Any, field: str) -> int:
    """An amount as the other budget fields take it: integer cents, or text in euros (the CLI's)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_amount(str(Decimal(value) / 100), field)  # the same bounds and messages
    return parse_amount(value, field)


def _sentence(problems: list[str]) -> str:
    text = "; ".join(problems)
    return text[:1].upper() + text[1:] + "."
