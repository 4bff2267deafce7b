"""The widget's socket.io channel, served by a real Sanic app and driven by a real socket.io client.

The bot behind the channel is a stand-in that records each message and answers through the
channel's output the way Rasa does (``send_response`` with text, buttons and a custom
payload), so these tests check exactly what the page receives.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from typing import Any, Dict, List

import jwt
import pytest
import socketio
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.identity import verify
from bot.rasa_runtime import STORE_DOWN_ZH
from bot.widget.channel import (
    EXPIRED_ZH,
    WidgetSocketIOInput,
    WidgetSocketIOOutput,
    message_metadata,
    message_text,
    valid_session_id,
)

PAYOFF_PLAN = {
    "type": "payoff_plan",
    "strategies": {"avalanche": {"months": 14}},
    "table": {"columns": ["月份", "还款"], "rows": [["2026-12", "3,000.00"]]},
    "chart": {"labels": ["2026-12"], "series": [{"name": "雪崩法", "data": ["17000.00"]}]},
}


JWT_SECRET = "widget-test-jwt-secret-0c5d9a7e-4b2f1"
IDENTITY_SECRET = "widget-test-identity-secret-3e1b"
AUDIENCE = "debt-helper-widget"


def token(
    subject: str = "demo-two-months",
    seconds: float = 600,
    secret: str = JWT_SECRET,
    audience: str = AUDIENCE,
    **extra,
) -> str:
    claims = {"sub": subject, "aud": audience, "exp": int(time.time() + seconds), **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


class ScriptedBot:
    """Records every message; answers "plan" with text, buttons and a payoff plan."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.fail_after_answering = False

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        out = message.output_channel
        if message.text == "plan":
            await out.send_response(
                message.sender_id,
                {
                    "text": "选一种还法",
                    "buttons": [
                        {"title": "雪崩法", "payload": '/inform{"strategy":"avalanche"}'},
                        {"title": "雪球法", "payload": '/inform{"strategy":"snowball"}'},
                    ],
                },
            )
            await out.send_response(message.sender_id, {"text": "这是计划", "custom": PAYOFF_PLAN})
        else:
            await out.send_response(message.sender_id, {"text": f"收到：{message.text}"})
        if self.fail_after_answering:
            raise RuntimeError("the tracker store is down")


class _Agent:
    def __init__(self, bot: ScriptedBot) -> None:
        self.handle_message = bot.handle_message


class Browser:
    """A socket.io client speaking the widget's events, collecting what the bot sends."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: List[Dict[str, Any]] = []
        self.session_id: Any = None
        self._confirmed = asyncio.Event()

        @self.client.on("session_confirm")
        async def confirmed(session_id: Any) -> None:
            self.session_id = session_id
            self._confirmed.set()

        @self.client.on("bot_uttered")
        async def uttered(data: Dict[str, Any]) -> None:
            self.received.append(data)

    async def open(self, session_id: Any = None, request: Any = ..., auth: Any = None) -> Any:
        await self.client.connect(
            self.url, socketio_path="/socket.io", transports=["polling"], auth=auth
        )
        await self.client.emit(
            "session_request", {"session_id": session_id} if request is ... else request
        )
        await asyncio.wait_for(self._confirmed.wait(), 5)
        return self.session_id

    async def say(self, text: Any, custom_data: Any = None, session_id: Any = ...) -> None:
        await self.client.emit(
            "user_uttered",
            {
                "message": text,
                "customData": custom_data if custom_data is not None else {"channel": "widget"},
                "session_id": self.session_id if session_id is ... else session_id,
            },
        )

    async def wait_for(self, count: int, timeout: float = 5.0) -> List[Dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} bot messages, got {self.received}")
            await asyncio.sleep(0.02)
        return self.received

    async def close(self) -> None:
        """Leave like a closed tab: a polling client's graceful disconnect waits for the
        server's next ping (tens of seconds), so the connection is dropped instead."""
        if self.client.connected or self.client.eio.state == "connected":
            await self.client.eio.disconnect(abort=True)


@pytest.fixture
def bot() -> ScriptedBot:
    return ScriptedBot()


@pytest.fixture
async def server_url(bot, monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("WIDGET_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("IDENTITY_SECRET", IDENTITY_SECRET)
    channel = WidgetSocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "metadata_key": "customData",
            "jwt_leeway": 0,
        }
    )
    app = Sanic(f"widget_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = _Agent(bot)
    register([channel], app, route="/webhooks/")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    yield f"http://127.0.0.1:{port}"
    await server.before_stop()
    await server.close()
    await server.after_stop()


@pytest.fixture
async def browsers(server_url):
    opened: List[Browser] = []

    def make() -> Browser:
        browser = Browser(server_url)
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        await browser.close()


async def test_reply_reaches_the_page_in_its_session_room(browsers, bot):
    page = browsers()
    session_id = await page.open()
    assert valid_session_id(session_id)
    await page.say("你好")
    received = await page.wait_for(1)
    assert received == [{"text": "收到：你好"}]
    assert bot.messages[0].sender_id == f"widget:anon:{session_id}"
    assert bot.messages[0].input_channel == "socketio"


def identity_of(message: UserMessage):
    return verify(message.metadata, message.sender_id, IDENTITY_SECRET.encode())


async def test_custom_data_cannot_claim_an_identity(browsers, bot):
    page = browsers()
    await page.open()
    await page.say(
        "我这个月要还多少",
        {
            "channel": "shell",
            "external_id": "demo-two-months",
            "as_of": "2026-12-01",
            "verified_identity": {"subject": "demo-two-months"},
            "page": "faq",
        },
    )
    await page.wait_for(1)
    metadata = bot.messages[0].metadata
    assert metadata["channel"] == "widget" and metadata["page"] == "faq"
    assert "external_id" not in metadata and "as_of" not in metadata
    identity = identity_of(bot.messages[0])
    assert (identity.channel, identity.subject, identity.as_of) == ("widget", None, None)


async def test_a_valid_token_binds_the_socket_to_its_subject(browsers, bot):
    page = browsers()
    session_id = await page.open(auth={"token": token("demo-two-months")})
    await page.say("我这个月要还多少", {"external_id": "demo-multi-debt"})
    await page.wait_for(1)
    message = bot.messages[0]
    assert message.sender_id == f"widget:demo-two-months:{session_id}"
    assert identity_of(message).subject == "demo-two-months"


@pytest.mark.parametrize(
    "auth",
    [
        {"token": token(secret="another-secret-of-someone-else")},  # forged
        {"token": token(seconds=-120)},  # expired
        {"token": token(audience="some-other-app")},  # wrong audience
        {"token": token(subject=None)},  # no subject
        {
            "token": jwt.encode(
                {"sub": "demo-two-months", "aud": AUDIENCE}, JWT_SECRET, algorithm="HS256"
            )
        },  # no exp
        {
            "token": jwt.encode(
                {"sub": "demo-two-months", "aud": AUDIENCE, "exp": int(time.time()) + 600},
                "",
                algorithm="none",
            )
        },  # unsigned
        {"token": "not.a.jwt"},
        {"token": 42},
        {"token": "x" * 10000},
    ],
)
async def test_an_invalid_token_is_refused(browsers, bot, auth):
    page = browsers()
    # a refused polling client closes gracefully, waiting for the server's next ping: drop instead
    graceful = page.client.eio.disconnect
    page.client.eio.disconnect = lambda abort=False, reason=None: graceful(abort=True)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await page.open(auth=auth)
    assert bot.messages == []


async def test_another_borrowers_session_id_is_a_conversation_of_its_own(browsers, bot):
    victim = browsers()
    session_id = await victim.open(auth={"token": token("demo-two-months")})
    await victim.say("我还欠多少")
    await victim.wait_for(1)
    for auth in ({"token": token("demo-multi-debt")}, None):
        intruder = browsers()
        assert await intruder.open(session_id, auth=auth) == session_id
        await intruder.say("我还欠多少")
        await intruder.wait_for(1)
    senders = [m.sender_id for m in bot.messages]
    assert senders == [
        f"widget:demo-two-months:{session_id}",
        f"widget:demo-multi-debt:{session_id}",
        f"widget:anon:{session_id}",
    ]
    assert len(victim.received) == 1  # the victim's page saw none of the intruders' turns
    assert [identity_of(m).subject for m in bot.messages] == [
        "demo-two-months",
        "demo-multi-debt",
        None,
    ]


async def test_an_expired_token_mid_conversation_asks_to_log_in_again(browsers, bot):
    page = browsers()
    await page.open(auth={"token": token("demo-two-months", seconds=1)})
    await page.say("第一句")
    await page.wait_for(1)
    await asyncio.sleep(2.1)
    await page.say("我还欠多少")
    received = await page.wait_for(2)
    assert received[1] == {"text": EXPIRED_ZH}
    assert [m.text for m in bot.messages] == ["第一句"]


async def test_buttons_arrive_as_quick_replies_and_a_custom_payload_as_itself(browsers):
    page = browsers()
    await page.open()
    await page.say("plan")
    received = await page.wait_for(3)
    assert received[0] == {
        "text": "选一种还法",
        "quick_replies": [
            {
                "content_type": "text",
                "title": "雪崩法",
                "payload": '/inform{"strategy":"avalanche"}',
            },
            {
                "content_type": "text",
                "title": "雪球法",
                "payload": '/inform{"strategy":"snowball"}',
            },
        ],
    }
    assert received[1] == {"text": "这是计划"}
    assert received[2] == PAYOFF_PLAN


async def test_a_reloaded_page_rejoins_its_conversation(browsers, bot):
    first = browsers()
    session_id = await first.open()
    await first.say("第一句")
    await first.wait_for(1)
    await first.close()

    reloaded = browsers()
    assert await reloaded.open(session_id) == session_id
    await reloaded.say("第二句")
    assert (await reloaded.wait_for(1))[0] == {"text": "收到：第二句"}
    assert [m.sender_id for m in bot.messages] == [f"widget:anon:{session_id}"] * 2


@pytest.mark.parametrize(
    "request_body",
    [
        None,
        "not an object",
        {"session_id": "<script>"},
        {"session_id": "x" * 500},
        {"session_id": 42},
    ],
)
async def test_a_malformed_session_request_gets_a_fresh_session(browsers, request_body):
    page = browsers()
    session_id = await page.open(request=request_body)
    assert isinstance(session_id, str) and len(session_id) == 32
    await page.say("还在吗")
    assert (await page.wait_for(1))[0] == {"text": "收到：还在吗"}


async def test_malformed_messages_are_dropped_or_answered_never_crash(browsers, bot):
    page = browsers()
    await page.open()
    await page.client.emit("user_uttered", "just a string")
    await page.client.emit("user_uttered", None)
    await page.say({"nested": "object"})  # not text: answered as an empty message
    await page.say("坏的元数据", custom_data="{not json")  # metadata ignored, message answered
    await page.say("列表元数据", custom_data=["a", "b"])
    await page.say("没有会话", session_id=None)  # the socket's session decides, not the message
    received = await page.wait_for(4)
    assert received == [
        {"text": "收到："},
        {"text": "收到：坏的元数据"},
        {"text": "收到：列表元数据"},
        {"text": "收到：没有会话"},
    ]
    assert [m.metadata["channel"] for m in bot.messages[1:3]] == ["widget", "widget"]
    assert [identity_of(m).subject for m in bot.messages[1:3]] == [None, None]
    assert bot.messages[3].sender_id == f"widget:anon:{page.session_id}"


def test_metadata_and_text_helpers():
    assert message_metadata('{"external_id": "demo-one-yuan"}') == {"external_id": "demo-one-yuan"}
    assert message_metadata("[1, 2]") == {}
    assert message_metadata(None) == {}
    assert message_metadata({"a": 1}) == {"a": 1}
    assert message_text("你好") == "你好"
    assert message_text("罚\ud800息\udfff") == "罚\ufffd息\ufffd"  # lone surrogates
    assert message_text("🙂") == "🙂"
    assert message_text(5000) == "5000"
    assert message_text(True) == ""
    assert message_text(None) == ""
    assert valid_session_id("a" * 32) == "a" * 32
    assert valid_session_id("") is None
    assert valid_session_id("../../etc") is None


async def test_output_channel_is_the_fixed_one(bot):
    channel = WidgetSocketIOInput()
    channel.blueprint(bot.handle_message)
    assert isinstance(channel.get_output_channel(), WidgetSocketIOOutput)


async def test_a_custom_payload_that_is_not_an_object_is_still_sent():
    sent = []

    class Recorder:
        async def emit(self, event, data=None, room=None, **kwargs):
            sent.append((event, data, room))

    output = WidgetSocketIOOutput(Recorder(), "bot_uttered")
    await output.send_custom_json("session-1", ["a", "b"])
    await output.send_custom_json("session-1", {"type": "payoff_plan", "room": "kept as data"})
    assert sent == [
        ("bot_uttered", {"payload": ["a", "b"]}, "session-1"),
        ("bot_uttered", {"type": "payoff_plan", "room": "kept as data"}, "session-1"),
    ]


async def test_a_held_turn_goes_out_only_when_released_and_in_order():
    sent = []

    class Recorder:
        async def emit(self, event, data=None, room=None, **kwargs):
            sent.append((event, data, room))

    output = WidgetSocketIOOutput(Recorder(), "bot_uttered", hold=True)
    await output.send_text_message("s1", "第一条")
    await output.send_custom_json("s1", {"type": "payoff_plan"})
    assert sent == []  # nothing reaches the page before the turn is saved
    await output.release()
    await output.send_text_message("s1", "之后的")  # after the release: at once
    assert [data for _, data, _ in sent] == [
        {"text": "第一条"},
        {"type": "payoff_plan"},
        {"text": "之后的"},
    ]
    dropped = WidgetSocketIOOutput(Recorder(), "bot_uttered", hold=True)
    await dropped.send_text_message("s1", "不该出现")
    dropped.discard()
    assert len(sent) == 3


async def test_a_turn_that_fails_after_answering_shows_only_the_apology(browsers, bot):
    # Rasa sends the answer while it runs the turn and saves the turn after: when the save
    # fails (or the server dies), the page must not show an answer that was never stored
    bot.fail_after_answering = True
    page = browsers()
    await page.open()
    await page.say("你好")
    received = await page.wait_for(1)
    await asyncio.sleep(0.2)
    assert [m["text"] for m in page.received] == [STORE_DOWN_ZH]
    assert received and "收到" not in str(page.received)
