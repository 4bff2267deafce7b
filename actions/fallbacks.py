"""Replies to messages the bot cannot place on their own, unless the conversation places them.

``action_unclear_message`` answers a message the NLU was not sure about (``nlu_fallback``) and
``action_number_out_of_context`` a bare value outside any flow (``inform``: "五千块"). Both used
to be fixed responses (``utter_default``, ``utter_which_calculation``), and still are, except
when the message follows a scam answer as a victim's words: "怎么办啊 救命", "我已经交了2000定金了"
then get what to do now (:mod:`actions.scam_help`), not a request to rephrase or a menu.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.scam_help import scam_victim_reply


def reply_unless_victim(dispatcher: CollectingDispatcher, tracker: Tracker, response: str) -> None:
    """A scam victim's steps when the message is one, else ``response``."""
    victim = scam_victim_reply(tracker)
    if victim:
        dispatcher.utter_message(text=victim)
    else:
        dispatcher.utter_message(response=response)


# (no shared Action base class: the action server registers every Action subclass by its name)
class ActionUnclearMessage(Action):
    def name(self) -> Text:
        return "action_unclear_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reply_unless_victim(dispatcher, tracker, "utter_default")
        return []


class ActionNumberOutOfContext(Action):
    def name(self) -> Text:
        return "action_number_out_of_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reply_unless_victim(dispatcher, tracker, "utter_which_calculation")
        return []


__all__ = ["ActionNumberOutOfContext", "ActionUnclearMessage", "reply_unless_victim"]
