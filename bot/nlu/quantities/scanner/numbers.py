"""A number with no cue before it: what kind of quantity the words after it make it.

:meth:`NumberReading.classify` is the dispatcher: a percentage, a time of day, a year, a plan
length, a day of the month, a duration, money, or a bare number.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Optional

from bot.nlu.quantities.numerals import Numeral, format_decimal, scan_numeral
from bot.nlu.quantities.quantity import AMOUNT
from bot.nlu.quantities.scanner.context import _RULE_NAME_RE
from bot.nlu.quantities.scanner.patterns import (
    _DURATION_UNIT_RE,
    _NOT_APPROX_AFTER_DUO,
)
from bot.nlu.quantities.scanner.rates import _Rate
from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter

_TIME_TAIL_RE = re.compile(r"点(?:钟|半|[0-9]{1,2}分?|[零一二三四五六七八九十]{1,3}分?)?")
_BLOCKED_UNIT_RE = re.compile(
    r"个?(?:期|天|月|年|周|星期|次|笔|名|号|日|季度|季|位|条|章|节|页|项|张)?"
)
_ALNUM_TAIL_RE = re.compile(r"[0-9A-Za-z.]*")
#: words before a number that make it an operand, not money: 乘365
_OPERATOR_BEFORE_RE = re.compile(r"(?:乘以|除以|乘|除|[×x*÷])[ ]?$", re.IGNORECASE)
#: characters before a lone 一 that make it "the same / that one" rather than a count
_NOT_COUNT_BEFORE = frozenset("同统某任每哪这那唯单成")
#: before 前 / 后 + 一天 (一个月 …): a date ("到期前一天", "还款日的前一天") or a word that
#: shifts by a length of time ("提前一天", "延后一天", "往后推"); otherwise 前一天 / 后一天 name
#: a day
_SHIFT_ANCHOR_RE = re.compile(
    r"(?:提|往|向|之|以|推|延|退|滞|错|挪|靠|今|此|日|期|号|款|止|账|单)的?$"
)


class NumberReading:
    """A number found on its own, classified by the words around it."""

    def number(self, i: int) -> Optional[int]:
        s = self.s
        num = scan_numeral(s, i)
        if num is None:
            return None
        if "0" <= s[i] <= "9" and "0" <= self.char(i - 1) <= "9":
            return num.end  # the tail of a digit group already rejected
        if self.char(i - 1) == "几":
            unit = _DURATION_UNIT_RE.match(s, num.end) or self.words.money_unit_re.match(s, num.end)
            return unit.end() if unit else num.end  # 几十万, 几十天: the multiplier is unknown
        if self.left_blocked(i):
            end = num.end
            if _is_ascii_letter(self.char(i - 1)):
                return _ALNUM_TAIL_RE.match(s, end).end()
            return _BLOCKED_UNIT_RE.match(s, end).end()
        if (num.arabic and num.int_digits >= 11) or (num.digit_string and num.end - num.start >= 7):
            return num.end  # phone / account numbers
        if self.char(num.end) in ("\ufe0f", "\u20e3"):
            return num.end  # keycap emoji 1️⃣
        rule = _RULE_NAME_RE.match(s, num.end)
        if rule:
            return rule.end()  # 503020法则, 50 30 20法则, 21天法则: the name of a rule
        num = self.merge_range(num)
        if self._signed(i):
            # "-500", "负五千": a negative value is no contract value; a signed amount is set aside
            # so that a form that asked for money can say why it cannot take it
            mark = len(self.found)
            end = self.classify(i, num)
            for q in self.found[mark:]:
                if q.entity == AMOUNT:
                    self.withheld.append(
                        replace(
                            q,
                            start=i - 1,
                            text=self.text[i - 1 : q.end],
                            value=format_decimal(-Decimal(q.value)),
                        )
                    )
            del self.found[mark:]
            return end
        return self.classify(i, num)

    def classify(self, i: int, num: Numeral) -> int:
        s, n = self.s, self.n
        j = num.end
        k = j + 1 if self.char(j) == " " and j + 1 < n else j
        c = self.char(k)
        if c == "%":
            rate = _Rate(k + 1, num.value / 100, "percent")
            return self.cueless_rate(i, rate, daily_default=False)
        if self.char(j) == "点" and num.is_integer and num.value <= 24 and not num.is_range:
            return _TIME_TAIL_RE.match(s, j).end()  # a time of day (3点, 三点半) or 一点 = "a bit"
        if _OPERATOR_BEFORE_RE.search(s, max(0, i - 3), i):
            return j  # 乘365: an operand
        if s[num.start : num.end] == "一" and (
            self.char(i - 1) in _NOT_COUNT_BEFORE
            or s.startswith("最后", i - 2)
            or (
                i > 0
                and s[i - 1] in "前后"
                and not _SHIFT_ANCHOR_RE.search(s, max(0, i - 3), i - 1)
            )
        ):
            unit = _DURATION_UNIT_RE.match(s, j)
            # 同一天, 最后一个月, 算前一天还是后一天: which one, not how many
            return unit.end() if unit else j
        if self._rate_follows(k) or self._rate_question_follows(k, num):
            # 1.2万日利率0.05%, 3万年化14.4%: the unit belongs to the cue
            return self.bare(i, num, j, unit_free=True)
        # 多 / 余 / 来 / 出头 right after the number (not after a space: "6000 多出多少"):
        # a lower bound
        u = k
        approx_char = ""
        if (
            k == j
            and c in ("多", "余", "来")
            and (self.char(k + 1) not in _NOT_APPROX_AFTER_DUO)
            and (num.has_magnitude or (num.arabic and num.value >= 10))
        ):
            approx_char, u = c, k + 1
            if c == "多" and s.startswith(("点儿", "一点", "点"), u):
                u += 2 if s.startswith(("点儿", "一点"), u) else 1  # 5000多点: a bit more than 5000
        elif (
            k == j
            and s.startswith("出头", k)
            and (num.has_magnitude or (num.arabic and num.value >= 10))
        ):
            approx_char, u = "出头", k + 2
        if s.startswith("年", u) and self._year_like(num):
            return u + 1  # a year
        if self._time_unit_of_another_word(num, u):
            return self.bare(i, num, u, unit_free=True)  # 3万月供, 8000 月入, 1万 天天被催: money
        if num.digit_string:
            return j
        if c == "期" and not approx_char:
            return self.installments_plain(i, num, k)
        if c in ("号", "日") and not approx_char:
            return self.day(i, num, k)
        if approx_char != "出头":
            end = self.duration(i, num, u, bool(approx_char))
            if end is not None:
                return end
            end = self.money(i, num, k, u, approx_char)
            if end is not None:
                return end
        if approx_char in ("余", "来"):
            u = k  # 来 / 余 without a unit are verbs ("借5000来还"), not part of the number
        return self.bare(i, num, u)

    @staticmethod
    def _year_like(num: Numeral) -> bool:
        if num.digit_string or (num.arabic and num.int_digits == 4):
            return True
        return not num.has_decimal and 1000 <= num.value <= 2200 and num.last_magnitude != 10_000
