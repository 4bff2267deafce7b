"""Calendar months: the one place dates move by whole months (python-dateutil's ``relativedelta``).

A loan's installments fall on its due day of each month; in a month without that day (the 31st
in April, the 29th-31st in February) they fall on the month's last day, and the month after
goes back to the due day. ``relativedelta`` clamps the same way, so this only chooses the day.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int, day_of_month: Optional[int] = None) -> date:
    """The date ``months`` calendar months after ``day`` (before it when negative), on
    ``day_of_month`` (default: ``day``'s own day), or on that month's last day when shorter."""
    target = day_of_month if day_of_month is not None else day.day
    if not 1 <= target <= 31:
        raise ValueError(f"day of month must be 1-31, got {target}")
    return day.replace(day=1) + relativedelta(months=months, day=target)


def months_text(months: int) -> str:
    """A number of months as the bot writes a span: 8个月, 2年, 1年3个月."""
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years}年{rest}个月"
    return f"{years}年" if years else f"{months}个月"


def month_label(day: date, months: int = 0) -> str:
    """The calendar month ``months`` after ``day``'s, as the bot writes it: 2027年1月."""
    moved = add_months(day, months, 1)
    return f"{moved.year}年{moved.month}月"
