"""Payoff plan over the user's own debts: start (account check), form, questions, the plan.

Flow: ``request_payoff_plan`` → ``action_start_payoff_plan`` (linked? has debts?) →
``payoff_form`` (monthly budget, strategy) → ``action_payoff_plan``.

The debts are the borrower's open loans from the ledger. An overdue loan is split in two: the
overdue amount (principal, interest and penalty so far), which is due now and must be paid in
full in the first month, and the rest of the loan, whose minimum is the next installment. The
plan comes from :func:`bot.finance.payoff.compare_strategies`: months to debt-free, total
interest, what to pay on which loan this month, avalanche and snowball side by side. A budget
below this month's minimums is explained with the exact shortfall and the options.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
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
    prepared_values,
    skip_empty,
    slot_events,
    stop_for_no_loans,
    stop_without_loan_data,
    validate_amount,
)
from actions.identity import UNLINKED, load_account
from actions.loan_facts import DebtPart, debt_parts, open_loans, penalty_per_day
from actions.loan_status import asks_to_pay_off_all, pay_off_all_zh
from actions.partial_payment import partial_payment_zh, repayment_amount
from actions.question_figures import new_loan_figures_zh
from actions.replies import example_note, yuan
from actions.slot_values import (
    MONTHLY_BEFORE,
    amounts_in_message,
    as_amount,
    extracted_words,
    latest_entities,
    latest_entity,
    latest_text,
)
from bot.finance import months as calendar_months
from bot.finance.errors import FinanceError
from bot.finance.money import money_str, percent_str
from bot.finance.months import months_text
from bot.finance.overdue import catch_up
from bot.finance.payoff import Debt, PayoffPlan, Strategy, compare_strategies, plan_payoff
from bot.policy import LenderPolicy, load_policy
from bot.policy.wording import EXAMPLE_DAILY_RATE

RESULT_ACTION = "action_payoff_plan"
REQUEST_INTENT = "request_payoff_plan"
SLOTS = ("payoff_budget", "payoff_strategy")
STRATEGIES = (Strategy.avalanche.value, Strategy.snowball.value)
MAX_BUDGET = Decimal("10000000")
STOP_HINT = "不想做计划了可以说“算了”。"
#: after what clearing a loan today takes, asked inside the payoff plan's request
PLAN_OFFER_ZH = "\n一次还不清的话，说“每月能还3000 帮我做个还款计划”，我按你每月能拿出的钱排一排。"
UNLINKED_HINT = (
    "绑定后，我按你每笔借款的真实利率排出先还哪笔、每月各还多少；想先拆收支，说“帮我做个预算”。"
)
NO_LOANS_ZH = "你名下目前没有未结清的借款，不需要还款计划 🎉 想规划收入的话，可以说“帮我做个预算”。"

STRATEGY_NAMES = {s.value: s.label_zh for s in (Strategy.avalanche, Strategy.snowball)}
STRATEGY_SHORT = {s.value: s.short_zh for s in (Strategy.avalanche, Strategy.snowball)}
STRATEGY_BUTTONS = [
    {"title": "先还利率高的（雪崩法）", "payload": '/inform{"strategy":"avalanche"}'},
    {"title": "先还金额小的（雪球法）", "payload": '/inform{"strategy":"snowball"}'},
]
RELIEF_BUTTONS = [
    {"title": "申请协商还款", "payload": "/request_repayment_relief"},
    {"title": "帮我做个预算", "payload": "/request_budget_plan"},
]

_AVALANCHE_WORDS = re.compile(r"雪崩|利率高|利息高|高息|贵的|第一|前者|前面|^\s*1\s*$|^\s*[aA]\s*$")
_SNOWBALL_WORDS = re.compile(
    r"雪球|金额小|余额小|小额|少的|最少|第二|后者|后面|^\s*2\s*$|^\s*[bB]\s*$"
)
_NO_PREFERENCE = re.compile(r"随便|都行|都可以|无所谓|你定|你推荐|推荐|不知道|不懂|哪个好|哪种好")


def strategy_from_words(text: str) -> Optional[str]:
    """avalanche / snowball from a worded answer; avalanche when the user has no preference."""
    if not text:
        return None
    avalanche = bool(_AVALANCHE_WORDS.search(text))
    snowball = bool(_SNOWBALL_WORDS.search(text))
    if avalanche != snowball:
        return "avalanche" if avalanche else "snowball"
    if _NO_PREFERENCE.search(text):
        return "avalanche"
    return None


def stated_debt_and_monthly(tracker) -> Optional[Tuple[Decimal, Decimal]]:
    """``(debt, monthly)`` when the latest message gives exactly one amount owed and one amount
    paid each month, the monthly one smaller ("我欠两万 每月能还3000")."""
    monthly, owed = [], []
    for amount, before in amounts_in_message(tracker):
        if amount > 0:
            (monthly if MONTHLY_BEFORE.search(before) else owed).append(amount)
    if len(monthly) == 1 and len(owed) == 1 and monthly[0] < owed[0]:
        return owed[0], monthly[0]
    return None


def what_if_payoff_zh(debt: Decimal, monthly: Decimal, policy: LenderPolicy) -> str:
    """How long ``debt`` takes at ``monthly`` a month: without interest, and at the worked
    example's rate (labelled as an example: the user's own rate is not known)."""
    annual = EXAMPLE_DAILY_RATE * policy.day_count
    rate = f"年化{percent_str(annual)}%（示例利率）"
    lines = [
        f"按你说的：欠{yuan(debt)}，每月还{yuan(monthly)}——",
        f"· 不算利息，{months_text(math.ceil(debt / monthly))}能还完；",
    ]
    try:
        plan = plan_payoff([Debt("欠款", debt, annual, monthly)], monthly, Strategy.avalanche)
    except FinanceError:
        plan = None
    if plan is not None and plan.feasible:
        lines.append(
            f"· 按{rate}算，要{months_text(plan.months)}，利息一共约{yuan(plan.total_interest)}。"
        )
    elif plan is not None:
        lines.append(f"· 按{rate}算，这样还不完，每月至少要再多{yuan(plan.shortfall)}。")
    lines.append("实际要看你借款的利率和还款方式，利率越高、用时越长。")
    return "\n".join(lines)


class ActionStartPayoffPlan(Action):
    def name(self) -> Text:
        return "action_start_payoff_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        figures = new_loan_figures_zh(tracker, load_policy())
        if figures is not None:
            dispatcher.utter_message(text=figures)
            return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        account = await load_account(tracker)
        if not account.has_loan_data and repayment_amount(tracker) is not None:
            # "我先还2万行不" from someone not linked: the rule, and what linking would show
            partial = await partial_payment_zh(tracker, account)
            if partial:
                dispatcher.utter_message(text=partial)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        if not account.has_loan_data:
            # "我欠两万 每月能还3000 多久能还完" needs no account: answer it, then how to link
            stated = stated_debt_and_monthly(tracker)
            if stated is not None:
                dispatcher.utter_message(text=what_if_payoff_zh(*stated, load_policy()))
            elif account.status == UNLINKED:
                # "先还哪笔划算": how to choose, before how to link (no loop back to the phrase)
                dispatcher.utter_message(response="utter_faq/debt_strategy")
            return stop_without_loan_data(dispatcher, account, UNLINKED_HINT)
        loans = open_loans(account.overview)
        if not loans:
            return stop_for_no_loans(dispatcher, account, NO_LOANS_ZH)
        if repayment_amount(tracker) is not None:
            # "我先还2万行不": a repayment now, not a monthly budget
            partial = await partial_payment_zh(tracker, account)
            if partial:
                dispatcher.utter_message(text=partial)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        if latest_entity(tracker, "amount") is None and asks_to_pay_off_all(latest_text(tracker)):
            # "我想先把借呗还清 要多少钱": what clearing it today takes, not a monthly plan
            text = pay_off_all_zh(
                account.overview, load_policy(), latest_entities(tracker, "loan_product")
            )
            if text:
                dispatcher.utter_message(text=text + PLAN_OFFER_ZH)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        given = {
            "payoff_budget": latest_entity(tracker, "amount"),
            "payoff_strategy": latest_entity(tracker, "strategy"),
        }
        values = prepared_values(tracker, SLOTS, given, RESULT_ACTION)
        if len(loans) == 1 and values["payoff_strategy"] is None:
            values["payoff_strategy"] = "avalanche"  # one loan: the order does not matter
        return [account_status_event(account)] + slot_events(values, tracker)


class ValidatePayoffForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_payoff_form"

    async def extract_payoff_budget(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if latest_entity(tracker, "amount") or latest_entity(tracker, "strategy"):
            return {}
        return extracted_words(tracker, "payoff_budget", also=(REQUEST_INTENT,))

    async def extract_payoff_strategy(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if latest_entity(tracker, "strategy"):
            return {}
        return extracted_words(tracker, "payoff_strategy", also=(REQUEST_INTENT, "affirm"))

    @skip_empty
    async def validate_payoff_budget(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = self._budget(value, dispatcher, tracker)
        budget = as_amount(result.get("payoff_budget"))
        if budget is not None and tracker.get_slot("payoff_strategy") is None:
            # below this month's minimums the order of repayment is moot: straight to the
            # shortfall, not a question about avalanche or snowball first
            account = await load_account(tracker)
            if account.has_loan_data:
                parts = debt_parts(account.overview)
                minimum = sum((part.debt.minimum_payment for part in parts), Decimal("0.00"))
                if budget < minimum:
                    result["payoff_strategy"] = Strategy.avalanche.value
        return result

    @staticmethod
    def _budget(value: Any, dispatcher, tracker: Tracker) -> Dict[Text, Any]:
        return validate_amount(
            value,
            dispatcher,
            tracker,
            "payoff_budget",
            maximum=MAX_BUDGET,
            negative="每月还款的钱不能是负数。",
            unrecognised=f"这个金额我没认出来，直接说数字就行。{STOP_HINT}",
            zero=(
                "每月一分都拿不出来的话，还款计划排不出来，建议尽快申请协商还款（说“申请延期”）。"
                "如果其实能挤出一点，说个大概数也行。"
            ),
            too_large="每月{amount}有点多，是不是多打了几个0？",
        )

    @skip_empty
    def validate_payoff_strategy(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        choice = text if text in STRATEGIES else strategy_from_words(text)
        if choice is None:
            dispatcher.utter_message(text="没太明白你想先还哪种，点下面的按钮，或者回“1”“2”都行。")
            return {"payoff_strategy": None}
        return {"payoff_strategy": choice}


class ActionAskPayoffBudget(Action):
    def name(self) -> Text:
        return "action_ask_payoff_budget"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        intro = ""
        account = None
        if (
            tracker.get_slot("requested_slot") != "payoff_budget"
        ):  # first time: this month's minimum
            account = await load_account(tracker)
        if account is not None and account.overview is not None:
            parts = debt_parts(account.overview)
            minimum = sum((part.debt.minimum_payment for part in parts), Decimal("0.00"))
            overdue = sum((part.debt.balance for part in parts if part.overdue), Decimal("0.00"))
            loans = open_loans(account.overview)
            intro = f"你现在有{len(loans)}笔欠款，这个月最低要还{yuan(minimum)}"
            intro += f"（其中逾期的{yuan(overdue)}需要马上还）。" if overdue > 0 else "。"
        dispatcher.utter_message(
            text=intro + "你每个月能拿出多少钱来还？说个实在的数，比如“3000”。"
        )
        return []


class ActionAskPayoffStrategy(Action):
    def name(self) -> Text:
        return "action_ask_payoff_strategy"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(
            text=(
                "多出来的钱先还哪笔？\n"
                "· 雪崩法：先还利率最高的，总利息最少\n"
                "· 雪球法：先还余额最小的，能更快还清一笔、更有动力\n"
                "两种我都会算给你对比，选一个做本月安排："
            ),
            buttons=STRATEGY_BUTTONS,
        )
        return []


def month_label(today: date, month_index: int) -> str:
    """Calendar month of plan month ``month_index`` (1 = the current month)."""
    return calendar_months.month_label(today, month_index - 1)


def catch_up_line(overdue: Decimal, regular: Decimal, budget: Decimal, per_day: Decimal) -> str:
    """For a budget that covers the regular installments but not the overdue amount as well:
    how long the surplus takes to catch up, with the penalty meanwhile (an estimate)."""
    surplus = budget - regular
    if surplus <= 0:
        return ""
    result = catch_up(overdue, per_day, surplus)
    if result.months is None:
        return (
            f"每月还{yuan(budget)}的话，还完每月到期的{yuan(regular)}只多出{yuan(surplus)}，"
            "比逾期部分每月新增的罚息还少，逾期补不上。"
        )
    return (
        f"每月还{yuan(budget)}的话：先还每月到期的{yuan(regular)}，多出的{yuan(surplus)}补逾期，"
        f"大约{months_text(result.months)}能补齐（这期间罚息约再加{yuan(result.penalty)}），"
        "之后按月正常还。这是粗算；补齐之前每天都在计罚息，征信上也一直记着逾期，"
        "能早点一次补上最省。"
    )


def infeasible_message(
    plan: PayoffPlan, parts: List[DebtPart], penalty_per_day: Decimal = Decimal("0.00")
) -> str:
    """A budget below what is due this month: by how much, what to do, and, when it covers the
    regular installments, how long the rest takes to catch up the overdue amount."""
    overdue = sum((part.debt.balance for part in parts if part.overdue), Decimal("0.00"))
    minimum = sum((part.debt.minimum_payment for part in parts), Decimal("0.00"))
    lines = []
    if plan.monthly_budget < minimum:
        head = f"每月{yuan(plan.monthly_budget)}还不够：这个月最低要还{yuan(minimum)}"
        head += f"（其中逾期的{yuan(overdue)}）" if overdue > 0 else ""
        lines.append(head + f"，还差{yuan(plan.shortfall)}。")
        if overdue > 0 and plan.monthly_budget > minimum - overdue:
            line = catch_up_line(overdue, minimum - overdue, plan.monthly_budget, penalty_per_day)
            if line:
                lines.append(line)
    else:
        lines.append(plan.reason_zh)
    lines += [
        "可以这样办：",
        "1. 申请协商还款：向贷款方申请延期或分期，我可以帮你提交申请（批不批由贷款方决定）；",
        (
            f"2. 调整预算：差的主要是逾期的{yuan(overdue)}，这是一次要补上的，"
            f"之后每月最低{yuan(minimum - overdue)}；说“帮我做个预算”，我帮你拆一拆收支。"
            if overdue > 0 and plan.monthly_budget >= minimum - overdue
            else f"2. 调整预算：每月按期要还{yuan(minimum - overdue)}，看看每月能不能再挤出"
            f"{yuan(minimum - overdue - plan.monthly_budget)}；逾期的{yuan(overdue)}另要一次补上。"
            "说“帮我做个预算”，我帮你拆一拆收支。"
            if overdue > 0
            else f"2. 调整预算：看看每月能不能再挤出{yuan(plan.shortfall)}，"
            "说“帮我做个预算”，我帮你拆一拆收支。"
        ),
        "别借新还旧，也别找收费“代还”“停息挂账”的中介，那样欠款只会越滚越多。",
    ]
    return "\n".join(lines)


def plan_payload(
    plans: Dict[Strategy, PayoffPlan],
    chosen: str,
    parts: List[DebtPart],
    today: date,
    rows: List[List[str]],
) -> Dict[str, Any]:
    """The custom payload the widget renders as a chart and a table."""
    strategies = {}
    series = []
    longest = 0
    for key in STRATEGIES:
        plan = plans[Strategy(key)]
        strategies[key] = {
            "name": STRATEGY_SHORT[key],
            "feasible": plan.feasible,
            "months": plan.months,
            "total_interest": (
                money_str(plan.total_interest) if plan.total_interest is not None else None
            ),
            "order": list(plan.priority),
        }
        balances = [money_str(month.balance) for month in plan.schedule]
        longest = max(longest, len(balances))
        series.append({"name": STRATEGY_SHORT[key], "data": balances})
    return {
        "type": "payoff_plan",
        "chosen": chosen,
        "monthly_budget": money_str(plans[Strategy(chosen)].monthly_budget),
        "strategies": strategies,
        "table": {"columns": ["欠款", "剩余欠款", "年化", "本月还", "还清于"], "rows": rows},
        "chart": {
            "labels": [month_label(today, i) for i in range(1, longest + 1)],
            "series": series,
            "unit": "元",
            "title": "剩余欠款",
        },
    }


def plan_messages(
    plans: Dict[Strategy, PayoffPlan],
    chosen: str,
    parts: List[DebtPart],
    today: date,
    policy: LenderPolicy,
) -> Tuple[str, Dict[str, Any]]:
    """The reply text and the payload of a feasible plan."""
    plan = plans[Strategy(chosen)]
    other_key = "snowball" if chosen == "avalanche" else "avalanche"
    other = plans[Strategy(other_key)]
    single = len({part.loan_id for part in parts}) == 1
    lines = [
        f"按每月还{yuan(plan.monthly_budget)}"
        + ("：" if single else f"、{STRATEGY_NAMES[chosen]}：")
    ]
    lines.append(
        f"· {months_text(plan.months)}还清（预计{month_label(today, plan.months)}），"
        f"总利息约{yuan(plan.total_interest)}"
    )
    if not single and other.feasible:
        diff = other.total_interest - plan.total_interest
        compare = (
            f"· 对比：{STRATEGY_SHORT[other_key]}{months_text(other.months)}、"
            f"利息{yuan(other.total_interest)}；"
        )
        if diff > 0:
            compare += f"{STRATEGY_SHORT[chosen]}少付{yuan(diff)}"
        elif diff < 0:
            first = plan.priority[0]
            cleared = plan.payoff_month.get(first)
            when = f"（{month_label(today, cleared)}）" if cleared else ""
            compare += f"{STRATEGY_SHORT[chosen]}多付{yuan(-diff)}，换来先清掉{first}{when}"
        else:
            compare += "两种方法利息一样"
        lines.append(compare)
    lines.append("这个月这样还：")
    rows: List[List[str]] = []
    by_loan: Dict[str, List[DebtPart]] = {}
    for part in parts:
        by_loan.setdefault(part.loan_id, []).append(part)
    for loan_parts in by_loan.values():
        name = loan_parts[0].loan_name
        pay = sum(
            (plan.first_month_payments.get(p.debt.name, Decimal(0)) for p in loan_parts),
            Decimal("0.00"),
        )
        balance = sum((p.debt.balance for p in loan_parts), Decimal("0.00"))
        overdue = sum((p.debt.balance for p in loan_parts if p.overdue), Decimal("0.00"))
        regular = [p for p in loan_parts if not p.overdue]
        rate = regular[0].debt.annual_rate if regular else None
        done = max((plan.payoff_month.get(p.debt.name, 0) for p in loan_parts), default=0)
        note = f"（含逾期{yuan(overdue)}）" if overdue > 0 else ""
        lines.append(f"· {name}：{yuan(pay)}{note}")
        rows.append(
            [
                name,
                money_str(balance),
                f"{percent_str(rate)}%" if rate is not None else "-",
                money_str(pay),
                month_label(today, done) if done else "-",
            ]
        )
    minimum = sum((part.debt.minimum_payment for part in parts), Decimal("0.00"))
    if plan.monthly_budget > minimum:
        note = example_note(policy, "prepayment_fee_rate")
        fee = (
            "不收手续费"
            if policy.prepayment_fee_rate == 0
            else f"手续费为{policy.prepayment_fee_zh}"
        )
        lines.append(f"超出最低还款的部分算提前还款，{fee}{note}；利息只按实际用款天数算。")
    if any(part.overdue for part in parts):
        lines.append("逾期的部分排在最前面：先还上它，罚息才会停。")
    return "\n".join(lines), plan_payload(plans, chosen, parts, today, rows)


class ActionPayoffPlan(Action):
    def name(self) -> Text:
        return RESULT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        budget = as_amount(tracker.get_slot("payoff_budget"))
        chosen = tracker.get_slot("payoff_strategy")
        if chosen not in STRATEGIES:
            chosen = "avalanche"
        account = await load_account(tracker)
        if not account.has_loan_data:
            explain_no_loan_data(dispatcher, account)
            return []
        parts = debt_parts(account.overview)
        if budget is None or budget <= 0 or not parts:
            dispatcher.utter_message(text="抱歉，这次没能排出计划。可以再说一次每月能还多少吗？")
            return []
        try:
            plans = compare_strategies([part.debt for part in parts], budget)
        except FinanceError as error:
            dispatcher.utter_message(text=error.message_zh)
            return []
        plan = plans[Strategy(chosen)]
        if not plan.feasible:
            policy = load_policy()
            per_day = sum(
                (
                    penalty_per_day(loan, policy)
                    for loan in open_loans(account.overview)
                    if loan.overdue_days > 0
                ),
                Decimal("0.00"),
            )
            dispatcher.utter_message(
                text=infeasible_message(plan, parts, per_day), buttons=RELIEF_BUTTONS
            )
            return []
        text, payload = plan_messages(plans, chosen, parts, account.overview.as_of, load_policy())
        dispatcher.utter_message(
            text=text + "\n想换个预算或方法，直接说，比如“每月4000呢”“换成雪球法”。",
            json_message=payload,
        )
        return []


__all__ = [
    "ActionStartPayoffPlan",
    "ValidatePayoffForm",
    "ActionAskPayoffBudget",
    "ActionAskPayoffStrategy",
    "ActionPayoffPlan",
    "DebtPart",
    "debt_parts",
    "strategy_from_words",
    "infeasible_message",
    "plan_messages",
    "plan_payload",
]
