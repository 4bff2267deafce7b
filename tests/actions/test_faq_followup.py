"""action_answer_faq and action_faq_followup: the topic's answer (not twice in a row), then the
user's own figures after a general answer about being overdue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import (
    LATE_WHAT_IF_TAIL,
    SAME_TOPIC_ZH,
    ActionAnswerFaq,
    ActionFaqFollowup,
    asked_again,
)
from bot.finance.money import fmt_money
from bot.finance.schedule import amortization_schedule
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    ONE_YUAN,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    texts,
)


async def followup(borrower, topic, text="借呗两个月没还会怎样") -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        "faq",
        entities=[  # the ones the message has
            item
            for item, surface in (
                (entity("loan_product", "借呗", text="借呗"), "借呗"),
                (entity("duration", "P2M", text="两个月"), "两个月"),
            )
            if surface in text
        ],
        borrower=borrower,
        response_key=topic,
    )
    assert await ActionFaqFollowup().run(dispatcher, tracker, {}) == []
    return texts(dispatcher)


async def test_two_months_overdue_asking_what_happens_gets_their_penalty_and_report_status(ledger):
    """Acceptance: "借呗两个月没还会怎样" from the borrower who is 61 days overdue."""
    loan = expected.two_months()
    reply = await followup(TWO_MONTHS, "overdue_consequences")
    assert f"借呗已逾期{loan.overdue_days}天" in reply
    assert f"罚息目前{fmt_money(loan.penalty)}元" in reply
    assert f"合计{fmt_money(loan.overdue_total)}元" in reply
    assert "征信还款状态按“3”（逾期61-90天）记" in reply
    # one next step of the policy timeline, in one sentence, marked as an example; no lender jargon
    step = next(line for line in reply.splitlines() if line.startswith("接下来："))
    assert (
        step.startswith("接下来：逾期第91天起，") and step.count("。") == 1 and "示例配置" in step
    )
    assert "次级" not in reply and "不良" not in reply
    assert "申请延期" in reply


async def test_one_yuan_short_asking_about_small_amounts(ledger):
    reply = await followup(ONE_YUAN, "small_amount_overdue", "差一块钱没还会上征信吗")
    assert "已逾期4天" in reply and "今天补上" in reply and "1.00元" in reply
    assert "每多一天" not in reply  # less than a fen a day is not worth a figure


async def test_borrower_who_is_not_overdue_is_reassured(ledger):
    loan = expected.up_to_date()
    reply = await followup(UP_TO_DATE, "overdue_consequences")
    assert "目前没有逾期" in reply and f"12月13日应还{fmt_money(loan.next_installment)}元" in reply


async def test_a_question_about_abusive_collectors_gets_no_figures_appended(ledger):
    """Someone asking what collectors may do is not reminded what they owe."""
    assert await followup(TWO_MONTHS, "collection_conduct", "催收天天打电话骂人怎么办") == ""


async def test_other_topics_add_no_overdue_figures(ledger):
    # a rate question gets the borrower's own rates, not what they owe
    reply = await followup(TWO_MONTHS, "interest_rate", "日利率和年化利率有什么区别")
    assert reply == (
        "对照你的借款：借呗年化18.00%（日利率0.050%）。借呗逾期的部分按罚息年化27.00%计，"
        "已高于年化24%：利息、罚息等合计超过24%的部分，可以请求法院调减。"
    )
    assert await followup(UP_TO_DATE, "penalty_interest", "罚息怎么算") == ""


async def test_unlinked_or_ledger_down_add_nothing(ledger):
    # nothing of an account; only what the two months named mean by the rules
    assert await followup(None, "overdue_consequences") == LATE_60_DAYS
    assert await followup(None, "overdue_consequences", "借呗没还会怎样") == ""


async def test_ledger_down_adds_nothing(ledger_down):
    assert await followup(TWO_MONTHS, "overdue_consequences") == LATE_60_DAYS


LATE_60_DAYS = (
    "你说的晚60天：过了宽限期，罚息从逾期第1天算起（宽限期那几天也补算）；也超过了3天，可能被报送"
    "征信，还款状态记“2”（逾期31-60天）（示例配置，以借款合同为准）。"
)


async def rate_followup(text, entities, borrower=None) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text, "faq", entities=entities, borrower=borrower, response_key="interest_rate"
    )
    assert await ActionFaqFollowup().run(dispatcher, tracker, {}) == []
    return texts(dispatcher)


async def test_a_daily_rate_the_user_names_is_converted_not_the_worked_example(ledger):
    rate = entity("daily_rate", "0.0005", text="日息万五")
    reply = await rate_followup("日息万五 年化多少", [rate])
    assert reply == "按你说的日利率0.05%：年化 = 0.05% × 360 = 18.00%。"


async def test_an_annual_rate_the_user_names_gets_its_daily_rate(ledger):
    exact = await rate_followup("年化18%日利率多少", [entity("annual_rate", "0.18", text="年化18")])
    assert exact == "按你说的年化18%：日利率 = 18% ÷ 360 = 0.050%。"
    rounded = await rate_followup("年化15%日息多少", [entity("annual_rate", "0.15", text="年化15")])
    assert rounded == "按你说的年化15%：日利率 = 15% ÷ 360 ≈ 0.0417%。"


async def test_a_rate_above_24_percent_a_year_mentions_the_court_reduction(ledger):
    reply = await rate_followup(
        "日利率0.1%高不高", [entity("daily_rate", "0.001", text="日利率0.1%")], TWO_MONTHS
    )
    assert "年化 = 0.1% × 360 = 36.00%" in reply and "请求法院调减" in reply
    # the borrower's own loan figures are not appended to a rate question
    assert "逾期" not in reply


async def test_a_rate_question_without_a_rate_adds_nothing(ledger):
    assert await rate_followup("利率咋这么高", []) == ""


async def test_a_rate_question_from_a_borrower_gets_their_own_rates(ledger):
    reply = await rate_followup("利率多少", [], MULTI_DEBT)
    assert reply.startswith("对照你的借款：")
    for loan in expected.multi_debt():
        assert f"{loan.product}年化{loan.annual_rate * 100:.2f}%" in reply
    dearest = max(expected.multi_debt(), key=lambda loan: loan.annual_rate)
    assert f"利率最高的是{dearest.product}" in reply


def _flat_fee_irr_apr(monthly_fee: float, periods: int) -> float:
    """Independent of bot.finance: bisection on the monthly IRR of 10,000 received and
    principal/n + 10,000 x fee paid each month."""
    payment = 10000 / periods + 10000 * monthly_fee

    def npv(rate):
        return -10000 + sum(payment / (1 + rate) ** k for k in range(1, periods + 1))

    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if npv(mid) > 0 else (low, mid)
    return low * 12


async def test_a_monthly_fee_rate_gets_its_true_annual_rate(ledger):
    reply = await rate_followup("月费率0.5%是多少年化", [])
    apr = _flat_fee_irr_apr(0.005, 12)
    assert reply.startswith("按你说的月费率0.5%：看着像年化6.00%（0.5% × 12）")
    assert f"分12期算，真实年化（IRR）约{apr * 100:.2f}%" in reply
    assert 10.5 < apr * 100 < 11.5


async def test_a_monthly_interest_rate_is_times_twelve(ledger):
    reply = await rate_followup("月利率1%算高吗", [])
    assert reply == "按你说的月利率1%：年化 = 1% × 12 = 12.00%（按剩余本金计息时）。"
    assert await rate_followup("日息0是啥意思", [entity("daily_rate", "0", text="日息0")]) == ""


async def notes_after(topic, text, borrower=None) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "faq", borrower=borrower, response_key=topic)
    assert await ActionFaqFollowup().run(dispatcher, tracker, {}) == []
    return texts(dispatcher)


async def test_a_sub_question_the_topic_leaves_out_gets_its_note_first(ledger):
    reply = await notes_after("grace_period", "花呗只还最低还款算逾期吗")
    assert reply.startswith("关于最低还款：") and "不算逾期" in reply
    reply = await notes_after("lawsuit_risk", "说要上门 是真的吗")
    assert reply.startswith("关于上门：") and "至少两人" in reply
    # the note comes before the borrower's own figures
    reply = await notes_after(
        "overdue_consequences", "借呗逾期会打电话给家里人吗 还有会上征信吗", TWO_MONTHS
    )
    assert reply.startswith("关于家人朋友：") and "结合你的账户看" in reply
    assert reply.index("关于家人朋友") < reply.index("结合你的账户看")


async def test_no_note_without_its_question_or_after_another_topic(ledger):
    assert await notes_after("overdue_consequences", "老婆住院了借呗逾期会怎样") == ""
    # collection_conduct already answers who collectors may call
    assert await notes_after("collection_conduct", "催收打给我爸妈合法吗") == ""
    assert await notes_after("early_repayment", "想早点还完 会多扣钱不") == ""


async def test_an_unreadable_notes_file_only_drops_the_notes(ledger, monkeypatch, tmp_path):
    from bot.policy.faq_notes import clear_faq_notes_cache

    bad = tmp_path / "notes.yml"
    bad.write_text("version: 2\n", encoding="utf-8")
    monkeypatch.setenv("FAQ_NOTES_FILE", str(bad))
    clear_faq_notes_cache()
    try:
        assert await notes_after("grace_period", "只还最低还款算逾期吗") == ""
    finally:
        monkeypatch.delenv("FAQ_NOTES_FILE")
        clear_faq_notes_cache()


async def test_asked_how_much_clearing_everything_early_takes_a_linked_borrower_gets_it(ledger):
    reply = await notes_after("early_repayment", "我想提前全部还掉 要多少钱", UP_TO_DATE)
    assert reply.startswith("今天一次全部还清的话：剩余本金")
    assert await notes_after("early_repayment", "我想提前全部还掉 要多少钱") == ""  # unlinked
    assert await notes_after("early_repayment", "提前还款有手续费吗", UP_TO_DATE) == ""


# --- action_answer_faq: the topic's answer, not twice in a row ---------------------------------
def asked(text: str, topic: str) -> dict:
    """An earlier user message with its FAQ topic, as it sits in the tracker."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": "faq"},
            "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}},
        },
    }


ANSWERED = [
    {"event": "action", "name": "action_answer_faq"},
    {"event": "bot", "text": "借钱还不上，属于民事上的欠款纠纷……"},
    {"event": "action", "name": "action_faq_followup"},
    {"event": "action", "name": "action_listen"},
]


async def answer_faq(text, topic, history=(), borrower=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "faq", response_key=topic, history=history, borrower=borrower)
    assert await ActionAnswerFaq().run(dispatcher, tracker, {}) == []
    return dispatcher.messages, tracker


async def test_the_topics_answer_is_its_response():
    messages, tracker = await answer_faq("借呗逾期会被起诉吗", "lawsuit_risk")
    assert [m.get("response") for m in messages] == ["utter_faq/lawsuit_risk"]
    assert not asked_again(tracker, "lawsuit_risk")


async def test_asked_again_in_the_same_topic_the_long_answer_is_not_repeated():
    history = [asked("借呗逾期会被起诉吗", "lawsuit_risk"), *ANSWERED]
    messages, tracker = await answer_faq("那要赔多少", "lawsuit_risk", history)
    assert asked_again(tracker, "lawsuit_risk")
    assert [m.get("text") for m in messages] == [SAME_TOPIC_ZH]
    # another topic, or the same topic after something else happened: the full answer
    messages, _ = await answer_faq("会上征信吗", "credit_report_overdue", history)
    assert messages[0].get("response") == "utter_faq/credit_report_overdue"
    other = [
        asked("借呗逾期会被起诉吗", "lawsuit_risk"),
        *ANSWERED,
        {"event": "user", "text": "查一下我的借款", "parse_data": {"intent": {"name": "x"}}},
        {"event": "action", "name": "action_check_loan_status"},
        {"event": "action", "name": "action_listen"},
    ]
    messages, _ = await answer_faq("会被起诉吗", "lawsuit_risk", other)
    assert messages[0].get("response") == "utter_faq/lawsuit_risk"


async def test_asked_again_with_a_note_for_the_point_only_the_note_comes(ledger):
    """ "会坐牢吗" right after the lawsuit answer: the note, no second copy of the answer, and
    not the borrower's figures again."""
    history = [asked("借呗逾期会被起诉吗", "lawsuit_risk"), *ANSWERED]
    messages, _ = await answer_faq("那会坐牢吗", "lawsuit_risk", history, borrower=TWO_MONTHS)
    assert messages == []
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "那会坐牢吗", "faq", response_key="lawsuit_risk", history=history, borrower=TWO_MONTHS
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert "坐牢" in reply and "已逾期" not in reply


async def test_a_borrower_who_is_not_overdue_asking_about_lateness_gets_it_on_their_installment(
    ledger,
):
    """ "我要是晚还10天会怎样" from the borrower due 899.75 on 12-13: the facts' example, 5.40;
    a day instead ("拖到下个月底", 12-31) counts from the due date: 18 days."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "我要是晚还10天会怎样",
        "faq",
        entities=[entity("duration", "P10D", text="10天")],
        response_key="overdue_consequences",
        borrower=UP_TO_DATE,
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    reply = texts(dispatcher)
    assert "目前没有逾期" in reply
    assert "按你借呗下一期应还的899.75元算，晚还10天：罚息约5.40元" in reply
    assert "还款状态记“1”" in reply
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "要是拖到下个月底再还会怎样", "faq", response_key="grace_period", borrower=UP_TO_DATE
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert "晚还18天：罚息约" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "晚还两天会怎样",
        "faq",
        entities=[entity("duration", "P2D", text="两天")],
        response_key="grace_period",
        borrower=UP_TO_DATE,
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert "晚还2天还在宽限期内" in texts(dispatcher)


async def test_when_to_repay_after_the_how_to_answer_gives_the_borrowers_due_days(ledger):
    loan = expected.up_to_date()
    reply = await followup(UP_TO_DATE, "how_to_repay", "哪天还款")
    assert f"下一期12月13日（20天后）应还{fmt_money(loan.next_installment)}元" in reply
    # how to repay, without a question of when: nothing added
    assert await followup(UP_TO_DATE, "how_to_repay", "支付宝怎么还") == ""


async def test_a_frightened_borrower_hears_a_calm_word_before_the_answer():
    messages, _ = await answer_faq("催收说明天就起诉我 还要抓我 我好怕", "lawsuit_risk")
    assert (
        messages[0]["text"].startswith("先别怕") and "不是对方说什么就是什么" in messages[0]["text"]
    )
    assert messages[1].get("response") == "utter_faq/lawsuit_risk"
    plain, _ = await answer_faq("逾期会被起诉吗", "lawsuit_risk")
    assert [m.get("response") for m in plain] == ["utter_faq/lawsuit_risk"]


async def test_interest_left_asked_as_a_rate_question_gets_the_borrowers_figure(ledger):
    reply = await followup(UP_TO_DATE, "interest_rate", "利息还要多少")
    rows = amortization_schedule(Decimal("10000"), Decimal("0.144"), 12).rows
    left = sum((row.interest for row in rows[3:]), Decimal("0.00"))  # three paid
    assert reply.startswith("【借呗】") and f"还要付利息{fmt_money(left)}元" in reply


async def test_a_rate_asked_for_a_judgement_gets_the_24_percent_line(ledger):
    reply = await rate_followup("年化14.4算高吗", [entity("annual_rate", "0.144", text="年化14.4")])
    assert reply.startswith("按你说的年化14.4%：日利率 = 14.4% ÷ 360 = 0.040%。")
    assert "没超过年化24%" in reply


async def test_repaid_then_fine_from_someone_still_overdue_gets_where_they_stand(ledger):
    reply = await followup(ONE_YUAN, "after_overdue_repaid", "还清了是不是就没事了")
    assert reply.startswith("结合你的账户看：借呗已逾期4天") and "今天补上就能止损" in reply


async def ledger_loans(borrower, day):
    from bot.loans import client as client_module

    overview = await client_module.get_client().get_loans(borrower, as_of=day)
    return overview.loans[0]


async def test_lateness_past_the_following_due_date_counts_both_installments(ledger):
    """张明, next 899.75 due 12-13 (TODAY 11-23): two months (60 days) late is 02-11, when the
    installment due 01-13 is overdue too: the ledger's projection of both."""
    reply = await followup(UP_TO_DATE, "overdue_consequences", "我要是晚还两个月会咋样")
    later = await ledger_loans(UP_TO_DATE, date(2027, 2, 11))
    assert later.periods_overdue == 2
    assert "到那时下一期也过了还款日" in reply
    owed = later.overdue_principal + later.overdue_interest
    assert f"逾期本息{fmt_money(owed)}元" in reply
    assert f"罚息约{fmt_money(later.penalty_accrued + later.penalty_provisional)}元" in reply


async def test_lateness_for_a_borrower_with_several_loans_covers_each_installment(ledger):
    reply = await followup(MULTI_DEBT, "overdue_consequences", "我要是晚还两个月会咋样")
    for loan in expected.multi_debt():
        assert f"按你{loan.product}下一期应还的{fmt_money(loan.next_installment)}元算" in reply
    assert reply.count("晚还60天") == 3 and reply.endswith(LATE_WHAT_IF_TAIL)


async def test_the_account_figures_are_not_repeated_right_after_they_were_shown(ledger):
    first = await notes_after("overdue_consequences", "逾期了会怎样", TWO_MONTHS)
    assert "结合你的账户看：" in first
    history = [
        {"event": "user", "text": "逾期了会怎样", "parse_data": {"intent": {"name": "faq"}}},
        {"event": "bot", "text": first},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "会被起诉吗", "faq", borrower=TWO_MONTHS, response_key="lawsuit_risk", history=history
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert "结合你的账户看：" not in texts(dispatcher)
    # a turn later they come back
    history += [
        {"event": "user", "text": "好的", "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "bot", "text": "还有别的想问的吗？"},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "会被起诉吗", "faq", borrower=TWO_MONTHS, response_key="lawsuit_risk", history=history
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert "结合你的账户看：" in texts(dispatcher)


async def test_an_overdue_borrower_asking_about_the_credit_report_gets_their_status(ledger):
    """ "我上征信了没" read as the normal-borrowing topic: their overdue status all the same."""
    reply = await notes_after("credit_report_usage", "我上征信了没", TWO_MONTHS)
    assert reply.startswith("结合你的账户看：借呗已逾期61天") and "征信还款状态按“3”" in reply
    reply = await notes_after("credit_report_usage", "我上征信了没", UP_TO_DATE)
    assert reply.startswith("对照你的账户：目前没有逾期")


async def test_what_settling_early_saves_from_the_borrowers_schedule(ledger):
    """Up to date, period 4 due 12-13: the interest of periods 4-12 against 10 days' interest."""
    rows = expected._rows("10000", "0.144", 12)
    left = sum((r.interest for r in rows[3:]), Decimal("0"))
    current = expected.up_to_date()
    accrued = (current.outstanding * current.daily_rate * 10).quantize(Decimal("0.01"))
    reply = await notes_after("early_repayment", "提前还款能省多少利息", UP_TO_DATE)
    assert reply.startswith("按你的借款算，今天一次全部结清能省的利息：")
    assert (
        f"· 借呗：按计划还要付利息{fmt_money(left)}元，今天结清只付{fmt_money(accrued)}元"
        f"（逾期的利息和本期到今天的利息），约省{fmt_money(left - accrued)}元" in reply
    )
    assert await notes_after("early_repayment", "提前还款能省多少利息") == ""  # unlinked


# --- "我上征信了没": the borrower's own standing instead of the topic's rules ----------------
async def test_asking_whether_they_are_on_the_report_an_overdue_borrower_gets_only_their_status(
    ledger,
):
    loan = expected.two_months()
    for topic in ("credit_report_usage", "credit_report_overdue", "penalty_interest"):
        messages, _ = await answer_faq("我上征信了没", topic, borrower=TWO_MONTHS)
        assert messages == [], topic  # no general answer about normal borrowing or mortgages
        reply = await followup(TWO_MONTHS, topic, "我上征信了没")
        assert reply.startswith(f"结合你的账户看：借呗已逾期{loan.overdue_days}天"), topic
        assert "征信还款状态按“3”（逾期61-90天）记" in reply


async def test_asking_whether_they_are_overdue_an_on_time_borrower_hears_they_are_not(ledger):
    messages, _ = await answer_faq("我上征信了吗", "credit_report_usage", borrower=UP_TO_DATE)
    assert messages == []
    reply = await followup(UP_TO_DATE, "credit_report_usage", "我上征信了吗")
    assert reply.startswith("对照你的账户：目前没有逾期")
    assert "显示“N”（正常），不是负面记录" in reply
    reply = await followup(UP_TO_DATE, "overdue_consequences", "我现在算逾期吗")
    assert "目前没有逾期" in reply and "“N”" not in reply


async def test_own_status_asked_right_after_the_figures_is_answered_again(ledger):
    history = [asked("借呗逾期会怎样", "overdue_consequences"), *ANSWERED]
    history[2] = {"event": "bot", "text": "结合你的账户看：借呗已逾期61天……"}
    history.insert(3, {"event": "bot", "text": history[2]["text"]})
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "我上征信了没",
        "faq",
        response_key="overdue_consequences",
        history=history,
        borrower=TWO_MONTHS,
    )
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert texts(dispatcher).startswith("结合你的账户看：借呗已逾期")


async def test_own_status_wording_from_an_unlinked_user_or_a_rules_question_gets_the_answer(
    ledger,
):
    messages, _ = await answer_faq("我上征信了没", "credit_report_usage")
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_usage"]
    messages, _ = await answer_faq(
        "我逾期三天会上征信吗", "credit_report_overdue", borrower=TWO_MONTHS
    )
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_overdue"]


async def test_a_bare_report_question_after_speaking_of_lateness_is_about_lateness():
    """ "借呗晚还一天" → "上征信吗" read as credit_report_usage (how normal borrowing shows):
    the answer is whether lateness is reported."""
    late = [
        {"event": "user", "text": "借呗晚还一天", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "action_number_out_of_context"},
        {"event": "bot", "text": "……"},
        {"event": "action", "name": "action_listen"},
    ]
    messages, _ = await answer_faq("上征信吗", "credit_report_usage", late)
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_overdue"]
    messages, _ = await answer_faq("逾期了上征信不", "credit_report_usage")
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_overdue"]
    # with no lateness said, or a question about normal borrowing: the topic as read
    messages, _ = await answer_faq("上征信吗", "credit_report_usage")
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_usage"]
    messages, _ = await answer_faq("那办房贷能看到吗", "credit_report_usage", late)
    assert [m.get("response") for m in messages] == ["utter_faq/credit_report_usage"]


async def test_the_report_question_read_as_lateness_counts_when_asked_again():
    """ "上征信不" after speaking of lateness was answered as credit_report_overdue; "明天还会上
    征信吗" right after, read as credit_report_overdue, is the same topic asked again (the review
    saw the whole answer twice)."""
    history = [
        {"event": "user", "text": "就一块钱也算逾期?", "parse_data": {"intent": {"name": "faq"}}},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "bot", "text": "金额再小……"},
        {"event": "action", "name": "action_listen"},
        asked("上征信不", "credit_report_usage"),
        *ANSWERED,
    ]
    messages, tracker = await answer_faq("明天还会上征信吗", "credit_report_overdue", history)
    assert asked_again(tracker, "credit_report_overdue")
    assert [m.get("text") for m in messages] == [SAME_TOPIC_ZH]


async def test_a_lateness_named_with_a_report_question_gets_a_line_on_those_days(ledger):
    """ "借呗晚还一天会上征信吗", or "上征信吗" right after "借呗晚还一天", from a user with no
    account: what those days mean (the review saw the general answer, then "see above")."""

    async def late_followup(borrower, text, days):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text,
            "faq",
            entities=[entity("duration", f"P{days}D", text=f"{days}天")],
            borrower=borrower,
            response_key="credit_report_overdue",
        )
        await ActionFaqFollowup().run(dispatcher, tracker, {})
        return texts(dispatcher)

    reply = await late_followup(None, "借呗晚还1天会上征信吗", 1)
    assert reply.startswith("你说的晚1天，还在宽限期（3天）内：期内还清不收罚息。")
    assert "不会因为这次晚还被报送" in reply
    history = [
        {
            "event": "user",
            "text": "借呗晚还一天",
            "parse_data": {
                "intent": {"name": "faq"},
                "entities": [{"entity": "duration", "value": "P1D"}],
                "response_selector": {
                    "faq": {"response": {"intent_response_key": "faq/credit_report_overdue"}}
                },
            },
        },
        *ANSWERED,
    ]
    messages, _ = await answer_faq("上征信吗", "credit_report_overdue", history)
    assert messages == []  # not "see above"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("上征信吗", "faq", response_key="credit_report_overdue", history=history)
    await ActionFaqFollowup().run(dispatcher, tracker, {})
    assert texts(dispatcher).startswith("你说的晚1天，还在宽限期")
    # past the grace days, past the reporting day
    reply = await late_followup(None, "晚还10天会上征信吗", 10)
    assert reply.startswith("你说的晚10天：过了宽限期，罚息从逾期第1天算起（宽限期那几天也补算）")
    assert "可能被报送征信，还款状态记“1”" in reply
    # a borrower whose own loan answers it (the one-line what-if) gets no second line
    reply = await late_followup(UP_TO_DATE, "晚还1天会上征信吗", 1)
    assert "你说的晚1天" not in reply and "晚还1天" in reply
