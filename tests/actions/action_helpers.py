"""Helpers of the action tests: trackers built from plain dicts, the way the action server gets
them (RasaHQ financial-demo style), and what the bot said. Fixtures are in conftest.py.

Every test folder is a package below the package ``tests``, so this one is ``tests.actions`` and
never shadows the project's ``actions`` (imports: ``from tests.actions.action_helpers import …``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.channels.identity import VerifiedIdentity, stamp
from bot.loans.demo_borrowers import MULTI_DEBT, ONE_YUAN, TWO_MONTHS, UP_TO_DATE  # noqa: F401
from bot.policy import load_policy

#: the signing secret of the action tests (conftest.py puts it in the environment)
IDENTITY_SECRET = "action-tests-identity-secret-7d1f"
TODAY = date(2026, 11, 23)


def entity(name: str, value: str, text: Optional[str] = None) -> Dict[str, Any]:
    """An entity as the NLU reports it; ``text`` is its surface form, placed by make_tracker."""
    item = {
        "entity": name,
        "value": value,
        "start": 0,
        "end": 0,
        "extractor": "FinanceEntityExtractor",
    }
    if text:
        item["text"] = text
    return item


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    borrower: Optional[str] = None,
    channel: Optional[str] = "widget",
    as_of: Optional[str] = None,
    requested_slot: Optional[str] = None,
    active_loop: Optional[str] = None,
    previous_action: Optional[str] = None,
    history: Iterable[Dict[str, Any]] = (),
    response_key: Optional[str] = None,
    sender_id: str = "conv-test",
    message_id: Optional[str] = None,
    with_metadata: bool = True,
) -> Tracker:
    """A tracker whose latest user message is ``text`` / ``intent`` from ``borrower``.

    ``borrower=None`` is a user whose channel identity is not linked (or no identity at all
    when ``channel`` is None too). The identity is stamped and signed as the channels do it
    (:mod:`bot.channels.identity`). ``previous_action`` is the bot action right before this
    message; ``history`` are earlier events (dicts) put before it.
    """
    entities = [dict(item) for item in entities]
    for item in entities:  # place each entity at its text in the message when it is there
        surface = item.pop("text", None)
        if surface and surface in text:
            item["start"] = text.index(surface)
            item["end"] = item["start"] + len(surface)
    metadata: Dict[str, Any] = {}
    if with_metadata and channel:
        subject = borrower or f"unlinked-{uuid.uuid4().hex[:6]}"
        metadata = stamp(
            {}, VerifiedIdentity(channel, subject, sender_id, as_of), IDENTITY_SECRET.encode()
        )
    if intent and intent.startswith("EXTERNAL_"):
        metadata = {"is_external": True}  # what Rasa puts on an external event (a reminder firing)
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99} if intent else {},
        "entities": entities,
        "message_id": message_id or uuid.uuid4().hex,
        "metadata": metadata,
    }
    if response_key:
        parse["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{response_key}", "confidence": 0.95}}
        }
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_session_start"},
        {"event": "action", "name": "action_listen"},
    ]
    events += list(history)
    if previous_action:
        events += [
            {"event": "action", "name": previous_action},
            {"event": "action", "name": "action_listen"},
        ]
    events.append(
        {
            "event": "user",
            "text": text,
            "parse_data": parse,
            "metadata": metadata,
            "message_id": parse["message_id"],
            "input_channel": channel,
        }
    )
    all_slots = dict(load_policy().as_slots())
    all_slots.update(slots or {})
    if requested_slot:
        all_slots["requested_slot"] = requested_slot
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    """Everything the bot said, as one string."""
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


def slot_values(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def slots_after(
    tracker: Tracker, events: List[Dict[str, Any]], names: Iterable[str]
) -> Dict[str, Any]:
    """The values of ``names`` once ``events`` are applied to ``tracker`` (start actions only
    send the slots they change)."""
    values = {name: tracker.get_slot(name) for name in names}
    values.update({name: value for name, value in slot_values(events).items() if name in values})
    return values
