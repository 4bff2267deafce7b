"""Rate conversions.

Conventions: rates are fractions (``Decimal("0.144")`` is 14.4 % a year). The nominal
annual rate of a daily-rate product is ``daily × day_count`` with ``day_count = 360`` by
default, as the lender's own systems compute it (0.04 %/day → 14.4 %/year); 365 and 366
are accepted for contracts that say so. The monthly rate is ``annual / 12``. Results are
exact ``Decimal`` values (40 significant digits), not rounded for display.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.finance import validate
from bot.finance.money import finance_context


def daily_to_annual(daily: Any, day_count: int = 360) -> Decimal:
    """Nominal annual rate of a daily rate: ``daily × day_count`` (0.0004 → 0.144)."""
    count = validate.day_count_value(day_count)
    rate = validate.daily_rate(daily, count)
    with finance_context():
        return rate * count


def annual_to_daily(annual: Any, day_count: int = 360) -> Decimal:
    """Daily rate of a nominal annual rate: ``annual / day_count`` (0.144 → 0.0004)."""
    count = validate.day_count_value(day_count)
    rate = validate.annual_rate(annual)
    with finance_context():
        return rate / count


def as_daily(rate: Decimal, basis: str, day_count: int = 360) -> Decimal:
    """A rate as a daily rate, whatever it was given as (``basis``: "daily" or "annual"),
    *without* range checks: what a user typed is converted as it is, so that the form that
    asked for it can explain why it refuses an absurd one (``daily_to_annual`` and
    ``annual_to_daily`` refuse it with a FinanceError instead)."""
    count = validate.day_count_value(day_count)
    if basis == "daily":
        return Decimal(rate)
    if basis != "annual":
        raise ValueError(f"unknown rate basis {basis!r}")
    with finance_context():
        return Decimal(rate) / count


def as_annual(daily: Decimal, day_count: int = 360) -> Decimal:
    """The nominal annual rate of a daily rate, without range checks (see :func:`as_daily`)."""
    count = validate.day_count_value(day_count)
    with finance_context():
        return Decimal(daily) * count


def monthly_rate(annual: Any) -> Decimal:
    """Monthly rate of a nominal annual rate: ``annual / 12`` (0.144 → 0.012)."""
    rate = validate.annual_rate(annual)
    with finance_context():
        return rate / 12


def effective_annual_rate(periodic_rate: Any, periods_per_year: int = 12) -> Decimal:
    """Compounded annual rate ``(1 + i)^periods − 1`` of a per-period rate ``i``."""
    rate = validate.annual_rate(periodic_rate, label="每期利率")
    periods = validate.whole_number(periods_per_year, label="每年期数", minimum=1, maximum=366)
    with finance_context():
        return (1 + rate) ** periods - 1


__all__ = ["daily_to_annual", "annual_to_daily", "monthly_rate", "effective_annual_rate"]
