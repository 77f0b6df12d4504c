"""Budget arithmetic: VAT per line, amounts typed by people, fiscal years, depreciation, summaries."""

from __future__ import annotations

from datetime import date

import pytest

from clinicguard.model.budget import BudgetLine, fiscal_quarter, fiscal_year_bounds, fiscal_year_label, fiscal_year_of, ttc_cents, vat_cents
from clinicguard.core.budget import InvalidValue, budget_years, depreciation_schedule, parse_amount, parse_fiscal_year, parse_vat_rate, summarize_year, validate_line, yearly_amounts


def line(n=1, action_id=1, **kw) -> BudgetLine:
    defaults = dict(label=f"Ligne {n}", expense_date="2026-03-15", fiscal_year=2026, planned_ht=10000)
    defaults.update(kw)
    return BudgetLine(n, action_id, **defaults)


# ---- VAT ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ht, rate, vat", [
    (1, 2000, 0),            # 0.01 € at 20 % = 0.002 €: rounds down
    (3, 2000, 1),            # 0.006 € rounds up
    (5, 1000, 1),            # 0.005 € exactly half: half up
    (15, 550, 1),            # 0.00825 €
    (10, 550, 1),            # 0.0055 €
    (9, 550, 0),             # 0.00495 €
    (99_999_999, 2000, 20_000_000),   # 999 999,99 € at 20 % = 199 999,998 €
    (99_999_999, 550, 5_500_000),     # at 5.5 % = 54 999,999 45 €
    (99_999_999, 1000, 10_000_000),
    (12_345, 0, 0),
])
def test_vat_is_rounded_half_up_per_line_to_the_cent(ht, rate, vat):
    assert vat_cents(ht, rate) == vat
    assert ttc_cents(ht, rate) == ht + vat


def test_vat_rounding_is_symmetric_for_credit_notes():
    assert vat_cents(-5, 1000) == -1
    assert vat_cents(-99_999_999, 2000) == -20_000_000


def test_a_rate_outside_the_french_list_is_refused():
    with pytest.raises(InvalidValue):
        vat_cents(10000, 1960)


def test_many_small_lines_round_each_line_not_the_total():
    lines = [line(n, planned_ht=1) for n in range(1, 1001)]  # a thousand lines of 0.01 €
    summary = summarize_year(lines, {1: "todo"}, 2026, 1)
    assert summary.total.planned_ht == 1000
    assert summary.total.planned_vat == 0  # each line's 0.002 € rounds to 0; the invoice shows no VAT either
    assert summary.total.planned_ttc == 1000
    many = [line(n, planned_ht=99_999_999) for n in range(1, 101)]
    total = summarize_year(many, {1: "todo"}, 2026, 1).total
    assert total.planned_ht == 9_999_999_900
    assert total.planned_vat == 100 * 20_000_000
    assert total.planned_ttc == 9_999_999_900 + 2_000_000_000


# ---- amounts and rates typed by people -----------------------------------------------------------
@pytest.mark.parametrize("text, cents", [
    ("0,01", 1), ("0.01", 1), ("1 234,56", 123456), ("1\u202f234,56 €", 123456), ("1.234,56", 123456),
    ("1,234.56", 123456), ("999 999,99", 99_999_999), ("12", 1200), ("12,5", 1250), ("-5", -500),
    (12, 1200), (12.3, 1230), (0.1 + 0.2, 30), (999999.99, 99_999_999), ("  7,00 EUR ", 700),
])
def test_amounts_with_a_comma_or_a_dot(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["abc", "12,345", "1,2,3", "", "12 €50", None, "1e3"])
def test_unreadable_amounts_are_refused_not_guessed(text):
    with pytest.raises(InvalidValue):
        parse_amount(text)


@pytest.mark.parametrize("text, bp", [
    ("20", 2000), ("20 %", 2000), ("20%", 2000), ("10", 1000), ("5,5", 550), ("5.5 %", 550), ("0", 0),
    (0.055, 550), (0.2, 2000), (20, 2000), (5.5, 550), (0, 0),
])
def test_vat_rates(text, bp):
    assert parse_vat_rate(text) == bp


@pytest.mark.parametrize("text", ["19,6", "7", "17 %", "abc", "21"])
def test_vat_rates_outside_the_list_are_refused(text):
    with pytest.raises(InvalidValue):
        parse_vat_rate(text)


# ---- fiscal years ----------------------------------------------------------------------------------
def test_fiscal_year_starting_in_july_is_labelled_by_its_start_year():
    assert fiscal_year_of(date(2026, 6, 30), 7) == 2025
    assert fiscal_year_of(date(2026, 7, 1), 7) == 2026
    assert fiscal_year_of(date(2027, 6, 30), 7) == 2026
    assert fiscal_year_bounds(2026, 7) == (date(2026, 7, 1), date(2027, 6, 30))
    assert fiscal_year_label(2026, 7) == "2026-2027"


def test_calendar_fiscal_year_and_leap_years():
    assert fiscal_year_of(date(2026, 1, 1), 1) == 2026
    assert fiscal_year_of(date(2026, 12, 31), 1) == 2026
    assert fiscal_year_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 12, 31))
    assert fiscal_year_bounds(2023, 3) == (date(2023, 3, 1), date(2024, 2, 29))
    assert fiscal_year_label(2026, 1) == "2026"


def test_fiscal_quarters_follow_the_first_month():
    assert fiscal_quarter(date(2026, 7, 15), 7) == 1
    assert fiscal_quarter(date(2026, 10, 1), 7) == 2
    assert fiscal_quarter(date(2027, 1, 31), 7) == 3
    assert fiscal_quarter(date(2027, 6, 30), 7) == 4
    assert fiscal_quarter(date(2026, 3, 31), 1) == 1
    assert fiscal_quarter(date(2026, 4, 1), 1) == 2


@pytest.mark.parametrize("text, year", [("2026", 2026), (2026, 2026), (2026.0, 2026), ("2026-2027", 2026),
                                        ("2026/2027", 2026)])
def test_fiscal_year_cells(text, year):
    assert parse_fiscal_year(text) == year


@pytest.mark.parametrize("text", ["26", "2026-2028", "deux mille", "0000"])
def test_bad_fiscal_year_cells(text):
    with pytest.raises(InvalidValue):
        parse_fiscal_year(text)


# ---- depreciation and recurring costs ------------------------------------------------------------
def test_straight_line_depreciation_adds_up_to_the_cent():
    assert depreciation_schedule(100_000, 3, 2026) == [(2026, 33_333), (2027, 33_333), (2028, 33_334)]
    assert depreciation_schedule(1, 3, 2026) == [(2026, 0), (2027, 0), (2028, 1)]
    assert depreciation_schedule(89_900, 1, 2026) == [(2026, 89_900)]
    for amount in (1, 99, 100_001, 99_999_999):
        for years in (1, 2, 3, 5, 7):
            schedule = depreciation_schedule(amount, years, 2030)
            assert sum(cents for _, cents in schedule) == amount
            assert [y for y, _ in schedule] == list(range(2030, 2030 + years))


def test_first_year_is_charged_pro_rata_temporis_from_the_invoice_date():
    # 104 940 over 3 years from 10 March 2026: 297 of 365 days in 2026, the rest after 2028
    schedule = depreciation_schedule(104_940, 3, 2026, date(2026, 3, 10), 1)
    assert schedule == [(2026, 28_463), (2027, 34_980), (2028, 34_980), (2029, 6_517)]
    assert sum(c for _, c in schedule) == 104_940
    # bought on the first day of the fiscal year: whole years, no fourth year
    assert depreciation_schedule(90_000, 3, 2026, date(2026, 7, 1), 7) == [(2026, 30_000), (2027, 30_000),
                                                                          (2028, 30_000)]
    # a fiscal year from July: invoiced 1 April 2027 is in fiscal year 2026, 91 of its 365 days left
    july = depreciation_schedule(36_500, 1, 2026, date(2027, 4, 1), 7)
    assert july == [(2026, 9_100), (2027, 27_400)]
    for amount in (1, 99, 100_001, 99_999_999):
        for years in (1, 2, 5):
            for start in (date(2028, 2, 29), date(2026, 12, 31), date(2026, 1, 2)):
                schedule = depreciation_schedule(amount, years, 2000, start, 1)
                assert sum(c for _, c in schedule) == amount
                assert all(c >= 0 for _, c in schedule)
                assert [y for y, _ in schedule] == list(range(start.year, start.year + years + 1))


def test_only_invoiced_investments_are_depreciated_from_their_invoice():
    from clinicguard.core.budget import depreciations

    pc = line(1, nature="investment", category="hardware", planned_ht=100_000, actual_ht=100_000,
              invoice_date="2026-07-01", depreciation_years=2, vat_recoverable=True)
    nas = line(2, nature="investment", category="hardware", planned_ht=60_000, committed_ht=62_000,
               depreciation_years=3)  # ordered, not invoiced yet
    planned = line(3, nature="investment", category="hardware", planned_ht=50_000, depreciation_years=3)
    dropped = line(4, action_id=2, nature="investment", planned_ht=40_000, actual_ht=40_000,
                   invoice_date="2026-01-01", depreciation_years=1, vat_recoverable=True)
    items = depreciations([pc, nas, planned, dropped], {1: "in-progress", 2: "dropped"}, 2026)
    assert [d.line.id for d in items] == [1, 4]  # an invoiced asset of a dropped action is still an asset
    (d,) = [d for d in items if d.line.id == 1]
    assert d.base == 100_000 and d.start == date(2026, 7, 1)
    assert d.schedule == ((2026, 25_205), (2027, 50_000), (2028, 24_795))  # 184 of 365 days in 2026
    assert [d.line.id for d in depreciations([pc, nas], {}, 2028)] == [1]
    assert depreciations([pc, nas], {}, 2029) == []
    assert depreciations([pc], {}, 2025) == []
    free = line(5, nature="investment", category="software", planned_ht=0, actual_ht=0,
                invoice_date="2026-03-01", depreciation_years=3, vat_recoverable=True)
    assert depreciations([free], {}, 2026) == []  # nothing to depreciate: no sheet row of zeros


def test_recurring_subscription_costs_into_following_years():
    sub = line(nature="running", category="subscriptions", recurring=True, fiscal_year=2025, planned_ht=30_000,
               committed_ht=28_000, actual_ht=27_500)
    assert yearly_amounts(sub, 2024, 2028) == {2025: 30_000, 2026: 30_000, 2027: 30_000, 2028: 30_000}
    assert yearly_amounts(sub, 2024, 2028, "committed") == {y: 28_000 for y in range(2025, 2029)}
    assert yearly_amounts(sub, 2024, 2028, "actual") == {2025: 27_500}  # an invoice stays in its year
    ended = sub.changed(recurring_until=2026)
    assert yearly_amounts(ended, 2024, 2028) == {2025: 30_000, 2026: 30_000}
    once = sub.changed(recurring=False)
    assert yearly_amounts(once, 2024, 2028) == {2025: 30_000}
    assert yearly_amounts(once, 2026, 2028) == {}


def test_recurring_line_shows_in_a_later_years_summary_without_its_old_invoice():
    sub = line(nature="running", category="subscriptions", recurring=True, fiscal_year=2025, planned_ht=30_000,
               actual_ht=30_000)
    later = summarize_year([sub], {1: "done"}, 2027, 1)
    assert later.total.planned_ht == 30_000
    assert later.total.actual_ht == 0
    assert later.total.remaining_ht == 30_000
    assert budget_years([sub], 2027) == [2025, 2026, 2027]


def test_line_rules():
    assert validate_line(line()) == []
    assert validate_line(line(planned_ht=-1))
    assert validate_line(line(actual_ht=-100)) == []  # a credit note
    assert validate_line(line(actual_ht=-100, actual_vat=20, actual_ttc=-80))  # its amounts of mixed signs
    assert validate_line(line(nature="running", depreciation_years=3))  # only an investment is depreciated
    assert validate_line(line(nature="investment", depreciation_years=0))
    assert validate_line(line(nature="investment", depreciation_years=3)) == []
    assert validate_line(line(nature="investment", recurring=True))
    assert validate_line(line(vat_rate_bp=1960))
    assert validate_line(line(category="food"))
    assert validate_line(line(label="  "))
    assert validate_line(line(nature="running", recurring=True, recurring_until=2025))


# ---- summaries ---------------------------------------------------------------------------------------
def test_summary_groups_add_up_and_show_variance_remaining_and_real_cost():
    lines = [
        # action 1 (done): invoiced above plan, VAT not recoverable
        line(1, 1, category="hardware", nature="investment", planned_ht=100_000, actual_ht=110_000,
             expense_date="2026-02-10"),
        # action 2 (in progress): a signed quote, not invoiced, VAT recoverable
        line(2, 2, category="services", planned_ht=50_000, committed_ht=45_000, vat_recoverable=True,
             expense_date="2026-05-20"),
        # action 2: planned only, 10 %
        line(3, 2, category="training", planned_ht=20_000, vat_rate_bp=1000, expense_date="2026-11-02"),
        # action 3 (dropped): never spent
        line(4, 3, category="software", planned_ht=70_000, expense_date="2026-08-01"),
        # another year
        line(5, 1, category="hardware", planned_ht=99_999, fiscal_year=2027, expense_date="2027-01-05"),
    ]
    statuses = {1: "done", 2: "in-progress", 3: "dropped"}
    s = summarize_year(lines, statuses, 2026, 1)
    t = s.total
    assert t.lines == 4
    assert t.planned_ht == 170_000  # the dropped action's plan no longer counts
    assert t.planned_vat == 20_000 + 10_000 + 2_000
    assert t.committed_ht == 45_000
    assert t.actual_ht == 110_000 and t.actual_ttc == 132_000
    assert t.variance_ht == 10_000  # invoiced lines only: 1 100 € against 1 000 € planned
    assert t.remaining_ht == 45_000 + 20_000  # the quote, then the plan
    assert t.remaining_real == 45_000 + 22_000  # VAT recovered on the quote, not on the training
    assert t.actual_real == 132_000
    assert t.forecast_real == 132_000 + 67_000
    for groups in (s.by_category, s.by_nature, s.by_quarter, s.by_action_status):
        assert sum(g.planned_ht for g in groups.values()) == t.planned_ht
        assert sum(g.actual_ttc for g in groups.values()) == t.actual_ttc
        assert sum(g.remaining_real for g in groups.values()) == t.remaining_real
    assert s.by_category["hardware"].actual_ht == 110_000
    assert s.by_quarter[1].actual_ht == 110_000
    assert s.by_quarter[2].committed_ht == 45_000
    assert s.by_quarter[4].planned_ht == 20_000
    assert s.by_action_status["dropped"].planned_ht == 0
    assert s.by_nature["investment"].planned_ht == 100_000
    assert [l.id for l in s.over_budget] == [1]


def test_summary_quarters_in_a_july_fiscal_year():
    lines = [line(1, expense_date="2026-07-01", fiscal_year=2026), line(2, expense_date="2027-06-30", fiscal_year=2026),
             line(3, expense_date="2026-06-30", fiscal_year=2025)]
    s = summarize_year(lines, {1: "todo"}, 2026, 7)
    assert s.total.lines == 2
    assert s.by_quarter[1].planned_ht == 10_000 and s.by_quarter[4].planned_ht == 10_000
    assert s.label == "2026-2027"
