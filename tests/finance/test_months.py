"""bot.finance.months: whole-month moves on the calendar, the due-day rule at month ends."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.finance.months import add_months, month_label


@pytest.mark.parametrize(
    "day, months, day_of_month, expected",
    [
        (date(2026, 1, 31), 1, None, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, None, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 2, None, date(2026, 3, 31)),  # back to the 31st, not the 28th
        (date(2026, 12, 15), 1, None, date(2027, 1, 15)),  # December → January
        (date(2026, 1, 15), -1, None, date(2025, 12, 15)),
        (date(2026, 3, 31), -1, None, date(2026, 2, 28)),
        (date(2026, 2, 28), 1, 31, date(2026, 3, 31)),  # the loan's due day, not the date's
        (date(2026, 4, 10), 0, 31, date(2026, 4, 30)),
        (date(2026, 5, 20), 24, None, date(2028, 5, 20)),
    ],
)
def test_add_months(day, months, day_of_month, expected):
    assert add_months(day, months, day_of_month) == expected


@pytest.mark.parametrize("bad", [0, 32, -1])
def test_a_day_of_month_outside_1_to_31_is_refused(bad):
    with pytest.raises(ValueError):
        add_months(date(2026, 1, 1), 1, bad)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=-240, max_value=240),
    st.integers(min_value=1, max_value=31),
)
def test_the_month_moves_by_exactly_n_and_the_day_is_clamped(day, months, due_day):
    moved = add_months(day, months, due_day)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == due_day or (moved.day < due_day and (moved + (date.resolution)).day == 1)


def test_month_label():
    assert month_label(date(2026, 12, 5)) == "2026年12月"
    assert month_label(date(2026, 12, 31), 1) == "2027年1月"
    assert month_label(date(2026, 1, 31), 13) == "2027年2月"


def test_months_text():
    from bot.finance.months import months_text

    assert [months_text(n) for n in (1, 8, 12, 15, 24, 25)] == [
        "1个月",
        "8个月",
        "1年",
        "1年3个月",
        "2年",
        "2年1个月",
    ]


def test_strategy_names_have_one_source():
    from bot.finance.payoff import Strategy

    assert Strategy.avalanche.label_zh == "雪崩法（先还利率最高的）"
    assert Strategy.snowball.short_zh == "雪球法"
    assert Strategy.snowball.label_zh.startswith(Strategy.snowball.short_zh)
