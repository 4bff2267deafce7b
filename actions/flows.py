"""Shared pieces of the form flows: preparing a form's slots and the account check before it.

Every form flow starts with an ``action_start_<flow>`` that decides the form's slot values
before the form runs, so that the form asks only for what is missing:

* values given in the triggering message win;
* when the user reacts directly to the flow's previous answer ("那每月4000呢"), the other
  values of that answer are kept, so one correction recomputes the answer;
* otherwise the form's own slots are cleared (only those: nothing else is reset).

Flows that need the user's own loans (payoff plan, reminder, relief) also set the featurised
slot ``account_status`` (linked / unlinked / unavailable / no_loans); the rules start the form
only for ``linked``, otherwise the start action has already explained why not.
"""
from __future__ import annotations

import functools
import hashlib
from typing import Any, Callable, Dict, Iterable, List, Optional

from rasa_sdk.events import EventType, SlotSet

from actions.identity import LINKED, Account
from actions.slot_values import previous_bot_action

ACCOUNT_STATUS = "account_status"
NO_LOANS = "no_loans"


def is_follow_up(tracker, result_action: str) -> bool:
    """True when the latest message answers the flow's own previous result."""
    return previous_bot_action(tracker) == result_action


def prepared_values(tracker, slots: Iterable[str], given: Dict[str, Optional[Any]],
                    result_action: str) -> Dict[str, Optional[Any]]:
    """The slot values a form starts with (see the module docstring)."""
    keep = is_follow_up(tracker, result_action)
    values: Dict[str, Optional[Any]] = {}
    for slot in slots:
        value = given.get(slot)
        if value is None and keep:
            value = tracker.get_slot(slot)
        values[slot] = value
    return values


def idempotency_key(*parts: Any) -> str:
    """A stable visible-ASCII key for a ledger write, from its parts (conversation id, the id of
    the user message that triggered it, loan, day …): the same parts always give the same key,
    so a retried action replays the first write instead of writing twice."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).hexdigest()
    return f"bot-{digest[:48]}"


def slot_events(values: Dict[str, Optional[Any]], tracker=None) -> List[EventType]:
    """``SlotSet`` events for ``values`` (only the changed ones when ``tracker`` is given)."""
    return [SlotSet(slot, value) for slot, value in values.items()
            if tracker is None or tracker.get_slot(slot) != value]


def skip_empty(validate: Callable) -> Callable:
    """Decorator of a ``validate_<slot>`` method: a slot being cleared (None or blank) is not an
    answer to validate or to complain about. Rasa passes every slot set since the user's message
    to the validation, including the ones a start action cleared."""
    slot = validate.__name__[len("validate_"):]

    @functools.wraps(validate)
    def wrapper(self, value, dispatcher, tracker, domain):
        if value is None or (isinstance(value, str) and not value.strip()):
            return {slot: None}
        return validate(self, value, dispatcher, tracker, domain)

    return wrapper


def account_status_event(account: Account, has_loans: bool = True) -> EventType:
    status = account.status
    if status == LINKED and not has_loans:
        status = NO_LOANS
    return SlotSet(ACCOUNT_STATUS, status)


__all__ = ["ACCOUNT_STATUS", "NO_LOANS", "is_follow_up", "prepared_values", "idempotency_key", "slot_events",
           "skip_empty", "account_status_event"]
