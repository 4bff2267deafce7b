"""Shared pieces of the form flows: preparing a form's slots and the account check before it.

Every form flow starts with an ``action_start_<flow>`` that decides the form's slot values
before the form runs, so that the form asks only for what is missing:

* values given in the triggering message win;
* when the user reacts directly to the flow's previous answer ("那每月4000呢"), the other
  values of that answer are kept, so one correction recomputes the answer;
* otherwise the form's own slots are cleared (only those: nothing else is reset).

Flows that need the user's own loans (payoff plan, reminder, relief) also set the featurised
slot ``account_status`` (linked / unlinked / unavailable / no_loans); the rules start the form
only for ``linked``, otherwise the start action has already explained why not
(:func:`stop_without_loan_data`, :func:`stop_for_no_loans`).

Form validators share :func:`skip_empty` and, for amounts of money, :func:`validate_amount`.
"""

from __future__ import annotations

import functools
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Dict, Iterable, List, Optional

from rasa_sdk.events import EventType, SlotSet

from actions.identity import LINKED, UNLINKED, Account
from actions.replies import yuan
from actions.slot_values import as_amount, negative_answer, previous_bot_action
from bot.finance.money import plain_str

ACCOUNT_STATUS = "account_status"
NO_LOANS = "no_loans"
#: the start action answered the request itself and nothing is left for the form to do
ANSWERED = "answered"


def is_follow_up(tracker, result_action: str) -> bool:
    """True when the latest message answers the flow's own previous result."""
    return previous_bot_action(tracker) == result_action


def prepared_values(
    tracker, slots: Iterable[str], given: Dict[str, Optional[Any]], result_action: str
) -> Dict[str, Optional[Any]]:
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
    return [
        SlotSet(slot, value)
        for slot, value in values.items()
        if tracker is None or tracker.get_slot(slot) != value
    ]


def skip_empty(validate: Callable) -> Callable:
    """Decorator of a ``validate_<slot>`` method: a slot being cleared (None or blank) is not an
    answer to validate or to complain about. Rasa passes every slot set since the user's message
    to the validation, including the ones a start action cleared."""
    slot = validate.__name__[len("validate_") :]

    @functools.wraps(validate)
    def wrapper(self, value, dispatcher, tracker, domain):
        if value is None or (isinstance(value, str) and not value.strip()):
            return {slot: None}
        return validate(self, value, dispatcher, tracker, domain)

    return wrapper


def slot_extractor(slot: str, read: Callable[[Any, str], Dict[str, Any]]) -> Callable:
    """An ``extract_<slot>`` method of a form validation that returns ``read(tracker, slot)``:
    for forms whose slots are all read from the message the same way."""

    async def extract(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        return read(tracker, slot)

    extract.__name__ = f"extract_{slot}"
    return extract


def validate_amount(
    value: Any,
    dispatcher,
    tracker,
    slot: str,
    *,
    maximum: Decimal,
    negative: str,
    unrecognised: str,
    too_large: str,
    zero: Optional[str] = None,
    quantum: Optional[Decimal] = None,
) -> Dict[str, Optional[str]]:
    """The validation of a form's amount ``slot``: ``{slot: "<plain number>"}``, or ``{slot: None}``
    after telling the user why not, checked in this order: written as a negative number
    (``negative``), not understood (``unrecognised``), zero (``zero``; zero is accepted when it is
    None), above ``maximum`` (``too_large``, where ``{amount}`` stands for the amount in yuan).
    ``quantum`` rounds the accepted amount first (``Decimal("0.01")``: to the fen)."""
    amount = as_amount(value)
    if negative_answer(tracker, slot, value) or (amount is not None and amount < 0):
        dispatcher.utter_message(text=negative)
    elif amount is None:
        dispatcher.utter_message(text=unrecognised)
    elif zero is not None and amount == 0:
        dispatcher.utter_message(text=zero)
    elif amount > maximum:
        dispatcher.utter_message(text=too_large.format(amount=yuan(amount)))
    else:
        return {
            slot: plain_str(
                amount.quantize(quantum, rounding=ROUND_HALF_UP) if quantum is not None else amount
            )
        }
    return {slot: None}


def account_status_event(account: Account, has_loans: bool = True) -> EventType:
    status = account.status
    if status == LINKED and not has_loans:
        status = NO_LOANS
    return SlotSet(ACCOUNT_STATUS, status)


def explain_no_loan_data(dispatcher, account: Account, unlinked_hint: str = "") -> None:
    """Tell the user why their loans cannot be used (``account.message_zh``: how to link, or that
    the ledger is unavailable); an unlinked user also gets the flow's ``unlinked_hint``, a way
    forward without linking."""
    text = account.message_zh
    if unlinked_hint and account.status == UNLINKED:
        text += "\n" + unlinked_hint
    dispatcher.utter_message(text=text)


def stop_without_loan_data(
    dispatcher, account: Account, unlinked_hint: str = ""
) -> List[EventType]:
    """End a start action when the user's loans cannot be used: explain
    (:func:`explain_no_loan_data`) and set ``account_status`` (unlinked / unavailable)."""
    explain_no_loan_data(dispatcher, account, unlinked_hint)
    return [account_status_event(account)]


def stop_for_no_loans(dispatcher, account: Account, text: str) -> List[EventType]:
    """End a start action of a linked user with nothing to work on: say ``text``, set
    ``account_status`` to ``no_loans`` (so the rules do not start the form)."""
    dispatcher.utter_message(text=text)
    return [account_status_event(account, has_loans=False)]


__all__ = [
    "ACCOUNT_STATUS",
    "NO_LOANS",
    "ANSWERED",
    "is_follow_up",
    "prepared_values",
    "idempotency_key",
    "slot_events",
    "skip_empty",
    "validate_amount",
    "account_status_event",
    "explain_no_loan_data",
    "stop_without_loan_data",
    "stop_for_no_loans",
]
