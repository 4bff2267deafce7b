"""WeChat's re-deliveries of one message, and answers that miss the 5-second window.

No assertion here is about time: slow bots wait on an ``asyncio.Event`` the test opens, and
the short ``reply_timeout`` only decides which path a delivery takes.  Waits have generous
timeouts that guard against hangs.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.channels.wechat_render import MAX_TEXT_BYTES
from tests.channels.identity_helpers import identity_of
from tests.channels.wechat_sim import APP_ID, APP_SECRET, OPENID

GUARD = 10.0  # seconds; only so that a broken test fails instead of hanging


async def eventually(condition, timeout: float = GUARD) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def pending_for(channel, msg_id):
    return channel.pending.get(f"msg:{OPENID}:{msg_id}")


# -- the same MsgId three times ---------------------------------------------------------------


async def test_three_deliveries_of_one_message_reach_the_bot_once(running, bot, wechat_api):
    wechat = running.wechat
    xml = wechat.text_xml("借呗逾期三天罚多少", msg_id=wechat.next_msg_id())

    deliveries = [await wechat.push(xml) for _ in range(3)]

    assert len(bot.messages) == 1
    assert [d.status for d in deliveries] == [200, 200, 200]
    assert {d.content for d in deliveries} == {"收到：借呗逾期三天罚多少"}
    await running.channel.wait_idle(GUARD)
    assert wechat_api.sends == []  # answered passively, not a second time through the API


async def test_concurrent_deliveries_wait_for_the_same_result(
    serve_channel, channel_factory, bot, wechat_api
):
    running = await serve_channel(channel_factory(reply_timeout=4.0))
    wechat = running.wechat
    bot.gate = asyncio.Event()
    msg_id = wechat.next_msg_id()
    xml = wechat.text_xml("我还欠多少", msg_id=msg_id)

    tasks = [asyncio.create_task(wechat.push(xml)) for _ in range(3)]
    await eventually(
        lambda: (
            pending_for(running.channel, msg_id) is not None
            and pending_for(running.channel, msg_id).waiting == 3
        )
    )
    bot.gate.set()
    deliveries = await asyncio.gather(*tasks)

    assert len(bot.messages) == 1
    assert [d.content for d in deliveries] == ["收到：我还欠多少"] * 3
    await running.channel.wait_idle(GUARD)
    assert wechat_api.sends == []


async def test_events_are_deduplicated_by_sender_and_create_time(running, bot):
    wechat = running.wechat
    click = wechat.event_xml("CLICK", key="/check_loan_status", create_time=1_700_000_500)
    await wechat.push(click)
    await wechat.push(click)
    assert len(bot.messages) == 1
    await wechat.push(
        wechat.event_xml("CLICK", key="/check_loan_status", create_time=1_700_000_501)
    )
    assert len(bot.messages) == 2


async def test_same_msg_id_from_another_user_is_another_message(running, bot):
    wechat = running.wechat
    msg_id = wechat.next_msg_id()
    await wechat.push(wechat.text_xml("a", msg_id=msg_id, openid="oA"), openid="oA")
    await wechat.push(wechat.text_xml("b", msg_id=msg_id, openid="oB"), openid="oB")
    assert [m.text for m in bot.messages] == ["a", "b"]


# -- the slow path: "success" now, the customer-service API later ------------------------------


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe"])
async def test_slow_answer_is_sent_through_the_customer_service_api(
    serve_channel, channel_factory, bot, wechat_api, safe
):
    running = await serve_channel(channel_factory(safe=safe, reply_timeout=0.2))
    wechat = running.wechat
    bot.gate = asyncio.Event()

    delivery = await wechat.push(
        wechat.text_xml("能帮我算个还款计划吗", msg_id=wechat.next_msg_id())
    )
    assert (delivery.status, delivery.body) == (200, "success")
    assert wechat_api.sends == []

    bot.gate.set()
    (send,) = await wechat_api.wait_for_sends(1)
    assert send["json"] == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "收到：能帮我算个还款计划吗"},
    }
    # Raw UTF-8, as WeChat needs it (it would show \uXXXX escapes literally).
    assert "能帮我算个还款计划吗".encode("utf-8") in send["raw"]
    assert b"\\u" not in send["raw"]
    assert wechat_api.token_requests == [
        {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    ]
    assert send["access_token"] in wechat_api.valid_tokens
    assert identity_of(bot.messages[0]) == ("wechat", OPENID)


async def test_retries_during_a_slow_answer_do_not_repeat_it(
    serve_channel, channel_factory, bot, wechat_api
):
    running = await serve_channel(channel_factory(reply_timeout=0.2))
    wechat = running.wechat
    bot.gate = asyncio.Event()
    xml = wechat.text_xml("我想协商还款", msg_id=wechat.next_msg_id())

    first = await wechat.push(xml)
    second = await wechat.push(xml)  # WeChat's retry, bot still busy
    bot.gate.set()
    await wechat_api.wait_for_sends(1)
    third = await wechat.push(xml)  # a late retry, after the API delivered the answer
    await running.channel.wait_idle(GUARD)

    assert [d.body for d in (first, second, third)] == ["success"] * 3
    assert len(bot.messages) == 1
    assert wechat_api.sent_texts == ["收到：我想协商还款"]


async def test_retry_gets_the_answer_passively_when_it_is_ready_in_its_window(
    serve_channel, channel_factory, bot, wechat_api
):
    running = await serve_channel(channel_factory(reply_timeout=1.0))
    wechat = running.wechat
    bot.gate = asyncio.Event()
    msg_id = wechat.next_msg_id()
    xml = wechat.text_xml("逾期会影响房贷吗", msg_id=msg_id)

    first = await wechat.push(xml)
    assert first.body == "success"
    retry = asyncio.create_task(wechat.push(xml))
    await eventually(lambda: pending_for(running.channel, msg_id).waiting == 1)
    bot.gate.set()
    second = await retry

    assert second.content == "收到：逾期会影响房贷吗"
    await running.channel.wait_idle(GUARD)
    assert wechat_api.sends == []
    assert len(bot.messages) == 1


async def test_access_token_is_fetched_once_for_several_slow_answers(
    serve_channel, channel_factory, bot, wechat_api
):
    running = await serve_channel(channel_factory(reply_timeout=0.2))
    wechat = running.wechat
    bot.gate = asyncio.Event()
    for text in ("第一问", "第二问", "第三问"):
        delivery = await wechat.push(wechat.text_xml(text, msg_id=wechat.next_msg_id()))
        assert delivery.body == "success"
    bot.gate.set()
    await wechat_api.wait_for_sends(3)
    assert sorted(wechat_api.sent_texts) == sorted(["收到：第一问", "收到：第二问", "收到：第三问"])
    assert len(wechat_api.token_requests) == 1


async def test_failed_api_delivery_is_logged_and_the_channel_keeps_working(
    serve_channel, channel_factory, bot, wechat_api, caplog
):
    running = await serve_channel(channel_factory(reply_timeout=0.2))
    wechat = running.wechat
    wechat_api.send_errcodes = [45015]  # the user's 48-hour window has passed
    bot.gate = asyncio.Event()
    delivery = await wechat.push(wechat.text_xml("在吗", msg_id=wechat.next_msg_id()))
    assert delivery.body == "success"
    bot.gate.set()
    await running.channel.wait_idle(GUARD)
    assert wechat_api.sends == []
    assert "45015" in caplog.text and "48 h" in caplog.text

    bot.gate = None
    later = await wechat.push(wechat.text_xml("现在呢", msg_id=wechat.next_msg_id()))
    assert later.content == "收到：现在呢"


# -- long answers, late answers, proactive messages --------------------------------------------


async def test_long_answer_is_split_between_passive_reply_and_api(running, bot, wechat_api):
    paragraph_a = "甲" * 600  # 1800 bytes each: two of them exceed one WeChat message
    paragraph_b = "乙" * 600
    bot.answer = lambda m: [{"text": paragraph_a}, {"text": paragraph_b}]
    wechat = running.wechat
    xml = wechat.text_xml("详细说说", msg_id=wechat.next_msg_id())

    delivery = await wechat.push(xml)
    assert delivery.content == paragraph_a
    await wechat_api.wait_for_sends(1)
    assert wechat_api.sent_texts == [paragraph_b]
    assert all(
        len(t.encode()) <= MAX_TEXT_BYTES for t in (delivery.content, *wechat_api.sent_texts)
    )

    retry = await wechat.push(xml)  # a retry gets the first part again, the rest is not resent
    assert retry.content == paragraph_a
    await running.channel.wait_idle(GUARD)
    assert wechat_api.sent_texts == [paragraph_b]


async def test_response_sent_after_the_turn_goes_through_the_api(running, bot, wechat_api):
    wechat = running.wechat
    await wechat.push(wechat.text_xml("还款日前三天提醒我", msg_id=wechat.next_msg_id()))
    (message,) = bot.messages

    # What a reminder firing later does: use the output channel of the message that set it.
    await message.output_channel.send_response(
        OPENID, {"text": "提醒：后天是还款日，应还 1,234.56 元。"}
    )
    await wechat_api.wait_for_sends(1)
    assert wechat_api.sends[0]["json"]["touser"] == OPENID
    assert wechat_api.sent_texts == ["提醒：后天是还款日，应还 1,234.56 元。"]


async def test_output_channel_sends_proactively_and_remembers_options(running, bot, wechat_api):
    output = running.channel.get_output_channel()
    assert output.name() == "wechat"
    await output.send_response(
        OPENID,
        {
            "text": "您的借呗明天到期，需要帮忙吗？",
            "buttons": [{"title": "查看应还金额", "payload": "/check_loan_status"}],
        },
    )
    await wechat_api.wait_for_sends(1)
    assert wechat_api.sent_texts == ["您的借呗明天到期，需要帮忙吗？\n回复 1：查看应还金额"]
    assert json.loads(wechat_api.sends[0]["raw"])["touser"] == OPENID

    wechat = running.wechat
    await wechat.push(wechat.text_xml("1", msg_id=wechat.next_msg_id()))
    assert bot.messages[-1].text == "/check_loan_status"
