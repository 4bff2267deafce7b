"""Records every event Rasa publishes to RabbitMQ in the audit table, acknowledging it only after
the row is committed.

Delivery guarantee, end to end:

* Rasa → RabbitMQ: Rasa publishes each new event when it saves the tracker, as a persistent
  message on a fanout exchange bound to a durable queue, and waits for RabbitMQ's publisher
  confirm in the background; while RabbitMQ is unreachable the events wait in the Rasa
  process's memory and are published on reconnect (:mod:`bot.audit.broker`);
* RabbitMQ → here: at least once.  A message is acknowledged only after its row is committed;
  if this process, the connection or PostgreSQL fails first, RabbitMQ delivers it again;
* here → the table: exactly once per event.  The row's key is the event's own hash
  (:func:`bot.audit.store.event_key`), so a redelivered message only increments ``deliveries``.

So an event is missing from the audit only if a Rasa process died between saving a tracker and
RabbitMQ's confirm (milliseconds), or while RabbitMQ was down with events still in its memory:
``python -m bot.audit reconcile`` finds exactly those, by comparing keys with the tracker store,
and with ``TRACKER_DATABASE_URL`` set this consumer copies them from the tracker store itself
(:func:`bot.audit.store.repair_since`, every ``AUDIT_REPAIR_INTERVAL_SECONDS`` (30), for events
saved ``AUDIT_REPAIR_SETTLE_SECONDS`` (60) before the queue was last seen empty, so that a
backlog is never mistaken for lost events; marked ``source = 'tracker store'``).

The log carries counts and error classes, never an event (events hold the users' messages).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Mapping, Optional

from bot.audit import store

logger = logging.getLogger(__name__)

DEFAULT_EXCHANGE = "rasa-exchange"


class AuditConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class ConsumerSettings:
    database_url: str = field(repr=False)
    queue: str
    host: str = "127.0.0.1"
    port: int = 5672
    username: str = "guest"
    password: str = field(default="guest", repr=False)
    exchange: str = DEFAULT_EXCHANGE
    prefetch: int = 100
    #: the tracker store to repair from (``TRACKER_DATABASE_URL``); none: no repair
    tracker_database_url: str = field(default="", repr=False)
    repair_settle: float = 60.0
    repair_interval: float = 30.0

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "ConsumerSettings":
        env = os.environ if environ is None else environ
        database_url = env.get("AUDIT_DATABASE_URL", "").strip()
        queue = env.get("RABBITMQ_QUEUE", "").strip()
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise AuditConfigError(
                "AUDIT_DATABASE_URL must be a postgresql:// URL of the audit database"
            )
        if not queue:
            raise AuditConfigError(
                "RABBITMQ_QUEUE must name the queue Rasa's event broker publishes to"
            )
        try:
            port = int(env.get("RABBITMQ_PORT", "").strip() or 5672)
            prefetch = int(env.get("AUDIT_PREFETCH", "").strip() or 100)
            settle = float(env.get("AUDIT_REPAIR_SETTLE_SECONDS", "").strip() or 60)
            interval = float(env.get("AUDIT_REPAIR_INTERVAL_SECONDS", "").strip() or 30)
        except ValueError:
            raise AuditConfigError(
                "RABBITMQ_PORT, AUDIT_PREFETCH and AUDIT_REPAIR_*_SECONDS must be numbers"
            ) from None
        if settle < 1 or interval < 1:
            raise AuditConfigError("AUDIT_REPAIR_*_SECONDS must be at least 1")
        tracker = env.get("TRACKER_DATABASE_URL", "").strip()
        if tracker and not tracker.startswith(("postgresql://", "postgres://")):
            raise AuditConfigError("TRACKER_DATABASE_URL must be a postgresql:// URL")
        return cls(
            database_url=database_url,
            queue=queue,
            host=env.get("RABBITMQ_HOST", "").strip() or "127.0.0.1",
            port=port,
            username=env.get("RABBITMQ_USERNAME", "").strip() or "guest",
            password=env.get("RABBITMQ_PASSWORD", "") or "guest",
            exchange=env.get("RABBITMQ_EXCHANGE", "").strip() or DEFAULT_EXCHANGE,
            prefetch=prefetch,
            tracker_database_url=tracker,
            repair_settle=settle,
            repair_interval=interval,
        )


def _transient(error: BaseException) -> bool:
    """A failure of the connection to PostgreSQL (try again later), not of the data."""
    import asyncpg

    return isinstance(
        error,
        (
            OSError,
            ConnectionError,
            asyncio.TimeoutError,
            asyncpg.InterfaceError,
            asyncpg.PostgresConnectionError,
            asyncpg.CannotConnectNowError,
            asyncpg.TooManyConnectionsError,
            asyncpg.AdminShutdownError,
        ),
    )


class AuditConsumer:
    """Consumes the queue; see the module docstring."""

    def __init__(self, settings: ConsumerSettings) -> None:
        self.settings = settings
        self.recorded = 0
        self.redelivered = 0
        self.malformed = 0
        self.repaired = 0
        self._pool = None
        self._backoff = 0.0
        self._in_flight: set = set()

    async def _get_pool(self):
        import asyncpg

        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                self.settings.database_url, min_size=1, max_size=4, command_timeout=10
            )
        return self._pool

    async def record(self, body: bytes) -> int:
        """Commit the row of one message; its ``deliveries`` afterwards (1: first time)."""
        row = store.row_for_message(body)
        pool = await self._get_pool()
        try:
            deliveries = await pool.fetchval(store.INSERT, *row.params())
        except Exception as error:  # noqa: BLE001 - sorted below
            if _transient(error):
                raise
            # the data itself was refused: keep the message, as a malformed one, all the same
            logger.error(
                "audit: an event could not be stored as it is (%s); stored as malformed",
                type(error).__name__,
            )
            row = store.malformed_row(body)
            deliveries = await pool.fetchval(store.INSERT, *row.params())
        if row.event_type == store.MALFORMED:
            self.malformed += 1
        if deliveries == 1:
            self.recorded += 1
        else:
            self.redelivered += 1
        return deliveries

    async def on_message(self, message) -> None:
        task = asyncio.current_task()
        self._in_flight.add(task)
        try:
            try:
                await self.record(message.body)
            except Exception as error:  # noqa: BLE001 - not recorded: RabbitMQ keeps it
                self._backoff = min(5.0, max(0.2, self._backoff * 2))
                logger.error(
                    "audit: could not record an event (%s); it is returned to the queue, "
                    "retrying in %.1f s",
                    type(error).__name__,
                    self._backoff,
                )
                await asyncio.sleep(
                    self._backoff
                )  # no tight redelivery loop while PostgreSQL is down
                await message.nack(requeue=True)
                if self._pool is not None and _transient(error):
                    pool, self._pool = self._pool, None
                    pool.terminate()
                return
            self._backoff = 0.0
            await message.ack()  # only now: the row is committed
        finally:
            self._in_flight.discard(task)

    async def run(self, stop: asyncio.Event) -> None:
        import aio_pika

        settings = self.settings
        connection = await _connect(settings, stop)
        if connection is None:
            return
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=settings.prefetch)
            # declared exactly as Rasa's broker declares them, so whichever starts first is right
            exchange = await channel.declare_exchange(
                settings.exchange, aio_pika.ExchangeType.FANOUT
            )
            queue = await channel.declare_queue(settings.queue, durable=True)
            await queue.bind(exchange, "")
            tag = await queue.consume(self.on_message, no_ack=False)
            logger.info("audit: consuming events (queue and exchange from the environment)")
            report = asyncio.ensure_future(self._report(stop))
            repair = asyncio.ensure_future(self._repair(stop, queue))
            await stop.wait()
            report.cancel()
            repair.cancel()
            await queue.cancel(tag)
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=10)
        finally:
            await connection.close()
            if self._pool is not None:
                await self._pool.close()
        logger.info(
            "audit: stopped (%d events recorded, %d redeliveries)", self.recorded, self.redelivered
        )

    async def _backlog(self, queue) -> int:
        """Messages waiting in the queue plus those this consumer is recording now."""
        declared = await queue.declare(timeout=10)  # declared again, unchanged: gives the count
        return int(declared.message_count or 0) + len(self._in_flight)

    async def _repair(self, stop: asyncio.Event, queue) -> None:
        """Every ``repair_interval`` seconds, copy what never came through RabbitMQ from the
        tracker store (:func:`bot.audit.store.repair_since`), in a thread: psycopg2 blocks.

        Only events saved ``repair_settle`` seconds before the queue was last seen empty are
        candidates: under a backlog, younger ones may still be waiting in the queue, and
        copying them would mark published events as never published."""
        settings = self.settings
        if not settings.tracker_database_url:
            return
        drained_at = None
        while not stop.is_set():
            try:
                if await self._backlog(queue) == 0:
                    drained_at = time.time()
                while drained_at is not None:
                    checked, added = await asyncio.to_thread(
                        store.repair_since,
                        settings.database_url,
                        settings.tracker_database_url,
                        settings.repair_settle,
                        drained_at=drained_at,
                    )
                    if added:
                        self.repaired += added
                        logger.warning(
                            "audit: %d events were in the tracker store but never published "
                            "(a Rasa process died before publishing them); copied from there",
                            added,
                        )
                    if checked < 5000:
                        break
            except Exception as error:  # noqa: BLE001 - try again next time
                logger.error(
                    "audit: repair from the tracker store failed (%s)", type(error).__name__
                )
            try:
                await asyncio.wait_for(stop.wait(), settings.repair_interval)
            except asyncio.TimeoutError:
                pass

    async def _report(self, stop: asyncio.Event) -> None:
        last = (0, 0)
        while not stop.is_set():
            await asyncio.sleep(60)
            now = (self.recorded, self.redelivered)
            if now != last:
                logger.info(
                    "audit: %d events recorded, %d redeliveries, %d malformed so far",
                    self.recorded,
                    self.redelivered,
                    self.malformed,
                )
                last = now


async def _connect(settings: ConsumerSettings, stop: asyncio.Event):
    """A robust connection to RabbitMQ, retried until it works or ``stop`` is set."""
    import aio_pika

    delay = 0.5
    while not stop.is_set():
        try:
            return await aio_pika.connect_robust(
                host=settings.host,
                port=settings.port,
                login=settings.username,
                password=settings.password,
                timeout=10,
            )
        except Exception as error:  # noqa: BLE001 - RabbitMQ not up yet
            logger.warning(
                "audit: RabbitMQ not reachable (%s), retrying in %.0f s",
                type(error).__name__,
                delay,
            )
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
            delay = min(10.0, delay * 2)
    return None


async def queue_status(settings: ConsumerSettings) -> dict:
    """Messages waiting in the queue and consumers attached (a passive declaration)."""
    import aio_pika

    connection = await aio_pika.connect(
        host=settings.host,
        port=settings.port,
        login=settings.username,
        password=settings.password,
        timeout=10,
    )
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(settings.queue, passive=True)
        result = queue.declaration_result
        return {"queue_messages": result.message_count, "queue_consumers": result.consumer_count}
    finally:
        await connection.close()


async def wait_drained(settings: ConsumerSettings, timeout: float) -> bool:
    """True once the queue is empty (every published event recorded and acknowledged)."""
    deadline = time.monotonic() + timeout
    while True:
        status = await queue_status(settings)
        if status["queue_messages"] == 0:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.2)
