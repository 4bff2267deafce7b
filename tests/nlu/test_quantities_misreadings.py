"""Misreadings reported by the data writers, and the rules that fix them.

Each group names the report it answers; the reading rules themselves are documented in
:mod:`bot.nlu.quantities.extract`.
"""
from __future__ import annotations

import pytest

from bot.nlu.quantities import find_quantities


def found(text):
    return [(q.entity, q.text, q.value) for q in find_quantities(text)]


# ---------------------------------------------------------------- 1, 2: an amount right before a rate cue
# "万年" / "万日" must not swallow the amount: 年 / 日 belong to the rate cue that follows.


@pytest.mark.parametrize("text,expected", [
    # the reported messages
    ("3万年化14.4%", [("amount", "3万", "30000"), ("annual_rate", "年化14.4%", "0.144")]),
    ("1.2万日利率0.05%", [("amount", "1.2万", "12000"), ("daily_rate", "日利率0.05%", "0.0005")]),
    # the same with other cues, units and number forms
    ("三万年化14.4%", [("amount", "三万", "30000"), ("annual_rate", "年化14.4%", "0.144")]),
    ("3万年利率14.4%", [("amount", "3万", "30000"), ("annual_rate", "年利率14.4%", "0.144")]),
    ("3w年息14.4%", [("amount", "3w", "30000"), ("annual_rate", "年息14.4%", "0.144")]),
    ("12000日息万五", [("amount", "12000", "12000"), ("daily_rate", "日息万五", "0.0005")]),
    # an abbreviated last digit (一万二 = 12000) before a rate cue is still part of the number
    ("一万二日利率0.05%", [("amount", "一万二", "12000"), ("daily_rate", "日利率0.05%", "0.0005")]),
    ("三千五日息万五", [("amount", "三千五", "3500"), ("daily_rate", "日息万五", "0.0005")]),
    ("借一万二年化18%", [("amount", "一万二", "12000"), ("annual_rate", "年化18%", "0.18")]),
    # the rate cue without a value (a question): the amount is still found
    ("3万年化多少", [("amount", "3万", "30000")]),
    ("5万年利息多少", [("amount", "5万", "50000")]),
    ("借5万年利率多少", [("amount", "5万", "50000")]),
    ("1.2万日利率多少", [("amount", "1.2万", "12000")]),
    ("借500日息多少", [("amount", "500", "500")]),
    ("2000年化是多少", [("amount", "2000", "2000")]),  # 年化 is never a year
    ("1200年利息多少", [("amount", "1200", "1200")]),
])
def test_amount_before_a_rate_cue(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("2025年利率下调了", []),  # a year
    ("借一年利息多少", [("duration", "一年", "P1Y")]),  # a small number: 年 is its unit
    ("两年利率多少", [("duration", "两年", "P2Y")]),
    ("借了一万两年利息多少", [("amount", "一万", "10000"), ("duration", "两年", "P2Y")]),  # 两 starts 两年
    ("借了一万两年", [("amount", "一万", "10000"), ("duration", "两年", "P2Y")]),
    ("15日利率是多少", [("day_of_month", "15日", "15")]),
])
def test_small_numbers_and_years_keep_their_unit(text, expected):
    assert found(text) == expected
