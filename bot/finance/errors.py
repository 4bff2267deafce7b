"""Typed errors of the money engine.

Every error the finance package raises on bad input is a :class:`FinanceError`, a
``ValueError`` that carries

* ``code`` – a stable machine-readable identifier (``"amount_not_positive"``, ...), for
  logs, tests and branching in actions;
* ``message_zh`` – one polite Simplified-Chinese sentence the bot can show the borrower
  as is (``str(error)`` returns the same sentence).

Subclasses say which kind of input was wrong, so callers can re-ask for the right slot.
"""

from __future__ import annotations

from typing import Any


class FinanceError(ValueError):
    """Base class: bad input or an impossible request, with a Chinese message."""

    default_code = "finance_error"
    default_message_zh = "输入的数字有误，请检查后再试一次。"

    def __init__(self, message_zh: str | None = None, code: str | None = None, **context: Any):
        self.message_zh: str = message_zh or self.default_message_zh
        self.code: str = code or self.default_code
        #: extra facts about the failure (field name, offending value, limits, ...)
        self.context: dict[str, Any] = dict(context)
        super().__init__(self.message_zh)

    def __str__(self) -> str:  # the bot shows this sentence verbatim
        return self.message_zh

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message_zh={self.message_zh!r})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: ``{"error": code, "message_zh": ..., "type": class name}``."""
        return {"error": self.code, "type": type(self).__name__, "message_zh": self.message_zh}


class InvalidAmount(FinanceError):
    """A money amount (or other number) is missing, not a number, non-positive or absurd."""

    default_code = "invalid_amount"
    default_message_zh = "金额需要是大于0的数字，请再输入一次。"


class InvalidRate(FinanceError):
    """An interest rate is not a number, negative, or above 100 % a year."""

    default_code = "invalid_rate"
    default_message_zh = "利率需要在0到100%（年化）之间，例如年化14.4%请输入0.144。"


class InvalidTerm(FinanceError):
    """A term, period count or day count is not a sensible whole number."""

    default_code = "invalid_term"
    default_message_zh = "期数或天数需要是正整数，请再输入一次。"


class InvalidDate(FinanceError):
    """A date is malformed or out of order."""

    default_code = "invalid_date"
    default_message_zh = "日期格式不对，请用 2024-05-01 这样的格式再输入一次。"


class InfeasiblePlan(FinanceError):
    """A request that has no answer as posed (e.g. a cash-flow list with no sign change)."""

    default_code = "infeasible"
    default_message_zh = "按现在的条件无法算出结果，请调整数字后再试。"


__all__ = [
    "FinanceError",
    "InvalidAmount",
    "InvalidRate",
    "InvalidTerm",
    "InvalidDate",
    "InfeasiblePlan",
]
