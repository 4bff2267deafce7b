"""Finding money, durations, rates, installment counts and days of the month in a message.

:func:`find_quantities` scans a message once, left to right (:mod:`bot.nlu.quantities.scanner`)
and never raises.  What counts as which quantity, and the values reported, are written down in
docs/quantities.md; the word lists are in ``data/quantities/``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import List

from bot.nlu.quantities.quantity import (
    AMOUNT,
    ANNUAL_RATE,
    DAILY_RATE,
    DAY_OF_MONTH,
    DURATION,
    ENTITIES,
    INSTALLMENTS,
    MONTHLY_CHARGE,
    MONTHLY_RATE,
    Quantity,
)
from bot.nlu.quantities.scanner import Scanner
from bot.nlu.quantities.scanner.rates import read_rate

__all__ = [
    "Quantity",
    "Reading",
    "find_quantities",
    "read_quantities",
    "AMOUNT",
    "DURATION",
    "DAILY_RATE",
    "ANNUAL_RATE",
    "INSTALLMENTS",
    "DAY_OF_MONTH",
    "ENTITIES",
    "MONTHLY_RATE",
    "MONTHLY_CHARGE",
    "read_rate",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """Everything the scanner read in a message.

    ``quantities`` is what :func:`find_quantities` returns.  ``withheld`` holds values that were
    read but are deliberately not reported as entities, for the form parsers: signed amounts
    (entity ``amount``, span with the sign, value "-500"), monthly interest rates
    (:data:`MONTHLY_RATE`: 月息2分 → "0.02") and other percentages per month
    (:data:`MONTHLY_CHARGE`: 月费率0.6% → "0.006"), values per month.
    """

    quantities: List[Quantity]
    withheld: List[Quantity]


def read_quantities(text: str) -> Reading:
    """The quantities of ``text`` and the values withheld from them; never raises."""
    try:
        if not isinstance(text, str) or not text:
            return Reading([], [])
        scanner = Scanner(text)
        return Reading(scanner.run(), scanner.withheld)
    except Exception:  # noqa: BLE001 - a bug here must not cost the user their message
        logger.exception("quantity extraction failed; returning no entities")
        return Reading([], [])


def scan(text: str) -> List[Quantity]:
    """:func:`find_quantities` without its safety net (for tests that must see errors)."""
    if not isinstance(text, str) or not text:
        return []
    return Scanner(text).run()


def find_quantities(text: str) -> List[Quantity]:
    """Amounts, durations, rates, installment counts and days of the month in ``text``.

    Non-overlapping, sorted by ``start``; offsets index ``text`` itself.  Returns
    ``[]`` for anything that is not a non-empty string, and never raises.
    """
    try:
        return scan(text)
    except Exception:  # noqa: BLE001 - a bug here must not cost the user their message
        logger.exception("quantity extraction failed; returning no entities")
        return []
