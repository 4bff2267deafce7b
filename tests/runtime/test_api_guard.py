"""The HTTP API's body check (bot/rasa_runtime.py): malformed bodies are a 400, not Rasa's 500
(found by make prod-test's fuzz: non-object JSON, null or object texts, invalid UTF-8 and lone
surrogates made /model/parse answer 500)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sanic import Sanic

from bot import rasa_runtime
from bot.channels.user_text import MAX_MESSAGE_CHARS
from bot.rasa_runtime import refuse_malformed_api_bodies


def request(body: bytes, path: str = "/model/parse", method: str = "POST"):
    return SimpleNamespace(method=method, path=path, body=body)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"text"',
        b"1",
        b"null",
        b"{",
        b"\xff\xfe{}",
        b'{"text": "\xc3\x28"}',
        b'{"text": null}',
        b'{"text": {"a": 1}}',
        b'{"text": ["a"]}',
        b'{"text": "\\ud800abc"}',
        b'{"name": 5}',
        b'{"text": "ok", "x": ["\\udfff"]}',
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/model/parse",
        "/conversations/c1/messages",
        "/conversations/c1/trigger_intent",
        "/conversations/c1/execute",
    ],
)
async def test_malformed_bodies_are_a_400(body, path):
    answer = await refuse_malformed_api_bodies(request(body, path))
    assert answer is not None and answer.status == 400
    assert json.loads(answer.body)["reason"] == "BadRequest"


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "\\u903e\\u671f\\u4e00\\u5929"}',
        '{"text": "a\\u0000b 🙂"}'.encode(),
        b'{"text": "ok", "metadata": []}',
        b'{"name": "EXTERNAL_x", "entities": {}}',
        b"",
    ],
)
async def test_good_bodies_go_on(body):
    assert await refuse_malformed_api_bodies(request(body)) is None


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/model/parse"),
        ("POST", "/conversations/c1/tracker/events"),
        ("POST", "/webhooks/wechat/webhook"),
        ("PUT", "/model"),
    ],
)
async def test_other_routes_are_left_alone(method, path):
    assert await refuse_malformed_api_bodies(request(b"[]", path, method)) is None


def test_the_guard_is_a_request_middleware_of_the_app():
    app = Sanic("api_guard_test")
    rasa_runtime.guard_api(app)
    assert any(
        getattr(m, "__name__", "") == "refuse_malformed_api_bodies"
        or getattr(getattr(m, "func", None), "__name__", "") == "refuse_malformed_api_bodies"
        for m in app.request_middleware
    )


async def test_a_text_over_the_channels_limit_is_a_413():
    # reading 100 KB held the server's event loop for seconds: HAProxy's health checks failed
    # (found by make prod-test's fuzz)
    body = json.dumps({"text": "借" * (MAX_MESSAGE_CHARS + 1)}).encode()
    answer = await refuse_malformed_api_bodies(request(body))
    assert answer is not None and answer.status == 413
    assert json.loads(answer.body)["reason"] == "PayloadTooLarge"
    at_limit = json.dumps({"text": "借" * MAX_MESSAGE_CHARS}).encode()
    assert await refuse_malformed_api_bodies(request(at_limit)) is None
