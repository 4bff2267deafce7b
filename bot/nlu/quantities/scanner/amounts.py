"""Amounts of money: a currency sign, a money unit, 毛 / 分, and numbers with no unit.

See the ``amount`` section of docs/quantities.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional, Tuple

from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, format_decimal, scan_numeral
from bot.nlu.quantities.quantity import AMOUNT
from bot.nlu.quantities.scanner.patterns import (
    _HALF,
    _HUNDREDTH,
    _NOT_APPROX_AFTER_DUO,
    _STRIP_RE,
    _TENTH,
)
from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter

_CURRENCY_PREFIX_RE = re.compile(r"(?:¥|rmb|cny|人民币)[ ]?", re.IGNORECASE)
_FOREIGN_PREFIX_RE = re.compile(r"(?:us\$|hk\$|\$|€|£|usd|hkd|eur)[ ]?", re.IGNORECASE)
#: six digits that are three shares of ten adding up to 100 name a budget split (503020 = 50/30/20)
_BUDGET_SPLIT_RE = re.compile(r"([1-9]0)([1-9]0)([1-9]0)")
_SLANG_TAIL_RE = re.compile(r"(?:[\W_]|啦|了|哈|呀|啊|哦|喽|咯|吧|哟|呢)*")


class AmountReading:
    """Money: ¥300, 300元, 5块5, 五毛, and bare numbers that read as money."""

    def currency(self, i: int) -> Optional[int]:
        foreign = _FOREIGN_PREFIX_RE.match(self.s, i)
        if foreign and self.char(foreign.end()) in NUMERAL_START:
            if _is_ascii_letter(self.char(i - 1)):
                return None
            num = scan_numeral(self.s, foreign.end())
            return num.end if num else None
        m = _CURRENCY_PREFIX_RE.match(self.s, i)
        if not m or (_is_ascii_letter(self.char(i - 1)) and self.s[i] != "¥"):
            return None
        num = scan_numeral(self.s, m.end())
        if num is None or num.digit_string or (num.arabic and num.int_digits >= 11):
            return None
        num = self.merge_range(num)
        end, value = self.money_tail(num, num.end)
        return self.emit(AMOUNT, i, end, format_decimal(value))

    def money_tail(self, num: Numeral, k: int) -> Tuple[int, Decimal]:
        """Units after a number already known to be money: 多, 元/块(钱), 5毛 … ."""
        value = num.value
        u = k
        if (
            self.char(u) == "多"
            and self.char(u + 1) not in _NOT_APPROX_AFTER_DUO
            and (num.has_magnitude or num.value >= 10)
        ):
            u += 1
        m = self.words.money_unit_re.match(self.s, u)
        if not m:
            return u, value
        end = m.end()
        if m.group() in ("块", "元", "圆") and u == k:
            minor, end = self.minor_after_major(end)
            value += minor
        return end, value

    def money(self, i: int, num: Numeral, k: int, u: int, approx_char: str) -> Optional[int]:
        s = self.s
        m = self.words.money_unit_re.match(s, u)
        if m:
            end = m.end()
            if m.group() == "块" and self.char(end) == "儿":
                return end  # 一块儿 = together
            value = num.value
            if m.group() in ("块", "元", "圆") and not approx_char:
                minor, end = self.minor_after_major(end)
                value += minor
            return self.emit(AMOUNT, i, end, format_decimal(value))
        if approx_char:
            return None
        c = self.char(k)
        if c in ("毛", "角") and num.is_integer and num.value < 100:
            end = k + 1
            if self.char(end) == "钱":
                end += 1
            value = num.value * _TENTH
            fen, end = self.fen_after(end)
            return self.emit(AMOUNT, i, end, format_decimal(value + fen))
        if s.startswith("分钱", k) and num.is_integer and num.value < 100:
            if s[num.start : num.end] == "一" and self.char(k + 2) in ("都", "也"):
                return k + 2  # 一分钱都没有: "not a single cent", an idiom
            return self.emit(AMOUNT, i, k + 2, format_decimal(num.value * _HUNDREDTH))
        if self.words.foreign_unit_re.match(s, u):
            return self.words.foreign_unit_re.match(s, u).end()
        return None

    def minor_after_major(self, p: int) -> Tuple[Decimal, int]:
        """What follows 块 / 元: 半, 5毛(钱), 5角2分, a bare 5 (5块5 = 5.5)."""
        if self.char(p) == "半":
            return _HALF, p + 1
        num = self._single_digit(p)
        if num is None:
            return Decimal(0), p
        q = num.end
        c = self.char(q)
        if c in ("毛", "角"):
            q += 1
            if self.char(q) == "钱":
                q += 1
            fen, q = self.fen_after(q)
            return num.value * _TENTH + fen, q
        if c == "分" and self.char(q + 1) != "钟":
            q += 1
            if self.char(q) == "钱":
                q += 1
            return num.value * _HUNDREDTH, q
        if self._ends_bare_digit(q):
            return num.value * _TENTH, q
        return Decimal(0), p

    def fen_after(self, p: int) -> Tuple[Decimal, int]:
        """分 after 毛 / 角: 5毛2分, 五毛五."""
        num = self._single_digit(p)
        if num is None:
            return Decimal(0), p
        q = num.end
        if self.char(q) == "分" and self.char(q + 1) != "钟":
            q += 1
            if self.char(q) == "钱":
                q += 1
            return num.value * _HUNDREDTH, q
        if self._ends_bare_digit(q):
            return num.value * _HUNDREDTH, q
        return Decimal(0), p

    def _single_digit(self, p: int) -> Optional[Numeral]:
        num = scan_numeral(self.s, p)
        if num is None or num.has_magnitude or num.digit_string or num.has_decimal or num.is_range:
            return None
        if num.end - num.start != 1:
            return None
        return num

    def bare(self, i: int, num: Numeral, u: int, unit_free: bool = False) -> int:
        """A number with no unit: money if written in digits or with 百/千/万/亿.

        ``unit_free``: what follows is known not to be the number's unit (a rate cue).
        """
        if u > num.end and self.char(u - 1) == " ":
            u = num.end  # a space after the number is not part of it
        c = "" if unit_free else self.char(u)
        consumed = u if u > num.end else num.end
        word = self.s[num.start : num.end]
        if num.arabic and word in self.words.slang_numbers and self._slang_position(num):
            return consumed  # "我要下了，88": bye-bye
        split = (
            _BUDGET_SPLIT_RE.fullmatch(self.s, num.start, num.end)
            if num.arabic and not self._signed(num.start)  # "-108010": money, negative
            else None
        )
        if split and sum(int(share) for share in split.groups()) == 100:
            return consumed  # "503020是什么意思": the 50/30/20 budget rule, not 503,020 yuan
        if c == "分" and not self._installment_after(u):
            return consumed  # 650分: a score; 十分: "very"
        if c and c != "分" and (c in self.words.bare_blockers or _is_ascii_letter(c)):
            return consumed
        if num.arabic:
            if word in self.words.hotlines and not self._alone(num.start, num.end):
                return consumed  # 打95188没人接
            if num.leading_zero or num.value == 0:
                return consumed  # 007, 额度为0
            if num.value < 10 and not num.has_decimal and not self._alone(num.start, num.end):
                return consumed  # a lone small digit in a sentence is a label, not money
        elif not num.large_magnitude:
            return consumed  # 十五, 一, 两: not money without a unit
        return self.emit(AMOUNT, i, u, format_decimal(num.value))

    def _slang_position(self, num: Numeral) -> bool:
        """Slang numbers stand at the start, after punctuation or after a thanks / goodbye word
        ("好的88"), and end the message."""
        before = self.char(num.start - 1)
        if (
            before
            and not _STRIP_RE.fullmatch(before)
            and not self.words.slang_before_re.search(self.s, max(0, num.start - 6), num.start)
        ):
            return False
        return self.n - num.end <= 12 and _SLANG_TAIL_RE.fullmatch(self.s, num.end) is not None
