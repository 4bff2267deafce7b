"""The reminder scheduler as it runs: inside the ledger service (started on startup, stopped on
shutdown), as ``python -m bot.loans serve`` surviving restarts, as two ``python -m bot.loans
scheduler`` processes on one PostgreSQL database, and its configuration (refused in
production where it is a test switch)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.loans import migrate
from bot.loans.config import ConfigError
from bot.loans.db import Database
from bot.loans.demo import seed_demo
from bot.loans.models import Reminder
from bot.loans.reminder_scheduler import SchedulerSettings
from bot.loans.service import SCHEDULER_TASK_KEY, create_app

from .conftest import TODAY, TOKEN
from .fake_rasa import RASA_TOKEN, FakeClock, FakeRasa

PYTHON = sys.executable
BEIJING = timezone(timedelta(hours=8))
PAYLOAD = {
    "loan_id": "demo-up-to-date-jiebei",
    "remind_on": "2026-12-10",
    "days_before": 3,
    "channel": "shell",
    "conversation_id": "shell:conv-secret-1",
}


@pytest.fixture
async def rasa(aiohttp_server):
    fake = FakeRasa()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


async def wait_until(condition, timeout: float = 20.0, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(step)


# -- configuration -----------------------------------------------------------------------------


def test_settings_from_the_environment():
    assert SchedulerSettings.from_env({}) is None
    assert SchedulerSettings.from_env({"RASA_URL": "http://127.0.0.1:5005"}) is None
    with pytest.raises(ConfigError, match="RASA_URL"):
        SchedulerSettings.from_env({}, required=True)
    settings = SchedulerSettings.from_env(
        {
            "RASA_URL": "http://127.0.0.1:5005/",
            "RASA_API_TOKEN": "t",
            "REMINDER_POLL_SECONDS": "2",
            "REMINDER_MAX_ATTEMPTS": "7",
            "REMINDER_BATCH_SIZE": "50",
        }
    )
    assert settings.rasa_url == "http://127.0.0.1:5005" and settings.poll_seconds == 2
    assert settings.max_attempts == 7 and settings.batch_size == 50
    assert "rasa_token" not in repr(settings)  # the token never appears in a log of settings
    base = {"RASA_URL": "http://rasa", "RASA_API_TOKEN": "t"}
    for bad in (
        {"REMINDER_POLL_SECONDS": "soon"},
        {"REMINDER_POLL_SECONDS": "0"},
        {"REMINDER_MAX_ATTEMPTS": "0"},
        {"REMINDER_BATCH_SIZE": "100000"},
        # a lease shorter than two calls to Rasa could expire under a live scheduler
        {"REMINDER_TIMEOUT_SECONDS": "60", "REMINDER_LEASE_SECONDS": "120"},
        {"RASA_URL": "rasa:5005"},
    ):
        with pytest.raises(ConfigError):
            SchedulerSettings.from_env({**base, **bad})


def test_the_test_delay_is_refused_in_production(monkeypatch):
    from bot.loans import config

    assert config.reminder_test_delay({}) is None
    assert config.reminder_test_delay({"REMINDER_TEST_DELAY_SECONDS": "5"}) == 5
    production = {
        "REMINDER_TEST_DELAY_SECONDS": "5",
        "BOT_ENV": "production",
        "RASA_URL": "http://rasa",
        "RASA_API_TOKEN": "t",
    }
    with pytest.raises(ConfigError, match="BOT_ENV=production"):
        config.reminder_test_delay(production)
    with pytest.raises(ConfigError, match="REMINDER_TEST_DELAY_SECONDS"):
        SchedulerSettings.from_env(production)
    for bad in ("-1", "x", "1e9"):
        with pytest.raises(ConfigError):
            config.reminder_test_delay({"REMINDER_TEST_DELAY_SECONDS": bad})
    monkeypatch.setenv("REMINDER_TEST_DELAY_SECONDS", "5")
    monkeypatch.setenv("BOT_ENV", "production")
    with pytest.raises(ConfigError, match="REMINDER_TEST_DELAY_SECONDS"):
        create_app("sqlite:///unused.db", TOKEN)
    monkeypatch.delenv("REMINDER_TEST_DELAY_SECONDS")
    create_app("sqlite:///unused.db", TOKEN)  # production without the switch is fine


def clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOAN_", "RASA_", "REMINDER_")) and k not in ("BOT_ENV",)
    }
    env.update(extra)
    return env


def test_cli_refuses_a_scheduler_without_rasa_and_a_test_delay_in_production(tmp_path):
    env = clean_env(LOAN_DATABASE_URL=f"sqlite:///{tmp_path}/loans.db", LOAN_SERVICE_TOKEN=TOKEN)
    assert (
        subprocess.run(
            [PYTHON, "-m", "bot.loans", "migrate"], env=env, capture_output=True
        ).returncode
        == 0
    )
    result = subprocess.run(
        [PYTHON, "-m", "bot.loans", "scheduler"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "RASA_URL" in result.stderr
    production = {
        **env,
        "BOT_ENV": "production",
        "REMINDER_TEST_DELAY_SECONDS": "3",
        "RASA_URL": "http://127.0.0.1:9",
        "RASA_API_TOKEN": "t",
    }
    for command in ("serve", "scheduler"):
        result = subprocess.run(
            [PYTHON, "-m", "bot.loans", command],
            env=production,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, command
        assert "REMINDER_TEST_DELAY_SECONDS" in result.stderr and "Traceback" not in result.stderr


# -- inside the service ------------------------------------------------------------------------


async def test_the_service_runs_the_scheduler_from_startup_to_shutdown(
    aiohttp_client, seeded_url, policy, rasa, auth
):
    settings = SchedulerSettings(
        rasa.url, RASA_TOKEN, poll_seconds=0.02, timeout_seconds=1, lease_seconds=12
    )
    app = create_app(
        seeded_url,
        TOKEN,
        today=lambda: TODAY,
        policy=policy,
        reminder_test_delay=None,
        scheduler_settings=settings,
    )
    api = await aiohttp_client(app)
    task = app[SCHEDULER_TASK_KEY]
    assert not task.done()
    due = datetime.now(timezone.utc).isoformat()  # explicit due instant: now
    resp = await api.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json={**PAYLOAD, "remind_at": due},
        headers={**auth, "Idempotency-Key": "svc-1"},
    )
    assert resp.status == 201
    reminder_id = (await resp.json())["reminder"]["reminder_id"]
    await wait_until(lambda: rasa.triggers[reminder_id] == 1)
    [request] = rasa.requests
    assert request["conversation_id"] == "shell:conv-secret-1"
    assert request["body"]["entities"] == {"loan_product": "借呗", "reminder_id": reminder_id}

    async def status():
        resp = await api.get(f"/v1/borrowers/demo-up-to-date/reminders/{reminder_id}", headers=auth)
        return (await resp.json())["reminder"]

    for _ in range(100):
        if (await status())["status"] == "sent":
            break
        await asyncio.sleep(0.02)
    reminder = await status()
    assert reminder["status"] == "sent" and reminder["attempts"] == 1 and reminder["sent_at"]
    listed = await (
        await api.get("/v1/borrowers/demo-up-to-date/reminders?status=scheduled", headers=auth)
    ).json()
    [following] = listed["reminders"]
    assert following["previous_id"] == reminder_id and following["remind_on"] == "2027-01-10"
    await api.close()  # shutdown: the task ends, cleanly
    assert task.done() and (task.cancelled() or task.exception() is None)


async def test_no_scheduler_without_settings(aiohttp_client, seeded_url, policy):
    app = create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy)
    await aiohttp_client(app)
    assert app.get(SCHEDULER_TASK_KEY) is None


async def test_new_reminders_are_due_at_nine_or_after_the_test_delay(
    aiohttp_client, seeded_url, policy, auth
):
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=BEIJING))
    plain = await aiohttp_client(
        create_app(
            seeded_url,
            TOKEN,
            today=lambda: TODAY,
            policy=policy,
            clock=clock,
            reminder_test_delay=None,
        )
    )
    resp = await plain.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json=PAYLOAD,
        headers={**auth, "Idempotency-Key": "nine"},
    )
    assert (await resp.json())["reminder"]["remind_at"] == "2026-12-10T09:00:00+08:00"
    explicit = {**PAYLOAD, "remind_at": "2026-11-23T08:00:00Z"}
    resp = await plain.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json=explicit,
        headers={**auth, "Idempotency-Key": "explicit"},
    )
    assert (await resp.json())["reminder"]["remind_at"] == "2026-11-23T16:00:00+08:00"
    testing = await aiohttp_client(
        create_app(
            seeded_url,
            TOKEN,
            today=lambda: TODAY,
            policy=policy,
            clock=clock,
            reminder_test_delay=30,
        )
    )
    resp = await testing.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json=PAYLOAD,
        headers={**auth, "Idempotency-Key": "soon"},
    )
    assert (await resp.json())["reminder"]["remind_at"] == "2026-11-23T15:00:30+08:00"


async def test_a_reminders_delivery_names_its_borrower_and_conversation_to_the_ledgers_callers_only(
    aiohttp_client, seeded_url, policy, auth
):
    client = await aiohttp_client(create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy))
    resp = await client.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json=PAYLOAD,
        headers={**auth, "Idempotency-Key": "delivery"},
    )
    reminder_id = (await resp.json())["reminder"]["reminder_id"]
    assert (await client.get(f"/v1/reminders/{reminder_id}")).status == 401
    body = await (await client.get(f"/v1/reminders/{reminder_id}", headers=auth)).json()
    assert body["borrower_id"] == "demo-up-to-date"
    assert body["reminder"]["conversation_id"] == PAYLOAD["conversation_id"]
    assert (await client.get("/v1/reminders/rm-nobody", headers=auth)).status == 404


# -- as processes --------------------------------------------------------------------------------


class Process:
    def __init__(self, args, env, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bot.loans", *args], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        finally:
            self._log.close()
        return code


async def wait_for_health(base: str, proc: Process) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(base + "/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            assert proc.proc.poll() is None, proc.output()
            assert time.monotonic() < deadline, "service did not start"
            await asyncio.sleep(0.1)


async def test_a_reminder_survives_restarts_and_fires_once(tmp_path, rasa, unused_tcp_port):
    url = f"sqlite:///{tmp_path}/loans.db"
    base_env = clean_env(
        LOAN_DATABASE_URL=url, LOAN_SERVICE_TOKEN=TOKEN, LOAN_SERVICE_PORT=str(unused_tcp_port)
    )
    for args in (["migrate"], ["seed", "--demo"]):
        assert (
            subprocess.run(
                [PYTHON, "-m", "bot.loans", *args], env=base_env, capture_output=True
            ).returncode
            == 0
        )
    base = f"http://127.0.0.1:{unused_tcp_port}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "restart-1"}
    # 1. set while no scheduler runs anywhere (the service without RASA_URL)
    first = Process(
        ["serve"], {**base_env, "REMINDER_TEST_DELAY_SECONDS": "1"}, tmp_path / "serve-1.log"
    )
    try:
        await wait_for_health(base, first)
        today = datetime.now(BEIJING).date()
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.post(
                f"{base}/v1/borrowers/demo-up-to-date/reminders",
                json={**PAYLOAD, "remind_on": today.isoformat()},
            ) as resp:
                assert resp.status == 201, await resp.text()
                reminder_id = (await resp.json())["reminder"]["reminder_id"]
    finally:
        assert first.stop() == 0
    await asyncio.sleep(1.0)  # it comes due while nothing runs
    assert not rasa.requests
    # 2. restarted with the scheduler: fired once
    with_rasa = {
        **base_env,
        "RASA_URL": rasa.url,
        "RASA_API_TOKEN": RASA_TOKEN,
        "REMINDER_POLL_SECONDS": "0.05",
    }
    logs = []
    for n in (2, 3):  # 3. and once more: nothing fires again
        proc = Process(["serve"], with_rasa, tmp_path / f"serve-{n}.log")
        try:
            await wait_for_health(base, proc)
            if n == 2:
                await wait_until(lambda: rasa.triggers[reminder_id] == 1)
            await asyncio.sleep(0.5)  # ten more polls
        finally:
            assert proc.stop() == 0  # SIGTERM: the scheduler stops cleanly
        logs.append(proc.output())
    assert rasa.triggers == {reminder_id: 1}
    db = Database(url)
    try:
        async with db.read_session() as session:
            row = await session.get(Reminder, reminder_id)
        assert row.status == "sent"
    finally:
        await db.dispose()
    assert f"reminder {reminder_id} sent" in logs[0] and "reminder scheduler stopped" in logs[0]
    for text in logs:  # reminder ids only: no conversation, borrower or token in the log
        assert "conv-secret" not in text and "demo-up-to-date" not in text
        assert RASA_TOKEN not in text and TOKEN not in text


@pytest.mark.postgres
async def test_two_scheduler_processes_share_the_work_and_fire_each_reminder_once(
    postgres_databases, policy, rasa, tmp_path
):
    url = postgres_databases.create()
    migrate.upgrade(url)
    db = Database(url)
    env = clean_env(
        LOAN_DATABASE_URL=url,
        RASA_URL=rasa.url,
        RASA_API_TOKEN=RASA_TOKEN,
        REMINDER_POLL_SECONDS="0.05",
        REMINDER_BATCH_SIZE="4",
    )
    procs = [Process(["scheduler"], env, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        await seed_demo(db, policy, date.today())
        await wait_until(lambda: all("polling every" in p.output() for p in procs), timeout=30)
        rasa.delay = 0.02
        now = datetime.now(timezone.utc)
        async with db.write_session() as session:
            async with session.begin():
                for n in range(60):
                    session.add(
                        Reminder(
                            id=f"rm-p{n:02d}",
                            borrower_id="demo-up-to-date",
                            loan_id=None,
                            remind_on=now.date(),
                            days_before=0,
                            channel="widget",
                            conversation_id=f"widget:conv-secret-{n}",
                            status="scheduled",
                            remind_at=now,
                            next_attempt_at=now,
                            attempts=0,
                        )
                    )
        await wait_until(lambda: sum(rasa.triggers.values()) >= 60, timeout=30)
        await asyncio.sleep(0.3)
    finally:
        codes = [p.stop() for p in procs]
    assert codes == [0, 0]
    assert len(rasa.triggers) == 60 and set(rasa.triggers.values()) == {1}
    async with db.read_session() as session:
        statuses = set((await session.scalars(select(Reminder.status))).all())
    await db.dispose()
    assert statuses == {"sent"}
    outputs = [p.output() for p in procs]
    assert all(" sent (attempt 1)" in text for text in outputs)  # both did some of the work
    assert not any("conv-secret" in text or RASA_TOKEN in text for text in outputs)
