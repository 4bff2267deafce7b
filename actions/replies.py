"""Small formatting helpers shared by the actions: money, rates, dates, policy notes.

Money is shown to the fen with :func:`bot.finance.money.fmt_money`; rates annualised first and
the daily rate after (PBOC notice 2021 No. 3); lender settings that are unsourced examples carry
a note that the loan contract governs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional

from bot.finance.money import fmt_money, percent_str
from bot.policy.wording import EXAMPLE_NOTE, note


def yuan(amount: Decimal) -> str:
    """``Decimal("1833.6")`` → ``"1,833.60元"``."""
    return f"{fmt_money(amount)}元"


def rate_text(annual: Decimal, daily: Optional[Decimal] = None) -> str:
    """Annual first, daily after: ``"年化18.00%（日利率0.050%）"``."""
    text = f"年化{percent_str(annual)}%"
    if daily is not None:
        text += f"（日利率{percent_str(daily, 3)}%）"
    return text


def date_zh(day: date, today: Optional[date] = None) -> str:
    """``12月13日``; with the year when it is not ``today``'s year."""
    if today is not None and day.year != today.year:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.month}月{day.day}日"


def relative_day_zh(day: date, today: date) -> str:
    """``今天`` / ``明天`` / ``3天后`` / ``2天前``."""
    delta = (day - today).days
    if delta == 0:
        return "今天"
    if delta == 1:
        return "明天"
    if delta == 2:
        return "后天"
    if delta > 0:
        return f"{delta}天后"
    return f"{-delta}天前"


#: the "configured example" note when any of the fields is an unsourced example (one source: the
#: policy's own wording module)
example_note = note


__all__ = [
    "EXAMPLE_NOTE",
    "yuan",
    "rate_text",
    "date_zh",
    "relative_day_zh",
    "example_note",
]
