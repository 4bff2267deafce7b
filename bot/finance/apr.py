"""Annualised percentage rate by IRR (the compound method of PBOC announcement 2021 No. 3).

Conventions:

* A cash-flow list is ``[c0, c1, …, cn]`` with ``ck`` the net flow at the end of period k
  from the borrower's or the lender's side (the sign convention does not matter, only that
  money flows both ways). The IRR is the per-period rate ``i > −1`` with
  ``Σ ck / (1 + i)^k = 0``.
* For a loan: ``APR = periods_per_year × i`` (12·i for monthly payments) and the effective
  annual rate is ``(1 + i)^periods_per_year − 1``.
* Rates are ``Decimal`` fractions. The solver works in 40-digit decimal arithmetic and the
  per-period rate is rounded to 18 decimals, APR and effective rate to 12, so results are
  stable from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence

from bot.finance import validate
from bot.finance.errors import InfeasiblePlan, InvalidAmount
from bot.finance.money import (
    decimal_str,
    finance_context,
    money,
    percent_str,
    round_rate,
    to_decimal,
)

#: per-period rates searched: −99.9 % … +100,000 % (anything outside is not a loan)
_I_MIN = Decimal("-0.999")
_I_MAX = Decimal("1000")
_MAX_ITERATIONS = 400
_TOLERANCE = Decimal("1e-30")
_MAX_FLOWS = 10_000
#: grid used to bracket a root when the flows change sign more than once
_GRID = [
    Decimal(x)
    for x in (
        "-0.999",
        "-0.9",
        "-0.5",
        "-0.2",
        "-0.1",
        "-0.05",
        "-0.01",
        "-0.001",
        "0",
        "0.001",
        "0.005",
        "0.01",
        "0.02",
        "0.05",
        "0.1",
        "0.2",
        "0.5",
        "1",
        "2",
        "5",
        "10",
        "100",
        "1000",
    )
]


def _npv_and_slope(flows: Sequence[Decimal], x: Decimal) -> tuple[Decimal, Decimal]:
    """``f(x) = Σ ck·x^k`` and ``f'(x)`` by Horner's rule, with ``x = 1/(1+i)``."""
    value = Decimal(0)
    slope = Decimal(0)
    for flow in reversed(flows):
        slope = slope * x + value
        value = value * x + flow
    return value, slope


def _sign_changes(flows: Sequence[Decimal]) -> int:
    signs = [flow > 0 for flow in flows if flow != 0]
    return sum(1 for a, b in zip(signs, signs[1:]) if a != b)


def _bracket(flows: Sequence[Decimal], changes: int) -> tuple[Decimal, Decimal]:
    """Two x values with f of opposite signs, the root between them closest to i = 0."""
    if changes == 1:
        # Descartes: exactly one positive root in x, i.e. one rate i > −1.
        lo, hi = 1 / (1 + _I_MAX), 1 / (1 + _I_MIN)
        f_lo, _ = _npv_and_slope(flows, lo)
        f_hi, _ = _npv_and_slope(flows, hi)
        if f_lo == 0:
            return lo, lo
        if f_hi == 0:
            return hi, hi
        if (f_lo > 0) != (f_hi > 0):
            return lo, hi
        raise InfeasiblePlan(
            "这组现金流对应的利率超出了合理范围，无法计算年化利率。", code="irr_out_of_range"
        )
    points = [(i, _npv_and_slope(flows, 1 / (1 + i))[0]) for i in _GRID]
    candidates = []
    for (i_a, f_a), (i_b, f_b) in zip(points, points[1:]):
        if f_a == 0:
            candidates.append((abs(i_a), i_a, i_a))
        elif (f_a > 0) != (f_b > 0) and f_b != 0:
            candidates.append((min(abs(i_a), abs(i_b)), i_a, i_b))
    if points[-1][1] == 0:
        candidates.append((abs(points[-1][0]), points[-1][0], points[-1][0]))
    if not candidates:
        raise InfeasiblePlan("这组现金流找不到对应的利率，无法计算年化利率。", code="irr_not_found")
    _, i_a, i_b = min(candidates)
    return 1 / (1 + i_b), 1 / (1 + i_a)


def irr(cashflows: Iterable[Any], guess: Any = None) -> Decimal:
    """Per-period internal rate of return of ``cashflows`` (``[c0, c1, …]``, ``c0`` at time 0).

    Solved for ``x = 1/(1+i)`` with a safeguarded Newton iteration inside a sign-changing
    bracket (Newton steps that would leave the bracket or converge slowly become
    bisection steps), so it always terminates: at most 400 iterations, usually fewer than
    ten. With one sign change in the flows (every ordinary loan) the rate is unique;
    with several, the root closest to 0 is returned. ``guess`` (a per-period rate) only
    speeds things up. Raises :class:`InvalidAmount` for fewer than two flows or non-numbers
    and :class:`InfeasiblePlan` when no rate in −99.9 % … 100,000 % per period fits.
    """
    flows = [to_decimal(flow, label="现金流") for flow in cashflows]
    if len(flows) < 2:
        raise InvalidAmount("计算年化利率至少需要借款金额和一笔还款。", code="irr_too_few_flows")
    if len(flows) > _MAX_FLOWS:
        raise InvalidAmount("现金流的期数太多了，请缩短期限后再算。", code="irr_too_many_flows")
    changes = _sign_changes(flows)
    if changes == 0:
        raise InfeasiblePlan(
            "这组现金流只有流入或只有流出，无法计算年化利率。", code="irr_no_sign_change"
        )
    with finance_context():
        lo, hi = _bracket(flows, changes)
        if lo == hi:
            return round_rate(1 / lo - 1, 18)
        f_lo, _ = _npv_and_slope(flows, lo)
        if f_lo > 0:  # orient so that f(lo) < 0 < f(hi)
            lo, hi = hi, lo
        start = Decimal("0.01") if guess is None else to_decimal(guess, label="初始利率")
        x = 1 / (1 + start) if start > _I_MIN else (lo + hi) / 2
        if not min(lo, hi) < x < max(lo, hi):
            x = (lo + hi) / 2
        step_before = abs(hi - lo)
        step = step_before
        value, slope = _npv_and_slope(flows, x)
        for _ in range(_MAX_ITERATIONS):
            if value == 0:
                break
            newton_leaves_bracket = ((x - hi) * slope - value) * ((x - lo) * slope - value) > 0
            if slope == 0 or newton_leaves_bracket or abs(2 * value) > abs(step_before * slope):
                step_before = step
                step = (hi - lo) / 2
                x = lo + step
            else:
                step_before = step
                step = value / slope
                x = x - step
            if abs(step) <= _TOLERANCE * max(Decimal(1), abs(x)):
                break
            value, slope = _npv_and_slope(flows, x)
            if value < 0:
                lo = x
            else:
                hi = x
        return round_rate(1 / x - 1, 18)


@dataclass(frozen=True)
class AprResult:
    """IRR-based cost of a loan.

    ``periodic_rate`` is the IRR per payment period, ``apr`` = periods_per_year ×
    periodic_rate (the figure lenders must show), ``effective_annual_rate`` =
    (1 + periodic_rate)^periods_per_year − 1. All are ``Decimal`` fractions.
    """

    periodic_rate: Decimal
    apr: Decimal
    effective_annual_rate: Decimal
    periods_per_year: int = 12

    def to_dict(self) -> dict[str, Any]:
        return {
            "periodic_rate": decimal_str(self.periodic_rate, 10),
            "apr": decimal_str(self.apr, 8),
            "apr_percent": percent_str(self.apr),
            "effective_annual_rate": decimal_str(self.effective_annual_rate, 8),
            "effective_annual_rate_percent": percent_str(self.effective_annual_rate),
            "periods_per_year": self.periods_per_year,
        }


def apr_from_periodic(periodic_rate: Decimal, periods_per_year: int = 12) -> AprResult:
    """Wrap a per-period IRR into an :class:`AprResult`."""
    with finance_context():
        apr = round_rate(periodic_rate * periods_per_year)
        effective = round_rate((1 + periodic_rate) ** periods_per_year - 1)
    return AprResult(periodic_rate, apr, effective, periods_per_year)


def apr_from_cashflows(
    amount_received: Any, payments: Iterable[Any], periods_per_year: int = 12
) -> AprResult:
    """APR of receiving ``amount_received`` now and paying ``payments[k-1]`` at the end of period k.

    ``amount_received`` is what the borrower actually gets (principal minus any fee
    deducted up front); ``payments`` are the amounts paid per period (zeros allowed, e.g.
    months without a payment). This is how a "flat fee" offer shows its true cost.
    """
    received = validate.positive_amount(amount_received, "到手金额")
    paid = [validate.non_negative_amount(p, "还款金额") for p in payments]
    if not paid or all(p == 0 for p in paid):
        raise InvalidAmount("请至少提供一笔大于0的还款金额。", code="no_payments")
    periods = validate.whole_number(periods_per_year, label="每年期数", minimum=1, maximum=366)
    periodic = irr([-received, *paid])
    return apr_from_periodic(periodic, periods)


def flat_fee_payments(principal: Any, monthly_fee_rate: Any, months: Any) -> tuple[Decimal, ...]:
    """Payments of a "flat fee" (等本等息) offer: each month principal/n plus a fee on the
    ORIGINAL principal, ``principal × monthly_fee_rate``; each payment is rounded HALF_UP to
    the fen and the last one absorbs the principal's rounding remainder.

    The advertised "annual rate" of such an offer is ``12 × monthly_fee_rate`` (simple, on
    the original principal); its true IRR APR is much higher because the principal shrinks.
    """
    amount = validate.positive_amount(principal, "本金")
    fee_rate = validate.annual_rate(
        to_decimal(monthly_fee_rate, label="月费率") * 12, label="月费率折合年化"
    )
    term = validate.months_value(months)
    with finance_context():
        fee = money(amount * fee_rate / 12)
        part = money(amount / term)
        payments = []
        remaining = amount
        for period in range(1, term + 1):
            principal_part = remaining if period == term else min(part, remaining)
            remaining -= principal_part
            payments.append(principal_part + fee)
    return tuple(payments)


def nominal_flat_annual_rate(monthly_fee_rate: Any) -> Decimal:
    """The advertised simple rate of a flat-fee offer: ``12 × monthly_fee_rate``."""
    with finance_context():
        return validate.annual_rate(
            to_decimal(monthly_fee_rate, label="月费率") * 12, label="月费率折合年化"
        )


__all__ = [
    "irr",
    "AprResult",
    "apr_from_periodic",
    "apr_from_cashflows",
    "flat_fee_payments",
    "nominal_flat_annual_rate",
]
