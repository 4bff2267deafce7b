"""Command line of the audit trail::

    python -m bot.audit migrate      # create the audit table (idempotent)
    python -m bot.audit consume      # record every event from RabbitMQ (SIGTERM stops it cleanly)
    python -m bot.audit status       # rows in the table, messages waiting in the queue (JSON)
    python -m bot.audit reconcile --tracker-database-url URL [--sender ID ...]
                                     # every tracker-store event against the table (JSON);
                                     # exit 1 if one is missing

Settings from the environment: ``AUDIT_DATABASE_URL`` (postgresql://…), ``RABBITMQ_HOST``,
``RABBITMQ_PORT``, ``RABBITMQ_USERNAME``, ``RABBITMQ_PASSWORD``, ``RABBITMQ_QUEUE`` and
``RABBITMQ_EXCHANGE`` -- the same variables the production endpoints give Rasa's event broker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Optional, Sequence

from bot.audit import store
from bot.audit.consumer import AuditConfigError, AuditConsumer, ConsumerSettings, queue_status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create the audit table")
    commands.add_parser("consume", help="record every event from the queue")
    commands.add_parser("status", help="rows recorded and messages waiting")
    reconcile = commands.add_parser("reconcile", help="compare with the tracker store")
    reconcile.add_argument("--tracker-database-url", required=True)
    reconcile.add_argument("--sender", action="append", help="only these conversations")
    return parser


def _consume(settings: ConsumerSettings) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await AuditConsumer(settings).run(stop)

    asyncio.run(main())
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = ConsumerSettings.from_env()
    except AuditConfigError as error:
        print(f"python -m bot.audit: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        store.migrate(settings.database_url)
        print("audit table ready")
        return 0
    if args.command == "consume":
        return _consume(settings)
    if args.command == "status":
        status = dict(store.counts(settings.database_url))
        try:
            status.update(asyncio.run(queue_status(settings)))
        except Exception as error:  # noqa: BLE001 - report, do not crash
            status["queue_error"] = type(error).__name__
        print(json.dumps(status))
        return 0
    if args.command == "reconcile":
        result = store.reconcile(settings.database_url, args.tracker_database_url, args.sender)
        print(json.dumps(result, indent=2))
        return 1 if result["missing_in_audit"] else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
