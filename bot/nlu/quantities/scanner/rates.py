"""Daily and annual interest rates: a cue word and its value, 万分之五, 万五, and percentages.

See the ``daily_rate`` / ``annual_rate`` section of docs/quantities.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, format_decimal, scan_numeral
from bot.nlu.quantities.quantity import (
    ANNUAL_RATE,
    DAILY_RATE,
    MONTHLY_CHARGE,
    MONTHLY_RATE,
    Quantity,
)
from bot.nlu.quantities.scanner.patterns import _HALF, _HUNDREDTH, _TENTH
from bot.nlu.quantities.vocabulary import vocabulary
from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter

_SPACE_ONLY_RE = re.compile(r"[ \t:]*")
#: per-day / per-year words after a rate without a cue (0.05%/天, 万分之四的日息)
_RATE_SUFFIX_RE = re.compile(
    r"(?P<slash>[ ]?/[ ]?(?:(?P<sd>天|日|day)|(?P<sy>年|year)))"
    r"|的?(?:(?P<wd>每天|每日|一天|日息|日利率|日利息|日费率|日化)|(?P<wy>每年|年化利率|年化|年利率|年息|年费率))",
    re.IGNORECASE,
)
_RATE_WORD_RE = re.compile(r"([百千万])分之")
#: words anywhere in a message that make a percentage with no cue an interest rate
#: (超过24%算高利贷吗, 百分之18的利率): annual words, and neutral ones, after which under 1 % is
#: daily as after a cue
_ANNUAL_CONTEXT_RE = re.compile(r"年化|年利|年息|高利贷|apr", re.IGNORECASE)
_NEUTRAL_CONTEXT_RE = re.compile(r"利率|利息")
#: before a percentage (fillers skipped): a payment, a change, a fee or a base makes it a share of
#: something, not an interest rate ("还了50%", "首付30%", "上浮50%", "手续费0.6%", "本金的30%")
_SHARE_BEFORE_RE = re.compile(
    r"(?:还|付|交|浮|涨|降|减|免|少|多|打|占|剩|完成|提高|增加|优惠|返|扣|费|税|的|比|率|金|险)$"
)
#: after a percentage: 的 + anything but a rate word makes it a share ("30%的工资")
_SHARE_AFTER_RE = re.compile(r"[ ]?的(?!年化|年利|年息|利率|利息|高利贷|日息|日利|息|利)")
_PER_BASE = {"百": Decimal(100), "千": Decimal(1000), "万": Decimal(10000)}
#: after 万五 (no cue before it) these words make it a daily rate: 万五的利息
_WAN_RATE_AFTER_RE = re.compile(r"的?(?:利息|利率|日息|日利率|利|息)")


@dataclass(frozen=True)
class _Rate:
    end: int
    fraction: Decimal
    shape: str  # "percent", "per" (百/千/万分之), "wan" (万五), "bare"


#: what one traditional 分 is, by the period of the cue (one 厘 is a tenth of it):
#: 年息1分 = 10 %/year, 月息1分 = 1 %/month, 日息1分 = 1 ‰/day
_FEN_BY_PERIOD = {"annual": Decimal("0.1"), "monthly": Decimal("0.01"), "daily": Decimal("0.001")}


def _traditional_rate(s: str, num: Numeral, fen: Decimal) -> Optional[_Rate]:
    """一分八, 1分, 1.5分, 一分半, 五厘, 三厘五, 一分八厘 after ``num`` (already read)."""
    n = len(s)
    k = num.end
    if num.large_magnitude or num.value <= 0 or k >= n:
        return None
    unit = s[k]
    nxt = s[k + 1] if k + 1 < n else ""
    if unit == "分" and nxt not in ("钟", "钱", "之", "期"):
        value, step, minor = num.value, _TENTH, "厘"  # in 分; a digit after it is in 厘
    elif unit == "厘" and nxt != "米":
        value, step, minor = num.value * _TENTH, _HUNDREDTH, "毫"
    else:
        return None
    end = k + 1
    if not num.has_decimal and end < n:
        if s[end] == "半" and unit == "分":
            value, end = value + _HALF, end + 1
        else:
            tail = scan_numeral(s, end, digit_strings=False)
            after = s[tail.end] if tail is not None and tail.end < n else ""
            money_unit = vocabulary().money_unit_re
            if (
                tail is not None
                and tail.end == end + 1
                and not tail.has_magnitude
                and (
                    tail.end >= n
                    or (
                        after not in NUMERAL_START
                        and after not in "万千百kKwW.%"
                        and not money_unit.match(s, tail.end)
                    )
                )
            ):
                value, end = value + tail.value * step, tail.end
                if end < n and s[end] == minor:
                    end += 1
    return _Rate(end, value * fen, "traditional")


def read_rate(s: str, j: int, cue: str, traditional: bool = False) -> Optional[_Rate]:
    """Read a rate value at ``s[j]`` (normalised text) after a cue of kind ``cue``.

    ``cue`` is one of ``daily``, ``dailyweak``, ``annual``, ``annualweak``,
    ``monthly``, ``neutral`` or ``none``.  Bare numbers are only read after the
    strong daily / annual cues (docs/quantities.md says how they are read).
    ``traditional``: the cue is an interest word naming its period (日息, 年利率, 月息 …),
    so 分 / 厘 after the number are rate units (年息一分八 = 18 %, 日息三厘 = 0.03 %).
    """
    n = len(s)
    if j >= n:
        return None
    m = _RATE_WORD_RE.match(s, j)
    if m:
        num = scan_numeral(s, m.end(), digit_strings=False)
        if num is None or num.digit_string:
            return None
        return _Rate(num.end, num.value / _PER_BASE[m.group(1)], "per")
    if s[j] == "万" and cue in ("daily", "dailyweak", "neutral"):
        num = scan_numeral(s, j + 1, digit_strings=False)
        if num is None or num.digit_string or num.has_magnitude or num.value >= 100:
            return None
        if num.end < n and (s[num.end] in "毛角%" or vocabulary().money_unit_re.match(s, num.end)):
            return None  # 万五块 is money, not a rate
        return _Rate(num.end, num.value / _PER_BASE["万"], "wan")
    num = scan_numeral(s, j, digit_strings=False)
    if num is None or num.digit_string:
        return None
    if traditional and cue in _FEN_BY_PERIOD and num.end < n and s[num.end] in "分厘":
        return _traditional_rate(s, num, _FEN_BY_PERIOD[cue])
    k = num.end + 1 if num.end < n and s[num.end] == " " else num.end
    if k < n and s[k] == "%":
        return _Rate(k + 1, num.value / 100, "percent")
    # a bare number only after a strong cue, and only when no unit follows
    if num.end < n and (
        s[num.end] in vocabulary().bare_blockers
        or s[num.end] in "万千百kKwW"
        or vocabulary().money_unit_re.match(s, num.end)
        or _is_ascii_letter(s[num.end])
    ):
        return None
    v = num.value
    if cue == "daily":
        if 0 < v < Decimal("0.005"):
            return _Rate(num.end, v, "bare")
        if Decimal("0.005") <= v <= 1:
            return _Rate(num.end, v / 100, "bare")
    if cue == "annual" and 1 <= v <= 100:
        return _Rate(num.end, v / 100, "bare")
    return None


def _rate_entity(cue: str, rate: _Rate) -> Optional[str]:
    if cue in ("daily", "dailyweak"):
        return DAILY_RATE
    if cue in ("annual", "annualweak"):
        return ANNUAL_RATE
    if cue == "neutral":
        daily = rate.shape == "wan" or rate.fraction < Decimal("0.01")
        return DAILY_RATE if daily else ANNUAL_RATE
    return None  # monthly rates are not contract entities


class RateReading:
    """Rates after a cue (日息万五, 年化18%), rate words (万分之五) and cue-less percentages."""

    def rate_with_cue(self, i: int) -> Optional[int]:
        m = self.words.rate_cue_re.match(self.s, i)
        if not m:
            return None
        if m.group().isascii() and _is_ascii_letter(self.char(i - 1)):
            return None  # "daily" / "apr" inside a longer English word
        cue = m.lastgroup
        word = m.group().lower()
        traditional = word in self.words.traditional_cues
        filler = self.words.filler_re.match(self.s, m.end())
        j = filler.end()
        rate = read_rate(self.s, j, cue, traditional)
        if rate is None and j > m.end():
            j = m.end()
            rate = read_rate(self.s, j, cue, traditional)
        if rate is None:
            return None
        entity = _rate_entity(cue, rate)
        if entity is None:
            # a monthly rate: consumed, not reported; set aside for the form parsers
            kind = MONTHLY_RATE if word in self.words.monthly_interest_cues else MONTHLY_CHARGE
            start = i if _SPACE_ONLY_RE.fullmatch(self.s, m.end(), j) else j
            self.withheld.append(
                Quantity(
                    kind,
                    start,
                    rate.end,
                    self.text[start : rate.end],
                    format_decimal(rate.fraction),
                )
            )
            return rate.end
        start = i if _SPACE_ONLY_RE.fullmatch(self.s, m.end(), j) else j
        return self.emit(entity, start, rate.end, format_decimal(rate.fraction))

    def rate_word(self, i: int) -> Optional[int]:
        if not _RATE_WORD_RE.match(self.s, i):
            if self.s[i] == "万":
                rate = read_rate(self.s, i, "daily")  # 万五的利息: the rate word comes after
                if (
                    rate is not None
                    and rate.shape == "wan"
                    and _WAN_RATE_AFTER_RE.match(self.s, rate.end)
                ):
                    return self.emit(DAILY_RATE, i, rate.end, format_decimal(rate.fraction))
            return None
        rate = read_rate(self.s, i, "none")
        if rate is None:
            return None
        return self.cueless_rate(i, rate, daily_default=self.s[i] == "万")

    def cueless_rate(self, i: int, rate: _Rate, daily_default: bool) -> int:
        """A rate with no cue before it: a per-day / per-year word after it decides."""
        sm = _RATE_SUFFIX_RE.match(self.s, rate.end)
        end = rate.end
        entity = DAILY_RATE if daily_default else None
        if sm:
            entity = DAILY_RATE if (sm.group("sd") or sm.group("wd")) else ANNUAL_RATE
            if sm.group("slash"):
                end = sm.end()
        if entity is None:
            entity = self._rate_by_context(i, rate)
        if entity is None:
            return rate.end  # a percentage of something else: consumed, not reported
        self.emit(entity, i, end, format_decimal(rate.fraction))
        return max(end, sm.end()) if sm else end

    def _rate_by_context(self, i: int, rate: _Rate) -> Optional[str]:
        """A percentage with no cue in a message about interest ("超过24%算高利贷吗", "百分之18的
        利率"): annual, or after only 利率 / 利息 words daily when under 1 %; not a share of
        something ("还了50%", "首付30%", "30%的工资")."""
        s = self.s
        annual = _ANNUAL_CONTEXT_RE.search(s)
        if not annual and not _NEUTRAL_CONTEXT_RE.search(s):
            return None
        fillers = self.words.fillers_before_re.search(s, max(0, i - 12), i)
        before = fillers.start() if fillers else i
        if _SHARE_BEFORE_RE.search(s, max(0, before - 2), before) or _SHARE_AFTER_RE.match(
            s, rate.end
        ):
            return None
        if annual or rate.fraction >= Decimal("0.01"):
            return ANNUAL_RATE
        return DAILY_RATE

    def _rate_follows(self, k: int) -> bool:
        """A rate cue with its value starts at ``k``."""
        m = self.words.rate_cue_re.match(self.s, k)
        if not m:
            return False
        traditional = m.group().lower() in self.words.traditional_cues
        after_fillers = self.words.filler_re.match(self.s, m.end()).end()
        return (
            read_rate(self.s, after_fillers, m.lastgroup, traditional) is not None
            or read_rate(self.s, m.end(), m.lastgroup, traditional) is not None
        )

    def _rate_question_follows(self, k: int, num: Numeral) -> bool:
        """A daily / annual cue with no value after a number of money size: "3万年化多少",
        "5万年利息多少", "借500日息多少".  年 / 日 start the cue; a year stays a year
        ("2025年利率"), except before 年化, which never follows a year."""
        m = self.words.rate_cue_re.match(self.s, k)
        if not m or m.lastgroup not in ("daily", "annual") or self.s[k] not in "年日":
            return False
        if num.value < 100 or num.digit_string:
            return False  # 一年利息, 15日: the number's own unit
        if self.s.startswith("年化", k):
            return True
        return not (num.arabic and num.int_digits == 4 and 1900 <= num.value <= 2100)
