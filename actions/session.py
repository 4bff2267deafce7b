"""The lender policy in the ``policy_*`` slots, which the FAQ answers quote.

``action_session_start`` copies :meth:`LenderPolicy.as_slots` into the slots at the start of
every session. A conversation can reach an FAQ answer without that having run (a tracker
created through the HTTP API, a session that started while the action server was down, a
tracker from before a slot was added); the slots then hold their ``initial_value`` from
``domain.yml`` — the texts of :data:`bot.policy.wording.FALLBACK_SLOTS`, which name no figure
and point to the contract — never ``None``. :func:`policy_slot_events` also lets other actions
bring stale or missing policy slots up to date (``action_faq_followup`` does, after each answer).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.policy import load_policy


def policy_slot_events(tracker: Optional[Tracker] = None) -> List[EventType]:
    """``SlotSet`` events for the policy slots: all of them, or only those whose value in
    ``tracker`` differs from the loaded policy."""
    slots = load_policy().as_slots()
    return [
        SlotSet(name, value)
        for name, value in slots.items()
        if tracker is None or tracker.get_slot(name) != value
    ]


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        events += policy_slot_events()
        events.append(ActionExecuted("action_listen"))
        return events


__all__ = ["ActionSessionStart", "policy_slot_events"]
