"""Repayment schedules: the worked examples of facts.md, edge cases, and properties."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.finance.errors import InvalidAmount, InvalidRate, InvalidTerm
from bot.finance.schedule import (
    RepaymentMethod,
    accrued_interest,
    amortization_schedule,
    installment,
)

P, RATE, N = D("10000"), D("0.144"), 12


def test_equal_installment_worked_example():
    plan = amortization_schedule(P, RATE, N, RepaymentMethod.equal_installment)
    assert len(plan.rows) == 12
    assert all(row.payment == D("899.75") for row in plan.rows[:-1])
    first = plan.rows[0]
    assert (first.interest, first.principal, first.balance) == (
        D("120.00"),
        D("779.75"),
        D("9220.25"),
    )
    assert plan.rows[-1].payment == D("899.80")
    assert plan.total_interest == D("797.05")
    assert plan.total_paid == D("10797.05")
    assert abs(plan.apr - RATE) < D("0.00001")


def test_equal_principal_worked_example():
    plan = amortization_schedule(P, RATE, N, "equal_principal")
    assert plan.rows[0].payment == D("953.33")
    assert plan.rows[-1].payment == D("843.37")
    payments = [row.payment for row in plan.rows]
    assert payments == sorted(payments, reverse=True)
    assert plan.total_interest == D("780.00")


def test_interest_first_worked_example():
    plan = amortization_schedule(P, RATE, N, RepaymentMethod.interest_first)
    assert all(row.payment == D("120.00") and row.principal == 0 for row in plan.rows[:-1])
    assert plan.rows[-1].payment == D("10120.00")
    assert plan.total_interest == D("1440.00")
    assert plan.apr == D("0.144")


def test_bullet_pays_simple_interest_at_maturity():
    plan = amortization_schedule(P, RATE, N, RepaymentMethod.bullet)
    assert all(row.payment == 0 and row.balance == P for row in plan.rows[:-1])
    assert plan.rows[-1].payment == D("11440.00")
    assert plan.total_interest == D("1440.00")
    # simple interest paid once at the end is cheaper than 14.4 % compounded monthly
    assert D("0.13") < plan.apr < RATE


def test_chinese_method_names_and_bad_method():
    assert amortization_schedule(P, RATE, N, "等额本金").method is RepaymentMethod.equal_principal
    assert RepaymentMethod.equal_installment.label_zh == "等额本息"
    with pytest.raises(InvalidTerm):
        amortization_schedule(P, RATE, N, "weekly")


def test_zero_rate_loan():
    plan = amortization_schedule("1000", "0", 3)
    assert [row.payment for row in plan.rows] == [D("333.33"), D("333.33"), D("333.34")]
    assert plan.total_interest == 0 and plan.apr == 0


def test_single_month_loan():
    plan = amortization_schedule("500", "0.12", 1)
    assert plan.rows[0].payment == D("505.00") and plan.rows[0].balance == 0


def test_tiny_principal_over_long_term_never_overshoots():
    plan = amortization_schedule("1", "0", 60)
    assert sum(row.principal for row in plan.rows) == D("1.00")
    assert all(row.balance >= 0 and row.payment >= 0 for row in plan.rows)
    assert plan.rows[-1].balance == 0


def test_installment_helper_matches_schedule():
    assert installment(P, RATE, N) == D("899.75")


def test_to_dict_shape_and_strings():
    data = amortization_schedule(P, RATE, N).to_dict()
    assert set(data) >= {"rows", "total_interest", "total_paid", "apr"}
    assert data["rows"][0] == {
        "period": 1,
        "payment": "899.75",
        "interest": "120.00",
        "principal": "779.75",
        "balance": "9220.25",
    }
    assert data["total_interest"] == "797.05" and data["total_paid"] == "10797.05"
    assert data["apr_percent"] == "14.40"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"principal": "0"}, InvalidAmount),
        ({"principal": "-100"}, InvalidAmount),
        ({"principal": "0.004"}, InvalidAmount),  # rounds to 0.00
        ({"principal": "1e30"}, InvalidAmount),
        ({"principal": float("nan")}, InvalidAmount),
        ({"principal": "abc"}, InvalidAmount),
        ({"annual_rate": "1.01"}, InvalidRate),
        ({"annual_rate": "-0.01"}, InvalidRate),
        ({"annual_rate": "NaN"}, InvalidRate),
        ({"months": 0}, InvalidTerm),
        ({"months": 601}, InvalidTerm),
        ({"months": "12.5"}, InvalidTerm),
        ({"months": True}, InvalidTerm),
    ],
)
def test_bad_input_raises_typed_errors(kwargs, error):
    args = {"principal": P, "annual_rate": RATE, "months": N, **kwargs}
    with pytest.raises(error) as info:
        amortization_schedule(**args)
    assert info.value.message_zh.endswith("。")


def test_accrued_interest_for_early_repayment():
    # 10,000 at 0.04 %/day for 10 days = 40.00; 365-day basis gives less
    assert accrued_interest(P, RATE, 10) == D("40.00")
    assert accrued_interest(P, RATE, 10, day_count=365) == D("39.45")
    assert accrued_interest(P, RATE, 0) == D("0.00")
    with pytest.raises(InvalidTerm):
        accrued_interest(P, RATE, 10, day_count=100)
    with pytest.raises(InvalidTerm):
        accrued_interest(P, RATE, -1)


amounts = st.integers(min_value=1, max_value=50_000_000).map(lambda fen: D(fen) / 100)
rates = st.integers(min_value=0, max_value=10_000).map(lambda bp: D(bp) / 10_000)
terms = st.integers(min_value=1, max_value=360)
methods = st.sampled_from(list(RepaymentMethod))


@settings(max_examples=300, deadline=None)
@given(amounts, rates, terms, methods)
def test_schedule_invariants(principal, rate, months, method):
    plan = amortization_schedule(principal, rate, months, method)
    assert len(plan.rows) == months
    assert sum(row.principal for row in plan.rows) == principal
    assert all(row.balance >= 0 for row in plan.rows)
    assert plan.rows[-1].balance == D("0.00")
    assert all(row.payment == row.interest + row.principal for row in plan.rows)
    assert all(row.principal >= 0 and row.interest >= 0 for row in plan.rows)
    assert all(row.payment == row.payment.quantize(D("0.01")) for row in plan.rows)
    assert plan.total_paid == principal + plan.total_interest
    balance = principal
    for row in plan.rows:  # each row continues from the previous balance
        balance -= row.principal
        assert row.balance == balance


@settings(max_examples=200, deadline=None)
@given(amounts.filter(lambda p: p >= 100), rates, st.integers(min_value=2, max_value=360))
def test_equal_installment_rows_equal_except_last(principal, rate, months):
    plan = amortization_schedule(principal, rate, months)
    first = plan.rows[0].payment
    paying = [row for row in plan.rows if row.payment > 0]
    assert all(row.payment == first for row in paying[:-1])
    # the last payment absorbs only rounding: at most a fen per month, compounded
    r = rate / 12
    assert abs(paying[-1].payment - first) <= D("0.01") * sum(
        (1 + r) ** k for k in range(months + 1)
    )
    # a loan whose rounded-up installment over-pays so much that it is cleared before the
    # last period (tiny payments over long terms) shows 0.00 rows after the payoff
    assert all(row.payment == 0 for row in plan.rows[len(paying) :])


def test_rounded_up_installment_can_clear_a_tiny_loan_one_period_early():
    plan = amortization_schedule("132.73", "0.2504", 145)
    assert plan.rows[0].payment == D("2.92")
    assert plan.rows[-2].balance == 0 and plan.rows[-1].payment == 0
    assert sum(row.principal for row in plan.rows) == D("132.73")
