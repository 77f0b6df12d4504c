"""Budget lines and their arithmetic: VAT, fiscal years, depreciation, recurring costs, summaries.

Pure functions over small frozen dataclasses, shared by the budget view, `status --json` and
the Excel export. Money is integer cents; VAT rates are basis points (2000 = 20 %).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from clinicguard.core.formatting import MAX_YEAR, MIN_YEAR, date_problem, format_date, format_money, text_problem
from clinicguard.i18n import language, tr
from clinicguard.model.accounts import LOW_VALUE_THRESHOLD_CENTS, account_problem
from clinicguard.model.budget import (
    VAT_RATES_BP,
    BudgetLine,
    Category,
    HeadlineTotals,  # noqa: F401  (re-exported: the yearly totals of `status`, computed in the model)
    Nature,
    budget_years,  # noqa: F401  (re-exported)
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    format_rate,
    rate_refusal,
)
from clinicguard.model.errors import ClinicGuardError, InvalidValue  # noqa: F401  (InvalidValue: re-exported)
from clinicguard.model.invoice import (
    USUAL_DEPRECIATION_RANGE,
    invoice_problems,
    prepaid_part,
    siret_problem,
    suggested_depreciation_text,
    vat_number_problem,
)

MAX_DEPRECIATION_YEARS = 50
# The largest amount accepted anywhere (1 000 000 000,00 €): far above any clinic's IT budget, far
# below what SQLite's 64-bit integers hold, so a typing slip (10^17 €) is refused in one line.
MAX_AMOUNT_CENTS = 100_000_000_000


# ---- money in and out ---------------------------------------------------------------------------
_SPACES = re.compile(r"[\s\u00a0\u202f'’]")


def parse_amount(value: object, field: str | None = None) -> int:
    """Read an amount and refuse one beyond MAX_AMOUNT_CENTS; `field` (translated) names the
    amount in the message ("planned amount: ...")."""
    try:
        cents = _parse_amount(value)
    except InvalidValue as problem:
        raise InvalidValue(f"{field}: {problem}" if field else str(problem)) from None
    if abs(cents) > MAX_AMOUNT_CENTS:
        message = tr("the amount {value} is beyond the largest accepted, {max}", value=_text_of(value),
                     max=format_money(MAX_AMOUNT_CENTS))
        raise InvalidValue(f"{field}: {message}" if field else message[:1].upper() + message[1:] + ".")
    return cents


def _text_of(value: object) -> str:
    if isinstance(value, float):
        return _decimal_text(Decimal(f"{value:.15g}"))
    return str(value).strip()


def _parse_amount(value: object) -> int:
    """Read an amount in euros (text with a comma or a dot, or a number from a spreadsheet) as cents.

    Thousands may be separated by spaces or apostrophes; when both a dot and a comma appear, the
    last one is the decimal separator. More than two decimals is refused rather than guessed.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidValue(tr("Unreadable amount {value!r}.", value=value))
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        # A spreadsheet number is a binary float: read it as the 15 significant digits Excel shows,
        # so 779.8799999999999 (a formula's result) is 779.88, but 12.345 is refused, not rounded.
        if not math.isfinite(value):
            raise InvalidValue(tr("Unreadable amount {value!r}.", value=value))
        shown = Decimal(f"{value:.15g}")
        if not shown.is_finite() or shown.as_tuple().exponent < -2 and shown != shown.quantize(Decimal("0.01")):
            raise InvalidValue(tr("The amount {value} has more than two decimals: round it to the cent.",
                                  value=_decimal_text(shown)))
        return int(shown * 100)
    text = re.sub(r"(€|eur|euros?)$", "", _SPACES.sub("", str(value)), flags=re.IGNORECASE)
    if text.startswith("+"):
        text = text[1:]
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "")
    else:
        decimal_sep = "," if "," in text else "."
    text = text.replace(decimal_sep, ".")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
        raise InvalidValue(tr("Unreadable amount {value!r}: write it like 1234,56.", value=str(value)))
    return int(Decimal(text) * 100)


def _decimal_text(number: Decimal) -> str:
    text = format(number, "f")
    return text.replace(".", ",") if language() == "fr" else text


def parse_vat_rate(value: object) -> int:
    """Read '20', '20 %', '5,5', 0.055 (a percent-formatted cell) as basis points; refuse other rates."""
    if isinstance(value, bool) or value is None:
        raise InvalidValue(tr("Unreadable VAT rate {value!r}.", value=value))
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _SPACES.sub("", str(value)).rstrip("%").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidValue(tr("Unreadable VAT rate {value!r}.", value=str(value))) from None
    bp = number * 100
    if (bp != bp.to_integral_value() or int(bp) not in VAT_RATES_BP) and 0 < number < 1:
        bp *= 100  # a spreadsheet cell formatted as a percentage holds the fraction (0.055 for 5,5 %)
    if bp != bp.to_integral_value() or int(bp) not in VAT_RATES_BP:
        raise InvalidValue(rate_refusal(str(value).strip()))
    return int(bp)


def parse_fiscal_year(value: object) -> int:
    """Read '2026', 2026 or '2026-2027' (labelled by its start year) as a fiscal year."""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    match = re.fullmatch(r"(\d{4})(?:\s*[-/]\s*(\d{4}))?", text)
    if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
        raise InvalidValue(tr("Unreadable fiscal year {value!r}: write it like 2026 or 2026-2027.", value=text))
    year = int(match.group(1))
    if not 1990 <= year <= 2200:
        raise InvalidValue(tr("Unreadable fiscal year {value!r}: write it like 2026 or 2026-2027.", value=text))
    return year


def validate_line(line: BudgetLine) -> list[str]:
    """The problems a user must fix before this line can be saved (translated, empty when fine)."""
    problems = []
    if not line.label.strip():
        problems.append(tr("the expense needs a label"))
    for word, text in ((tr("the label"), line.label), (tr("the supplier"), line.supplier),
                       (tr("the invoice reference"), line.invoice_ref)):
        problem = text_problem(text)
        if problem:
            problems.append(tr("{field}: {problem}", field=word, problem=problem))
    for day in (line.expense_date, line.invoice_date):
        problem = date_problem(day)
        if problem:
            problems.append(problem)
    for year in (line.fiscal_year, line.recurring_until):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            problems.append(tr("the fiscal year {year} is outside the years {first} to {last}", year=year,
                               first=MIN_YEAR, last=MAX_YEAR))
    if line.nature not in {n.value for n in Nature}:
        problems.append(tr("unknown nature {value!r}", value=line.nature))
    if line.category not in {c.value for c in Category}:
        problems.append(tr("unknown category {value!r}", value=line.category))
    if line.vat_rate_bp not in VAT_RATES_BP:
        problems.append(rate_refusal(format_rate(line.vat_rate_bp)))
    for name, amount in (("planned", line.planned_ht), ("committed", line.committed_ht), ("actual", line.actual_ht)):
        if amount is not None and amount < 0 and name != "actual":  # a negative invoice is a credit note
            problems.append(tr("the {which} amount cannot be negative ({amount})",
                               which=_amount_word(name), amount=format_money(amount)))
        if amount is not None and abs(amount) > MAX_AMOUNT_CENTS:
            problems.append(tr("the {which} amount {amount} is beyond the largest accepted, {max}",
                               which=_amount_word(name), amount=format_money(amount),
                               max=format_money(MAX_AMOUNT_CENTS)))
    if line.depreciation_years is not None:
        if line.nature != Nature.INVESTMENT.value:
            problems.append(tr("only an investment is depreciated"))
        elif not 1 <= line.depreciation_years <= MAX_DEPRECIATION_YEARS:
            problems.append(tr("the depreciation period must be between 1 and {max} years", max=MAX_DEPRECIATION_YEARS))
    account = account_problem(line.account, line.nature)
    if account:
        problems.append(account)
    problems += _invoice_problems(line)
    if line.recurring and line.nature != Nature.RUNNING.value:
        problems.append(tr("only a running cost can recur every year"))
    if line.recurring_until is not None and line.recurring_until < line.fiscal_year:
        problems.append(tr("a recurring cost cannot end before its first fiscal year"))
    return problems


def _invoice_problems(line: BudgetLine) -> list[str]:
    """The invoice as typed (VAT breakdown, TTC, deduction, supplier identifiers) and the dates of
    depreciation and of the service period."""
    problems = []
    if line.actual_ht is None:
        if line.actual_vat is not None or line.actual_ttc is not None or line.vat_parts:
            problems.append(tr("the invoice's VAT and incl. VAT amount need its amount excl. VAT"))
    else:
        for rate, _, _ in line.vat_parts:
            if rate not in VAT_RATES_BP:
                problems.append(rate_refusal(format_rate(rate)))
        if not problems:
            problems += invoice_problems(line.invoice_parts, line.actual_ht, line.invoice_vat,  # type: ignore[arg-type]
                                         line.invoice_ttc, format_money, format_rate)  # type: ignore[arg-type]
        for name, amount in (("VAT", line.actual_vat), ("TTC", line.actual_ttc)):
            if amount is not None and abs(amount) > MAX_AMOUNT_CENTS:
                problems.append(tr("the invoice amount {amount} is beyond the largest accepted, {max}",
                                   amount=format_money(amount), max=format_money(MAX_AMOUNT_CENTS)))
    if line.vat_deduction_pct is not None and not 0 <= line.vat_deduction_pct <= 100:
        problems.append(tr("the VAT deduction must be between 0 and 100 %"))
    for check in (siret_problem(line.supplier_siret), vat_number_problem(line.supplier_vat)):
        if check:
            problems.append(check)
    if line.nature == Nature.INVESTMENT.value:
        if line.service_from or line.service_to:
            problems.append(tr("a service period is for a running cost; an investment has a date put into service"))
        acquired = line.invoice_date or line.expense_date
        if line.in_service_date and acquired and line.in_service_date < acquired[:10]:
            problems.append(tr("the date put into service {day} is before the acquisition on {acquired}",
                               day=format_date(line.in_service_date), acquired=format_date(acquired[:10])))
        if line.disposal_date and line.disposal_date < line.depreciation_start:
            problems.append(tr("the disposal date {day} is before depreciation starts on {start}",
                               day=format_date(line.disposal_date), start=format_date(line.depreciation_start)))
    else:
        if line.in_service_date or line.disposal_date:
            problems.append(tr("only an investment has a date put into service or a disposal date"))
        if bool(line.service_from) != bool(line.service_to):
            problems.append(tr("a service period needs both its first and its last day"))
        elif line.service_from and line.service_to and line.service_to < line.service_from:
            problems.append(tr("the service period ends on {to}, before it starts on {start}",
                               to=format_date(line.service_to), start=format_date(line.service_from)))
    return problems


class DurationNeedsConfirmation(ClinicGuardError):
    """A depreciation period outside the usual 1 to 10 years: saved only once the user confirms."""


def check_depreciation_duration(line: BudgetLine, confirmed: bool) -> None:
    """Refuse, until confirmed, a depreciation period outside USUAL_DEPRECIATION_RANGE (a typing
    slip: 30 for 3). The same rule for the dialog (which asks) and the CLI and import (a flag)."""
    years = line.depreciation_years
    low, high = USUAL_DEPRECIATION_RANGE
    if confirmed or years is None or low <= years <= high:
        return
    usual = suggested_depreciation_text(line.category)
    raise DurationNeedsConfirmation(tr(
        "A depreciation period of {years} years is outside the usual {low} to {high} years{usual}: confirm it "
        "if it is right.", years=years, low=low, high=high, usual=f" ({usual})" if usual else ""))


def accounting_warnings(line: BudgetLine) -> list[str]:
    """What an accountant would question about this line (translated), without refusing it."""
    warnings = []
    amount = line.actual_ht if line.actual_ht is not None else (
        line.committed_ht if line.committed_ht is not None else line.planned_ht)
    threshold = format_money(LOW_VALUE_THRESHOLD_CENTS)
    if line.nature == Nature.INVESTMENT.value and 0 < amount < LOW_VALUE_THRESHOLD_CENTS:
        warnings.append(tr(
            "An investment under {threshold} excl. VAT: small equipment and software of that value may be "
            "charged in full in the year rather than depreciated (a tolerance of the tax administration, "
            "BOI-BIC-CHG-20-30-10, not a rule): ask your accountant.", threshold=threshold))
    if (line.nature == Nature.RUNNING.value and line.category in (Category.HARDWARE.value, Category.SOFTWARE.value)
            and not line.recurring and amount >= LOW_VALUE_THRESHOLD_CENTS):
        warnings.append(tr(
            "A running cost of {threshold} excl. VAT or more for equipment or software bought once looks like an "
            "asset: it is usually recorded as an investment and depreciated.", threshold=threshold))
    return warnings


def _amount_word(name: str) -> str:
    return {"planned": tr("planned"), "committed": tr("committed"), "actual": tr("actual")}[name]


# ---- depreciation and recurring costs ------------------------------------------------------------
def depreciation_schedule(amount: int, years: int, first_year: int, start: date | None = None,
                          start_month: int = 1, disposal: date | None = None) -> list[tuple[int, int]]:
    """Straight-line depreciation by fiscal year: [(fiscal year, cents), ...].

    From `start` (the date put into service), the first fiscal year is charged pro rata temporis, by
    days: annual share x days from `start` (inclusive) to the end of that fiscal year / days in that
    fiscal year, as the French accounting rules ask; the following years get the annual share, and
    a last year after the period gets what is left. Shares are rounded down to the cent and the
    last year gets the remainder, so the schedule adds up exactly to the amount. Without `start`
    (or starting on the first day of a fiscal year) each of the `years` years gets a full share.
    A `disposal` (sold, scrapped) ends the schedule: its year is charged pro rata up to that day
    (inclusive), never more than what is left; the rest is the net book value written off.
    The budget workbook's depreciation tables compute the same figures with formulas.
    """
    if years < 1:
        raise ValueError("depreciation needs at least one year")
    share = amount // years
    schedule: list[tuple[int, int]] | None = None
    if start is not None:
        first_year = fiscal_year_of(start, start_month)
        first_day, last_day = fiscal_year_bounds(first_year, start_month)
        if start != first_day:
            days = (last_day - start).days + 1
            in_year = (last_day - first_day).days + 1
            first = amount * days // (years * in_year)
            schedule = [(first_year, first)] + [(first_year + i, share) for i in range(1, years)]
            schedule += [(first_year + years, amount - first - share * (years - 1))]
    if schedule is None:
        schedule = [(first_year + i, share) for i in range(years)]
        last_year, last_share = schedule[-1]
        schedule[-1] = (last_year, last_share + amount - share * years)
    if disposal is None:
        return schedule
    end_year = fiscal_year_of(disposal, start_month)
    result, done = [], 0
    for year, cents in schedule:
        if year < end_year:
            result.append((year, cents))
            done += cents
            continue
        if year == end_year:
            first_day, last_day = fiscal_year_bounds(year, start_month)
            since = max(first_day, start) if start is not None else first_day
            days = (min(disposal, last_day) - since).days + 1
            in_year = (last_day - first_day).days + 1
            result.append((year, min(amount * days // (years * in_year), amount - done)))
        break
    return result


@dataclass(frozen=True)
class Depreciation:
    line: BudgetLine
    base: int  # cents: what the clinic really paid (the invoice, excl. VAT if recovered)
    start: date  # the date put into service (else the invoice date, else the expense date)
    schedule: tuple[tuple[int, int], ...]
    disposal: date | None = None


def depreciations(lines: Iterable[BudgetLine], statuses: Mapping[int, str], year: int,
                  start_month: int = 1) -> list[Depreciation]:
    """Invoiced investments with a depreciation period whose schedule covers fiscal year `year`.

    Only an invoiced line is an asset of the clinic: a quote signed or an order placed is not
    depreciated yet. The base is the invoice, excl. VAT only when the VAT is recovered; the
    schedule starts on the date put into service (else the invoice date), pro rata temporis, and
    ends at a disposal. An invoiced line of a dropped action
    is still an asset and still depreciated. `statuses` maps action id to its status value (kept
    for the callers; no status changes what is depreciated).
    """
    result = []
    for line in lines:
        if line.nature != Nature.INVESTMENT.value or not line.depreciation_years or line.actual_ht is None:
            continue
        start = date.fromisoformat(line.depreciation_start)
        base = line.invoice_real_cost or 0
        if base <= 0:  # nothing to depreciate (a free licence, a zero invoice, a credit note)
            continue
        disposal = date.fromisoformat(line.disposal_date) if line.disposal_date else None
        schedule = depreciation_schedule(base, line.depreciation_years, line.fiscal_year, start, start_month, disposal)
        if not schedule or not schedule[0][0] <= year <= schedule[-1][0]:
            continue
        result.append(Depreciation(line, base, start, tuple(schedule), disposal))
    return result


def yearly_amounts(line: BudgetLine, first: int, last: int, measure: str = "planned") -> dict[int, int]:
    """Expand a line into {fiscal year: cents excl. VAT} over [first, last].

    measure is 'planned', 'committed' or 'actual'. Recurring lines repeat their planned and
    committed amounts every active year; an actual amount is an invoice and stays in its year.
    """
    amount = {"planned": line.planned_ht, "committed": line.committed_ht, "actual": line.actual_ht}[measure]
    if amount is None:
        return {}
    if measure == "actual":
        return {line.fiscal_year: amount} if first <= line.fiscal_year <= last else {}
    return {year: amount for year in line.years_active(first, last)}


# ---- summaries -----------------------------------------------------------------------------------
@dataclass
class Totals:
    """Sums over a group of lines, in cents. `variance_ht` compares invoiced lines only."""

    planned_ht: int = 0
    planned_vat: int = 0
    committed_ht: int = 0
    committed_vat: int = 0
    actual_ht: int = 0
    actual_vat: int = 0
    planned_real: int = 0
    actual_real: int = 0
    remaining_ht: int = 0
    remaining_real: int = 0
    variance_ht: int = 0
    lines: int = 0

    @property
    def planned_ttc(self) -> int:
        return self.planned_ht + self.planned_vat

    @property
    def committed_ttc(self) -> int:
        return self.committed_ht + self.committed_vat

    @property
    def actual_ttc(self) -> int:
        return self.actual_ht + self.actual_vat

    @property
    def forecast_real(self) -> int:
        """What the year will really cost: invoiced so far plus what is still to come."""
        return self.actual_real + self.remaining_real

    def add(self, entry: "YearEntry") -> None:
        line = entry.line
        self.lines += 1
        if entry.planned_ht is not None:
            self.planned_ht += entry.planned_ht
            self.planned_vat += line.vat(entry.planned_ht)  # type: ignore[operator]
            self.planned_real += line.real_cost(entry.planned_ht)  # type: ignore[operator]
        if entry.committed_ht is not None:
            self.committed_ht += entry.committed_ht
            self.committed_vat += line.vat(entry.committed_ht)  # type: ignore[operator]
        if entry.actual_ht is not None:
            self.actual_ht += entry.actual_ht
            self.actual_vat += line.invoice_vat  # type: ignore[operator]  (as printed on the invoice)
            self.actual_real += line.invoice_real_cost  # type: ignore[operator]
            self.variance_ht += entry.variance_ht  # type: ignore[operator]
        elif entry.remaining_ht is not None:
            self.remaining_ht += entry.remaining_ht
            self.remaining_real += line.real_cost(entry.remaining_ht)  # type: ignore[operator]


@dataclass(frozen=True)
class YearEntry:
    """What one line costs in one fiscal year (a recurring line has one entry per year).

    Lines of a dropped action keep only what was actually invoiced: the rest will not be spent.
    `remaining_ht` is what is still to pay for a line not yet invoiced: the committed amount
    (a signed quote) when there is one, else the planned amount.
    """

    line: BudgetLine
    fiscal_year: int
    quarter: int
    action_status: str
    planned_ht: int | None
    committed_ht: int | None
    actual_ht: int | None
    remaining_ht: int | None

    @property
    def variance_ht(self) -> int | None:
        """Actual minus the line's own planned amount, once invoiced. A dropped action's line keeps
        its plan here (its planned column is empty because that money will not be spent again): an
        invoice paid before the action was dropped is not an overspend."""
        return None if self.actual_ht is None else self.actual_ht - self.line.planned_ht

    @property
    def over_budget(self) -> bool:
        """The line spends more than planned, counted in its own fiscal year only (not each year it recurs)."""
        return self.fiscal_year == self.line.fiscal_year and self.line.over_budget


@dataclass(frozen=True)
class BudgetSummary:
    fiscal_year: int
    start_month: int
    total: Totals
    by_category: dict[str, Totals]
    by_nature: dict[str, Totals]
    by_quarter: dict[int, Totals]
    by_action_status: dict[str, Totals]
    entries: tuple[YearEntry, ...]
    over_budget: tuple[BudgetLine, ...] = field(default=())

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year, self.start_month)

    @property
    def bounds(self) -> tuple[date, date]:
        return fiscal_year_bounds(self.fiscal_year, self.start_month)


def year_entries(lines: Iterable[BudgetLine], action_status: Mapping[int, str], year: int,
                 start_month: int) -> list[YearEntry]:
    """The lines' costs in fiscal year `year`, recurring lines included."""
    dropped = "dropped"
    entries = []
    for line in lines:
        if year not in line.years_active(year, year):
            continue
        status = action_status.get(line.action_id, "todo")
        # A recurring line's later year is seen with that year's own invoice (none yet: not invoiced).
        seen = line.for_year(year)
        planned = None if status == dropped else line.planned_ht
        committed = None if status == dropped else line.committed_ht
        actual = seen.actual_ht
        remaining = None
        if actual is None and status != dropped:
            remaining = committed if committed is not None else planned
        entries.append(YearEntry(seen, year, line.quarter(start_month), status, planned, committed, actual, remaining))
    return entries


def summarize_year(lines: Iterable[BudgetLine], action_status: Mapping[int, str], year: int,
                   start_month: int) -> BudgetSummary:
    """Totals of fiscal year `year`: overall and by category, nature, fiscal quarter and action status.

    `action_status` maps action id to its status value. Every group's totals add up to `total`.
    """
    entries = year_entries(lines, action_status, year, start_month)
    total = Totals()
    by_category = {c.value: Totals() for c in Category}
    by_nature = {n.value: Totals() for n in Nature}
    by_quarter = {q: Totals() for q in (1, 2, 3, 4)}
    by_status: dict[str, Totals] = {}
    for entry in entries:
        total.add(entry)
        by_category.setdefault(entry.line.category, Totals()).add(entry)
        by_nature.setdefault(entry.line.nature, Totals()).add(entry)
        by_quarter[entry.quarter].add(entry)
        by_status.setdefault(entry.action_status, Totals()).add(entry)
    over = tuple(e.line for e in entries if e.over_budget)
    return BudgetSummary(year, start_month, total, by_category, by_nature, by_quarter, by_status, tuple(entries), over)


# ---- service periods: the part prepaid at the year end ----------------------------------------
def entry_real_cost(entry: YearEntry) -> int:
    """What the entry costs in the year: its invoice (as printed), else what is still to pay."""
    line = entry.line
    if entry.actual_ht is not None:
        return line.invoice_real_cost or 0
    return line.real_cost(entry.remaining_ht) or 0


def prepaid_at_year_end(entry: YearEntry, year_end: date) -> int:
    """The part of a running cost paying for days after `year_end` (charges constatées d'avance),
    in real cost; 0 without a service period. A recurring line's period is that of its first
    year's invoice, so only that year's entry is prorated."""
    line = entry.line
    if line.nature != Nature.RUNNING.value or not (line.service_from and line.service_to):
        return 0
    if entry.fiscal_year != line.fiscal_year:
        return 0
    return prepaid_part(entry_real_cost(entry), date.fromisoformat(line.service_from),
                        date.fromisoformat(line.service_to), year_end)


# ---- the year's cost seen two ways ---------------------------------------------------------------
@dataclass(frozen=True)
class YearViews:
    """What fiscal year `year` costs, in cents of real cost (excl. VAT where it is recovered).

    `cash` is what leaves the bank account in the year: invoiced plus still to pay, investments
    included at their full price. `charges` is what the year's accounts bear: running costs (less
    the part prepaid for the next year, plus last year's prepaid part), the
    year's depreciation of the invoiced assets, and the investments without a depreciation period
    (charged in full, as a low-value item usually is). They differ by the investments' timing.
    """

    cash: int
    charges: int
    running: int
    depreciation: int
    undepreciated: int
    prepaid: int = 0  # running costs paid this year for days after its end (charges constatées d'avance)
    carried_in: int = 0  # last year's prepaid part, a charge of this year


def year_views(summary: BudgetSummary, lines: Iterable[BudgetLine], statuses: Mapping[int, str]) -> YearViews:
    lines = list(lines)
    first_day, year_end = summary.bounds
    prepaid = sum(prepaid_at_year_end(e, year_end) for e in summary.entries)
    before = year_entries(lines, statuses, summary.fiscal_year - 1, summary.start_month)
    carried_in = sum(prepaid_at_year_end(e, first_day - timedelta(days=1)) for e in before)
    running = undepreciated = 0
    for entry in summary.entries:
        line = entry.line
        spent = ((line.invoice_real_cost or 0) if entry.actual_ht is not None else 0) + (
            line.real_cost(entry.remaining_ht) or 0)
        if line.nature == Nature.RUNNING.value:
            running += spent
        elif not line.depreciation_years:
            undepreciated += spent
    depreciation = sum(cents for d in depreciations(lines, statuses, summary.fiscal_year, summary.start_month)
                       for y, cents in d.schedule if y == summary.fiscal_year)
    charges = running - prepaid + carried_in + depreciation + undepreciated
    return YearViews(summary.total.forecast_real, charges, running, depreciation, undepreciated, prepaid, carried_in)
