"""Reading one value from a form answer ("五千块", "两个月", "18%", "15").

Each ``parse_*`` function first looks for its entity with
:func:`~bot.nlu.quantities.extract.find_quantities` and returns the first one.
When the user answered the question with a bare value that means nothing out of
context ("五十", "12", "15", "18%"), it is read as the kind of value the form asked
for: the whole answer, minus polite filler (大概, 吧, 左右, 每月能还 …), must be
that value.  They return ``None`` when the text holds no such value and never
raise.  A minus sign is never dropped: ``parse_amount("-500")`` is
``Decimal("-500")`` (the form explains that amounts must be positive), and the
other parsers give ``None`` for "-12", "-15", "-18%".
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Callable, List, Optional, TypeVar

from bot.nlu.quantities.durations import parse_iso_parts
from bot.nlu.quantities.extract import (
    AMOUNT,
    ANNUAL_RATE,
    DAILY_RATE,
    DAY_OF_MONTH,
    DURATION,
    INSTALLMENTS,
    MONTHLY_CHARGE,
    MONTHLY_RATE,
    Quantity,
    find_quantities,
    read_quantities,
    read_rate,
)
from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, parse_numeral
from bot.nlu.textnorm import normalize_text

__all__ = [
    "parse_amount",
    "parse_duration",
    "parse_daily_rate",
    "parse_annual_rate",
    "parse_installments",
    "parse_day_of_month",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: filler around a bare answer; removed before the answer is read as a number
_FILLER_RE = re.compile(
    r"大概是|大概|大约|差不多|估计|应该|左右|上下|的样子|样子|吧|啊|呀|哦|噢|嗯|呢|哈|啦|嘛|了|约|"
    r"我|能|可以|只能|还|就|只|只有|是|每个月|每月|一个月|一月|总共|一共|共|大致|最多|最少|至少"
)
#: everything but letters, digits, CJK and the characters a rate or amount is written with
#: (a minus sign is kept: "-12" is not 12)
_NOISE_RE = re.compile(r"[^\w%.,/¥\-−]|_")
#: a minus sign or 负 before a bare answer
_SIGNS = ("-", "−", "负")


def _guarded(func: Callable[[str], Optional[T]]) -> Callable[[str], Optional[T]]:
    def wrapper(text: str) -> Optional[T]:
        if not isinstance(text, str) or not text.strip():
            return None
        try:
            return func(text)
        except Exception:  # noqa: BLE001 - a form answer must never crash the conversation
            logger.exception("could not read a value from %r", text[:200])
            return None

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper


def _first(quantities: List[Quantity], entity: str) -> Optional[str]:
    for quantity in quantities:
        if quantity.entity == entity:
            return quantity.value
    return None


def _bare(text: str) -> str:
    """The answer without filler, emoji, spaces and trailing punctuation."""
    rest = _NOISE_RE.sub("", normalize_text(text))
    rest = _FILLER_RE.sub("", rest)
    return rest.strip(".,/")


def _bare_number(text: str) -> Optional[Numeral]:
    num = parse_numeral(_bare(text))
    if (
        num is None
        or num.digit_string
        or (num.arabic and (num.int_digits >= 11 or num.leading_zero))
    ):
        return None
    return num


def _bare_integer(text: str, low: int, high: int) -> Optional[int]:
    num = _bare_number(text)
    if num is None or num.has_decimal or not num.is_integer or not low <= num.value <= high:
        return None
    return int(num.value)


@_guarded
def parse_amount(text: str) -> Optional[Decimal]:
    """Yuan in ``text`` ("五千块" → 5000, "五毛" → 0.5, a bare "五十" → 50), else ``None``.

    A signed answer ("-500", "负五千", "-500元") gives a negative ``Decimal`` so that the form
    can say that amounts must be positive; :func:`find_quantities` does not report it.
    """
    rest = _bare(text)
    if (
        rest.startswith(_SIGNS) and rest[1:2] and rest[1] in NUMERAL_START
    ):  # "-500元", "大概-500吧", "负五十"
        value = _unsigned_amount(rest[1:])
        return -value if value is not None and value > 0 else None
    return _unsigned_amount(text)


def _unsigned_amount(text: str) -> Optional[Decimal]:
    reading = read_quantities(text)
    value = _first(reading.quantities, AMOUNT)
    if value is not None:
        return Decimal(value)
    if reading.quantities:
        return None  # "两个月", "12期": another kind of value
    value = _first(reading.withheld, AMOUNT)
    if value is not None:
        return Decimal(value)  # "我的额度是-500"
    num = _bare_number(text)
    return num.value if num is not None else None


@_guarded
def parse_duration(text: str) -> Optional[str]:
    """ISO 8601 duration in ``text`` ("两个月" → "P2M"), else ``None``.

    A bare number ("30") is not a duration: its unit is unknown.
    """
    return _first(find_quantities(text), DURATION)


@_guarded
def parse_daily_rate(text: str) -> Optional[Decimal]:
    """Daily rate as a fraction ("万分之五", "日息0.05%", or a bare "0.05%" → 0.0005), else
    ``None``.

    ``None`` when the text gives an annual rate instead (converting is the caller's choice), and
    likewise for a monthly rate ("月息2分": :func:`parse_annual_rate` reads it).
    """
    reading = read_quantities(text)
    value = _first(reading.quantities, DAILY_RATE)
    if value is not None:
        return Decimal(value)
    if _first(reading.quantities, ANNUAL_RATE) is not None:
        return None
    if any(q.entity in (MONTHLY_RATE, MONTHLY_CHARGE) for q in reading.withheld):
        return None
    return _bare_rate(text, "daily")


#: months in a year for a monthly interest rate: annual = monthly × 12 (= daily × 360, the 30/360
#: convention of :mod:`bot.nlu.quantities.durations`)
MONTHS_PER_YEAR = 12


@_guarded
def parse_annual_rate(text: str) -> Optional[Decimal]:
    """Annual rate as a fraction ("年化18%", or a bare "18%" / "18" → 0.18), else ``None``.

    ``None`` when the text gives a daily rate instead.  A monthly interest rate is no contract
    entity but answers a question about the rate: "月息2分", "月利率2%" → 0.24 (× 12).  A monthly
    fee rate ("月费率0.6%", charged on the original principal: its true annual rate is about
    twice × 12) or another percentage per month ("每月2%") gives ``None``.
    """
    reading = read_quantities(text)
    value = _first(reading.quantities, ANNUAL_RATE)
    if value is not None:
        return Decimal(value)
    if _first(reading.quantities, DAILY_RATE) is not None:
        return None
    for quantity in reading.withheld:
        if quantity.entity == MONTHLY_RATE:
            return Decimal(quantity.value) * MONTHS_PER_YEAR
        if quantity.entity == MONTHLY_CHARGE:
            return None
    return _bare_rate(text, "annual")


def _bare_rate(text: str, cue: str) -> Optional[Decimal]:
    rest = _bare(text)
    if not rest:
        return None
    rate = read_rate(rest, 0, cue)
    if rate is None or rate.end != len(rest):
        return None
    return rate.fraction


@_guarded
def parse_installments(text: str) -> Optional[int]:
    """Number of installments ("分12期" → 12, "12个月" → 12, a bare "12" → 12), else ``None``."""
    found = find_quantities(text)
    value = _first(found, INSTALLMENTS)
    if value is not None:
        return int(value)
    iso = _first(found, DURATION)
    if iso is not None:
        parts = parse_iso_parts(iso)
        if parts and not any(parts[k] for k in ("w", "d", "h", "mi", "s")):
            months = parts["y"] * 12 + parts["mo"]
            if months == months.to_integral_value() and 2 <= months <= 999:
                return int(months)
        return None
    return _bare_integer(text, 2, 999)


@_guarded
def parse_day_of_month(text: str) -> Optional[int]:
    """Day of the month 1–31 ("每月15号" → 15, a bare "15" → 15), else ``None``."""
    value = _first(find_quantities(text), DAY_OF_MONTH)
    if value is not None:
        return int(value)
    return _bare_integer(text, 1, 31)
