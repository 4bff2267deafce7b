"""The payoff plan over the user's own debts, against the real ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.payoff_plan import (
    ActionAskPayoffBudget,
    ActionPayoffPlan,
    ActionStartPayoffPlan,
    ValidatePayoffForm,
    strategy_from_words,
)
from bot.finance.money import fmt_money
from bot.finance.months import months_text
from bot.finance.overdue import catch_up
from bot.finance.payoff import Debt, Strategy, compare_strategies, plan_payoff
from bot.finance.schedule import amortization_schedule
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    slot_values,
    slots_after,
    texts,
)

D = Decimal
FORM = "payoff_form"


async def plan(borrower, budget, strategy="avalanche"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "",
        "inform",
        borrower=borrower,
        previous_action=FORM,
        slots={"payoff_budget": budget, "payoff_strategy": strategy},
    )
    assert await ActionPayoffPlan().run(dispatcher, tracker, {}) == []
    return dispatcher.messages


def multi_debt_plans(budget):
    debts = [
        Debt(loan.product, loan.outstanding, loan.annual_rate, loan.next_installment)
        for loan in expected.multi_debt()
    ]
    return compare_strategies(debts, D(budget))


async def test_multi_debt_plan_matches_an_independent_computation(ledger):
    plans = multi_debt_plans("5000")
    avalanche, snowball = plans[Strategy.avalanche], plans[Strategy.snowball]
    [message] = await plan(MULTI_DEBT, "5000", "avalanche")
    text = message["text"]
    assert f"{avalanche.months}个月还清" in text
    assert f"总利息约{fmt_money(avalanche.total_interest)}元" in text
    assert f"雪球法{snowball.months}个月、利息{fmt_money(snowball.total_interest)}元" in text
    assert f"雪崩法少付{fmt_money(snowball.total_interest - avalanche.total_interest)}元" in text
    for name, amount in avalanche.first_month_payments.items():
        assert f"· {name}：{fmt_money(amount)}元" in text
    payload = message["custom"]
    assert payload["type"] == "payoff_plan" and payload["chosen"] == "avalanche"
    assert payload["strategies"]["avalanche"]["months"] == avalanche.months
    assert payload["strategies"]["snowball"]["total_interest"] == f"{snowball.total_interest:.2f}"
    assert payload["table"]["columns"][0] == "欠款" and len(payload["table"]["rows"]) == 3
    assert [s["name"] for s in payload["chart"]["series"]] == ["雪崩法", "雪球法"]
    assert len(payload["chart"]["labels"]) == max(avalanche.months, snowball.months)


async def test_snowball_says_what_it_costs_and_what_it_buys(ledger):
    plans = multi_debt_plans("5000")
    [message] = await plan(MULTI_DEBT, "5000", "snowball")
    extra = plans[Strategy.snowball].total_interest - plans[Strategy.avalanche].total_interest
    assert f"雪球法多付{fmt_money(extra)}元，换来先清掉花呗" in message["text"]


async def test_two_months_overdue_budget_too_small_gets_the_exact_shortfall(ledger):
    loan = expected.two_months()
    [message] = await plan(TWO_MONTHS, "3000")
    needed = loan.overdue_total + loan.next_installment
    assert (
        f"这个月最低要还{fmt_money(needed)}元（其中逾期的{fmt_money(loan.overdue_total)}元）"
        in message["text"]
    )
    assert f"还差{fmt_money(needed - D('3000'))}元" in message["text"]
    assert "申请协商还款" in message["text"] and "做个预算" in message["text"]
    # 3,000 covers the regular instalment: what is missing is the overdue amount, paid once
    assert (
        f"差的主要是逾期的{fmt_money(loan.overdue_total)}元，这是一次要补上的，"
        f"之后每月最低{fmt_money(loan.next_installment)}元" in message["text"]
    )
    assert "每月能不能再挤出" not in message["text"]
    # and how long the 1,166.40 left after each installment takes to catch the overdue up
    surplus = D("3000") - loan.next_installment
    per_day = (loan.overdue_amount * D("0.0005") * D("1.5")).quantize(D("0.01"))
    result = catch_up(loan.overdue_total, per_day, surplus)
    assert result.months is not None and 1 < result.months < 12
    assert (
        f"多出的{fmt_money(surplus)}元补逾期，大约{months_text(result.months)}能补齐"
        f"（这期间罚息约再加{fmt_money(result.penalty)}元）" in message["text"]
    )
    assert [b["payload"] for b in message["buttons"]] == [
        "/request_repayment_relief",
        "/request_budget_plan",
    ]


async def test_two_months_overdue_with_enough_budget_clears_the_overdue_first(ledger):
    loan = expected.two_months()
    debts = [
        Debt("借呗（逾期部分）", loan.overdue_total, D(0), loan.overdue_total),
        Debt(
            "借呗",
            loan.outstanding - loan.overdue_principal,
            loan.annual_rate,
            loan.next_installment,
        ),
    ]
    reference = compare_strategies(debts, D("6000"))[Strategy.avalanche]
    [message] = await plan(TWO_MONTHS, "6000")
    assert f"{reference.months}个月还清" in message["text"]
    assert f"借呗：6,000.00元（含逾期{fmt_money(loan.overdue_total)}元）" in message["text"]
    assert "先还上它，罚息才会停" in message["text"]


async def test_single_loan_has_no_strategy_comparison(ledger):
    [message] = await plan(UP_TO_DATE, "1500")
    assert "对比" not in message["text"] and "不收手续费" in message["text"]


async def test_plan_for_an_unlinked_user(ledger):
    [message] = await plan(None, "3000")
    assert "绑定" in message["text"] and not message["custom"]


async def test_plan_while_the_ledger_is_down(ledger_down):
    [message] = await plan(TWO_MONTHS, "3000")
    assert "暂时查不到" in message["text"]


# --- start ----------------------------------------------------------------------------------------
async def test_start_for_linked_borrowers(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "每月能还3000多久能还清",
        "request_payoff_plan",
        borrower=MULTI_DEBT,
        entities=[entity("amount", "3000", text="3000")],
    )
    names = ("account_status", "payoff_budget", "payoff_strategy")
    slots = slots_after(tracker, await ActionStartPayoffPlan().run(dispatcher, tracker, {}), names)
    assert slots == {"account_status": "linked", "payoff_budget": "3000", "payoff_strategy": None}
    # one loan: the strategy question is skipped; old values of a previous plan are cleared
    tracker = make_tracker(
        "帮我做个还款计划",
        "request_payoff_plan",
        borrower=TWO_MONTHS,
        slots={"payoff_budget": "9000", "payoff_strategy": "snowball"},
    )
    slots = slots_after(tracker, await ActionStartPayoffPlan().run(dispatcher, tracker, {}), names)
    assert slots == {
        "account_status": "linked",
        "payoff_budget": None,
        "payoff_strategy": "avalanche",
    }
    assert texts(dispatcher) == ""


async def test_start_for_an_unlinked_user_explains_linking(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("帮我做个还款计划", "request_payoff_plan", borrower=None)
    assert slot_values(await ActionStartPayoffPlan().run(dispatcher, tracker, {})) == {
        "account_status": "unlinked"
    }
    assert "绑定" in texts(dispatcher) and "先还哪笔划算" not in texts(dispatcher)
    # how to choose first (the FAQ answer on the order), then how to link
    assert dispatcher.messages[0]["response"] == "utter_faq/debt_strategy"


async def test_an_unlinked_user_who_gives_the_debt_and_the_monthly_amount_gets_a_what_if(ledger):
    """ "我欠两万 每月能还3000 多久能还完": 7 months without interest, 8 at the example rate
    (14.4 %: 970.40 of interest in all), then how to link."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "我欠两万 每月能还3000 多久能还完",
        "request_payoff_plan",
        borrower=None,
        entities=[entity("amount", "20000", text="两万"), entity("amount", "3000", text="3000")],
    )
    assert slot_values(await ActionStartPayoffPlan().run(dispatcher, tracker, {})) == {
        "account_status": "unlinked"
    }
    reply = texts(dispatcher)
    interest = plan_payoff([Debt("x", "20000", "0.144", "3000")], "3000").total_interest
    assert "欠20,000.00元，每月还3,000.00元" in reply and "不算利息，7个月能还完" in reply
    assert f"年化14.40%（示例利率）算，要7个月，利息一共约{fmt_money(interest)}元" in reply
    assert reply.index("示例利率") < reply.index("绑定")
    # which amount is monthly is read from the words before it, not the order
    tracker = make_tracker(
        "每个月最多拿出2000 欠了一万五",
        "request_payoff_plan",
        borrower=None,
        entities=[entity("amount", "2000", text="2000"), entity("amount", "15000", text="一万五")],
    )
    dispatcher = CollectingDispatcher()
    await ActionStartPayoffPlan().run(dispatcher, tracker, {})
    assert "欠15,000.00元，每月还2,000.00元" in texts(dispatcher)
    # one amount only: nothing to work out
    tracker = make_tracker(
        "每月能还3000多久能还清",
        "request_payoff_plan",
        borrower=None,
        entities=[entity("amount", "3000", text="3000")],
    )
    dispatcher = CollectingDispatcher()
    await ActionStartPayoffPlan().run(dispatcher, tracker, {})
    assert "示例利率" not in texts(dispatcher)


async def test_start_while_the_ledger_is_down(ledger_down):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("帮我做个还款计划", "request_payoff_plan", borrower=MULTI_DEBT)
    assert slot_values(await ActionStartPayoffPlan().run(dispatcher, tracker, {})) == {
        "account_status": "unavailable"
    }
    assert "暂时查不到" in texts(dispatcher)


async def test_a_follow_up_keeps_the_strategy_and_takes_the_new_budget(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "那每月4000呢",
        "inform",
        borrower=MULTI_DEBT,
        previous_action="action_payoff_plan",
        entities=[entity("amount", "4000", text="4000")],
        slots={"payoff_budget": "5000", "payoff_strategy": "snowball"},
    )
    slots = slots_after(
        tracker,
        await ActionStartPayoffPlan().run(dispatcher, tracker, {}),
        ("account_status", "payoff_budget", "payoff_strategy"),
    )
    assert slots == {
        "account_status": "linked",
        "payoff_budget": "4000",
        "payoff_strategy": "snowball",
    }


async def test_the_budget_question_says_this_months_minimum(ledger):
    loan = expected.two_months()
    dispatcher = CollectingDispatcher()
    await ActionAskPayoffBudget().run(
        dispatcher, make_tracker("", "request_payoff_plan", borrower=TWO_MONTHS), {}
    )
    reply = texts(dispatcher)
    assert f"这个月最低要还{fmt_money(loan.overdue_total + loan.next_installment)}元" in reply
    assert f"逾期的{fmt_money(loan.overdue_total)}元需要马上还" in reply


# --- validation -----------------------------------------------------------------------------------
async def validate(
    domain, text, requested, entities=(), intent="inform", slots=None, borrower=None
):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        intent,
        entities=entities,
        requested_slot=requested,
        active_loop=FORM,
        slots=slots,
        borrower=borrower,
    )
    for item in entities:
        name = {"amount": "payoff_budget", "strategy": "payoff_strategy"}[item["entity"]]
        tracker.events.append({"event": "slot", "name": name, "value": item["value"]})
        tracker.slots[name] = item["value"]
    return slot_values(await ValidatePayoffForm().run(dispatcher, tracker, domain)), dispatcher


@pytest.mark.parametrize(
    "text, entities, value, reply",
    [
        ("3000", [entity("amount", "3000", text="3000")], "3000", ""),
        ("每月三千左右吧", [], "3000", ""),
        ("-3000", [entity("amount", "3000", text="3000")], None, "不能是负数"),
        ("大概-2000吧", [entity("amount", "2000", text="2000")], None, "不能是负数"),
        ("0", [entity("amount", "0", text="0")], None, "申请延期"),
        ("看情况", [], None, "金额我没认出来"),
        ("1亿", [entity("amount", "100000000", text="1亿")], None, "多打了几个0"),
    ],
)
async def test_budget_validation(domain, text, entities, value, reply):
    slots, dispatcher = await validate(domain, text, "payoff_budget", entities)
    assert slots["payoff_budget"] == value
    assert reply in texts(dispatcher)


@pytest.mark.parametrize(
    "text, entities, value",
    [
        ("先还利率高的", [entity("strategy", "avalanche", text="先还利率高的")], "avalanche"),
        ("/inform", [entity("strategy", "snowball")], "snowball"),
        ("2", [], "snowball"),
        ("第一个", [], "avalanche"),
        ("随便，你推荐", [], "avalanche"),
        ("嗯嗯嗯", [], None),
    ],
)
async def test_strategy_validation(domain, text, entities, value):
    slots, dispatcher = await validate(
        domain, text, "payoff_strategy", entities, intent="inform", slots={"payoff_budget": "5000"}
    )
    assert slots["payoff_strategy"] == value
    if value is None:
        [message] = dispatcher.messages  # the form's question that follows carries the buttons
        assert "没太明白" in message["text"] and not message["buttons"]


def test_strategy_words():
    assert strategy_from_words("先还小额的吧") == "snowball"
    assert strategy_from_words("雪崩") == "avalanche"
    assert strategy_from_words("不知道哪个好") == "avalanche"
    assert strategy_from_words("今天天气不错") is None


async def start_with(text, borrower, amount, installments):
    """action_start_payoff_plan on a message with an amount and a number of installments."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        "request_payoff_plan",
        borrower=borrower,
        entities=[
            entity("amount", amount[0], text=amount[1]),
            entity("installments", installments[0], text=installments[1]),
        ],
    )
    events = await ActionStartPayoffPlan().run(dispatcher, tracker, {})
    return slot_values(events), texts(dispatcher)


@pytest.mark.parametrize("borrower", [MULTI_DEBT, None])
async def test_a_loan_not_yet_taken_gets_its_figures_not_a_plan(ledger, borrower):
    """ "借3万分24期每月还多少" is about a new loan: its 等额本息 payment at the example rate
    (bot.finance's schedule), not 30,000 taken as the borrower's monthly budget."""
    slots, said = await start_with(
        "借3万分24期每月还多少", borrower, ("30000", "3万"), ("24", "分24期")
    )
    assert slots == {"account_status": "answered"}
    schedule = amortization_schedule(D("30000"), D("0.144"), 24)
    assert f"每月约{fmt_money(schedule.first_payment)}元" in said and "示例利率" in said


async def test_a_monthly_amount_with_a_number_of_installments_is_still_a_plan(ledger):
    slots, _ = await start_with(
        "每月能还3000 分几期能还完", MULTI_DEBT, ("3000", "3000"), ("3", "几期")
    )
    assert slots["account_status"] == "linked"


async def test_a_budget_below_the_installment_separates_the_monthly_gap_from_the_overdue(ledger):
    loan = expected.two_months()
    [message] = await plan(TWO_MONTHS, "1000")
    gap = loan.next_installment - D("1000")
    assert (
        f"每月按期要还{fmt_money(loan.next_installment)}元，看看每月能不能再挤出{fmt_money(gap)}元；"
        f"逾期的{fmt_money(loan.overdue_total)}元另要一次补上" in message["text"]
    )


async def test_asked_what_clearing_one_loan_today_takes_no_plan_is_started(ledger):
    """ "我想先把花呗还清 要多少钱" read as a plan request: what clearing that loan takes."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "我想先把花呗还清 要多少钱",
        "request_payoff_plan",
        entities=[entity("loan_product", "花呗", "花呗")],
        borrower=MULTI_DEBT,
    )
    events = await ActionStartPayoffPlan().run(dispatcher, tracker, {})
    assert slot_values(events) == {"account_status": "answered"}
    said = texts(dispatcher)
    huabei = [loan for loan in (await ledger.get_loans(MULTI_DEBT)).loans if loan.product == "花呗"]
    principal = sum(loan.outstanding_principal for loan in huabei)
    assert said.startswith(f"今天一次把花呗全部还清的话：剩余本金{fmt_money(principal)}元")
    assert "准确金额以App里" in said and "帮我做个还款计划" in said
    # a budget named: the plan goes on
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "每月能还3000 多久能还清",
        "request_payoff_plan",
        entities=[entity("amount", "3000", "3000")],
        borrower=MULTI_DEBT,
    )
    events = await ActionStartPayoffPlan().run(dispatcher, tracker, {})
    assert slot_values(events).get("account_status") == "linked"


async def test_a_budget_below_this_months_minimum_skips_the_strategy_question(domain, ledger):
    """Several loans, 1000 against a minimum above it: the shortfall next, not 雪崩 or 雪球."""
    minimum = sum(loan.next_installment for loan in expected.multi_debt())
    assert minimum > D("1000")
    slots, _ = await validate(
        domain, "1000", "payoff_budget", [entity("amount", "1000", "1000")], borrower=MULTI_DEBT
    )
    assert slots["payoff_budget"] == "1000" and slots["payoff_strategy"] == "avalanche"
    # enough for the minimums: the strategy is still the borrower's to choose
    slots, _ = await validate(
        domain, "9000", "payoff_budget", [entity("amount", "9000", "9000")], borrower=MULTI_DEBT
    )
    assert slots["payoff_budget"] == "9000" and "payoff_strategy" not in slots
