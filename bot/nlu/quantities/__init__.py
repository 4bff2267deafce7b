"""Chinese money, duration, rate, installment and day-of-month expressions.

The engine behind the project's spaCy component and Rasa entity extractor, and
the slot validators of its forms.  Pure Python; nothing happens at import time
except compiling regular expressions.

Public API::

    normalize_text(text) -> str                 # length-preserving NFKC
    find_quantities(text) -> list[Quantity]     # entities with contract values
    Quantity(entity, start, end, text, value)   # offsets index the original text
    read_quantities(text) -> Reading            # .quantities, and .withheld (signed amounts …)
    parse_amount(text) -> Decimal | None        # yuan; "-500" → Decimal("-500")
    parse_duration(text) -> str | None          # ISO 8601, e.g. "P1M15D"
    duration_days(iso) -> int                   # months = 30 days, years = 360 days
    parse_daily_rate(text) -> Decimal | None    # fraction per day
    parse_annual_rate(text) -> Decimal | None   # fraction per year; 月息2分 → 0.24 (× 12)
    parse_installments(text) -> int | None
    parse_day_of_month(text) -> int | None      # 1..31

The reading rules (what counts as an amount, lower bounds for 三千多, how a bare
rate is read …) are written down in docs/quantities.md.
Evaluation and benchmark: ``python -m bot.nlu.quantities --help``.
"""

from bot.nlu.quantities.durations import DAYS_PER_MONTH, DAYS_PER_YEAR, duration_days, iso_duration
from bot.nlu.quantities.extract import (
    AMOUNT,
    ANNUAL_RATE,
    DAILY_RATE,
    DAY_OF_MONTH,
    DURATION,
    ENTITIES,
    INSTALLMENTS,
    Quantity,
    Reading,
    find_quantities,
    read_quantities,
)
from bot.nlu.quantities.numerals import format_decimal
from bot.nlu.quantities.parsers import (
    parse_amount,
    parse_annual_rate,
    parse_daily_rate,
    parse_day_of_month,
    parse_duration,
    parse_installments,
)
from bot.nlu.textnorm import normalize_text

__all__ = [
    "normalize_text",
    "find_quantities",
    "Quantity",
    "read_quantities",
    "Reading",
    "parse_amount",
    "parse_duration",
    "duration_days",
    "parse_daily_rate",
    "parse_annual_rate",
    "parse_installments",
    "parse_day_of_month",
    "iso_duration",
    "format_decimal",
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "ENTITIES",
    "AMOUNT",
    "DURATION",
    "DAILY_RATE",
    "ANNUAL_RATE",
    "INSTALLMENTS",
    "DAY_OF_MONTH",
]
