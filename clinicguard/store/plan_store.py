"""Rows of the `action`, `action_item` and `budget_line` tables: the action plan and its budget."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from clinicguard.model.plan import Action
from clinicguard.model.budget import BudgetLine, LineAmounts, LineGroup, YearInvoice

if TYPE_CHECKING:  # the stores read through sqlite-utils' Database or store.db.ReadConnection
    from sqlite_utils import Database

_ACTION_COLUMNS = ("id", "title", "description", "owner", "priority", "status", "start_date", "due_date", "done_date",
                   "progress", "created_at", "updated_at")
_LINE_COLUMNS = ("id", "action_id", "label", "expense_date", "fiscal_year", "supplier", "nature", "category",
                 "vat_rate_bp", "vat_recoverable", "planned_ht", "committed_ht", "actual_ht", "invoice_ref",
                 "invoice_date", "fiscal_year_manual", "depreciation_years", "recurring", "recurring_until",
                 "account", "actual_vat", "actual_ttc", "vat_parts", "vat_deduction_pct", "supplier_siret",
                 "supplier_vat", "payment_date", "invoice_evidence_id", "in_service_date", "disposal_date",
                 "service_from", "service_to", "created_at", "updated_at")
_LINE_BOOLS = ("vat_recoverable", "fiscal_year_manual", "recurring")
_INVOICE_COLUMNS = ("fiscal_year", "actual_ht", "actual_vat", "actual_ttc", "invoice_ref", "invoice_date",
                    "payment_date")


class ActionStore:
    def __init__(self, db: Database):
        self._db = db

    # ---- actions ---------------------------------------------------------------------------
    def _links(self, action_id: int | None = None) -> dict[int, tuple[str, ...]]:
        sql = "SELECT action_id, item_id FROM action_item"
        params: list = []
        if action_id is not None:
            sql += " WHERE action_id = ?"
            params = [action_id]
        links: dict[int, list[str]] = {}
        for a_id, item_id in self._db.execute(sql + " ORDER BY action_id, position", params):
            links.setdefault(a_id, []).append(item_id)
        return {k: tuple(v) for k, v in links.items()}

    @staticmethod
    def _action_from_row(row: tuple, links: dict[int, tuple[str, ...]]) -> Action:
        values = dict(zip(_ACTION_COLUMNS, row))
        return Action(**values, item_ids=links.get(values["id"], ()))

    def actions(self) -> list[Action]:
        links = self._links()
        cursor = self._db.execute(f"SELECT {', '.join(_ACTION_COLUMNS)} FROM action ORDER BY id")
        return [self._action_from_row(row, links) for row in cursor]

    def action(self, action_id: int) -> Action | None:
        row = self._db.execute(f"SELECT {', '.join(_ACTION_COLUMNS)} FROM action WHERE id = ?", [action_id]).fetchone()
        return self._action_from_row(row, self._links(action_id)) if row else None

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM action").fetchone()[0]

    def statuses_and_due_dates(self) -> list[tuple[int, str, str | None]]:
        """(id, status, due date) of every action: what counts and totals need, without whole actions."""
        return self._db.execute("SELECT id, status, due_date FROM action").fetchall()

    def titles(self) -> dict[str, int]:
        return {title: action_id for action_id, title in self._db.execute("SELECT id, title FROM action")}

    def actions_by_item(self) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for item_id, action_id in self._db.execute("SELECT item_id, action_id FROM action_item ORDER BY action_id"):
            result.setdefault(item_id, []).append(action_id)
        return result

    def _action_row(self, action: Action) -> dict:
        return {k: getattr(action, k) for k in _ACTION_COLUMNS if k != "id"}

    def _set_links(self, action_id: int, item_ids: tuple[str, ...]) -> None:
        self._db.execute("DELETE FROM action_item WHERE action_id = ?", [action_id])
        if item_ids:
            self._db["action_item"].insert_all(
                [{"action_id": action_id, "item_id": item_id, "position": n} for n, item_id in enumerate(item_ids)]
            )

    def insert_action(self, action: Action) -> int:
        action_id = self._db["action"].insert(self._action_row(action)).last_pk
        self._set_links(action_id, action.item_ids)
        return action_id

    def update_action(self, action: Action) -> None:
        self._db["action"].update(action.id, self._action_row(action))
        self._set_links(action.id, action.item_ids)  # type: ignore[arg-type]

    def delete_action(self, action_id: int) -> None:
        self._db.execute("DELETE FROM action_item WHERE action_id = ?", [action_id])
        self._db.execute("DELETE FROM action WHERE id = ?", [action_id])

    # ---- budget lines ------------------------------------------------------------------------
    @staticmethod
    def _line_from_row(row: tuple) -> BudgetLine:
        values = dict(zip(_LINE_COLUMNS, row))
        for key in _LINE_BOOLS:
            values[key] = bool(values[key])
        # The VAT breakdown of an invoice with several rates: [[rate bp, excl. VAT, VAT], ...] as JSON.
        values["vat_parts"] = tuple(tuple(p) for p in json.loads(values["vat_parts"])) if values["vat_parts"] else ()
        return BudgetLine(**values)

    def _year_invoices(self, line_id: int | None = None) -> dict[int, tuple[YearInvoice, ...]]:
        sql = f"SELECT line_id, {', '.join(_INVOICE_COLUMNS)} FROM budget_line_invoice"
        params: list = []
        if line_id is not None:
            sql += " WHERE line_id = ?"
            params = [line_id]
        found: dict[int, list[YearInvoice]] = {}
        for row in self._db.execute(sql + " ORDER BY line_id, fiscal_year", params):
            found.setdefault(row[0], []).append(YearInvoice(*row[1:]))
        return {k: tuple(v) for k, v in found.items()}

    def lines(self, action_id: int | None = None) -> list[BudgetLine]:
        sql = f"SELECT {', '.join(_LINE_COLUMNS)} FROM budget_line"
        params: list = []
        if action_id is not None:
            sql += " WHERE action_id = ?"
            params = [action_id]
        invoices = self._year_invoices()
        lines = [self._line_from_row(row) for row in self._db.execute(sql + " ORDER BY id", params)]
        return [line.changed(year_invoices=invoices[line.id]) if line.id in invoices else line for line in lines]

    def line_amounts(self) -> list[LineAmounts]:
        """The amounts of every line, for the yearly headline totals (one query, no BudgetLine built)."""
        sql = f"SELECT {', '.join(LineAmounts._fields)} FROM budget_line"
        return [LineAmounts(a, y, rate, planned, actual, bool(recurring), until, bool(recoverable))
                for a, y, rate, planned, actual, recurring, until, recoverable in self._db.execute(sql)]

    def items_with_actions(self) -> set[str]:
        """The recommendations at least one action addresses (through the item index)."""
        return {r[0] for r in self._db.execute("SELECT DISTINCT item_id FROM action_item")}

    def line_groups(self, dropped_status: str) -> list[LineGroup]:
        """Every line summed into `LineGroup`s, in one query (`status` on 20,000 lines builds no
        object per line). Each line's VAT is rounded as model.budget.vat_cents rounds it (half away
        from zero, in integer cents) before it is summed; tests/test_status_totals.py compares."""
        def vat(column: str) -> str:
            return (f"CASE WHEN {column} < 0 THEN -((-{column} * vat_rate_bp + 5000) / 10000) "
                    f"ELSE ({column} * vat_rate_bp + 5000) / 10000 END")

        sql = (f"SELECT fiscal_year, recurring, recurring_until, vat_recoverable, vat_rate_bp, "
               f"action_id IN (SELECT id FROM action WHERE status = ?) AS dropped, "
               f"sum(planned_ht), sum({vat('planned_ht')}), count(actual_ht), "
               f"coalesce(sum(actual_ht), 0), coalesce(sum({vat('actual_ht')}), 0) "
               f"FROM budget_line GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6")
        return [LineGroup(year, bool(recurring), until, bool(recoverable), rate, bool(dropped), *sums)
                for year, recurring, until, recoverable, rate, dropped, *sums in self._db.execute(sql, [dropped_status])]

    def action_counts(self, open_statuses: tuple[str, ...], today: str, horizon: str) -> tuple[int, int, int]:
        """How many actions there are, how many are open and overdue (due before `today`), and how
        many are open and due from `today` to `horizon` (ISO dates, inclusive), as model.plan's
        is_overdue and is_due_soon decide for one action."""
        marks = ", ".join("?" * len(open_statuses))
        row = self._db.execute(
            f"SELECT count(*), coalesce(sum(status IN ({marks}) AND due_date <> '' AND due_date < ?), 0), "
            f"coalesce(sum(status IN ({marks}) AND due_date >= ? AND due_date <= ?), 0) FROM action",
            [*open_statuses, today, *open_statuses, today, horizon]).fetchone()
        return row[0], row[1], row[2]

    def line_sums(self) -> list[tuple[int, int, int, int]]:
        """(action id, fiscal year, planned HT, actual HT) summed over each action's lines of each
        year: what the plan page's rows show, added up by SQLite rather than line by line."""
        return self._db.execute("SELECT action_id, fiscal_year, COALESCE(SUM(planned_ht), 0), "
                                "COALESCE(SUM(actual_ht), 0) FROM budget_line GROUP BY action_id, fiscal_year").fetchall()

    def line(self, line_id: int) -> BudgetLine | None:
        row = self._db.execute(f"SELECT {', '.join(_LINE_COLUMNS)} FROM budget_line WHERE id = ?", [line_id]).fetchone()
        if not row:
            return None
        line = self._line_from_row(row)
        invoices = self._year_invoices(line_id)
        return line.changed(year_invoices=invoices[line_id]) if line_id in invoices else line

    def set_year_invoice(self, line_id: int, invoice: YearInvoice | None, year: int) -> None:
        """Record (or, with None, remove) a recurring line's invoice of fiscal `year`."""
        self._db.execute("DELETE FROM budget_line_invoice WHERE line_id = ? AND fiscal_year = ?", [line_id, year])
        if invoice is not None:
            self._db["budget_line_invoice"].insert({"line_id": line_id, **{k: getattr(invoice, k)
                                                                          for k in _INVOICE_COLUMNS}})

    def drop_year_invoices_outside(self, line_id: int, first: int, last: int | None) -> None:
        """A recurring line shortened or made one-off keeps no invoice of a year it no longer runs."""
        self._db.execute("DELETE FROM budget_line_invoice WHERE line_id = ? AND (fiscal_year <= ? OR fiscal_year > ?)",
                         [line_id, first, last if last is not None else 10_000])

    def _line_row(self, line: BudgetLine) -> dict:
        row = {k: getattr(line, k) for k in _LINE_COLUMNS if k != "id"}
        for key in _LINE_BOOLS:
            row[key] = int(row[key])
        row["vat_parts"] = json.dumps([list(p) for p in line.vat_parts]) if line.vat_parts else ""
        return row

    def insert_line(self, line: BudgetLine) -> int:
        return self._db["budget_line"].insert(self._line_row(line)).last_pk

    def update_line(self, line: BudgetLine) -> None:
        self._db["budget_line"].update(line.id, self._line_row(line))

    def evidence_exists(self, evidence_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM evidence WHERE id = ?", [evidence_id]).fetchone() is not None

    def delete_line(self, line_id: int) -> None:
        self._db.execute("DELETE FROM budget_line_invoice WHERE line_id = ?", [line_id])
        self._db.execute("DELETE FROM budget_line WHERE id = ?", [line_id])
