"""Relief requests: start, validation, confirmation, idempotent filing through the ledger API."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.loan_facts import what_if_cost
from actions.relief import (
    ActionAskReliefReason,
    ActionConfirmReliefRequest,
    ActionDeclineReliefRequest,
    ActionStartRepaymentRelief,
    ActionSubmitReliefRequest,
    ValidateReliefForm,
    relief_kind,
)
from bot.finance.money import fmt_money
from bot.loans.client import ServiceUnavailable
from bot.policy import load_policy
from bot.policy.wording import penalty_schedule
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    ONE_YUAN,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    slot_values,
    slots_after,
    texts,
)

FILLED = {
    "relief_reason": "公司裁员了，还在找工作",
    "relief_affordable": "1000",
    "relief_kind": "extension",
    "relief_loan_id": "demo-two-months-jiebei",
}


def test_kind_from_the_words():
    assert relief_kind("这个月实在还不上能延期吗") == "extension"
    assert relief_kind("我现在还不起了，能分期吗") == "installment"
    assert relief_kind("罚息能不能免") == "restructuring"
    assert relief_kind("到期还不上怎么办") == "other"


async def start(text, borrower, **kwargs):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "request_repayment_relief", borrower=borrower, **kwargs)
    events = await ActionStartRepaymentRelief().run(dispatcher, tracker, {})
    slots = slot_values(events)
    if slots.get("account_status") == "linked":
        slots = slots_after(
            tracker,
            events,
            (
                "account_status",
                "relief_kind",
                "relief_loan_id",
                "relief_key",
                "relief_reason",
                "relief_affordable",
            ),
        )
    return slots, texts(dispatcher)


async def test_start_for_a_linked_overdue_borrower(ledger):
    slots, said = await start(
        "这个月实在还不上能延期吗",
        TWO_MONTHS,
        slots={"relief_reason": "上次的原因", "relief_key": "bot-old"},
    )
    assert slots == {
        "account_status": "linked",
        "relief_kind": "extension",
        "relief_loan_id": "demo-two-months-jiebei",
        "relief_key": None,
        "relief_reason": None,
        "relief_affordable": None,
    }
    assert said == ""


async def test_start_keeps_a_reason_and_an_amount_given_with_the_request(ledger):
    text = "失业了，每月只能还500，能分期吗"
    slots, _ = await start(text, MULTI_DEBT, entities=[entity("amount", "500", text="500")])
    assert slots["relief_reason"] == text and slots["relief_affordable"] == "500"
    assert (
        slots["relief_kind"] == "installment" and slots["relief_loan_id"] is None
    )  # several loans, none overdue


async def test_start_for_unlinked_and_ledger_down(ledger):
    slots, said = await start("能申请延期还款吗", None)
    assert slots == {"account_status": "unlinked"} and "绑定" in said
    # what can be done now first, then how to link; no loop back to "说…能延期吗"
    assert said.startswith("还不上可以和贷款机构协商") and "别给任何中介交钱" in said
    assert said.index("协商是免费的") < said.index("绑定")


async def test_start_while_the_ledger_is_down(ledger_down):
    slots, said = await start("能申请延期还款吗", TWO_MONTHS)
    assert slots == {"account_status": "unavailable"} and "暂时查不到" in said
    assert "协商是免费的" not in said and "绑定后" not in said


async def validate(domain, text, requested, intent="inform", entities=(), slots=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        intent,
        entities=entities,
        requested_slot=requested,
        active_loop="relief_form",
        slots=slots,
    )
    for item in entities:
        if requested == "relief_affordable":
            tracker.events.append(
                {"event": "slot", "name": "relief_affordable", "value": item["value"]}
            )
            tracker.slots["relief_affordable"] = item["value"]
    return slot_values(await ValidateReliefForm().run(dispatcher, tracker, domain)), texts(
        dispatcher
    )


@pytest.mark.parametrize(
    "text, intent, value, reply",
    [
        ("公司裁员了，还在找工作", "inform", "公司裁员了，还在找工作", ""),
        ("家里老人住院", "request_repayment_relief", "家里老人住院", ""),
        ("嗯", "inform", None, "原因说一两句话就行"),
        ("好 继续吧", "affirm", None, "原因说一两句话就行"),  # a go-ahead after a detour
        ("5000", "inform", None, "原因说一两句话就行"),
        # a question about the request, not the reason: answered where a note can, then re-asked
        ("申请编号是多少", "inform", None, "申请还没提交"),
        ("我想问下这个要多久才有结果", "inform", None, "多久有结果"),
        ("工资没发 多久能还上也不知道", "inform", "工资没发 多久能还上也不知道", ""),
        # a question to the lender is no reason; a situation with a question in it is one
        ("那利息能少点吗", "request_repayment_relief", None, "是贷款方审核申请时定的"),
        ("会不会上征信啊", "inform", None, "说说遇到了什么情况"),
        ("最近手头紧 能不能晚点还", "inform", "最近手头紧 能不能晚点还", ""),
        # a "no" about money is the reason, a bare "没有" is asked again, not a stop
        ("一分都没有", "deny", "一分都没有", ""),
        ("没钱", "deny", "没钱", ""),
        ("没有", "deny", None, "不方便细说也没关系"),
        ("没有", "inform", None, "不方便细说也没关系"),
    ],
)
async def test_reason_validation(domain, text, intent, value, reply):
    slots, said = await validate(domain, text, "relief_reason", intent=intent)
    assert slots["relief_reason"] == value
    assert reply in said


async def test_a_partial_repayment_asked_for_the_reason_is_answered_not_filed(domain):
    slots, said = await validate(
        domain, "还了3千后一天罚多少", "relief_reason", entities=[entity("amount", "3000", "3千")]
    )
    assert slots["relief_reason"] is None
    assert said.startswith("可以先还一部分") and "说说遇到了什么情况" in said


async def test_an_faq_or_distress_is_never_taken_as_the_reason(domain):
    for intent in ("faq", "express_distress", "deny", "human_handoff"):
        slots, said = await validate(domain, "停息挂账靠谱吗", "relief_reason", intent=intent)
        assert slots == {} and said == ""
    for text in ("不用了", "算了", "不申请了"):  # a stop stays a stop (the rules end the form)
        slots, said = await validate(domain, text, "relief_reason", intent="deny")
        assert slots == {} and said == "", text


def reason_turn(text: str, product: str):
    """A multi-debt borrower's answer to the reason question that names ``product``."""
    return make_tracker(
        text,
        "inform",
        entities=[entity("loan_product", product, text=product)],
        requested_slot="relief_reason",
        active_loop="relief_form",
        borrower=MULTI_DEBT,
    )


async def test_naming_one_loan_while_the_reason_is_asked_picks_that_loan(domain, ledger):
    """Several loans, none overdue: "借呗那笔" says which loan, and is not the reason."""
    dispatcher = CollectingDispatcher()
    events = await ValidateReliefForm().run(dispatcher, reason_turn("借呗那笔", "借呗"), domain)
    assert slot_values(events) == {"relief_loan_id": "demo-multi-debt-jiebei"}
    assert "只申请借呗这一笔" in texts(dispatcher)
    # with a reason in the same message, both
    tracker = reason_turn("借呗那笔 公司裁员了", "借呗")
    events = await ValidateReliefForm().run(CollectingDispatcher(), tracker, domain)
    assert slot_values(events) == {
        "relief_loan_id": "demo-multi-debt-jiebei",
        "relief_reason": "借呗那笔 公司裁员了",
    }
    # a product the borrower has no loan of changes nothing
    tracker = reason_turn("白条那笔", "白条")
    assert await ValidateReliefForm().run(CollectingDispatcher(), tracker, domain) == []


async def test_the_reason_question_says_the_request_covers_every_loan_until_one_is_named():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "这个月还不上", "request_repayment_relief", slots={"relief_loan_id": None}
    )
    await ActionAskReliefReason().run(dispatcher, tracker, {})
    assert "按你名下全部借款" in texts(dispatcher) and "借呗那笔" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "这个月还不上", "request_repayment_relief", slots={"relief_loan_id": "x"}
    )
    await ActionAskReliefReason().run(dispatcher, tracker, {})
    assert "全部借款" not in texts(dispatcher)


@pytest.mark.parametrize(
    "text, intent, entities, value, reply",
    [
        ("每月能还1000", "inform", [entity("amount", "1000", text="1000")], "1000", ""),
        ("没有", "deny", [], "0", ""),
        ("一分都拿不出来", "inform", [], "0", ""),
        ("-500", "inform", [entity("amount", "500", text="500")], None, "金额不能是负数"),
        ("看情况吧", "inform", [], None, "金额我没认出来"),
    ],
)
async def test_affordable_validation(domain, text, intent, entities, value, reply):
    slots, said = await validate(
        domain,
        text,
        "relief_affordable",
        intent=intent,
        entities=entities,
        slots={"relief_reason": "失业了"},
    )
    assert slots["relief_affordable"] == value
    assert reply in said


async def test_confirmation_summarises_the_request(ledger):
    loan = expected.two_months()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "1000", "inform", borrower=TWO_MONTHS, slots=FILLED, previous_action="relief_form"
    )
    await ActionConfirmReliefRequest().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert (
        f"借呗（已逾期{loan.overdue_days}天，逾期本息和罚息{fmt_money(loan.overdue_total)}元）"
        in message["text"]
    )
    assert "申请：延期还款" in message["text"] and "原因：公司裁员了，还在找工作" in message["text"]
    assert "每月能还：1,000.00元" in message["text"] and "提交吗？" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


async def submit(borrower, message_id="affirm-1", slots=None, as_of=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "确认提交",
        "affirm",
        borrower=borrower,
        as_of=as_of,
        slots=slots or FILLED,
        message_id=message_id,
        previous_action="action_confirm_relief_request",
    )
    events = await ActionSubmitReliefRequest().run(dispatcher, tracker, {})
    return slot_values(events), texts(dispatcher)


async def test_submit_files_once_and_answers_honestly(ledger):
    slots, reply = await submit(TWO_MONTHS)
    assert "已提交" in reply and "申请编号：RR20261123" in reply
    assert "由贷款方决定" in reply and "没法保证结果" in reply and "骗局" in reply
    assert slots == {"relief_key": None, "relief_reason": None, "relief_affordable": None}
    reference = reply.split("申请编号：")[1][:14]
    # the same action retried for the same message replays the first filing
    _, again = await submit(TWO_MONTHS)
    assert "之前已经提交过了" in again and reference in again


async def test_a_new_request_is_told_of_the_one_still_waiting(ledger):
    """A second request for the same loan: the one filed before is still with the lender."""
    _, reply = await submit(TWO_MONTHS)
    reference = re.search(r"RR\d{8}[0-9A-F]{6}", reply).group()
    _, said = await start("还是还不上 能再申请延期吗", TWO_MONTHS)
    assert said.startswith(f"你11月23日已经提交过一份申请（编号{reference}），贷款方还在处理")
    assert "不用重复提交" in said and "算了" in said
    # another borrower, or none filed: nothing said
    _, said = await start("能申请延期吗", MULTI_DEBT)
    assert said == ""


async def test_asking_how_a_waiting_request_stands_starts_no_new_one(ledger):
    _, reply = await submit(TWO_MONTHS)
    reference = re.search(r"RR\d{8}[0-9A-F]{6}", reply).group()
    slots, said = await start("我的延期申请批了没", TWO_MONTHS)
    assert slots == {"account_status": "answered"}
    assert f"（编号{reference}），贷款方还在处理" in said and "我要申请延期" in said
    # right after filing, too (the previous action was the filing)
    slots, said = await start(
        "我的延期申请批了没", TWO_MONTHS, previous_action="action_submit_relief_request"
    )
    assert slots == {"account_status": "answered"} and f"（编号{reference}）" in said


async def test_asking_how_a_request_stands_with_none_waiting_starts_no_new_one(ledger):
    slots, said = await start("申请结果出来了吗", TWO_MONTHS)
    assert slots == {"account_status": "answered"}
    assert said.startswith("我这边没查到你在等结果的延期或分期申请") and "申请延期" in said
    # a question about the process, before applying: the request goes on
    slots, said = await start("申请延期多久有结果", TWO_MONTHS)
    assert slots["account_status"] == "linked"


async def test_asking_how_a_request_stands_with_the_ledger_down(ledger, monkeypatch):
    from actions import relief

    async def unknown(_borrower_id):
        return None

    monkeypatch.setattr(relief, "relief_requests", unknown)
    slots, said = await start("我的申请批下来了吗", TWO_MONTHS)
    assert slots == {"account_status": "answered"} and said.startswith("申请记录暂时查不到")


async def test_a_failed_filing_keeps_its_key_for_the_retry(ledger_down):
    slots, reply = await submit(TWO_MONTHS)
    assert "没提交成功" in reply and "不会重复提交" in reply
    assert slots["relief_key"].startswith("bot-") and len(slots["relief_key"]) <= 128


async def test_a_simulated_day_files_the_request_on_that_day(ledger):
    """The debug shell's /date (development only): the request is filed on the day the
    conversation's figures are for, not the ledger's today, so that "你12月6日已经提交过" and
    the reference agree with what the conversation calls today."""
    _, reply = await submit(TWO_MONTHS, message_id="affirm-dated", as_of="2026-12-06")
    assert "申请编号：RR20261206" in reply
    [filed] = await ledger.list_relief_requests("demo-two-months")
    assert filed.requested_on.isoformat() == "2026-12-06"


async def test_the_retry_after_a_lost_answer_files_only_once(ledger, monkeypatch):
    """The ledger files the request but the answer is lost (timeout): the retry, triggered by a
    new user message, reuses the kept key and gets the first filing back."""
    real_create = ledger.create_relief_request
    filed = []

    async def create_then_lose_the_answer(*args, **kwargs):
        filed.append(await real_create(*args, **kwargs))
        raise ServiceUnavailable(code="timeout")

    monkeypatch.setattr(ledger, "create_relief_request", create_then_lose_the_answer)
    slots, reply = await submit(TWO_MONTHS, message_id="affirm-a")
    assert "没提交成功" in reply and len(filed) == 1
    monkeypatch.setattr(ledger, "create_relief_request", real_create)
    _, reply = await submit(
        TWO_MONTHS, message_id="affirm-b", slots=dict(FILLED, relief_key=slots["relief_key"])
    )
    assert "之前已经提交过了" in reply and filed[0].reference in reply


async def test_submit_for_an_unlinked_user_files_nothing(ledger):
    _, reply = await submit(None)
    assert "绑定" in reply and "申请编号" not in reply


async def test_decline_resets_the_request(ledger_down):
    dispatcher = CollectingDispatcher()
    events = await ActionDeclineReliefRequest().run(
        dispatcher, make_tracker("先不提交", "deny", slots=FILLED), {}
    )
    assert slot_values(events) == {
        "relief_reason": None,
        "relief_affordable": None,
        "relief_key": None,
    }
    assert "没有提交" in texts(dispatcher)


async def test_a_corrected_amount_at_the_confirmation_replaces_the_old_one():
    from actions.relief import ActionCorrectReliefRequest

    async def correct(text, entities):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text, "inform", entities=entities, slots={"relief_affordable": "1000"}
        )
        events = await ActionCorrectReliefRequest().run(dispatcher, tracker, {})
        return slot_values(events), texts(dispatcher)

    slots, said = await correct("等下 说错了 是1500", [entity("amount", "1500", text="1500")])
    assert slots == {"relief_affordable": "1500"} and "改成1,500.00元" in said
    slots, said = await correct(
        "不是1000 是800",
        [entity("amount", "1000", text="1000"), entity("amount", "800", text="800")],
    )
    assert slots == {"relief_affordable": "800"}
    slots, said = await correct("说错了", [])
    assert slots == {} and "没认出来" in said


# --- "15号发工资再还行吗": a day named with the request -----------------------------------------
async def test_a_day_inside_the_grace_days_needs_no_request(ledger):
    """Next installment 899.75 due 12-13 (TODAY 11-23): "15号" is 12-15, 2 days late, inside
    the example policy's grace days and before any report: no form, and why."""
    slots, said = await start("15号发工资再还行吗", UP_TO_DATE)
    assert slots == {"account_status": "answered"}
    assert said.startswith("12月15日还，比这一期的还款日（12月13日）晚2天，还在宽限期内")
    assert "899.75元不收罚息" in said and "不用申请延期" in said


async def test_a_day_before_the_due_date_is_on_time(ledger):
    slots, said = await start("12号发工资了再还可以吗", UP_TO_DATE)
    assert slots == {"account_status": "answered"}
    assert said.startswith("12月12日还没过这一期的还款日（12月13日）") and "不算逾期" in said


async def test_a_day_past_the_grace_days_says_the_cost_and_goes_on_to_the_request(ledger):
    policy = load_policy()
    loan = expected.up_to_date()
    cost = what_if_cost(loan.next_installment, loan.daily_rate, 18, policy)
    slots, said = await start("下个月底才能还，能延期吗", UP_TO_DATE)
    assert slots["account_status"] == "linked" and slots["relief_kind"] == "extension"
    assert said.startswith(
        f"12月31日才还的话，这一期（12月13日到期，{fmt_money(loan.next_installment)}元）"
        f"会逾期18天，罚息约{fmt_money(cost.total_penalty)}元"
    )
    assert said.endswith("确实要晚这么久，可以先申请延期：")


async def test_several_loans_falling_due_before_the_day_are_each_counted(ledger):
    """陈静: every installment due before the 15th is late by then, each with its penalty."""
    overview = await ledger.get_loans(MULTI_DEBT)
    policy = load_policy()
    late = [loan for loan in overview.loans if loan.next_due_date < date(2026, 12, 15)]
    assert len(late) >= 2
    slots, said = await start("15号发工资再还行吗", MULTI_DEBT)
    assert said.startswith(f"12月15日才还的话，你有{len(late)}笔会晚：")
    total = Decimal("0.00")
    for loan in late:
        days = (date(2026, 12, 15) - loan.next_due_date).days
        cost = what_if_cost(loan.next_due_amount, loan.daily_rate, days, policy)
        assert f"晚{days}天" in said
        if days > penalty_schedule(policy).free_days or days > policy.report_after_days:
            total += cost.total_penalty
    assert f"罚息合计约{fmt_money(total)}元" in said
    assert slots["account_status"] == "linked"


async def test_an_overdue_borrower_naming_a_day_hears_what_waiting_costs_then_the_request(ledger):
    """61 days overdue on 11-23; "15号" is 12-15: by then the installment due 11-23 is overdue
    too, and every one has more penalty (rebuilt independently in demo_figures)."""
    now = expected.two_months()
    then = expected.two_months(date(2026, 12, 15))
    slots, said = await start("15号发工资再还行吗", TWO_MONTHS)
    assert slots["account_status"] == "linked"
    assert said.startswith(
        f"等到12月15日再还的话：今天要补上的逾期{fmt_money(now.overdue_total)}元，"
        f"到那天会变成{fmt_money(then.overdue_total)}元"
        f"（多{fmt_money(then.overdue_total - now.overdue_total)}元"
    )
    assert said.endswith("可以申请延期，和贷款方谈个安排：")
    # no day named: straight to the request
    slots, said = await start("这个月实在还不上能延期吗", TWO_MONTHS)
    assert slots["account_status"] == "linked" and said == ""


async def test_a_few_yuan_overdue_and_a_day_named_is_told_to_pay_today(ledger):
    slots, said = await start("明天再还那一块钱行不行", ONE_YUAN)
    assert slots == {"account_status": "answered"}
    assert said.startswith("只差") and "今天就补上" in said and "不用申请延期" in said


async def test_a_request_over_a_yuan_overdue_is_told_to_pay_today(ledger):
    slots, said = await start("申请延期", ONE_YUAN)
    assert slots == {"account_status": "answered"}
    assert said.startswith("你现在逾期的只有") and "用不着申请延期" in said
    # with a hardship said, the request goes on
    slots, _ = await start("失业了 下个月也还不上 能延期吗", ONE_YUAN)
    assert slots["account_status"] == "linked"


async def test_more_of_what_happened_when_asked_what_they_can_pay_joins_the_reason(domain):
    slots, said = await validate(
        domain,
        "公司裁员了",
        "relief_affordable",
        slots={"relief_reason": "我失业了 这个月实在还不上 能延期吗"},
    )
    assert slots.get("relief_reason") == "我失业了 这个月实在还不上 能延期吗；公司裁员了"
    assert slots.get("relief_affordable") is None
    assert said.startswith("明白了，这个情况我一起写进申请理由里") and "没认出来" not in said


async def test_asking_for_a_waiver_hears_who_decides_before_the_request(ledger):
    slots, said = await start("能减免罚息不", TWO_MONTHS)
    assert said.startswith("罚息、利息能不能减免，由贷款方审核时决定，我这边不能直接减")
    assert slots["account_status"] == "linked" and slots["relief_kind"] == "restructuring"
    _, said = await start("这个月实在还不上能延期吗", TWO_MONTHS)
    assert "减免" not in said


async def test_a_second_bare_no_goes_on_without_a_reason(domain):
    """ "没有" twice when asked what happened: the request goes on, noted without a reason
    (the review saw the same question again and again)."""
    from actions.relief import BARE_NO_ZH, NO_REASON_GIVEN

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "没有",
        "deny",
        requested_slot="relief_reason",
        active_loop="relief_form",
        history=[
            {"event": "user", "text": "没有", "parse_data": {"intent": {"name": "deny"}}},
            {"event": "bot", "text": BARE_NO_ZH},
            {"event": "bot", "text": "能简单说说遇到了什么情况吗？"},
            {"event": "action", "name": "action_listen"},
        ],
    )
    slots = slot_values(await ValidateReliefForm().run(dispatcher, tracker, domain))
    assert slots["relief_reason"] == NO_REASON_GIVEN and texts(dispatcher) == ""
