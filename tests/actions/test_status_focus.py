"""One-figure questions about the borrower's own loans (actions/status_focus.py), through
action_check_loan_status against the real ledger and the demo borrowers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.loan_status import ActionCheckLoanStatus
from actions.status_focus import (
    INTEREST,
    NEXT_INSTALLMENT,
    NEXT_STEPS,
    OVERDUE_DAYS,
    PENALTY,
    PERIODS,
    RATE,
    SEE_ALL_ZH,
    SPLIT,
    TOTAL,
    focus_of,
)
from bot.finance.money import fmt_money, money
from bot.policy import load_policy
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    texts,
)


@pytest.mark.parametrize(
    "text, focus",
    [
        ("罚息现在多少了", PENALTY),
        ("逾期几天了 罚息多少", PENALTY),
        ("我滞纳金多少", PENALTY),
        ("还有几期", PERIODS),
        ("借呗还剩多少期没还", PERIODS),
        ("啥时候能还完", PERIODS),
        ("花呗几号还", NEXT_INSTALLMENT),
        ("这期什么时候还", NEXT_INSTALLMENT),
        ("这个月要还多少", NEXT_INSTALLMENT),
        ("我的还款日是哪天", NEXT_INSTALLMENT),
        ("月供多少", NEXT_INSTALLMENT),
        ("我逾期多久了", OVERDUE_DAYS),
        ("利息一共要付多少", INTEREST),
        ("我这笔年化多少", RATE),
        ("那我现在该先干嘛", NEXT_STEPS),
        ("我现在该怎么办", NEXT_STEPS),
        ("下一步怎么做", NEXT_STEPS),
        ("好吧 那现在咋整", NEXT_STEPS),
        ("那我该咋办", NEXT_STEPS),
        ("总共还欠多少", TOTAL),
        ("哪个最贵", RATE),
        ("我哪笔利息最高", RATE),
        ("我一共欠多少钱", TOTAL),
        ("全部还清要多少", TOTAL),
        ("一共要还多少利息", INTEREST),
        ("这期还款里利息多少 本金多少", SPLIT),
        ("这个月还的钱里多少是利息", SPLIT),
        ("月供里本金多少", SPLIT),
        # the whole picture
        ("我还欠多少", None),
        ("查一下我的借款", None),
        ("看看我的账单", None),
    ],
)
def test_which_figure_a_message_asks_for(text, focus):
    assert focus_of(text) == focus


async def reply_to(borrower, text, *entities) -> str:
    dispatcher = CollectingDispatcher()
    events = await ActionCheckLoanStatus().run(
        dispatcher,
        make_tracker(text, "check_loan_status", entities=entities, borrower=borrower),
        {},
    )
    assert events == []
    return texts(dispatcher)


async def test_penalty_question_gets_the_penalty_and_how_fast_it_grows(ledger):
    loan = expected.two_months()
    reply = await reply_to(TWO_MONTHS, "罚息现在多少了")
    per_day = money(loan.overdue_amount * loan.daily_rate * load_policy().penalty_multiplier)
    assert (
        f"【借呗】逾期{loan.overdue_days}天，罚息目前{fmt_money(loan.penalty)}元，"
        f"每多一天约多{fmt_money(per_day)}元；连同逾期本息一共{fmt_money(loan.overdue_total)}元。"
        in reply
    )
    assert "申请延期" in reply and reply.endswith(SEE_ALL_ZH)
    assert "你的借款情况" not in reply and "下一期" not in reply  # not the whole status


async def test_no_overdue_no_penalty_and_the_rule_for_when_it_would_start(ledger):
    reply = await reply_to(UP_TO_DATE, "我有罚息吗")
    assert "【借呗】没有逾期，没有罚息。" in reply
    assert "罚息" in reply.splitlines()[1]  # the policy's rule, for the day it might happen


async def test_periods_left_counted_from_the_ledger(ledger):
    # 12 monthly periods from 2026-06-23, two paid, periods 3 and 4 overdue
    reply = await reply_to(TWO_MONTHS, "还有几期")
    assert (
        "【借呗】共12期，还剩10期没还完（其中2期已逾期），按时还的话最后一期在2027年6月23日。"
        in reply
    )
    overdue = expected.two_months()
    assert f"已逾期{overdue.overdue_days}天" in reply  # the overdue amount stays in view
    assert f"{fmt_money(overdue.overdue_total)}元" in reply


async def test_interest_left_and_paid_as_scheduled(ledger):
    rows = expected._rows("20000", "0.18", 12)
    paid = sum((r.interest for r in rows[:2]), Decimal("0"))
    left = sum((r.interest for r in rows[2:]), Decimal("0"))
    reply = await reply_to(TWO_MONTHS, "利息一共还要多少")
    assert f"已付利息{fmt_money(paid)}元；剩下的各期按计划还要付利息{fmt_money(left)}元" in reply
    assert "提前还款手续费" in reply


async def test_named_product_answers_for_that_loan_only(ledger):
    huabei = expected.multi_debt()[1]
    reply = await reply_to(MULTI_DEBT, "花呗几号还", entity("loan_product", "花呗", "花呗"))
    line = next(x for x in reply.splitlines() if x.startswith("【"))
    assert re.fullmatch(
        rf"【花呗】每月\d+号还款；下一期\d+月\d+日（[^）]+）应还{re.escape(fmt_money(huabei.next_installment))}元。",
        line,
    )
    assert "借呗" not in reply and "信用卡" not in reply


async def test_a_product_the_borrower_does_not_have_is_said_and_their_loans_answered(ledger):
    reply = await reply_to(TWO_MONTHS, "花呗几号还", entity("loan_product", "花呗", "花呗"))
    assert reply.startswith("你名下没有花呗的借款记录")
    assert "【借呗】每月23号还款；" in reply


async def test_rate_question(ledger):
    reply = await reply_to(MULTI_DEBT, "利率多少")
    assert "【借呗】年化18.00%（日利率0.050%）。" in reply
    assert "【花呗】年化13.50%" in reply and "【信用卡】年化16.56%" in reply


async def test_a_question_about_everything_still_gets_the_whole_status(ledger):
    reply = await reply_to(TWO_MONTHS, "我借呗还欠多少")
    assert "你的借款情况" in reply and SEE_ALL_ZH not in reply


async def test_what_to_do_first_in_order_from_the_borrowers_figures(ledger):
    loan = expected.two_months()
    reply = await reply_to(TWO_MONTHS, "那我现在该先干嘛")
    steps = [line for line in reply.splitlines() if re.match(r"\d\. ", line)]
    assert steps[0].startswith(f"1. 先还逾期的{fmt_money(loan.overdue_total)}元（借呗）")
    assert f"应还{fmt_money(loan.next_installment)}元" in steps[1]
    assert "申请延期" in steps[2] and "提醒" in steps[3] and len(steps) == 4
    reply = await reply_to(MULTI_DEBT, "我现在该怎么办")
    steps = [line for line in reply.splitlines() if re.match(r"\d\. ", line)]
    assert "逾期" not in reply and "申请延期" not in reply
    assert steps[0].startswith("1. 备好下一期：") and "还款计划" in steps[1]
    assert "提醒" in steps[2]


async def test_the_total_owed_adds_principal_overdue_interest_and_penalty(ledger):
    loan = expected.two_months()
    overdue_interest = loan.overdue_amount - loan.overdue_principal
    total = loan.outstanding + overdue_interest + loan.penalty
    reply = await reply_to(TWO_MONTHS, "总共还欠多少")
    assert (
        f"【借呗】剩余本金{fmt_money(loan.outstanding)}元 + 逾期利息{fmt_money(overdue_interest)}元"
        f" + 罚息{fmt_money(loan.penalty)}元 = {fmt_money(total)}元。" in reply
    )
    assert "以后各期的利息按用款天数另算" in reply and "你的借款情况" not in reply


async def test_the_total_over_several_loans_is_summed(ledger):
    loans = expected.multi_debt()
    reply = await reply_to(MULTI_DEBT, "我一共欠多少钱")
    total = sum((loan.outstanding for loan in loans), Decimal("0.00"))
    assert f"3笔合计{fmt_money(total)}元。" in reply
    assert f"【花呗】剩余本金{fmt_money(loans[1].outstanding)}元。" in reply


async def test_which_loan_is_dearest_names_it_by_rate(ledger):
    reply = await reply_to(MULTI_DEBT, "哪个最贵")
    dearest = max(expected.multi_debt(), key=lambda loan: loan.annual_rate)
    assert f"利率最高的是{dearest.product}。" in reply
    assert reply.count("【") == 3  # every loan's rate


async def test_a_total_over_two_named_products_adds_just_those(ledger):
    loans = {loan.product: loan for loan in expected.multi_debt()}
    reply = await reply_to(
        MULTI_DEBT,
        "借呗和花呗一共欠多少",
        entity("loan_product", "借呗", text="借呗"),
        entity("loan_product", "花呗", text="花呗"),
    )
    total = loans["借呗"].outstanding + loans["花呗"].outstanding
    assert f"2笔合计{fmt_money(total)}元。" in reply and "【信用卡】" not in reply


async def test_what_the_next_installment_is_made_of(ledger):
    """Rebuilt from the schedule: up to date, period 4 is next; 61 days overdue, period 5."""
    rows = expected._rows("10000", "0.144", 12)
    reply = await reply_to(UP_TO_DATE, "这期还款里利息多少 本金多少")
    assert (
        f"【借呗】下一期12月13日（20天后）应还{fmt_money(rows[3].payment)}元："
        f"本金{fmt_money(rows[3].principal)}元、利息{fmt_money(rows[3].interest)}元。" in reply
    )
    assert "逾期" not in reply
    rows = expected._rows("20000", "0.18", 12)
    overdue = expected.two_months()
    reply = await reply_to(TWO_MONTHS, "这个月还的钱里多少是利息")
    assert f"本金{fmt_money(rows[4].principal)}元、利息{fmt_money(rows[4].interest)}元。" in reply
    assert (
        f"另外已逾期的部分：本金{fmt_money(overdue.overdue_principal)}元、利息"
        f"{fmt_money(overdue.overdue_amount - overdue.overdue_principal)}元、"
        f"罚息{fmt_money(overdue.penalty)}元。" in reply
    )


async def test_a_second_question_of_how_late_one_may_pay_is_answered_too(ledger):
    reply = await reply_to(UP_TO_DATE, "这个月要还多少 能晚几天还不")
    assert "【借呗】" in reply and "下一期" in reply
    assert "能晚几天：宽限期" in reply and "征信" in reply
    assert "能晚几天" not in await reply_to(UP_TO_DATE, "这个月要还多少")


async def test_whether_to_keep_paying_while_a_request_waits(ledger):
    reply = await reply_to(TWO_MONTHS, "那我这期间还要还钱吗")
    assert reply.startswith("要。申请提交后、贷款方答复之前，原来的还款安排不变")
    assert "【借呗】" in reply and "下一期" in reply


async def test_an_overdue_borrower_asking_how_late_hears_it_is_not_free(ledger):
    reply = await reply_to(TWO_MONTHS, "这个月要还多少 能晚几天还不")
    assert "能晚几天：你已经逾期61天，宽限期早过了，再晚不是免费的" in reply
    assert "不收罚息" not in reply
