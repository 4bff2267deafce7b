"""IRR, APR and rate conversions."""

import random
from decimal import Decimal as D

import numpy_financial as npf
import pytest

from bot.finance.apr import apr_from_cashflows, flat_fee_payments, irr, nominal_flat_annual_rate
from bot.finance.errors import InfeasiblePlan, InvalidAmount, InvalidRate, InvalidTerm
from bot.finance.rates import annual_to_daily, daily_to_annual, effective_annual_rate, monthly_rate


def test_flat_fee_offer_true_cost_worked_example():
    payments = flat_fee_payments("10000", "0.006", 12)
    assert payments[:11] == (D("893.33"),) * 11 and payments[-1] == D("893.37")
    assert sum(payments) == D("10720.00")
    assert nominal_flat_annual_rate("0.006") == D("0.072")
    result = apr_from_cashflows("10000", payments)
    assert f"{result.apr * 100:.2f}" == "13.03"
    assert f"{result.effective_annual_rate * 100:.2f}" == "13.84"
    assert result.to_dict()["apr_percent"] == "13.03"
    assert result.to_dict()["effective_annual_rate_percent"] == "13.84"


def test_upfront_fee_raises_the_apr():
    payments = flat_fee_payments("10000", "0.006", 12)
    assert apr_from_cashflows("9800", payments).apr > apr_from_cashflows("10000", payments).apr


@pytest.mark.parametrize(
    "flows, expected",
    [
        ([-100, 110], D("0.1")),
        ([-100, 0, 0, 121], None),  # (1+i)^3 = 1.21
        ([100, -110], D("0.1")),  # sign convention does not matter
        ([-100, 100], D("0")),
        ([-100, 50, 40], None),  # negative rate
        ([-100, 230, -132], D("0.1")),  # two roots (10 %, 20 %): the one closest to 0
    ],
)
def test_irr_known_values(flows, expected):
    rate = irr(flows)
    npv = sum(D(c) / (1 + rate) ** k for k, c in enumerate(flows))
    assert abs(npv) < D("1e-12")
    if expected is not None:
        assert abs(rate - expected) < D("1e-15")


def test_irr_is_stable_and_deterministic():
    flows = [-10000] + [D("899.75")] * 11 + [D("899.80")]
    assert irr(flows) == irr(flows) == irr(flows, guess="0.5")


@pytest.mark.parametrize(
    "flows, error, code",
    [
        ([], InvalidAmount, "irr_too_few_flows"),
        ([-100], InvalidAmount, "irr_too_few_flows"),
        ([100, 100], InfeasiblePlan, "irr_no_sign_change"),
        ([0, 0, 0], InfeasiblePlan, "irr_no_sign_change"),
        ([-100, "abc"], InvalidAmount, "not_a_number"),
        ([-100, float("nan")], InvalidAmount, "not_finite"),
        ([-1, 10**9], InfeasiblePlan, "irr_out_of_range"),  # 10^11 % per period
    ],
)
def test_irr_bad_input(flows, error, code):
    with pytest.raises(error) as info:
        irr(flows)
    assert info.value.code == code


def test_irr_agrees_with_numpy_financial_on_random_flows():
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(1, 36)
        received = D(rng.randint(1000, 10_000_00)) / 100
        payments = [D(rng.randint(0, 200_000)) / 100 for _ in range(n)]
        if sum(payments) == 0:
            continue
        flows = [-received, *payments]
        oracle = npf.irr([float(x) for x in flows])
        if oracle != oracle or oracle <= -0.99 or oracle > 1000:  # nan or outside our range
            continue
        assert abs(float(irr(flows)) - oracle) < 1e-9


def test_apr_from_cashflows_validates():
    with pytest.raises(InvalidAmount):
        apr_from_cashflows("0", [1, 2])
    with pytest.raises(InvalidAmount):
        apr_from_cashflows("100", [])
    with pytest.raises(InvalidAmount):
        apr_from_cashflows("100", [0, 0])
    with pytest.raises(InvalidAmount):
        apr_from_cashflows("100", [-5, 110])
    with pytest.raises(InvalidTerm):
        apr_from_cashflows("100", [110], periods_per_year=0)


def test_weekly_periods():
    result = apr_from_cashflows("100", [D("101")], periods_per_year=52)
    assert result.apr == D("0.52")
    assert abs(result.effective_annual_rate - (D("1.01") ** 52 - 1)) < D("1e-12")


def test_flat_fee_validation():
    with pytest.raises(InvalidRate):
        flat_fee_payments("1000", "0.1", 12)  # 120 % a year in fees
    with pytest.raises(InvalidTerm):
        flat_fee_payments("1000", "0.006", 0)


def test_rate_conversions():
    assert daily_to_annual("0.0004") == D("0.144")
    assert daily_to_annual("0.04%") == D("0.144")
    assert daily_to_annual("0.0005", 365) == D("0.1825")
    assert annual_to_daily("0.144") == D("0.0004")
    assert annual_to_daily("0.146", 365) == D("0.0004")
    assert monthly_rate("0.144") == D("0.012")
    assert abs(effective_annual_rate("0.012") - D("0.153894624")) < D("1e-9")
    for bad in ("0.003", "-0.0001", "abc"):  # 0.3 %/day = 108 %/year
        with pytest.raises(InvalidRate):
            daily_to_annual(bad)
    with pytest.raises(InvalidRate):
        annual_to_daily("1.2")
    with pytest.raises(InvalidTerm):
        daily_to_annual("0.0004", 364)
