"""Access tokens and customer-service messages against the simulated WeChat API."""

from __future__ import annotations

import socket

import pytest

from bot.channels.wechat_cs_api import CustomerServiceClient, WeChatApiError
from bot.channels.wechat_render import BotTurn
from tests.channels.wechat_sim import APP_ID, APP_SECRET, OPENID


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client(wechat_api):
    clock = FakeClock()
    client = CustomerServiceClient(APP_ID, APP_SECRET, wechat_api.url, clock=clock)
    client.clock = clock  # for the tests
    yield client
    await client.close()


async def test_token_is_cached_until_shortly_before_expiry(client, wechat_api):
    first = await client.access_token()
    assert await client.access_token() == first
    assert len(wechat_api.token_requests) == 1

    client.clock.now += 7200 - 300 - 1  # still inside the cached lifetime
    assert await client.access_token() == first
    client.clock.now += 2  # within the refresh margin: fetch a new one
    second = await client.access_token()
    assert second != first
    assert len(wechat_api.token_requests) == 2


async def test_send_text_posts_the_customer_service_message(client, wechat_api):
    await client.send_text(OPENID, "您好，本期应还 2,345.67 元")
    (send,) = wechat_api.sends
    assert send["json"] == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "您好，本期应还 2,345.67 元"},
    }
    assert "本期应还".encode() in send["raw"]


async def test_rejected_token_is_refreshed_and_the_message_resent(client, wechat_api):
    await client.send_text(OPENID, "一")
    wechat_api.revoke_tokens()  # e.g. another process fetched a token meanwhile
    await client.send_text(OPENID, "二")
    assert wechat_api.sent_texts == ["一", "二"]
    assert len(wechat_api.token_requests) == 2


async def test_wrong_secret_raises_wechat_error(wechat_api):
    client = CustomerServiceClient(APP_ID, "wrong-secret", wechat_api.url)
    try:
        with pytest.raises(WeChatApiError) as error:
            await client.send_text(OPENID, "x")
        assert error.value.errcode == 40125
    finally:
        await client.close()
    assert wechat_api.sends == []


async def test_other_api_errors_are_raised_not_retried(client, wechat_api):
    wechat_api.send_errcodes = [45015]
    with pytest.raises(WeChatApiError) as error:
        await client.send_text(OPENID, "x")
    assert error.value.errcode == 45015
    assert len(wechat_api.token_requests) == 1


async def test_channel_delivery_survives_an_unreachable_api(channel_factory, caplog):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    channel = channel_factory()
    channel.api = CustomerServiceClient(APP_ID, APP_SECRET, f"http://127.0.0.1:{port}")
    await channel.deliver_via_api(OPENID, BotTurn(("您好",)))  # must not raise
    await channel.close()
    assert "customer-service message not sent" in caplog.text


async def test_channel_delivery_logs_wechat_errors(channel_factory, wechat_api, caplog):
    channel = channel_factory()
    wechat_api.send_errcodes = [45047]
    await channel.deliver_via_api(OPENID, BotTurn(("一",)))
    await channel.close()
    assert "45047" in caplog.text
    assert wechat_api.sends == []


async def test_channel_delivery_respects_the_five_message_quota(
    channel_factory, wechat_api, caplog
):
    channel = channel_factory()
    paragraphs = tuple(f"{i}" + "款" * 680 for i in range(7))  # one WeChat message each
    await channel.deliver_via_api(OPENID, BotTurn(paragraphs))
    await channel.close()
    assert [text[0] for text in wechat_api.sent_texts] == ["0", "1", "2", "3", "4"]
    assert "allows 5" in caplog.text
