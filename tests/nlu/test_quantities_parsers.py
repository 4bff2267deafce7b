"""Form-level parsers, ISO durations, the numeral reader and the text normaliser."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.quantities import (
    duration_days,
    format_decimal,
    iso_duration,
    normalize_text,
    parse_amount,
    parse_annual_rate,
    parse_daily_rate,
    parse_day_of_month,
    parse_duration,
    parse_installments,
)
from bot.nlu.quantities.numerals import parse_numeral, scan_numeral

# ---------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    "text,value",
    [
        ("五千块", "5000"),
        ("5k", "5000"),
        ("五毛", "0.5"),
        ("1.5万元", "15000"),
        ("每月能还2000", "2000"),
        # bare answers a form asked for: read as money even without a unit
        ("五十", "50"),
        ("大概五十吧", "50"),
        ("每月能还五十", "50"),
        ("十", "10"),
        ("3", "3"),
        ("五千到六千", "5000"),
        ("5000块逾期两个月", "5000"),
        ("８８８", "888"),
    ],
)
def test_parse_amount(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "两个月",
        "12期",
        "15号",
        "2026年",
        "我也不知道",
        "",
        "   ",
        "😀",
        "1e5",
        "NaN",
        "Infinity",
        "年化18%",
        "13812345678",
        "007",
    ],
)
def test_parse_amount_none(text):
    assert parse_amount(text) is None


# ---------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    "text,value",
    [
        ("两个月", "P2M"),
        ("半年", "P6M"),
        ("一个半月", "P1M15D"),
        ("逾期3天了", "P3D"),
        ("三周", "P21D"),
        ("一年两个月", "P1Y2M"),
    ],
)
def test_parse_duration(text, value):
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["30", "好久", "5000", "", "3月份"])
def test_parse_duration_none(text):
    assert parse_duration(text) is None


# ---------------------------------------------------------------- rates


@pytest.mark.parametrize(
    "text,value",
    [
        ("万分之五", "0.0005"),
        ("0.05%", "0.0005"),
        ("日息0.05%", "0.0005"),
        ("0.0005", "0.0005"),
        ("0.05", "0.0005"),
        ("万五", "0.0005"),
        ("百分之零点零五", "0.0005"),
        ("大概万分之三点五吧", "0.00035"),
    ],
)
def test_parse_daily_rate(text, value):
    assert parse_daily_rate(text) == Decimal(value)


@pytest.mark.parametrize("text", ["年化18%", "abc", "", "5000", "18"])
def test_parse_daily_rate_none(text):
    assert parse_daily_rate(text) is None


@pytest.mark.parametrize(
    "text,value",
    [
        ("18%", "0.18"),
        ("18", "0.18"),
        ("年化18%", "0.18"),
        ("百分之十八", "0.18"),
        ("24%左右", "0.24"),
        ("年化利率是百分之二十四", "0.24"),
        ("14.4", "0.144"),
    ],
)
def test_parse_annual_rate(text, value):
    assert parse_annual_rate(text) == Decimal(value)


@pytest.mark.parametrize("text", ["日息万五", "0.18", "500", "", "高"])
def test_parse_annual_rate_none(text):
    assert parse_annual_rate(text) is None


# ---------------------------------------------------------------- installments and day of month


@pytest.mark.parametrize(
    "text,value",
    [
        ("12", 12),
        ("分12期", 12),
        ("12个月", 12),
        ("一年", 12),
        ("十二", 12),
        ("两年", 24),
        ("12期吧", 12),
        ("１２期", 12),
    ],
)
def test_parse_installments(text, value):
    assert parse_installments(text) == value


@pytest.mark.parametrize("text", ["1", "3天", "一个半月", "", "很多"])
def test_parse_installments_none(text):
    assert parse_installments(text) is None


@pytest.mark.parametrize(
    "text,value",
    [
        ("15", 15),
        ("每月15号", 15),
        ("十五", 15),
        ("12月1日", 1),
        ("15号吧", 15),
        ("每月十五", 15),
        ("31", 31),
    ],
)
def test_parse_day_of_month(text, value):
    assert parse_day_of_month(text) == value


@pytest.mark.parametrize("text", ["32", "0", "月底", "", "1.5", "15号线"])
def test_parse_day_of_month_none(text):
    assert parse_day_of_month(text) is None


PARSERS = [
    parse_amount,
    parse_duration,
    parse_daily_rate,
    parse_annual_rate,
    parse_installments,
    parse_day_of_month,
]


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("value", [None, 5, b"5000", ["5"]])
def test_parsers_return_none_for_what_is_not_text(parser, value):
    assert parser(value) is None


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(
    "value",
    [
        "\x00\x01\x02",
        "\ud800",
        "9" * 5000,
        "一" * 5000,
        "%" * 100,
        "万分之" * 300,
        "5k" * 1000,
        "😀" * 500,
    ],
)
def test_parsers_do_not_fail_inside(parser, value):
    # the unguarded function: an internal error would surface here instead of becoming None
    result = parser.__wrapped__(value)
    assert result is None or isinstance(result, (Decimal, str, int))


# ---------------------------------------------------------------- ISO durations


@pytest.mark.parametrize(
    "iso,days",
    [
        ("P1M15D", 45),
        ("P1Y", 360),
        ("P21D", 21),
        ("P2M", 60),
        ("P6M", 180),
        ("P1Y6M", 540),
        ("P2W", 14),
        ("PT12H", 1),
        ("P1DT1H", 2),
        ("P0D", 0),
        ("PT30M", 1),
        ("p3d", 3),
    ],
)
def test_duration_days(iso, days):
    assert duration_days(iso) == days


def test_duration_days_other_conventions():
    assert duration_days("P1Y", days_per_year=365) == 365
    assert duration_days("P1M", days_per_month=31) == 31


@pytest.mark.parametrize("bad", ["", "P", "2M", "PT", "P1X", "两个月", None, 5])
def test_duration_days_rejects_what_is_not_iso(bad):
    with pytest.raises(ValueError):
        duration_days(bad)


@pytest.mark.parametrize(
    "parts,iso",
    [
        ({"months": Decimal("1.5")}, "P1M15D"),
        ({"years": Decimal("0.5")}, "P6M"),
        ({"years": Decimal("1.5")}, "P1Y6M"),
        ({"days": Decimal("1.5")}, "P1DT12H"),
        ({"days": Decimal("10.5")}, "P10DT12H"),
        ({"hours": Decimal("0.5")}, "PT30M"),
        ({}, "P0D"),
        ({"days": 21}, "P21D"),
    ],
)
def test_iso_duration(parts, iso):
    assert iso_duration(**parts) == iso


# ---------------------------------------------------------------- numerals


@pytest.mark.parametrize(
    "text,value",
    [
        ("两千五", "2500"),
        ("一万二", "12000"),
        ("三百五", "350"),
        ("十五", "15"),
        ("十", "10"),
        ("十万", "100000"),
        ("一百零五", "105"),
        ("一千零五十", "1050"),
        ("两万五千五", "25500"),
        ("一亿二", "120000000"),
        ("零点五", "0.5"),
        ("三点一四", "3.14"),
        ("一点五万", "15000"),
        ("1.5万", "15000"),
        ("5k", "5000"),
        ("1w", "10000"),
        ("1万5", "15000"),
        ("3万2000", "32000"),
        ("1千2百", "1200"),
        ("壹万贰仟", "12000"),
        ("十四点四", "14.4"),
        ("二十点五", "20.5"),
        ("十二点五万", "125000"),
        ("两三千", "2000"),
        ("十几万", "100000"),
        ("二零二六", "2026"),
        ("1,200", "1200"),
        ("〇", "0"),
    ],
)
def test_parse_numeral(text, value):
    num = parse_numeral(text)
    assert num is not None and num.value == Decimal(value)


def test_numeral_stops_where_the_number_stops():
    assert scan_numeral("一万两个月", 0).end == 2  # 一万 | 两个月
    assert scan_numeral("5000两个月", 0).end == 4
    assert scan_numeral("三千万别", 0).value == Decimal(30000000)
    assert scan_numeral("千万别逾期", 0) is None


@pytest.mark.parametrize("text", ["", "万", "百分之", "abc", "点五", "几千", "十点", "两千五点五"])
def test_parse_numeral_none(text):
    assert parse_numeral(text) is None


@pytest.mark.parametrize(
    "value,text",
    [
        (Decimal("5000"), "5000"),
        (Decimal("5E+3"), "5000"),
        (Decimal("0.50"), "0.5"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("0"), "0"),
        (Decimal("15000.00"), "15000"),
    ],
)
def test_format_decimal(value, text):
    assert format_decimal(value) == text


# ---------------------------------------------------------------- normalize_text


def test_normalize_text_full_width_to_half_width():
    assert normalize_text("５０００元，１２期，１８％，ＡＰＲ") == "5000元,12期,18%,APR"
    assert normalize_text("\u3000") == " "


@pytest.mark.parametrize("text", ["½", "㎏", "①借了5000", "ﬁ", "x²", "e\u0301", "👨‍👩‍👧", "\ud800"])
def test_normalize_text_keeps_length(text):
    assert len(normalize_text(text)) == len(text)


def test_normalize_text_keeps_list_markers():
    assert normalize_text("①借了5000") == "①借了5000"


@pytest.mark.parametrize("value", [None, "", 5])
def test_normalize_text_non_text(value):
    assert normalize_text(value) == ""
