"""Budget lines as values: nature, category, VAT in integer cents, fiscal years and quarters.

Money is integer cents with an explicit VAT rate in basis points; never floats."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from clinicguard.i18n import language, tr
from clinicguard.model.accounts import default_account
from clinicguard.model.errors import InvalidValue


VAT_RATES_BP: tuple[int, ...] = (2000, 1000, 550, 0)


class Nature(StrEnum):
    INVESTMENT = "investment"
    RUNNING = "running"

    @property
    def label(self) -> str:
        return {Nature.INVESTMENT: tr("Investment"), Nature.RUNNING: tr("Running cost")}[self]


class Category(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    SERVICES = "services"
    TRAINING = "training"
    SUBSCRIPTIONS = "subscriptions"
    INSURANCE = "insurance"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Category.HARDWARE: tr("Hardware"),
            Category.SOFTWARE: tr("Software"),
            Category.SERVICES: tr("Services and advice"),
            Category.TRAINING: tr("Training"),
            Category.SUBSCRIPTIONS: tr("Subscriptions and hosting"),
            Category.INSURANCE: tr("Insurance"),
            Category.OTHER: tr("Other"),
        }[self]


# ---- VAT ----------------------------------------------------------------------------------------
def vat_cents(amount_ht: int, rate_bp: int) -> int:
    """VAT on one line, rounded half up (away from zero) to the cent, in integer arithmetic."""
    if rate_bp not in VAT_RATES_BP:
        raise InvalidValue(tr("VAT rate {rate} is not one of 20 %, 10 %, 5.5 %, 0 %.", rate=format_rate(rate_bp)))
    sign = -1 if amount_ht < 0 else 1
    return sign * ((abs(amount_ht) * rate_bp + 5000) // 10000)


def ttc_cents(amount_ht: int, rate_bp: int) -> int:
    return amount_ht + vat_cents(amount_ht, rate_bp)


def format_rate(rate_bp: int) -> str:
    whole, rest = divmod(rate_bp, 100)
    text = f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    if language() == "fr":
        text = text.replace(".", ",")
    return f"{text} %"


# ---- fiscal years -------------------------------------------------------------------------------
# A fiscal year is labelled by the calendar year in which it STARTS: with a first month of July,
# fiscal year 2026 runs from 1 July 2026 to 30 June 2027. With January it is the calendar year.
def fiscal_year_of(day: date, start_month: int) -> int:
    return day.year if day.month >= start_month else day.year - 1


def fiscal_year_bounds(year: int, start_month: int) -> tuple[date, date]:
    """First and last day (both inclusive) of fiscal year `year`."""
    first = date(year, start_month, 1)
    next_first = date(year + 1, start_month, 1)
    return first, date.fromordinal(next_first.toordinal() - 1)


def fiscal_quarter(day: date, start_month: int) -> int:
    """1 to 4: the quarter of the fiscal year `day` falls in."""
    return (day.month - start_month) % 12 // 3 + 1


def fiscal_year_label(year: int, start_month: int) -> str:
    return str(year) if start_month == 1 else f"{year}-{year + 1}"


# ---- budget lines -------------------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetLine:
    """One expense of an action. Amounts are excluding VAT; VAT and TTC are computed per line.

    `expense_date` places the line in a fiscal year and a quarter; `fiscal_year` is derived from
    it unless the user set it (`fiscal_year_manual`). A recurring line (a subscription) costs its
    planned and committed amounts again every following fiscal year, up to `recurring_until`
    (inclusive) when set; its actual amount is the invoice of its own fiscal year only.
    """

    id: int | None
    action_id: int
    label: str
    expense_date: str
    fiscal_year: int
    supplier: str = ""
    nature: str = Nature.RUNNING.value
    category: str = Category.OTHER.value
    vat_rate_bp: int = 2000
    vat_recoverable: bool = False
    planned_ht: int = 0
    committed_ht: int | None = None
    actual_ht: int | None = None
    invoice_ref: str = ""
    invoice_date: str | None = None
    fiscal_year_manual: bool = False
    depreciation_years: int | None = None
    recurring: bool = False
    recurring_until: int | None = None
    account: str | None = None  # the PCG account of the line; None: the default of its category and nature
    created_at: str = ""
    updated_at: str = ""

    @property
    def booked_account(self) -> str:
        """The account the line is booked to: its own, else the default of its nature and category."""
        return self.account or default_account(self.nature, self.category)

    def changed(self, **changes) -> "BudgetLine":
        return dataclasses.replace(self, **changes)

    def public(self) -> dict:
        """The fields a user sets, as recorded in the audit trail."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("id", "created_at", "updated_at")}

    # Amounts, each as (excl. VAT, VAT, incl. VAT) through the helpers below.
    def vat(self, amount_ht: int | None) -> int | None:
        return None if amount_ht is None else vat_cents(amount_ht, self.vat_rate_bp)

    def ttc(self, amount_ht: int | None) -> int | None:
        return None if amount_ht is None else amount_ht + vat_cents(amount_ht, self.vat_rate_bp)

    def real_cost(self, amount_ht: int | None) -> int | None:
        """What the clinic really pays: HT when it recovers the VAT, TTC otherwise."""
        if amount_ht is None:
            return None
        return amount_ht if self.vat_recoverable else self.ttc(amount_ht)

    @property
    def planned_ttc(self) -> int:
        return self.ttc(self.planned_ht)  # type: ignore[return-value]

    @property
    def actual_ttc(self) -> int | None:
        return self.ttc(self.actual_ht)

    @property
    def variance_ht(self) -> int | None:
        """Actual minus planned, once invoiced (positive: over budget)."""
        return None if self.actual_ht is None else self.actual_ht - self.planned_ht

    @property
    def over_budget(self) -> bool:
        spent = self.actual_ht if self.actual_ht is not None else self.committed_ht
        return spent is not None and spent > self.planned_ht

    def quarter(self, start_month: int) -> int:
        return fiscal_quarter(date.fromisoformat(self.expense_date), start_month)

    def years_active(self, first: int, last: int) -> list[int]:
        """The fiscal years in [first, last] in which this line costs something."""
        return years_active(self.fiscal_year, self.recurring, self.recurring_until, first, last)


def years_active(fiscal_year: int, recurring: bool, recurring_until: int | None, first: int, last: int) -> list[int]:
    if not recurring:
        return [fiscal_year] if first <= fiscal_year <= last else []
    end = last if recurring_until is None else min(last, recurring_until)
    return list(range(max(first, fiscal_year), end + 1))


class LineAmounts(NamedTuple):
    """What a year's headline totals need of a budget line (`status` on 10,000 actions reads these,
    not whole BudgetLines)."""

    action_id: int
    fiscal_year: int
    vat_rate_bp: int
    planned_ht: int
    actual_ht: int | None
    recurring: bool
    recurring_until: int | None
    vat_recoverable: bool

    def years_active(self, first: int, last: int) -> list[int]:
        return years_active(self.fiscal_year, self.recurring, self.recurring_until, first, last)
