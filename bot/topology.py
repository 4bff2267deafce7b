"""Helpers of scripts/prod.sh (the production topology on one machine), in Python::

    python -m bot.topology databases            # create the tracker, ledger and audit databases
    python -m bot.topology tracker-tables       # create Rasa's tracker tables once, before two
                                                # Rasa servers race to create them
    python -m bot.topology lb-status [--wait S] # every HAProxy server UP? (exit 1 if not)
    python -m bot.topology purge                # drop the databases, the queue, the exchange
                                                # and the Redis keys of this topology

Everything comes from the environment scripts/prod.sh writes to ``$PROD_DIR/prod.env``:
``PG_HOST`` ``PG_PORT`` ``PG_USER`` ``PG_PASSWORD``, ``TRACKER_DB_NAME``, ``LEDGER_DB_NAME``,
``AUDIT_DB_NAME``, ``LB_STATS_URL``, ``RABBITMQ_*``, ``REDIS_*``, ``CHANNEL_STATE_PREFIX``.
Nothing here prints a secret.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
import urllib.request
from typing import List, Optional, Sequence, Tuple


def _env(name: str, default: Optional[str] = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(
            f"python -m bot.topology: {name} is not set (run it through scripts/prod.sh)"
        )
    return value


def _pg(dbname: str):
    import psycopg2

    return psycopg2.connect(
        host=_env("PG_HOST", "127.0.0.1"),
        port=int(_env("PG_PORT", "5432")),
        user=_env("PG_USER", "postgres"),
        password=_env("PG_PASSWORD", ""),
        dbname=dbname,
        connect_timeout=5,
    )


def database_names() -> List[str]:
    return [_env("TRACKER_DB_NAME"), _env("LEDGER_DB_NAME"), _env("AUDIT_DB_NAME")]


def create_databases() -> None:
    connection = _pg("postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        for name in database_names():
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
    connection.close()


def create_tracker_tables() -> None:
    connection = _pg(_env("TRACKER_DB_NAME"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.events')")
        exists = cursor.fetchone()[0] is not None
    connection.close()
    if exists:
        return
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    url = sa.engine.URL.create(
        "postgresql",
        username=_env("PG_USER", "postgres"),
        password=_env("PG_PASSWORD", "") or None,
        host=_env("PG_HOST", "127.0.0.1"),
        port=int(_env("PG_PORT", "5432")),
        database=_env("TRACKER_DB_NAME"),
    )
    engine = sa.create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()
    print("created the tracker store's tables")


def lb_servers(stats_url: str) -> List[Tuple[str, str, str]]:
    """``(backend, server, status)`` of every server in HAProxy's statistics."""
    with urllib.request.urlopen(stats_url.rstrip("/") + ";csv", timeout=3) as response:
        text = response.read().decode()
    reader = csv.DictReader(io.StringIO(text.lstrip("# ")))
    return [
        (row["pxname"], row["svname"], row["status"])
        for row in reader
        if row["svname"] not in ("FRONTEND", "BACKEND")
    ]


def lb_status(wait: float) -> int:
    stats_url = _env("LB_STATS_URL")
    deadline = time.monotonic() + wait
    while True:
        try:
            servers = lb_servers(stats_url)
            error = None
        except OSError as exc:
            servers, error = [], type(exc).__name__
        down = [s for s in servers if not s[2].startswith("UP")]
        if servers and not down:
            for backend, server, status in servers:
                print(f"{backend:<14} {server:<9} {status}")
            return 0
        if time.monotonic() >= deadline:
            if error:
                print(f"HAProxy's statistics are not reachable ({error})")
            for backend, server, status in servers:
                print(f"{backend:<14} {server:<9} {status}")
            return 1
        time.sleep(0.5)


def purge() -> None:
    connection = _pg("postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        for name in database_names():
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            print(f"dropped database {name}")
    connection.close()

    import asyncio

    import aio_pika

    async def delete_amqp() -> None:
        amqp = await aio_pika.connect(
            host=_env("RABBITMQ_HOST"),
            port=int(_env("RABBITMQ_PORT")),
            login=_env("RABBITMQ_USERNAME"),
            password=_env("RABBITMQ_PASSWORD"),
        )
        channel = await amqp.channel()
        await channel.queue_delete(_env("RABBITMQ_QUEUE"))
        await channel.exchange_delete(_env("RABBITMQ_EXCHANGE"))
        await amqp.close()

    asyncio.run(delete_amqp())
    print("deleted the event queue and exchange")

    import redis

    client = redis.Redis(
        host=_env("REDIS_HOST"),
        port=int(_env("REDIS_PORT")),
        db=int(_env("REDIS_DB")),
        password=os.environ.get("REDIS_PASSWORD") or None,
    )
    deleted = 0
    for pattern in (f"{_env('CHANNEL_STATE_PREFIX')}:*", "debt_helper:lock:*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            deleted += client.delete(*keys)
    client.close()
    print(f"deleted {deleted} Redis keys")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.topology",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("databases")
    commands.add_parser("tracker-tables")
    status = commands.add_parser("lb-status")
    status.add_argument("--wait", type=float, default=0.0)
    commands.add_parser("purge")
    args = parser.parse_args(argv)
    if args.command == "databases":
        create_databases()
    elif args.command == "tracker-tables":
        create_tracker_tables()
    elif args.command == "lb-status":
        return lb_status(args.wait)
    elif args.command == "purge":
        purge()
    return 0


if __name__ == "__main__":
    sys.exit(main())
