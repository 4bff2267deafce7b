"""Engines and sessions for a database URL.

One :class:`Database` per process (the service creates it on startup and disposes of it on
cleanup).  Reads and writes use separate session factories because SQLite needs writers to
take the write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that reads and
then writes can fail at once with "database is locked" instead of waiting its turn.  On
PostgreSQL both factories are the same plain transactions; writers lock the rows they
change with ``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

import warnings
from typing import Optional

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.loans import config

SQLITE_BUSY_TIMEOUT_S = 30
_BEGIN_OPTION = "loans_sqlite_begin"


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised via engine
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The async engine of one database and its read / write session factories."""

    def __init__(self, url: Optional[str] = None, *, pool_size: int = 10, echo: bool = False):
        self.url = url or config.database_url()
        self.backend = config.backend(self.url)
        kwargs = dict(future=True, echo=echo)
        if self.backend == "sqlite":
            # SQLite keeps NUMERIC as REAL; SQLAlchemy quantizes to the column's scale on the
            # way back, which is exact for NUMERIC(12,2) / (12,8) values (at most 12
            # significant digits, doubles hold 15).  Money is never summed in SQL.
            warnings.filterwarnings(
                "ignore", message=r"Dialect sqlite\+aiosqlite does \*not\* support Decimal"
            )
            # A small pool of long-lived aiosqlite connections (its default for files is a
            # new connection -- and thread -- per checkout).
            kwargs.update(
                poolclass=AsyncAdaptedQueuePool,
                pool_size=min(pool_size, 5),
                max_overflow=10,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            )
        else:
            kwargs.update(pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(config.async_url(self.url), **kwargs)
        write_engine = self.engine
        if self.backend == "sqlite":
            _install_sqlite_hooks(self.engine)
            write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self.read_session = sessionmaker(
            bind=self.engine, class_=AsyncSession, expire_on_commit=False, future=True
        )
        self.write_session = sessionmaker(
            bind=write_engine, class_=AsyncSession, expire_on_commit=False, future=True
        )

    @property
    def locks_rows(self) -> bool:
        """Whether ``SELECT ... FOR UPDATE`` means something here (not on SQLite, where
        ``BEGIN IMMEDIATE`` already serialises writers)."""
        return self.backend == "postgresql"

    async def dispose(self) -> None:
        await self.engine.dispose()
