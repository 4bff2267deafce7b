"""Reading numbers written in Arabic digits, Chinese numerals, or a mix of both.

:func:`scan_numeral` reads the longest number that starts at a position of a
(normalised, see :mod:`bot.nlu.textnorm`) string and returns its exact
``Decimal`` value, its end offset and what it was made of, so the extractor can
decide from the surrounding words which kind of quantity it is.

Supported forms (values in brackets)::

    5000  1,200  0.5  3.14                      Arabic, thousands commas, decimals
    五千  一万零五百  十五  两百  壹仟贰佰          Chinese, incl. financial capitals
    两千五 (2500)  一万二 (12000)  三百五 (350)    abbreviated last digit
    3万  1.5万  2千  5k  1w  1万5 (15000)  3万2000  mixed Arabic / Chinese magnitudes
    零点五 (0.5)  三点五 (3.5)  一点五万 (15000)  Chinese decimals
    两三千 (2000)  三五 (3)  十五六 (15)           ranges of neighbouring digits: lower bound
    十几万 (100000)  二十几 (20)  十多万 (100000)  几 / 多 / 来 inside a number: lower bound
    二零二六 (2026)                               digit strings (years, phone numbers)

Why not ``cn2an``: it returns ``float`` for decimals, raises on mixed forms such as
``5k`` or ``1.5万元`` in its stricter modes, and cannot say where a number ends
inside a longer sentence.  The tests use ``cn2an.an2cn`` as an independent oracle
for this parser.

Nothing here raises on any input; a position where no number starts gives ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Union

from bot.nlu.textnorm import is_ascii_letter as _is_ascii_letter

__all__ = [
    "Numeral",
    "scan_numeral",
    "parse_numeral",
    "format_decimal",
    "CN_DIGITS",
    "NUMERAL_START",
]

#: Chinese digits (incl. financial capitals and the colloquial 俩 / 幺) and their values
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "貳": 2,
    "叁": 3,
    "參": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "陸": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
_ZEROS = frozenset("零〇")
_SMALL_MAGNITUDES = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_MAGNITUDES = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
#: Latin magnitude letters, only right after Arabic digits ("5k", "1w")
_LATIN_MAGNITUDES = {"k": 1000, "K": 1000, "w": 10_000, "W": 10_000}
#: neighbouring digits that, written together, mean "A or B" (两三千, 三五天)
_RANGE_PAIRS = frozenset({(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (3, 5)})
#: after an abbreviated last digit (两千五) these characters mean the digit starts a new
#: number instead ("借了一万两个月" is 一万 + 两个月, not 12000 + 个月)
_TAIL_BREAKERS = frozenset("个天周年月期号日次笔张岁点倍")
#: ... except when a rate cue starts there: 一万二日利率0.05% is 12000 at 0.05 % a day
#: (两 / 俩 still start the next number: 一万两年利息 is 一万 + 两年; so does 一 before 年 —
#: 1万一年利息 is 1万 + 一年 — except before 年化, which no count of years takes)
_RATE_CUE_STARTS = (
    "日利",
    "日息",
    "日化",
    "日费率",
    "日率",
    "年化",
    "年利",
    "年息",
    "年费率",
    "年率",
)
#: characters that make a 一 before them the start of a word, not a digit (一直, 一定, 一起, 一共,
#: 一样, 一般, 一下, 一些, 一旦, 一边, 一向, 一律, 一切, 一堆, 一眼)
_WORD_AFTER_ONE = frozenset("直定起共样般下些旦边向律切堆眼")
#: characters a number can start with
NUMERAL_START = frozenset("0123456789") | frozenset(CN_DIGITS) | frozenset("十拾")

_ARABIC_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_MAX_DIGITS = 40  # longer digit runs are identifiers, not values; their value is not computed


@dataclass(frozen=True)
class Numeral:
    """A number found in a string."""

    start: int
    end: int
    value: Decimal
    #: only Arabic digits (commas, decimal point allowed), no magnitude word
    arabic: bool = False
    #: digits before the decimal point when ``arabic``
    int_digits: int = 0
    #: an Arabic integer written with a leading zero ("007")
    leading_zero: bool = False
    #: contains any Chinese numeral character
    chinese: bool = False
    #: contains any magnitude (十 百 千 万 亿 k w)
    has_magnitude: bool = False
    #: contains 百 千 万 亿 k or w: a Chinese number of this size reads as money
    large_magnitude: bool = False
    #: the last token was a magnitude ("十", "三千"), so 多 / 几 may follow
    ends_with_magnitude: bool = False
    #: value of the last magnitude used (for "2-3万")
    last_magnitude: Optional[int] = None
    #: Chinese digits one after another without magnitudes ("二零二六")
    digit_string: bool = False
    #: a range of neighbouring digits ("两三"); ``value`` is the lower bound
    is_range: bool = False
    #: a decimal point was read
    has_decimal: bool = False
    #: a single Chinese digit and nothing else ("一", "两")
    single_cn_digit: bool = False

    @property
    def is_integer(self) -> bool:
        return self.value == self.value.to_integral_value()


def format_decimal(value: Decimal) -> str:
    """``Decimal`` as a plain string: no exponent, no trailing zeros ("5000", "0.0005")."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _State:
    """Accumulator of the Chinese positional grammar (亿 / 万 sections of 千 百 十)."""

    __slots__ = (
        "yi",
        "wan",
        "cur",
        "num",
        "tail",
        "prev",
        "last_small",
        "last_big",
        "last_mag",
        "decimal",
        "frozen",
        "chinese",
        "arabic_tokens",
        "has_mag",
        "large",
        "is_range",
        "prev_cn_digit",
        "tokens",
    )

    def __init__(self) -> None:
        self.yi = Decimal(0)
        self.wan = Decimal(0)
        self.cur = Decimal(0)
        self.num: Optional[Decimal] = None  # pending digit value
        self.tail: Optional[int] = None  # multiplier if ``num`` is an abbreviated last digit
        self.prev: Optional[str] = None  # "digit", "small", "big", "zero"
        self.last_small = 10**5
        self.last_big = 10**9
        self.last_mag: Optional[int] = None
        self.decimal = False  # the pending number has a fractional part
        self.frozen = False  # a magnitude followed a decimal: nothing more may follow
        self.chinese = False
        self.arabic_tokens = 0
        self.has_mag = False
        self.large = False
        self.is_range = False
        self.prev_cn_digit: Optional[int] = None
        self.tokens = 0

    def value(self) -> Decimal:
        pending = Decimal(0)
        if self.num is not None:
            pending = self.num * self.tail if self.tail else self.num
        return self.yi + self.wan + self.cur + pending


def scan_numeral(s: str, pos: int, digit_strings: bool = True) -> Optional[Numeral]:
    """Read the longest number starting at ``s[pos]``; ``None`` if none starts there.

    With ``digit_strings=False`` Chinese digits one after another are not read as a
    digit string: "万分之四一年" is 四 followed by 一年, not 41.
    """
    if not isinstance(s, str) or pos < 0 or pos >= len(s) or s[pos] not in NUMERAL_START:
        return None
    numeral = _Reader(s, pos, digit_strings).read()
    if (
        numeral is not None
        and s[numeral.end - 1] == "一"
        and s[numeral.end : numeral.end + 1] in _WORD_AFTER_ONE
    ):
        # 一 starts a word (一直, 一样, 一定): "两万一直不还" is 两万, "年化一样吗" has no number
        if numeral.end - 1 == pos:
            return None
        return _Reader(s[: numeral.end - 1], pos, digit_strings).read()
    return numeral


#: what a step of :class:`_Reader` says: ``None`` (not its kind of character), ``True`` (read,
#: go on), ``False`` (the number ends before this character) or a finished :class:`Numeral`
_Step = Union[None, bool, Numeral]


class _Reader:
    """One left-to-right reading of a number: one method per kind of character."""

    def __init__(self, s: str, pos: int, digit_strings: bool) -> None:
        self.s = s
        self.n = len(s)
        self.pos = pos
        self.digit_strings = digit_strings
        self.st = _State()
        self.best: Optional[Numeral] = None
        self.first_arabic: Optional[re.Match] = None
        self.i = pos

    def read(self) -> Optional[Numeral]:
        steps = (
            self.arabic,
            self.chinese_digit,
            self.unknown_digit,
            self.chinese_point,
            self.magnitude,
        )
        while self.i < self.n and not self.st.frozen:
            ch = self.s[self.i]
            for step in steps:
                outcome = step(ch)
                if outcome is not None:
                    break
            if isinstance(outcome, Numeral):
                return outcome
            if not outcome:
                break
        return self.best

    def record(self, end: int) -> None:
        """The number read so far, up to ``end``, is the best reading (unless it cannot end
        here)."""
        s, st, n = self.s, self.st, self.n
        if st.prev not in ("digit", "small", "big"):
            return
        if (
            st.tail
            and end < n
            and s[end] in _TAIL_BREAKERS
            and (
                s[end - 1] in "两俩"
                or not s.startswith(_RATE_CUE_STARTS, end)
                or (s[end - 1] in "一幺" and s[end] == "年" and not s.startswith("年化", end))
            )
        ):
            return  # the abbreviated digit starts the next number instead
        first = self.first_arabic
        arabic = st.arabic_tokens == 1 and st.tokens == 1 and not st.chinese
        self.best = Numeral(
            start=self.pos,
            end=end,
            value=st.value(),
            arabic=arabic,
            int_digits=_int_digits(first) if arabic and first else 0,
            leading_zero=bool(arabic and first and _leading_zero(first.group())),
            chinese=st.chinese,
            has_magnitude=st.has_mag,
            large_magnitude=st.large,
            ends_with_magnitude=st.prev in ("small", "big"),
            last_magnitude=st.last_mag,
            is_range=st.is_range,
            has_decimal=st.decimal,
            single_cn_digit=(
                st.chinese and st.tokens == 1 and st.prev == "digit" and not st.decimal
            ),
        )

    def advance(self, to: int) -> bool:
        self.i = to
        self.record(to)
        return True

    def arabic(self, ch: str) -> _Step:
        """Arabic digits: the first token, or a smaller part after a magnitude (1万5, 3万2000)."""
        if not "0" <= ch <= "9":
            return None
        st = self.st
        m = _ARABIC_RE.match(self.s, self.i)
        raw = m.group()
        digits = raw.replace(",", "")
        if len(digits.split(".")[0]) > _MAX_DIGITS:
            # an identifier-length digit run: report it without computing a value
            if st.tokens == 0:
                return Numeral(
                    start=self.pos,
                    end=m.end(),
                    value=Decimal(0),
                    arabic=True,
                    int_digits=len(digits.split(".")[0]),
                )
            return False
        value = Decimal(digits)
        if st.prev is None:
            st.num, st.decimal = value, "." in raw
            self.first_arabic = m
        elif (
            st.prev in ("small", "big", "zero")
            and "," not in raw
            and "." not in raw
            and not st.decimal
        ):
            mag = st.last_mag or 1
            if st.prev != "zero" and len(digits) == 1 and mag > 10:
                st.num, st.tail = value, mag // 10  # 1万5, 3千5
            elif value < mag:
                st.num, st.tail = value, None  # 3万2000, 1万零500
            else:
                return False
        else:
            return False
        st.arabic_tokens += 1
        st.tokens += 1
        st.prev = "digit"
        st.prev_cn_digit = None
        return self.advance(m.end())

    def chinese_digit(self, ch: str) -> _Step:
        """A Chinese digit; 零 after a magnitude is only a filler, 两三 is a range."""
        if ch not in CN_DIGITS:
            return None
        st, s, i = self.st, self.s, self.i
        d = CN_DIGITS[ch]
        if ch in _ZEROS and st.prev in ("small", "big"):
            st.prev = "zero"
            st.chinese = True
            st.tokens += 1
            self.i += 1
            return True
        if st.prev is None:
            st.num = Decimal(d)
        elif st.prev == "digit":
            if st.decimal or st.prev_cn_digit is None:
                return False
            if (
                not st.is_range
                and (st.prev_cn_digit, d) in _RANGE_PAIRS
                and (i + 1 >= self.n or not _is_digit_char(s[i + 1]))
            ):
                st.is_range = True  # 两三千: keep the lower digit
                st.prev_cn_digit = d
                st.chinese = True
                st.tokens += 1
                return self.advance(i + 1)
            if self.digit_strings and st.tokens == 1 and not st.has_mag and not st.arabic_tokens:
                return _digit_string(s, self.pos)
            return False
        elif st.prev in ("small", "big"):
            mag = st.last_mag or 1
            st.num = Decimal(d)
            st.tail = mag // 10 if mag > 10 else None
        else:  # after a 零 filler: a plain digit
            st.num, st.tail = Decimal(d), None
        st.prev = "digit"
        st.prev_cn_digit = d
        st.chinese = True
        st.tokens += 1
        return self.advance(i + 1)

    def unknown_digit(self, ch: str) -> _Step:
        """几 after a magnitude: an unknown digit, read as 0 (十几万 → at least 100000); 多 / 来
        likewise when a larger magnitude follows (十多万, 三百来万); not after a Latin k / w
        ("3k几个月" is 3k, then the question 几个月)."""
        st, s, i = self.st, self.s, self.i
        if not (
            st.prev in ("small", "big")
            and not st.decimal
            and s[i - 1] not in "kKwW"
            and (ch == "几" or (ch in "多来" and i + 1 < self.n and s[i + 1] in "万萬亿億千仟"))
        ):
            return None
        st.num, st.tail = Decimal(0), None
        st.is_range = True
        st.prev = "digit"
        st.prev_cn_digit = 0
        st.chinese = True
        st.tokens += 1
        return self.advance(i + 1)

    def chinese_point(self, ch: str) -> _Step:
        """The Chinese decimal point: 三点五, 零点零五, 十四点四, 二十点五 (not after 万 / 亿)."""
        if ch != "点":
            return None
        st, s, i, n = self.st, self.s, self.i, self.n
        if not (
            (st.prev_cn_digit is not None if st.prev == "digit" else st.prev == "small")
            and st.chinese
            and not st.decimal
            and not st.is_range
            and st.tail is None
            and not st.yi
            and not st.wan
            and i + 1 < n
            and s[i + 1] in CN_DIGITS
        ):
            return False
        j = i + 1
        frac = []
        while j < n and s[j] in CN_DIGITS and len(frac) < _MAX_DIGITS:
            frac.append(str(CN_DIGITS[s[j]]))
            j += 1
        st.num = st.cur + (st.num or 0) + Decimal("0." + "".join(frac))
        st.cur = Decimal(0)
        st.prev = "digit"
        st.decimal = True
        st.tokens += 1
        return self.advance(j)

    def magnitude(self, ch: str) -> _Step:
        """十 百 千 (within a section), 万 亿 (closing a section), and k / w right after digits."""
        st, s, i = self.st, self.s, self.i
        mag = None
        big = False
        if ch == "个" and st.prev == "digit" and s.startswith(("亿", "億"), i + 1):
            # 一个亿, 两个亿: 个 before 亿 is only said, not counted
            self.i = i + 1
            return True
        if ch in _SMALL_MAGNITUDES:
            mag = _SMALL_MAGNITUDES[ch]
        elif ch in _BIG_MAGNITUDES:
            mag, big = _BIG_MAGNITUDES[ch], True
        elif (
            ch in _LATIN_MAGNITUDES
            and st.prev == "digit"
            and st.prev_cn_digit is None
            and not (i + 1 < self.n and _is_ascii_letter(s[i + 1]))
        ):
            mag = _LATIN_MAGNITUDES[ch]
            big = mag >= 10_000
        if mag is None:
            return False
        if not (self._small_magnitude(mag) if not big else self._big_magnitude(mag)):
            return False
        if st.decimal:
            st.frozen = True
        st.num, st.tail = None, None
        st.prev = "big" if big else "small"
        st.prev_cn_digit = None
        st.last_mag = mag
        st.has_mag = True
        st.large = st.large or mag >= 100
        st.chinese = st.chinese or ch not in _LATIN_MAGNITUDES
        st.tokens += 1
        return self.advance(i + 1)

    def _small_magnitude(self, mag: int) -> bool:
        """十 / 百 / 千 (or k) multiply the pending digit into the current section."""
        st = self.st
        if st.num is None:
            if mag == 10 and st.prev in (None, "zero"):
                st.num = Decimal(1)  # 十五, 十万
            else:
                return False
        if mag >= st.last_small:
            return False
        st.cur += st.num * mag
        st.last_small = mag
        return True

    def _big_magnitude(self, mag: int) -> bool:
        """万 / 亿 (or w) close a section: 三千五百万, 一亿两千万."""
        st = self.st
        section = st.cur + (st.num if st.num is not None else 0)
        if section == 0 or mag >= st.last_big:
            return False
        if mag == 10_000:
            st.wan = section * mag
        else:
            st.yi = (st.wan + section) * mag
            st.wan = Decimal(0)
        st.cur = Decimal(0)
        st.last_small = 10**5
        st.last_big = mag
        return True


def _is_digit_char(ch: str) -> bool:
    return ch in CN_DIGITS or "0" <= ch <= "9"


def _digit_string(s: str, pos: int) -> Numeral:
    j = pos
    digits = []
    while j < len(s) and s[j] in CN_DIGITS:
        digits.append(str(CN_DIGITS[s[j]]))
        j += 1
    value = Decimal("".join(digits)) if len(digits) <= _MAX_DIGITS else Decimal(0)
    return Numeral(start=pos, end=j, value=value, chinese=True, digit_string=True)


def _int_digits(m: re.Match) -> int:
    return len(m.group().replace(",", "").split(".")[0])


def _leading_zero(raw: str) -> bool:
    integer = raw.replace(",", "").split(".")[0]
    return len(integer) > 1 and integer.startswith("0")


def parse_numeral(text: str) -> Optional[Numeral]:
    """The number that makes up all of ``text`` (already normalised), else ``None``."""
    if not isinstance(text, str) or not text:
        return None
    numeral = scan_numeral(text, 0)
    if numeral is None or numeral.end != len(text):
        return None
    return numeral
