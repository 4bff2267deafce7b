"""The demo borrowers' figures on TODAY, computed independently of the ledger with bot.finance.

The demo portfolio is documented in bot/loans/demo.py; here each figure is rebuilt from the
contract terms (schedule, due dates, penalty per overdue installment), so the action tests check
the whole chain ledger → client → action → reply against an independent computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import List

from bot.finance.overdue import overdue_cost
from bot.finance.schedule import amortization_schedule
from bot.policy import load_policy
from tests.actions.action_helpers import TODAY

D = Decimal


@dataclass(frozen=True)
class Loan:
    product: str
    annual_rate: Decimal
    daily_rate: Decimal
    outstanding: Decimal  # principal not yet repaid
    next_installment: Decimal
    overdue_amount: Decimal  # unpaid principal + interest of overdue installments
    penalty: Decimal
    overdue_days: int
    overdue_principal: Decimal = Decimal("0.00")

    @property
    def overdue_total(self) -> Decimal:
        return self.overdue_amount + self.penalty


def _rows(principal: str, annual: str, months: int, method: str = "equal_installment"):
    return amortization_schedule(D(principal), D(annual), months, method).rows


def _penalty(rows, daily: Decimal, days: List[int]) -> Decimal:
    policy = load_policy()
    return sum(
        (
            overdue_cost(
                row.principal,
                daily,
                d,
                overdue_interest=row.interest,
                grace_days=policy.grace_days,
                multiplier=policy.penalty_multiplier,
                grace_mode=policy.grace_mode,
            ).total_penalty
            for row, d in zip(rows, days)
        ),
        D("0.00"),
    )


def two_months(as_of: date = TODAY) -> Loan:
    """借呗 20,000 at 0.05 %/day, 12 months from 2026-06-23 (due on the 23rd); periods 1 and 2
    paid, nothing since: on TODAY periods 3 and 4 are overdue; on a later ``as_of`` every
    period due before it is (a what-if of not repaying till then)."""
    rows = _rows("20000", "0.18", 12)
    due = [date(2026 + (6 + n) // 12, (6 + n) % 12 + 1, 23) for n in range(12)]  # row n: 7+n
    overdue = [n for n in range(2, 12) if due[n] < as_of]
    overdue_rows = [rows[n] for n in overdue]
    days = [(as_of - due[n]).days for n in overdue]
    upcoming = overdue[-1] + 1
    return Loan(
        "借呗",
        D("0.18"),
        D("0.0005"),
        D("20000") - sum(r.principal for r in rows[:2]),
        rows[upcoming].payment if upcoming < 12 else D("0.00"),
        sum(r.payment for r in overdue_rows),
        _penalty(overdue_rows, D("0.0005"), days),
        max(days),
        sum(r.principal for r in overdue_rows),
    )


def up_to_date() -> Loan:
    """借呗 10,000 at 0.04 %/day, 12 months; three installments paid, the next due on 12-13."""
    rows = _rows("10000", "0.144", 12)
    return Loan(
        "借呗",
        D("0.144"),
        D("0.0004"),
        D("10000") - sum(r.principal for r in rows[:3]),
        rows[3].payment,
        D("0.00"),
        D("0.00"),
        0,
    )


def one_yuan() -> Loan:
    """借呗 3,000 at 0.04 %/day, 6 months; the 2nd installment paid 1.00 short four days ago."""
    rows = _rows("3000", "0.144", 6)
    policy = load_policy()
    # a repayment pays interest before principal: the 1.00 missing is principal
    penalty = overdue_cost(
        D("1.00"),
        D("0.0004"),
        4,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    ).total_penalty
    return Loan(
        "借呗",
        D("0.144"),
        D("0.0004"),
        D("3000") - rows[0].principal - (rows[1].principal - D("1.00")),
        rows[2].payment,
        D("1.00"),
        penalty,
        4,
        D("1.00"),
    )


def multi_debt() -> List[Loan]:
    """陈静: 借呗 20,000 @18 % (2 paid), 花呗 6,000 @13.5 % over 6 (1 paid),
    credit card 12,000 @16.56 % equal principal over 12 (3 paid). All current."""
    jiebei = _rows("20000", "0.18", 12)
    huabei = _rows("6000", "0.135", 6)
    card = _rows("12000", "0.1656", 12, "equal_principal")
    return [
        Loan(
            "借呗",
            D("0.18"),
            D("0.0005"),
            D("20000") - sum(r.principal for r in jiebei[:2]),
            jiebei[2].payment,
            D("0.00"),
            D("0.00"),
            0,
        ),
        Loan(
            "花呗",
            D("0.135"),
            D("0.135") / 360,
            D("6000") - huabei[0].principal,
            huabei[1].payment,
            D("0.00"),
            D("0.00"),
            0,
        ),
        Loan(
            "信用卡",
            D("0.1656"),
            D("0.1656") / 360,
            D("12000") - sum(r.principal for r in card[:3]),
            card[3].payment,
            D("0.00"),
            D("0.00"),
            0,
        ),
    ]
