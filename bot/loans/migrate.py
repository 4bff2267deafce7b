"""Alembic, configured in code: no alembic.ini to keep in step with the environment.

``python -m bot.loans migrate`` calls :func:`upgrade`; the migration scripts live in
``bot/loans/migrations/versions``.  Alembic runs with the blocking driver of the configured
database (pysqlite or psycopg2).  For a new revision after changing the models::

    python -m bot.loans revision -m "what changed"
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from bot.loans import config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    url = url or config.database_url()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", config.sync_url(url).replace("%", "%%"))
    return cfg


def _prepare_sqlite_dir(url: str) -> None:
    path = config.sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating the SQLite file and its folder)."""
    url = url or config.database_url()
    _prepare_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def revision(message: str, url: Optional[str] = None, autogenerate: bool = True) -> None:
    url = url or config.database_url()
    _prepare_sqlite_dir(url)
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)


def current_revision(url: Optional[str] = None) -> Optional[str]:
    """The revision the database is at, or None when it was never migrated."""
    url = url or config.database_url()
    path = config.sqlite_path(url)
    if path is not None and not path.exists():
        return None
    engine = create_engine(config.sync_url(url), future=True)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
