"""The action server answers only Rasa: a bearer token on every call, no tracker in errors or
logs."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest
from sanic import Sanic

from bot.action_server import ActionServerError, action_token, create_app

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "action-server-test-token-8c1e4f"
SECRET_TEXT = "我的身份证号是110101199001011234"


@pytest.fixture
async def server(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app(TOKEN)
    app.name = f"actions_{uuid.uuid4().hex[:10]}"

    @app.post("/boom")
    async def boom(request):
        raise ValueError(request.json.get("text"))

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    running = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await running.startup()
    await running.before_start()
    await running.after_start()
    yield f"http://127.0.0.1:{port}"
    await running.before_stop()
    await running.close()
    await running.after_stop()


def call_body(sender="conv-1"):
    return {
        "next_action": "action_check_loan_status",
        "sender_id": sender,
        "version": "3.6.2",
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": SECRET_TEXT, "metadata": {}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
    }


async def test_health_is_open_and_everything_else_needs_the_token(server):
    async with aiohttp.ClientSession() as session:
        assert (await session.get(f"{server}/health")).status == 200
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Authorization": TOKEN},
            {"Authorization": f"Basic {TOKEN}"},
        ):
            response = await session.post(f"{server}/webhook", json=call_body(), headers=headers)
            assert response.status == 401
            assert SECRET_TEXT not in await response.text()
        assert (await session.get(f"{server}/actions")).status == 401
        listed = await session.get(
            f"{server}/actions", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert listed.status == 200 and {"name": "action_check_loan_status"} in await listed.json()


async def test_a_failure_answers_500_without_request_data_and_logs_no_text(server, caplog):
    caplog.set_level(logging.INFO)
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{server}/boom",
            json={"text": SECRET_TEXT},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status == 500
        assert SECRET_TEXT not in await response.text()
    assert SECRET_TEXT not in caplog.text and "ValueError" in caplog.text


def test_the_token_is_required_and_long_enough():
    with pytest.raises(ActionServerError):
        action_token({})
    with pytest.raises(ActionServerError):
        action_token({"ACTION_SERVER_TOKEN": "short"})
    assert action_token({"ACTION_SERVER_TOKEN": TOKEN}) == TOKEN


def test_the_command_refuses_to_start_without_a_token():
    result = subprocess.run(
        [sys.executable, "-m", "bot.action_server"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "ACTION_SERVER_TOKEN" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "settings, named",
    [
        ({"BOT_DEV_MODE": "1", "BOT_ENV": "production"}, "BOT_DEV_MODE"),
        ({"IDENTITY_SECRET": "short"}, "IDENTITY_SECRET"),
    ],
)
def test_the_command_refuses_to_start_with_unsafe_identity_settings(settings, named):
    # each request would fail on them (HTTP 500 behind a passing health check): fail at the start
    result = subprocess.run(
        [sys.executable, "-m", "bot.action_server", "--port", "9"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "ACTION_SERVER_TOKEN": TOKEN,
            **settings,
        },
    )
    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr
