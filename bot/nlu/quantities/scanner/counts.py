"""Installment counts (plan lengths): 分12期, 12期, 分期12, 能分24吗.

See the ``installments`` section of docs/quantities.md.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, scan_numeral
from bot.nlu.quantities.quantity import INSTALLMENTS
from bot.nlu.quantities.scanner.patterns import _STRIP_RE

_FEN_RE = re.compile(r"分(?:成|为|期|开)?[ ]?")
_INSTALLMENT_UNIT_RE = re.compile(r"[ ]?(?:期|个月|次)")
#: the longest plan a bare count after 分期 / 分 can name (分期12, 能分24吗; 分期500 is money)
_BARE_PLAN_MAX = 36
#: before a bare 分 + count: 分 is the verb "split into" (能分12吗, 我想分12), not 积分 / 十分 …
_FEN_VERB_BEFORE = frozenset("能以想要我就再先只还")
#: between two bare plan lengths: "分期12还是24"
_OR_RE = re.compile(r"[ ]?(?:还是|或者|或|和|跟|、|/)[ ]?")


class CountReading:
    """Plan lengths: 分12期, 6期, and a bare count after 分期 / 分."""

    def installments_with_fen(self, i: int) -> Optional[int]:
        m = _FEN_RE.match(self.s, i)
        if not m:
            return None
        num = scan_numeral(self.s, m.end())
        if (
            num is None
            or num.digit_string
            or num.has_decimal
            or not num.is_integer
            or not 2 <= num.value <= 999
        ):
            return None
        start = num.start if self.char(i - 1) in ("能", "以", "可") else i
        unit = _INSTALLMENT_UNIT_RE.match(self.s, num.end)
        if not unit:
            return self.bare_plan(i, m.group().strip(), num, start)
        if self.char(unit.end()) in self.words.installment_blockers:
            return None
        self.emit(INSTALLMENTS, start, unit.end(), str(int(num.value)))
        return unit.end()

    def bare_plan(self, i: int, word: str, num: Numeral, start: int) -> Optional[int]:
        """分期12, 能分24吗, 分期12还是24: a count with no unit after 分期 / 分成, or after 分 used
        as a verb, is a plan length when it is no more than :data:`_BARE_PLAN_MAX` and nothing
        follows that makes it money or another count (分期5000, 分期12块, 积分12)."""
        before = self.char(i - 1)
        verb = not before or before in _FEN_VERB_BEFORE or _STRIP_RE.fullmatch(before)
        if word == "分" and not verb:
            return None  # 积分12, 部分12: 分 is no verb here
        if word == "分开" or num.value > _BARE_PLAN_MAX or not self._ends_bare_digit(num.end):
            return None
        self.emit(INSTALLMENTS, start, num.end, str(int(num.value)))
        alt = _OR_RE.match(self.s, num.end)
        other = scan_numeral(self.s, alt.end()) if alt else None
        if (
            other is None
            or other.digit_string
            or other.has_decimal
            or not other.is_integer
            or not 2 <= other.value <= _BARE_PLAN_MAX
            or not self._ends_bare_digit(other.end)
        ):
            return num.end
        return self.emit(INSTALLMENTS, other.start, other.end, str(int(other.value)))

    def installments_plain(self, i: int, num: Numeral, k: int) -> int:
        end = k + 1
        if (
            num.has_decimal
            or not num.is_integer
            or not 2 <= num.value <= 999
            or self.char(i - 1) in ("这", "那", "哪", "本", "上", "下", "每")
            or self.char(end) in self.words.installment_blockers
        ):
            return end
        return self.emit(INSTALLMENTS, i, end, str(int(num.value)))

    def _installment_after(self, u: int) -> bool:
        m = _FEN_RE.match(self.s, u)
        return bool(m) and self.char(m.end()) in NUMERAL_START
