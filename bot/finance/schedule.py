"""Repayment schedules of the four methods a Chinese borrower meets, exact to the fen.

Conventions (see docs/finance.md):

* Monthly rate ``r = annual_rate / 12``; each month's interest is
  ``money(balance × annual_rate / 12)`` on the actual remaining balance (HALF_UP to the
  fen; multiplied before dividing so exact half-fen ties round up).
* 等额本息 ``equal_installment``: ``M = P·r·(1+r)^n / ((1+r)^n − 1)`` (``P/n`` when r = 0),
  rounded HALF_UP to the fen; principal part = M − interest.
* 等额本金 ``equal_principal``: principal part ``money(P/n)``, plus the month's interest.
* 先息后本 ``interest_first``: interest only, the whole principal with the last payment.
* 到期还本付息 ``bullet``: nothing until maturity, then principal plus simple interest
  ``money(P × r × n)``; earlier rows show 0.00 paid.
* The last payment absorbs every rounding remainder: principal parts sum exactly to the
  principal and the final balance is exactly 0.00. A payment never takes the balance below
  zero (for tiny principals over long terms a rounded installment could otherwise overshoot;
  such a loan simply finishes early and later rows are 0.00).
* ``Schedule.apr`` is the IRR-based APR (12 × monthly IRR) of the actual fen-rounded
  payments, so it can differ from the nominal rate in the last decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from bot.finance import validate
from bot.finance.apr import apr_from_periodic, irr
from bot.finance.errors import InvalidTerm
from bot.finance.money import decimal_str, finance_context, money, money_str, percent_str, plain_str


class RepaymentMethod(str, Enum):
    """Repayment methods: 等额本息, 等额本金, 先息后本, 到期还本付息."""

    equal_installment = "equal_installment"
    equal_principal = "equal_principal"
    interest_first = "interest_first"
    bullet = "bullet"

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @classmethod
    def parse(cls, value: Any) -> "RepaymentMethod":
        """Accept the enum, its value, or the Chinese name (``"等额本息"``)."""
        if isinstance(value, cls):
            return value
        text = str(value).strip()
        for method in cls:
            if text in (method.value, method.label_zh):
                return method
        raise InvalidTerm(
            "还款方式只能是等额本息、等额本金、先息后本或到期还本付息。",
            code="bad_method",
            value=text[:40],
        )


_LABELS_ZH = {
    RepaymentMethod.equal_installment: "等额本息",
    RepaymentMethod.equal_principal: "等额本金",
    RepaymentMethod.interest_first: "先息后本",
    RepaymentMethod.bullet: "到期还本付息",
}


@dataclass(frozen=True)
class ScheduleRow:
    """One month: what is paid, split into interest and principal, and the balance after it."""

    period: int
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "payment": money_str(self.payment),
            "interest": money_str(self.interest),
            "principal": money_str(self.principal),
            "balance": money_str(self.balance),
        }


@dataclass(frozen=True)
class Schedule:
    """A full repayment schedule with its totals and its IRR APR (a ``Decimal`` fraction)."""

    method: RepaymentMethod
    principal: Decimal
    annual_rate: Decimal
    months: int
    rows: tuple[ScheduleRow, ...]
    total_interest: Decimal
    total_paid: Decimal
    apr: Decimal

    @property
    def first_payment(self) -> Decimal:
        return self.rows[0].payment

    @property
    def last_payment(self) -> Decimal:
        return self.rows[-1].payment

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "method_zh": self.method.label_zh,
            "principal": money_str(self.principal),
            "annual_rate": plain_str(self.annual_rate),
            "months": self.months,
            "rows": [row.to_dict() for row in self.rows],
            "total_interest": money_str(self.total_interest),
            "total_paid": money_str(self.total_paid),
            "apr": decimal_str(self.apr, 8),
            "apr_percent": percent_str(self.apr),
        }


def installment(principal: Any, annual_rate: Any, months: Any) -> Decimal:
    """The 等额本息 monthly payment ``M``, rounded HALF_UP to the fen (before the last-row fix)."""
    amount = validate.positive_amount(principal, "本金")
    rate = validate.annual_rate(annual_rate)
    term = validate.months_value(months)
    return _installment(amount, rate / 12 if rate else Decimal(0), term)


def _installment(amount: Decimal, r: Decimal, term: int) -> Decimal:
    with finance_context():
        if r == 0:
            return money(amount / term)
        growth = (1 + r) ** term
        return money(amount * r * growth / (growth - 1))


def amortization_schedule(
    principal: Any,
    annual_rate: Any,
    months: Any,
    method: RepaymentMethod | str = RepaymentMethod.equal_installment,
) -> Schedule:
    """Month-by-month schedule of a loan of ``principal`` yuan at nominal ``annual_rate``
    (fraction, 0–1) over ``months`` (1–600) months, repaid by ``method``.

    Raises :class:`~bot.finance.errors.InvalidAmount`, ``InvalidRate`` or ``InvalidTerm``
    on bad input.
    """
    amount = validate.positive_amount(principal, "本金")
    rate = validate.annual_rate(annual_rate)
    term = validate.months_value(months)
    kind = RepaymentMethod.parse(method)
    with finance_context():
        r = rate / 12
        if kind is RepaymentMethod.bullet:
            rows = _bullet_rows(amount, rate, term)
        else:
            rows = _amortizing_rows(amount, rate, term, kind)
        total_interest = sum((row.interest for row in rows), Decimal("0.00"))
        total_paid = sum((row.payment for row in rows), Decimal("0.00"))
        periodic = irr([-amount, *(row.payment for row in rows)], guess=r)
    return Schedule(
        method=kind,
        principal=amount,
        annual_rate=rate,
        months=term,
        rows=tuple(rows),
        total_interest=total_interest,
        total_paid=total_paid,
        apr=apr_from_periodic(periodic).apr,
    )


def monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """One month's interest ``money(balance × annual_rate / 12)``, HALF_UP to the fen.

    Multiplying before dividing keeps exact half-fen ties exact (``0.60 × 10 % / 12`` is
    exactly 0.005 and rounds up), which ``balance × (annual_rate / 12)`` would not.
    """
    with finance_context():
        return money(balance * annual_rate / 12)


def _amortizing_rows(
    amount: Decimal, rate: Decimal, term: int, kind: RepaymentMethod
) -> list[ScheduleRow]:
    payment = (
        _installment(amount, rate / 12, term)
        if kind is RepaymentMethod.equal_installment
        else Decimal(0)
    )
    part = money(amount / term) if kind is RepaymentMethod.equal_principal else Decimal(0)
    rows = []
    balance = amount
    for period in range(1, term + 1):
        interest = money(balance * rate / 12)
        if period == term:
            principal_part = balance
        elif kind is RepaymentMethod.equal_installment:
            principal_part = payment - interest
        elif kind is RepaymentMethod.equal_principal:
            principal_part = part
        else:  # interest_first
            principal_part = Decimal("0.00")
        principal_part = min(max(principal_part, Decimal("0.00")), balance)
        balance -= principal_part
        rows.append(
            ScheduleRow(period, interest + principal_part, interest, principal_part, balance)
        )
    return rows


def _bullet_rows(amount: Decimal, rate: Decimal, term: int) -> list[ScheduleRow]:
    zero = Decimal("0.00")
    rows = [ScheduleRow(period, zero, zero, zero, amount) for period in range(1, term)]
    interest = money(amount * rate * term / 12)
    rows.append(ScheduleRow(term, amount + interest, interest, amount, zero))
    return rows


def accrued_interest(principal: Any, annual_rate: Any, days: Any, day_count: int = 360) -> Decimal:
    """Simple daily interest for repaying ``principal`` after ``days`` days:
    ``money(principal × annual_rate / day_count × days)`` — interest only for the days the
    money was actually used (private-lending provisions 2020 art. 30)."""
    amount = validate.positive_amount(principal, "本金")
    rate = validate.annual_rate(annual_rate)
    count = validate.day_count_value(day_count)
    used = validate.days_value(days, "借款天数")
    with finance_context():
        return money(amount * rate * used / count)


__all__ = [
    "RepaymentMethod",
    "ScheduleRow",
    "Schedule",
    "installment",
    "amortization_schedule",
    "accrued_interest",
    "monthly_interest",
]
