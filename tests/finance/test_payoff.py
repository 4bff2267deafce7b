"""Multi-debt payoff planner: examples, exact infeasibility answers, properties."""

from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.finance.errors import InvalidAmount, InvalidRate, InvalidTerm
from bot.finance.payoff import Debt, Strategy, compare_strategies, comparison_summary, plan_payoff
from bot.finance.schedule import amortization_schedule

DEBTS = [
    Debt("借呗", "10000", "0.144", "500"),
    Debt("信用卡", "3000", "0.18", "150"),
    Debt("花呗", "800", "0.15", "80"),
]


def _check_accounting(plan, debts, budget):
    """Every month: balance' = balance + interest − payment ≥ 0, payments within budget."""
    balances = {d.name: d.balance for d in debts}
    for month in plan.schedule:
        assert month.payment <= budget
        for entry in month.debts:
            assert entry.balance == balances[entry.name] + entry.interest - entry.payment
            assert entry.balance >= 0 and entry.payment >= 0
            balances[entry.name] = entry.balance
        assert month.balance == sum(e.balance for e in month.debts)
    assert all(b == 0 for b in balances.values())
    assert plan.total_paid == sum(d.balance for d in debts) + plan.total_interest
    assert plan.total_interest == sum(m.interest for m in plan.schedule)
    assert plan.months == len(plan.schedule)


def test_avalanche_plan():
    plan = plan_payoff(DEBTS, "1500", Strategy.avalanche)
    assert plan.feasible and plan.shortfall == 0
    assert plan.priority == ("信用卡", "花呗", "借呗")
    # minimums on every debt, the remaining 770 to the highest rate (信用卡 18 %)
    assert plan.first_month_payments == {
        "借呗": D("500.00"),
        "信用卡": D("920.00"),
        "花呗": D("80.00"),
    }
    assert plan.months == 10
    _check_accounting(plan, DEBTS, D("1500"))
    # freed payments roll forward: the budget is used in full until the last month
    assert all(month.payment == D("1500.00") for month in plan.schedule[:-1])


def test_snowball_plan_pays_smallest_first():
    plan = plan_payoff(DEBTS, "1500", "snowball")
    assert plan.priority == ("花呗", "信用卡", "借呗")
    assert plan.first_month_payments["花呗"] == D("810.00")  # 800 + 10.00 interest: cleared at once
    assert plan.payoff_month["花呗"] == 1
    _check_accounting(plan, DEBTS, D("1500"))


def test_minimums_only_leaves_budget_unused_and_costs_more():
    plans = compare_strategies(DEBTS, "1500")
    assert set(plans) == set(Strategy)
    base = plans[Strategy.minimums_only]
    assert base.feasible and base.first_month_payments == {
        "借呗": D("500.00"),
        "信用卡": D("150.00"),
        "花呗": D("80.00"),
    }
    assert base.months > plans[Strategy.avalanche].months
    assert (
        plans[Strategy.avalanche].total_interest
        <= plans[Strategy.snowball].total_interest
        < base.total_interest
    )
    summary = comparison_summary(plans)
    assert (
        summary["avalanche"]["interest_saved_vs_minimums"]
        == f"{base.total_interest - plans[Strategy.avalanche].total_interest:.2f}"
    )
    assert "schedule" not in summary["avalanche"]


def test_single_debt_reproduces_the_equal_installment_schedule():
    schedule = amortization_schedule("10000", "0.144", 12)
    installment = schedule.rows[0].payment
    plan = plan_payoff([Debt("贷款", "10000", "0.144", installment)], installment)
    # the same interest month by month; the schedule's last payment is 899.80, so a budget
    # of 899.75 leaves 0.05 for a 13th month (interest on 0.05 rounds to 0.00)
    assert [m.interest for m in plan.schedule[:12]] == [row.interest for row in schedule.rows]
    assert [m.payment for m in plan.schedule[:12]] == [installment] * 12
    assert plan.months == 13 and plan.schedule[12].payment == D("0.05")
    assert plan.total_interest == schedule.total_interest == D("797.05")
    exact = plan_payoff([Debt("贷款", "10000", "0.144", installment)], schedule.rows[-1].payment)
    assert exact.months == 12


def test_budget_below_minimums_gives_exact_shortfall():
    plan = plan_payoff(DEBTS, "600", "avalanche")
    assert not plan.feasible and plan.months is None and plan.total_interest is None
    assert plan.shortfall == D("130.00")  # 500 + 150 + 80 − 600
    assert "730.00" in plan.reason_zh and "130.00" in plan.reason_zh
    assert plan.schedule == () and plan.first_month_payments == {}
    assert plan_payoff(DEBTS, D("600") + plan.shortfall, "avalanche").feasible


def test_interest_outrunning_the_budget_gives_exact_shortfall():
    debts = [Debt("网贷", "100000", "0.36", "100")]  # 3,000.00 interest a month
    plan = plan_payoff(debts, "2000", "avalanche")
    assert not plan.feasible
    needed = D("2000") + plan.shortfall
    assert plan_payoff(debts, needed, "avalanche").feasible
    assert not plan_payoff(debts, needed - D("0.01"), "avalanche").feasible
    assert needed > D("3000.00")  # must at least beat the monthly interest
    assert "还款追不上利息" in plan.reason_zh


def test_slow_budget_beyond_the_cap():
    debts = [Debt("a", "10000", "0.12", "0")]
    plan = plan_payoff(debts, "101", "snowball", max_months=60)  # covers interest, far too slowly
    assert not plan.feasible and "还款太慢" in plan.reason_zh
    needed = D("101") + plan.shortfall
    assert plan_payoff(debts, needed, "snowball", max_months=60).months == 60
    assert not plan_payoff(debts, needed - D("0.01"), "snowball", max_months=60).feasible


def test_minimums_only_that_never_clears():
    debts = [Debt("信用卡", "20000", "0.18", "250"), Debt("花呗", "500", "0.15", "100")]
    plan = plan_payoff(debts, "5000", "minimums_only")  # 300.00 interest vs 250 minimum
    assert (
        not plan.feasible
        and "信用卡" in plan.reason_zh
        and "花呗" not in plan.reason_zh.split("，")[0][-4:]
    )
    fixed = [Debt("信用卡", "20000", "0.18", D("250") + plan.shortfall), debts[1]]
    assert plan_payoff(fixed, "5000", "minimums_only").feasible
    fixed = [Debt("信用卡", "20000", "0.18", D("250") + plan.shortfall - D("0.01")), debts[1]]
    assert not plan_payoff(fixed, "5000", "minimums_only").feasible
    # the same budget is plenty with avalanche
    assert plan_payoff(debts, "5000", "avalanche").feasible


def test_zero_rate_and_zero_minimum():
    plan = plan_payoff([Debt("亲友借款", "1000", "0", "0")], "300", "avalanche")
    assert plan.months == 4 and plan.total_interest == 0
    assert not plan_payoff([Debt("亲友借款", "1000", "0", "0")], "300", "minimums_only").feasible


def test_to_dict_money_strings():
    data = plan_payoff(DEBTS, "1500", "avalanche").to_dict()
    assert data["feasible"] is True and data["months"] == 10
    assert data["total_interest"].count(".") == 1 and len(data["total_interest"].split(".")[1]) == 2
    assert data["schedule"][0]["debts"][1] == {
        "name": "信用卡",
        "payment": "920.00",
        "interest": "45.00",
        "balance": "2125.00",
    }
    infeasible = plan_payoff(DEBTS, "600").to_dict()
    assert (
        infeasible["months"] is None
        and infeasible["shortfall"] == "130.00"
        and infeasible["schedule"] == []
    )


@pytest.mark.parametrize(
    "debts, budget, error",
    [
        ([], "100", InvalidAmount),
        ([Debt("a", "100", "0.1", "10"), Debt("a", "200", "0.1", "10")], "100", InvalidAmount),
        ([{"name": "a", "balance": "100"}], "100", InvalidAmount),
        (
            [{"name": "a", "balance": "-1", "annual_rate": "0.1", "minimum_payment": "1"}],
            "100",
            InvalidAmount,
        ),
        (
            [{"name": "a", "balance": "100", "annual_rate": "2", "minimum_payment": "1"}],
            "100",
            InvalidRate,
        ),
        (
            [{"name": " ", "balance": "100", "annual_rate": "0.1", "minimum_payment": "1"}],
            "100",
            InvalidAmount,
        ),
        ([Debt("a", "100", "0.1", "10")], "0", InvalidAmount),
        ([Debt("a", "100", "0.1", "10")], "NaN", InvalidAmount),
        ([Debt("a", "100", "0.1", "10")] * 1, "1e30", InvalidAmount),
        ([Debt(f"d{i}", "100", "0.1", "10") for i in range(51)], "10000", InvalidAmount),
    ],
)
def test_bad_input(debts, budget, error):
    with pytest.raises(error):
        plan_payoff(debts, budget)


def test_bad_strategy_and_cap():
    with pytest.raises(InvalidTerm):
        plan_payoff(DEBTS, "1500", "random")
    with pytest.raises(InvalidTerm):
        plan_payoff(DEBTS, "1500", "avalanche", max_months=0)
    assert plan_payoff(DEBTS, "1500", "雪球法").strategy is Strategy.snowball


# ------------------------------------------------------------------------- properties

any_debt = st.tuples(
    st.integers(min_value=1, max_value=5_000_000),  # balance in fen
    st.integers(min_value=0, max_value=3600),  # rate in basis points
    st.integers(min_value=0, max_value=100_000),  # minimum in fen
)


def _debts(raw):
    return [Debt(f"d{i}", D(b) / 100, D(r) / 10_000, D(m) / 100) for i, (b, r, m) in enumerate(raw)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(any_debt, min_size=1, max_size=5),
    st.integers(min_value=1, max_value=2_000_000),
    st.integers(min_value=0, max_value=500_000),
    st.sampled_from(list(Strategy)),
)
def test_larger_budget_never_longer_or_costlier(raw, budget_fen, more_fen, strategy):
    debts = _debts(raw)
    small = plan_payoff(debts, D(budget_fen) / 100, strategy, max_months=240)
    large = plan_payoff(debts, D(budget_fen + more_fen) / 100, strategy, max_months=240)
    if small.feasible:
        assert large.feasible
        assert large.months <= small.months
        assert large.total_interest <= small.total_interest
        _check_accounting(small, debts, small.monthly_budget)
    else:
        assert small.shortfall > 0
        if strategy is not Strategy.minimums_only:  # the shortfall is exact to the fen
            enough = small.monthly_budget + small.shortfall
            assert plan_payoff(debts, enough, strategy, max_months=240).feasible
            if small.shortfall > D("0.01"):
                assert not plan_payoff(debts, enough - D("0.01"), strategy, max_months=240).feasible
        if large.feasible:
            assert large.monthly_budget >= small.monthly_budget + small.shortfall
        else:
            assert large.shortfall <= small.shortfall


realistic_debt = st.tuples(
    st.integers(min_value=100, max_value=50_000),  # whole yuan
    st.integers(min_value=1, max_value=36),  # whole percent a year
    st.integers(min_value=4, max_value=10),  # minimum: % of the balance, covers the interest
)


# Derandomised: fen rounding of each month's interest can flip a near-tie between two
# orders by a fen when the orders barely differ (sub-fen extra, nearly equal rates), so
# the property is stated on realistic debts: distinct whole-percent rates, balances of at
# least 100 yuan, at least 10 yuan above the minimums. (5,000 random cases checked.)
@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(realistic_debt, min_size=2, max_size=6, unique_by=lambda d: d[1]),
    st.integers(min_value=10, max_value=5000),
)
def test_avalanche_never_costs_more_interest_than_snowball(raw, extra):
    debts = [Debt(f"d{i}", D(b), D(r) / 100, D(b) * m / 100) for i, (b, r, m) in enumerate(raw)]
    budget = sum(d.minimum_payment for d in debts) + extra
    avalanche = plan_payoff(debts, budget, Strategy.avalanche)
    snowball = plan_payoff(debts, budget, Strategy.snowball)
    assert avalanche.feasible and snowball.feasible
    assert avalanche.total_interest <= snowball.total_interest
    assert avalanche.months <= snowball.months + 1


def test_a_few_fen_left_by_the_minimum_are_paid_with_it_not_a_month_later():
    """A fixed instalment of 1,039.74 whose last one is 1,039.76: the 0.02 of rounding goes
    with the last instalment when the budget has room (the review saw a month too many)."""
    card = Debt("花呗", "2079.50", "0", "1039.74")
    big = Debt("借呗", "20000", "0.18", "1000")
    plan = plan_payoff([card, big], "3000", Strategy.avalanche)
    last = plan.schedule[1].debts[0]
    assert plan.payoff_month["花呗"] == 2 and last.payment == D("1039.76") and last.balance == 0
    assert plan.schedule[0].payment == plan.schedule[1].payment == D("3000.00")
    # minimums only: from the budget left unused, if there is room
    assert plan_payoff([card], "1100", Strategy.minimums_only).months == 2
    assert plan_payoff([card], "1039.74", Strategy.minimums_only).months == 3
    # a tail of a yuan or more is an ordinary balance
    assert plan_payoff([Debt("x", "2080.74", "0", "1039.74")], "1039.74").months == 3
