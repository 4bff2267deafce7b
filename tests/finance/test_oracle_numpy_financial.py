"""numpy-financial as an independent oracle for 10,000 random loans.

For principal 100–500,000 yuan, 1 %–36 % a year and 1–60 months (fixed seed, so the run
is reproducible): the 等额本息 payment equals ``npf.pmt`` rounded HALF_UP to the fen, and
12 × ``npf.irr`` of the fen-rounded schedule agrees with ``Schedule.apr`` to 1e-6.
"""

import math
import random
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import numpy_financial as npf

from bot.finance.schedule import RepaymentMethod, amortization_schedule

LOANS = 10_000


def _random_loans(seed: int = 20240501):
    rng = random.Random(seed)
    for _ in range(LOANS):
        principal = D(rng.randint(100_00, 500_000_00)) / 100
        annual = D(rng.randint(100, 3600)) / 10_000  # 1.00 % … 36.00 %, two decimals of a percent
        months = rng.randint(1, 60)
        yield principal, annual, months


def _fen(x: float) -> D:
    return D(repr(x)).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_equal_installment_matches_numpy_financial():
    checked = 0
    for principal, annual, months in _random_loans():
        plan = amortization_schedule(principal, annual, months, RepaymentMethod.equal_installment)
        expected = _fen(float(npf.pmt(float(annual) / 12, months, -float(principal))))
        assert plan.rows[0].payment == expected, (principal, annual, months)
        flows = [-float(principal)] + [float(row.payment) for row in plan.rows]
        oracle = float(npf.irr(flows))
        assert not math.isnan(oracle), (principal, annual, months)
        assert abs(float(plan.apr) - 12 * oracle) < 1e-6, (
            principal,
            annual,
            months,
            plan.apr,
            12 * oracle,
        )
        checked += 1
    assert checked == LOANS
