"""Reading form answers: entity values from the NLU, or the user's own words as a fallback.

Values are normalised by the NLU (amount "5000", duration "P2M", daily_rate "0.0005"); when a
user answers a form question in words the extractor did not catch, the validators parse the text
again with the same rules, so a value is never lost and a rejection can say exactly why.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from bot.nlu import quantities

#: intents whose text may be taken as the answer to the question a form just asked
ANSWER_INTENTS = {"inform", "nlu_fallback", "calculate_overdue_cost", "request_payoff_plan",
                  "request_budget_plan", "request_repayment_relief", "set_repayment_reminder"}


def latest_text(tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def answered_in_words(tracker, slot: str) -> Optional[str]:
    """The latest text, if it answers the form's question for ``slot`` and no entity filled it."""
    if tracker.get_slot("requested_slot") != slot or latest_intent(tracker) not in ANSWER_INTENTS:
        return None
    text = latest_text(tracker).strip()
    return text or None


def as_amount(value: Any) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparseable value is re-parsed from words below
        return quantities.parse_amount(str(value))
