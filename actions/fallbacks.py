"""Replies to messages the bot cannot place on their own, unless the conversation places them.

``action_unclear_message`` answers a message the NLU was not sure about (``nlu_fallback``) and
``action_number_out_of_context`` a bare value outside any flow (``inform``: "五千块"). Both used
to be fixed responses (``utter_default``, ``utter_which_calculation``), and still are, except
when the message follows a scam answer as a victim's words: "怎么办啊 救命", "我已经交了2000定金了"
then get what to do now (:mod:`actions.scam_help`), not a request to rephrase or a menu.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import (
    COURT_REDUCTION_ABOVE,
    LATE_WHAT_IF_TAIL,
    context_answer,
    late_what_if,
    stated_rate_followup,
)
from actions.identity import load_account
from actions.loan_status import asks_to_pay_off_all, pay_off_all_zh, status_messages
from actions.out_of_scope import ENGLISH_ZH, written_in_english
from actions.overdue_cost import LATE_WORDS, MAX_AMOUNT, MAX_DAYS, overdue_cost_message
from actions.partial_payment import partial_payment_zh, previewed_amount, repayment_amount
from actions.question_figures import other_term_figures_zh
from actions.scam_help import scam_victim_reply
from actions.slot_values import (
    as_amount,
    as_days,
    as_rate,
    latest_entities,
    latest_entity,
    latest_text,
    previous_bot_text,
    previous_user_event,
    topic_of,
)
from actions.status_focus import NEXT_STEPS, focus_of, focused_messages
from bot.finance import validate
from bot.finance.errors import FinanceError
from bot.finance.money import percent_str
from bot.finance.rates import as_annual, as_daily
from bot.policy import load_policy
from bot.policy.wording import EXAMPLE_DAILY_RATE


def reply_unless_victim(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: str,
    victim: Optional[str] = None,
) -> None:
    """A scam victim's steps when the message is one (``victim``, when the caller has it already);
    for a message written in English, the note that the bot speaks Chinese (a Chinese menu or
    rephrase request would not help); else ``response``."""
    victim = victim or scam_victim_reply(tracker)
    if victim:
        dispatcher.utter_message(text=victim)
    elif written_in_english(latest_text(tracker)):
        dispatcher.utter_message(text=ENGLISH_ZH)
    else:
        dispatcher.utter_message(response=response)


#: a stop at the start of a message ("不申请了 我问下会罚多少"): what follows may be a question
_STOP_FIRST = re.compile(
    r"^\s*(?:那|好吧|哦)?\s*(?:算了|不用了|不要了|不申请了|不用申请了|先不申请了|不办了|不弄了|不算了|"
    r"不做了|不设了|停|取消)[了吧啊呀，,。.！!\s]*"
)


class ActionFormStopped(Action):
    """A form stopped (``deny`` inside it): ``utter_form_stopped``, then the figure a question
    after the stop asks for ("不申请了 我问下会罚多少"), from a linked borrower's own loans."""

    def name(self) -> Text:
        return "action_form_stopped"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_form_stopped")
        text = latest_text(tracker)
        stop = _STOP_FIRST.match(text)
        rest = text[stop.end() :] if stop else ""
        focus = focus_of(rest) if rest else None
        if focus is None:
            return []
        account = await load_account(tracker)
        if not account.has_loan_data:
            return []
        bubbles = focused_messages(
            account.overview, focus, latest_entities(tracker, "loan_product"), load_policy()
        )
        for bubble in bubbles or []:
            dispatcher.utter_message(text=bubble)
        return []


# (no shared Action base class: the action server registers every Action subclass by its name)
class ActionUnclearMessage(Action):
    def name(self) -> Text:
        return "action_unclear_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        follow_up = await follow_up_figures_zh(tracker)  # "那信用卡呢" read with low confidence
        if follow_up and scam_victim_reply(tracker) is None:
            dispatcher.utter_message(text=follow_up)
            return []
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
        victim = scam_victim_reply(tracker)  # asked once: it reads the service guide
        if written_in_english(latest_text(tracker)):  # "can I pay 2000 first?"
            reply_unless_victim(dispatcher, tracker, "utter_which_calculation", victim)
            return []
        repayment = repayment_amount(tracker) or previewed_amount(tracker)
        if repayment is not None and victim is None:
            partial = await partial_payment_zh(tracker)  # "先还600", "那还3000呢"
            if partial:
                dispatcher.utter_message(text=partial)
                return []
        late = None if victim else await own_lateness_zh(tracker)
        if late:  # "信用卡晚了一天" from a borrower who is not overdue: that lateness on the card
            dispatcher.utter_message(text=late)
            return []
        pieces = what_if_in_pieces_zh(tracker) if victim is None else None
        if pieces:  # "我借了1万" → "逾期两个月了": the what-if on those numbers, not a menu
            for bubble in pieces:
                dispatcher.utter_message(text=bubble)
            return []
        if victim is None and not any(latest_entity(tracker, name) for name in VALUE_ENTITIES):
            # no value at all: "失业了", "我刚被裁员了" said first are no number to calculate with
            if HARDSHIP.search(latest_text(tracker)):
                dispatcher.utter_message(text=HARDSHIP_ZH, buttons=HARDSHIP_BUTTONS)
            else:
                dispatcher.utter_message(response="utter_default")
            return []
        reply_unless_victim(dispatcher, tracker, "utter_which_calculation", victim)
        return []


async def own_lateness_zh(tracker: Tracker) -> Optional[str]:
    """A lateness with no amount ("信用卡晚了一天", "花呗拖十天") from a linked borrower who is not
    overdue: what it would do to their next installment (:func:`late_what_if`); None otherwise
    (the caller has ruled out a scam victim's message)."""
    if latest_entity(tracker, "amount"):
        return None
    if not latest_entity(tracker, "duration") or not LATE_WORDS.search(latest_text(tracker)):
        return None
    account = await load_account(tracker)
    if not account.has_loan_data:
        return None
    return await late_what_if(tracker, account, load_policy())


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


#: how many of the user's latest messages a what-if told in pieces may span
PIECES_WINDOW = 3


def what_if_in_pieces(tracker: Tracker) -> Optional[Tuple[Decimal, int, Optional[Decimal]]]:
    """A what-if told in pieces ("我借了1万" → "逾期两个月了" → "年化18"): ``(amount, days,
    daily rate or None)`` from the user's last few messages, the latest value winning, when the
    latest message gives one of them, an earlier one the rest, and one speaks of lateness."""
    users = [e for e in tracker.events or [] if e.get("event") == "user"][-PIECES_WINDOW:]
    if len(users) < 2:
        return None
    found: Dict[str, Any] = {}
    late = False
    for event in users:
        late = late or bool(LATE_WORDS.search(str(event.get("text") or "")))
        for item in (event.get("parse_data") or {}).get("entities") or []:
            name, value = item.get("entity"), item.get("value")
            if name == "amount" and as_amount(value):
                found["amount"] = as_amount(value)
            elif name == "duration" and as_days(value):
                found["days"] = as_days(value)
            elif name in ("daily_rate", "annual_rate") and as_rate(value) is not None:
                found["rate"] = (name, Decimal(str(value)))
    latest = {item.get("entity") for item in (tracker.latest_message or {}).get("entities") or []}
    if not late or not latest & set(VALUE_ENTITIES) or "amount" not in found or "days" not in found:
        return None
    if found["amount"] > MAX_AMOUNT or not 0 < found["days"] <= MAX_DAYS:
        return None
    daily = None
    if "rate" in found:
        kind, value = found["rate"]
        day_count = load_policy().day_count
        try:
            daily = value if kind == "daily_rate" else as_daily(value, "annual", day_count)
            validate.daily_rate(daily, day_count)
        except (FinanceError, ArithmeticError, ValueError):
            daily = None
    return found["amount"], found["days"], daily


def what_if_in_pieces_zh(tracker: Tracker) -> Optional[List[str]]:
    """The answer to :func:`what_if_in_pieces`: the overdue what-if on those numbers, the
    example rate (said) when no rate was given."""
    pieces = what_if_in_pieces(tracker)
    if pieces is None:
        return None
    amount, days, daily = pieces
    policy = load_policy()
    try:
        rate = daily if daily is not None else EXAMPLE_DAILY_RATE
        bubbles = overdue_cost_message(amount, days, rate, policy)
    except FinanceError:
        return None
    head = "把你前面说的合起来算："
    if daily is None:
        head = (
            "把你前面说的合起来算（利率你没说，先按示例利率；告诉我你的利率，比如“年化18%”，"
            "我重新算）："
        )
    notes = INSTALLMENTS_NOTE_ZH
    penalty_annual = as_annual(rate * policy.penalty_multiplier, policy.day_count)
    if penalty_annual > COURT_REDUCTION_ABOVE:
        notes += (
            f"罚息年化{percent_str(penalty_annual)}%已经高于24%：金融机构的借款，利息、罚息等合计"
            "超过年化24%的部分，可以请求法院调减。"
        )
    return [head + "\n" + bubbles[0], *bubbles[1:], notes]


#: the what-if charges penalty on the whole amount said: right for a loan due at once, not for
#: one repaid in installments
INSTALLMENTS_NOTE_ZH = (
    "注意：上面是把整笔当作已经到期没还来算的。分期还的借款，罚息只按到期没还的那几期算，"
    "实际会少得多；绑定账户后我能按你的账算。"
)


async def follow_up_figures_zh(tracker: Tracker) -> Optional[str]:
    """A bare value that changes the figures just given: "那分12期呢" after a loan's payment,
    "那晚一个月呢" after what being late would cost a borrower on their next installment."""
    policy = load_policy()
    figures = other_term_figures_zh(tracker, policy)
    if figures:
        return figures
    answer = await context_answer(tracker)
    if answer:  # "咋算的" after a penalty figure, "先还它行不" after the dearest loan, "明天呢"
        return answer
    if latest_entity(tracker, "duration") and LATE_WHAT_IF_TAIL in previous_bot_text(tracker):
        account = await load_account(tracker)
        if account.has_loan_data:
            return await late_what_if(tracker, account, policy)
    products = latest_entities(tracker, "loan_product")
    if products and asks_to_pay_off_all(previous_user_text(tracker)):
        # "先把花呗还清要多少钱" → "那信用卡呢": what clearing that one takes
        account = await load_account(tracker)
        if account.has_loan_data:
            return pay_off_all_zh(account.overview, policy, products)
    if previous_topic(tracker) == "interest_rate" and (
        latest_entity(tracker, "daily_rate") or latest_entity(tracker, "annual_rate")
    ):
        # "月费率0.5% 年化多少" → "那日息万五呢": that rate converted too
        converted = stated_rate_followup(tracker, policy)
        if converted:
            return converted
    focus = focus_of(previous_user_text(tracker))
    if products and focus is None and previous_intent(tracker) == "check_loan_status":
        # "我欠多少" → "那花呗呢": the status of the loan now named
        account = await load_account(tracker)
        if account.has_loan_data:
            return "\n".join(status_messages(account.overview, policy, products))
    if products and focus is not None and focus != NEXT_STEPS:
        # "花呗几号还" → "那信用卡呢": the same figure for the loan now named
        account = await load_account(tracker)
        if account.has_loan_data:
            bubbles = focused_messages(account.overview, focus, products, policy)
            return bubbles[0] if bubbles else None
    return None


def previous_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the user's message before the latest one."""
    before = previous_user_event(tracker)
    return (((before or {}).get("parse_data") or {}).get("intent") or {}).get("name")


def previous_topic(tracker: Tracker) -> Optional[str]:
    """The FAQ topic of the user's message before the latest one."""
    before = previous_user_event(tracker)
    return topic_of(before.get("parse_data")) if before else None


def previous_user_text(tracker: Tracker) -> str:
    """The user's message before the latest one."""
    before = previous_user_event(tracker)
    return str(before.get("text") or "") if before else ""


__all__ = [
    "ActionFormStopped",
    "ActionNumberOutOfContext",
    "ActionUnclearMessage",
    "follow_up_figures_zh",
    "reply_unless_victim",
]
