"""Context cues: words and signs around a number that make it no quantity or a negative one.

Identifiers written with separators (phone numbers, dates, times), identifier words before a number
(尾号, 验证码, 芝麻分 …), names of rules (502030法则), and a minus sign or 负 before a number.
"""

from __future__ import annotations

import re

from bot.nlu.quantities.numerals import NUMERAL_START
from bot.nlu.quantities.scanner.patterns import _STRIP_RE
from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter

_SEPARATED_DIGITS_RE = re.compile(
    r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"  # mobile phone
    r"|\+[0-9][0-9 -]{6,}[0-9](?![0-9])"  # international number
    r"|[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}(?![0-9])"  # 400 / 800 hotline
    r"|(?:1[0-2]|0?[1-9])-(?:3[01]|[12][0-9]|0?[1-9])(?![0-9])"  # 12-15: a month and day ...
    # ... unless a unit follows
    r"(?![ ]?(?:[-~到至]|元|块|天|个|期|号|日|万|千|百|[kKwW%]|周|年|小时|分|岁|次|笔))"
    r"|0[0-9]{2,3}-[0-9]{7,8}(?![0-9])"  # landline
    # 2026-01-15, 2026/1/15, 2026.1.15
    r"|[0-9]{4}(?:[-/][0-9]{1,2}(?:[-/][0-9]{1,2})?|\.[0-9]{1,2}\.[0-9]{1,2})(?![0-9])"
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9])"  # 15:30
    r"|[0-9]+(?:\.[0-9]+)?(?:/[0-9]+(?:\.[0-9]+)?)+"  # 1/15, 50/30/20
)
_ID_FILLER = frozenset("是为号 :#")
#: a number (maybe with more digit groups and a unit) that names a rule: 502030法则, 50 30 20法则,
#: 72法则, 503020预算法, 21天法则, 1万小时定律 — but not 原则上 ("in principle"), 法院, 法律 …
_RULE_NAME_RE = re.compile(
    r"(?:[ \-、,，/·.][0-9]{1,3}){0,5}"
    r"[ ]?(?:小时|分钟|天|周|个月|年|步|秒)?"
    r"(?:预算|理财|记账|存钱|攒钱|储蓄|分配|消费|投资|还款|还债|财务)?"
    r"(?:法则|规则|定律|定理|口诀|原则(?!上)|法(?![院律务官庭人定规典治条制警学师网]))"
)
_MINUS_SIGNS = frozenset("-−")
#: characters that end a quantity (units after a number)
_NUMBER_END_CHARS = frozenset("元块钱万千百kKwW%天月年期号日")


class ContextCues:
    """What the words around a number say about it."""

    def _signed(self, i: int) -> bool:
        """A minus sign or 负 right before the number at ``i``.  A dash counts as a sign at the
        start of the message or after a space, punctuation, 是 or 为; after a word it separates
        ("借呗-5000"), after a number it joins a range ("2000-3000")."""
        before = self.char(i - 1)
        if before == "负":
            return True
        if before not in _MINUS_SIGNS:
            return False
        prev = self.char(i - 2)
        before_space = self.char(i - 3)
        if prev == " " and (before_space in _NUMBER_END_CHARS or before_space in NUMERAL_START):
            return False  # "8000 -3000": a subtraction or a list, not a sign
        return (
            not prev
            or prev in "是为"
            or bool(_STRIP_RE.fullmatch(prev))
            and prev not in _MINUS_SIGNS
        )

    def left_blocked(self, i: int) -> bool:
        before = self.char(i - 1)
        if before == "第" or (before == " " and self.char(i - 2) == "第"):
            return True
        if before and _is_ascii_letter(before):
            # iPhone15, v2 … — but the k / w of an amount just read is its unit ("借2w一个月")
            return not (before in "kKwW" and self.found and self.found[-1].end == i)
        if before == "." and "0" <= self.char(i - 2) <= "9":
            return True
        j = i
        while True:  # skip back over 是 / 为 / : …, checking for an identifier word at each step
            if self.s[max(0, j - 4) : j].lower().endswith(self.words.identifier_words):
                return True
            if j <= max(0, i - 4) or self.s[j - 1] not in _ID_FILLER:
                return False
            j -= 1
