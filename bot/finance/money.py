"""Exact money primitives: parsing numbers into ``Decimal``, rounding to the fen, formatting.

Conventions (binding for the whole package):

* Money is ``decimal.Decimal`` in yuan; floats never enter a money path. ``to_decimal``
  accepts ``str``, ``int``, ``Decimal`` and (for convenience at the edges, e.g. Rasa float
  slots) finite ``float`` values, which are converted through their shortest ``repr`` so
  ``0.1`` becomes ``Decimal("0.1")`` and not ``0.1000000000000000055…``.
* Amounts shown to people are rounded **HALF_UP to the fen** (0.01) with :func:`money`.
* Intermediate arithmetic runs in :data:`FINANCE_CONTEXT` (40 significant digits, traps on
  invalid operations, division by zero and overflow) entered with :func:`finance_context`,
  never in the caller's global decimal context.
"""

from __future__ import annotations

import decimal
import math
import unicodedata
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from bot.finance.errors import FinanceError, InvalidAmount

#: One fen, the smallest money unit shown.
CENT = Decimal("0.01")

#: Largest magnitude any input number may have: 10^12 (a trillion yuan). Anything larger
#: (``1e30`` …) is a typo or an attack, never a real borrower's figure.
MAX_ABS = Decimal("1e12")

#: Decimal context of every computation in the package: 40 significant digits, so sums of
#: hundreds of fen-rounded rows and powers like (1+r)^600 stay exact to far below a fen.
FINANCE_CONTEXT = decimal.Context(
    prec=40,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def finance_context() -> decimal.localcontext:
    """Context manager running a block in :data:`FINANCE_CONTEXT` (thread/async safe)."""
    return decimal.localcontext(FINANCE_CONTEXT)


def _reject(error: type[FinanceError], code: str, message_zh: str, value: Any) -> FinanceError:
    return error(message_zh, code=code, value=repr(value)[:80])


def to_decimal(
    value: Any,
    *,
    label: str = "金额",
    error: type[FinanceError] = InvalidAmount,
    max_abs: Decimal = MAX_ABS,
) -> Decimal:
    """Parse ``value`` into a finite ``Decimal`` or raise ``error`` (a :class:`FinanceError`).

    Accepted: ``Decimal``, ``int`` (not ``bool``), finite ``float`` (via ``repr``), and
    strings such as ``"5000"``, ``" 1,234.50 "``, ``"１２３"`` (full width), ``"1e3"`` and
    percentages ``"14.4%"`` (→ ``0.144``). Rejected with a Chinese message: ``None``, bools,
    empty or non-numeric strings, NaN, infinities, and magnitudes above ``max_abs``.
    ``label`` names the quantity in the message (``"本金"``, ``"年利率"`` …).
    """
    if value is None or isinstance(value, bool):
        raise _reject(error, "not_a_number", f"{label}需要是一个数字，请再输入一次。", value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _reject(
                error, "not_finite", f"{label}需要是一个有限的数字，请再输入一次。", value
            )
        result = Decimal(repr(value))
    elif isinstance(value, str):
        result = _parse_str(value, label=label, error=error)
    else:
        raise _reject(error, "not_a_number", f"{label}需要是一个数字，请再输入一次。", value)
    if not result.is_finite():
        raise _reject(error, "not_finite", f"{label}需要是一个有限的数字，请再输入一次。", value)
    if abs(result) > max_abs:
        raise _reject(error, "too_large", f"{label}的数值太大了，请确认后再输入一次。", value)
    return result


def _parse_str(text: str, *, label: str, error: type[FinanceError]) -> Decimal:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for separator in (",", "，", "_", " "):
        cleaned = cleaned.replace(separator, "")
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1]
    if not cleaned or len(cleaned) > 60:
        raise _reject(error, "not_a_number", f"{label}需要是一个数字，请再输入一次。", text)
    try:
        result = Decimal(cleaned)
    except decimal.InvalidOperation:
        example = {"InvalidRate": "0.144 或 14.4%", "InvalidTerm": "12"}.get(error.__name__, "5000")
        raise _reject(
            error,
            "not_a_number",
            f"{label}好像不是一个有效的数字，请输入像 {example} 这样的数值。",
            text,
        ) from None
    if not result.is_finite():
        raise _reject(error, "not_finite", f"{label}需要是一个有限的数字，请再输入一次。", text)
    if percent:
        with finance_context():
            result = result / 100
    return result


def money(x: Any) -> Decimal:
    """Round to the fen, HALF_UP: ``money("2.345") == Decimal("2.35")``."""
    value = x if isinstance(x, Decimal) else to_decimal(x)
    with finance_context():
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(x: Any) -> str:
    """Machine string for JSON: two decimals, no separators: ``"1234.50"``, ``"-0.05"``."""
    value = money(x)
    if value == 0:
        value = abs(value)  # never "-0.00"
    return f"{value:.2f}"


def fmt_money(x: Any) -> str:
    """Display string with thousands separators: ``"1,234.50"``."""
    value = money(x)
    if value == 0:
        value = abs(value)
    return f"{value:,.2f}"


def decimal_str(x: Decimal, places: int) -> str:
    """Fixed-point string of a non-money number (rates) with ``places`` decimals, HALF_UP."""
    with finance_context():
        value = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)
    return f"{value:.{places}f}"


def percent_str(fraction: Decimal, places: int = 2) -> str:
    """``Decimal("0.1303")`` → ``"13.03"`` (percent, HALF_UP, no ``%`` sign)."""
    with finance_context():
        return decimal_str(fraction * 100, places)


def plain_str(x: Decimal) -> str:
    """Shortest plain (non-scientific) string: ``Decimal("1.50")`` → ``"1.5"``, ``1E+1`` →
    ``"10"``."""
    with finance_context():
        normalized = x.normalize()
    text = format(normalized, "f")
    return "0" if text in ("-0", "") else text


def round_rate(x: Decimal, places: int = 12) -> Decimal:
    """Round a rate to ``places`` decimals (HALF_EVEN) so results are stable across runs."""
    with finance_context():
        return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


__all__ = [
    "CENT",
    "MAX_ABS",
    "FINANCE_CONTEXT",
    "finance_context",
    "to_decimal",
    "money",
    "money_str",
    "fmt_money",
    "decimal_str",
    "percent_str",
    "plain_str",
    "round_rate",
]
