"""Property-based and robustness tests for bot.nlu.quantities (no timing assertions)."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.nlu.quantities import (
    ENTITIES,
    find_quantities,
    normalize_text,
    parse_amount,
    read_quantities,
)
from bot.nlu.quantities.extract import scan
from bot.nlu.quantities.numerals import parse_numeral
from bot.nlu.quantities.scanner.amounts import _BUDGET_SPLIT_RE
from bot.nlu.quantities.vocabulary import vocabulary

_SLANG_NUMBERS = vocabulary().slang_numbers

# characters the extractor cares about, mixed with anything else
_INTERESTING = list(
    "0123456789零〇一二两俩三四五六七八九十百千万亿点分之多几半个月天周年期号日元块钱毛角"
    "%％，,.．-~到¥kKwW每年化日息利率第 "
) + ["逾期", "星期", "小时", "万分之", "百分之", "年化", "日利率", "😀", "\u3000", "５", "１２"]
_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_INTERESTING), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(_INTERESTING), st.characters()), max_size=60).map("".join),
)


def _check_invariants(text, quantities):
    previous_end = 0
    for q in quantities:
        assert q.entity in ENTITIES
        assert 0 <= q.start < q.end <= len(text)
        assert q.start >= previous_end, "overlapping or unsorted"
        assert q.text == text[q.start : q.end]
        assert isinstance(q.value, str) and q.value
        if q.entity in ("amount", "daily_rate", "annual_rate"):
            value = Decimal(q.value)
            assert value.is_finite() and value >= 0
            assert "E" not in q.value and (
                q.value == "0"
                or not q.value.endswith(".")
                and ("." not in q.value or not q.value.endswith("0"))
            )
        elif q.entity == "duration":
            assert q.value.startswith("P")
        elif q.entity == "installments":
            assert 2 <= int(q.value) <= 999
        elif q.entity == "day_of_month":
            assert 1 <= int(q.value) <= 31
        previous_end = q.end


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_text)
def test_never_raises_and_spans_are_valid(text):
    quantities = scan(text)  # the unguarded scanner: an internal error fails the test
    _check_invariants(text, quantities)
    assert find_quantities(text) == quantities


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalize_text_keeps_length(text):
    assert len(normalize_text(text)) == len(text)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_every_integer_in_digits_is_an_amount(n):
    text = str(n)
    assert parse_amount(text) == n
    assume(text not in _SLANG_NUMBERS)  # "886" alone is bye-bye (see test_slang_numbers_alone)
    split = _BUDGET_SPLIT_RE.fullmatch(text)
    assume(not (split and sum(map(int, split.groups())) == 100))  # 503020: the 50/30/20 budget rule
    assert [(q.entity, q.start, q.end, q.value) for q in scan(text)] == [
        ("amount", 0, len(text), text)
    ]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_integers_in_digits_with_a_unit_and_in_a_sentence(n):
    assert [(q.entity, q.value) for q in scan(f"借了{n}元逾期两个月")] == [
        ("amount", str(n)),
        ("duration", "P2M"),
    ]
    grouped = f"{n:,}"
    assert [(q.entity, q.text, q.value) for q in scan(f"欠{grouped}块")] == [
        ("amount", f"{grouped}块", str(n))
    ]


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_numerals_round_trip_with_cn2an(n):
    # cn2an writes the number (an independent implementation); we must read it back
    chinese = cn2an.an2cn(str(n))
    assert parse_numeral(chinese).value == n
    assert [(q.entity, q.text, q.value) for q in scan(chinese + "元")] == [
        ("amount", chinese + "元", str(n))
    ]
    if n >= 100:  # a bare Chinese number is money once it has 百/千/万/亿
        assert [(q.entity, q.value) for q in scan(chinese)] == [("amount", str(n))]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_financial_capitals_round_trip_with_cn2an(n):
    upper = cn2an.an2cn(str(n), "up")
    assert parse_numeral(upper).value == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.sampled_from(["天", "周", "个月", "年"]))
def test_durations_round_trip(n, unit):
    text = cn2an.an2cn(str(n)) + unit
    expected = {"天": f"P{n}D", "周": f"P{7 * n}D", "个月": f"P{n}M", "年": f"P{n}Y"}[unit]
    assert [(q.entity, q.value) for q in scan("逾期" + text)] == [("duration", expected)]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=4))
def test_annual_percentages_round_trip(whole, decimals):
    value = Decimal(whole).scaleb(-decimals)  # e.g. 14.4
    text = f"年化{value}%"
    expected = format(Decimal(text[2:-1]) / 100, "f")
    [q] = scan(text)
    assert q.entity == "annual_rate" and Decimal(q.value) == Decimal(expected)


@pytest.mark.parametrize("slang", sorted(_SLANG_NUMBERS))
def test_slang_numbers_alone(slang):
    assert scan(slang) == [] and scan(f"好的，{slang}～") == []
    assert [q.value for q in scan(f"欠了{slang}")] == [slang]  # inside a sentence they are money
    assert parse_amount(slang) == Decimal(slang)  # and a form that asked for money reads them


@settings(max_examples=300, deadline=None)
@example(108010, "-", "")  # six digits that could be a budget split (10/80/10), signed: money
@given(
    st.integers(min_value=1, max_value=99_999_999),
    st.sampled_from(["-", "负", "－", "−"]),
    st.sampled_from(["", "元", "块钱"]),
)
def test_signed_amounts_are_withheld_and_parsed_negative(n, sign, unit):
    text = f"{sign}{n}{unit}"
    assert scan(text) == []
    assert parse_amount(text) == -n
    # a lone digit after 负 is no amount even unsigned ("负1" reads like a label), "-886" is slang
    if n >= 10 and not (unit == "" and str(n) in _SLANG_NUMBERS):
        assert [(q.entity, q.value) for q in read_quantities(text).withheld] == [
            ("amount", f"-{n}")
        ]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=9_999_999),
    st.integers(min_value=1, max_value=9_999_999),
    st.sampled_from(["到", "至", "-", "~", " - ", " -", "—"]),
    st.sampled_from(["元", "块"]),
)
def test_ranges_with_units_on_both_sides(a, b, joiner, unit):
    text = f"{a}{unit}{joiner}{b}{unit}"
    found = [(q.entity, q.text, q.value) for q in scan(text)]
    if a < b:
        assert found == [("amount", text, str(a))]
    else:
        assert [value for _entity, _text, value in found] == [str(a), str(b)]


# ---------------------------------------------------------------- robustness (must simply complete)


PATHOLOGICAL = [
    ("借呗5000块逾期两个月了，日息万五，年化18%，分12期，每月15号还款。😀 " * 200)[:5000],
    "9" * 5000,
    "1" * 100_000,
    "一" * 5000,
    "一万" * 2500,
    "一二" * 2500,
    "5," * 2500,
    "1,000" * 1000,
    "5-" * 2500,
    "万分之" * 1500,
    "日息" * 2500,
    "日息" + "是" * 5000 + "万五",
    "%" * 5000,
    "1." * 2500,
    "1/" * 2500,
    "13812345678" * 400,
    "😀" * 5000,
    "".join(chr(c) for c in range(0, 0x20)) * 100,
    "\ud800\udfff" * 100,
    "".join(chr(c) for c in range(0x4E00, 0x4E00 + 5000)),
    "５" * 5000,
    "十" * 5000,
    "零" * 5000,
    "点" * 5000,
    "-" * 5000,
    "-5" * 2500,
    "负" * 5000,
    "3000元到" * 1000,
    "两个月到" * 1000,
    "年息一分" * 1000,
    "日息三厘五" * 1000,
    "50 " * 2500 + "法则",
    "好的88" * 1000,
    "谢谢" * 2500 + "88",
    "前一天" * 1000,
    "3万年化" * 1000,
    "一万二日利率" * 600,
]


@pytest.mark.parametrize(
    "text", PATHOLOGICAL, ids=[f"{i}:{t[:6]!r}x{len(t)}" for i, t in enumerate(PATHOLOGICAL)]
)
def test_pathological_inputs_complete(text):
    quantities = scan(text)
    _check_invariants(text, quantities)


def test_long_message_finds_every_repetition():
    unit = "借呗5000块逾期两个月了，"
    text = unit * 400
    quantities = find_quantities(text)
    assert len(quantities) == 800
    assert {(q.entity, q.value) for q in quantities} == {("amount", "5000"), ("duration", "P2M")}
