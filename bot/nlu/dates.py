"""Days a borrower names in a message: "下个月底", "15号", "下周五", "拖到过年", "明年春节前".

A what-if such as "要是下个月底才还呢" gives a day, not a duration; the actions turn the day
into overdue days from the loan's own due date. jionlp's time parser does the reading (the
calendar, the lunar new year, relative weeks and months) against the borrower's "today";
around it, this module adds what borrowers say and the parser does not read (月底 / 月末 alone
for this month's end, 过年 for the lunar new year), and reads a day without a year that has
already passed this year ("1月10号" said in December, "春节") as next year's.

Durations ("两个月", "十天") are not days: the quantity reader has them as ``duration``.
jionlp is imported on first use (its import prints a banner, kept off stdout, and takes about
a second), so importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, List, Optional

log = logging.getLogger(__name__)

#: spoken forms the parser does not read, and what they mean to it
_SPOKEN = (
    # 月底 / 月末 alone: this month's end (not 下个月底, 12月底, 本月底 — read as they are)
    (re.compile(r"(?<![个本这下上前\d一二三四五六七八九十])月[底末]"), "这个月底"),
    (re.compile(r"(?<![个本这下上前\d一二三四五六七八九十])月初"), "下个月初"),
    (re.compile(r"过年|过春节|大年初一"), "春节"),
)

#: a year said in the text: the day is not moved to next year
_YEAR_SAID = re.compile(r"\d{2,4}年|[今明后去前]年")
#: a day of the month alone ("3号"): when it has passed, next month's
_DAY_ONLY = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})[号日](?:之前|以前|前)?$")
#: open spans ("春节以后") name no day
_OPEN_END = re.compile(r"(?:以后|之后|往后)$")


@dataclass(frozen=True)
class DateMention:
    """A day named in a message: the words and the last day they cover (月底 → the 31st)."""

    text: str
    day: date


@lru_cache(maxsize=1)
def _jionlp() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    return jionlp


def _spoken(text: str) -> str:
    for pattern, standard in _SPOKEN:
        text = pattern.sub(standard, text)
    return text


def _timestamp(today: date) -> float:
    return clock.mktime(datetime.combine(today, time(12)).timetuple())


def _last_day(detail: dict) -> Optional[date]:
    if detail.get("type") not in ("time_point", "time_span"):
        return None  # time_delta (a duration) or a period
    span = detail.get("time")
    if not isinstance(span, (list, tuple)) or len(span) != 2 or not isinstance(span[1], str):
        return None
    try:
        return datetime.fromisoformat(span[1]).date()
    except ValueError:
        return None  # "inf": an open span ("春节以后")


def dates_in(text: str, today: date) -> List[DateMention]:
    """The days named in ``text``, in order; a day without a year that has passed means next
    year's. Never raises: an expression the parser cannot read is left out. The same message
    read again in the same turn (a start action, then the form) is not parsed twice."""
    return list(_dates_in(text, today))


@lru_cache(maxsize=256)
def _dates_in(text: str, today: date) -> tuple:
    if not text or not text.strip():
        return ()
    jio = _jionlp()
    base = _timestamp(today)
    try:
        items = jio.ner.extract_time(_spoken(text), time_base=base, with_parsing=True)
    except Exception as error:  # the parser's own errors: no date read, never a crash
        log.warning("date reading failed: %s", type(error).__name__)
        return ()
    found: List[DateMention] = []
    for item in items or []:
        words = str(item.get("text") or "")
        day = _last_day(item.get("detail") or {})
        if day is None or _OPEN_END.search(words):
            continue
        if day < today and not _YEAR_SAID.search(words):
            later = ("下个月" if _DAY_ONLY.match(words) else "明年") + words
            try:
                day = _last_day(jio.parse_time(later, time_base=base)) or day
            except Exception:
                pass  # left in the past: not used
        if day >= today:
            found.append(DateMention(words, day))
    return tuple(found)


def first_date(text: str, today: date) -> Optional[DateMention]:
    """The first day named in ``text`` that is not in the past, or None."""
    found = dates_in(text, today)
    return found[0] if found else None


def warm_up() -> None:
    """Load the parser now (the action server's start), not in the first borrower's turn."""
    dates_in("下个月底", date.today())


__all__ = ["DateMention", "dates_in", "first_date", "warm_up"]
