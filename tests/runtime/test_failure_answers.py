"""Failure answers (bot/rasa_runtime.py): a failed or hung custom action and a failing tracker
store."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_runtime
from bot.rasa_runtime import ACTIONS_DOWN_ZH, StoreUnavailable

DOMAIN = Domain.from_yaml("""
version: "3.1"
actions: [action_check_loan_status, validate_overdue_cost_form]
""")


@pytest.fixture(autouse=True, scope="module")
def installed():
    rasa_runtime.install()
    rasa_runtime.install()  # idempotent


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run(action_name: str, url: str):
    action = RemoteAction(action_name, EndpointConfig(url))
    tracker = DialogueStateTracker("conv-1", [])
    return await action.run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN
    )


async def test_an_action_server_that_is_down_gets_the_honest_answer():
    events = await run("action_check_loan_status", f"http://127.0.0.1:{closed_port()}/webhook")
    assert events == [BotUttered(text=ACTIONS_DOWN_ZH, metadata={"system_trouble": "actions"})]
    assert "系统暂时出了点问题" in ACTIONS_DOWN_ZH and "转人工" in ACTIONS_DOWN_ZH


async def test_a_hung_action_server_is_given_up_within_the_timeout(aiohttp_server, monkeypatch):
    monkeypatch.setattr(rasa_runtime, "ACTION_TIMEOUT", 0.5)

    async def hang(_request):
        await asyncio.sleep(30)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/webhook", hang)
    server = await aiohttp_server(app)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await run("action_check_loan_status", str(server.make_url("/webhook")))
    assert loop.time() - started < 3
    assert events[0].text == ACTIONS_DOWN_ZH


async def test_a_failed_session_start_still_starts_the_session():
    events = await run("action_session_start", f"http://127.0.0.1:{closed_port()}/webhook")
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


async def test_a_rejection_is_still_a_rejection(aiohttp_server):
    async def reject(_request):
        return web.json_response(
            {"error": "no", "action_name": "validate_overdue_cost_form"}, status=400
        )

    app = web.Application()
    app.router.add_post("/webhook", reject)
    server = await aiohttp_server(app)
    with pytest.raises(ActionExecutionRejection):
        await run("validate_overdue_cost_form", str(server.make_url("/webhook")))


async def test_a_working_action_server_is_untouched(aiohttp_server):
    async def answer(_request):
        return web.json_response({"events": [], "responses": [{"text": "你好"}]})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    server = await aiohttp_server(app)
    events = await run("action_check_loan_status", str(server.make_url("/webhook")))
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["你好"]


class BrokenStore(InMemoryTrackerStore):
    async def retrieve(self, sender_id):
        raise ConnectionError("database is down")

    async def save(self, tracker):
        raise ConnectionError("database is down")

    async def keys(self):
        raise ConnectionError("database is down")

    async def retrieve_full_tracker(self, sender_id):
        raise ConnectionError("database is down")


@pytest.mark.parametrize("call", ["retrieve", "save", "keys", "retrieve_full_tracker"])
async def test_a_tracker_store_failure_is_raised_not_hidden(call):
    store = FailSafeTrackerStore(BrokenStore(DOMAIN))
    argument = {
        "retrieve": ("conv-1",),
        "retrieve_full_tracker": ("conv-1",),
        "keys": (),
        "save": (DialogueStateTracker("conv-1", []),),
    }[call]
    with pytest.raises(StoreUnavailable):
        await getattr(store, call)(*argument)


async def test_a_working_tracker_store_is_untouched():
    store = FailSafeTrackerStore(InMemoryTrackerStore(DOMAIN))
    tracker = DialogueStateTracker("conv-2", [])
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    assert (await store.retrieve("conv-2")).sender_id == "conv-2"
    assert "conv-2" in list(await store.keys())
