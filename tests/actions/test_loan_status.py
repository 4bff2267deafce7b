"""action_check_loan_status against the real ledger and the demo borrowers."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from actions.fallbacks import ActionUnclearMessage
from actions.identity import LINK_HELP_ZH, UNAVAILABLE_ZH
from actions.loan_status import ActionCheckLoanStatus
from bot.finance.money import fmt_money, money
from bot.policy import load_policy
from bot.policy.wording import cutoff_rule_zh, penalty_rule_zh
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    ONE_YUAN,
    TODAY,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    texts,
)


async def status_reply(borrower, text="我借呗还欠多少", **kwargs) -> str:
    dispatcher = CollectingDispatcher()
    events = await ActionCheckLoanStatus().run(
        dispatcher,
        make_tracker(text, "check_loan_status", borrower=borrower, **kwargs),
        {},
    )
    assert events == []
    return texts(dispatcher)


async def test_two_months_overdue_borrower_sees_their_penalty_and_the_consequence(ledger):
    loan = expected.two_months()
    reply = await status_reply(TWO_MONTHS)
    assert "李强" in reply
    assert f"已逾期{loan.overdue_days}天" in reply
    assert f"逾期本息{fmt_money(loan.overdue_amount)}元" in reply
    assert f"罚息{fmt_money(loan.penalty)}元" in reply
    assert f"= {fmt_money(loan.overdue_total)}元" in reply
    per_day = money(loan.overdue_amount * loan.daily_rate * load_policy().penalty_multiplier)
    assert f"每天约{fmt_money(per_day)}元" in reply
    assert "还款状态记为“3”（逾期61-90天）" in reply
    # the next step of the policy timeline: one milestone, one sentence (day 91, legal notice,
    # example)
    step = next(line for line in reply.splitlines() if line.startswith("接下来："))
    assert (
        step.startswith("接下来：逾期第91天起，") and step.count("。") == 1 and "示例配置" in step
    )
    assert "次级" not in reply and "不良" not in reply
    assert f"一共{fmt_money(loan.overdue_total + loan.next_installment)}元" in reply
    assert "年化18.00%（日利率0.050%）" in reply


async def test_asked_to_clear_everything_today_the_known_parts_and_where_the_sum_is(ledger):
    loan = expected.two_months()
    reply = await status_reply(TWO_MONTHS, "今天全部还清要多少钱")
    line = next(x for x in reply.splitlines() if x.startswith("今天一次全部还清的话："))
    interest = loan.overdue_amount - loan.overdue_principal
    total = loan.outstanding + interest + loan.penalty
    assert (
        f"剩余本金{fmt_money(loan.outstanding)}元，加上逾期的利息{fmt_money(interest)}元和罚息"
        f"{fmt_money(loan.penalty)}元，合计{fmt_money(total)}元" in line
    )
    assert "按天算的利息" in line and "提前还款手续费" in line and "App" in line
    current = expected.up_to_date()
    reply = await status_reply(UP_TO_DATE, "我想提前全部还掉 要多少钱")
    assert f"今天一次全部还清的话：剩余本金{fmt_money(current.outstanding)}元；" in reply
    # this period's interest by the day: from the last due date (11-13) to TODAY (11-23)
    accrued = (current.outstanding * current.daily_rate * 10).quantize(Decimal("0.01"))
    assert (
        f"再加上本期到今天按天算的利息约{fmt_money(accrued)}元（还没到期的本金"
        f"{fmt_money(current.outstanding)}元按日利率0.040%算10天），"
        f"一共约{fmt_money(current.outstanding + accrued)}元" in reply
    )
    assert "一次全部还清" not in await status_reply(UP_TO_DATE, "这个月要还多少")


async def test_up_to_date_borrower_sees_the_next_installment(ledger):
    loan = expected.up_to_date()
    reply = await status_reply(UP_TO_DATE)
    assert f"剩余本金{fmt_money(loan.outstanding)}元" in reply
    assert f"12月13日（20天后）应还{fmt_money(loan.next_installment)}元" in reply
    assert "没有逾期" in reply and "已逾期" not in reply and "⚠️" not in reply
    # what happens if a due date is missed: the policy's own rule, generated from it
    policy = load_policy()
    assert cutoff_rule_zh(policy, with_note=False) in reply
    assert penalty_rule_zh(policy, with_note=False).rstrip("。") in reply


async def test_one_yuan_short_is_called_an_overdue_and_not_a_hardship(ledger):
    loan = expected.one_yuan()
    reply = await status_reply(ONE_YUAN)
    assert "已逾期4天" in reply and f"{fmt_money(loan.overdue_total)}元" in reply
    assert "也算逾期" in reply and "今天就补上" in reply
    assert "申请延期" not in reply  # no relief offer for a forgotten yuan


async def test_multi_debt_borrower_sees_every_loan_and_the_total_due(ledger):
    loans = expected.multi_debt()
    reply = await status_reply(MULTI_DEBT)
    assert "3笔借款" in reply
    for loan in loans:
        assert f"【{loan.product}】剩余本金{fmt_money(loan.outstanding)}元" in reply
        assert f"应还{fmt_money(loan.next_installment)}元" in reply
    total = sum((loan.next_installment for loan in loans), Decimal("0.00"))
    assert f"近期各笔合计应还{fmt_money(total)}元，最早一笔在12月10日" in reply


async def test_as_of_shows_the_figures_of_that_day(ledger):
    reply = await status_reply(TWO_MONTHS, as_of="2026-12-23")
    assert "已逾期91天" in reply and "“4”" in reply


async def test_unlinked_user_is_told_how_to_link_and_sees_no_data(ledger):
    reply = await status_reply(None)
    assert reply == LINK_HELP_ZH
    assert not re.search(r"\d+\.\d\d元", reply)


async def test_ledger_down_gets_a_polite_reply(ledger_down):
    assert await status_reply(TWO_MONTHS) == UNAVAILABLE_ZH


async def test_a_named_product_gets_that_loan_and_a_product_not_held_is_said(ledger):
    loans = {loan.product: loan for loan in expected.multi_debt()}
    reply = await status_reply(
        MULTI_DEBT, "借呗还欠多少", entities=[entity("loan_product", "借呗", text="借呗")]
    )
    assert "你的借呗：" in reply and "3笔借款" not in reply
    assert f"【借呗】剩余本金{fmt_money(loans['借呗'].outstanding)}元" in reply
    assert "【花呗】" not in reply and "【信用卡】" not in reply
    reply = await status_reply(
        TWO_MONTHS, "花呗欠多少", entities=[entity("loan_product", "花呗", text="花呗")]
    )
    assert reply.startswith("李强，你好。你名下没有花呗的借款记录。你的借款情况：")
    assert "借呗" in reply


async def test_a_loan_asked_about_does_not_hide_another_that_is_overdue(ledger):
    reply = await status_reply(
        MULTI_DEBT,
        "信用卡欠多少",
        entities=[entity("loan_product", "信用卡", text="信用卡")],
        as_of="2026-12-16",  # 花呗's 12-10 installment unpaid: six days overdue
    )
    assert "你的信用卡：" in reply
    assert "⚠️ 另外，借呗已逾期5天" in reply and "花呗已逾期" in reply
    assert "信用卡这笔目前没有逾期。" in reply and "👍" not in reply


async def test_clearing_everything_on_a_later_day_uses_the_ledgers_figures_for_that_day(ledger):
    """ "明天全部还清要多少", and "明天呢" right after the answer for today (the review saw the
    grace-period answer): the ledger's projection for that day, one more day of penalty."""
    today = expected.two_months()
    tomorrow = expected.two_months(TODAY + timedelta(days=1))
    reply = await status_reply(TWO_MONTHS, "明天全部还清要多少钱")
    assert reply.startswith("11月24日（明天）一次全部还清的话：")
    assert f"罚息{fmt_money(tomorrow.penalty)}元" in reply
    assert tomorrow.penalty > today.penalty
    assert "本期到那天按天算的利息" in reply or "到那天按天算的利息" in reply
    history = [
        {
            "event": "user",
            "text": "今天全部还清要多少钱",
            "parse_data": {"intent": {"name": "check_loan_status"}, "entities": []},
        },
        {"event": "action", "name": "action_check_loan_status"},
        {"event": "bot", "text": "今天一次全部还清的话：……"},
        {"event": "action", "name": "action_listen"},
    ]
    for intent, action in (
        ("check_loan_status", ActionCheckLoanStatus()),
        ("nlu_fallback", ActionUnclearMessage()),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("明天呢", intent, history=history, borrower=TWO_MONTHS)
        await action.run(dispatcher, tracker, {})
        assert texts(dispatcher).startswith("11月24日（明天）一次全部还清的话："), intent
    # the same question with no later day named: today's answer
    reply = await status_reply(TWO_MONTHS, "全部还清要多少钱")
    assert reply.startswith("今天一次全部还清的话：")


async def test_a_repayment_said_as_done_read_as_a_status_question(ledger):
    """ "我明明还了" read as check_loan_status: why it may still show, and where the loan stands
    (the review saw the whole status instead)."""
    loan = expected.two_months()
    reply = await status_reply(TWO_MONTHS, "我明明还了")
    assert "入账可能有延迟" in reply and f"借呗逾期还剩{fmt_money(loan.overdue_total)}元" in reply
    assert "你名下" not in reply and "剩余本金" not in reply
