"""Days named in a message (bot/nlu/dates.py): jionlp's reading, the spoken forms around it,
and a day without a year that has passed this year read as next year's."""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.dates import dates_in, first_date

DECEMBER_6 = date(2026, 12, 6)


@pytest.mark.parametrize(
    "text, day",
    [
        ("要是下个月底才还呢", date(2027, 1, 31)),
        ("这期拖到月底再还要多少罚息", date(2026, 12, 31)),  # 月底 alone: this month's end
        ("月末还行不", date(2026, 12, 31)),
        ("本月底", date(2026, 12, 31)),
        ("拖到过年再还会怎样", date(2027, 2, 6)),  # the lunar new year ahead, not the one passed
        ("春节前还清", date(2027, 2, 6)),
        ("明年春节前还清", date(2027, 2, 6)),
        ("我15号发工资 到时候再还行不", date(2026, 12, 15)),
        ("3号", date(2027, 1, 3)),  # the 3rd has passed this month: next month's
        ("5号之前还上", date(2027, 1, 5)),
        ("拖到1月10号", date(2027, 1, 10)),  # January has passed this year: next year's
        ("下周五还可以吗", date(2026, 12, 11)),
        ("拖到元旦", date(2027, 1, 1)),
        ("月初还", date(2027, 1, 5)),  # said in December: the start of next month
        ("明天还行吗", date(2026, 12, 7)),
    ],
)
def test_the_day_a_message_names(text, day):
    mention = first_date(text, DECEMBER_6)
    assert mention is not None and mention.day == day


@pytest.mark.parametrize(
    "text",
    [
        "5000块逾期两个月罚息多少",  # a duration, not a day
        "再拖十天会怎样",
        "春节以后再说",  # an open span names no day
        "我借呗还欠多少",
        "",
        "   ",
        "🙂🙂",
    ],
)
def test_no_day(text):
    assert dates_in(text, DECEMBER_6) == []


def test_month_end_depends_on_today():
    assert first_date("拖到月底", date(2026, 11, 23)).day == date(2026, 11, 30)
    assert first_date("拖到月底", date(2027, 2, 3)).day == date(2027, 2, 28)


def test_a_year_said_is_kept_and_the_past_is_left_out():
    assert dates_in("2025年3月1号", DECEMBER_6) == []
    assert first_date("2027年3月1号", DECEMBER_6).day == date(2027, 3, 1)
