""" "咋算的" right after the borrower's penalty figure: how the penalty is worked out, with their
own numbers (the review saw the general interest-rate answer instead)."""

from __future__ import annotations

from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from actions.fallbacks import ActionUnclearMessage
from actions.faq_followup import ActionAnswerFaq, ActionFaqFollowup
from actions.loan_status import ActionCheckLoanStatus
from actions.status_focus import asks_how_penalty_computed
from bot.finance.money import fmt_money
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    ONE_YUAN,
    TWO_MONTHS,
    UP_TO_DATE,
    make_tracker,
    texts,
)

PENALTY_SAID = [
    {"event": "user", "text": "罚了多少", "parse_data": {"intent": {"name": "check_loan_status"}}},
    {"event": "action", "name": "action_check_loan_status"},
    {"event": "bot", "text": "【借呗】逾期61天，罚息目前124.46元，每多一天约多2.75元。"},
    {"event": "action", "name": "action_listen"},
]


def yuan(x: Decimal) -> str:
    return f"{fmt_money(x)}元"


def test_only_right_after_a_penalty_figure():
    said = PENALTY_SAID[2]["text"]
    assert asks_how_penalty_computed("咋算的", said)
    assert asks_how_penalty_computed("这罚息怎么算出来的", said)
    assert asks_how_penalty_computed("怎么这么多", said)
    assert not asks_how_penalty_computed("咋算的", "你好，我是还款小助手")
    assert not asks_how_penalty_computed("查一下我的借款", said)


async def test_the_faq_answer_gives_way_to_the_borrowers_own_calculation(ledger):
    loan = expected.two_months()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "咋算的", "faq", response_key="interest_rate", history=PENALTY_SAID, borrower=TWO_MONTHS
    )
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert reply.startswith("罚息是这样算的：每一期到期没还的本金和利息，按罚息日利率0.075%")
    assert "合同日利率0.050%的1.5倍" in reply
    assert f"逾期没还的本息是{yuan(loan.overdue_amount)}" in reply
    assert f"到今天罚息一共{yuan(loan.penalty)}" in reply
    assert "逾期的2期各自从到期那天起算" in reply
    assert "先抵罚息、再抵利息、最后抵本金" in reply


async def test_the_same_from_the_status_and_the_rephrase_paths(ledger):
    for action, intent in (
        (ActionCheckLoanStatus(), "check_loan_status"),
        (ActionUnclearMessage(), "nlu_fallback"),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("咋算的", intent, history=PENALTY_SAID, borrower=TWO_MONTHS)
        await action.run(dispatcher, tracker, {})
        assert texts(dispatcher).startswith("罚息是这样算的"), intent


async def test_inside_the_grace_days_or_not_overdue(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(  # the day before the fixture's today: overdue day 3 of 3 free
        "咋算的", "nlu_fallback", history=PENALTY_SAID, borrower=ONE_YUAN, as_of="2026-11-22"
    )
    await ActionUnclearMessage().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert "还在宽限期内" in reply and "这几天还清就不收罚息" in reply
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("咋算的", "nlu_fallback", history=PENALTY_SAID, borrower=UP_TO_DATE)
    await ActionUnclearMessage().run(dispatcher, tracker, {})
    assert "罚息是这样算的" not in texts(dispatcher)


DEAREST_SAID = [
    {
        "event": "user",
        "text": "哪个利息最高",
        "parse_data": {"intent": {"name": "check_loan_status"}},
    },
    {"event": "action", "name": "action_check_loan_status"},
    {"event": "bot", "text": "【借呗】年化18.00%……\n利率最高的是借呗。手头有余钱想多还……"},
    {"event": "action", "name": "action_listen"},
]


async def test_that_one_first_after_the_dearest_loan_is_a_strategy_not_relief(ledger):
    """ "哪个利息最高" → "先还它行不" (the review saw the relief request start)."""
    from actions.relief import ActionStartRepaymentRelief

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "先还它行不", "request_repayment_relief", history=DEAREST_SAID, borrower=MULTI_DEBT
    )
    events = await ActionStartRepaymentRelief().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert reply.startswith("可以，这样最省利息") and "多还借呗" in reply
    assert [e["value"] for e in events if e.get("name") == "account_status"] == ["answered"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "先还它行不", "faq", response_key="debt_strategy", history=DEAREST_SAID, borrower=MULTI_DEBT
    )
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert texts(dispatcher).startswith("可以，这样最省利息")
    # without the dearest loan named just before: the relief flow as usual
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("先还它行不", "request_repayment_relief", borrower=MULTI_DEBT)
    await ActionStartRepaymentRelief().run(dispatcher, tracker, {})
    assert "最省利息" not in texts(dispatcher)
