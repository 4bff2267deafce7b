"""A bare value outside any flow (action_number_out_of_context) that changes the figures just
given: "那分12期呢" after a loan's payment, "那晚一个月呢" after a lateness what-if."""

from __future__ import annotations

from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from actions.fallbacks import ActionNumberOutOfContext, ActionUnclearMessage
from actions.faq_followup import LATE_WHAT_IF_TAIL
from actions.out_of_scope import ENGLISH_ZH
from bot.finance.money import fmt_money
from bot.finance.overdue import overdue_cost
from bot.finance.schedule import amortization_schedule
from bot.policy import load_policy
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import MULTI_DEBT, UP_TO_DATE, entity, make_tracker, texts

D = Decimal


def loan_question(text: str, amount: str, periods: str) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": "faq"},
            "entities": [
                {"entity": "amount", "value": amount},
                {"entity": "installments", "value": periods},
            ],
        },
    }


async def number(text, entities, history=(), borrower=None) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "inform", entities=entities, history=history, borrower=borrower)
    assert await ActionNumberOutOfContext().run(dispatcher, tracker, {}) == []
    return texts(dispatcher) or str([m.get("response") for m in dispatcher.messages])


async def test_another_number_of_installments_recomputes_the_same_loan():
    history = [
        loan_question("借3万分24期每月还多少", "30000", "24"),
        {"event": "bot", "text": "按你说的：借30,000.00元分24期……"},
    ]
    reply = await number("那分12期呢", [entity("installments", "12", text="12期")], history)
    schedule = amortization_schedule(D("30000"), D("0.144"), 12)
    assert "借30,000.00元分12期" in reply
    assert f"每月约{fmt_money(schedule.first_payment)}元" in reply
    assert f"利息一共约{fmt_money(schedule.total_interest)}元" in reply


async def test_a_number_of_installments_with_no_loan_before_gets_the_menu():
    reply = await number("分12期", [entity("installments", "12", text="12期")])
    assert "utter_which_calculation" in reply


async def test_another_lateness_after_the_one_line_what_if(ledger):
    loan = expected.up_to_date()
    history = [
        {
            "event": "user",
            "text": "我要是晚还10天会怎样",
            "parse_data": {"intent": {"name": "faq"}},
        },
        {
            "event": "bot",
            "text": f"按你借呗下一期应还的899.75元算，晚还10天：罚息约5.40元。{LATE_WHAT_IF_TAIL}",
        },
    ]
    reply = await number(
        "那晚一个月呢", [entity("duration", "P1M", text="一个月")], history, UP_TO_DATE
    )
    policy = load_policy()
    cost = overdue_cost(
        loan.next_installment,
        loan.daily_rate,
        30,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    )
    assert f"晚还30天：罚息约{fmt_money(cost.total_penalty)}元" in reply


async def test_a_hardship_said_first_is_no_number():
    reply = await number("失业了", [])
    assert reply.startswith("听起来最近挺难的") and "申请延期" in reply


async def test_words_without_any_value_get_the_rephrase_answer_not_the_number_menu():
    assert "utter_default" in await number("嗯嗯那个", [])
    assert "utter_which_calculation" in await number(
        "五千块", [entity("amount", "5000", text="五千块")]
    )


async def test_another_loan_named_after_a_one_figure_answer_gets_that_figure(ledger):
    history = [
        {
            "event": "user",
            "text": "花呗几号还",
            "parse_data": {"intent": {"name": "check_loan_status"}},
        },
        {"event": "bot", "text": "【花呗】每月10号还款；下一期……"},
    ]
    reply = await number(
        "那信用卡呢",
        [entity("loan_product", "信用卡", text="信用卡")],
        history,
        MULTI_DEBT,
    )
    assert reply.startswith("【信用卡】") and "下一期" in reply and "【花呗】" not in reply


def said_before(text: str, *entities: dict) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": "inform"}, "entities": list(entities)},
    }


def penalty_of(amount, daily_rate, days):
    policy = load_policy()
    return overdue_cost(
        amount,
        daily_rate,
        days,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    )


async def test_a_what_if_told_in_pieces_is_calculated_not_met_with_a_menu():
    """ "我借了1万" → "逾期两个月了" → "年化18": the overdue what-if on those numbers."""
    history = [said_before("我借了1万", {"entity": "amount", "value": "10000"})]
    reply = await number("逾期两个月了", [entity("duration", "P2M", text="两个月")], history)
    cost = penalty_of(D("10000"), D("0.0004"), 60)
    assert reply.startswith("把你前面说的合起来算（利率你没说，先按示例利率")
    assert "按本金10,000.00元、年化14.40%（日利率0.040%）、逾期60天估算" in reply
    assert "分期还的借款，罚息只按到期没还的那几期算" in reply and "高于24%" not in reply
    assert f"罚息约{fmt_money(cost.total_penalty)}元" in reply
    history += [
        said_before("逾期两个月了", {"entity": "duration", "value": "P2M"}),
        {"event": "bot", "text": reply},
    ]
    reply = await number("年化18", [entity("annual_rate", "0.18", text="年化18")], history)
    cost = penalty_of(D("10000"), D("0.0005"), 60)
    assert reply.startswith("把你前面说的合起来算：\n按本金10,000.00元、年化18.00%")
    assert "罚息年化27.00%已经高于24%" in reply  # 18 % × 1.5

    assert f"罚息约{fmt_money(cost.total_penalty)}元" in reply


async def test_pieces_without_lateness_or_out_of_reach_get_the_menu():
    history = [said_before("我借了1万", {"entity": "amount", "value": "10000"})]
    # "两个月" after a loan amount may be its term: no lateness said, so the menu
    reply = await number("两个月", [entity("duration", "P2M", text="两个月")], history)
    assert "utter_which_calculation" in reply
    # the amount was said more than three messages ago
    far = history + [said_before("你好"), said_before("在吗")]
    reply = await number("逾期两个月了", [entity("duration", "P2M", text="两个月")], far)
    assert "utter_which_calculation" in reply


async def stopped(text, borrower=None, *entities) -> str:
    from actions.fallbacks import ActionFormStopped

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "deny", entities=entities, borrower=borrower)
    assert await ActionFormStopped().run(dispatcher, tracker, {}) == []
    return texts(dispatcher) + str([m.get("response") for m in dispatcher.messages])


async def test_a_form_stopped_with_a_question_after_the_stop_gets_its_answer(ledger):
    loan = expected.two_months()
    reply = await stopped("不申请了 我问下会罚多少", "demo-two-months")
    assert "utter_form_stopped" in reply
    assert f"罚息目前{fmt_money(loan.penalty)}元" in reply
    # a plain stop: only the stop
    reply = await stopped("算了", "demo-two-months")
    assert "utter_form_stopped" in reply and "罚息" not in reply
    # not linked: the stop, no figures
    reply = await stopped("不申请了 我问下会罚多少")
    assert "utter_form_stopped" in reply and "罚息目前" not in reply


async def test_the_same_question_for_another_product_or_rate(ledger):
    history = [
        {
            "event": "user",
            "text": "先把花呗还清要多少钱",
            "parse_data": {"intent": {"name": "check_loan_status"}, "entities": []},
        },
        {"event": "bot", "text": "今天一次把花呗全部还清的话：……"},
    ]
    reply = await number(
        "那信用卡呢", [entity("loan_product", "信用卡", text="信用卡")], history, MULTI_DEBT
    )
    assert reply.startswith("今天一次把信用卡全部还清的话：剩余本金")
    history = [
        {
            "event": "user",
            "text": "月费率0.5%分12期 年化多少",
            "parse_data": {
                "intent": {"name": "faq"},
                "response_selector": {
                    "faq": {"response": {"intent_response_key": "faq/interest_rate"}}
                },
            },
        },
        {"event": "bot", "text": "按你说的月费率0.5%：……"},
    ]
    reply = await number("那日息万五呢", [entity("daily_rate", "0.0005", text="万五")], history)
    assert reply.startswith("按你说的日利率0.05%：年化 = 0.05% × 360 = 18.00%")


async def test_a_bare_value_written_in_english_gets_the_chinese_only_note(ledger):
    # "can I pay 2000 first?" from a borrower with an overdue loan: neither a Chinese menu nor a
    # Chinese partial-repayment answer, but the note that the bot speaks Chinese
    reply = await number(
        "I paid 1000 yesterday but it still shows overdue",
        [entity("amount", "1000", text="1000")],
        borrower=UP_TO_DATE,
    )
    assert reply == ENGLISH_ZH
    assert "utter_which_calculation" not in reply


async def test_an_unclear_message_written_in_english_gets_the_chinese_only_note():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("please explain the fees to me", "nlu_fallback")
    await ActionUnclearMessage().run(dispatcher, tracker, {})
    assert texts(dispatcher) == ENGLISH_ZH


async def test_an_unclear_chinese_message_still_gets_the_rephrase_request():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("嗯嗯那个东西", "nlu_fallback")
    await ActionUnclearMessage().run(dispatcher, tracker, {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_default"]


async def test_a_lateness_with_no_amount_is_worked_out_on_the_named_loan(ledger):
    """ "信用卡晚了一天" from the borrower with several loans, none overdue: that day on the
    card's next installment, not the menu (and not the 花呗 installment)."""
    reply = await number(
        "信用卡晚了一天",
        [entity("loan_product", "信用卡", text="信用卡"), entity("duration", "P1D", text="一天")],
        borrower=MULTI_DEBT,
    )
    assert reply.startswith("按你信用卡下一期应还的") and "晚还1天" in reply
    assert "花呗" not in reply and "utter_which_calculation" not in reply
    # no late word ("信用卡一天"), or no account: still the menu
    reply = await number(
        "信用卡一天",
        [entity("loan_product", "信用卡", text="信用卡"), entity("duration", "P1D", text="一天")],
        borrower=MULTI_DEBT,
    )
    assert "utter_which_calculation" in reply
    reply = await number("信用卡晚了一天", [entity("duration", "P1D", text="一天")])
    assert "utter_which_calculation" in reply


async def test_another_product_named_right_after_the_status_gets_that_loans_status(ledger):
    """ "我欠多少" → "那花呗呢": the 花呗 loan's status (was: please rephrase)."""
    history = [
        {
            "event": "user",
            "text": "我欠多少",
            "parse_data": {"intent": {"name": "check_loan_status"}, "entities": []},
        },
        {"event": "action", "name": "action_check_loan_status"},
        {"event": "bot", "text": "陈静，你好。你名下有3笔借款：……"},
        {"event": "action", "name": "action_listen"},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "那花呗呢",
        "nlu_fallback",
        entities=[entity("loan_product", "花呗", text="花呗")],
        history=history,
        borrower=MULTI_DEBT,
    )
    await ActionUnclearMessage().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert "你的花呗：" in reply and "【花呗】剩余本金" in reply and "【借呗】" not in reply
