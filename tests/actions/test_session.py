"""action_session_start: a new session carries the lender policy for the FAQ answers."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from bot.policy import load_policy
from tests.actions.action_helpers import make_tracker


async def test_session_start_sets_the_policy_slots_and_listens():
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, make_tracker("", None), {})
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == load_policy().as_slots()
    assert "1.5倍" in slots["policy_penalty_multiplier_rule"]
    assert dispatcher.messages == []


def test_every_policy_slot_is_declared_in_the_domain(domain):
    assert set(load_policy().as_slots()) <= set(domain["slots"])
