"""Settings of the loan ledger, read from the environment.

``LOAN_DATABASE_URL``  database of the service and of ``migrate`` / ``seed``; default
                       ``sqlite:///<repo>/var/loans.db``.  ``postgresql://...`` works too.
``LOAN_SERVICE_TOKEN`` bearer token every ``/v1`` call must carry (required by ``serve``).
``LOAN_SERVICE_PORT``  port of ``serve`` (default 5056).
``LOAN_SERVICE_URL``   where the client finds the service (default ``http://127.0.0.1:5056``).
``REMINDER_TEST_DELAY_SECONDS``  tests and development only (refused with ``BOT_ENV=production``):
                       a new reminder is due that many seconds after it is set.

The reminder scheduler's settings (``RASA_URL``, ``RASA_API_TOKEN``, ``REMINDER_*``) are read by
:meth:`bot.loans.reminder_scheduler.SchedulerSettings.from_env`.

The URL helpers turn one configured URL into the driver each side needs: the service is
async (aiosqlite / asyncpg), Alembic and the seed run synchronously (pysqlite / psycopg2).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from sqlalchemy.engine import URL, make_url

DEFAULT_PORT = 5056
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "loans.db"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _env(environ: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def database_url(environ: Optional[Mapping[str, str]] = None) -> str:
    value = _env(environ).get("LOAN_DATABASE_URL", "").strip()
    return value or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def service_token(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    value = _env(environ).get("LOAN_SERVICE_TOKEN", "").strip()
    return value or None


def service_url(environ: Optional[Mapping[str, str]] = None) -> str:
    value = _env(environ).get("LOAN_SERVICE_URL", "").strip()
    return (value or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")


def service_port(environ: Optional[Mapping[str, str]] = None) -> int:
    value = _env(environ).get("LOAN_SERVICE_PORT", "").strip()
    if not value:
        return DEFAULT_PORT
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"LOAN_SERVICE_PORT must be a port number, got {value!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"LOAN_SERVICE_PORT must be between 1 and 65535, got {port}")
    return port


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise ConfigError(f"LOAN_DATABASE_URL is not a database URL: {url!r}") from exc
    return parsed


def backend(url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``; anything else is refused with a clear message."""
    name = _parse(url).get_backend_name()
    if name in ("postgresql", "postgres"):
        return "postgresql"
    if name == "sqlite":
        return "sqlite"
    raise ConfigError(
        f"LOAN_DATABASE_URL must be a sqlite:/// or postgresql:// URL, got backend {name!r}"
    )


def async_url(url: str) -> str:
    """The same database with the async driver the service uses."""
    parsed = _parse(url)
    driver = "sqlite+aiosqlite" if backend(url) == "sqlite" else "postgresql+asyncpg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database with the blocking driver Alembic and the seed use."""
    parsed = _parse(url)
    driver = "sqlite+pysqlite" if backend(url) == "sqlite" else "postgresql+psycopg2"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Optional[Path]:
    """The file of a SQLite URL (None for in-memory databases and other backends)."""
    if backend(url) != "sqlite":
        return None
    database = _parse(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


DEFAULT_TIMEZONE = "Asia/Shanghai"


def ledger_timezone(environ: Optional[Mapping[str, str]] = None):
    """``LOAN_TIMEZONE`` (default Asia/Shanghai): the day a repayment is booked on."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _env(environ).get("LOAN_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LOAN_TIMEZONE is not a known time zone: {name!r}") from None


def production(environ: Optional[Mapping[str, str]] = None) -> bool:
    """``BOT_ENV=production``: development and test switches are refused."""
    return _env(environ).get("BOT_ENV", "").strip().lower() == "production"


MAX_REMINDER_TEST_DELAY_S = 24 * 3600


def reminder_test_delay(environ: Optional[Mapping[str, str]] = None) -> Optional[float]:
    """``REMINDER_TEST_DELAY_SECONDS``: a reminder created through the API without an explicit
    ``remind_at`` is due that many seconds after it was created instead of at 09:00 on its
    day -- for tests and development only.  Unset (the default): None.  With
    ``BOT_ENV=production`` it is a configuration error, so it cannot be on by accident."""
    env = _env(environ)
    value = env.get("REMINDER_TEST_DELAY_SECONDS", "").strip()
    if not value:
        return None
    if production(env):
        raise ConfigError(
            "REMINDER_TEST_DELAY_SECONDS is for tests and development only and is refused with "
            "BOT_ENV=production: unset it."
        )
    try:
        delay = float(value)
    except ValueError:
        raise ConfigError(
            f"REMINDER_TEST_DELAY_SECONDS must be a number of seconds, got {value!r}"
        ) from None
    if not 0 <= delay <= MAX_REMINDER_TEST_DELAY_S:
        raise ConfigError(
            f"REMINDER_TEST_DELAY_SECONDS must be between 0 and {MAX_REMINDER_TEST_DELAY_S}, "
            f"got {value!r}"
        )
    return delay
