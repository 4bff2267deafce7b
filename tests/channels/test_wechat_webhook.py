"""The WeChat webhook against simulated WeChat pushes, in plaintext and in safe (AES) mode."""

from __future__ import annotations

import pytest
import xmltodict
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot import rasa_runtime
from bot.channels.user_text import MAX_MESSAGE_CHARS, TOO_LONG_ZH
from bot.channels.wechat import (
    EMPTY_TEXT,
    FAILURE_TEXT,
    UNSUPPORTED_TEXT,
    VOICE_UNRECOGNISED_TEXT,
    WELCOME_TEXT,
)
from bot.channels.wechat_config import MAX_BODY_BYTES
from bot.rasa_runtime import STORE_DOWN_ZH, StoreUnavailable
from tests.channels.identity_helpers import identity_of
from tests.channels.wechat_sim import ACCOUNT_ID, OPENID, TOKEN, WEBHOOK, sha1_signature

# -- URL verification -------------------------------------------------------------------------


async def test_url_verification_echoes_echostr(running):
    resp = await running.wechat.verify("echo-8237461")
    assert resp.status == 200
    assert await resp.text() == "echo-8237461"


async def test_url_verification_with_forged_signature_is_refused(running):
    resp = await running.wechat.verify("echo-8237461", token="not-the-token")
    assert resp.status == 403
    assert "echo-8237461" not in await resp.text()


async def test_url_verification_without_signature_is_refused(running):
    session = running.wechat.session
    async with session.get(running.wechat.base_url + WEBHOOK, params={"echostr": "abc"}) as resp:
        assert resp.status == 403
        assert await resp.text() != "abc"


# -- text messages ----------------------------------------------------------------------------


async def test_text_message_gets_passive_reply_from_the_bot(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("我这个月要还多少", msg_id=wechat.next_msg_id()))

    assert delivery.status == 200
    assert delivery.reply is not None
    assert delivery.reply["MsgType"] == "text"
    assert delivery.reply["ToUserName"] == OPENID  # back to the user …
    assert delivery.reply["FromUserName"] == ACCOUNT_ID  # … from the 公众号
    assert delivery.content == "收到：我这个月要还多少"
    assert [m.text for m in bot.messages] == ["我这个月要还多少"]


async def test_safe_mode_reply_is_encrypted(serve_channel, channel_factory, bot):
    running = await serve_channel(channel_factory(safe=True))
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("逾期两天会上征信吗", msg_id=wechat.next_msg_id()))

    assert delivery.status == 200
    outer = xmltodict.parse(delivery.body)["xml"]
    assert set(outer) >= {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert "逾期" not in delivery.body  # nothing readable travels in the clear
    # WeChatPusher verified MsgSignature and decrypted the reply like WeChat does:
    assert delivery.content == "收到：逾期两天会上征信吗"
    assert delivery.reply["ToUserName"] == OPENID
    assert [m.text for m in bot.messages] == ["逾期两天会上征信吗"]


async def test_user_message_carries_openid_and_channel_metadata(running, bot):
    wechat = running.wechat
    msg_id = wechat.next_msg_id()
    await wechat.push(wechat.text_xml("你好", msg_id=msg_id, openid="oUser-42"), openid="oUser-42")

    (message,) = bot.messages
    assert message.sender_id == "oUser-42"
    assert message.input_channel == "wechat"
    assert identity_of(message) == ("wechat", "oUser-42")
    assert message.message_id == str(msg_id)


async def test_several_bot_messages_are_joined_into_one_reply(running, bot):
    bot.answer = lambda m: [
        {"text": "第一段"},
        {"text": "第二段"},
        {"image": "https://example.com/plan.png"},
    ]
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("还款计划", msg_id=wechat.next_msg_id()))
    assert delivery.content == "第一段\n\n第二段\n\n图片：https://example.com/plan.png"


async def test_buttons_become_numbered_options_and_a_number_picks_one(running, bot):
    def answer(message):
        if message.text.startswith("/"):
            return [{"text": f"payload {message.text}"}]
        return [
            {
                "text": "您想先做哪件事？",
                "buttons": [
                    {"title": "查我的借款", "payload": "/check_loan_status"},
                    {"title": "算逾期成本", "payload": "/calculate_overdue_cost"},
                ],
            }
        ]

    bot.answer = answer
    wechat = running.wechat
    first = await wechat.push(wechat.text_xml("帮帮我", msg_id=wechat.next_msg_id()))
    assert first.content == "您想先做哪件事？\n回复 1：查我的借款\n回复 2：算逾期成本"

    second = await wechat.push(
        wechat.text_xml("２", msg_id=wechat.next_msg_id())
    )  # full-width digit
    assert bot.messages[-1].text == "/calculate_overdue_cost"
    assert second.content == "payload /calculate_overdue_cost"

    # The options belonged to the previous turn only: "1" is now plain text for the bot.
    await wechat.push(wechat.text_xml("1", msg_id=wechat.next_msg_id()))
    assert bot.messages[-1].text == "1"


async def test_options_are_per_user(running, bot):
    bot.answer = lambda m: [{"text": "选一个", "buttons": [{"title": "是", "payload": "/affirm"}]}]
    wechat = running.wechat
    await wechat.push(
        wechat.text_xml("开始", msg_id=wechat.next_msg_id(), openid="oA"), openid="oA"
    )
    await wechat.push(wechat.text_xml("1", msg_id=wechat.next_msg_id(), openid="oB"), openid="oB")
    assert bot.messages[-1].text == "1"


async def test_bot_failure_gets_an_apology_not_an_error(running, bot):
    bot.fail = True
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("我逾期了吗", msg_id=wechat.next_msg_id()))
    assert delivery.status == 200
    assert delivery.content == FAILURE_TEXT


async def test_blank_text_is_answered_without_the_bot(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("   ", msg_id=wechat.next_msg_id()))
    assert delivery.content == EMPTY_TEXT
    assert bot.messages == []


async def test_text_that_would_break_cdata_is_delivered_intact(running, bot):
    bot.answer = lambda m: [{"text": "a ]]> b & <c>"}]
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("x", msg_id=wechat.next_msg_id()))
    assert delivery.content == "a ]]> b & <c>"


# -- other message types ----------------------------------------------------------------------


async def test_subscribe_gets_the_welcome(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(wechat.event_xml("subscribe"))
    assert delivery.content == WELCOME_TEXT
    assert delivery.reply["ToUserName"] == OPENID
    assert bot.messages == []


async def test_image_gets_a_polite_text_reply(running, bot):
    wechat = running.wechat
    xml = wechat.media_xml(
        "image",
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>",
        msg_id=wechat.next_msg_id(),
    )
    delivery = await wechat.push(xml)
    assert delivery.status == 200
    assert delivery.content == UNSUPPORTED_TEXT
    assert bot.messages == []


async def test_unknown_message_type_gets_a_polite_text_reply(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(wechat.media_xml("hologram", msg_id=wechat.next_msg_id()))
    assert delivery.content == UNSUPPORTED_TEXT
    assert bot.messages == []


async def test_recognised_voice_goes_to_the_bot_as_text(running, bot):
    wechat = running.wechat
    xml = wechat.media_xml(
        "voice",
        "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>"
        "<Recognition><![CDATA[借呗晚还一天怎么办]]></Recognition>",
        msg_id=wechat.next_msg_id(),
    )
    delivery = await wechat.push(xml)
    assert [m.text for m in bot.messages] == ["借呗晚还一天怎么办"]
    assert delivery.content == "收到：借呗晚还一天怎么办"


async def test_voice_without_recognition_asks_for_text(running, bot):
    wechat = running.wechat
    xml = wechat.media_xml(
        "voice", "<MediaId><![CDATA[m3]]></MediaId>", msg_id=wechat.next_msg_id()
    )
    delivery = await wechat.push(xml)
    assert delivery.content == VOICE_UNRECOGNISED_TEXT
    assert bot.messages == []


async def test_menu_click_goes_to_the_bot_with_its_key(running, bot):
    wechat = running.wechat
    await wechat.push(
        wechat.event_xml("CLICK", key="/check_loan_status", create_time=1_700_000_100)
    )
    assert [m.text for m in bot.messages] == ["/check_loan_status"]
    assert identity_of(bot.messages[0]) == ("wechat", OPENID)


async def test_unsubscribe_is_acknowledged_silently(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(wechat.event_xml("unsubscribe"))
    assert (delivery.status, delivery.body) == (200, "success")
    assert bot.messages == []


# -- forged and malformed requests ------------------------------------------------------------


async def test_forged_signature_is_refused_and_never_reaches_the_bot(running, bot):
    wechat = running.wechat
    delivery = await wechat.push(
        wechat.text_xml("把我的借款清零", msg_id=wechat.next_msg_id()), token="guessed-token"
    )
    assert delivery.status == 403
    assert bot.messages == []


async def test_missing_signature_is_refused(running, bot):
    wechat = running.wechat
    params = wechat.signed_params()
    del params["signature"]
    delivery = await wechat.post_raw(
        wechat.text_xml("hi", msg_id=wechat.next_msg_id()).encode(), params
    )
    assert delivery.status == 403
    assert bot.messages == []


async def test_forged_msg_signature_in_safe_mode_is_refused(serve_channel, channel_factory, bot):
    running = await serve_channel(channel_factory(safe=True))
    wechat = running.wechat
    delivery = await wechat.push(
        wechat.text_xml("hi", msg_id=wechat.next_msg_id()), forge_msg_signature=True
    )
    assert delivery.status == 403
    assert bot.messages == []


async def test_safe_mode_refuses_plaintext_delivery(serve_channel, channel_factory, bot):
    running = await serve_channel(channel_factory(safe=True))
    wechat = running.wechat
    # Correct token signature, but in plaintext: the body would be unauthenticated.
    delivery = await wechat.push(wechat.text_xml("hi", msg_id=wechat.next_msg_id()), safe=False)
    assert delivery.status == 403
    assert bot.messages == []


async def test_encrypted_body_that_was_tampered_with_is_refused(
    serve_channel, channel_factory, bot
):
    running = await serve_channel(channel_factory(safe=True))
    wechat = running.wechat
    params = wechat.signed_params()
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
        "<Encrypt><![CDATA[bm90IHRoZSByZWFsIGNpcGhlcnRleHQ=]]></Encrypt></xml>"
    )
    # msg_signature made without the token: cannot match.
    params.update(
        encrypt_type="aes", msg_signature=sha1_signature("x", params["timestamp"], params["nonce"])
    )
    delivery = await wechat.post_raw(body.encode(), params)
    assert delivery.status == 403
    assert bot.messages == []


async def test_undecryptable_body_with_valid_signature_is_a_bad_request(
    serve_channel, channel_factory, bot
):
    running = await serve_channel(channel_factory(safe=True))
    wechat = running.wechat
    params = wechat.signed_params()
    encrypt = "bm90IHRoZSByZWFsIGNpcGhlcnRleHQ="
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    params.update(
        encrypt_type="aes",
        msg_signature=sha1_signature(TOKEN, params["timestamp"], params["nonce"], encrypt),
    )
    delivery = await wechat.post_raw(body.encode(), params)
    assert delivery.status == 400
    assert "Traceback" not in delivery.body
    assert bot.messages == []


async def test_malformed_xml_is_a_short_bad_request(running, bot):
    wechat = running.wechat
    params = wechat.signed_params()
    if wechat.crypto is not None:
        body = "<xml><Encrypt>unclosed"
        params.update(encrypt_type="aes", msg_signature="0" * 40)
    else:
        body = "<xml><MsgType>text</MsgType><Content>unclosed"
    delivery = await wechat.post_raw(body.encode(), params)
    assert delivery.status == 400
    assert len(delivery.body) < 100 and "Traceback" not in delivery.body
    assert bot.messages == []


async def test_xml_without_msgtype_is_a_bad_request(running, bot):
    wechat = running.wechat
    xml = f"<xml><FromUserName><![CDATA[{OPENID}]]></FromUserName></xml>"
    delivery = await wechat.push(xml)
    assert delivery.status == 400
    assert bot.messages == []


async def test_oversized_body_is_refused(running, bot):
    wechat = running.wechat
    delivery = await wechat.post_raw(
        b"<xml>" + b"x" * (MAX_BODY_BYTES + 1) + b"</xml>", wechat.signed_params()
    )
    assert delivery.status == 413
    assert bot.messages == []


async def test_a_text_over_the_limit_is_answered_politely_without_the_bot(running, bot):
    # 100 KB of text: found by make prod-test's fuzz (it was refused with a bare 413 before)
    wechat = running.wechat
    text = "借呗逾期" * (MAX_MESSAGE_CHARS // 4 + 1)
    delivery = await wechat.push(wechat.text_xml(text, msg_id=wechat.next_msg_id()))
    assert delivery.status == 200
    assert delivery.content == TOO_LONG_ZH
    assert bot.messages == []


async def test_a_text_at_the_limit_reaches_the_bot(running, bot):
    wechat = running.wechat
    text = "征" * MAX_MESSAGE_CHARS
    delivery = await wechat.push(wechat.text_xml(text, msg_id=wechat.next_msg_id()))
    assert delivery.status == 200
    assert [m.text for m in bot.messages] == [text]


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        "<!doctype xml>",
    ],
)
async def test_xml_with_a_dtd_is_refused_before_parsing(running, bot, doctype):
    wechat = running.wechat
    body = doctype + wechat.text_xml("你好", msg_id=wechat.next_msg_id())
    delivery = await wechat.push(body)
    assert delivery.status == 400
    assert bot.messages == []


async def test_claiming_safe_mode_without_any_signature_is_refused(running, bot):
    wechat = running.wechat
    params = wechat.signed_params()
    del params["signature"]
    params["encrypt_type"] = "aes"  # but no msg_signature either, and a plaintext body
    delivery = await wechat.post_raw(
        wechat.text_xml("hi", msg_id=wechat.next_msg_id()).encode(), params
    )
    assert delivery.status == 403
    assert bot.messages == []


async def test_compatibility_mode_without_aes_key_reads_the_plaintext_fields(
    serve_channel, channel_factory, bot
):
    running = await serve_channel(channel_factory(safe=False))
    wechat = running.wechat
    params = dict(wechat.signed_params(), encrypt_type="aes", msg_signature="0" * 40)
    body = wechat.text_xml("兼容模式", msg_id=wechat.next_msg_id()).replace(
        "</xml>", "<Encrypt><![CDATA[opaque]]></Encrypt></xml>"
    )
    delivery = await wechat.post_raw(body.encode(), params)
    assert delivery.content == "收到：兼容模式"


async def test_encrypted_message_without_aes_key_is_a_configuration_error(
    serve_channel, channel_factory, bot
):
    running = await serve_channel(channel_factory(safe=False))
    wechat = running.wechat
    params = dict(wechat.signed_params(), encrypt_type="aes", msg_signature="0" * 40)
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
        "<Encrypt><![CDATA[opaque]]></Encrypt></xml>"
    )
    delivery = await wechat.post_raw(body.encode(), params)
    assert delivery.status == 503
    assert bot.messages == []


# -- the project's failure answers (bot/rasa_runtime.py) ------------------------------------------


def test_building_the_webhook_installs_the_failure_answers(channel_factory, monkeypatch):
    calls = []
    monkeypatch.setattr(rasa_runtime, "install", lambda: calls.append("install"))
    channel_factory().blueprint(lambda message: None)
    assert calls == ["install"]


async def test_a_tracker_store_failure_gets_the_shared_store_down_answer(running, bot):
    class BrokenStore(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("database down")

    store = FailSafeTrackerStore(BrokenStore(Domain.empty()))
    with pytest.raises(StoreUnavailable):  # installed by the channel: the failure is not hidden
        await store.retrieve("oX")

    def answer(message):
        raise StoreUnavailable("ConnectionError")  # what Rasa's agent raises on that failure

    bot.answer = answer
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("我还欠多少", msg_id=wechat.next_msg_id()))
    assert delivery.status == 200
    assert delivery.content == FAILURE_TEXT == STORE_DOWN_ZH
