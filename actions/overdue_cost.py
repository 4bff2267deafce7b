"""What-if cost of being overdue: start (prefill), form validation, questions, and the answer.

Flow: ``calculate_overdue_cost`` → ``action_start_overdue_cost`` → ``overdue_cost_form``
(amount, duration, rate) → ``action_calculate_overdue_cost``.

Where the three values come from, first match wins: the user's message; the previous
calculation when the user reacts to its answer ("那逾期三个月呢"); the user's own loan when
linked (overdue principal and interest with the overdue days, else the next installment, and
the loan's rate); otherwise the form asks. The answer says which numbers it used. More time
("再拖一个月") counts from the days already reached: the previous answer's, or the loan's own
overdue days; an amount said inside the form replaces the loan's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows import (
    is_follow_up,
    prepared_values,
    skip_empty,
    slot_events,
    slot_extractor,
    validate_amount,
)
from actions.identity import Account, load_account, loans_on
from actions.loan_facts import (
    loan_names,
    next_step_line,
    open_loans,
    penalty_per_day,
    what_if_cost,
)
from actions.partial_payment import partial_payment_zh, previewed_amount, repayment_amount
from actions.question_figures import new_loan_figures_zh
from actions.replies import date_zh, rate_text, yuan
from actions.slot_values import (
    as_amount,
    as_days,
    as_rate,
    event_entities,
    extracted_words,
    latest_entity,
    latest_intent,
    latest_text,
    negative_answer,
    previous_bot_text,
    previous_user_event,
    slot_before_message,
)
from actions.status_focus import (
    PENALTY,
    focused_messages,
    penalty_explanation,
)
from bot.finance.errors import FinanceError
from bot.finance.money import percent_str, plain_str
from bot.finance.overdue import STATUS_DESCRIPTIONS_ZH
from bot.finance.rates import as_annual, as_daily, daily_to_annual
from bot.loans.client import LoanOverview, LoanSummary
from bot.nlu.dates import first_date
from bot.policy import LenderPolicy, load_policy
from bot.policy.wording import (
    EXAMPLE_DAILY_RATE,
    penalty_rule_zh,
    penalty_schedule,
    report_rule_zh,
)

FORM = "overdue_cost_form"
REQUEST_INTENT = "calculate_overdue_cost"
RESULT_ACTION = "action_calculate_overdue_cost"
SLOTS = ("overdue_amount", "overdue_duration", "overdue_daily_rate")
LOAN_SLOT = "overdue_loan_id"
FORM_ENTITIES = ("amount", "duration", "daily_rate", "annual_rate")

#: before a duration: more time on top of where the borrower already is ("再拖一个月")
_MORE_TIME_BEFORE = re.compile(r"(?:再|又|还要|多)(?:拖|晚|逾期|欠|过|等)?(?:了|个)?\s*$")

#: overdue_duration when there is nothing to calculate and the answer was given already: the day
#: the user named is not late at all ("16号才还呢" before the due date), or the message is about
#: a loan not yet taken ("借两万分12期一个月还多少"); the form ends without a calculation
NO_CALCULATION = "no_calculation"
#: words of lateness: a message with them is a what-if, whatever else it names
LATE_WORDS = re.compile(r"逾期|预期|罚|晚|拖|迟|没还|不还|还不上|延期|违约|滞纳")

MAX_AMOUNT = Decimal("1000000")
MAX_DAYS = 3650
STOP_HINT = "不想算了可以说“算了”。"
#: intents that are never an answer to the form's questions (the rules handle them)
NOT_ANSWERS = {"deny", "express_distress", "human_handoff"}
#: "I don't know" as the answer to the rate question
_DONT_KNOW = re.compile(r"不知道|不清楚|不晓得|不记得|忘了|没注意|不确定")


def message_values(tracker) -> Dict[str, Optional[str]]:
    """Normalised slot values given in the latest message (None where not given)."""
    values: Dict[str, Optional[str]] = {slot: None for slot in SLOTS}
    amount = latest_entity(tracker, "amount")
    if amount is not None:
        values["overdue_amount"] = amount
    duration = latest_entity(tracker, "duration")
    if duration is not None:
        values["overdue_duration"] = duration
    daily = latest_entity(tracker, "daily_rate")
    annual = latest_entity(tracker, "annual_rate")
    try:
        if daily is not None:
            values["overdue_daily_rate"] = plain_str(Decimal(daily))
        elif annual is not None:
            # no range check: an absurd rate is kept, so that the form explains why it refuses it
            values["overdue_daily_rate"] = plain_str(
                as_daily(Decimal(annual), "annual", load_policy().day_count)
            )
    except (ArithmeticError, ValueError):
        pass  # the form will ask and explain
    return values


def asks_for_more_time(tracker) -> bool:
    """The duration of the latest message is more time on top ("要是再拖一个月呢")."""
    text = (tracker.latest_message or {}).get("text") or ""
    for item in (tracker.latest_message or {}).get("entities") or []:
        start = item.get("start")
        if item.get("entity") == "duration" and isinstance(start, int):
            return bool(_MORE_TIME_BEFORE.search(text[:start]))
    return False


def previous_lateness(tracker) -> Optional[Tuple[Optional[str], str]]:
    """(product, duration) of the previous message when the bot answered it with the one-line
    lateness what-if ("信用卡晚了一天" → "按你信用卡下一期应还的…晚还1天…"), so that "罚多少"
    right after works on that loan and that lateness; else None."""
    from actions.faq_followup import LATE_WHAT_IF_TAIL

    if not previous_bot_text(tracker).rstrip().endswith(LATE_WHAT_IF_TAIL):
        return None
    if latest_entity(tracker, "loan_product"):
        return None
    before = previous_user_event(tracker)
    durations = event_entities(before, "duration")
    if not durations or not durations[0]:
        return None
    products = event_entities(before, "loan_product")
    return (products[0] if products else None), str(durations[0])


def counted_from_where_they_are(tracker, value: str) -> Optional[str]:
    """What the start action made of this turn's duration — the total for "再拖一个月" (P91D),
    or no calculation for "一天罚多少" from someone overdue — when the form's slot mapping
    brings back the message's own duration (P1M, P1D) on activation; else None."""
    if value != latest_entity(tracker, "duration"):
        return None
    total, after_start = None, False
    for event in tracker.events or []:
        kind = event.get("event")
        if kind == "user":
            total, after_start = None, False
        elif kind == "action":
            after_start = event.get("name") == "action_start_overdue_cost"
        elif kind == "slot" and after_start and event.get("name") == "overdue_duration":
            total, after_start = event.get("value"), False  # the start action's own value
    return total if total and total != value else None


async def days_until_named_day(
    tracker, text: str, amount: Optional[Decimal], loan_id: Optional[str]
) -> Optional[Tuple[Optional[str], str]]:
    """A day instead of a duration ("要是下个月底才还呢", "拖到过年"): ``(ISO duration, what
    to tell the user)``, the duration :data:`NO_CALCULATION` when that day is not late at all; None
    when the text names no day. The overdue days count from where the amount stands: the loan's own
    overdue days for its overdue amount, its due date for its next installment, else today."""
    if first_date(text, date.today()) is None:
        return None  # no day named (checked before asking the ledger for the borrower's today)
    account = await load_account(tracker)
    today = account.today or date.today()
    mention = first_date(text, today)
    if mention is None:
        return None
    loan = account.overview.loan(loan_id) if loan_id and account.has_loan_data else None
    day = date_zh(mention.day, today)
    if (
        loan is not None
        and loan.overdue_days > 0
        and amount == loan.overdue_principal + loan.overdue_interest
    ):
        days = loan.overdue_days + (mention.day - today).days
        since = f"你现在已逾期{loan.overdue_days}天，到{day}"
    elif loan is not None and loan.next_due_date is not None and amount == loan.next_due_amount:
        days = (mention.day - loan.next_due_date).days
        since = f"这一期{date_zh(loan.next_due_date, today)}到期，到{day}"
        if days <= 0:
            due = date_zh(loan.next_due_date, today)
            return (
                NO_CALCULATION,
                f"{day}还没过这一期的还款日（{due}），按时还不算逾期，不会有罚息。",
            )
    else:
        days = (mention.day - today).days
        since = f"假设今天到期，到{day}"
    if days <= 0:
        return NO_CALCULATION, f"{day}就还的话，不算逾期。"
    return f"P{days}D", f"按{day}才还来算：{since}逾期{days}天。"


def pick_loan(overview: LoanOverview, product: Optional[str]) -> Optional[LoanSummary]:
    """The loan a what-if is most likely about: the named product, else the most overdue, else
    the one whose next installment falls due first (the answer names it)."""
    loans = open_loans(overview)
    if product:
        named = [loan for loan in loans if loan.product == product]
        loans = named
    if not loans:
        return None
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    if overdue:
        return max(overdue, key=lambda loan: loan.overdue_days)
    due = [loan for loan in loans if loan.next_due_date is not None and loan.next_due_amount > 0]
    if due:
        return min(due, key=lambda loan: loan.next_due_date)
    return loans[0] if len(loans) == 1 else None


def account_values(loan: LoanSummary, values: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """Fill what is still missing from the user's own loan."""
    filled = dict(values)
    if filled["overdue_daily_rate"] is None:
        filled["overdue_daily_rate"] = plain_str(loan.daily_rate)
    if filled["overdue_amount"] is None:
        if loan.overdue_days > 0:
            filled["overdue_amount"] = plain_str(loan.overdue_principal + loan.overdue_interest)
            if filled["overdue_duration"] is None:
                filled["overdue_duration"] = f"P{loan.overdue_days}D"
        elif loan.next_due_amount > 0:
            filled["overdue_amount"] = plain_str(loan.next_due_amount)
    return filled


def no_calculation_events(tracker) -> List[EventType]:
    """The start action answered the message itself (a repayment, a new loan's figures, the
    borrower's own penalty): the form has nothing to calculate and nothing carries over."""
    return slot_events(
        {**dict.fromkeys(SLOTS), "overdue_duration": NO_CALCULATION, LOAN_SLOT: None}, tracker
    )


class ActionStartOverdueCost(Action):
    """Prepare the form: values from this message, the previous answer, or the user's loan."""

    def name(self) -> Text:
        return "action_start_overdue_cost"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        given = message_values(tracker)
        text = latest_text(tracker)
        if repayment_amount(tracker) is not None or previewed_amount(tracker) is not None:
            # "先还2000罚息会少多少": the amount is a repayment, not the debt of a what-if
            partial = await partial_payment_zh(tracker)
            if partial is not None:
                dispatcher.utter_message(text=partial)
                return no_calculation_events(tracker)
        explained = await penalty_explanation(tracker)
        if explained:  # "这罚息怎么算的" after their penalty figure: how, not a new what-if
            dispatcher.utter_message(text=explained)
            return no_calculation_events(tracker)
        if asks_penalty_per_day(text):
            # "一天罚多少" from a borrower who is overdue: what each day costs them now, not a
            # what-if of one day late
            own = await own_penalty_zh(tracker)
            if own:
                for bubble in own:
                    dispatcher.utter_message(text=bubble)
                return no_calculation_events(tracker)
        if given["overdue_duration"] is None and not LATE_WORDS.search(text):
            figures = new_loan_figures_zh(tracker, load_policy())
            if figures is not None:  # "借两万分12期一个月还多少": that loan, no what-if
                dispatcher.utter_message(text=figures)
                return no_calculation_events(tracker)
        carried = previous_lateness(tracker) if not any(given.values()) else None
        if carried:  # "罚多少" right after "信用卡晚了一天" was answered in one line
            given = {**given, "overdue_duration": carried[1]}
        values = prepared_values(tracker, SLOTS, given, RESULT_ACTION)
        follow_up = is_follow_up(tracker, RESULT_ACTION)
        if values["overdue_duration"] == NO_CALCULATION:
            # the previous turn calculated nothing (a day not late, a repayment, a new loan):
            # nothing of it carries over, or this turn would end silently too
            values = dict(given)
        loan_id = tracker.get_slot(LOAN_SLOT) if follow_up else None
        # "再拖一个月": counted from the days of the previous answer, or the loan's own
        # (the value before this message: Rasa's slot mappings already put "一个月" in the slot)
        base_days = as_days(slot_before_message(tracker, "overdue_duration")) if follow_up else None
        product = latest_entity(tracker, "loan_product") or (carried[0] if carried else None)
        account = None
        if loan_id and product:
            # "信用卡晚一个礼拜呢" after a 花呗 answer: the 花呗 figures do not carry over, but
            # "那信用卡呢" keeps the days asked about
            account = await load_account(tracker)
            previous = account.overview.loan(loan_id) if account.has_loan_data else None
            if previous is not None and previous.product != product:
                days_before = values["overdue_duration"]
                values, loan_id, base_days = dict(given), None, None
                if values["overdue_duration"] is None and as_days(days_before) is not None:
                    values["overdue_duration"] = days_before
        if any(value is None for value in values.values()):
            account = account or await load_account(tracker)
            if account.has_loan_data:
                loan = pick_loan(account.overview, product)
                if loan is not None:
                    filled = account_values(loan, values)
                    if filled != values:
                        values, loan_id = filled, loan.loan_id
                        if loan.overdue_days > 0 and values["overdue_amount"] == plain_str(
                            loan.overdue_principal + loan.overdue_interest
                        ):
                            base_days = loan.overdue_days
        more = as_days(given["overdue_duration"])
        # "再拖一个月", or "要是晚一个月呢" from someone already later than that: a borrower 61
        # days overdue cannot become 30 days overdue, so the month comes on top
        if base_days and more and (asks_for_more_time(tracker) or more <= base_days):
            values["overdue_duration"] = f"P{base_days + more}D"
        if given["overdue_duration"] is None:
            # "要是下个月底才还呢": a day, counted from where the amount stands
            named = await days_until_named_day(
                tracker, latest_text(tracker), as_amount(values["overdue_amount"]), loan_id
            )
            if named is not None:
                values["overdue_duration"], said = named
                dispatcher.utter_message(text=said)
        values[LOAN_SLOT] = loan_id
        return slot_events(values, tracker)


class ValidateOverdueCostForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_overdue_cost_form"

    # --- answers given in words ----------------------------------------------------------
    @staticmethod
    def _words(tracker: Tracker, slot: str) -> Dict[Text, Any]:
        if any(latest_entity(tracker, entity) for entity in FORM_ENTITIES):
            return {}  # the NLU found values: the slot mappings took them
        return extracted_words(tracker, slot, also=(REQUEST_INTENT,))

    extract_overdue_amount = slot_extractor("overdue_amount", _words)

    @staticmethod
    def _answer_text(tracker: Tracker, slot: str) -> str:
        """The message, when it may answer the question for ``slot`` whatever intent the NLU
        gave it (the slot is the one asked, no value was extracted, and it is no stop,
        distress or hand-off); else ""."""
        if (
            tracker.get_slot("requested_slot") != slot
            or latest_intent(tracker) in NOT_ANSWERS
            or any(latest_entity(tracker, entity) for entity in FORM_ENTITIES)
        ):
            return ""
        return latest_text(tracker).strip()

    async def extract_overdue_duration(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An answer in words, or a day ("到月底", "过年再还") whatever intent the NLU gave it:
        asked how late, a day is the answer (only a stop, distress or hand-off is not)."""
        words = self._words(tracker, "overdue_duration")
        if words:
            return words
        text = self._answer_text(tracker, "overdue_duration")
        if not text:
            return {}
        return {"overdue_duration": text} if first_date(text, date.today()) else {}

    async def extract_overdue_daily_rate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An answer in words, a rate whatever intent the NLU gave it ("万五" read as a rate
        question), or "不知道": the example rate, said as one."""
        words = self._words(tracker, "overdue_daily_rate")
        if words:
            return words
        text = self._answer_text(tracker, "overdue_daily_rate")
        if not text:
            return {}
        if as_rate(text) is not None:
            return {"overdue_daily_rate": text}
        if _DONT_KNOW.search(text):
            rate = rate_text(
                as_annual(EXAMPLE_DAILY_RATE, load_policy().day_count), EXAMPLE_DAILY_RATE
            )
            dispatcher.utter_message(
                text=f"不清楚也没关系，先按示例利率{rate}算；你的利率以借款合同和借款页面为准。"
            )
            return {"overdue_daily_rate": plain_str(EXAMPLE_DAILY_RATE)}
        return {}

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Nothing more to ask once the day named is not late: the form ends there."""
        if tracker.get_slot("overdue_duration") == NO_CALCULATION:
            return []
        return domain_slots

    # --- validation -----------------------------------------------------------------------
    @skip_empty
    def validate_overdue_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = validate_amount(
            value,
            dispatcher,
            tracker,
            "overdue_amount",
            maximum=MAX_AMOUNT,
            negative="金额不能是负数哦。",
            unrecognised=f"这个金额我没认出来，直接说数字就行。{STOP_HINT}",
            zero="金额是0的话就不会产生罚息。",
            too_large="{amount}超出了个人消费贷的范围（这里最多算100万元），请确认一下。",
        )
        if (
            result.get("overdue_amount") is not None
            and tracker.get_slot("requested_slot")
            and tracker.get_slot(LOAN_SLOT)
        ):
            # an amount the user said inside the form replaces the loan's: "按本金8,000元",
            # not "按你下一期应还的8,000元"
            result[LOAN_SLOT] = None
        return result

    @skip_empty
    async def validate_overdue_duration(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == NO_CALCULATION:  # the start action found the day named not late
            return {"overdue_duration": NO_CALCULATION}
        days = as_days(value)
        if days is None:
            named = await days_until_named_day(
                tracker,
                str(value),
                as_amount(tracker.get_slot("overdue_amount")),
                tracker.get_slot(LOAN_SLOT),
            )
            if named is not None:  # "拖到月底": a day instead of a duration
                duration, said = named
                dispatcher.utter_message(text=said)
                return {"overdue_duration": duration}
            dispatcher.utter_message(
                text=f"这个时长我没认出来，可以说“10天”“两个月”“半年”，或者哪天还，比如“月底”。{STOP_HINT}"
            )
        elif days <= 0 or negative_answer(tracker, "overdue_duration", value):
            dispatcher.utter_message(text="逾期时长至少是1天。")
        elif days > MAX_DAYS:
            dispatcher.utter_message(text="这里最多估算10年以内的逾期。")
        else:
            text = str(value).strip()
            counted = counted_from_where_they_are(tracker, text)
            if counted is not None:
                return {"overdue_duration": counted}
            return {"overdue_duration": text if text.startswith("P") else f"P{days}D"}
        return {"overdue_duration": None}

    @skip_empty
    def validate_overdue_daily_rate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        policy = load_policy()
        daily: Optional[Decimal] = None
        try:
            annual_entity = latest_entity(tracker, "annual_rate")
            daily_entity = latest_entity(tracker, "daily_rate")
            if annual_entity is not None and str(value) == annual_entity:
                daily = as_daily(Decimal(annual_entity), "annual", policy.day_count)
            elif daily_entity is not None and str(value) == daily_entity:
                daily = Decimal(daily_entity)
            else:
                parsed = as_rate(value)
                if parsed is not None:
                    rate, basis = parsed
                    daily = as_daily(rate, basis, policy.day_count)
        except (ArithmeticError, ValueError, FinanceError):
            daily = None
        if daily is not None and (
            daily < 0 or negative_answer(tracker, "overdue_daily_rate", value)
        ):
            dispatcher.utter_message(text="利率不能是负数。")
        elif daily is None:
            dispatcher.utter_message(text=f"这个利率我没认出来。{STOP_HINT}")
        elif daily == 0:
            dispatcher.utter_message(text="利率是0的话，逾期也不会产生罚息。")
        elif as_annual(daily, policy.day_count) > 1:
            annual = percent_str(as_annual(daily, policy.day_count))
            dispatcher.utter_message(
                text=(
                    f"这个利率折合年化{annual}%，超过了100%，"
                    "不像正规借款的利率，请核对一下（真是这么高的话，建议先向贷款方确认合同条款）。"
                )
            )
        else:
            return {"overdue_daily_rate": plain_str(daily)}
        return {"overdue_daily_rate": None}


class ActionAskOverdueDuration(Action):
    def name(self) -> Text:
        return "action_ask_overdue_duration"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        amount = as_amount(tracker.get_slot("overdue_amount"))
        loan_id = tracker.get_slot(LOAN_SLOT)
        subject = None
        if loan_id and amount is not None:
            # the loan's instalment, or an amount the user said (only the rate is the loan's)
            account = await load_account(tracker)
            loan = account.overview.loan(loan_id) if account.has_loan_data else None
            own = loan is not None and amount == loan.next_due_amount
            subject = f"就按你下一期应还的{yuan(amount)}来算" if own else f"按{yuan(amount)}来算"
        elif amount is not None:
            subject = f"按{yuan(amount)}来算"
        if subject:
            dispatcher.utter_message(text=f"{subject}：假如晚还，晚多久？比如“10天”或“两个月”。")
        else:
            dispatcher.utter_message(text="逾期多长时间（或者想估算多久）？比如“10天”或“两个月”。")
        return []


#: a question of the penalty per day ("一天罚多少", "罚息多少 一天多少", "每天扣多少"), not a
#: lateness of one day ("晚一天罚多少": the what-if)
_PER_DAY = re.compile(
    r"(?<![晚拖逾期迟再多])(?:一天|每天|每日|一日|天天)(?:要|会|得|大概|大约|约)?"
    r"(?:罚|扣|收|涨|多|加)?(?:息|钱|罚息)?(?:多少|几块|几毛|几分)"
    r"|(?:罚息|罚金|滞纳金)(?:是|要|会)?(?:一天|每天)"
)


def asks_penalty_per_day(text: str) -> bool:
    return bool(_PER_DAY.search(text or ""))


async def own_penalty_zh(tracker: Tracker) -> Optional[List[str]]:
    """A linked borrower with an overdue loan: its penalty so far and per day (the product the
    message names, else all); None for anyone else (the what-if answers them)."""
    account = await load_account(tracker)
    if not account.has_loan_data:
        return None
    if not any(loan.overdue_days > 0 for loan in account.overview.loans if not loan.settled):
        return None
    return focused_messages(
        account.overview, PENALTY, latest_entity(tracker, "loan_product"), load_policy()
    )


def own_overdue_amount(loan: Optional[LoanSummary], amount: Decimal) -> bool:
    """``amount`` is the overdue principal and interest of ``loan``, which is overdue."""
    return (
        loan is not None
        and loan.overdue_days > 0
        and amount == loan.overdue_principal + loan.overdue_interest
    )


@dataclass(frozen=True)
class Projection:
    """A loan as the ledger projects it to ``day`` (the what-if's), seen from ``today``."""

    loan: LoanSummary
    day: date
    today: date
    #: the borrower's other loans that will be overdue by then too, with their names
    others: Tuple[Tuple[str, LoanSummary], ...] = ()


async def projected_loan(
    account: Account, loan: Optional[LoanSummary], amount: Decimal, days: int, daily: Decimal
) -> Optional[Projection]:
    """``loan`` as the ledger will have it when the what-if's day comes, if nothing is repaid
    till then: for a what-if about the borrower's own overdue amount left longer than it already
    is, or about their own next installment, at the loan's own rate. Each installment counts its
    own days, and those falling due by then are overdue too (an estimate on today's overdue
    amount leaves them out). None for any other what-if, or when the ledger cannot say."""
    if loan is None or daily != loan.daily_rate or account.today is None:
        return None
    if own_overdue_amount(loan, amount) and days > loan.overdue_days:
        day = account.today + timedelta(days=days - loan.overdue_days)
    elif (
        loan.overdue_days == 0 and loan.next_due_date is not None and amount == loan.next_due_amount
    ):
        day = loan.next_due_date + timedelta(days=days)
    else:
        return None
    overview = await loans_on(account, day)
    projected = overview.loan(loan.loan_id) if overview is not None else None
    if projected is None or projected.overdue_days != days:
        return None  # repaid in between or rescheduled: the estimate is the honest answer
    names = loan_names(overview.loans)
    others = tuple(
        (names[other.loan_id], other)
        for other in overview.loans
        if other.loan_id != loan.loan_id and not other.settled and other.overdue_total > 0
    )
    return Projection(projected, day, account.today, others)


def projected_lines(
    loan: LoanSummary,
    projection: Projection,
    amount: Decimal,
    days: int,
    name: str,
    penalty_rate: str,
    policy: LenderPolicy,
) -> List[str]:
    """The figures of a what-if read from the ledger's projection of the loan."""
    projected = projection.loan
    overdue_then = projected.overdue_principal + projected.overdue_interest
    when = date_zh(projection.day, projection.today)
    lines = [f"按你{name}的还款计划推算，假如一直不还，到{when}已逾期{days}天："]
    added = overdue_then - amount
    count = (projected.periods_overdue or 0) - (loan.periods_overdue or 0)
    if loan.overdue_days > 0:
        base = f"现在已逾期的{yuan(amount)}"
    else:
        base = f"这一期的{yuan(amount)}"
        count -= 1  # the installment asked about is itself one of them
    if added > 0 and count > 0:
        lines.append(
            f"· 逾期本息{yuan(overdue_then)}：{base}，加上这期间又到期的{count}期{yuan(added)}"
        )
    else:
        lines.append(f"· 逾期本息{yuan(overdue_then)}")
    free_days = penalty_schedule(policy).free_days
    if days <= free_days:
        lines.append(f"· 罚息：{yuan(projected.penalty_accrued)}，逾期{days}天还在宽限期内")
        lines.append(f"· {penalty_rule_zh(policy)}")
    else:
        now = f"（现在已计{yuan(loan.penalty_accrued)}）" if loan.overdue_days > 0 else ""
        lines.append(
            f"· 罚息累计{yuan(projected.penalty_accrued)}{now}："
            f"各期按各自的逾期天数算，{penalty_rate}"
        )
        if projected.penalty_provisional > 0:
            lines.append(
                f"· 另有{yuan(projected.penalty_provisional)}罚息属于刚到期、还在宽限期内的一期："
                f"{penalty_rule_zh(policy, with_note=False)}"
            )
    lines.append(f"· 连本带罚{yuan(projected.overdue_total)}")
    if projection.others:
        parts = "、".join(f"{name}{yuan(other.overdue_total)}" for name, other in projection.others)
        everything = projected.overdue_total + sum(
            (other.overdue_total for _, other in projection.others), Decimal("0.00")
        )
        lines.append(
            f"· 你的其他借款到那天也会逾期：{parts}（各含罚息）；全部加起来{yuan(everything)}"
        )
    return lines


def overdue_cost_message(
    amount: Decimal,
    days: int,
    daily_rate: Decimal,
    policy: LenderPolicy,
    loan: Optional[LoanSummary] = None,
    loan_name: str = "",
    projected: Optional[Projection] = None,
) -> List[str]:
    """The answer: penalty to the fen, the credit-report status, and what comes next.

    For the user's own overdue amount at its actual number of days (``loan`` given, prefilled
    from the ledger) the figures are the ledger's, which counts each installment's own days;
    with ``projected`` (:func:`projected_loan`) they are the ledger's projection of the loan to
    the what-if's day; any other combination is an estimate on the amount, and says so.
    """
    cost = what_if_cost(amount, daily_rate, days, policy)
    rate = rate_text(daily_to_annual(daily_rate, policy.day_count), daily_rate)
    penalty_annual = daily_to_annual(cost.penalty_daily_rate, policy.day_count)
    penalty_rate = (
        f"罚息年化{percent_str(penalty_annual)}%"
        f"（日利率{percent_str(cost.penalty_daily_rate, 3)}%），"
        f"是合同利率的{plain_str(policy.penalty_multiplier)}倍"
    )
    own_overdue = own_overdue_amount(loan, amount)
    actual = own_overdue and days == loan.overdue_days
    if actual:
        lines = [
            f"按你{loan_name}的账：逾期本息{yuan(amount)}、{rate}、已逾期{days}天：",
            f"· 罚息已计{yuan(loan.penalty_accrued)}：{penalty_rate}，各期按各自的逾期天数算",
            (
                f"· 连本带罚{yuan(loan.overdue_total)}，"
                f"每多拖一天罚息约多{yuan(penalty_per_day(loan, policy))}"
            ),
        ]
    elif projected is not None and loan is not None:
        lines = projected_lines(loan, projected, amount, days, loan_name, penalty_rate, policy)
    else:
        if own_overdue:
            subject = f"按你{loan_name}逾期的本息{yuan(amount)}"
        elif loan is not None and amount == loan.next_due_amount:
            subject = f"按你{loan_name}下一期应还的{yuan(amount)}"
        else:
            subject = f"按本金{yuan(amount)}"
        lines = [f"{subject}、{rate}、逾期{days}天估算："]
        if 0 < days <= penalty_schedule(policy).free_days:
            lines.append(f"· 罚息：{yuan(cost.total_penalty)}，逾期{days}天还在宽限期内")
            lines.append(f"· {penalty_rule_zh(policy)}")
        else:
            lines.append(
                f"· 罚息约{yuan(cost.total_penalty)}：按{cost.chargeable_days}天计，{penalty_rate}"
            )
        lines.append(f"· 连本带罚约{yuan(cost.total_due)}")
    status = cost.report_status
    rule = report_rule_zh(policy).rstrip("。")
    if days > policy.report_after_days:
        lines.append(
            f"· 征信：{rule}；逾期{days}天，"
            f"还款状态记为“{status}”（{STATUS_DESCRIPTIONS_ZH[status]}）"
        )
    else:
        lines.append(f"· 征信：{rule}，逾期{days}天还没到这一步")
    tail = []
    if own_overdue and not actual and projected is None:
        tail.append(
            f"你账上目前实际已逾期{loan.overdue_days}天、已计罚息{yuan(loan.penalty_accrued)}。"
        )
    said = (
        ("credit_report", "penalty")
        if 0 < days <= penalty_schedule(policy).free_days
        else ("credit_report",)
    )
    tail.append(next_step_line(days, policy, skip=said))
    if actual:
        tail.append("能还多少先还多少；实在还不上，说“申请延期”，我帮你提交协商申请。")
    elif projected is not None:
        tail.append(
            "以上按账上的还款计划推算，假设这期间一笔都不还；实际以借款合同和App账单为准。"
            "越早还上，损失越小。"
        )
    else:
        tail.append("以上是估算，实际以借款合同和App账单为准。越早还上，损失越小。")
    return ["\n".join(lines), "\n".join(tail)]


class ActionCalculateOverdueCost(Action):
    def name(self) -> Text:
        return RESULT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.get_slot("overdue_duration") == NO_CALCULATION:
            return []  # the day named is not late: already said, nothing to calculate
        amount = as_amount(tracker.get_slot("overdue_amount"))
        days = as_days(tracker.get_slot("overdue_duration"))
        rate = as_rate(tracker.get_slot("overdue_daily_rate"))
        if amount is None or days is None or rate is None:
            dispatcher.utter_message(
                text="抱歉，这次没能算出来。可以再说一次金额、逾期时长和利率吗？"
            )
            return []
        policy = load_policy()
        daily = as_daily(rate[0], rate[1], policy.day_count)
        loan, name, projected = None, "", None
        loan_id = tracker.get_slot(LOAN_SLOT)
        if loan_id:
            account = await load_account(tracker)
            if account.overview is not None:
                loan = account.overview.loan(loan_id)
                name = loan_names(account.overview.loans).get(loan_id, "") if loan else ""
                projected = await projected_loan(account, loan, amount, days, daily)
        try:
            for bubble in overdue_cost_message(amount, days, daily, policy, loan, name, projected):
                dispatcher.utter_message(text=bubble)
        except FinanceError as error:
            dispatcher.utter_message(text=error.message_zh)
        # the values stay so that "那逾期三个月呢" can change just one of them; a new request
        # (action_start_overdue_cost) replaces them
        return []


__all__ = [
    "ActionStartOverdueCost",
    "ValidateOverdueCostForm",
    "ActionAskOverdueDuration",
    "ActionCalculateOverdueCost",
    "overdue_cost_message",
    "message_values",
    "pick_loan",
    "account_values",
]
