"""The state of one scan (the normalised text, what was found) and helpers all readers use."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import List, Optional

from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, scan_numeral
from bot.nlu.quantities.quantity import Quantity
from bot.nlu.quantities.scanner.patterns import _RANGE_SEP_RE, _STRIP_RE
from bot.nlu.quantities.vocabulary import vocabulary
from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter
from bot.nlu.textnorm import normalize_text

_GROUPED_MONEY_RE = re.compile(
    r"[0-9]{3}(?:[,，][0-9]{3})*(?![0-9])[ ]?(?:元|块|万|千|rmb)", re.IGNORECASE
)


def _sentence_commas_kept(original: str, normalised: str) -> str:
    """Undo NFKC for a Chinese comma right after an ASCII digit ("还了500，200还没还" is two
    numbers) unless a money unit follows the digit groups ("1，200元").  "1,200" and a fully
    full-width "１，２００" group digits as usual."""
    if "，" not in original:
        return normalised
    chars = list(normalised)
    for p, ch in enumerate(original):
        if (
            ch == "，"
            and p > 0
            and "0" <= original[p - 1] <= "9"
            and not _GROUPED_MONEY_RE.match(original, p + 1)
        ):
            chars[p] = "，"
    return "".join(chars)


class ScannerBase:
    """The text being read, what was found so far, and small helpers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.s = _sentence_commas_kept(text, normalize_text(text))
        self.n = len(self.s)
        self.found: List[Quantity] = []
        #: read but not reported (see :func:`read_quantities`)
        self.withheld: List[Quantity] = []
        self._word_chars: Optional[List[int]] = None
        self.words = vocabulary()

    def emit(self, entity: str, start: int, end: int, value: str) -> int:
        self.found.append(Quantity(entity, start, end, self.text[start:end], value))
        return end

    def char(self, i: int) -> str:
        return self.s[i] if 0 <= i < self.n else ""

    def merge_range(self, num: Numeral) -> Numeral:
        """ "2000-3000", "两到三万", "5-10天": one quantity with the lower bound."""
        m = _RANGE_SEP_RE.match(self.s, num.end)
        if not m or num.digit_string:
            return num
        num2 = scan_numeral(self.s, m.end())
        if num2 is None or num2.digit_string:
            return num
        low = num.value
        if not num.has_magnitude and num2.ends_with_magnitude and num2.last_magnitude:
            scaled = low * num2.last_magnitude
            if scaled < num2.value:
                low = scaled
        if not low < num2.value:
            return num
        return replace(
            num2,
            start=num.start,
            value=low,
            is_range=True,
            arabic=num.arabic and num2.arabic,
            int_digits=max(num.int_digits, num2.int_digits),
            has_magnitude=num.has_magnitude or num2.has_magnitude,
            large_magnitude=num.large_magnitude or num2.large_magnitude,
            single_cn_digit=False,
            leading_zero=num.leading_zero,
        )

    def _ends_bare_digit(self, q: int) -> bool:
        c = self.char(q)
        if not c:
            return True
        if (
            c in self.words.bare_blockers
            or c in NUMERAL_START
            or c in "毛角元块钱万千百.,"
            or _is_ascii_letter(c)
        ):
            return False
        return True

    def _alone(self, start: int, end: int) -> bool:
        """``s[start:end]`` is all the message holds, apart from spaces, punctuation and emoji."""
        if self._word_chars is None:  # prefix counts of letters / digits / CJK, computed once
            counts = [0]
            for ch in self.s:
                counts.append(counts[-1] + (0 if _STRIP_RE.fullmatch(ch) else 1))
            self._word_chars = counts
        counts = self._word_chars
        return counts[start] == 0 and counts[self.n] == counts[end]
