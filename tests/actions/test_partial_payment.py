"""先还一部分: what a partial repayment would do, from the ledger's preview. The figures are
checked against the ledger after the same repayment is really booked (its split, what stays
overdue, the penalty per day) and against its projection 30 days on (the penalty saved)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import ActionAnswerFaq, ActionFaqFollowup, answered_by_followup
from actions.loan_facts import penalty_per_day, what_if_cost
from actions.overdue_cost import NO_CALCULATION, ActionStartOverdueCost
from actions.partial_payment import (
    asks_about_partial_payment,
    partial_payment_zh,
    repayment_amount,
)
from actions.relief import ActionStartRepaymentRelief
from bot.finance.money import fmt_money
from bot.policy import load_policy
from tests.actions.action_helpers import (
    MULTI_DEBT,
    ONE_YUAN,
    TODAY,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    slot_values,
    texts,
)

JIEBEI = "demo-two-months-jiebei"


def yuan(amount: Decimal) -> str:
    return f"{fmt_money(amount)}元"


def tracker(text, amount=None, intent="calculate_overdue_cost", **kwargs):
    entities = [entity("amount", amount, amount)] if amount else []
    return make_tracker(text, intent, entities=entities, **kwargs)


@pytest.mark.parametrize(
    "text, amount, paid",
    [
        ("先还2000罚息会少多少", "2000", True),
        ("还了3000之后每天罚息是多少", "3000", True),
        ("今天能还上1500 够不够", "1500", True),
        ("2000先还上 剩下的月底", "2000", True),
        ("我已经还了500", "500", True),
        ("每个月能还2000", "2000", False),  # a monthly budget
        ("借了2000逾期10天罚多少", "2000", False),  # the debt of a what-if
        ("2000块逾期一个月罚多少", "2000", False),
        ("欠了2000还不上", "2000", False),
    ],
)
def test_which_amounts_are_a_repayment(text, amount, paid):
    got = repayment_amount(tracker(text, amount))
    assert (got == Decimal(amount)) if paid else got is None


def test_a_partial_repayment_without_an_amount():
    assert asks_about_partial_payment(tracker("我这个月先还一部分可以吗"))
    assert asks_about_partial_payment(tracker("部分还款有用吗"))
    assert not asks_about_partial_payment(tracker("逾期会怎么样"))


async def test_the_preview_agrees_with_the_booking_and_the_projection(ledger):
    before = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    said = await partial_payment_zh(tracker("先还2000罚息会少多少", "2000", borrower=TWO_MONTHS))
    # the same repayment booked for real, and the ledger's projections 30 days on
    without = (await ledger.get_loans(TWO_MONTHS, as_of=TODAY + timedelta(days=30))).loan(JIEBEI)
    paid = await ledger.create_repayment(TWO_MONTHS, JIEBEI, Decimal("2000"), "pp-1")
    after = paid.loan
    with_it = (await ledger.get_loans(TWO_MONTHS, as_of=TODAY + timedelta(days=30))).loan(JIEBEI)
    policy = load_policy()
    assert said.startswith("按今天还2,000.00元算（借呗）：")
    parts = [
        f"{name}{yuan(value)}"
        for name, value in (
            ("罚息", paid.penalty),
            ("利息", paid.interest),
            ("本金", paid.principal),
        )
        if value
    ]
    assert (
        f"这笔钱抵{'、'.join(parts)}（从最早逾期的一期还起，每一期先抵罚息，再抵利息，最后抵本金）"
        in said
    )
    # the installment due today is mentioned: unpaid, it is overdue tomorrow
    assert f"另外11月23日（今天）还有一期{yuan(before.next_due_amount)}到期" in said
    assert f"还完后逾期还剩{yuan(after.overdue_total)}" in said
    assert (
        f"每天的罚息从{yuan(penalty_per_day(before, policy))}降到"
        f"{yuan(penalty_per_day(after, policy))}" in said
    )
    # charged by then = still owed + already paid (the 2,000's penalty part)
    saved = without.penalty_accrued - (with_it.penalty_accrued + paid.penalty)
    assert saved > 0
    assert f"这30天里罚息一共少约{yuan(saved)}" in said
    # 2,000 clears the oldest installment: the days count from the next one, as booked
    assert after.overdue_days < before.overdue_days
    assert (
        f"从{before.overdue_days}天变成{after.overdue_days}天，征信还款状态按“{after.report_status}”"
        in said
    )


async def test_enough_to_clear_the_overdue_part(ledger):
    before = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    said = await partial_payment_zh(tracker("先还5000行不行", "5000", borrower=TWO_MONTHS))
    assert f"逾期的{yuan(before.overdue_total)}" in said and "可以全部还清" in said
    assert f"多出的{yuan(Decimal('5000') - before.overdue_total)}提前还到" in said
    assert "保留5年" in said  # 61 days overdue: reported


async def test_more_than_can_be_paid_now_is_capped_and_said(ledger):
    loan = (await ledger.get_loans(UP_TO_DATE)).loans[0]
    said = await partial_payment_zh(tracker("先还20000", "20000", borrower=UP_TO_DATE))
    assert said.startswith(f"这笔借款现在最多能还{yuan(loan.amount_due)}")
    assert "你的借呗现在没有逾期" in said and "这一期就算还清了" in said


async def test_not_overdue_pays_the_next_installment_ahead(ledger):
    loan = (await ledger.get_loans(UP_TO_DATE)).loans[0]
    said = await partial_payment_zh(tracker("先还500", "500", borrower=UP_TO_DATE))
    assert "现在没有逾期" in said
    assert f"这一期还剩{yuan(loan.amount_due - Decimal('500'))}" in said


async def test_the_rest_on_a_named_day(ledger):
    said = await partial_payment_zh(
        tracker("先还1000 剩下的月底还 能少多少罚息", "1000", borrower=TWO_MONTHS)
    )
    assert "剩下的到11月30日才还清的话，这7天里罚息一共少约" in said


async def test_without_an_amount_the_rule_and_what_1000_does(ledger):
    loan = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    said = await partial_payment_zh(tracker("我这个月先还一部分可以吗", borrower=TWO_MONTHS))
    assert said.startswith("可以先还一部分")
    step = (Decimal(1000) * loan.daily_rate * load_policy().penalty_multiplier).quantize(
        Decimal("0.01")
    )
    assert f"每多还1,000.00元本金，每天的罚息就少{yuan(step)}" in said


async def test_unlinked_and_ledger_down_get_the_rule(ledger_down):
    said = await partial_payment_zh(tracker("先还2000罚息会少多少", "2000"))
    assert said.startswith("可以先还一部分") and "绑定账户后" in said
    said = await partial_payment_zh(tracker("先还2000罚息会少多少", "2000", borrower=TWO_MONTHS))
    assert said.startswith("可以先还一部分")


async def test_paid_already_and_still_overdue(ledger):
    loan = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    said = await partial_payment_zh(
        tracker("我还了500 为啥还显示逾期", "500", intent="faq", borrower=TWO_MONTHS)
    )
    assert "逾期的部分全部还清之前，账户会一直显示逾期" in said
    assert f"借呗逾期还剩{yuan(loan.overdue_total)}" in said and "转人工" in said


async def test_the_overdue_cost_form_is_not_started_for_a_repayment(ledger):
    dispatcher = CollectingDispatcher()
    events = await ActionStartOverdueCost().run(
        dispatcher, tracker("先还2000罚息会少多少", "2000", borrower=TWO_MONTHS), {}
    )
    assert slot_values(events)["overdue_duration"] == NO_CALCULATION
    assert texts(dispatcher).startswith("按今天还2,000.00元算")
    # the debt of a what-if still starts it
    dispatcher = CollectingDispatcher()
    events = await ActionStartOverdueCost().run(
        dispatcher, tracker("借了2000逾期10天罚多少", "2000", borrower=TWO_MONTHS), {}
    )
    assert slot_values(events).get("overdue_duration") != NO_CALCULATION


async def test_relief_after_a_partial_repayment(ledger):
    async def start(text, amount=None):
        dispatcher = CollectingDispatcher()
        t = tracker(text, amount, intent="request_repayment_relief", borrower=TWO_MONTHS)
        events = await ActionStartRepaymentRelief().run(dispatcher, t, {})
        return slot_values(events), texts(dispatcher)

    # asks for an arrangement too: the figures, then the request (2000 is no monthly budget)
    slots, said = await start("这个月先还2000 剩下的能延期吗", "2000")
    assert said.startswith("按今天还2,000.00元算") and said.endswith("我帮你提交：")
    assert slots["account_status"] == "linked" and slots.get("relief_affordable") is None
    # only a question about the repayment: answered, with the offer, no form
    slots, said = await start("先还1000 能少多少罚息", "1000")
    assert slots == {"account_status": "answered"} and "说“申请延期”" in said
    # enough to clear everything overdue: no request
    slots, said = await start("先还5000行不行", "5000")
    assert slots == {"account_status": "answered"} and "申请延期" not in said


async def test_faq_followup_under_how_to_repay(ledger):
    t = tracker(
        "今天能还1500 够不够",
        "1500",
        intent="faq",
        borrower=TWO_MONTHS,
        response_key="how_to_repay",
    )
    assert answered_by_followup(t, "how_to_repay")
    dispatcher = CollectingDispatcher()
    await ActionFaqFollowup().run(dispatcher, t, {})
    assert texts(dispatcher).startswith("按今天还1,500.00元算（借呗）")


async def faq_followup_said(text, topic, borrower=None, amount=None):
    t = tracker(text, amount, intent="faq", borrower=borrower, response_key=topic)
    dispatcher = CollectingDispatcher()
    await ActionFaqFollowup().run(dispatcher, t, {})
    return texts(dispatcher)


async def test_after_answers_not_about_overdue_only_own_figures(ledger):
    # unlinked: the how-to answer stands on its own, no overdue rule after it
    assert await faq_followup_said("今天能还1500 够不够", "how_to_repay", None, "1500") == ""
    # early repayment from a borrower who is not overdue: a prepayment, not the ledger's preview
    said = await faq_followup_said("提前还2000能省多少利息", "early_repayment", UP_TO_DATE, "2000")
    assert "按今天还" not in said and "现在没有逾期" not in said
    # ... from an overdue borrower: what the 2,000 does to the overdue loan
    said = await faq_followup_said("提前还2000能省多少利息", "early_repayment", TWO_MONTHS, "2000")
    assert said.startswith("按今天还2,000.00元算（借呗）")
    # no amount, nothing overdue: nothing about partial repayments
    said = await faq_followup_said("先还一部分有用吗", "debt_strategy", UP_TO_DATE)
    assert "可以先还一部分" not in said


async def test_capped_with_a_few_yuan_overdue_clears_the_next_installment_too(ledger):
    loan = (await ledger.get_loans(ONE_YUAN)).loans[0]
    said = await partial_payment_zh(tracker("先还2000罚息会少多少", "2000", borrower=ONE_YUAN))
    assert said.startswith(f"这笔借款现在最多能还{yuan(loan.amount_due)}")
    assert f"多出的{yuan(loan.amount_due - loan.overdue_total)}提前还到" in said
    assert said.count("那一期就还清了") == 1 and "还剩" not in said


async def test_the_rest_paid_after_the_due_date_is_late_and_said_so(ledger):
    """Next installment due 12-13; the rest on 12-20 is 7 days late (grace 3): penalty."""
    loan = (await ledger.get_loans(UP_TO_DATE)).loans[0]
    said = await partial_payment_zh(tracker("先还500 剩下的12月20号还", "500", borrower=UP_TO_DATE))
    left = loan.next_due_amount - Decimal("500")
    cost = what_if_cost(left, loan.daily_rate, 7, load_policy())
    assert f"剩下的{yuan(left)}要是12月20日才还，就比还款日（12月13日）晚了7天，超过宽限期" in said
    assert f"罚息约{yuan(cost.total_penalty)}" in said and "不会有罚息" not in said
    # inside the grace days: no penalty
    said = await partial_payment_zh(tracker("先还500 剩下的12月15号还", "500", borrower=UP_TO_DATE))
    assert "晚2天，还在宽限期内，不收罚息" in said


async def test_more_than_the_whole_loan_says_what_settling_takes(ledger):
    """ "我先还2万行不" read as a plan request: the cap, and the whole loan's settlement."""
    from actions.payoff_plan import ActionStartPayoffPlan

    dispatcher = CollectingDispatcher()
    t = make_tracker(
        "我先还2万行不",
        "request_payoff_plan",
        entities=[entity("amount", "20000", "2万")],
        borrower=TWO_MONTHS,
    )
    events = await ActionStartPayoffPlan().run(dispatcher, t, {})
    assert slot_values(events) == {"account_status": "answered"}
    said = texts(dispatcher)
    assert said.startswith("这笔借款现在最多能还") and "你这笔总共只欠约" in said
    assert "逾期的" in said and "可以全部还清" in said


async def test_a_bare_repayment_out_of_context_is_previewed(ledger):
    from actions.fallbacks import ActionNumberOutOfContext

    dispatcher = CollectingDispatcher()
    t = tracker("先还600", "600", intent="inform", borrower=TWO_MONTHS)
    await ActionNumberOutOfContext().run(dispatcher, t, {})
    assert texts(dispatcher).startswith("按今天还600.00元算（借呗）")


async def test_not_overdue_asking_to_pay_part_needs_no_request(ledger):
    dispatcher = CollectingDispatcher()
    t = tracker("这个月先还一部分可以吗", intent="request_repayment_relief", borrower=UP_TO_DATE)
    events = await ActionStartRepaymentRelief().run(dispatcher, t, {})
    assert slot_values(events) == {"account_status": "answered"}
    assert texts(dispatcher).startswith("可以。你的借呗现在没有逾期，12月13日到期的这一期应还")


async def test_paid_already_and_still_overdue_from_an_unlinked_user(ledger):
    said = await faq_followup_said("我还了500 为啥还显示逾期", "after_overdue_repaid", None, "500")
    assert "逾期的部分全部还清之前，账户会一直显示逾期" in said and "转人工" in said


async def test_follow_ups_keep_the_amount_just_previewed(ledger):
    first = await partial_payment_zh(tracker("先还600", "600", borrower=TWO_MONTHS))
    history = [
        {"event": "user", "text": "先还600", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "bot", "text": first},
    ]
    said = await partial_payment_zh(
        make_tracker("剩下的12月20号还", "inform", borrower=TWO_MONTHS, history=history)
    )
    assert said.startswith("按今天还600.00元算（借呗）") and "到12月20日才还清" in said
    # without the preview before, a bare day is no repayment
    assert await partial_payment_zh(make_tracker("剩下的12月20号还", "inform")) is None


async def test_half_and_a_few_yuan(ledger):
    loan = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    half = (loan.overdue_total / 2).quantize(Decimal("0.01"))
    said = await partial_payment_zh(tracker("先还一半行不", borrower=TWO_MONTHS))
    assert said.startswith(f"按今天还{yuan(half)}算（借呗）")
    said = await partial_payment_zh(tracker("先还一半行不", borrower=ONE_YUAN))
    assert "逾期的只有1.00元" in said and "今天还上" in said


async def test_only_penalty_paid_leaves_the_daily_penalty(ledger):
    loan = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    said = await partial_payment_zh(tracker("先还50", "50", borrower=TWO_MONTHS))
    assert "这笔钱只够抵罚息" in said
    assert f"每天的罚息还是{yuan(penalty_per_day(loan, load_policy()))}" in said


async def test_several_loans_say_which_one_was_taken(ledger):
    said = await partial_payment_zh(tracker("先还500", "500", borrower=MULTI_DEBT))
    assert "（按最先到期的" in said and "先还500”。）" in said


async def test_the_topic_answer_gives_way_to_the_preview(ledger):
    from actions.faq_followup import ActionAnswerFaq

    t = tracker(
        "还了3000之后每天罚息是多少",
        "3000",
        intent="faq",
        borrower=TWO_MONTHS,
        response_key="penalty_interest",
    )
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, t, {})
    assert dispatcher.messages == []  # no general answer, no "see above"
    dispatcher = CollectingDispatcher()
    await ActionFaqFollowup().run(dispatcher, t, {})
    assert texts(dispatcher).startswith("按今天还3,000.00元算（借呗）")


async def test_a_repayment_said_as_done_gets_where_the_loan_stands_not_a_preview(ledger):
    """ "还了1000", "我明明还了", "还款了": a repayment made (the review saw "按今天还1,000.00元算"
    and the how-to-repay steps); a repayment still to make keeps its preview."""
    loan = (await ledger.get_loans(TWO_MONTHS)).loan(JIEBEI)
    for text, amount in (("还了1000", "1000"), ("我明明还了", None), ("已经还款了", None)):
        said = await partial_payment_zh(tracker(text, amount, intent="inform", borrower=TWO_MONTHS))
        assert said is not None and "按今天还" not in said, text
        assert f"借呗逾期还剩{yuan(loan.overdue_total)}" in said and "入账可能有延迟" in said
    said = await partial_payment_zh(tracker("还了1000之后罚息多少", "1000", borrower=TWO_MONTHS))
    assert said.startswith("按今天还1,000.00元算")
    # read as how to repay: the standing instead of the steps
    messages = await answer_faq_messages("还款了", "how_to_repay", TWO_MONTHS)
    assert messages == []
    said = await faq_followup_said("还款了", "how_to_repay", TWO_MONTHS)
    assert f"借呗逾期还剩{yuan(loan.overdue_total)}" in said
    # someone not overdue: nothing overdue by the ledger's record
    said = await faq_followup_said("还款了", "how_to_repay", UP_TO_DATE)
    assert said.startswith("按账户现在的记录，你没有逾期的借款了。")


async def answer_faq_messages(text, topic, borrower):
    dispatcher = CollectingDispatcher()
    t = tracker(text, intent="faq", borrower=borrower, response_key=topic)
    await ActionAnswerFaq().run(dispatcher, t, {})
    return dispatcher.messages


async def test_still_overdue_after_the_previewed_repayment_gets_that_preview(ledger):
    """ "我现在只能还800" → "还了以后还逾期吗" (the review saw the general after-repayment
    answer): the preview of that 800 again, which says what stays overdue."""
    first = await partial_payment_zh(tracker("我现在只能还800", "800", borrower=TWO_MONTHS))
    assert first.startswith("按今天还800.00元算")
    history = [
        {
            "event": "user",
            "text": "我现在只能还八百块",
            "parse_data": {"intent": {"name": "inform"}},
        },
        {"event": "bot", "text": first},
    ]
    t = make_tracker(
        "还了以后还逾期吗",
        "faq",
        borrower=TWO_MONTHS,
        history=history,
        response_key="after_overdue_repaid",
    )
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, t, {})
    assert dispatcher.messages == []  # not the general after-repayment answer
    await ActionFaqFollowup().run(dispatcher, t, {})
    reply = texts(dispatcher)
    assert reply.startswith("按今天还800.00元算（借呗）") and "逾期" in reply
