"""bot.finance.rates: the unchecked conversions the forms use before they validate a rate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.finance.rates import as_annual, as_daily


def test_as_daily_and_as_annual_convert_without_range_checks():
    assert as_daily(Decimal("0.18"), "annual") == Decimal("0.0005")
    assert as_daily(Decimal("0.0005"), "daily") == Decimal("0.0005")
    assert as_daily(Decimal("365"), "annual", 365) == Decimal("1")  # absurd, but converted
    assert as_annual(Decimal("0.05")) == Decimal("18")
    with pytest.raises(ValueError):
        as_daily(Decimal("0.1"), "monthly")
