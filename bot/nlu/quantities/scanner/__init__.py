"""The scanner: one pass over a message, left to right, trying each reader at each position.

At each position it tries, in this order: digit groups that are identifiers (phone numbers,
hotlines, dates and times written with separators, :mod:`.context`), a rate introduced by a cue
word, a rate word without a cue (:mod:`.rates`), a currency sign (:mod:`.amounts`), 每月N号
(:mod:`.days`), 分N期 (:mod:`.counts`), 半年 / 几天 (:mod:`.durations`), and finally a number,
which is classified by the words around it (:mod:`.numbers`).  Whatever a reader recognises is
consumed, so results never overlap.  The rules are in docs/quantities.md.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import List, Optional

from bot.nlu.quantities.durations import DAYS_PER_MONTH, DAYS_PER_YEAR, parse_iso_parts
from bot.nlu.quantities.quantity import AMOUNT, DURATION, INSTALLMENTS, Quantity
from bot.nlu.quantities.scanner.amounts import AmountReading
from bot.nlu.quantities.scanner.base import ScannerBase
from bot.nlu.quantities.scanner.context import _SEPARATED_DIGITS_RE, ContextCues
from bot.nlu.quantities.scanner.counts import CountReading
from bot.nlu.quantities.scanner.days import DayReading
from bot.nlu.quantities.scanner.durations import DurationReading
from bot.nlu.quantities.scanner.numbers import NumberReading
from bot.nlu.quantities.scanner.patterns import _RANGE_SEP_RE
from bot.nlu.quantities.scanner.rates import RateReading

__all__ = ["Scanner"]
_RANGE_ENTITIES = frozenset({AMOUNT, DURATION, INSTALLMENTS})


def _range_key(quantity: Quantity):
    """What orders two quantities of one kind: yuan, days (months of 30), or a count."""
    if quantity.entity == DURATION:
        p = parse_iso_parts(quantity.value)
        if p is None:
            return Decimal(0)
        days = p["y"] * DAYS_PER_YEAR + p["mo"] * DAYS_PER_MONTH + p["w"] * 7 + p["d"]
        return days * 86400 + p["h"] * 3600 + p["mi"] * 60 + p["s"]
    return Decimal(quantity.value)


class Scanner(
    NumberReading,
    RateReading,
    AmountReading,
    DurationReading,
    CountReading,
    DayReading,
    ContextCues,
    ScannerBase,
):
    """Reads the quantities of one message: ``Scanner(text).run()``."""

    def run(self) -> List[Quantity]:
        s, n = self.s, self.n
        triggers = self.words.triggers
        i = 0
        while i < n:
            if s[i] in triggers:
                before = len(self.found)
                end = self.match_at(i)
                if end is not None and end > i:
                    if len(self.found) > before:
                        end = self.extend_range(end)
                    i = end
                    continue
            i += 1
        return self.found

    def extend_range(self, end: int) -> int:
        """ "3000元到6000元", "两个月到三个月", "6期到12期": a second quantity of the same kind,
        larger, after 到 / 至 / - / ~ / — makes the first a range; it keeps its (lower) value and
        its span grows over the second.  Returns where scanning goes on."""
        first = self.found[-1]
        if first.end != end or first.entity not in _RANGE_ENTITIES:
            return end
        sep = _RANGE_SEP_RE.match(self.s, end)
        if not sep or sep.end() >= self.n or self.s[sep.end()] not in self.words.triggers:
            return end
        mark = len(self.found)
        stop = self.match_at(sep.end())
        added = self.found[mark:]
        del self.found[mark:]
        if (
            stop is None
            or len(added) != 1
            or added[0].entity != first.entity
            or added[0].start != sep.end()
            or added[0].end != stop
            or not _range_key(first) < _range_key(added[0])
        ):
            return end  # not a range: the scanner reads what follows on its own
        self.found[-1] = replace(first, end=stop, text=self.text[first.start : stop])
        return stop

    def match_at(self, i: int) -> Optional[int]:
        ch = self.s[i]
        if "0" <= ch <= "9" or ch == "+":
            m = _SEPARATED_DIGITS_RE.match(self.s, i)
            if m and not ("0" <= self.char(i - 1) <= "9"):
                return m.end()
        for matcher in (
            self.rate_with_cue,
            self.rate_word,
            self.currency,
            self.every_month_day,
            self.installments_with_fen,
            self.half_duration,
            self.few_duration,
            self.number,
        ):
            end = matcher(i)
            if end is not None:
                return end
        return None
