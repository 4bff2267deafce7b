"""Parsing, rounding and formatting of money (bot.finance.money) and the typed errors."""

from decimal import Decimal as D

import pytest

from bot.finance.errors import FinanceError, InvalidAmount, InvalidRate, InvalidTerm
from bot.finance.money import (
    decimal_str,
    fmt_money,
    money,
    money_str,
    percent_str,
    plain_str,
    to_decimal,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("5000", D("5000")),
        (5000, D("5000")),
        (D("12.345"), D("12.345")),
        (" 1,234.50 ", D("1234.50")),
        ("１２３", D("123")),  # full-width digits
        ("1e3", D("1E+3")),
        ("14.4%", D("0.144")),
        ("0.04％", D("0.0004")),
        (0.1, D("0.1")),  # floats go through repr, not their binary expansion
        (-3, D("-3")),
    ],
)
def test_to_decimal_accepts(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize(
    "value, code",
    [
        (None, "not_a_number"),
        (True, "not_a_number"),
        (False, "not_a_number"),
        ("", "not_a_number"),
        ("abc", "not_a_number"),
        ("五千", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ([1], "not_a_number"),
        (float("nan"), "not_finite"),
        (float("inf"), "not_finite"),
        ("NaN", "not_finite"),
        ("-Infinity", "not_finite"),
        (D("NaN"), "not_finite"),
        (D("sNaN"), "not_finite"),
        ("1e30", "too_large"),
        (10**13, "too_large"),
        (1e30, "too_large"),
    ],
)
def test_to_decimal_rejects_with_typed_chinese_error(value, code):
    with pytest.raises(InvalidAmount) as info:
        to_decimal(value, label="本金")
    assert info.value.code == code
    assert info.value.message_zh.startswith("本金")
    assert str(info.value) == info.value.message_zh
    assert isinstance(info.value, ValueError) and isinstance(info.value, FinanceError)


def test_to_decimal_error_class_is_selectable():
    with pytest.raises(InvalidRate):
        to_decimal("x", label="年利率", error=InvalidRate)
    with pytest.raises(InvalidTerm):
        to_decimal("x", label="期数", error=InvalidTerm)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2.345", "2.35"),
        ("2.344", "2.34"),
        ("0.005", "0.01"),
        ("-2.345", "-2.35"),
        ("0.125", "0.13"),
        ("7", "7.00"),
    ],
)
def test_money_rounds_half_up_to_the_fen(value, expected):
    assert money(value) == D(expected)
    assert money(D(value)) == D(expected)


def test_money_strings():
    assert money_str(D("1234.5")) == "1234.50"
    assert money_str(D("-0.001")) == "0.00"  # never "-0.00"
    assert fmt_money(D("1234567.891")) == "1,234,567.89"
    assert fmt_money("0") == "0.00"
    assert decimal_str(D("0.1303418"), 4) == "0.1303"
    assert percent_str(D("0.130341828")) == "13.03"
    assert plain_str(D("1.50")) == "1.5"
    assert plain_str(D("1E+1")) == "10"
    assert plain_str(D("0.0004")) == "0.0004"


def test_error_to_dict():
    err = InvalidAmount("金额需要大于0，请再输入一次。", code="amount_not_positive")
    assert err.to_dict() == {
        "error": "amount_not_positive",
        "type": "InvalidAmount",
        "message_zh": "金额需要大于0，请再输入一次。",
    }
    assert InvalidAmount().message_zh and InvalidAmount().code == "invalid_amount"
