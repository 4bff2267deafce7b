"""``action_check_loan_status``: the user's own loans, figures to the fen, and what comes next.

Asked for one figure ("罚息现在多少了", "还有几期"), the answer to that (actions/status_focus.py).
Otherwise, per loan: what is left, the rate (annualised first), the next installment, and for an
overdue loan the overdue days, the overdue amount, the penalty so far and how much it grows per day.
Then one line on what happens next by the policy timeline; asked what clearing everything today
takes ("今天全部还清要多少钱"), the parts of it the ledger knows to the fen and where the exact sum
is shown. An unlinked user is told how to link
and sees no data; a ledger outage gets a polite "try later".
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.flows import explain_no_loan_data
from actions.identity import load_account, loans_on
from actions.loan_facts import (
    SMALL_OVERDUE,
    in_grace,
    loan_names,
    next_step_line,
    penalty_per_day,
)
from actions.replies import date_zh, rate_text, relative_day_zh, yuan
from actions.slot_values import (
    event_entities,
    latest_entities,
    latest_entity,
    latest_text,
    previous_user_event,
)
from actions.status_focus import (
    NEXT_INSTALLMENT,
    focus_of,
    focused_messages,
    overdue_reminder,
    penalty_explanation,
)
from bot.finance.money import finance_context, money, percent_str
from bot.finance.months import add_months
from bot.finance.overdue import STATUS_DESCRIPTIONS_ZH
from bot.loans.client import LoanOverview, LoanSummary
from bot.nlu.dates import first_date
from bot.policy import LenderPolicy, load_policy
from bot.policy.wording import (
    grace_report_zh,
    in_grace_zh,
    penalty_rule_zh,
    prepayment_rule_zh,
    report_rule_zh,
)

#: an installment due within this many days is mentioned together with the overdue amount
DUE_SOON_DAYS = 7


def report_line(loan: LoanSummary, policy: LenderPolicy) -> str:
    """Where the overdue stands on the credit report."""
    status = loan.report_status
    described = STATUS_DESCRIPTIONS_ZH.get(status, status)
    rule = report_rule_zh(policy).rstrip("。")
    if loan.overdue_days > policy.report_after_days:
        return f"征信：{rule}；按逾期天数，还款状态记为“{status}”（{described}）。"
    return f"征信：{rule}。你现在逾期{loan.overdue_days}天，越早还清越好。"


def describe_loan(loan: LoanSummary, name: str, policy: LenderPolicy, today: date) -> List[str]:
    """The lines of one loan in the status reply."""
    if loan.settled:
        return [f"【{name}】已结清 ✅"]
    lines = [
        f"【{name}】剩余本金{yuan(loan.outstanding_principal)}，"
        f"{rate_text(loan.annual_rate, loan.daily_rate)}"
    ]
    if loan.overdue_days > 0:
        overdue = loan.overdue_principal + loan.overdue_interest
        lines.append(
            f"⚠️ 已逾期{loan.overdue_days}天：逾期本息{yuan(overdue)}"
            f" + 罚息{yuan(loan.penalty_accrued)} = {yuan(loan.overdue_total)}"
        )
        if in_grace(loan, policy):
            lines.append(in_grace_zh(policy, loan.overdue_days))
            if loan.penalty_provisional > 0:
                lines.append(
                    f"宽限期内暂计的罚息{yuan(loan.penalty_provisional)}，期内还清就不用付。"
                )
        else:
            per_day = penalty_per_day(loan, policy)
            if per_day > 0:
                lines.append(f"罚息还在按天增加，每天约{yuan(per_day)}。")
    if loan.next_due_date is not None and loan.next_due_amount > 0:
        when = (
            f"{date_zh(loan.next_due_date, today)}（{relative_day_zh(loan.next_due_date, today)}）"
        )
        lines.append(f"下一期：{when}应还{yuan(loan.next_due_amount)}")
    return lines


def status_messages(
    overview: LoanOverview, policy: LenderPolicy, products: Sequence[str] = ()
) -> List[str]:
    """The reply bubbles for a linked borrower: all their loans, or the ``products`` named
    ("借呗还欠多少", "那花呗呢") when they have any of them (a product they do not have is
    said first, then everything)."""
    today = overview.as_of
    loans = list(overview.loans)
    if not loans:
        return [f"{overview.display_name}，你好。你名下目前没有借款记录。"]
    names = loan_names(loans)
    named = [loan for loan in loans if loan.product in products]
    missing = [p for p in dict.fromkeys(products) if p not in {loan.product for loan in loans}]
    others = [loan for loan in overview.loans if loan not in named and not loan.settled]
    if named:
        loans = named
        asked = "、".join(dict.fromkeys(names[loan.loan_id] for loan in named))
        header = f"{overview.display_name}，你好。你的{asked}："
    elif len(loans) > 1:
        header = f"{overview.display_name}，你好。你名下有{len(loans)}笔借款："
    else:
        header = f"{overview.display_name}，你好。你的借款情况："
    if missing and not named:  # "我花呗欠多少" with no 花呗: greeted first, then said
        greeting, _, rest = header.partition("你好。")
        header = f"{greeting}你好。你名下没有{'、'.join(missing)}的借款记录。{rest}"
    body = [header]
    for loan in loans:
        body.extend(describe_loan(loan, names[loan.loan_id], policy, today))
    if named:  # the loans not asked about, when they are overdue
        reminder = overdue_reminder(others, names)
        if reminder:
            body.append(reminder)
    bubbles = ["\n".join(body)]

    active = [loan for loan in loans if not loan.settled]
    overdue = [loan for loan in active if loan.overdue_days > 0]
    if overdue:
        worst = max(overdue, key=lambda loan: loan.overdue_days)
        total_overdue = sum((loan.overdue_total for loan in overdue), Decimal("0.00"))
        due_soon = sum(
            (
                loan.next_due_amount
                for loan in active
                if loan.next_due_date is not None
                and (loan.next_due_date - today).days <= DUE_SOON_DAYS
            ),
            Decimal("0.00"),
        )
        advice = [
            f"要恢复正常，需要先还清逾期的{yuan(total_overdue)}"
            + (
                f"（连同这几天到期的一期，一共{yuan(total_overdue + due_soon)}）。"
                if due_soon > 0
                else "。"
            )
        ]
        if total_overdue <= SMALL_OVERDUE:
            advice.append(
                f"差的钱虽然只有{yuan(total_overdue)}，也算逾期，照样可能影响征信，今天就补上吧。"
            )
        said = ("credit_report", "penalty") if in_grace(worst, policy) else ("credit_report",)
        advice += [
            report_line(worst, policy),
            next_step_line(worst.overdue_days, policy, skip=said),
        ]
        if total_overdue > SMALL_OVERDUE:
            advice.append(
                "能还多少先还多少，罚息按天算；实在还不上，可以说“申请延期”，我帮你向贷款方提交协商申请。"
            )
        bubbles.append("\n".join(advice))
    elif active:
        due = [
            loan for loan in active if loan.next_due_date is not None and loan.next_due_amount > 0
        ]
        lines = []
        # another loan, not asked about, is overdue: "no overdue" is about these only
        others_overdue = bool(named) and any(loan.overdue_days > 0 for loan in others)
        if len(due) > 1:
            first = min(loan.next_due_date for loan in due)
            total = sum((loan.next_due_amount for loan in due), Decimal("0.00"))
            lines.append(
                ("这几笔目前没有逾期，" if others_overdue else "目前没有逾期 👍 ")
                + f"近期各笔合计应还{yuan(total)}，最早一笔在{date_zh(first, today)}。"
            )
        elif others_overdue:
            lines.append(f"{names[named[0].loan_id]}这笔目前没有逾期。")
        else:
            lines.append("目前没有逾期 👍")
        lines.append(next_step_line(0, policy))
        lines.append("需要的话，说“还款日前3天提醒我”，我到时提醒你。")
        bubbles.append("\n".join(lines))
    else:
        bubbles.append("所有借款都已结清，没有需要还的钱 🎉")
    return bubbles


def how_late_zh(overview: LoanOverview, policy: LenderPolicy) -> str:
    """ "能晚几天": the grace days for a borrower who is not overdue; for one who is, that
    every further day costs and where the credit report goes next."""
    overdue = [loan for loan in overview.loans if not loan.settled and loan.overdue_days > 0]
    if not overdue:
        return f"能晚几天：{penalty_rule_zh(policy)}{grace_report_zh(policy)}"
    loan = max(overdue, key=lambda item: item.overdue_days)
    if in_grace(loan, policy):
        return f"能晚几天：{in_grace_zh(policy, loan.overdue_days)}"
    per_day = sum((penalty_per_day(item, policy) for item in overdue), Decimal("0.00"))
    return (
        f"能晚几天：你已经逾期{loan.overdue_days}天，宽限期早过了，再晚不是免费的："
        f"每多一天罚息约多{yuan(per_day)}。{next_step_line(loan.overdue_days, policy)}"
        "能还多少先还多少；实在还不上，说“申请延期”。"
    )


#: whether to keep paying while a relief request waits ("那我这期间还要还钱吗")
WHILE_WAITING = re.compile(
    r"(?:这期间|这段时间|审核期间|申请期间|等结果|批下来之前|批之前|没批之前|等审核).{0,6}"
    r"(?:还要还|要还|还用还|用还|要不要还|还得还|用不用还|还吗)"
)
WHILE_WAITING_ZH = (
    "要。申请提交后、贷款方答复之前，原来的还款安排不变：到期没还照样算逾期、计罚息，"
    "能还多少先还多少。\n"
)
#: a second question of how late one may pay ("能晚几天还不", "晚两天行吗")
GRACE_QUESTION = re.compile(r"晚[几两一二三]天|宽限|能晚|可以晚|晚点还|晚一点还|拖几天|缓几天")
#: the user asks what it takes to clear everything today ("今天全部还清要多少钱")
_PAY_OFF_ALL = re.compile(
    r"全部还清|全部还完|全还了|一次性?还清|一次性?还完|一次性?还掉|提前还清|提前结清|全部结清|"
    r"一次性结清|结清要|还清要多少|全部还掉|还清\s*(?:需要|要|得)\s*多少|还完\s*(?:需要|要|得)\s*多少"
)


def asks_to_pay_off_all(text: str) -> bool:
    return bool(_PAY_OFF_ALL.search(text or ""))


def interest_to_today(loan: LoanSummary, today: date) -> Optional[Tuple[Decimal, Decimal, int]]:
    """The current period's interest from the last due date (or the start) to ``today``, on the
    principal not yet due, by the day: ``(interest, that principal, days)``; None when the loan
    does not say where its period starts. An estimate: lenders count the first and last day
    their own way, and the App has the exact sum."""
    if loan.next_due_date is None or loan.due_day is None:
        return None
    previous = add_months(loan.next_due_date, -1, loan.due_day)
    if loan.start_date is not None and previous < loan.start_date:
        previous = loan.start_date
    days = max((today - previous).days, 0)
    principal = loan.outstanding_principal - loan.overdue_principal
    with finance_context():
        return money(principal * loan.daily_rate * days), principal, days


def settle_today(loan: LoanSummary, today: date) -> Optional[Decimal]:
    """What clearing ``loan`` today takes: principal left, overdue interest, penalty so far and
    this period's interest to today (:func:`interest_to_today`, an estimate); None when the loan
    does not say where its period starts."""
    accrued = interest_to_today(loan, today)
    if accrued is None:
        return None
    return loan.outstanding_principal + loan.overdue_interest + loan.penalty_accrued + accrued[0]


def pay_off_all_zh(
    overview: LoanOverview,
    policy: LenderPolicy,
    products: Sequence[str] = (),
    day_label: str = "今天",
) -> Optional[str]:
    """What clearing every open loan (of the named ``products``, when they name one the borrower
    has) today takes: the parts the ledger knows to the fen (principal left, overdue interest,
    penalty so far), the current period's interest to today (by the day, an estimate:
    :func:`interest_to_today`), and the prepayment fee rule; the App has the exact sum."""
    active = [loan for loan in overview.loans if not loan.settled]
    named = [loan for loan in active if loan.product in products]
    subject = ""
    if named and len(named) < len(active):
        active = named
        subject = "、".join(dict.fromkeys(loan.product for loan in named))
    if not active:
        return None
    until = "今天" if day_label == "今天" else "那天"
    principal = sum((loan.outstanding_principal for loan in active), Decimal("0.00"))
    interest = sum((loan.overdue_interest for loan in active), Decimal("0.00"))
    penalty = sum((loan.penalty_accrued for loan in active), Decimal("0.00"))
    if interest + penalty > 0:
        known = (
            f"剩余本金{yuan(principal)}，加上逾期的利息{yuan(interest)}和罚息{yuan(penalty)}，"
            f"合计{yuan(principal + interest + penalty)}"
        )
    else:
        known = f"剩余本金{yuan(principal)}"
    accrued = [interest_to_today(loan, overview.as_of) for loan in active]
    if any(item is None for item in accrued):
        period = f"再加上本期从上个还款日到{until}按天算的利息，就是要付的钱。"
    else:
        to_today = sum((item[0] for item in accrued), Decimal("0.00"))
        if len(active) == 1:
            _, base, days = accrued[0]
            how = f"还没到期的本金{yuan(base)}按日利率{rate_text_daily(active[0])}算{days}天"
        else:
            how = f"每笔还没到期的本金，从上个还款日按各自的日利率算到{until}"
        period = (
            f"再加上本期到{until}按天算的利息约{yuan(to_today)}（{how}），"
            f"一共约{yuan(principal + interest + penalty + to_today)}。"
        )
    which = f"把{subject}" if subject else ""
    return (
        f"{day_label}一次{which}全部还清的话：{known}；{period}{prepayment_rule_zh(policy)}"
        "准确金额以App里提前还款（全部结清）页面显示的为准。"
    )


async def pay_off_on_day_zh(
    tracker, account, policy: LenderPolicy, products: Sequence[str] = ()
) -> Optional[str]:
    """What clearing everything takes on the later day the latest message names ("明天全部还清
    要多少", or "明天呢" right after the answer for today): the ledger's figures as of that day
    (penalty and overdue installments by then included); None when no later day is named or the
    ledger cannot project."""
    today = account.overview.as_of
    named = first_date(latest_text(tracker), today)
    if named is None or named.day <= today or (named.day - today).days > MAX_PAY_OFF_DAYS:
        return None
    later = await loans_on(account, named.day)
    if later is None:
        return None
    label = f"{date_zh(named.day, today)}（{relative_day_zh(named.day, today)}）"
    answer = pay_off_all_zh(later, policy, products, day_label=label)
    if answer is None:
        return None
    due = [
        loan
        for loan in account.overview.loans
        if not loan.settled
        if loan.next_due_date is not None and today <= loan.next_due_date < named.day
    ]
    if due:
        answer += "这期间到期的那一期（到那天还没还就算逾期）也已经算在里面了。"
    return answer


async def pay_off_follow_up_zh(tracker, account, policy: LenderPolicy) -> Optional[str]:
    """ "明天呢", "那月底呢" right after asking what clearing everything takes: that day's figure
    (the products asked about then, unless this message names others); None otherwise."""
    before = previous_user_event(tracker)
    if before is None or not asks_to_pay_off_all(str(before.get("text") or "")):
        return None
    if not account.has_loan_data:
        return None
    products = latest_entities(tracker, "loan_product") or event_entities(before, "loan_product")
    return await pay_off_on_day_zh(tracker, account, policy, products)


#: how far ahead a day-named pay-off is worked out
MAX_PAY_OFF_DAYS = 366


#: a question of what settling early saves ("提前还款能省多少利息")
SAVE_WORDS = re.compile(r"省[多几]少|能省|省下|少付|少交|划算|划不划算|值不值")


def early_saving_zh(overview: LoanOverview, policy: LenderPolicy) -> Optional[str]:
    """What settling every open loan today saves in interest, per loan: the scheduled interest
    still to pay (overdue periods included) against what settling today pays, the overdue
    interest and this period's interest to today (an estimate); penalty is owed either way.
    None when a loan does not say where its schedule stands."""
    active = [loan for loan in overview.loans if not loan.settled]
    if not active:
        return None
    names = loan_names(overview.loans)
    lines, total = [], Decimal("0.00")
    for loan in active:
        accrued = interest_to_today(loan, overview.as_of)
        if loan.interest_left is None or accrued is None:
            return None
        paid_now = loan.overdue_interest + accrued[0]
        saved = max(loan.interest_left - paid_now, Decimal("0.00"))
        total += saved
        lines.append(
            f"· {names[loan.loan_id]}：按计划还要付利息{yuan(loan.interest_left)}，今天结清只付"
            f"{yuan(paid_now)}（逾期的利息和本期到今天的利息），约省{yuan(saved)}"
        )
    head = "按你的借款算，今天一次全部结清能省的利息："
    tail = f"合计约省{yuan(total)}。" if len(active) > 1 else ""
    overdue = any(loan.penalty_accrued > 0 for loan in active)
    note = "已经产生的罚息照样要付。" if overdue else ""
    return "\n".join(
        [head, *lines, f"{tail}{note}{prepayment_rule_zh(policy)}以App里的结清金额为准。"]
    )


def rate_text_daily(loan: LoanSummary) -> str:
    return f"{percent_str(loan.daily_rate, 3)}%"


class ActionCheckLoanStatus(Action):
    def name(self) -> Text:
        return "action_check_loan_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        account = await load_account(tracker)
        if not account.has_loan_data:
            explain_no_loan_data(dispatcher, account)
            return []
        policy = load_policy()
        text = latest_text(tracker)
        # (imported here: actions.partial_payment builds on this module)
        from actions.partial_payment import asks_why_still_overdue, paid_already_zh

        if asks_why_still_overdue(text):
            # "我明明还了", "还了还显示逾期": why, and where the loan stands by the ledger
            product = latest_entity(tracker, "loan_product")
            dispatcher.utter_message(text=paid_already_zh(account, product, policy))
            return []
        later = await pay_off_follow_up_zh(tracker, account, policy)
        if later:  # "今天全部还清要多少" → "明天呢"
            dispatcher.utter_message(text=later)
            return []
        explained = await penalty_explanation(tracker, account)
        if explained:  # "罚息咋算的" after their penalty figure: how, with their numbers
            dispatcher.utter_message(text=explained)
            return []
        if WHILE_WAITING.search(text):
            # "那我这期间还要还钱吗" after a relief request: yes, and what is due when
            bubbles = focused_messages(
                account.overview, NEXT_INSTALLMENT, latest_entities(tracker, "loan_product"), policy
            )
            dispatcher.utter_message(text=WHILE_WAITING_ZH + (bubbles[0] if bubbles else ""))
            return []
        focus = None if asks_to_pay_off_all(text) else focus_of(text)
        if focus is not None:
            products = latest_entities(tracker, "loan_product")
            bubbles = focused_messages(account.overview, focus, products, policy)
            if bubbles:
                if GRACE_QUESTION.search(text):
                    # "这个月要还多少 能晚几天还不": the second question too
                    bubbles.insert(1, how_late_zh(account.overview, policy))
                for bubble in bubbles:
                    dispatcher.utter_message(text=bubble)
                return []
        if asks_to_pay_off_all(text):
            # "今天全部还清要多少钱": that answer alone, not the whole status before it
            # ("明天全部还清要多少": as the ledger projects that day)
            products = latest_entities(tracker, "loan_product")
            answer = await pay_off_on_day_zh(tracker, account, policy, products) or pay_off_all_zh(
                account.overview, policy, products
            )
            if answer:
                dispatcher.utter_message(text=answer)
                return []
        products = latest_entities(tracker, "loan_product")
        for bubble in status_messages(account.overview, policy, products):
            dispatcher.utter_message(text=bubble)
        return []


__all__ = [
    "ActionCheckLoanStatus",
    "report_line",
    "describe_loan",
    "status_messages",
    "asks_to_pay_off_all",
    "pay_off_all_zh",
]
