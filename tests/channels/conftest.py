"""Fixtures of the WeChat channel's tests; the simulated WeChat itself is in wechat_sim.py."""

from __future__ import annotations

import socket
import uuid
from typing import Any, Callable, List

import aiohttp
import pytest
from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic

from bot.channels.wechat import WeChatInput
from tests.channels.identity_helpers import IDENTITY_SECRET
from tests.channels.wechat_sim import (
    FakeBot,
    RunningChannel,
    WeChatApiSimulator,
    WeChatPusher,
    make_channel,
)


class _Agent:
    """What ``rasa.core.channels.channel.register`` expects in ``app.ctx.agent``."""

    def __init__(self, bot: FakeBot) -> None:
        self.handle_message = bot.handle_message


@pytest.fixture
async def wechat_api(aiohttp_server) -> WeChatApiSimulator:
    simulator = WeChatApiSimulator()
    server = await aiohttp_server(simulator.app(), host="127.0.0.1")
    simulator.url = str(server.make_url("")).rstrip("/")
    return simulator


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
async def serve_channel(bot: FakeBot, monkeypatch):
    """``await serve_channel(channel)`` → :class:`RunningChannel`; stopped after the test."""
    # Several Sanic apps in one process (one per test), as sanic-testing allows it.
    monkeypatch.setattr(Sanic, "test_mode", True)
    running: List[RunningChannel] = []
    sessions: List[aiohttp.ClientSession] = []

    async def start(channel: InputChannel) -> RunningChannel:
        app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
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
        session = aiohttp.ClientSession()
        sessions.append(session)
        handle = RunningChannel(
            channel, WeChatPusher(f"http://127.0.0.1:{port}", channel, session), server
        )
        running.append(handle)
        return handle

    yield start
    for session in sessions:
        await session.close()
    for handle in running:
        await handle.stop()


@pytest.fixture
def channel_factory(wechat_api: WeChatApiSimulator) -> Callable[..., WeChatInput]:
    def factory(**kwargs: Any) -> WeChatInput:
        return make_channel(wechat_api, **kwargs)

    return factory


@pytest.fixture(params=["plaintext", "safe"])
async def running(request, serve_channel, channel_factory) -> RunningChannel:
    """The channel in plaintext mode and in safe (AES) mode, fast passive window."""
    return await serve_channel(channel_factory(safe=request.param == "safe"))


@pytest.fixture(autouse=True)
def identity_secret(monkeypatch):
    """The channel signs each message's identity with the secret it shares with the actions."""
    monkeypatch.setenv("IDENTITY_SECRET", IDENTITY_SECRET)
