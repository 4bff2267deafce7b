"""The production configuration: SQL tracker store on PostgreSQL, the Redis lock store, and the
event broker on RabbitMQ (an exchange and a queue of the test's own, deleted afterwards).

Loads the trained model in-process with config/endpoints.production.yml (values from the
environment, as in production), talks to it, and checks that the conversation is stored in
PostgreSQL, survives a restart of the bot, and that the lock store is Redis.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg2
import pytest
import redis

pytestmark = [pytest.mark.rasa_server, pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"


@pytest.fixture()
def production_env(monkeypatch):
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    env = {
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": name,
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "3",
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USERNAME": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_EXCHANGE": f"{name}_exchange",
        "RABBITMQ_QUEUE": f"{name}_events",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield name
    _delete_amqp(f"{name}_events", f"{name}_exchange")
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def _delete_amqp(queue: str, exchange: str) -> None:
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)
        await connection.close()

    asyncio.run(delete())


async def _queued(queue: str, expected: int) -> int:
    """Messages in the queue, once ``expected`` arrived (publishing runs in the background)."""
    import asyncio

    import aio_pika

    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    try:
        channel = await connection.channel()
        for _ in range(100):
            count = (
                await channel.declare_queue(queue, passive=True)
            ).declaration_result.message_count
            if count >= expected:
                break
            await asyncio.sleep(0.05)
        return count
    finally:
        await connection.close()


async def make_agent():
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "config" / "endpoints.production.yml"))
    agent = await load_agent(model_path=str(MODEL), endpoints=endpoints)
    return agent, agent.tracker_store, agent.lock_store


async def test_conversation_is_kept_in_postgres_and_locked_in_redis(production_env):
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore

    sender = f"prod-{uuid.uuid4().hex[:8]}"
    agent, tracker_store, lock_store = await make_agent()
    # Rasa wraps the configured store in a FailSafeTrackerStore
    assert isinstance(getattr(tracker_store, "_tracker_store", tracker_store), SQLTrackerStore)
    assert isinstance(lock_store, RedisLockStore)

    replies = await agent.handle_text("你好", sender_id=sender)
    assert replies and replies[0].get("text")
    await agent.handle_text("逾期了会上征信吗", sender_id=sender)

    with psycopg2.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname=production_env
    ) as conn:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (sender,)
            )
            assert cursor.fetchone()[0] == 2

    # every stored event was published to the broker's queue (recorded by bot.audit in production)
    with psycopg2.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname=production_env
    ) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
            stored = cursor.fetchone()[0]
    assert stored > 0
    assert await _queued(f"{production_env}_events", stored) == stored

    # a restarted bot (new stores, same database) continues the same conversation
    _agent, fresh_store, _lock = await make_agent()
    tracker = await fresh_store.retrieve(sender)
    texts = [
        e.text
        for e in tracker.events
        if getattr(e, "text", None) and type(e).__name__ == "UserUttered"
    ]
    assert texts == ["你好", "逾期了会上征信吗"]

    # the lock for the conversation lives in Redis under the configured prefix, and is released
    client = redis.Redis(host="127.0.0.1", port=6379, db=3)
    assert not [key for key in client.keys("debt_helper*") if sender.encode() in key]
