"""Days of the month: 每月15号, 15号, 1日 (and 30日内, which is a duration).

See the ``day_of_month`` section of docs/quantities.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from bot.nlu.quantities.durations import iso_duration
from bot.nlu.quantities.numerals import Numeral, scan_numeral
from bot.nlu.quantities.quantity import DAY_OF_MONTH, DURATION

_EVERY_MONTH_RE = re.compile(r"每(?:个)?月(?:的)?[ ]?")
_WITHIN_RE = re.compile(r"内|之内|以内")


class DayReading:
    """Days of the month: 每月15号, 15号, 12月1日."""

    def every_month_day(self, i: int) -> Optional[int]:
        m = _EVERY_MONTH_RE.match(self.s, i)
        if not m:
            return None
        num = scan_numeral(self.s, m.end())
        if num is None or not self._day_number(num):
            return None
        k = num.end
        if (
            self.char(k) == "号"
            and self.char(k + 1) not in self.words.day_blockers
            or self.char(k) == "日"
            and not _WITHIN_RE.match(self.s, k + 1)
        ):
            return self.emit(DAY_OF_MONTH, i, k + 1, str(int(num.value)))
        return None

    @staticmethod
    def _day_number(num: Numeral) -> bool:
        return (
            not num.digit_string and not num.has_decimal and num.is_integer and 1 <= num.value <= 31
        )

    def day(self, i: int, num: Numeral, k: int) -> int:
        end = k + 1
        if num.has_decimal or not num.is_integer:
            return end
        v = int(num.value)
        if self.s[k] == "号":
            if self._day_number(num) and self.char(end) not in self.words.day_blockers:
                return self.emit(DAY_OF_MONTH, i, end, str(v))
            return end
        if _WITHIN_RE.match(self.s, end) or v > 31:
            if v >= 1:
                return self.emit(DURATION, i, end, iso_duration(days=Decimal(v)))
            return end
        if self._day_number(num):
            return self.emit(DAY_OF_MONTH, i, end, str(v))
        return end
