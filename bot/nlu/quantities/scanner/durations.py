"""Lengths of time: 两个月, 一年零三天, 半年, 好几天.

See the ``duration`` section of docs/quantities.md; the ISO 8601 values are built in
:mod:`bot.nlu.quantities.durations`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from bot.nlu.quantities.durations import iso_duration
from bot.nlu.quantities.numerals import Numeral, scan_numeral
from bot.nlu.quantities.quantity import AMOUNT, DURATION
from bot.nlu.quantities.scanner.patterns import _DURATION_UNIT_RE, _HALF, _STRIP_RE

_DURATION_JOIN_RE = re.compile(r"零|又|加|[ ]")
_HALF_RE = re.compile(
    r"半(?P<ge>个)?(?P<more>多(?!少))?(?P<unit>年(?![级代纪])|月|小时|钟头|星期|礼拜)"
)
#: before 半天 / 几天 (几个月 …): a word of being late or putting off (and, before 几, of waiting),
#: which makes them a length of time: "晚了半天", "宽限几天", "等我几天", "过几天"; the overdue
#: words count before 几 only with 了 ("逾期了几天"; "逾期几天算不良" asks how many)
_LATE_BEFORE_RE = re.compile(
    r"(?:(?P<overdue>逾期|预期|途期|超期)|晚还|晚|迟还|迟|拖欠|拖|宽限|缓|延期|延后|延迟|推迟|推后|往后[推延挪调改]|推"
    r"|(?P<wait>(?<!要)等|(?<!要)过|隔))(?P<le>了)?(?:还|我|你们|你|个)?[ ]?$"
)
#: before 俩: people, so 俩 is "the two of them", not a count ("夫妻俩月入2万"); 我俩 stays a count
#: ("我俩月没还" is as often "I, two months")
_PEOPLE_BEFORE_RE = re.compile(
    r"(?:夫妻|两口子|我们|咱们|咱|他们|她们|你们|他|她|你|娘|母女|母子|父子|父女|哥|姐|兄弟|姐妹)$"
)
#: after 几天 (几个月 …): a state that lasts, so 几 counts ("几个月没还")
_LASTING_AFTER_RE = re.compile(r"(?:都|也)?[没未不]")
#: after 几天 (几个月 …) with no 了 before it: 几 asks how many ("晚几天算逾期", "等几天才能到账"),
#: unless a yes-no or other question word comes later (吗, 什么, 怎么: "晚几天会有影响吗")
_HOW_MANY_AFTER_RE = re.compile(r"[ ]?(?:才|能|可以|会|算|就)")
_OTHER_QUESTION_RE = re.compile(r"[吗么嘛]")
_UNIT_RANK = {
    "年": 6,
    "季度": 5.5,
    "月": 5,
    "星期": 4,
    "礼拜": 4,
    "周": 4,
    "天": 3,
    "自然日": 3,
    "小时": 2,
    "钟头": 2,
    "分钟": 1,
}
#: words before a bare month number that make it a length of time ("逾期3月")
_MONTH_CUE_RE = re.compile(
    r"(?:逾期|预期|途期|过期|超期|拖欠|拖了|拖|晚了|晚还|晚|超过|满|近|共|用了|借了|欠了|宽限)"
    r"(?:了|已经|快|都)?[ ]?$"
)
_MONTH_NAME_TAIL_RE = re.compile(r"份|初|底|中旬|上旬|下旬|中|末|里")
#: "一个月还3000", "一天打几十个电话": 一 + unit + a verb of what happens per unit
_PER_UNIT_AFTER_RE = re.compile(
    r"(?:最多|最少|只能|能|可以|大概|大约|平均|就|要|得|都|也|才|到底|至少|免费){0,2}"
    r"(?:还(?![完清上掉得不])|存|花|付|赚|挣|打|发|收(?!益)|扣|交|拿出|工资|收入|薪水|开销|查|好几|到晚|到头|[0-9]|"
    r"[一二三四五六七八九两][十百千万]|[一二三四五六七八九两几]次|几[十百千万块毛分元])"
)
#: "多少钱一天", "几块一个月": a price per unit of time, not a length of time
_PRICE_BEFORE_RE = re.compile(r"(?:多少|几)(?:块|元|毛)?钱?$")
_DURATION_VERB_BEFORE_RE = re.compile(
    r"(?:逾期|预期|途期|晚还|晚了|晚|拖了|拖|借了|借|用了|用|宽限|延期|延迟|延后|推迟|推后|提前|超过|超|满|前|往后|向后|期后|号后|款后|过了|了)$"
)


class _DurationParts:
    """Years / months / days / hours / minutes of a duration being read."""

    def __init__(self) -> None:
        self.years = Decimal(0)
        self.months = Decimal(0)
        self.days = Decimal(0)
        self.hours = Decimal(0)
        self.minutes = Decimal(0)

    def add(self, unit: str, value: Decimal) -> None:
        if unit == "年":
            self.years += value
        elif unit == "月":
            self.months += value
        elif unit == "季度":
            self.months += value * 3
        elif unit in ("星期", "礼拜", "周"):
            self.days += value * 7
        elif unit in ("天", "自然日"):
            self.days += value
        elif unit in ("小时", "钟头"):
            self.hours += value
        elif unit == "分钟":
            self.minutes += value

    def iso(self) -> str:
        return iso_duration(self.years, self.months, self.days, self.hours, self.minutes)


class DurationReading:
    """Durations: a number and a unit of time, 半年 / 半天, and 几天 ("a few days")."""

    def half_duration(self, i: int) -> Optional[int]:
        if self.s.startswith("半天", i):
            late = _LATE_BEFORE_RE.search(self.s, max(0, i - 8), i)
            if self._alone(i, i + 2) or (late and not late.group("wait")):
                return self.emit(DURATION, i, i + 2, "PT12H")  # 晚了半天, 晚还半天: half a day
            return i + 2  # 等了半天, 半天没到账: "a long while", an idiom
        m = _HALF_RE.match(self.s, i)
        if not m:
            return None
        if self.char(i - 1) in ("上", "下", "前", "后"):
            return m.end()  # 上半年: a period of the calendar, not a length of time
        unit = m.group("unit")
        parts = _DurationParts()
        parts.add(unit, _HALF)
        end = self.duration_tail(m.end(), _UNIT_RANK[unit], parts)
        return self.emit(DURATION, i, end, parts.iso())

    def few_duration(self, i: int) -> Optional[int]:
        if self.s[i] != "几":
            return None
        m = _DURATION_UNIT_RE.match(self.s, i + 1)
        if not m or m.group("more") or m.group("half"):
            return None
        unit, end = m.group("unit"), m.end("unit")
        if unit in ("月", "季度") and not m.group("ge"):
            return None  # 几月 is "which month", as 3月 is March
        if unit == "工作日":
            return end
        hao = self.char(i - 1) == "好" and not (self.found and self.found[-1].end > i - 1)
        start = i - 1 if hao else i
        if not self._says_a_few(start, i, end):
            return end  # 宽限期是几天, 几个月能还完, 这几天: how many, or which days
        parts = _DurationParts()
        parts.add(unit, Decimal(2))
        return self.emit(DURATION, start, end, parts.iso())

    def _says_a_few(self, start: int, i: int, end: int) -> bool:
        """几天 at ``i`` (好几天 from ``start``) to ``end`` says "a few days" rather than asking
        how many."""
        s = self.s
        if (
            start < i
            or self._alone(start, end)
            or (i >= 2 and s.startswith(("连续", "已经"), i - 2))
        ):
            return True  # 好几天, "几天", 连续几个月, 已经几天了
        if _LASTING_AFTER_RE.match(s, end):
            return True  # 几个月没还
        late = _LATE_BEFORE_RE.search(s, max(0, i - 8), i)
        if not late:
            return False
        if late.group("le"):
            return True  # 晚了几天, 逾期了几天: what happened
        if _OTHER_QUESTION_RE.search(s, end):
            return True  # 晚几天会有影响吗, 逾期几天会上征信吗: 几 is "a few" in a yes-no question
        # 逾期几天算不良, 我逾期几天了, 晚几天算逾期, 等几天才能到账: how many
        return not late.group("overdue") and not _HOW_MANY_AFTER_RE.match(s, end)

    def _time_unit_of_another_word(self, num: Numeral, u: int) -> bool:
        """A unit of time at ``u`` that the number cannot take, so it starts another word: 年 after
        1000 or more that is not a year ("欠8千 年底还"), any unit after a number written with
        万 / 亿 / w ("3万月供", "1万 天天被催"), a bare 月 after 100 or more ("8000月供", "月入8000
        月供3000") and a doubled 天天 / 月月 / 年年 ("every day": "欠3000天天被催",
        "一天天过去"); and 俩 after a word for people ("夫妻俩月入2万", "他俩天天吵")."""
        m = _DURATION_UNIT_RE.match(self.s, u)
        if not m:
            return False
        if self.s[num.start : num.end] == "俩" and _PEOPLE_BEFORE_RE.search(self.s, 0, num.start):
            return True  # 夫妻俩月入2万: the two of them, not two months
        unit = m.group("unit")
        if (unit == "年" and num.value >= 1000) or (num.has_magnitude and num.value >= 10_000):
            return True
        if m.group("ge") or m.group("more") or m.group("half"):
            return False
        if unit == "月" and num.value >= 100:
            return True
        at = m.start("unit")
        return (
            unit in ("天", "月", "年")
            and self.s.startswith(unit * 2, at)
            and not self.s.startswith(unit * 3, at)
        )

    def duration(self, i: int, num: Numeral, u: int, approx: bool) -> Optional[int]:
        m = _DURATION_UNIT_RE.match(self.s, u)
        if not m:
            return None
        unit = m.group("unit")
        if unit == "工作日":
            return m.end()  # working days are not calendar days: not reported
        if unit == "季度" and not m.group("ge"):
            return m.end()  # 三季度 is the third quarter of a year; 三个季度 is nine months
        if unit == "年" and num.value >= 1000:
            return m.end()
        end = m.end()
        half = bool(m.group("half"))
        post = m.group("post") or ""
        if unit == "月" and not (m.group("ge") or half or m.group("more") or approx):
            word = self.s[num.start : num.end]
            if (
                word not in ("两", "俩")
                and num.value <= 12
                and not _MONTH_CUE_RE.search(self.s, max(0, i - 8), i)
            ):
                tail = _MONTH_NAME_TAIL_RE.match(self.s, end)
                return tail.end() if tail else end  # a month name: 3月 = March
        if half and post == "半":
            end -= 1
            post = ""
        if self.s[num.start : num.end] == "一" and self.s.startswith(
            ("比" + self.s[i:end], "不如" + self.s[i:end]), end
        ):
            return end + (1 if self.s[end] == "比" else 2) + (end - i)  # 一天比一天多: "ever more"
        if (
            self.s[num.start : num.end] == "一"
            and not (half or post or m.group("more") or approx)
            and _PER_UNIT_AFTER_RE.match(self.s, end)
            and not _DURATION_VERB_BEFORE_RE.search(self.s, max(0, i - 4), i)
        ):
            return end  # "一个月还3000": per month, not a length of time
        if (
            self.s[num.start : num.end] == "一"
            and not (half or post or m.group("more") or approx)
            and self.found
            and self.found[-1].entity == AMOUNT
            and self.found[-1].end == i
            and (end >= self.n or _STRIP_RE.match(self.s, end))
            and "借" not in self.s[max(0, self.found[-1].start - 3) : self.found[-1].start]
        ):
            return end  # "收入4500一个月。": per month
        if (
            self.s[num.start : num.end] == "一"
            and not (half or post or m.group("more") or approx)
            and _PRICE_BEFORE_RE.search(self.s, max(0, i - 4), i)
        ):
            return end  # "罚息多少钱一天": per day
        value = num.value + (_HALF if half or post == "半" else 0)
        parts = _DurationParts()
        parts.add(unit, value)
        end = self.duration_tail(end, _UNIT_RANK[unit], parts)
        return self.emit(DURATION, i, end, parts.iso())

    def duration_tail(self, end: int, rank: int, parts: "_DurationParts") -> int:
        """Smaller units after a duration: 一年两个月, 一个月零三天."""
        while True:
            join = _DURATION_JOIN_RE.match(self.s, end)
            q = join.end() if join else end
            num = scan_numeral(self.s, q, digit_strings=False)
            if num is None or num.digit_string or num.is_range:
                return end
            m = _DURATION_UNIT_RE.match(self.s, num.end)
            if not m or m.group("unit") == "工作日" or _UNIT_RANK[m.group("unit")] >= rank:
                return end
            unit = m.group("unit")
            if (
                unit == "月"
                and not m.group("ge")
                and self.s[num.start : num.end] not in ("两", "俩")
            ):
                return end
            stop = m.end()
            half = bool(m.group("half"))
            if half and m.group("post") == "半":
                stop -= 1
            parts.add(unit, num.value + (_HALF if half or m.group("post") == "半" else 0))
            rank = _UNIT_RANK[unit]
            end = stop
