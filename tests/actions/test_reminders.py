"""Repayment reminders: Rasa reminders plus ledger records; set, fire, cancel."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import (
    REMINDER_INTENT,
    ActionCancelRepaymentReminder,
    ActionReactToReminder,
    ActionSetRepaymentReminder,
    ActionStartRepaymentReminder,
    ValidateReminderForm,
    trigger_time,
)
from bot.loans import config as loans_config

from action_helpers import MULTI_DEBT, TWO_MONTHS, UP_TO_DATE, entity, make_tracker, slot_values, slots_after, texts


async def set_reminder(borrower, days, product=None, message_id="msg-1"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("3天", "inform", borrower=borrower, previous_action="reminder_form", message_id=message_id,
                           slots={"reminder_days_before": days, "reminder_product": product})
    events = await ActionSetRepaymentReminder().run(dispatcher, tracker, {})
    return events, texts(dispatcher)


async def test_reminder_three_days_before_the_next_due_date(ledger):
    events, reply = await set_reminder(UP_TO_DATE, "3")
    [event] = events
    assert event["event"] == "reminder" and event["intent"] == REMINDER_INTENT
    assert event["name"] == "repayment_reminder_demo-up-to-date-jiebei" and event["kill_on_user_msg"] is False
    assert {"entity": "duration", "value": "P3D"} in event["entities"]
    fires = datetime.fromisoformat(event["date_time"])
    real_today = datetime.now(loans_config.ledger_timezone()).date()
    assert fires.date() == real_today + (date(2026, 12, 10) - date(2026, 11, 23)) and fires.hour == 9
    assert "12月13日到期，我会在12月10日上午提醒你（提前3天）" in reply and "取消提醒" in reply
    [stored] = await ledger.list_reminders(UP_TO_DATE, status="active")
    assert stored.remind_on == date(2026, 12, 10) and stored.days_before == 3 and stored.channel == "widget"


async def test_setting_again_replaces_the_reminder(ledger):
    await set_reminder(UP_TO_DATE, "3", message_id="first")
    events, _ = await set_reminder(UP_TO_DATE, "7", message_id="second")
    [stored] = await ledger.list_reminders(UP_TO_DATE, status="active")
    assert stored.remind_on == date(2026, 12, 6) and events[0]["name"] == "repayment_reminder_demo-up-to-date-jiebei"


async def test_a_retried_action_does_not_store_twice(ledger):
    await set_reminder(UP_TO_DATE, "3", message_id="same")
    await set_reminder(UP_TO_DATE, "3", message_id="same")
    assert len(await ledger.list_reminders(UP_TO_DATE)) == 1


async def test_too_late_for_this_installment_reminds_before_the_next(ledger):
    events, reply = await set_reminder(TWO_MONTHS, "3")
    [event] = events
    assert "11月23日（今天）就到期，应还1,833.60元，来不及提前3天提醒了" in reply
    assert "另有逾期未还的3,793.71元" in reply
    assert "12月23日到期，我会在12月20日上午提醒你" in reply
    [stored] = await ledger.list_reminders(TWO_MONTHS, status="active")
    assert stored.remind_on == date(2026, 12, 20)


async def test_one_reminder_per_loan_or_only_the_named_product(ledger):
    events, reply = await set_reminder(MULTI_DEBT, "1")
    assert sorted(e["name"] for e in events) == ["repayment_reminder_demo-multi-debt-credit-card",
                                                  "repayment_reminder_demo-multi-debt-huabei",
                                                  "repayment_reminder_demo-multi-debt-jiebei"]
    events, reply = await set_reminder(MULTI_DEBT, "1", product="花呗", message_id="msg-2")
    assert [e["name"] for e in events] == ["repayment_reminder_demo-multi-debt-huabei"]
    assert "花呗：12月10日到期，我会在12月9日上午提醒你" in reply


async def test_ledger_down_sets_nothing(ledger_down):
    events, reply = await set_reminder(UP_TO_DATE, "3")
    assert events == [] and "暂时查不到" in reply


async def test_cancel_removes_both(ledger):
    await set_reminder(UP_TO_DATE, "3")
    dispatcher = CollectingDispatcher()
    events = await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {})
    assert events == [{"event": "cancel_reminder", "timestamp": None, "intent": REMINDER_INTENT,
                       "entities": None, "name": None}]
    assert "已经取消" in texts(dispatcher)
    assert await ledger.list_reminders(UP_TO_DATE, status="active") == []
    dispatcher = CollectingDispatcher()
    await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {})
    assert "没有设置还款提醒" in texts(dispatcher)


async def test_cancel_while_the_ledger_is_down_still_stops_the_rasa_reminders(ledger_down):
    dispatcher = CollectingDispatcher()
    events = await ActionCancelRepaymentReminder().run(
        dispatcher, make_tracker("取消提醒", "cancel_repayment_reminder", borrower=UP_TO_DATE), {})
    assert events[0]["event"] == "cancel_reminder" and "稍后" in texts(dispatcher)


async def test_reminder_fires_with_the_amount_and_schedules_the_next_month(ledger):
    dispatcher = CollectingDispatcher()
    # the reminder was set earlier in this conversation by a verified borrower; the external
    # event that fires it carries no metadata of its own
    earlier = make_tracker("还款日前三天提醒我", "set_repayment_reminder", borrower=UP_TO_DATE, sender_id="conv-r")
    tracker = make_tracker("EXTERNAL: EXTERNAL_repayment_reminder", REMINDER_INTENT, with_metadata=False,
                           channel="widget", sender_id="conv-r", history=earlier.events[2:],
                           entities=[entity("loan_product", "借呗"), entity("duration", "P3D")])
    events = await ActionReactToReminder().run(dispatcher, tracker, {})
    assert "⏰ 还款提醒：你的借呗12月13日（20天后）应还899.75元" in texts(dispatcher)
    [event] = events
    assert event["name"] == "repayment_reminder_demo-up-to-date-jiebei"
    [stored] = await ledger.list_reminders(UP_TO_DATE, status="active")
    assert stored.remind_on == date(2027, 1, 10)


async def test_reminder_fires_while_the_ledger_is_down(ledger_down):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("", REMINDER_INTENT, borrower=UP_TO_DATE)
    assert await ActionReactToReminder().run(dispatcher, tracker, {}) == []
    assert "还款提醒" in texts(dispatcher) and "App" in texts(dispatcher)


async def test_start(ledger):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("还款日前三天提醒我", "set_repayment_reminder", borrower=UP_TO_DATE,
                           entities=[entity("duration", "P3D", text="三天")])
    events = await ActionStartRepaymentReminder().run(dispatcher, tracker, {})
    assert slots_after(tracker, events, ("account_status", "reminder_product", "reminder_days_before")) == {
        "account_status": "linked", "reminder_product": None, "reminder_days_before": "P3D"}
    tracker = make_tracker("白条还款前提醒我", "set_repayment_reminder", borrower=UP_TO_DATE,
                           entities=[entity("loan_product", "白条", text="白条")])
    assert slot_values(await ActionStartRepaymentReminder().run(dispatcher, tracker, {})) == {
        "account_status": "no_loans"}
    assert "没有白条的借款" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("能提醒我吗", "set_repayment_reminder", borrower=None)
    assert slot_values(await ActionStartRepaymentReminder().run(dispatcher, tracker, {})) == {
        "account_status": "unlinked"}
    assert "绑定" in texts(dispatcher)


@pytest.mark.parametrize("text, entities, value, reply", [
    ("提前3天", [entity("duration", "P3D", text="3天")], "3", ""),
    ("一周", [entity("duration", "P1W", text="一周")], "7", ""),
    ("5", [entity("amount", "5", text="5")], "5", ""),
    ("当天提醒就行", [], "0", ""),
    ("提前两个月", [entity("duration", "P2M", text="两个月")], None, "最多能提前31天"),
    ("-3", [entity("amount", "3", text="3")], None, "不能是负数"),
    ("到时候再说", [], None, "天数我没认出来"),
])
async def test_days_validation(domain, text, entities, value, reply):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "inform", entities=entities, requested_slot="reminder_days_before",
                           active_loop="reminder_form")
    for item in entities:
        if item["entity"] == "duration":
            tracker.events.append({"event": "slot", "name": "reminder_days_before", "value": item["value"]})
            tracker.slots["reminder_days_before"] = item["value"]
    slots = slot_values(await ValidateReminderForm().run(dispatcher, tracker, domain))
    assert slots["reminder_days_before"] == value
    assert reply in texts(dispatcher)


def test_trigger_time_maps_a_simulated_today_onto_the_real_clock():
    zone = loans_config.ledger_timezone()
    now = datetime(2026, 11, 23, 15, 0, tzinfo=zone)
    assert trigger_time(date(2026, 12, 10), date(2026, 11, 23), now) == datetime(2026, 12, 10, 9, 0, tzinfo=zone)
    assert trigger_time(date(2027, 1, 1), date(2026, 12, 31), now) == datetime(2026, 11, 24, 9, 0, tzinfo=zone)
    assert trigger_time(date(2026, 11, 23), date(2026, 11, 23), now) == now + timedelta(minutes=1)
