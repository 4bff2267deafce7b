"""The 50/30/20 budget: amounts told apart in one message, validation, and the answer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.budget_plan import (
    ActionBudgetPlan,
    ActionStartBudgetPlan,
    ValidateBudgetForm,
    split_amounts,
)
from bot.finance.budget import budget_plan
from bot.finance.money import fmt_money
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    TWO_MONTHS,
    entity,
    make_tracker,
    slot_values,
    slots_after,
    texts,
)

SLOTS = ("budget_income", "budget_fixed")

D = Decimal
FORM = "budget_form"


def test_amounts_are_told_apart_by_the_words_before_them():
    assert split_amounts([(D("8000"), "月薪"), (D("2500"), "，房租")]) == {
        "budget_income": "8000",
        "budget_fixed": "2500",
    }
    assert split_amounts([(D("2000"), "房租"), (D("1500"), "，吃饭")], prefer="budget_fixed") == {
        "budget_income": None,
        "budget_fixed": "3500",
    }
    assert split_amounts([(D("7000"), "")]) == {"budget_income": "7000", "budget_fixed": None}
    assert split_amounts([(D("3000"), "大概")], prefer="budget_fixed") == {
        "budget_income": None,
        "budget_fixed": "3000",
    }
    assert split_amounts([(D("2000"), "如果房租降到")]) == {
        "budget_income": None,
        "budget_fixed": "2000",
    }


async def test_start_reads_both_numbers_of_the_request(ledger_down):
    text = "工资七千五，固定开销3500，帮我算算每月能拿多少还款"
    tracker = make_tracker(
        text,
        "request_budget_plan",
        entities=[entity("amount", "7500", text="七千五"), entity("amount", "3500", text="3500")],
    )
    slots = slots_after(
        tracker, await ActionStartBudgetPlan().run(CollectingDispatcher(), tracker, {}), SLOTS
    )
    assert slots == {"budget_income": "7500", "budget_fixed": "3500"}


async def test_start_after_the_answer_changes_only_the_rent(ledger_down):
    tracker = make_tracker(
        "如果房租降到2000呢",
        "inform",
        entities=[entity("amount", "2000", text="2000")],
        slots={"budget_income": "7500", "budget_fixed": "3500"},
        previous_action="action_budget_plan",
    )
    slots = slots_after(
        tracker, await ActionStartBudgetPlan().run(CollectingDispatcher(), tracker, {}), SLOTS
    )
    assert slots == {"budget_income": "7500", "budget_fixed": "2000"}


async def test_a_new_request_clears_the_old_numbers(ledger_down):
    tracker = make_tracker(
        "帮我做个预算",
        "request_budget_plan",
        slots={"budget_income": "7500", "budget_fixed": "3500"},
        previous_action="utter_greet",
    )
    slots = slots_after(
        tracker, await ActionStartBudgetPlan().run(CollectingDispatcher(), tracker, {}), SLOTS
    )
    assert slots == {"budget_income": None, "budget_fixed": None}


async def validate(domain, text, requested, entities=(), intent="inform", slots=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text, intent, entities=entities, requested_slot=requested, active_loop=FORM, slots=slots
    )
    return slot_values(await ValidateBudgetForm().run(dispatcher, tracker, domain)), texts(
        dispatcher
    )


@pytest.mark.parametrize(
    "text, entities, expected_slots, reply",
    [
        ("到手7k", [entity("amount", "7000", text="7k")], {"budget_income": "7000"}, ""),
        (
            "-8000",
            [entity("amount", "8000", text="8000")],
            {"budget_income": None},
            "收入不能是负数",
        ),
        ("不固定", [], {"budget_income": None}, "金额我没认出来"),
        ("0", [entity("amount", "0", text="0")], {"budget_income": None}, "没有收入"),
        ("我没工作", [], {"budget_income": None}, "现在没有收入的话"),  # not "没认出来"
        ("失业了", [], {"budget_income": None}, "现在没有收入的话"),
        (
            "一百亿",
            [entity("amount", "10000000000", text="一百亿")],
            {"budget_income": None},
            "多打了几个0",
        ),
        (
            "8000，房租2000",
            [entity("amount", "8000", text="8000"), entity("amount", "2000", text="2000")],
            {"budget_income": "8000", "budget_fixed": "2000"},
            "",
        ),
    ],
)
async def test_income_validation(domain, text, entities, expected_slots, reply):
    slots, said = await validate(domain, text, "budget_income", entities)
    for name, value in expected_slots.items():
        assert slots[name] == value
    assert reply in said


@pytest.mark.parametrize(
    "text, entities, value, reply",
    [
        (
            "房租2000，吃饭1500",
            [entity("amount", "2000", text="2000"), entity("amount", "1500", text="1500")],
            "3500",
            "",
        ),
        ("没有", [], "0", ""),
        ("-100", [entity("amount", "100", text="100")], None, "支出不能是负数"),
        ("挺多的", [], None, "金额我没认出来"),
    ],
)
async def test_fixed_expenses_validation(domain, text, entities, value, reply):
    slots, said = await validate(
        domain, text, "budget_fixed", entities, slots={"budget_income": "8000"}
    )
    assert slots["budget_fixed"] == value
    assert reply in said


async def test_an_income_corrected_when_the_expenses_are_asked_stays_the_income(domain):
    """ "说错了 到手是九千五" when asked the expenses: the income becomes 9,500, the expenses are
    still to come (the review saw 9,500 of fixed expenses and a plan with nothing left)."""
    slots, said = await validate(
        domain,
        "说错了 到手是九千五",
        "budget_fixed",
        [entity("amount", "9500", text="九千五")],
        slots={"budget_income": "12000"},
    )
    assert slots.get("budget_income") == "9500"
    assert slots.get("budget_fixed") is None
    assert "好的，每月到手改成9,500.00元。" in said


async def test_an_faq_inside_the_form_is_not_an_answer(domain):
    slots, said = await validate(domain, "应急金存多少", "budget_income", intent="faq")
    assert slots == {} and said == ""


async def answer(borrower, income, fixed):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "",
        "inform",
        borrower=borrower,
        previous_action=FORM,
        slots={"budget_income": income, "budget_fixed": fixed},
    )
    assert await ActionBudgetPlan().run(dispatcher, tracker, {}) == []
    return dispatcher.messages


async def test_unlinked_user_gets_the_split_and_the_capacity(ledger):
    plan = budget_plan(D("8000"), D("3000"))
    messages = await answer(None, "8000", "3000")
    text = "\n".join(m["text"] for m in messages)
    assert (
        f"必要开支 50%：{fmt_money(plan.needs)}元" in text
        and f"弹性消费 30%：{fmt_money(plan.wants)}元" in text
    )
    assert f"储蓄和还债 20%：{fmt_money(plan.savings_and_debt)}元" in text
    assert f"上限约{fmt_money(plan.debt_capacity)}元" in text
    assert f"{fmt_money(plan.emergency_fund_min)}元-{fmt_money(plan.emergency_fund_max)}元" in text
    assert "最低要还" not in text
    assert (
        messages[0]["custom"]["type"] == "budget_plan"
        and len(messages[0]["custom"]["table"]["rows"]) == 3
    )


async def test_linked_borrower_sees_their_minimums_against_the_capacity(ledger):
    minimums = sum((loan.next_installment for loan in expected.multi_debt()), D("0.00"))
    plan = budget_plan(D("8000"), D("3000"), minimums)
    text = "\n".join(m["text"] for m in await answer(MULTI_DEBT, "8000", "3000"))
    assert f"各笔最低要还{fmt_money(minimums)}元，比上限多{fmt_money(plan.minimums_gap)}元" in text
    # the needs share the fixed expenses leave (4,000 − 3,000) goes first, then the wants share
    from_wants = plan.minimums_gap - D("1000.00")
    assert (
        f"必要开支付完固定支出还余1,000.00元，先挪过来；再从弹性消费里挪"
        f"{fmt_money(from_wants)}元，弹性消费就只剩{fmt_money(plan.wants - from_wants)}元" in text
    )
    assert "申请延期" in text


async def test_the_overdue_amount_is_paid_once_so_the_emergency_fund_leaves_it_out(ledger):
    """6,000 a month, rent 1,500, 61 days overdue: the shortfall counts the 1,500 of the needs
    share that rent leaves; the emergency fund is 3–6 months of rent and the regular instalment."""
    loan = expected.two_months()
    minimums = loan.overdue_total + loan.next_installment
    text = "\n".join(m["text"] for m in await answer(TWO_MONTHS, "6000", "1500"))
    short = minimums - D("1200.00") - D("1500.00") - D("1800.00")
    assert f"弹性消费的1,800.00元也全挪过来，也还差{fmt_money(short)}元" in text
    essential = D("1500") + loan.next_installment
    assert (
        f"3-6个月的基本开销（固定支出加每月的定期还款，每月{fmt_money(essential)}元），"
        f"也就是{fmt_money(essential * 3)}元-{fmt_money(essential * 6)}元" in text
    )
    # the overdue part is a one-off catch-up, not a monthly gap; no "before it is overdue"
    assert (
        f"其中逾期的{fmt_money(loan.overdue_total)}元是一次要补上的，不是每个月都这么多；"
        f"补上以后，每月正常要还{fmt_money(loan.next_installment)}元，"
        f"仍比上限多{fmt_money(loan.next_installment - D('1200.00'))}元。" in text
    )
    assert "别等到逾期" not in text and "申请延期" in text


async def test_overdue_borrower_minimums_include_the_overdue_amount(ledger):
    loan = expected.two_months()
    text = "\n".join(m["text"] for m in await answer(TWO_MONTHS, "20000", "3000"))
    assert f"各笔最低要还{fmt_money(loan.overdue_total + loan.next_installment)}元" in text


async def test_fixed_expenses_above_the_income_are_named(ledger_down):
    text = "\n".join(m["text"] for m in await answer(None, "3000", "4000"))
    assert "已经超过收入" in text
