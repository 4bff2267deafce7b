"""``action_answer_faq`` and ``action_faq_followup``: the FAQ answer, then the user's own figures.

``action_answer_faq`` sends the topic's response (``utter_faq/<topic>``), except when the user
asks again within the same topic right after its answer ("借呗逾期会被起诉吗" → "会坐牢吗"):
then the long answer is not sent a second time; a short note answers the sub-question when the
notes file has one, else a line says the answer above is the one for this topic and how to ask
about a single point.

A scam victim's message (already paid a "代还 / 征信修复" outfit or gave away a verification
code, or a short follow-up such as "我已经转了" right after a scam answer) gets what to do now
instead (:mod:`actions.scam_help`), and nothing follows it.

``action_faq_followup`` runs after it. For the overdue topics, a linked borrower with an overdue
loan gets their own penalty so far, how fast it grows, and the credit-report status with what
comes next ("借呗两个月没还会怎样" asked by someone who is 61 days overdue); a borrower who is
not overdue gets a one-line reassurance for the topics where that helps. Other topics, unlinked
users and ledger outages: nothing more (the general answer already stands on its own). A
question about collectors (``collection_conduct``) gets no figures appended: it is about the
user's rights. A question that also asks what the topic's answer leaves out (最低还款 under
grace_period, 上门 under lawsuit_risk, a double debit under auto_debit …) gets the short note of
``bot/policy/faq_notes.yml`` first. A rate question that names a rate ("日息万五 年化多少",
"年化18%日利率是多少") gets that rate converted with the lender's day count, for anyone: the
general answer's worked example is another rate. Asked how much clearing everything early takes
(early_repayment: "我想提前全部还掉 要多少钱"), a linked borrower gets what it is made of.

It also brings the ``policy_*`` slots up to date when they differ from the loaded policy (a
conversation that never ran ``action_session_start``), so later answers quote the policy.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import Account, load_account, loans_on
from actions.loan_facts import (
    SMALL_OVERDUE,
    in_grace,
    loan_names,
    next_step_line,
    open_loans,
    penalty_per_day,
    what_if_cost,
)
from actions.loan_status import (
    SAVE_WORDS,
    asks_to_pay_off_all,
    early_saving_zh,
    pay_off_all_zh,
    pay_off_follow_up_zh,
)
from actions.partial_payment import (
    asks_about_partial_payment,
    asks_why_still_overdue,
    partial_payment_zh,
    previewed_amount,
    repayment_amount,
)
from actions.question_figures import question_figures_zh
from actions.replies import date_zh, example_note, rate_text, yuan
from actions.scam_help import scam_victim_reply
from actions.session import policy_slot_events
from actions.slot_values import (
    as_days,
    as_rate,
    event_entities,
    latest_entity,
    latest_text,
    previous_bot_text,
    previous_user_event,
    topic_of,
    user_events,
)
from actions.status_focus import (
    INTEREST,
    NEXT_INSTALLMENT,
    TOTAL,
    dearest_first_zh,
    focus_of,
    focused_messages,
    penalty_explanation,
)
from bot.finance.apr import apr_from_cashflows, flat_fee_payments
from bot.finance.errors import FinanceError
from bot.finance.money import percent_str, plain_str
from bot.finance.overdue import STATUS_DESCRIPTIONS_ZH, report_status
from bot.finance.rates import as_annual, as_daily
from bot.loans.client import LoanOverview, LoanSummary
from bot.nlu.dates import first_date
from bot.nlu.quantities import read_quantities
from bot.nlu.quantities.quantity import MONTHLY_CHARGE, MONTHLY_RATE
from bot.policy import LenderPolicy, load_policy
from bot.policy.faq_notes import FaqNotesError, load_faq_notes
from bot.policy.wording import grace_report_zh, in_grace_zh, note, penalty_schedule

logger = logging.getLogger(__name__)

#: topics after which an overdue borrower sees their own figures (not collection_conduct: someone
#: asking about abusive collectors needs to know their rights, not to be reminded what they owe)
OVERDUE_TOPICS = {
    "overdue_consequences",
    "small_amount_overdue",
    "penalty_interest",
    "credit_report_overdue",
    "grace_period",
    "lawsuit_risk",
    "after_overdue_repaid",  # "还清了是不是就没事了" from someone still overdue: where they stand
    # "我上征信了没" from someone 60 days overdue is about their overdue, whatever the topic read
    "credit_report_usage",
}
#: topics a partial repayment is asked under ("部分还款有用吗", "今天能还1500 够不够"): what it
#: would do to the borrower's loan comes after the general answer (overdue topics: instead of
#: today's figures)
PARTIAL_TOPICS = {"how_to_repay", "repayment_methods", "negotiated_repayment"}
#: the same, for an overdue loan only ("提前还2000" from a borrower who is not overdue is a
#: prepayment beyond this installment, which the early-repayment answer covers)
OVERDUE_PARTIAL_TOPICS = {"early_repayment", "debt_strategy"}
#: how the account follow-up of :func:`personal_followup` begins (shown last turn: not again)
PERSONAL_MARKERS = ("结合你的账户看：", "对照你的账户：")
#: topics after which a borrower who is not overdue is told so
REASSURE_TOPICS = {
    "overdue_consequences",
    "small_amount_overdue",
    "grace_period",
    "credit_report_usage",  # "我上征信了没" from someone on time: nothing negative there
}
#: a borrower asking where they themselves stand ("我上征信了没", "我现在算逾期吗", "我有没有上
#:征信"): under the topics above, their own status instead of the topic's general answer
_OWN_STATUS = re.compile(
    r"我(?:的|现在|目前|这边|账户|借款|借呗|花呗)*"
    r"(?:(?:有没有|算不算|是不是|算|已经)(?:被)?(?:上征信|上了征信|进征信|上黑名单|逾期)了?吗?"
    r"|(?:被)?(?:上征信|上了征信|进征信|上黑名单|逾期|征信(?:有问题|花了|黑了|有记录|有污点))"
    r"(?:了没有?|了吗|了么|了不|没有?|吗))"
    r"[?？。！!\s啊呀呢哈]*$"
)
#: an on-time borrower asking whether they are on the credit report: what is there
ON_TIME_REPORT_ZH = "按时还款的记录在征信上显示“N”（正常），不是负面记录。"
#: the end of the one-line lateness what-if (a bare "那晚一个月呢" after it changes the days)
LATE_WHAT_IF_TAIL = "细算说“帮我算逾期费用”。"
#: topics where a frightened borrower ("催收说明天就起诉我 还要抓我 我好怕") hears a calm word first
FEAR_TOPICS = {
    "lawsuit_risk",
    "collection_conduct",
    "overdue_consequences",
    "credit_report_overdue",
    "negotiated_repayment",
    "small_amount_overdue",
}
_FEAR_WORDS = re.compile(r"怕|吓死|吓坏|慌|好担心|很担心|焦虑|睡不着|崩溃|不知所措|吓得")
CALM_FIRST_ZH = "先别怕。这些事都有法律和规矩管着，不是对方说什么就是什么，我们一件件说清楚。"
#: topics after which a question of when to repay ("哪天还款") gets the borrower's due days
DUE_DAY_TOPICS = {"how_to_repay", "auto_debit", "change_due_date", "repayment_methods"}
#: a rate question that asks for a judgement ("算高吗", "合法吗"), not only a conversion
_JUDGE_WORDS = re.compile(r"高吗|高不高|算高|贵吗|贵不贵|划算|合法|违法|高利贷|正常吗|合理吗")
#: above this nominal annual rate the interest_rate answer's court-reduction line applies
COURT_REDUCTION_ABOVE = Decimal("0.24")


def faq_topic(tracker) -> Optional[str]:
    """The FAQ topic the response selector picked for the latest message — except a bare
    "上征信吗" read as how normal borrowing shows on the report (credit_report_usage) right after
    the user spoke of being late ("借呗晚还一天" → "上征信吗"): that is whether lateness is
    reported (credit_report_overdue)."""
    users = user_events(tracker)
    return topic_in_context(
        topic_of(tracker.latest_message), latest_text(tracker), [e.get("text") for e in users[:-1]]
    )


def topic_in_context(topic: Optional[str], text: str, earlier: List[Any]) -> Optional[str]:
    """:func:`faq_topic` for a message ``text`` read as ``topic`` after the user's ``earlier``
    messages (oldest first)."""
    if topic == "credit_report_usage" and not _USAGE_WORDS.search(text):
        if LATE_CONTEXT.search(text) or any(
            LATE_CONTEXT.search(str(said or "")) for said in earlier[-LATE_CONTEXT_WINDOW:]
        ):
            return "credit_report_overdue"
    return topic


#: what makes a report question one about normal borrowing (a mortgage, queries, on-time loans)
_USAGE_WORDS = re.compile(
    r"房贷|车贷|买房|贷款审批|批贷|审批|查询|查征信|查一下征信|正常|按时|记录会|显示|负债|"
    r"信用卡申请|办卡|额度|结清|提前还"
)
#: lateness in the user's recent messages
LATE_CONTEXT = re.compile(r"逾期|预期|晚还|晚了|晚几天|拖|没还|还不上|罚息|宽限")
#: how many of the user's messages before the latest one count as the context
LATE_CONTEXT_WINDOW = 2


ANSWER_ACTION = "action_answer_faq"


def asked_again(tracker, topic: Optional[str]) -> bool:
    """The previous user message had the same FAQ topic and its answer was the bot's last
    action before this message (a follow-up inside one topic)."""
    if topic is None:
        return False
    users = 0
    answered = False
    events = list(tracker.events or [])
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        kind = event.get("event")
        if kind == "user":
            users += 1
            if users == 2:
                earlier = [e.get("text") for e in events[:index] if e.get("event") == "user"]
                read = topic_in_context(
                    topic_of(event.get("parse_data")), str(event.get("text") or ""), earlier
                )
                return answered and read == topic
        elif users == 1 and kind == "action":
            name = event.get("name")
            if name in ("action_listen", "action_faq_followup"):
                continue
            if answered:
                continue
            if name != ANSWER_ACTION:
                return False  # something else happened in between (a form, another answer)
            answered = True
    return False


#: asked again within one topic, with no note for the sub-question
SAME_TOPIC_ZH = (
    "这一点上面那条回答里讲到了，可以往上翻看看。"
    "还有哪里不明白，就具体问一句（比如某个数字、某个步骤）；想和人工客服聊，说“转人工”。"
)


def faq_notes(topic: Optional[str], text: str) -> List[str]:
    """The answers to sub-questions the topic's answer leaves out (``bot/policy/faq_notes.yml``:
    最低还款, 上门, 家人, 多扣款 …); none when the notes file cannot be read."""
    try:
        return [note.answer for note in load_faq_notes().for_message(topic, text)]
    except FaqNotesError as error:
        logger.error("action_faq_followup: %s", error)
        return []


def stated_rate_followup(tracker, policy: LenderPolicy) -> Optional[str]:
    """The rate the user named in the latest message, converted: ``按你说的日利率0.05%：年化 =
    0.05% × 360 = 18.00%。`` (None when the message names no rate)."""
    for entity, basis in (("daily_rate", "daily"), ("annual_rate", "annual")):
        found = as_rate(latest_entity(tracker, entity))
        if found is None or found[0] <= 0:
            continue
        daily = as_daily(found[0], basis, policy.day_count)
        annual = as_annual(daily, policy.day_count)
        days, note = policy.day_count, example_note(policy, "day_count")
        if basis == "daily":
            given = plain_str(daily * 100)
            annual_text = percent_str(annual)
            line = f"按你说的日利率{given}%：年化 = {given}% × {days} = {annual_text}%{note}。"
        else:
            given = plain_str(annual * 100)
            exact = daily == daily.quantize(Decimal("0.00001"))
            daily_text = f"= {percent_str(daily, 3)}" if exact else f"≈ {percent_str(daily, 4)}"
            line = f"按你说的年化{given}%：日利率 = {given}% ÷ {days} {daily_text}%{note}。"
        if annual > COURT_REDUCTION_ABOVE:
            line += "这已高于年化24%，超出的部分可以请求法院调减。"
        elif _JUDGE_WORDS.search(latest_text(tracker)):  # "年化14.4算高吗"
            line += (
                "没超过年化24%（金融机构的借款，超过这条线的部分可以请求法院调减）；"
                "贵不贵，拿它和其他正规借款的年化比一比，选低的。"
            )
        return line
    return None


#: periods assumed for a monthly fee rate when the message gives none (said as an example)
EXAMPLE_FEE_PERIODS = 12


def monthly_rate_followup(tracker) -> Optional[str]:
    """A rate per month the user named, converted: an interest rate on the balance ("月息2分",
    "月利率1%") is × 12; a fee rate on the original principal ("月费率0.5%") looks like × 12 but
    costs about twice that, since the fee stays while the principal is repaid: its APR by IRR
    over the message's number of installments, else 12 (said). None when none is named."""
    withheld = read_quantities(latest_text(tracker)).withheld
    found = next((q for q in withheld if q.entity in (MONTHLY_RATE, MONTHLY_CHARGE)), None)
    if found is None:
        return None
    try:
        monthly = Decimal(found.value)
        if not 0 < monthly < 1:
            return None
        given = plain_str(monthly * 100)
        nominal = percent_str(monthly * 12)
        if found.entity == MONTHLY_RATE:
            return (
                f"按你说的月利率{given}%：年化 = {given}% × 12 = {nominal}%（按剩余本金计息时）。"
            )
        periods = int(latest_entity(tracker, "installments") or 0) or EXAMPLE_FEE_PERIODS
        if not 1 < periods <= 60:
            periods = EXAMPLE_FEE_PERIODS
        sample = Decimal("10000")
        true_apr = apr_from_cashflows(sample, flat_fee_payments(sample, monthly, periods)).apr
    except (ArithmeticError, ValueError, FinanceError):
        return None
    return (
        f"按你说的月费率{given}%：看着像年化{nominal}%（{given}% × 12），但手续费每期都按最初的"
        f"本金收，本金却一期期在减少；分{periods}期算，真实年化（IRR）约{percent_str(true_apr)}%。"
        "比较借款，看合同和借款页面上的年化利率。"
    )


def personal_followup(topic: str, overview: LoanOverview, policy: LenderPolicy) -> Optional[str]:
    """The follow-up for ``topic``, or None when there is nothing personal worth adding."""
    loans = open_loans(overview)
    if not loans:
        return None
    names = loan_names(overview.loans)
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    today = overview.as_of
    if not overdue:
        if topic not in REASSURE_TOPICS:
            return None
        upcoming = sorted(
            (loan for loan in loans if loan.next_due_date and loan.next_due_amount > 0),
            key=lambda loan: loan.next_due_date,
        )
        line = f"{PERSONAL_MARKERS[1]}目前没有逾期 👍"
        if upcoming:
            first = upcoming[0]
            line += (
                f" 最近一期是{names[first.loan_id]}，{date_zh(first.next_due_date, today)}"
                f"应还{yuan(first.next_due_amount)}。"
            )
        return line
    if topic not in OVERDUE_TOPICS:
        return None
    loan = max(overdue, key=lambda item: item.overdue_days)
    name = names[loan.loan_id]
    status = loan.report_status
    lines = [
        f"{PERSONAL_MARKERS[0]}{name}已逾期{loan.overdue_days}天，"
        f"逾期本息和罚息合计{yuan(loan.overdue_total)}。"
    ]
    if in_grace(loan, policy):
        lines.append(in_grace_zh(policy, loan.overdue_days))
    else:
        per_day = penalty_per_day(loan, policy)
        growth = f"，每多一天约多{yuan(per_day)}" if per_day > 0 else ""
        lines.append(
            f"罚息目前{yuan(loan.penalty_accrued)}{growth}；"
            f"征信还款状态按“{status}”（{STATUS_DESCRIPTIONS_ZH.get(status, status)}）记。"
        )
    lines.append(
        next_step_line(
            loan.overdue_days, policy, skip=("penalty",) if in_grace(loan, policy) else ()
        )
    )
    if loan.overdue_total <= SMALL_OVERDUE:
        lines.append(f"差的只有{yuan(loan.overdue_total)}，今天补上就能止损。")
    else:
        lines.append("能还多少先还多少；实在还不上，说“申请延期”，我帮你提交协商申请。")
    return "\n".join(lines)


def own_rates_zh(overview: LoanOverview) -> Optional[str]:
    """The borrower's open loans and their rates, one line; None without open loans."""
    loans = open_loans(overview)
    if not loans:
        return None
    names = loan_names(overview.loans)
    parts = "；".join(
        f"{names[loan.loan_id]}{rate_text(loan.annual_rate, loan.daily_rate)}" for loan in loans
    )
    line = f"对照你的借款：{parts}。"
    if len({loan.annual_rate for loan in loans}) > 1:  # "哪个利息最高": name it
        dearest = max(loans, key=lambda loan: loan.annual_rate)
        line += f"利率最高的是{names[dearest.loan_id]}，有余钱先还它最省利息。"
    policy = load_policy()
    for loan in loans:
        if loan.overdue_days <= 0:
            continue
        penalty = loan.annual_rate * policy.penalty_multiplier
        line += f"{names[loan.loan_id]}逾期的部分按罚息年化{percent_str(penalty)}%计"
        if penalty > COURT_REDUCTION_ABOVE:
            line += "，已高于年化24%：利息、罚息等合计超过24%的部分，可以请求法院调减"
        line += "。"
    return line


def own_figure_zh(tracker, overview: LoanOverview, focus: str) -> Optional[str]:
    """One figure of the borrower's own loans (:mod:`actions.status_focus`), for the product
    the message names, else all; None when there is none to give."""
    own = focused_messages(overview, focus, latest_entity(tracker, "loan_product"), load_policy())
    return own[0] if own else None


#: topics under which a lateness the user names ("晚还一天会上征信吗") gets a line on those days
DAYS_TOPICS = {
    "credit_report_overdue",
    "overdue_consequences",
    "grace_period",
    "small_amount_overdue",
}


def named_lateness(tracker) -> Optional[int]:
    """The days late the latest message names, else those of the message before it ("借呗晚还
    一天" → "上征信吗"); None when neither names a lateness."""
    days = as_days(latest_entity(tracker, "duration"))
    if days is None:
        before = previous_user_event(tracker)
        if before is not None and LATE_CONTEXT.search(str(before.get("text") or "")):
            found = event_entities(before, "duration")
            days = as_days(found[0]) if found else None
    return days if days is not None and 0 < days <= 3650 else None


def days_note_zh(tracker, topic: Optional[str], policy: LenderPolicy) -> Optional[str]:
    """What being ``N`` days late means for penalty and the credit report, by the lender's
    rules, when the user names N under a lateness topic; None otherwise."""
    if topic not in DAYS_TOPICS:
        return None
    days = named_lateness(tracker)
    if days is None:
        return None
    schedule = penalty_schedule(policy)
    after = policy.report_after_days
    if days <= schedule.free_days:
        return f"你说的晚{days}天，还在宽限期（{schedule.free_days}天）内：期内还清不收罚息。" + (
            grace_report_zh(policy)
        )
    status = report_status(days)
    penalty = f"过了宽限期，罚息从逾期第{schedule.counted_from_day}天算起" + (
        "（宽限期那几天也补算）" if schedule.grace_charged_later else ""
    )
    if days <= after:
        return (
            f"你说的晚{days}天：{penalty}；征信要逾期超过{after}天才可能报送，"
            f"这次还没到那一步{note(policy, 'report_after_days')}。越早还上越好。"
        )
    return (
        f"你说的晚{days}天：{penalty}；也超过了{after}天，可能被报送征信，还款状态记“{status}”"
        f"（{STATUS_DESCRIPTIONS_ZH.get(status, status)}）{note(policy, 'report_after_days')}。"
    )


def answered_by_followup(tracker, topic: str) -> bool:
    """action_faq_followup will answer this message's own point: a note, a rate it names, or
    what clearing everything takes."""
    text = latest_text(tracker)
    if days_note_zh(tracker, topic, load_policy()) and not latest_entity(tracker, "duration"):
        return True  # "上征信吗" right after "借呗晚还一天": that lateness, not "see above"
    if faq_notes(topic, text) or question_figures_zh(tracker, topic, load_policy()):
        return True
    if topic in PARTIAL_TOPICS and repayment_amount(tracker) is not None:
        return True
    if topic == "interest_rate":
        return (
            stated_rate_followup(tracker, load_policy()) is not None
            or monthly_rate_followup(tracker) is not None
        )
    return topic == "early_repayment" and asks_to_pay_off_all(text)


def asks_own_status(text: str) -> bool:
    """ "我上征信了没", "我有没有逾期": the borrower's own standing, not the topic's rules."""
    return bool(_OWN_STATUS.search(text))


def own_status_zh(topic: str, overview: LoanOverview, policy: LenderPolicy) -> Optional[str]:
    """The answer to :func:`asks_own_status` from the borrower's loans (None: nothing open)."""
    if topic not in OVERDUE_TOPICS | REASSURE_TOPICS:
        return None
    own = personal_followup(
        topic if topic in REASSURE_TOPICS else "credit_report_usage", overview, policy
    )
    if own and own.startswith(PERSONAL_MARKERS[1]) and topic.startswith("credit_report"):
        own += ON_TIME_REPORT_ZH
    return own


async def own_status_answer(tracker, topic: Optional[str]) -> Optional[str]:
    """The borrower's own status for "我上征信了没" under an overdue or reassure topic; None for
    any other message, topic or user (an unlinked user gets the general answer)."""
    if topic is None or topic not in OVERDUE_TOPICS | REASSURE_TOPICS:
        return None
    if not asks_own_status(latest_text(tracker)):
        return None
    account = await load_account(tracker)
    if not account.has_loan_data:
        return None
    return own_status_zh(topic, account.overview, load_policy())


def previous_user_asked_pay_off(tracker) -> bool:
    before = previous_user_event(tracker)
    return before is not None and asks_to_pay_off_all(str(before.get("text") or ""))


async def context_answer(tracker) -> Optional[str]:
    """An answer that only the previous turn makes sense of: "咋算的" right after the borrower's
    penalty figure (how it is worked out, with their numbers); "先还它行不" right after their
    dearest loan was named (yes, and how); "明天呢" right after what clearing everything takes
    (that day's figure). None for any other message or user."""
    said = previous_bot_text(tracker)
    dearest = dearest_first_zh(latest_text(tracker), said)
    if dearest:
        return dearest
    if previous_user_asked_pay_off(tracker):  # "今天还清要多少" → "明天呢"
        account = await load_account(tracker)
        later = await pay_off_follow_up_zh(tracker, account, load_policy())
        if later:
            return later
    return await penalty_explanation(tracker)


def answered_instead(tracker, topic: str) -> bool:
    """action_faq_followup answers this message in place of the topic's general answer: a
    repayment of a named amount ("还了3000之后每天罚息多少": its preview), or a repayment made
    and the loan still shown overdue ("我还了500 为啥还显示逾期")."""
    if asks_why_still_overdue(latest_text(tracker)):  # also "还款了" read as how to repay
        return topic in OVERDUE_TOPICS | PARTIAL_TOPICS | OVERDUE_PARTIAL_TOPICS
    return topic in OVERDUE_TOPICS and (
        repayment_amount(tracker) is not None or previewed_amount(tracker) is not None
    )


async def late_what_if(tracker, account: Account, policy: LenderPolicy) -> Optional[str]:
    """For a borrower who is not overdue and asks what being late would do ("我要是晚还10天会
    怎样", "拖到月底再还会怎样"): that lateness on each of their next installments (the named
    product's only, when one is named), a line each; when a following installment falls due by
    then too, the ledger's projection of both."""
    overview = account.overview
    loans = open_loans(overview)
    if not loans or any(loan.overdue_days > 0 for loan in loans):
        return None
    product = latest_entity(tracker, "loan_product")
    upcoming = sorted(
        (
            loan
            for loan in loans
            if loan.next_due_date
            and loan.next_due_amount > 0
            and (not product or loan.product == product)
        ),
        key=lambda loan: loan.next_due_date,
    )
    if not upcoming:
        return None
    duration = as_days(latest_entity(tracker, "duration"))
    named = None if duration is not None else first_date(latest_text(tracker), overview.as_of)
    if duration is None and named is None:
        return None
    names = loan_names(overview.loans)
    lines = []
    for loan in upcoming:
        days = duration if duration is not None else (named.day - loan.next_due_date).days
        if not 0 < days <= 3650:
            continue
        line = await _late_line(account, loan, names[loan.loan_id], days, policy)
        if line:
            lines.append(line)
    if not lines:
        return None
    return "\n".join(lines) + LATE_WHAT_IF_TAIL


async def _late_line(
    account: Account, loan: LoanSummary, name: str, days: int, policy: LenderPolicy
) -> Optional[str]:
    """One loan's next installment ``days`` late, in one sentence."""
    subject = f"按你{name}下一期应还的{yuan(loan.next_due_amount)}算，晚还{days}天"
    if days <= penalty_schedule(policy).free_days:
        return f"{subject}还在宽限期内：期内还清不收罚息。"
    try:
        cost = what_if_cost(loan.next_due_amount, loan.daily_rate, days, policy)
    except FinanceError:
        return None
    line = f"{subject}：罚息约{yuan(cost.total_penalty)}"
    later = await loans_on(account, loan.next_due_date + timedelta(days=days))
    projected = later.loan(loan.loan_id) if later is not None else None
    if projected is not None and (projected.periods_overdue or 0) > 1:
        # by then the following installment is overdue too
        owed = projected.overdue_principal + projected.overdue_interest
        line = (
            f"{subject}：到那时下一期也过了还款日，逾期本息{yuan(owed)}，"
            f"罚息约{yuan(projected.penalty_accrued + projected.penalty_provisional)}"
        )
    if days > policy.report_after_days:
        status = cost.report_status
        line += f"，可能被报送征信，还款状态记“{status}”（{STATUS_DESCRIPTIONS_ZH[status]}）"
    return line + "。"


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return ANSWER_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        topic = faq_topic(tracker)
        victim = scam_victim_reply(tracker)
        if victim:  # paid a scam or gave data away: what to do now, not what the topic is
            dispatcher.utter_message(text=victim)
        elif topic is None:
            dispatcher.utter_message(response="utter_default")
        else:
            if topic in FEAR_TOPICS and _FEAR_WORDS.search(latest_text(tracker)):
                dispatcher.utter_message(text=CALM_FIRST_ZH)
            if (
                answered_instead(tracker, topic)
                or await own_status_answer(tracker, topic)
                or await context_answer(tracker)
            ):
                pass  # action_faq_followup answers this message itself
            elif not asked_again(tracker, topic):
                dispatcher.utter_message(response=f"utter_faq/{topic}")
            elif not answered_by_followup(tracker, topic):
                dispatcher.utter_message(text=SAME_TOPIC_ZH)
        return []


class ActionFaqFollowup(Action):
    def name(self) -> Text:
        return "action_faq_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        # a conversation that never ran action_session_start gets the policy now (the answer
        # just given showed the slots' neutral initial texts, never "None")
        events = policy_slot_events(tracker)
        if scam_victim_reply(tracker):
            return events  # action_answer_faq gave a scam victim the steps; nothing to add
        topic = faq_topic(tracker)
        own_status = await own_status_answer(tracker, topic)
        if own_status:  # "我上征信了没": where they stand, also right after the figures
            dispatcher.utter_message(text=own_status)
            return events
        explained = await context_answer(tracker)
        if explained:  # "咋算的" after their penalty figure: how, with their numbers
            dispatcher.utter_message(text=explained)
            return events
        for answer in faq_notes(topic, latest_text(tracker)):
            dispatcher.utter_message(text=answer)
        # loaded for the days note, kept for the account's own figures at the end
        account: Optional[Account] = None
        late: Optional[str] = None
        days_note = days_note_zh(tracker, topic, load_policy())
        if days_note:  # "借呗晚还一天会上征信吗": those days, unless their own loan says it below
            account = await load_account(tracker)
            if account.has_loan_data:
                late = await late_what_if(tracker, account, load_policy())
            own = account.has_loan_data and (
                late is not None
                or any(loan.overdue_days > 0 for loan in open_loans(account.overview))
            )
            if not own:
                dispatcher.utter_message(text=days_note)
        figures = question_figures_zh(tracker, topic, load_policy())
        if figures:  # "借3万分24期每个月还多少": that loan, computed
            dispatcher.utter_message(text=figures)
        if topic in PARTIAL_TOPICS | OVERDUE_PARTIAL_TOPICS and asks_about_partial_payment(tracker):
            partial = await partial_payment_zh(
                tracker, general=False, overdue_only=topic in OVERDUE_PARTIAL_TOPICS
            )
            if partial:  # "提前还2000" / "今天能还1500 够不够": that repayment on their loan
                dispatcher.utter_message(text=partial)
                return events
        if topic == "interest_rate":
            text = stated_rate_followup(tracker, load_policy()) or monthly_rate_followup(tracker)
            if text:
                dispatcher.utter_message(text=text)
            else:  # "利率多少", "日息多少" from a borrower: their own loans' rates
                account = await load_account(tracker)
                if account.has_loan_data:
                    focus = focus_of(latest_text(tracker))
                    own = (
                        own_figure_zh(tracker, account.overview, focus)
                        if focus in (INTEREST, TOTAL)  # "利息还要多少": that figure
                        else own_rates_zh(account.overview)
                    )
                    if own:
                        dispatcher.utter_message(text=own)
            return events
        # "提前还款能省多少利息" / "我想提前全部还掉 要多少钱" from a linked borrower: their
        # own saving per loan / what clearing everything takes
        text = latest_text(tracker)
        own_early = (
            (early_saving_zh if SAVE_WORDS.search(text) else None)
            or (pay_off_all_zh if asks_to_pay_off_all(text) else None)
            if topic == "early_repayment"
            else None
        )
        if own_early is not None:
            account = await load_account(tracker)
            reply = own_early(account.overview, load_policy()) if account.has_loan_data else None
            if reply:
                dispatcher.utter_message(text=reply)
            return events
        if topic in DUE_DAY_TOPICS and focus_of(latest_text(tracker)) == NEXT_INSTALLMENT:
            # "哪天还款", "几号扣款" from a borrower: their own due days after the general answer
            account = await load_account(tracker)
            own = (
                own_figure_zh(tracker, account.overview, NEXT_INSTALLMENT)
                if account.has_loan_data
                else None
            )
            if own:
                dispatcher.utter_message(text=own)
            return events
        if topic in OVERDUE_TOPICS and asks_about_partial_payment(tracker):
            # "还了3000之后每天罚息是多少" / "我还了500 为啥还显示逾期", from anyone, also asked
            # again within the topic: what that repayment does, instead of today's figures
            partial = await partial_payment_zh(tracker)
            if partial:
                dispatcher.utter_message(text=partial)
                return events
        if topic not in OVERDUE_TOPICS | REASSURE_TOPICS or asked_again(tracker, topic):
            return events  # (asked again: the figures were just shown)
        computed = account is not None
        account = account or await load_account(tracker)
        if not account.has_loan_data:
            return events
        policy = load_policy()
        # the account's figures are not repeated right after the answer that showed them
        text = None
        if not any(marker in previous_bot_text(tracker) for marker in PERSONAL_MARKERS):
            text = personal_followup(topic, account.overview, policy)
        if text:
            dispatcher.utter_message(text=text)
        if not computed:
            late = await late_what_if(tracker, account, policy)
        if late:
            dispatcher.utter_message(text=late)
        return events


__all__ = [
    "ActionAnswerFaq",
    "ActionFaqFollowup",
    "answered_by_followup",
    "asked_again",
    "OVERDUE_TOPICS",
    "REASSURE_TOPICS",
    "faq_notes",
    "faq_topic",
    "personal_followup",
    "stated_rate_followup",
]
