"""50/30/20 budget, debt capacity and emergency fund."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.finance.budget import budget_plan
from bot.finance.errors import InvalidAmount, InvalidTerm


def test_split_and_capacity():
    plan = budget_plan("8000", fixed_expenses="3000", debt_minimums="1200")
    assert (plan.needs, plan.wants, plan.savings_and_debt) == (
        D("4000.00"),
        D("2400.00"),
        D("1600.00"),
    )
    assert plan.over_needs == 0 and plan.debt_capacity == D("1600.00")
    assert plan.extra_for_debt == D("400.00") and plan.minimums_gap == 0 and plan.fits
    assert plan.essential_expenses == D("4200.00")
    assert (plan.emergency_fund_min, plan.emergency_fund_max) == (D("12600.00"), D("25200.00"))


def test_overflow_taken_from_wants_first_then_savings():
    plan = budget_plan("8000", fixed_expenses="5000")
    assert plan.over_needs == D("1000.00") and plan.wants_available == D("1400.00")
    assert plan.debt_capacity == D("1600.00")
    plan = budget_plan("8000", fixed_expenses="7000", debt_minimums="1200")
    assert plan.over_needs == D("3000.00") and plan.wants_available == 0
    assert plan.debt_capacity == D("1000.00") and plan.minimums_gap == D("200.00") and not plan.fits
    plan = budget_plan("8000", fixed_expenses="9000")
    assert plan.debt_capacity == 0


def test_needs_slack_is_what_fixed_expenses_leave_of_the_needs_share():
    plan = budget_plan("6000", fixed_expenses="1500", debt_minimums="5625.93")
    assert plan.needs == D("3000.00") and plan.needs_slack == D("1500.00")
    assert plan.minimums_gap == D("4425.93")  # against the 20 % share, as before
    assert budget_plan("6000", fixed_expenses="3500").needs_slack == 0
    assert budget_plan("6000").needs_slack == 0  # no fixed expenses given: nothing known


def test_an_overdue_amount_paid_once_does_not_inflate_the_emergency_fund():
    plan = budget_plan(
        "6000",
        fixed_expenses="1500",
        debt_minimums="5625.93",
        emergency_months=(3, 6),
        recurring_minimums="1833.60",
    )
    assert plan.essential_expenses == D("3333.60")
    assert (plan.emergency_fund_min, plan.emergency_fund_max) == (D("10000.80"), D("20001.60"))
    with pytest.raises(InvalidTerm):
        budget_plan("6000", "1500", "100", recurring_minimums="200")


def test_without_fixed_expenses_the_needs_share_is_the_estimate():
    plan = budget_plan("10000", emergency_months=(3, 3))
    assert plan.essential_expenses == D("5000.00")
    assert plan.emergency_fund_min == plan.emergency_fund_max == D("15000.00")


def test_odd_fen_income_still_adds_up():
    plan = budget_plan("3333.33")
    assert plan.needs + plan.wants + plan.savings_and_debt == D("3333.33")


def test_to_dict():
    data = budget_plan("8000", "3000", "1200").to_dict()
    assert data["needs"] == "4000.00" and data["debt_capacity"] == "1600.00"
    assert data["emergency_months"] == [3, 6] and data["fits"] is True


@pytest.mark.parametrize(
    "args, error",
    [
        (("0",), InvalidAmount),
        (("-8000",), InvalidAmount),
        (("abc",), InvalidAmount),
        ((float("nan"),), InvalidAmount),
        (("1e30",), InvalidAmount),
        (("8000", "-1"), InvalidAmount),
        (("8000", "0", "-1"), InvalidAmount),
        (("8000", "0", "0", (6, 3)), InvalidTerm),
        (("8000", "0", "0", (0, 3)), InvalidTerm),
        (("8000", "0", "0", (3, 99)), InvalidTerm),
        (("8000", "0", "0", 3), InvalidTerm),
    ],
)
def test_bad_input(args, error):
    with pytest.raises(error):
        budget_plan(*args)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=10_000_000).map(lambda f: D(f) / 100),
    st.integers(min_value=0, max_value=10_000_000).map(lambda f: D(f) / 100),
    st.integers(min_value=0, max_value=1_000_000).map(lambda f: D(f) / 100),
)
def test_budget_invariants(income, fixed, minimums):
    plan = budget_plan(income, fixed, minimums)
    assert plan.needs + plan.wants + plan.savings_and_debt == income
    assert 0 <= plan.debt_capacity <= plan.savings_and_debt
    assert plan.extra_for_debt == max(plan.debt_capacity - minimums, 0)
    assert plan.minimums_gap == max(minimums - plan.debt_capacity, 0)
    assert plan.emergency_fund_min <= plan.emergency_fund_max
    more = budget_plan(income, fixed + 1, minimums)
    assert more.debt_capacity <= plan.debt_capacity  # more fixed costs never free up capacity
