"""Reading form answers: negative numbers, amounts, durations and rates from words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.slot_values import (
    as_amount,
    as_days,
    as_rate,
    extracted_words,
    looks_negative,
    previous_bot_action,
    slots_set_this_turn,
)
from tests.actions.action_helpers import make_tracker


@pytest.mark.parametrize(
    "text, negative",
    [
        ("-5000", True),
        ("大概-2000吧", True),
        ("负五千", True),
        ("－3000", True),
        ("每月 - 1000", True),
        ("3-5天", False),
        ("借呗5000", False),
        ("T-1", False),
        ("5000", False),
        (None, False),
    ],
)
def test_negative_numbers(text, negative):
    assert looks_negative(text) is negative


def test_amounts_days_and_rates():
    assert as_amount("5000") == Decimal("5000") and as_amount("两千五") == Decimal("2500")
    assert as_amount("很多") is None and as_amount(None) is None
    assert as_days("P2M") == 60 and as_days("三周") == 21 and as_days("好久") is None
    assert as_rate("0.0005") == (Decimal("0.0005"), "daily")
    assert as_rate("0.18") == (Decimal("0.18"), "annual")
    assert as_rate("万分之五") == (Decimal("0.0005"), "daily")
    assert as_rate("年化18%") == (Decimal("0.18"), "annual")
    assert as_rate("很高") is None
    # the short spoken form alone, as the answer to the rate question; 万 with a number is yuan
    assert as_rate("万四") == (Decimal("0.0004"), "daily")
    assert as_rate("大概万五吧") == (Decimal("0.0005"), "daily")
    assert as_rate("一万四") is None


def test_turn_helpers():
    tracker = make_tracker("那三个月呢", "inform", previous_action="action_calculate_overdue_cost")
    tracker.events.append({"event": "slot", "name": "overdue_duration", "value": "P3M"})
    assert previous_bot_action(tracker) == "action_calculate_overdue_cost"
    assert slots_set_this_turn(tracker) == {"overdue_duration": "P3M"}


def test_extracted_words_answers_only_the_question_asked():
    asked = make_tracker(" 两千五 ", "inform", requested_slot="payoff_budget")
    assert extracted_words(asked, "payoff_budget") == {"payoff_budget": "两千五"}
    assert extracted_words(asked, "payoff_strategy") == {}  # not the slot the form asked for
    other_intent = make_tracker("两千五", "request_payoff_plan", requested_slot="payoff_budget")
    assert extracted_words(other_intent, "payoff_budget") == {}
    assert extracted_words(other_intent, "payoff_budget", also=("request_payoff_plan",)) == {
        "payoff_budget": "两千五"
    }
    blank = make_tracker("  ", "inform", requested_slot="payoff_budget")
    assert extracted_words(blank, "payoff_budget") == {}


@pytest.mark.parametrize(
    "text, first, second, expected",
    [
        ("不是一万 是五千", ("10000", "一万"), ("5000", "五千"), "5000"),
        ("不是3000 每月只能还2000", ("3000", "3000"), ("2000", "2000"), "2000"),
        ("借了一万 每月还五千", ("10000", "一万"), ("5000", "五千"), "10000"),  # as before
    ],
)
def test_a_correction_that_names_the_wrong_value_first_gives_the_right_one(
    text, first, second, expected
):
    from actions.slot_values import latest_entity
    from tests.actions.action_helpers import entity

    items = [entity("amount", value, surface) for value, surface in (first, second)]
    assert latest_entity(make_tracker(text, "inform", entities=items), "amount") == expected
