"""Repayment reminders: records in the real ledger service (delivered by its scheduler); set,
fire, cancel -- and the whole way round: the action sets it, the ledger's scheduler fires it at
its time through a fake Rasa API that runs the reacting action, exactly once."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import (
    NONE_SET_HINT_ZH,
    NONE_SET_ZH,
    REMINDER_INTENT,
    SET_HINT_ZH,
    ActionCancelRepaymentReminder,
    ActionReactToReminder,
    ActionSetRepaymentReminder,
    ActionStartRepaymentReminder,
    ValidateReminderForm,
)
from bot.loans.db import Database
from bot.loans.reminder_scheduler import ReminderScheduler, SchedulerSettings
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

BEIJING = timezone(timedelta(hours=8))


async def set_reminder(borrower, days, product=None, message_id="msg-1", sender_id="conv-test"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "3天",
        "inform",
        borrower=borrower,
        previous_action="reminder_form",
        message_id=message_id,
        slots={"reminder_days_before": days, "reminder_product": product},
        sender_id=sender_id,
    )
    events = await ActionSetRepaymentReminder().run(dispatcher, tracker, {})
    return events, texts(dispatcher)


def fired_tracker(
    borrower,
    reminder_id,
    product="借呗",
    sender_id="conv-r",
    earlier_turns=(),
    verified_before=True,
):
    """The conversation when the ledger's scheduler fires a reminder: a verified message of the
    borrower earlier (unless ``verified_before`` is False: a later month's reminder, whose session
    holds no message of the borrower), then the external event (no metadata of its own) with the
    entities the scheduler sends."""
    earlier = make_tracker(
        "还款日前三天提醒我", "set_repayment_reminder", borrower=borrower, sender_id=sender_id
    )
    history = (list(earlier.events[2:]) if verified_before else []) + list(earlier_turns)
    entities = [entity("reminder_id", reminder_id)] + (
        [entity("loan_product", product)] if product else []
    )
    return make_tracker(
        f"EXTERNAL: {REMINDER_INTENT}",
        REMINDER_INTENT,
        with_metadata=False,
        channel="widget",
        sender_id=sender_id,
        history=history,
        entities=entities,
    )


async def react(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionReactToReminder().run(dispatcher, tracker, {})
    return events, texts(dispatcher)


async def test_reminder_three_days_before_the_next_due_date(ledger):
    events, reply = await set_reminder(UP_TO_DATE, "3")
    assert events == []  # nothing scheduled inside Rasa: the ledger delivers it
    assert "12月13日到期，我会在12月10日上午提醒你（提前3天）" in reply and "取消提醒" in reply
    [stored] = await ledger.list_reminders(UP_TO_DATE, status="active")
    assert (
        stored.remind_on == date(2026, 12, 10)
        and stored.days_before == 3
        and stored.channel == "widget"
    )
    assert stored.status == "scheduled" and stored.loan_id == "demo-up-to-date-jiebei"
    assert stored.conversation_id == "conv-test"  # delivered into this conversation
    assert stored.remind_at == datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING)


async def test_setting_again_replaces_the_reminder(ledger):
    await set_reminder(UP_TO_DATE, "3", message_id="first")
    events, _ = await set_reminder(UP_TO_DATE, "7", message_id="second")
    [stored] = await ledger.list_reminders(UP_TO_DATE, status="active")
    assert stored.remind_on == date(2026, 12, 6) and events == []
    assert [r.remind_on for r in await ledger.list_reminders(UP_TO_DATE, status="cancelled")] == [
        date(2026, 12, 10)
    ]


async def test_a_change_too_late_for_this_period_keeps_this_periods_reminder(ledger):
    """12-13 is due, a reminder on 12-10; "改成提前25天" is too late for 12-13 (11-18 has passed):
    the new one is for the next period, and the 12-10 reminder still comes."""
    await set_reminder(UP_TO_DATE, "3", message_id="first")
    _, reply = await set_reminder(UP_TO_DATE, "25", message_id="second")
    active = sorted(r.remind_on for r in await ledger.list_reminders(UP_TO_DATE, status="active"))
    assert active == [date(2026, 12, 10), date(2026, 12, 19)]
    assert "来不及提前25天提醒了" in reply
    assert "这一期仍按原来的安排，12月10日上午提醒你" in reply
    assert "2027年1月13日到期，我会在12月19日上午提醒你" in reply


async def test_a_retried_action_does_not_store_twice(ledger):
    await set_reminder(UP_TO_DATE, "3", message_id="same")
    await set_reminder(UP_TO_DATE, "3", message_id="same")
    assert len(await ledger.list_reminders(UP_TO_DATE)) == 1


async def test_too_late_for_this_installment_reminds_before_the_next(ledger):
    events, reply = await set_reminder(TWO_MONTHS, "3")
    assert "11月23日（今天）就到期，应还1,833.60元，来不及提前3天提醒了" in reply
    assert "另有逾期未还的3,793.71元" in reply
    assert "12月23日到期，我会在12月20日上午提醒你" in reply
    [stored] = await ledger.list_reminders(TWO_MONTHS, status="active")
    assert stored.remind_on == date(2026, 12, 20)


async def test_one_reminder_per_loan_or_only_the_named_product(ledger):
    await set_reminder(MULTI_DEBT, "1")
    stored = await ledger.list_reminders(MULTI_DEBT, status="active")
    assert sorted(r.loan_id for r in stored) == [
        "demo-multi-debt-credit-card",
        "demo-multi-debt-huabei",
        "demo-multi-debt-jiebei",
    ]
    events, reply = await set_reminder(MULTI_DEBT, "1", product="花呗", message_id="msg-2")
    assert "花呗：12月10日到期，我会在12月9日上午提醒你" in reply
    # the 花呗 one was set again (the same day: the older record retired), the others stand
    stored = await ledger.list_reminders(MULTI_DEBT, status="active")
    assert sorted(r.loan_id for r in stored) == [
        "demo-multi-debt-credit-card",
        "demo-multi-debt-huabei",
        "demo-multi-debt-jiebei",
    ]


async def test_ledger_down_sets_nothing(ledger_down):
    events, reply = await set_reminder(UP_TO_DATE, "3")
    assert events == [] and "暂时查不到" in reply


async def test_cancel_cancels_in_the_ledger(ledger):
    await set_reminder(UP_TO_DATE, "3")
    dispatcher = CollectingDispatcher()
    events = await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {}
    )
    assert events == []
    assert "已经取消" in texts(dispatcher)
    assert await ledger.list_reminders(UP_TO_DATE, status="active") == []
    assert [r.status for r in await ledger.list_reminders(UP_TO_DATE)] == ["cancelled"]
    dispatcher = CollectingDispatcher()
    await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {}
    )
    assert "没有设置还款提醒" in texts(dispatcher)


async def test_cancel_naming_a_product_cancels_only_its_reminders(ledger):
    """ "花呗的提醒取消掉 其他的留着"."""
    await set_reminder(MULTI_DEBT, "1")

    async def cancel(text, product):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text,
            "cancel_repayment_reminder",
            borrower=MULTI_DEBT,
            entities=[entity("loan_product", product, text=product)],
        )
        assert await ActionCancelRepaymentReminder().run(dispatcher, tracker, {}) == []
        return texts(dispatcher)

    reply = await cancel("花呗的提醒取消掉 其他的留着", "花呗")
    assert "花呗的还款提醒已经取消了" in reply and "其他2个提醒照常" in reply
    stored = await ledger.list_reminders(MULTI_DEBT, status="active")
    assert sorted(r.loan_id for r in stored) == [
        "demo-multi-debt-credit-card",
        "demo-multi-debt-jiebei",
    ]
    reply = await cancel("花呗提醒取消", "花呗")
    assert reply == "你没有设置花呗的还款提醒，不用取消，其他的提醒照常。"


async def test_cancel_while_the_ledger_is_down_says_it_did_not_happen(ledger_down):
    dispatcher = CollectingDispatcher()
    events = await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {}
    )
    assert events == [] and "没能取消" in texts(dispatcher) and "稍后" in texts(dispatcher)


async def test_reminder_fires_with_the_amount_of_its_loan(ledger):
    await set_reminder(UP_TO_DATE, "3", sender_id="conv-r")
    [stored] = await ledger.list_reminders(UP_TO_DATE)
    # the reminder was set earlier in this conversation by a verified borrower; the external
    # event that fires it carries no metadata of its own
    events, reply = await react(fired_tracker(UP_TO_DATE, stored.reminder_id))
    assert "⏰ 还款提醒：你的借呗12月13日（20天后）应还899.75元" in reply
    assert events == []  # next month's is the ledger's business, not the action's
    assert len(await ledger.list_reminders(UP_TO_DATE)) == 1


async def test_a_later_months_reminder_finds_its_borrower_through_the_reminder(ledger):
    await set_reminder(UP_TO_DATE, "3", sender_id="conv-r")
    [stored] = await ledger.list_reminders(UP_TO_DATE)
    _, reply = await react(fired_tracker(UP_TO_DATE, stored.reminder_id, verified_before=False))
    assert "⏰ 还款提醒：你的借呗12月13日（20天后）应还899.75元" in reply


async def test_a_reminder_of_another_conversation_names_nobody(ledger):
    await set_reminder(UP_TO_DATE, "3", sender_id="conv-elsewhere")
    [stored] = await ledger.list_reminders(UP_TO_DATE)
    _, reply = await react(
        fired_tracker(UP_TO_DATE, stored.reminder_id, sender_id="conv-r", verified_before=False)
    )
    assert "899.75" not in reply and "张明" not in reply


async def test_the_reminders_loan_decides_what_is_told(ledger):
    await set_reminder(MULTI_DEBT, "1", product="花呗", sender_id="conv-r")
    [stored] = await ledger.list_reminders(MULTI_DEBT)
    _, reply = await react(fired_tracker(MULTI_DEBT, stored.reminder_id, product=None))
    assert "⏰ 还款提醒：你的花呗12月10日" in reply and "信用卡" not in reply


async def test_a_reminder_delivered_twice_is_answered_once(ledger):
    await set_reminder(UP_TO_DATE, "3", sender_id="conv-r")
    [stored] = await ledger.list_reminders(UP_TO_DATE)
    first = fired_tracker(UP_TO_DATE, stored.reminder_id)
    _, reply = await react(first)
    assert "899.75" in reply
    # Rasa ran the turn, its answer was lost, the scheduler fired again: the conversation
    # already has this reminder, so the second turn says nothing
    again = fired_tracker(UP_TO_DATE, stored.reminder_id, earlier_turns=[first.events[-1]])
    assert await react(again) == ([], "")
    # another reminder id in the same conversation is answered
    other = fired_tracker(UP_TO_DATE, "rm-other", earlier_turns=[first.events[-1]])
    assert "还款提醒" in (await react(other))[1]


async def test_someone_elses_or_a_cancelled_reminder(ledger):
    await set_reminder(TWO_MONTHS, "3", sender_id="conv-x")
    [theirs] = await ledger.list_reminders(TWO_MONTHS)
    _, reply = await react(fired_tracker(UP_TO_DATE, theirs.reminder_id))
    assert "还款提醒" in reply and "元" not in reply  # the generic text: no account figures
    await set_reminder(UP_TO_DATE, "3", sender_id="conv-r")
    [mine] = await ledger.list_reminders(UP_TO_DATE)
    await ledger.cancel_reminder(UP_TO_DATE, mine.reminder_id)
    assert await react(fired_tracker(UP_TO_DATE, mine.reminder_id)) == ([], "")


async def test_reminder_fires_while_the_ledger_is_down(ledger_down):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "", REMINDER_INTENT, borrower=UP_TO_DATE, entities=[entity("reminder_id", "rm-1")]
    )
    assert await ActionReactToReminder().run(dispatcher, tracker, {}) == []
    assert "还款提醒" in texts(dispatcher) and "App" in texts(dispatcher)


async def test_set_by_the_action_fired_by_the_ledger_once(ledger, ledger_url, aiohttp_server):
    """The whole way: the action records the reminder, the ledger's scheduler fires it at 09:00
    on its day through a fake Rasa API that runs ``action_react_to_reminder`` on the
    conversation, next month's follows -- and a second scheduler round fires nothing."""
    from aiohttp import web

    await set_reminder(UP_TO_DATE, "3", sender_id="widget:demo-up-to-date:s-9")
    said, calls = [], []

    async def trigger_intent(request):
        assert (
            request.query["token"] == "rasa-token" and request.query["output_channel"] == "latest"
        )
        body = await request.json()
        calls.append(body)
        cid = request.match_info["cid"]
        tracker = fired_tracker(
            UP_TO_DATE,
            body["entities"]["reminder_id"],
            product=body["entities"].get("loan_product"),
            sender_id=cid,
        )
        said.append((cid, (await react(tracker))[1]))
        return web.json_response({"tracker": {}})

    app = web.Application()
    app.router.add_post(r"/conversations/{cid:.+}/trigger_intent", trigger_intent)
    server = await aiohttp_server(app)
    now = datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING)
    db = Database(ledger_url)
    settings = SchedulerSettings(
        str(server.make_url("")).rstrip("/"), "rasa-token", timeout_seconds=2, lease_seconds=15
    )
    scheduler = ReminderScheduler(db, settings, clock=lambda: now)
    try:
        assert (await scheduler.run_once()).sent == 1
        assert (await scheduler.run_once()).claimed == 0
    finally:
        await scheduler.close()
        await db.dispose()
    [(conversation, reply)] = said
    assert conversation == "widget:demo-up-to-date:s-9"
    assert "⏰ 还款提醒：你的借呗12月13日（20天后）应还899.75元" in reply
    assert calls[0]["entities"]["loan_product"] == "借呗"
    sent, following = await ledger.list_reminders(UP_TO_DATE)
    assert (sent.status, following.status, following.remind_on) == (
        "sent",
        "scheduled",
        date(2027, 1, 10),
    )
    assert following.conversation_id == conversation and following.previous_id == sent.reminder_id


async def test_start(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "还款日前三天提醒我",
        "set_repayment_reminder",
        borrower=UP_TO_DATE,
        entities=[entity("duration", "P3D", text="三天")],
    )
    events = await ActionStartRepaymentReminder().run(dispatcher, tracker, {})
    assert slots_after(
        tracker, events, ("account_status", "reminder_product", "reminder_days_before")
    ) == {"account_status": "linked", "reminder_product": None, "reminder_days_before": "P3D"}
    tracker = make_tracker(
        "白条还款前提醒我",
        "set_repayment_reminder",
        borrower=UP_TO_DATE,
        entities=[entity("loan_product", "白条", text="白条")],
    )
    assert slot_values(await ActionStartRepaymentReminder().run(dispatcher, tracker, {})) == {
        "account_status": "no_loans"
    }
    assert "没有白条的借款" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("能提醒我吗", "set_repayment_reminder", borrower=None)
    assert slot_values(await ActionStartRepaymentReminder().run(dispatcher, tracker, {})) == {
        "account_status": "unlinked"
    }
    assert "绑定" in texts(dispatcher)


async def test_asking_what_is_set_lists_the_reminders_and_starts_no_form(ledger):
    """ "我设了哪些提醒", "我的提醒": the reminders still to come and how to change them, and
    no question after (the review saw the form start); "帮我设个提醒" with some set: the list,
    then the form asks as for a new one."""
    statuses = []

    async def started(text, borrower, *entities):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, "set_repayment_reminder", borrower=borrower, entities=entities)
        events = await ActionStartRepaymentReminder().run(dispatcher, tracker, {})
        statuses.append(slot_values(events).get("account_status"))
        return texts(dispatcher)

    none_yet = await started("我设了哪些提醒", UP_TO_DATE)
    assert none_yet == f"{NONE_SET_ZH}\n{NONE_SET_HINT_ZH}" and statuses[-1] == "answered"
    await set_reminder(MULTI_DEBT, "1")
    for text in ("我设了哪些提醒", "我的提醒", "查看提醒"):
        listed = await started(text, MULTI_DEBT)
        assert listed.startswith("你现在设的还款提醒：") and listed.endswith(SET_HINT_ZH), text
        assert listed.count("提前1天") == 3 and statuses[-1] == "answered"
    listed = await started("帮我设个还款提醒", MULTI_DEBT)
    assert "不用改就说“算了”" in listed and statuses[-1] == "linked"
    # with the days in the message nothing is listed: the reminder is set at once
    five = entity("duration", "P5D", text="5天")
    assert await started("改成提前5天", MULTI_DEBT, five) == ""


@pytest.mark.parametrize(
    "text, entities, value, reply",
    [
        ("提前3天", [entity("duration", "P3D", text="3天")], "3", ""),
        ("一周", [entity("duration", "P1W", text="一周")], "7", ""),
        ("5", [entity("amount", "5", text="5")], "5", ""),
        ("当天提醒就行", [], "0", ""),
        ("提前两个月", [entity("duration", "P2M", text="两个月")], None, "最多能提前31天"),
        ("-3", [entity("amount", "3", text="3")], None, "不能是负数"),
        ("到时候再说", [], None, "天数我没认出来"),
    ],
)
async def test_days_validation(domain, text, entities, value, reply):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        "inform",
        entities=entities,
        requested_slot="reminder_days_before",
        active_loop="reminder_form",
    )
    for item in entities:
        if item["entity"] == "duration":
            tracker.events.append(
                {"event": "slot", "name": "reminder_days_before", "value": item["value"]}
            )
            tracker.slots["reminder_days_before"] = item["value"]
    slots = slot_values(await ValidateReminderForm().run(dispatcher, tracker, domain))
    assert slots["reminder_days_before"] == value
    assert reply in texts(dispatcher)


async def test_an_overdue_amount_beside_a_reminder_says_where_its_penalty_stands(ledger):
    """Past the grace days the penalty grows; inside them there is none to pay yet (the review
    saw "罚息按天在算" for a borrower one yuan short on grace day 3)."""
    from actions.reminders import penalty_state_zh
    from tests.actions.action_helpers import ONE_YUAN

    _, reply = await set_reminder(TWO_MONTHS, "3")
    assert "另有逾期未还的3,793.71元，罚息按天在算" in reply
    [loan] = (await ledger.get_loans(ONE_YUAN, as_of=date(2026, 11, 22))).loans
    assert loan.overdue_days == 3
    assert penalty_state_zh(loan) == "还在宽限期内，这几天还上不收罚息。"
