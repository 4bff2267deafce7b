"""Migrations apply from an empty database on both backends, and the schema matches the models."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from bot.loans import config, migrate
from bot.loans.models import Base

TABLES = {
    "borrowers", "channel_identities", "loans", "installments", "repayments",
    "repayment_allocations", "relief_requests", "reminders", "idempotency_records",
}


def _check_schema(url: str) -> None:
    engine = create_engine(config.sync_url(url), future=True)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            assert TABLES <= set(inspector.get_table_names())
            for table in Base.metadata.sorted_tables:
                columns = {c["name"]: c for c in inspector.get_columns(table.name)}
                assert set(columns) == {c.name for c in table.columns}, table.name
            money = {c["name"]: c["type"] for c in inspector.get_columns("repayments")}
            assert (money["amount"].precision, money["amount"].scale) == (12, 2)
            uniques = {u["name"] for u in inspector.get_unique_constraints("idempotency_records")}
            assert "uq_idempotency_records_key" in uniques
    finally:
        engine.dispose()


def _cycle(url: str) -> None:
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()
    _check_schema(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    _check_schema(url)


def test_sqlite_migrates_from_empty_and_creates_its_folder(tmp_path):
    path = tmp_path / "nested" / "var" / "loans.db"
    _cycle(f"sqlite:///{path}")
    assert path.exists()


@pytest.mark.postgres
def test_postgres_migrates_from_empty(postgres_databases):
    _cycle(postgres_databases.create())


def test_url_derivation():
    assert config.async_url("sqlite:////x/loans.db") == "sqlite+aiosqlite:////x/loans.db"
    assert config.sync_url("postgresql://u:p%40ss@h:5432/db") == "postgresql+psycopg2://u:p%40ss@h:5432/db"
    assert config.async_url("postgresql+psycopg2://h/db") == "postgresql+asyncpg://h/db"
    assert config.async_url("postgres://h/db") == "postgresql+asyncpg://h/db"
    with pytest.raises(config.ConfigError):
        config.backend("mysql://h/db")
    assert config.database_url({}).endswith("var/loans.db")
    assert config.service_url({}) == "http://127.0.0.1:5056"
    assert config.service_port({"LOAN_SERVICE_PORT": "6000"}) == 6000
    with pytest.raises(config.ConfigError):
        config.service_port({"LOAN_SERVICE_PORT": "http"})
