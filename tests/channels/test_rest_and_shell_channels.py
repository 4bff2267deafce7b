"""The REST channel and the debug shell's channel in a real Sanic app: tokens, input, identity."""

from __future__ import annotations

import socket
import uuid
from typing import List

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.dev_shell import DevShellInput
from bot.channels.identity import verify
from bot.channels.rest import TokenRestInput
from tests.channels.identity_helpers import IDENTITY_SECRET

REST_TOKEN = "rest-channel-test-token-5e3c"
API_TOKEN = "rasa-api-test-token-77d1a"


class Bot:
    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.fail = False

    async def handle_message(self, message: UserMessage) -> None:
        if self.fail:
            raise RuntimeError("the tracker store is down")
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


@pytest.fixture
def bot():
    return Bot()


@pytest.fixture
async def url(bot, monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("BOT_DEV_MODE", "1")
    monkeypatch.delenv("BOT_ENV", raising=False)
    app = Sanic(f"channels_{uuid.uuid4().hex[:10]}", configure_logging=False)

    class Agent:
        handle_message = bot.handle_message

    app.ctx.agent = Agent()
    register([TokenRestInput(REST_TOKEN), DevShellInput(API_TOKEN)], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks"
    await server.before_stop()
    await server.close()
    await server.after_stop()


async def post(url, body, token=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            url, json=None if raw is not None else body, data=raw, headers=headers
        ) as response:
            return response.status, await response.json()


def identity_of(message):
    found = verify(message.metadata, message.sender_id, IDENTITY_SECRET.encode())
    return (found.channel, found.subject, found.as_of) if found else None


async def test_rest_answers_with_a_token_and_never_carries_an_identity(url, bot):
    status, body = await post(
        f"{url}/rest/webhook",
        {
            "sender": "abc",
            "message": "你好",
            "metadata": {
                "channel": "shell",
                "external_id": "demo-two-months",
                "as_of": "2026-01-01",
            },
        },
        REST_TOKEN,
    )
    assert status == 200 and body == [{"recipient_id": "rest:abc", "text": "收到：你好"}]
    [message] = bot.messages
    assert message.sender_id == "rest:abc"
    assert identity_of(message) == ("rest", None, None)


@pytest.mark.parametrize(
    "token, body, raw, status",
    [
        (None, {"sender": "a", "message": "x"}, None, 401),
        ("wrong-token-wrong-token", {"sender": "a", "message": "x"}, None, 401),
        (REST_TOKEN, None, b"{not json", 400),
        (REST_TOKEN, None, b"[1, 2]", 400),
        (REST_TOKEN, {"sender": "rest:other", "message": "x"}, None, 400),
        (REST_TOKEN, {"sender": "a", "message": ["x"]}, None, 400),
        (REST_TOKEN, {"sender": "a", "message": "长" * 10_001}, None, 413),
        (REST_TOKEN, None, b'{"sender": "a", "message": "' + b"x" * 70_000 + b'"}', 413),
    ],
)
async def test_rest_refuses_bad_requests_with_a_reason(url, bot, token, body, raw, status):
    got, answer = await post(f"{url}/rest/webhook", body, token, raw)
    assert got == status and answer["message"] and answer["error"]
    assert bot.messages == []


@pytest.mark.parametrize("channel, token", [("rest", REST_TOKEN), ("shell", API_TOKEN)])
async def test_lone_surrogates_reach_the_bot_as_replacement_characters(url, bot, channel, token):
    # "\ud800" in JSON has no UTF-8 form: spaCy failed on it and the user was told the system
    # had a problem (found by make prod-test's fuzz on the widget)
    raw = b'{"sender": "abc", "message": "\\ud800\u7f5a\u606f\\udfff"}'
    status, body = await post(f"{url}/{channel}/webhook", None, token, raw)
    assert status == 200
    [message] = bot.messages
    assert message.text == "\ufffd罚息\ufffd"
    assert body[0]["text"] == "收到：\ufffd罚息\ufffd"


async def test_a_failure_behind_the_channel_is_answered(url, bot):
    bot.fail = True
    status, body = await post(
        f"{url}/rest/webhook", {"sender": "abc", "message": "你好"}, REST_TOKEN
    )
    assert status == 200 and "系统暂时出了点问题" in body[0]["text"]
    status, body = await post(
        f"{url}/shell/webhook", {"sender": "abc", "message": "你好"}, API_TOKEN
    )
    assert status == 200 and "系统暂时出了点问题" in body[0]["text"]


async def test_the_shell_stamps_as_and_date_in_development_mode(url, bot):
    status, _ = await post(
        f"{url}/shell/webhook",
        {"sender": "s1", "message": "我还欠多少", "as": "demo-one-yuan", "date": "2026-12-01"},
        API_TOKEN,
    )
    assert status == 200
    assert bot.messages[0].sender_id == "shell:s1"
    assert identity_of(bot.messages[0]) == ("shell", "demo-one-yuan", "2026-12-01")


@pytest.mark.parametrize(
    "body, status",
    [
        ({"sender": "s", "message": "x", "as": "../x"}, 400),
        ({"sender": "s", "message": "x", "date": "12月1号"}, 400),
        ({"sender": "s", "message": "x", "as": 3}, 400),
    ],
)
async def test_the_shell_refuses_bad_fields(url, bot, body, status):
    assert (await post(f"{url}/shell/webhook", body, API_TOKEN))[0] == status


@pytest.mark.parametrize("env", [{}, {"BOT_DEV_MODE": "1", "BOT_ENV": "production"}])
async def test_the_shell_is_off_outside_development_mode(url, bot, monkeypatch, env):
    monkeypatch.delenv("BOT_DEV_MODE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    status, body = await post(
        f"{url}/shell/webhook", {"sender": "s", "message": "x", "as": "demo-one-yuan"}, API_TOKEN
    )
    assert status == 404 and "开发模式" in body["message"]
    assert bot.messages == []


async def test_the_shell_needs_the_api_token(url, bot):
    assert (await post(f"{url}/shell/webhook", {"sender": "s", "message": "x"}, REST_TOKEN))[
        0
    ] == 401
