"""The shared pieces of the form flows (actions/flows.py): amount validation and the account
checks of the start actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.flows import (
    explain_no_loan_data,
    stop_for_no_loans,
    stop_without_loan_data,
    validate_amount,
)
from actions.identity import LINK_HELP_ZH, UNAVAILABLE_ZH, Account, ChannelIdentity
from tests.actions.action_helpers import make_tracker, slot_values, texts

REPLIES = dict(negative="NEG", unrecognised="WHAT", too_large="BIG {amount}")
IDENTITY = ChannelIdentity("widget", "someone")


def _validate(value, text="", zero=None, quantum=None, requested="budget"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text or str(value), "inform", requested_slot=requested)
    result = validate_amount(
        value,
        dispatcher,
        tracker,
        "budget",
        maximum=Decimal("1000"),
        zero=zero,
        quantum=quantum,
        **REPLIES,
    )
    return result, texts(dispatcher)


@pytest.mark.parametrize(
    "value, text, expected, said",
    [
        ("800", "", {"budget": "800"}, ""),
        ("800.50", "", {"budget": "800.5"}, ""),
        ("八百", "", {"budget": "800"}, ""),
        ("1000", "", {"budget": "1000"}, ""),
        ("1000.01", "", {"budget": None}, "BIG 1,000.01元"),
        ("-5", "", {"budget": None}, "NEG"),
        ("500", "-500", {"budget": None}, "NEG"),  # the NLU dropped the sign the user wrote
        ("不知道", "", {"budget": None}, "WHAT"),
        ("0", "", {"budget": "0"}, ""),  # zero is accepted unless the flow has a reply for it
    ],
)
def test_validate_amount(value, text, expected, said):
    assert _validate(value, text) == (expected, said)


def test_validate_amount_refuses_zero_when_the_flow_says_why():
    assert _validate("0", zero="ZERO") == ({"budget": None}, "ZERO")
    assert _validate("1", zero="ZERO") == ({"budget": "1"}, "")


def test_validate_amount_checks_the_sign_before_anything_else():
    # a negative answer is a negative answer, even when it is also too large
    assert _validate("-5000", zero="ZERO") == ({"budget": None}, "NEG")


def test_the_sign_of_the_text_counts_only_for_the_slot_the_form_asked_for():
    assert _validate("500", text="-500", requested="other") == ({"budget": "500"}, "")


def test_validate_amount_rounds_to_the_quantum():
    assert _validate("12.346", quantum=Decimal("0.01")) == ({"budget": "12.35"}, "")
    assert _validate("12.3", quantum=Decimal("0.01")) == ({"budget": "12.3"}, "")


def test_an_unlinked_user_gets_the_flow_hint():
    dispatcher = CollectingDispatcher()
    events = stop_without_loan_data(
        dispatcher, Account("unlinked", IDENTITY, message_zh=LINK_HELP_ZH), "HINT"
    )
    assert slot_values(events) == {"account_status": "unlinked"}
    assert texts(dispatcher) == LINK_HELP_ZH + "\nHINT"


def test_an_unavailable_ledger_gets_no_hint():
    dispatcher = CollectingDispatcher()
    events = stop_without_loan_data(
        dispatcher, Account("unavailable", IDENTITY, message_zh=UNAVAILABLE_ZH), "HINT"
    )
    assert slot_values(events) == {"account_status": "unavailable"}
    assert texts(dispatcher) == UNAVAILABLE_ZH


def test_without_a_hint_only_the_account_message_is_said():
    dispatcher = CollectingDispatcher()
    explain_no_loan_data(dispatcher, Account("unlinked", IDENTITY, message_zh=LINK_HELP_ZH))
    assert [message["text"] for message in dispatcher.messages] == [LINK_HELP_ZH]


def test_no_loans_stops_the_flow():
    dispatcher = CollectingDispatcher()
    events = stop_for_no_loans(
        dispatcher, Account("linked", IDENTITY, borrower_id="b"), "NOTHING DUE"
    )
    assert slot_values(events) == {"account_status": "no_loans"}
    assert texts(dispatcher) == "NOTHING DUE"


def test_has_loan_data():
    assert not Account("unlinked", IDENTITY).has_loan_data
    assert not Account("linked", IDENTITY, borrower_id="b").has_loan_data  # loans not loaded


def test_amounts_are_rounded_half_up_to_the_fen():
    from decimal import Decimal

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.flows import validate_amount

    tracker = Tracker(
        "t",
        {"requested_slot": "relief_affordable"},
        {"text": "12.345", "intent": {"name": "inform"}},
        [],
        False,
        None,
        None,
        "",
    )
    result = validate_amount(
        "12.345",
        CollectingDispatcher(),
        tracker,
        "relief_affordable",
        maximum=Decimal("1000000"),
        negative="neg",
        unrecognised="?",
        too_large="big",
        quantum=Decimal("0.01"),
    )
    assert result == {"relief_affordable": "12.35"}
