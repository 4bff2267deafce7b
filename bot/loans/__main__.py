"""Command line of the loan ledger::

    python -m bot.loans migrate                     # create / upgrade the database
    python -m bot.loans seed --demo [--today DATE]  # (re)create the demo borrowers
    python -m bot.loans serve [--host H] [--port P] # run the JSON API (needs LOAN_SERVICE_TOKEN);
                                                    # with RASA_URL and RASA_API_TOKEN set it
                                                    # also runs the reminder scheduler
    python -m bot.loans scheduler                   # the reminder scheduler alone (needs
                                                    # RASA_URL and RASA_API_TOKEN)

The database is ``LOAN_DATABASE_URL`` (default: SQLite file var/loans.db), or ``--database-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date, datetime
from typing import Optional, Sequence

from bot.loans import config


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-05-01: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.loans",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="overrides LOAN_DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the Alembic migrations (creates SQLite files)")
    seed = commands.add_parser("seed", help="load data")
    seed.add_argument(
        "--demo", action="store_true", required=True, help="(re)create the four demo borrowers"
    )
    seed.add_argument(
        "--today",
        type=_parse_day,
        default=None,
        help="build the demo relative to this day (default: today)",
    )
    serve = commands.add_parser("serve", help="run the loan-status API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default LOAN_SERVICE_PORT or 5056")
    commands.add_parser(
        "scheduler", help="deliver due reminders through Rasa's HTTP API (RASA_URL, RASA_API_TOKEN)"
    )
    revision = commands.add_parser("revision", help="new Alembic revision (developers)")
    revision.add_argument("-m", "--message", required=True)
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _require_migrated(url: str) -> Optional[str]:
    from bot.loans import migrate

    current, head = migrate.current_revision(url), migrate.head_revision()
    if current != head:
        return (
            f"the database is at revision {current or 'none'} but the code needs {head}: "
            "run `python -m bot.loans migrate` first"
        )
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        url = args.database_url or config.database_url()
        config.backend(url)
        if args.command == "migrate":
            from bot.loans import migrate

            migrate.upgrade(url)
            print(f"database is at revision {migrate.current_revision(url)}")
            return 0
        if args.command == "revision":
            from bot.loans import migrate

            migrate.revision(args.message, url)
            return 0
        problem = _require_migrated(url)
        if problem:
            return _fail(problem)
        if args.command == "seed":
            return asyncio.run(
                _seed(url, args.today or datetime.now(config.ledger_timezone()).date())
            )
        if args.command == "serve":
            return _serve(url, args.host, args.port or config.service_port())
        if args.command == "scheduler":
            return _scheduler(url)
    except config.ConfigError as exc:
        return _fail(str(exc))
    return _fail(f"unknown command {args.command}")


async def _seed(url: str, today: date) -> int:
    from bot.loans.db import Database
    from bot.loans.demo import seed_demo
    from bot.policy import load_policy

    db = Database(url)
    try:
        ids = await seed_demo(db, load_policy(), today)
    finally:
        await db.dispose()
    print(f"demo borrowers as of {today.isoformat()}: {', '.join(ids)}")
    return 0


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _serve(url: str, host: str, port: int) -> int:
    from aiohttp import web

    from bot.loans.reminder_scheduler import SchedulerSettings
    from bot.loans.service import create_app

    _logging()
    # raises ConfigError without LOAN_SERVICE_TOKEN, or with a test switch in production
    app = create_app(database_url=url, scheduler_settings=SchedulerSettings.from_env())
    web.run_app(
        app,
        host=host,
        port=port,
        access_log=None,
        print=lambda _: print(f"loan service on http://{host}:{port} (Ctrl+C to stop)"),
    )
    return 0


def _scheduler(url: str) -> int:
    import signal

    from bot.loans.reminder_scheduler import SchedulerSettings, run_scheduler

    settings = SchedulerSettings.from_env(required=True)  # ConfigError: exit 2 with the reason
    _logging()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print("reminder scheduler running (Ctrl+C to stop)", flush=True)
        await run_scheduler(url, settings, stop)

    asyncio.run(main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
