"""The audit trail: Rasa's event broker → RabbitMQ → the consumer → PostgreSQL.

The key tests need no server.  The others run on the machine's RabbitMQ (127.0.0.1:5672,
guest/guest) and PostgreSQL, each with a database, a queue and an exchange of its own, deleted
afterwards; the broker is the project's subclass of Rasa's pika broker, as in production.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import psycopg2
import pytest

from bot.audit import store
from bot.audit.consumer import AuditConfigError, AuditConsumer, ConsumerSettings, queue_status

PG = dict(host="127.0.0.1", port=5432, user="postgres")


# -- keys (no server) ------------------------------------------------------------------------------


def rasa_events():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    return [
        UserUttered(
            "借呗逾期三天会怎样", {"name": "faq", "confidence": 0.9}, timestamp=1_764_900_000.123456
        ),
        ActionExecuted("utter_faq", timestamp=1_764_900_000.2),
        BotUttered("先别慌\u0000", {"buttons": None}, timestamp=1_764_900_000.3),
        SlotSet("amount", "5000", timestamp=1_764_900_000.3),
    ]


def test_the_broker_message_and_the_tracker_row_of_an_event_have_one_key():
    for event in rasa_events():
        # what SQLTrackerStore stores, and what TrackerStore._stream_new_events publishes
        tracker_row = ("wechat-user", json.dumps(event.as_dict()))
        body = json.dumps(dict({"sender_id": "wechat-user"}, **event.as_dict())).encode()
        row = store.row_for_message(body)
        assert store.keys_of_tracker_rows([tracker_row]) == {row.key: "wechat-user"}
        assert row.event_type == event.type_name and row.sender_id == "wechat-user"
        assert "\x00" not in row.event  # PostgreSQL text cannot hold NUL


def test_the_key_depends_on_the_conversation_and_every_field():
    event = rasa_events()[0].as_dict()
    assert store.event_key("a", event) != store.event_key("b", event)
    assert store.event_key("a", event) != store.event_key(
        "a", dict(event, timestamp=event["timestamp"] + 1e-6)
    )
    assert store.event_key("a", event) == store.event_key("a", json.loads(json.dumps(event)))


@pytest.mark.parametrize(
    "body", [b"not json", b"\xff\xfe", b"[1, 2]", b'{"event": "user"}', b'{"sender_id": 5}']
)
def test_a_message_that_is_no_event_is_recorded_as_malformed(body):
    row = store.row_for_message(body)
    assert row.event_type == store.MALFORMED and len(row.key) == 64
    assert store.row_for_message(body).key == row.key


def test_settings_come_from_the_environment():
    settings = ConsumerSettings.from_env(
        {
            "AUDIT_DATABASE_URL": "postgresql://postgres@db/audit",
            "RABBITMQ_QUEUE": "events",
            "RABBITMQ_HOST": "mq",
            "RABBITMQ_PASSWORD": "s3cret",
        }
    )
    assert (settings.host, settings.port, settings.queue, settings.exchange) == (
        "mq",
        5672,
        "events",
        "rasa-exchange",
    )
    assert "s3cret" not in repr(settings) and "postgres@db" not in repr(settings)
    with pytest.raises(AuditConfigError):
        ConsumerSettings.from_env({"RABBITMQ_QUEUE": "events"})
    with pytest.raises(AuditConfigError):
        ConsumerSettings.from_env({"AUDIT_DATABASE_URL": "postgresql://x/y"})
    base = {"AUDIT_DATABASE_URL": "postgresql://x/y", "RABBITMQ_QUEUE": "q"}
    assert ConsumerSettings.from_env(base).tracker_database_url == ""  # no repair
    repairing = ConsumerSettings.from_env(
        dict(base, TRACKER_DATABASE_URL="postgresql://x/t", AUDIT_REPAIR_SETTLE_SECONDS="15")
    )
    assert (repairing.repair_settle, repairing.repair_interval) == (15.0, 30.0)
    for bad in (
        {"AUDIT_REPAIR_SETTLE_SECONDS": "soon"},
        {"AUDIT_REPAIR_INTERVAL_SECONDS": "0"},
        {"TRACKER_DATABASE_URL": "sqlite:///x.db"},
    ):
        with pytest.raises(AuditConfigError):
            ConsumerSettings.from_env(dict(base, **bad))


# -- on the real RabbitMQ and PostgreSQL -----------------------------------------------------------


@pytest.fixture
def audit_db():
    name = f"audit_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    store.migrate(dsn)
    store.migrate(dsn)  # idempotent
    yield dsn
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


@pytest.fixture
async def amqp_names():
    import aio_pika

    names = (f"audit_test_{uuid.uuid4().hex[:8]}", f"audit_test_exchange_{uuid.uuid4().hex[:8]}")
    yield names
    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    channel = await connection.channel()
    await channel.queue_delete(names[0])
    await channel.exchange_delete(names[1])
    await connection.close()


def settings_for(dsn, names, **kwargs):
    return ConsumerSettings(database_url=dsn, queue=names[0], exchange=names[1], **kwargs)


async def connected_broker(names):
    from bot.audit.broker import AuditPikaEventBroker

    broker = AuditPikaEventBroker(
        "127.0.0.1",
        "guest",
        "guest",
        port=5672,
        queues=[names[0]],
        exchange_name=names[1],
        event_loop=asyncio.get_running_loop(),
    )
    await broker.connect()
    return broker


async def publish_and_flush(broker, bodies):
    for body in bodies:
        broker.publish(body)
    await asyncio.gather(*list(broker._background_tasks))


def rows(dsn):
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, event_type, deliveries, event FROM audit_events ORDER BY id"
        )
        result = cursor.fetchall()
    connection.close()
    return result


async def until(condition, timeout=15.0):
    async def poll():
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


@pytest.mark.postgres
@pytest.mark.rabbitmq
async def test_every_published_event_is_recorded_once_even_when_delivered_twice(
    audit_db, amqp_names
):
    import aio_pika

    broker = await connected_broker(amqp_names)  # declares the exchange and the durable queue
    bodies = [dict({"sender_id": "widget:demo:s1"}, **e.as_dict()) for e in rasa_events()]
    await publish_and_flush(broker, bodies)
    # a redelivery: the same event again, as RabbitMQ delivers it after a lost ack
    await publish_and_flush(broker, [bodies[0]])
    # and a message that is no event at all
    raw = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    channel = await raw.channel()
    exchange = await channel.get_exchange(amqp_names[1])
    await exchange.publish(aio_pika.Message(b"\x00garbage"), "")
    await raw.close()

    consumer = AuditConsumer(settings_for(audit_db, amqp_names))
    stop = asyncio.Event()
    running = asyncio.ensure_future(consumer.run(stop))
    await until(lambda: consumer.recorded + consumer.redelivered == 6)
    stop.set()
    await running
    await broker.close()

    recorded = {t: (s, d, e) for s, t, d, e in rows(audit_db)}  # consumed concurrently: any order
    assert sorted(recorded) == sorted([e.type_name for e in rasa_events()] + [store.MALFORMED])
    assert {t: d for t, (_, d, _) in recorded.items()} == {
        "user": 2,
        "action": 1,
        "bot": 1,
        "slot": 1,
        store.MALFORMED: 1,
    }  # the redelivery counted, not added
    assert {s for s, _, _ in recorded.values()} == {"widget:demo:s1", ""}
    assert json.loads(recorded["user"][2])["text"] == "借呗逾期三天会怎样"
    assert store.counts(audit_db) == {"events": 5, "deliveries": 6}
    status = await queue_status(settings_for(audit_db, amqp_names))
    assert status == {"queue_messages": 0, "queue_consumers": 0}  # all acknowledged


@pytest.mark.postgres
@pytest.mark.rabbitmq
async def test_an_event_is_acknowledged_only_after_its_row_is_committed(audit_db, amqp_names):
    broker = await connected_broker(amqp_names)
    await publish_and_flush(broker, [dict({"sender_id": "s"}, **rasa_events()[1].as_dict())])
    await broker.close()

    # PostgreSQL unreachable: nothing is recorded, the message goes back to the queue
    down = AuditConsumer(settings_for("postgresql://postgres@127.0.0.1:9/audit", amqp_names))
    stop = asyncio.Event()
    running = asyncio.ensure_future(down.run(stop))
    await asyncio.sleep(1.0)
    stop.set()
    await running
    assert down.recorded == 0
    assert (await queue_status(settings_for(audit_db, amqp_names)))["queue_messages"] == 1

    # back: the same message is recorded, and only then acknowledged
    up = AuditConsumer(settings_for(audit_db, amqp_names))
    stop = asyncio.Event()
    running = asyncio.ensure_future(up.run(stop))
    await until(lambda: up.recorded == 1)
    stop.set()
    await running
    assert (await queue_status(settings_for(audit_db, amqp_names)))["queue_messages"] == 0
    assert len(rows(audit_db)) == 1


@pytest.mark.postgres
@pytest.mark.rabbitmq
async def test_the_repair_waits_for_the_queue_to_drain_and_copies_only_what_never_came(
    audit_db, amqp_names
):
    import time

    import aio_pika

    now = time.time()
    published, lost = rasa_events()[0], rasa_events()[2]
    with psycopg2.connect(audit_db) as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE events (id serial primary key, sender_id varchar(255),"
            " timestamp double precision, data text)"
        )
        for index, event in enumerate((published, lost)):  # both saved ten minutes ago
            cursor.execute(
                "INSERT INTO events (sender_id, timestamp, data) VALUES (%s, %s, %s)",
                ("c1", now - 600 + index, json.dumps(event.as_dict())),
            )
    connection.close()
    broker = await connected_broker(amqp_names)  # only the first was published: still queued
    await publish_and_flush(broker, [dict({"sender_id": "c1"}, **published.as_dict())])
    await broker.close()
    settings = settings_for(
        audit_db, amqp_names, tracker_database_url=audit_db, repair_settle=1, repair_interval=1
    )

    # a backlog in the queue: the repair copies nothing, however old the events
    waiting = AuditConsumer(settings)
    raw = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    queue = await (await raw.channel()).declare_queue(amqp_names[0], durable=True)
    assert await waiting._backlog(queue) == 1
    stop = asyncio.Event()
    repairing = asyncio.ensure_future(waiting._repair(stop, queue))
    await asyncio.sleep(1.5)
    stop.set()
    await repairing
    await raw.close()
    assert waiting.repaired == 0 and rows(audit_db) == []

    # consumed: the published event comes from the broker, the lost one from the tracker store
    consumer = AuditConsumer(settings)
    stop = asyncio.Event()
    running = asyncio.ensure_future(consumer.run(stop))
    await until(lambda: consumer.recorded == 1 and consumer.repaired == 1)
    stop.set()
    await running
    with psycopg2.connect(audit_db) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT event_type, source, deliveries FROM audit_events ORDER BY 1")
        assert cursor.fetchall() == [
            (lost.type_name, store.REPAIR_SOURCE, 1),
            (published.type_name, "broker", 1),
        ]
    connection.close()


@pytest.mark.postgres
def test_reconcile_finds_an_event_of_the_tracker_store_that_was_never_audited(audit_db):
    name = audit_db.rsplit("/", 1)[1]
    with psycopg2.connect(dbname=name, **PG) as connection, connection.cursor() as cursor:
        # the tracker store's table, as Rasa's SQLTrackerStore creates it (the columns read here)
        cursor.execute(
            "CREATE TABLE events (id serial primary key, sender_id varchar(255), data text)"
        )
        events = rasa_events()
        for event in events:
            cursor.execute(
                "INSERT INTO events (sender_id, data) VALUES (%s, %s)",
                ("c1", json.dumps(event.as_dict())),
            )
        audited = [
            store.row_for_message(json.dumps(dict({"sender_id": "c1"}, **e.as_dict())).encode())
            for e in events[:3]
        ]
        for row in audited:
            cursor.execute(
                "INSERT INTO audit_events (event_key, sender_id, event_type, event_timestamp,"
                " event) VALUES (%s, %s, %s, %s, %s)",
                row.params(),
            )
    connection.close()

    result = store.reconcile(audit_db, audit_db, ["c1"])
    assert (
        result["tracker_events"],
        result["audit_events"],
        result["missing_in_audit"],
        result["extra_in_audit"],
    ) == (4, 3, 1, 0)
    assert result["missing_keys"] == [
        store.keys_of_tracker_rows([("c1", json.dumps(events[3].as_dict()))]).popitem()[0]
    ]


@pytest.mark.postgres
def test_repair_copies_only_settled_events_the_audit_lacks_once(audit_db):
    import time

    name = audit_db.rsplit("/", 1)[1]
    now = time.time()
    events = rasa_events()
    with psycopg2.connect(dbname=name, **PG) as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE events (id serial primary key, sender_id varchar(255),"
            " timestamp double precision, data text)"
        )
        # four old events (the broker delivered the first two), then one from just now
        for index, event in enumerate(events):
            cursor.execute(
                "INSERT INTO events (sender_id, timestamp, data) VALUES (%s, %s, %s)",
                ("c1", now - 600 + index, json.dumps(event.as_dict())),
            )
        cursor.execute(
            "INSERT INTO events (sender_id, timestamp, data) VALUES (%s, %s, %s)",
            ("c1", now, json.dumps(dict(events[0].as_dict(), timestamp=now))),
        )
        for event in events[:2]:
            row = store.row_for_message(
                json.dumps(dict({"sender_id": "c1"}, **event.as_dict())).encode()
            )
            cursor.execute(
                "INSERT INTO audit_events (event_key, sender_id, event_type, event_timestamp,"
                " event) VALUES (%s, %s, %s, %s, %s)",
                row.params(),
            )
    connection.close()

    # the queue last seen empty before these events were saved: they may still be in its backlog
    assert store.repair_since(audit_db, audit_db, settle_seconds=60, drained_at=now - 700) == (0, 0)
    assert store.repair_since(audit_db, audit_db, settle_seconds=60) == (4, 2)
    assert store.repair_since(audit_db, audit_db, settle_seconds=60) == (0, 0)  # checked once
    result = store.reconcile(audit_db, audit_db, ["c1"])
    # the young event is not copied yet: it may still be on its way through RabbitMQ
    assert (result["missing_in_audit"], result["copied_from_tracker_store"]) == (1, 2)
    # a late broker copy of a repaired event is a redelivery, not a second row
    late = json.dumps(dict({"sender_id": "c1"}, **events[3].as_dict())).encode()
    with psycopg2.connect(dbname=name, **PG) as connection, connection.cursor() as cursor:
        row = store.row_for_message(late)
        cursor.execute(
            store.INSERT.replace("$1", "%s")
            .replace("$2", "%s")
            .replace("$3", "%s")
            .replace("$4", "%s")
            .replace("$5", "%s"),
            row.params(),
        )
        assert cursor.fetchone() == (2,)
    connection.close()
    assert store.repair_since(audit_db, audit_db, settle_seconds=0) == (1, 1)
    result = store.reconcile(audit_db, audit_db, ["c1"])
    assert (result["missing_in_audit"], result["extra_in_audit"]) == (0, 0)
    # three copied from the tracker store; the broker copy of one came after all
    assert (result["copied_from_tracker_store"], result["copied_then_published"]) == (3, 1)
