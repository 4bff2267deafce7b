"""The loan a general question names, computed after the FAQ answer (actions/question_figures.py)
— checked against bot.finance's own schedule and the facts' worked example."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import ActionFaqFollowup
from actions.question_figures import question_figures_zh
from bot.finance.money import fmt_money
from bot.finance.schedule import amortization_schedule
from bot.policy import load_policy
from tests.actions.action_helpers import entity, make_tracker, texts


def figures(text, topic, *entities):
    tracker = make_tracker(text, "faq", entities=entities, response_key=topic)
    return question_figures_zh(tracker, topic, load_policy())


def test_installments_at_the_stated_rate_match_the_facts_worked_example():
    """Facts: 10,000 at 0.04 %/day (14.4 %/year) over 12 months, 等额本息 899.75 a month,
    total interest 797.05."""
    text = figures(
        "日息万四 借1万分12期每月还多少",
        "installment_terms",
        entity("daily_rate", "0.0004", text="日息万四"),
        entity("amount", "10000", text="1万"),
        entity("installments", "12", text="分12期"),
    )
    assert "借10,000.00元分12期，按年化14.40%（日利率0.040%）、等额本息算" in text
    assert "每月约899.75元，12期利息一共约797.05元" in text
    assert "示例利率" not in text


def test_without_a_rate_the_example_rate_is_used_and_said():
    text = figures(
        "借3万分24期每个月还多少",
        "installment_terms",
        entity("amount", "30000", text="3万"),
        entity("installments", "24", text="分24期"),
    )
    schedule = amortization_schedule(Decimal("30000"), Decimal("0.144"), 24)
    assert "年化14.40%（日利率0.040%，示例利率，以你的借款页面为准）" in text
    assert f"每月约{fmt_money(schedule.first_payment)}元" in text
    assert f"利息一共约{fmt_money(schedule.total_interest)}元" in text


def test_a_methods_question_also_gets_equal_principal():
    """Facts: equal principal on the worked example runs 953.33 down to 843.37, interest 780.00."""
    text = figures(
        "日息万四 1万分12期 等额本金和等额本息差多少",
        "repayment_methods",
        entity("daily_rate", "0.0004", text="日息万四"),
        entity("amount", "10000", text="1万"),
        entity("installments", "12", text="分12期"),
    )
    assert "等额本金：第一期953.33元，逐月减少到843.37元，利息一共约780.00元" in text


def test_days_used_give_simple_interest():
    text = figures(
        "借5000 借三天利息多少",
        "interest_rate",
        entity("amount", "5000", text="5000"),
        entity("duration", "P3D", text="三天"),
    )
    assert "借5,000.00元用3天" in text and "利息 = 5000 × 0.04% × 3 ≈ 6.00元" in text


@pytest.mark.parametrize(
    "text, topic, entities",
    [
        ("分24期每月还多少", "installment_terms", [entity("installments", "24", text="分24期")]),
        ("借3万利息高吗", "interest_rate", [entity("amount", "30000", text="3万")]),
        (
            "借3万分24期每个月还多少",
            "credit_report_usage",  # not a topic with figures
            [entity("amount", "30000", text="3万"), entity("installments", "24", text="分24期")],
        ),
        (
            "借3000万分24期",
            "installment_terms",  # beyond a consumer loan
            [entity("amount", "30000000", text="3000万"), entity("installments", "24")],
        ),
        (
            "借3万分600期",
            "installment_terms",
            [entity("amount", "30000", text="3万"), entity("installments", "600")],
        ),
        ("借3万用两年", "interest_rate", [entity("amount", "30000"), entity("duration", "P2Y")]),
    ],
)
def test_nothing_without_an_amount_and_a_term_in_range(text, topic, entities):
    assert figures(text, topic, *entities) is None


async def test_the_followup_sends_the_figures_to_anyone():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "借3万分24期每个月还多少",
        "faq",
        entities=[
            entity("amount", "30000", text="3万"),
            entity("installments", "24", text="分24期"),
        ],
        response_key="installment_terms",
        borrower=None,
        channel=None,
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert "按你说的：借30,000.00元分24期" in texts(dispatcher)


def test_a_fee_per_period_gets_the_fees_and_the_true_annual_rate():
    """10,000 over 12 periods at a 0.6 % fee a period: 893.33 a period, 720.00 of fees; the
    true annual rate by IRR, checked by bisection independently of bot.finance (about 13.0 %)."""
    text = figures(
        "借1万分12期 每期手续费0.6% 实际年化多少",
        "interest_rate",
        entity("amount", "10000", text="1万"),
        entity("installments", "12", text="分12期"),
    )
    payment = 10000 / 12 + 60

    def npv(rate):
        return -10000 + sum(payment / (1 + rate) ** k for k in range(1, 13))

    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if npv(mid) > 0 else (low, mid)
    assert "每期约893.33元，手续费一共720.00元" in text
    assert f"真实年化（IRR）约{low * 12 * 100:.2f}%" in text
    assert "14.40%" not in text  # not the example interest rate
