"""Replies to messages the bot cannot place on their own, unless the conversation places them.

``action_unclear_message`` answers a message the NLU was not sure about (``nlu_fallback``) and
``action_number_out_of_context`` a bare value outside any flow (``inform``: "五千块"). Both used
to be fixed responses (``utter_default``, ``utter_which_calculation``), and still are, except
when the message follows a scam answer as a victim's words: "怎么办啊 救命", "我已经交了2000定金了"
then get what to do now (:mod:`actions.scam_help`), not a request to rephrase or a menu.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import LATE_WHAT_IF_TAIL, late_what_if
from actions.identity import load_account
from actions.question_figures import other_term_figures_zh
from actions.scam_help import scam_victim_reply
from actions.slot_values import latest_entities, latest_entity, latest_text
from actions.status_focus import NEXT_STEPS, focus_of, focused_messages
from bot.policy import load_policy


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
        follow_up = await follow_up_figures_zh(tracker)
        if follow_up:
            dispatcher.utter_message(text=follow_up)
            return []
        if scam_victim_reply(tracker) is None and not any(
            latest_entity(tracker, name) for name in VALUE_ENTITIES
        ):
            # no value at all: "失业了", "我刚被裁员了" said first are no number to calculate with
            if HARDSHIP.search(latest_text(tracker)):
                dispatcher.utter_message(text=HARDSHIP_ZH, buttons=HARDSHIP_BUTTONS)
            else:
                dispatcher.utter_message(response="utter_default")
            return []
        reply_unless_victim(dispatcher, tracker, "utter_which_calculation")
        return []


#: the entities that make a message a bare value
VALUE_ENTITIES = ("amount", "duration", "daily_rate", "annual_rate", "installments", "day_of_month")
#: a hardship said on its own
HARDSHIP = re.compile(
    r"失业|裁员|被辞|没工作|丢了工作|生病|住院|手术|降薪|减薪|工资没发|欠薪|倒闭|破产|没收入|收入少了"
)
HARDSHIP_ZH = (
    "听起来最近挺难的，先别慌。还款上的难处可以和贷款方协商：说“申请延期”，我帮你提交延期或分期的"
    "申请（批不批由贷款方决定）；想先看看现在欠多少、哪天到期，说“查一下我的借款”。"
)
HARDSHIP_BUTTONS = [
    {"title": "申请延期", "payload": "/request_repayment_relief"},
    {"title": "查一下我的借款", "payload": "/check_loan_status"},
]


async def follow_up_figures_zh(tracker: Tracker) -> Optional[str]:
    """A bare value that changes the figures just given: "那分12期呢" after a loan's payment,
    "那晚一个月呢" after what being late would cost a borrower on their next installment."""
    policy = load_policy()
    figures = other_term_figures_zh(tracker, policy)
    if figures:
        return figures
    if latest_entity(tracker, "duration") and LATE_WHAT_IF_TAIL in previous_bot_text(tracker):
        account = await load_account(tracker)
        if account.has_loan_data:
            return await late_what_if(tracker, account, policy)
    products = latest_entities(tracker, "loan_product")
    focus = focus_of(previous_user_text(tracker))
    if products and focus is not None and focus != NEXT_STEPS:
        # "花呗几号还" → "那信用卡呢": the same figure for the loan now named
        account = await load_account(tracker)
        if account.has_loan_data:
            bubbles = focused_messages(account.overview, focus, products, policy)
            return bubbles[0] if bubbles else None
    return None


def previous_user_text(tracker: Tracker) -> str:
    """The user's message before the latest one."""
    users = [e for e in tracker.events or [] if e.get("event") == "user"]
    return str(users[-2].get("text") or "") if len(users) > 1 else ""


def previous_bot_text(tracker: Tracker) -> str:
    """What the bot said between the user's previous message and the latest one."""
    events = list(tracker.events or [])
    latest = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if latest is None:
        return ""
    texts: List[str] = []
    for event in reversed(events[:latest]):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            texts.append(str(event.get("text") or ""))
    return "\n".join(reversed(texts))


__all__ = [
    "ActionNumberOutOfContext",
    "ActionUnclearMessage",
    "follow_up_figures_zh",
    "reply_unless_victim",
]
