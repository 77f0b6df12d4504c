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

# Every VAT rate of French law, in basis points (2000 = 20 %). Sources: Code général des impôts,
# art. 278 (20 %), 278 bis and 278-0 bis (5,5 %), 279 (10 %), 281 quater to 281 nonies (2,1 %, e.g.
# reimbursed medicines and the press), 297 (Corsica: 13 %, 10 %, 2,1 %, 0,9 %) and 296 (Guadeloupe,
# Martinique, La Réunion: 8,5 %, 2,1 %, 1,75 %, 1,05 %); 0 % for what is exempt or outside VAT. Which
# rate applies is printed on the supplier's invoice; the list only refuses a rate that does not exist.
VAT_RATES_BP: tuple[int, ...] = (2000, 1300, 1000, 850, 550, 210, 175, 105, 90, 0)


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
        raise InvalidValue(rate_refusal(format_rate(rate_bp)))
    sign = -1 if amount_ht < 0 else 1
    return sign * ((abs(amount_ht) * rate_bp + 5000) // 10000)


def ttc_cents(amount_ht: int, rate_bp: int) -> int:
    return amount_ht + vat_cents(amount_ht, rate_bp)


def rate_refusal(value: str) -> str:
    """The message refusing a VAT rate that French law does not have (translated)."""
    return tr("VAT rate {rate} is not a French rate ({rates}).", rate=value,
              rates=", ".join(format_rate(r) for r in VAT_RATES_BP))


def deductible_vat(vat: int, pct: int) -> int:
    """The part of `vat` the clinic deducts at `pct` %, rounded half away from zero to the cent."""
    sign = -1 if vat < 0 else 1
    return sign * ((abs(vat) * pct + 50) // 100)


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
class YearInvoice:
    """The invoice of a recurring line in one of the later fiscal years it runs (its first year's
    invoice is on the line itself)."""

    fiscal_year: int
    actual_ht: int
    actual_vat: int
    actual_ttc: int
    invoice_ref: str = ""
    invoice_date: str | None = None
    payment_date: str | None = None


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
    # The invoice as printed: its VAT and TTC as typed (None: computed from the rate, for a line
    # saved before they were typed), and, for an invoice with several rates, its VAT breakdown
    # ((rate bp, excl. VAT, VAT), ...) whose sums are actual_ht and actual_vat. A negative invoice
    # is a credit note.
    actual_vat: int | None = None
    actual_ttc: int | None = None
    vat_parts: tuple[tuple[int, int, int], ...] = ()
    vat_deduction_pct: int | None = None  # None: 100 when vat_recoverable, else 0
    supplier_siret: str = ""
    supplier_vat: str = ""
    payment_date: str | None = None
    invoice_evidence_id: int | None = None  # the invoice file in the evidence vault
    in_service_date: str | None = None  # put into service: depreciation starts here
    disposal_date: str | None = None  # sold or scrapped: depreciation stops here
    service_from: str | None = None  # the period a running cost pays for
    service_to: str | None = None
    year_invoices: tuple[YearInvoice, ...] = ()  # a recurring line's invoices of its later years
    created_at: str = ""
    updated_at: str = ""

    @property
    def booked_account(self) -> str:
        """The account the line is booked to: its own, else the default of its nature and category."""
        return self.account or default_account(self.nature, self.category)

    def year_invoice(self, year: int) -> YearInvoice | None:
        return next((i for i in self.year_invoices if i.fiscal_year == year), None)

    def for_year(self, year: int) -> BudgetLine:
        """The line as it costs in a later fiscal year of a recurring cost: that year's own invoice
        (none yet: not invoiced), not the first year's."""
        if year == self.fiscal_year:
            return self
        invoice = self.year_invoice(year)
        if invoice is None:
            return dataclasses.replace(self, actual_ht=None, actual_vat=None, actual_ttc=None, vat_parts=(),
                                       invoice_ref="", invoice_date=None, payment_date=None,
                                       invoice_evidence_id=None, service_from=None, service_to=None)
        return dataclasses.replace(self, actual_ht=invoice.actual_ht, actual_vat=invoice.actual_vat,
                                   actual_ttc=invoice.actual_ttc, vat_parts=(), invoice_ref=invoice.invoice_ref,
                                   invoice_date=invoice.invoice_date, payment_date=invoice.payment_date,
                                   invoice_evidence_id=None, service_from=None, service_to=None)

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

    @property
    def deduction_pct(self) -> int:
        """The share of the VAT the clinic deducts, in % (0: none, 100: all)."""
        if self.vat_deduction_pct is not None:
            return self.vat_deduction_pct
        return 100 if self.vat_recoverable else 0

    def real_cost(self, amount_ht: int | None, vat: int | None = None) -> int | None:
        """What the clinic really pays: HT plus the VAT it does not deduct (HT when it deducts all
        of it, TTC when it deducts none). `vat`: the VAT as invoiced, else computed from the rate."""
        if amount_ht is None:
            return None
        vat = self.vat(amount_ht) if vat is None else vat
        return amount_ht + vat - deductible_vat(vat, self.deduction_pct)  # type: ignore[operator]

    @property
    def invoice_real_cost(self) -> int | None:
        """What the invoice really costs the clinic: its HT plus the VAT not deducted, per rate."""
        if self.actual_ht is None:
            return None
        return sum(ht + vat - deductible_vat(vat, self.deduction_pct) for _, ht, vat in self.invoice_parts)

    # ---- the invoice as printed ----
    @property
    def invoice_parts(self) -> tuple[tuple[int, int, int], ...]:
        """The invoice's VAT breakdown, (rate bp, excl. VAT, VAT) per rate; one part for a one-rate
        invoice; empty when not invoiced."""
        if self.actual_ht is None:
            return ()
        if self.vat_parts:
            return self.vat_parts
        return ((self.vat_rate_bp, self.actual_ht, self.invoice_vat),)  # type: ignore[arg-type]

    @property
    def invoice_vat(self) -> int | None:
        """The invoice's VAT as typed (computed from the rate for a line saved without it)."""
        if self.actual_ht is None:
            return None
        return self.actual_vat if self.actual_vat is not None else vat_cents(self.actual_ht, self.vat_rate_bp)

    @property
    def invoice_ttc(self) -> int | None:
        if self.actual_ht is None:
            return None
        return self.actual_ttc if self.actual_ttc is not None else self.actual_ht + self.invoice_vat  # type: ignore[operator]

    @property
    def is_credit_note(self) -> bool:
        return self.actual_ht is not None and self.actual_ht < 0

    @property
    def depreciation_start(self) -> str:
        """Where depreciation starts: the date put into service, else the invoice's, else the expense's."""
        return (self.in_service_date or self.invoice_date or self.expense_date)[:10]

    @property
    def planned_ttc(self) -> int:
        return self.ttc(self.planned_ht)  # type: ignore[return-value]

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


class LineGroup(NamedTuple):
    """Budget lines summed by what the headline totals tell apart (`ActionStore.line_groups`): one
    row per fiscal year, recurrence, VAT rate and recovery, and whether the action is dropped. The
    VAT sums are of each line's VAT, rounded per line as `vat_cents` rounds it."""

    fiscal_year: int
    recurring: bool
    recurring_until: int | None
    vat_recoverable: bool
    vat_rate_bp: int
    dropped: bool
    planned_ht: int
    planned_vat: int
    invoiced: int  # how many of the lines have an actual amount
    actual_ht: int
    actual_vat: int


@dataclass
class HeadlineTotals:
    """A fiscal year's headline totals in cents, as `summarize_year(...).total` has them."""

    planned_ht: int = 0
    planned_vat: int = 0
    actual_ht: int = 0
    actual_vat: int = 0
    planned_real: int = 0  # excl. VAT where the VAT is recovered, incl. VAT otherwise
    actual_real: int = 0

    @property
    def planned_ttc(self) -> int:
        return self.planned_ht + self.planned_vat

    @property
    def actual_ttc(self) -> int:
        return self.actual_ht + self.actual_vat


def budget_years(lines, current_year: int) -> list[int]:
    """The fiscal years worth showing: from the first line's year to the last, and the current one.

    Recurring lines without an end reach the later of the last line's year and the current year.
    `lines`: BudgetLines, LineAmounts or LineGroups (anything with the three attributes read)."""
    years = {current_year}
    for line in lines:
        years.add(line.fiscal_year)
        if line.recurring and line.recurring_until is not None:
            years.add(line.recurring_until)
    return list(range(min(years), max(years) + 1))


def headline_totals(groups, years: list[int]) -> dict[int, HeadlineTotals]:
    """Each year's planned and actual totals from the lines' groups (`LineGroup`), by the rules of
    `year_entries` in core/budget.py: a dropped action's line keeps only its invoice; an invoice
    counts in the line's own year; a recurring line's plan counts every year it runs.
    tests/test_status_totals.py checks they equal the full yearly summaries'."""
    totals = {year: HeadlineTotals() for year in years}
    if not years:
        return totals
    first, last = years[0], years[-1]
    for g in groups:
        vat_cents(0, g.vat_rate_bp)  # a rate French law does not have is refused, as line by line
        for year in years_active(g.fiscal_year, g.recurring, g.recurring_until, first, last):
            t = totals[year]
            if not g.dropped:
                t.planned_ht += g.planned_ht
                t.planned_vat += g.planned_vat
                t.planned_real += g.planned_ht + (0 if g.vat_recoverable else g.planned_vat)
            if g.invoiced and year == g.fiscal_year:
                t.actual_ht += g.actual_ht
                t.actual_vat += g.actual_vat
                t.actual_real += g.actual_ht + (0 if g.vat_recoverable else g.actual_vat)
    return totals
