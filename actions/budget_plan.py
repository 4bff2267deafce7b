"""Budget plan: start, form (take-home income, fixed expenses), questions, the 50/30/20 answer.

Flow: ``request_budget_plan`` → ``action_start_budget_plan`` → ``budget_form`` →
``action_budget_plan``. The split and the debt capacity come from
:func:`bot.finance.budget.budget_plan`; for a linked borrower the capacity is compared with
this month's minimum repayments of their own loans.

Several amounts in one message are told apart by the words before them ("月薪8000，房租2500"):
income words go to the income, expense words to the fixed expenses (summed: "房租2500，吃饭1500").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows import prepared_values, skip_empty, slot_events, slot_extractor, validate_amount
from actions.identity import load_account
from actions.loan_facts import debt_parts
from actions.replies import yuan
from actions.slot_values import (
    ANSWER_INTENTS,
    amounts_in_message,
    as_amount,
    latest_intent,
    latest_text,
)
from bot.finance.budget import BudgetPlan, budget_plan
from bot.finance.errors import FinanceError
from bot.finance.money import money_str, plain_str

RESULT_ACTION = "action_budget_plan"
REQUEST_INTENT = "request_budget_plan"
SLOTS = ("budget_income", "budget_fixed")
MAX_INCOME = Decimal("10000000")
STOP_HINT = "不想算了可以说“算了”。"

_INCOME_WORDS = re.compile(r"(月薪|工资|薪水|收入|到手|税后|月入|挣|赚|进账)[^，,。；;]{0,4}$")
_EXPENSE_WORDS = re.compile(
    r"(房租|租金|支出|开销|开支|花销|花|生活费|吃饭|伙食|交通|水电|话费|房贷|车贷|固定|日常)[^，,。"
    r"；;]{0,4}$"
)
#: no income at all ("我没工作", "失业了", "没收入"): an income of 0, which the form explains
_NO_INCOME = re.compile(
    r"^\s*(?:我)?(?:现在|目前)?(?:没工作|没有工作|没上班|失业了?|没收入|没有收入|零收入|"
    r"没有任何收入|待业|一分收入都没有)(?:了|呢|啊)?\s*[。.!！]?\s*$"
)
_NOTHING = re.compile(r"^\s*(没有|没|无|不用|零|0|一分没有|基本没有)\s*[。.!！]?\s*$")


def split_amounts(
    amounts: List[Tuple[Decimal, str]], prefer: str = "budget_income"
) -> Dict[str, Optional[str]]:
    """Income and fixed expenses from the amounts of one message (see the module docstring).

    Unlabelled amounts go to ``prefer`` first (the slot the form asked for), then to the other.
    """
    income: Optional[Decimal] = None
    expenses: List[Decimal] = []
    unlabelled: List[Decimal] = []
    for amount, before in amounts:
        if _INCOME_WORDS.search(before) and income is None:
            income = amount
        elif _EXPENSE_WORDS.search(before):
            expenses.append(amount)
        else:
            unlabelled.append(amount)
    for amount in unlabelled:
        if prefer == "budget_income" and income is None:
            income = amount
        elif prefer == "budget_fixed" or income is not None:
            expenses.append(amount)
        else:
            income = amount
    return {
        "budget_income": plain_str(income) if income is not None else None,
        "budget_fixed": plain_str(sum(expenses, Decimal(0))) if expenses else None,
    }


class ActionStartBudgetPlan(Action):
    def name(self) -> Text:
        return "action_start_budget_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        given = split_amounts(amounts_in_message(tracker))
        return slot_events(prepared_values(tracker, SLOTS, given, RESULT_ACTION), tracker)


class ValidateBudgetForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_budget_form"

    @staticmethod
    def _answer(tracker: Tracker, slot: str) -> Dict[Text, Any]:
        intent = latest_intent(tracker)
        if tracker.get_slot("requested_slot") != slot or (
            intent not in ANSWER_INTENTS and intent != REQUEST_INTENT
        ):
            return {}
        split = split_amounts(amounts_in_message(tracker), prefer=slot)
        values = {name: value for name, value in split.items() if value is not None}
        if values and slot not in values:
            # "说错了 到手是九千五" when asked the expenses: the income corrected, the expenses
            # still to come (the message is no answer to them)
            return values
        if slot not in values:
            text = latest_text(tracker).strip()
            if text:
                values[slot] = text  # validated (and explained) below
        return values

    extract_budget_income = slot_extractor("budget_income", _answer)
    extract_budget_fixed = slot_extractor("budget_fixed", _answer)

    @skip_empty
    def validate_budget_income(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if isinstance(value, str) and _NO_INCOME.match(value):
            value = "0"  # "我没工作": the zero-income answer, not "not recognised"
        result = validate_amount(
            value,
            dispatcher,
            tracker,
            "budget_income",
            maximum=MAX_INCOME,
            negative="收入不能是负数。",
            unrecognised=f"这个金额我没认出来，说个大概数就行，比如“8000”。{STOP_HINT}",
            zero=(
                "现在没有收入的话，50/30/20没法分。这种时候先保住吃住，"
                "欠款尽快和贷款方协商（可以说“申请延期”）。"
                "如果有零散收入，说个每月的大概数也行。"
            ),
            too_large="每月{amount}？是不是多打了几个0？",
        )
        corrected = result.get("budget_income")
        if corrected is not None and tracker.get_slot("requested_slot") == "budget_fixed":
            # the income was given already: this one corrects it
            dispatcher.utter_message(text=f"好的，每月到手改成{yuan(as_amount(corrected))}。")
        return result

    @skip_empty
    def validate_budget_fixed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if isinstance(value, str) and _NOTHING.match(value):
            return {"budget_fixed": "0"}
        return validate_amount(
            value,
            dispatcher,
            tracker,
            "budget_fixed",
            maximum=MAX_INCOME,
            negative="支出不能是负数。",
            unrecognised=f"这个金额我没认出来，说个大概数就行。{STOP_HINT}",
            too_large="每月{amount}的支出有点多，是不是多打了几个0？",
        )


def covering_the_gap(plan: BudgetPlan) -> str:
    """Where the minimums above the 20 % share can come from: what the needs share leaves after
    the fixed expenses first, then the wants share; and what is still missing."""
    gap = plan.minimums_gap
    from_slack = min(gap, plan.needs_slack)
    from_wants = min(gap - from_slack, plan.wants_available)
    short = gap - from_slack - from_wants
    moves = []
    if from_slack > 0:
        slack = yuan(plan.needs_slack)
        moves.append(
            f"必要开支付完固定支出还余{slack}，先挪过来"
            if from_slack == plan.needs_slack
            else f"必要开支付完固定支出还余{slack}，先挪{yuan(from_slack)}"
        )
    if from_wants > 0:
        left = plan.wants_available - from_wants
        moves.append(
            f"弹性消费的{yuan(from_wants)}也全挪过来"
            if left == 0
            else f"再从弹性消费里挪{yuan(from_wants)}，弹性消费就只剩{yuan(left)}了"
        )
    if short == 0:
        return "要按时还上：" + "；".join(moves) + "。"
    if moves:
        return "；".join(moves) + f"，也还差{yuan(short)}。"
    return f"预算里已经挪不出钱来，还差{yuan(short)}。"


def catching_up(overdue: Decimal, recurring: Decimal, plan: BudgetPlan) -> str:
    """The overdue part of this month's minimums is paid once, not every month."""
    line = f"其中逾期的{yuan(overdue)}是一次要补上的，不是每个月都这么多；"
    if recurring <= 0:
        return line + "补上以后就没有别的要还了。"
    if recurring <= plan.debt_capacity:
        return line + f"补上以后，每月正常要还{yuan(recurring)}，在上限以内。"
    return (
        line + f"补上以后，每月正常要还{yuan(recurring)}，"
        f"仍比上限多{yuan(recurring - plan.debt_capacity)}。"
    )


def budget_messages(
    plan: BudgetPlan,
    own_minimums: Optional[Decimal],
    recurring_minimums: Optional[Decimal] = None,
) -> List[str]:
    """The reply bubbles (``recurring_minimums``: the part of ``own_minimums`` that comes back
    every month; the rest is an overdue amount, paid once)."""
    lines = [
        f"按每月到手{yuan(plan.monthly_income)}，50/30/20 这样分：",
        f"· 必要开支 50%：{yuan(plan.needs)}（房租、吃饭、交通等）",
        f"· 弹性消费 30%：{yuan(plan.wants)}",
        f"· 储蓄和还债 20%：{yuan(plan.savings_and_debt)}",
    ]
    if plan.fixed_expenses > plan.monthly_income:
        lines.append(
            f"你的固定支出{yuan(plan.fixed_expenses)}已经超过收入，先看看哪些能砍，或者想办法增加收入。"
        )
    elif plan.over_needs > 0:
        lines.append(
            f"你的固定支出{yuan(plan.fixed_expenses)}比50%多{yuan(plan.over_needs)}，"
            f"先从弹性消费里挪，弹性消费剩{yuan(plan.wants_available)}。"
        )
    else:
        lines.append(f"你的固定支出{yuan(plan.fixed_expenses)}在必要开支以内 👍")
    lines.append(f"每月能用来还债的钱，上限约{yuan(plan.debt_capacity)}。")
    bubbles = ["\n".join(lines)]

    advice = []
    if own_minimums is not None and own_minimums > 0:
        if plan.minimums_gap > 0:
            advice.append(
                f"你这个月各笔最低要还{yuan(own_minimums)}，比上限多{yuan(plan.minimums_gap)}，"
                "压力偏大。"
            )
            advice.append(covering_the_gap(plan))
            overdue = (
                own_minimums - recurring_minimums
                if recurring_minimums is not None
                else Decimal("0.00")
            )
            if overdue > 0:
                advice.append(catching_up(overdue, recurring_minimums, plan))
                advice.append(
                    "这个月凑不齐的话，说“申请延期”，我帮你向贷款方提交协商申请；别借新还旧。"
                )
            else:
                advice.append("如果撑不住，建议尽早申请协商还款（说“申请延期”），别等到逾期。")
        else:
            advice.append(
                f"你这个月各笔最低要还{yuan(own_minimums)}，在上限以内；"
                f"还能多还{yuan(plan.extra_for_debt)}，说“做个还款计划”我帮你排先还哪笔。"
            )
    low, high = plan.emergency_months
    basis = "固定支出加每月的定期还款" if plan.fixed_expenses > 0 else "按必要开支50%算"
    advice.append(
        f"应急金：建议慢慢攒够{low}-{high}个月的基本开销（{basis}，"
        f"每月{yuan(plan.essential_expenses)}），也就是{yuan(plan.emergency_fund_min)}-"
        f"{yuan(plan.emergency_fund_max)}，有了它就不用再借钱救急。"
    )
    bubbles.append("\n".join(advice))
    return bubbles


def budget_payload(plan: BudgetPlan) -> Dict[str, Any]:
    return {
        "type": "budget_plan",
        "table": {
            "columns": ["类别", "比例", "金额"],
            "rows": [
                ["必要开支", "50%", money_str(plan.needs)],
                ["弹性消费", "30%", money_str(plan.wants)],
                ["储蓄和还债", "20%", money_str(plan.savings_and_debt)],
            ],
        },
        "plan": plan.to_dict(),
    }


class ActionBudgetPlan(Action):
    def name(self) -> Text:
        return RESULT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        income = as_amount(tracker.get_slot("budget_income"))
        fixed = as_amount(tracker.get_slot("budget_fixed")) or Decimal(0)
        if income is None or income <= 0:
            dispatcher.utter_message(text="抱歉，这次没能算出来。可以再说一次每月收入吗？")
            return []
        own_minimums: Optional[Decimal] = None
        recurring: Optional[Decimal] = None
        account = await load_account(tracker)
        if account.has_loan_data:
            parts = debt_parts(account.overview)
            own_minimums = sum((part.debt.minimum_payment for part in parts), Decimal("0.00"))
            # an overdue amount is paid once: the emergency fund counts only what comes back
            recurring = sum(
                (part.debt.minimum_payment for part in parts if not part.overdue),
                Decimal("0.00"),
            )
        try:
            plan = budget_plan(
                income, fixed, own_minimums or Decimal(0), recurring_minimums=recurring
            )
        except FinanceError as error:
            dispatcher.utter_message(text=error.message_zh)
            return []
        bubbles = budget_messages(plan, own_minimums, recurring)
        dispatcher.utter_message(text=bubbles[0], json_message=budget_payload(plan))
        for bubble in bubbles[1:]:
            dispatcher.utter_message(text=bubble)
        return []


__all__ = [
    "ActionStartBudgetPlan",
    "ValidateBudgetForm",
    "ActionBudgetPlan",
    "amounts_in_message",
    "split_amounts",
    "budget_messages",
]
