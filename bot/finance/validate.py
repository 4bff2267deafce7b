"""Input validation shared by the finance modules.

Each helper turns one raw input (``str`` / ``int`` / ``Decimal`` / finite ``float``) into a
checked value or raises the matching typed :mod:`bot.finance.errors` error with a polite
Chinese message. Limits:

* amounts: finite, at most 10^12 yuan, rounded HALF_UP to the fen; "positive" means at
  least 0.01 after rounding;
* rates: annual rate 0 … 1 (0 %–100 % a year); a daily rate is checked through its annual
  equivalent under the day count;
* terms: whole months 1 … 600; days 0 … 36,500; day counts 360, 365 or 366.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.finance.errors import InvalidAmount, InvalidRate, InvalidTerm
from bot.finance.money import finance_context, money, to_decimal

MAX_MONTHS = 600
MAX_DAYS = 36_500
DAY_COUNTS = (360, 365, 366)
MAX_ANNUAL_RATE = Decimal(1)
MIN_MULTIPLIER = Decimal(1)
MAX_MULTIPLIER = Decimal(5)


def positive_amount(value: Any, label: str = "金额") -> Decimal:
    """A money amount > 0, rounded HALF_UP to the fen."""
    amount = money(to_decimal(value, label=label))
    if amount <= 0:
        raise InvalidAmount(
            f"{label}需要大于0，请再输入一次。", code="amount_not_positive", label=label
        )
    return amount


def non_negative_amount(value: Any, label: str = "金额") -> Decimal:
    """A money amount ≥ 0, rounded HALF_UP to the fen."""
    amount = money(to_decimal(value, label=label))
    if amount < 0:
        raise InvalidAmount(
            f"{label}不能是负数，请再输入一次。", code="amount_negative", label=label
        )
    return amount


def annual_rate(value: Any, label: str = "年利率") -> Decimal:
    """An annual rate as a fraction, 0 ≤ rate ≤ 1 (``"0.144"`` or ``"14.4%"``)."""
    rate = to_decimal(value, label=label, error=InvalidRate)
    if rate < 0:
        raise InvalidRate(f"{label}不能是负数，请再输入一次。", code="rate_negative", label=label)
    if rate > MAX_ANNUAL_RATE:
        raise InvalidRate(
            f"{label}超过了100%，请确认一下：年化14.4%请输入0.144或14.4%。",
            code="rate_too_high",
            label=label,
        )
    return rate


def daily_rate(value: Any, day_count: int = 360, label: str = "日利率") -> Decimal:
    """A daily rate as a fraction, 0 ≤ rate and rate × day_count ≤ 1 (``"0.0004"``, ``"0.04%"``)."""
    count = day_count_value(day_count)
    rate = to_decimal(value, label=label, error=InvalidRate)
    if rate < 0:
        raise InvalidRate(f"{label}不能是负数，请再输入一次。", code="rate_negative", label=label)
    with finance_context():
        too_high = rate * count > MAX_ANNUAL_RATE
    if too_high:
        raise InvalidRate(
            f"{label}折合年化超过了100%，请确认一下：日利率万分之四请输入0.0004或0.04%。",
            code="rate_too_high",
            label=label,
        )
    return rate


def multiplier_value(value: Any, label: str = "罚息倍数") -> Decimal:
    """A penalty multiplier, 1 ≤ m ≤ 5 (the usual value is 1.5)."""
    factor = to_decimal(value, label=label, error=InvalidRate)
    if not MIN_MULTIPLIER <= factor <= MAX_MULTIPLIER:
        raise InvalidRate(
            f"{label}需要在1到5之间（通常是1.5），请再输入一次。", code="multiplier_out_of_range"
        )
    return factor


def whole_number(value: Any, *, label: str, minimum: int, maximum: int) -> int:
    """A whole number in ``[minimum, maximum]`` (``"12"``, ``12``, ``Decimal("12")``, ``12.0``)."""
    number = to_decimal(value, label=label, error=InvalidTerm)
    if number != number.to_integral_value():
        raise InvalidTerm(
            f"{label}需要是整数，请再输入一次。", code="term_not_integer", label=label
        )
    result = int(number)
    if result < minimum or result > maximum:
        raise InvalidTerm(
            f"{label}需要在{minimum}到{maximum}之间，请再输入一次。",
            code="term_out_of_range",
            label=label,
        )
    return result


def months_value(value: Any, label: str = "期数") -> int:
    """A loan term in whole months, 1 … 600."""
    return whole_number(value, label=label, minimum=1, maximum=MAX_MONTHS)


def days_value(value: Any, label: str = "天数", minimum: int = 0) -> int:
    """A count of days, ``minimum`` … 36,500."""
    return whole_number(value, label=label, minimum=minimum, maximum=MAX_DAYS)


def day_count_value(value: Any) -> int:
    """The day-count basis of a year: 360 (default in the lender's systems), 365 or 366."""
    if isinstance(value, bool):
        raise InvalidTerm("计息天数基准只能是360、365或366。", code="bad_day_count")
    try:
        count = whole_number(value, label="计息天数基准", minimum=360, maximum=366)
    except InvalidTerm:
        count = 0
    if count not in DAY_COUNTS:
        raise InvalidTerm("计息天数基准只能是360、365或366。", code="bad_day_count")
    return count


__all__ = [
    "MAX_MONTHS",
    "MAX_DAYS",
    "DAY_COUNTS",
    "positive_amount",
    "non_negative_amount",
    "annual_rate",
    "daily_rate",
    "multiplier_value",
    "whole_number",
    "months_value",
    "days_value",
    "day_count_value",
]
