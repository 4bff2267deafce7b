"""Repayment reminders: set (form: how many days before), fire, and cancel.

Flow: ``set_repayment_reminder`` → ``action_start_repayment_reminder`` (linked? anything due?)
→ ``reminder_form`` (days before the due date) → ``action_set_repayment_reminder``.

A reminder lives in the ledger (``create_reminder``, one per loan, with this conversation's id
and channel): the ledger's reminder scheduler (:mod:`bot.loans.reminder_scheduler`) fires it at
09:00 Beijing time on its day through Rasa's ``trigger_intent`` API as
``EXTERNAL_repayment_reminder`` with the entities ``loan_product`` and ``reminder_id``, once,
and schedules next month's itself; nothing is kept in the Rasa process, so a restart or a
second replica loses nothing. ``action_react_to_reminder`` tells the amount due of that
reminder's loan (the borrower is the one of this conversation's latest verified message, see
:mod:`actions.identity`); a reminder id it has already answered in this conversation is
answered only once. ``action_cancel_repayment_reminder`` cancels the borrower's reminders in
the ledger.

Dates: "today" is the ledger's day (or the ``as_of`` of the debug shell).
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows import (
    ACCOUNT_STATUS,
    ANSWERED,
    account_status_event,
    explain_no_loan_data,
    idempotency_key,
    skip_empty,
    slot_events,
    stop_for_no_loans,
    stop_without_loan_data,
)
from actions.identity import Account, load_account
from actions.loan_facts import in_grace, loan_names, open_loans
from actions.replies import date_zh, relative_day_zh, yuan
from actions.slot_values import (
    as_amount,
    as_days,
    extracted_words,
    latest_entity,
    latest_text,
    latest_user_event,
    negative_answer,
)
from bot.finance.months import add_months
from bot.loans import client as loans_client
from bot.loans.client import LoanServiceError, LoanSummary, NotFound, Reminder
from bot.policy import load_policy
from bot.policy.wording import cutoff_rule_zh

log = logging.getLogger(__name__)

REMINDER_INTENT = "EXTERNAL_repayment_reminder"
REMINDER_ID_ENTITY = "reminder_id"
DAYS_SLOT = "reminder_days_before"
PRODUCT_SLOT = "reminder_product"
MAX_DAYS_BEFORE = 31
STOP_HINT = "不想设了可以说“算了”。"
UNLINKED_HINT = "绑定之后我才知道你的还款日，才能按时提醒你。"
DAY_BUTTONS = [
    {"title": "提前1天", "payload": '/inform{"duration":"P1D"}'},
    {"title": "提前3天", "payload": '/inform{"duration":"P3D"}'},
    {"title": "提前7天", "payload": '/inform{"duration":"P7D"}'},
]
_SAME_DAY_WORDS = ("当天", "当日", "还款日那天", "到期那天", "那天")


def following_due_date(loan: LoanSummary, due: date) -> Optional[date]:
    """The installment after the one due on ``due`` (None after the last one)."""
    day = loan.due_day or due.day
    following = add_months(due, 1, day)
    if loan.start_date is not None and loan.term_months:
        last = add_months(loan.start_date, loan.term_months, day)
        if following > last:
            return None
    return following


def reminder_targets(account: Account, product: Optional[str]) -> List[LoanSummary]:
    loans = [loan for loan in open_loans(account.overview) if loan.next_due_date is not None]
    if product:
        loans = [loan for loan in loans if loan.product == product]
    return loans


def penalty_state_zh(loan: LoanSummary) -> str:
    """Where the penalty of an overdue loan stands: free inside the grace days, else growing."""
    if in_grace(loan, load_policy()):
        return "还在宽限期内，这几天还上不收罚息。"
    return "罚息按天在算，越早还越好。"


class ActionStartRepaymentReminder(Action):
    def name(self) -> Text:
        return "action_start_repayment_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        account = await load_account(tracker)
        if not account.has_loan_data:
            return stop_without_loan_data(dispatcher, account, UNLINKED_HINT)
        product = latest_entity(tracker, "loan_product")
        if not reminder_targets(account, product):
            which = (
                f"{product}"
                if product and any(item.product == product for item in account.overview.loans)
                else ""
            )
            if product and not which:
                text = f"你名下没有{product}的借款，没法设置它的提醒。"
            else:
                text = "你目前没有待还的账单，不需要还款提醒 🎉"
            return stop_for_no_loans(dispatcher, account, text)
        values = {PRODUCT_SLOT: product, DAYS_SLOT: latest_entity(tracker, "duration")}
        if values[DAYS_SLOT] is None:  # the form will ask: first what is set now
            listed = await current_reminders_zh(account)
            only_asked = bool(_ONLY_LISTING.search(latest_text(tracker)))
            if listed is None and (only_asked or _ASKS_WHAT_IS_SET.search(latest_text(tracker))):
                listed = NONE_SET_ZH
            if listed and only_asked:
                # "我的提醒", "我设了哪些提醒": the list, and how to set or change one; no form
                hint = NONE_SET_HINT_ZH if listed == NONE_SET_ZH else SET_HINT_ZH
                dispatcher.utter_message(text=listed.split("\n重新设置")[0] + "\n" + hint)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
            if listed:
                dispatcher.utter_message(text=listed)
        return [account_status_event(account)] + slot_events(values, tracker)


#: a question of what is set and nothing else ("我的提醒", "查看提醒", "我设了哪些提醒")
_ONLY_LISTING = re.compile(
    r"^\s*(?:我的提醒|查看提醒|看看提醒|看下提醒|查下提醒|提醒列表|我的还款提醒|"
    r"(?:我)?(?:都|现在)?设了(?:哪些|什么|几个)(?:还款)?提醒|(?:我)?有(?:哪些|什么|几个)(?:还款)?提醒|"
    r"提醒都有哪些|现在有什么提醒)[吗呢啊？?。.！!\s]*$"
)
SET_HINT_ZH = "想改或新设，说“还款日前3天提醒我”；不需要了说“取消提醒”。"
NONE_SET_ZH = "你现在还没有设还款提醒。"
NONE_SET_HINT_ZH = "想设的话，说“还款日前3天提醒我”，每期到期前我会提醒你。"
#: "我设了哪些提醒", "现在的提醒是提前几天": what is set, asked
_ASKS_WHAT_IS_SET = re.compile(r"哪些提醒|设了|设的|什么提醒|有没有设|提醒是提前|现在的提醒")


async def current_reminders_zh(account: Account) -> Optional[str]:
    """The borrower's reminders still to come, one line per loan ("我设了哪些提醒" starts the
    form as much as a new request does); None when there are none or the ledger cannot say."""
    try:
        active = await loans_client.get_client().list_reminders(
            account.borrower_id, status="active"
        )
    except LoanServiceError as error:
        log.warning("could not list reminders: %s", error.code)
        return None
    names = loan_names(account.overview.loans)
    lines = [
        f"· {names.get(reminder.loan_id, '借款')}：提前{reminder.days_before}天，"
        f"{date_zh(reminder.remind_on, account.overview.as_of)}提醒"
        for reminder in sorted(active, key=lambda item: (item.remind_on, item.loan_id or ""))
    ]
    if not lines:
        return None
    return (
        "你现在设的还款提醒：\n" + "\n".join(lines) + "\n重新设置会替换原来的；不用改就说“算了”。"
    )


class ValidateReminderForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_reminder_form"

    async def extract_reminder_days_before(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if latest_entity(tracker, "duration"):
            return {}
        return extracted_words(tracker, DAYS_SLOT, also=("set_repayment_reminder",))

    @skip_empty
    def validate_reminder_days_before(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        days = as_days(text)
        if days is None and any(word in text for word in _SAME_DAY_WORDS):
            days = 0
        if days is None:
            number = as_amount(text)
            if number is not None and number == number.to_integral_value():
                days = int(number)
        if negative_answer(tracker, DAYS_SLOT, text) or (days is not None and days < 0):
            dispatcher.utter_message(text="提前的天数不能是负数。")
        elif days is None:
            dispatcher.utter_message(
                text=f"这个天数我没认出来，说“3天”这样的就行；还款日当天提醒就说“当天”。{STOP_HINT}"
            )
        elif days > MAX_DAYS_BEFORE:
            dispatcher.utter_message(text=f"最多能提前{MAX_DAYS_BEFORE}天提醒。")
        else:
            return {DAYS_SLOT: str(days)}
        return {DAYS_SLOT: None}


class ActionAskReminderDaysBefore(Action):
    def name(self) -> Text:
        return "action_ask_reminder_days_before"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(text="想在还款日前几天提醒你？", buttons=DAY_BUTTONS)
        return []


async def _record(
    account: Account,
    loan: LoanSummary,
    remind_on: date,
    days_before: int,
    key: str,
    conversation_id: str,
    keep_until: Optional[date] = None,
) -> Tuple[Optional[Reminder], List[Reminder]]:
    """Record the reminder in the ledger, to be delivered into ``conversation_id`` (this
    conversation), and retire that loan's older scheduled ones, except those still ahead on or
    before ``keep_until`` (the current period's, when the new one is for the next period):
    ``(the new reminder or None when the ledger could not record it, the older ones kept)``."""
    channel = account.identity.channel or "rest"
    client = loans_client.get_client()
    try:
        created = await client.create_reminder(
            account.borrower_id,
            remind_on=remind_on,
            channel=channel,
            days_before=days_before,
            loan_id=loan.loan_id,
            conversation_id=conversation_id,
            idempotency_key=key,
        )
    except LoanServiceError as error:
        log.warning("could not record a reminder: %s", error.code)
        return None, []
    kept: List[Reminder] = []
    today = account.today or remind_on
    try:
        for older in await client.list_reminders(account.borrower_id, status="scheduled"):
            if older.loan_id != loan.loan_id or older.reminder_id == created.reminder_id:
                continue
            if keep_until is not None and today <= older.remind_on <= keep_until:
                kept.append(older)  # this period's reminder, still ahead
                continue
            await client.cancel_reminder(account.borrower_id, older.reminder_id)
    except LoanServiceError as error:  # the new reminder stands; an old one stays scheduled
        log.warning("could not retire older reminders: %s", error.code)
    return created, kept


def plan_reminder(
    loan: LoanSummary, days_before: int, today: date
) -> Tuple[Optional[date], date, bool]:
    """``(remind_on, due, rolled)``: the reminder day for the next due date, or for the one after
    it when that day has passed (``rolled``); ``remind_on`` is None when there is no later one."""
    due = loan.next_due_date
    remind_on = due - timedelta(days=days_before)
    if remind_on >= today:
        return remind_on, due, False
    following = following_due_date(loan, due)
    if following is None:
        return None, due, True
    return following - timedelta(days=days_before), following, True


class ActionSetRepaymentReminder(Action):
    def name(self) -> Text:
        return "action_set_repayment_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        days = tracker.get_slot(DAYS_SLOT)
        try:
            days_before = int(days)
        except (TypeError, ValueError):
            dispatcher.utter_message(text="抱歉，提醒没设置成功。可以再说一次想提前几天提醒吗？")
            return []
        account = await load_account(tracker)
        if not account.has_loan_data:
            explain_no_loan_data(dispatcher, account)
            return []
        today = account.overview.as_of
        names = loan_names(account.overview.loans)
        message_id = (latest_user_event(tracker) or {}).get("message_id") or ""
        lines, recorded, failed = [], [], []
        for loan in reminder_targets(account, tracker.get_slot(PRODUCT_SLOT)):
            remind_on, due, rolled = plan_reminder(loan, days_before, today)
            name = names[loan.loan_id]
            if rolled:
                lines.append(
                    f"· {name}这一期{date_zh(loan.next_due_date, today)}"
                    f"（{relative_day_zh(loan.next_due_date, today)}）就到期，"
                    f"应还{yuan(loan.next_due_amount)}，来不及提前{days_before}天提醒了，"
                    "记得按时还。"
                )
            if loan.overdue_total > 0:
                lines.append(
                    f"· {name}另有逾期未还的{yuan(loan.overdue_total)}，{penalty_state_zh(loan)}"
                )
            if remind_on is None:
                continue
            key = idempotency_key(
                "reminder", tracker.sender_id, message_id, loan.loan_id, remind_on
            )
            reminder, kept = await _record(
                account,
                loan,
                remind_on,
                days_before,
                key,
                tracker.sender_id,
                keep_until=loan.next_due_date if rolled else None,
            )
            if reminder is None:
                failed.append(name)
                continue
            recorded.append(reminder)
            for older in kept:
                lines.append(
                    f"· {name}这一期仍按原来的安排，{date_zh(older.remind_on, today)}上午提醒你"
                )
            ahead = "还款日当天" if days_before == 0 else f"提前{days_before}天"
            lines.append(
                f"· {name}：{date_zh(due, today)}到期，"
                f"我会在{date_zh(remind_on, today)}上午提醒你（{ahead}）"
            )
        if recorded:
            head = "好的，还款提醒设好了：" if not failed else "部分提醒设好了："
            text = head + "\n" + "\n".join(lines)
            if failed:
                text += f"\n{'、'.join(failed)}的提醒暂时没设置成功，请稍后再试。"
            text += "\n之后每期都会提前提醒；不需要了随时说“取消提醒”。"
        elif failed:
            text = "提醒暂时没设置成功，账户服务有点忙，请稍后再试一次。"
        else:
            text = "\n".join(lines + ["这已经是最后一期了，之后没有需要提醒的还款。"])
        dispatcher.utter_message(text=text)
        return []


CANCEL_FAILED_ZH = "提醒暂时没能取消，账户服务有点忙，请稍后再说一次“取消提醒”。"


class ActionCancelRepaymentReminder(Action):
    def name(self) -> Text:
        return "action_cancel_repayment_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        # "花呗的提醒取消掉 其他的留着": only the reminders of the named product's loans
        product = latest_entity(tracker, "loan_product")
        account = await load_account(tracker, with_loans=bool(product))
        if account.status == "unavailable":
            dispatcher.utter_message(text=CANCEL_FAILED_ZH)
            return []
        if not account.linked:
            dispatcher.utter_message(text="你目前没有设置还款提醒。")
            return []
        client = loans_client.get_client()
        try:
            active = await client.list_reminders(account.borrower_id, status="active")
            kept = []
            if product and account.overview is not None:
                named = {loan.loan_id for loan in account.overview.loans if loan.product == product}
                kept = [reminder for reminder in active if reminder.loan_id not in named]
                active = [reminder for reminder in active if reminder.loan_id in named]
            for reminder in active:
                await client.cancel_reminder(account.borrower_id, reminder.reminder_id)
        except LoanServiceError as error:
            log.warning("could not cancel reminders: %s", error.code)
            dispatcher.utter_message(text=CANCEL_FAILED_ZH)
            return []
        dispatcher.utter_message(
            text=cancel_reply(product if account.overview else None, active, kept)
        )
        return []


def cancel_reply(product: Optional[str], cancelled: List[Reminder], kept: List[Reminder]) -> str:
    """What was cancelled, and what still stands when only one product's reminders went."""
    if not cancelled:
        if product:
            still = "，其他的提醒照常" if kept else ""
            return f"你没有设置{product}的还款提醒，不用取消{still}。"
        return "你目前没有设置还款提醒，不用取消。"
    if product:
        still = f"其他{len(kept)}个提醒照常，" if kept else ""
        again = f"以后想要，随时说“{product}还款日前3天提醒我”。"
        return f"好的，{product}的还款提醒已经取消了。{still}{again}"
    return "好的，还款提醒已经取消了。以后想要，随时说“还款日前3天提醒我”。记得自己留意还款日哦。"


def _reminder_ids(event: Dict[str, Any]) -> List[str]:
    """The ``reminder_id`` entities of a user event of the reminder intent."""
    parse = event.get("parse_data") or {}
    if (parse.get("intent") or {}).get("name") != REMINDER_INTENT:
        return []
    return [
        str(item.get("value"))
        for item in parse.get("entities") or []
        if item.get("entity") == REMINDER_ID_ENTITY and item.get("value")
    ]


def answered_before(tracker: Tracker, reminder_id: str) -> bool:
    """Whether an earlier turn of this conversation already carried this reminder: a second
    delivery of one reminder (a retry after a lost answer) is then not answered again."""
    users = [event for event in tracker.events or [] if event.get("event") == "user"]
    return any(reminder_id in _reminder_ids(event) for event in users[:-1])


async def _the_reminder(
    account: Account, reminder_id: Optional[str]
) -> Tuple[Optional[Reminder], bool]:
    """``(reminder, known)``: the borrower's reminder of that id (None when it could not be
    read), and False when the ledger says it is not this borrower's."""
    if not reminder_id:
        return None, True
    try:
        return await loans_client.get_client().get_reminder(account.borrower_id, reminder_id), True
    except NotFound:
        return None, False
    except LoanServiceError as error:  # the loans were read a moment ago: go by the product
        log.warning("could not read reminder %s: %s", reminder_id, error.code)
        return None, True


class ActionReactToReminder(Action):
    """A reminder fired (the ledger's scheduler triggered ``EXTERNAL_repayment_reminder``): say
    what is due on its loan. Next month's reminder is the scheduler's business."""

    def name(self) -> Text:
        return "action_react_to_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reminder_id = latest_entity(tracker, REMINDER_ID_ENTITY)
        if reminder_id and answered_before(tracker, reminder_id):
            log.info("reminder %s was already answered in this conversation", reminder_id)
            return []
        product = latest_entity(tracker, "loan_product")
        account = await load_account(tracker)
        generic = (
            "⏰ 还款提醒：你的还款日快到了，请在App里确认本期应还金额，提前准备好钱，按时还款。"
        )
        if not account.has_loan_data:
            dispatcher.utter_message(text=generic)
            return []
        reminder, known = await _the_reminder(account, reminder_id)
        if not known:  # not this borrower's reminder: no account figures
            dispatcher.utter_message(text=generic)
            return []
        if reminder is not None and reminder.status == "cancelled":
            return []  # cancelled while it was being delivered
        today = account.overview.as_of
        loans = reminder_targets(account, product)
        if reminder is not None and reminder.loan_id:
            loans = [
                loan for loan in reminder_targets(account, None) if loan.loan_id == reminder.loan_id
            ] or loans
        if not loans:
            dispatcher.utter_message(text=generic)
            return []
        loan = min(loans, key=lambda item: item.next_due_date)
        name = loan_names(account.overview.loans)[loan.loan_id]
        policy = load_policy()
        lines = [
            f"⏰ 还款提醒：你的{name}{date_zh(loan.next_due_date, today)}"
            f"（{relative_day_zh(loan.next_due_date, today)}）"
            f"应还{yuan(loan.next_due_amount)}。"
        ]
        if loan.overdue_total > 0:
            lines.append(
                f"另外还有逾期未还的{yuan(loan.overdue_total)}，请一起还上：{penalty_state_zh(loan)}"
            )
        lines.append(f"请提前确认还款账户余额充足。{cutoff_rule_zh(policy)}")
        dispatcher.utter_message(text="\n".join(lines))
        return []


__all__ = [
    "REMINDER_INTENT",
    "ActionStartRepaymentReminder",
    "ValidateReminderForm",
    "ActionAskReminderDaysBefore",
    "ActionSetRepaymentReminder",
    "ActionCancelRepaymentReminder",
    "ActionReactToReminder",
    "answered_before",
    "following_due_date",
    "plan_reminder",
]
