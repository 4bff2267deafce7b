"""Migrations apply from an empty database and from 0001 with data on both backends, go back
down, and the schema matches the models."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.loans import config, migrate
from bot.loans.models import Base

TABLES = {
    "borrowers",
    "channel_identities",
    "loans",
    "installments",
    "repayments",
    "repayment_allocations",
    "relief_requests",
    "reminders",
    "idempotency_records",
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
            uniques = {u["name"] for u in inspector.get_unique_constraints("reminders")}
            assert "uq_reminders_previous_id" in uniques
            indexes = {i["name"] for i in inspector.get_indexes("reminders")}
            assert {
                "ix_reminders_status_next_attempt_at",
                "ix_reminders_status_locked_until",
            } <= indexes
            checks = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints("reminders")}
            assert "firing" in checks["ck_reminders_status_known"]
            # nothing the models declare is missing from (or different in) the migrated schema
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
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


def _rows(url: str, sql: str) -> list:
    engine = create_engine(config.sync_url(url), future=True)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = create_engine(config.sync_url(url), future=True)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _utc(value) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite keeps naive UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _from_0001_with_data(url: str) -> None:
    migrate.upgrade(url, "0001")
    _execute(
        url,
        "INSERT INTO borrowers (id, display_name) VALUES ('b-1', 'x')",
        "INSERT INTO loans (id, borrower_id, product, principal, rate, rate_basis, method, "
        "term_months, start_date, due_day) VALUES ('l-1', 'b-1', '借呗', 1000, 0.0004, 'daily', "
        "'equal_installment', 12, '2026-09-13', 13)",
        "INSERT INTO reminders (id, borrower_id, loan_id, remind_on, days_before, channel, status)"
        " VALUES ('rm-active', 'b-1', 'l-1', '2026-12-10', 3, 'widget', 'active'),"
        " ('rm-cancelled', 'b-1', 'l-1', '2026-12-11', 2, 'wechat', 'cancelled'),"
        " ('rm-sent', 'b-1', NULL, '2026-11-10', 3, 'shell', 'sent')",
    )
    migrate.upgrade(url)
    assert migrate.current_revision(url) == "0002"
    _check_schema(url)
    rows = {
        row[0]: row[1:]
        for row in _rows(
            url,
            "SELECT id, status, remind_at, next_attempt_at, attempts, conversation_id, "
            "lease_owner, previous_id, loan_id FROM reminders",
        )
    }
    assert {rid: row[0] for rid, row in rows.items()} == {
        "rm-active": "scheduled",
        "rm-cancelled": "cancelled",
        "rm-sent": "sent",
    }
    # 09:00 Beijing time on the reminder's day = 01:00 UTC
    assert _utc(rows["rm-active"][1]) == datetime(2026, 12, 10, 1, 0, tzinfo=timezone.utc)
    assert _utc(rows["rm-cancelled"][1]) == datetime(2026, 12, 11, 1, 0, tzinfo=timezone.utc)
    for _rid, (
        _status,
        remind_at,
        next_attempt_at,
        attempts,
        conversation,
        owner,
        previous,
        _loan,
    ) in rows.items():
        assert _utc(next_attempt_at) == _utc(remind_at)
        assert attempts == 0 and conversation is None and owner is None and previous is None
    assert rows["rm-active"][-1] == "l-1"  # the loan it is about is kept
    # the new constraints hold on the migrated table
    with pytest.raises(IntegrityError):  # a CHECK or UNIQUE constraint
        _execute(url, "UPDATE reminders SET status = 'active' WHERE id = 'rm-active'")
    _execute(
        url,
        "UPDATE reminders SET status = 'failed' WHERE id = 'rm-cancelled'",
        "UPDATE reminders SET status = 'firing', previous_id = 'rm-sent' WHERE id = 'rm-active'",
    )
    with pytest.raises(IntegrityError):  # a CHECK or UNIQUE constraint
        _execute(url, "UPDATE reminders SET previous_id = 'rm-sent' WHERE id = 'rm-sent'")
    # and back down: 0001 knows active / cancelled / sent only
    migrate.downgrade(url, "0001")
    assert migrate.current_revision(url) == "0001"
    assert sorted(_rows(url, "SELECT id, status, remind_on FROM reminders")) == [
        ("rm-active", "active", _day(url, "2026-12-10")),
        ("rm-cancelled", "cancelled", _day(url, "2026-12-11")),
        ("rm-sent", "sent", _day(url, "2026-11-10")),
    ]
    columns = {c["name"] for c in _inspect_columns(url, "reminders")}
    assert "remind_at" not in columns and "lease_owner" not in columns
    migrate.upgrade(url)
    _check_schema(url)


def _day(url: str, value: str):
    return value if url.startswith("sqlite") else date.fromisoformat(value)


def _inspect_columns(url: str, table: str) -> list:
    engine = create_engine(config.sync_url(url), future=True)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_columns(table)
    finally:
        engine.dispose()


def test_sqlite_migrates_from_0001_with_reminders(tmp_path):
    _from_0001_with_data(f"sqlite:///{tmp_path}/loans.db")


@pytest.mark.postgres
def test_postgres_migrates_from_0001_with_reminders(postgres_databases):
    _from_0001_with_data(postgres_databases.create())


def test_url_derivation():
    assert config.async_url("sqlite:////x/loans.db") == "sqlite+aiosqlite:////x/loans.db"
    assert (
        config.sync_url("postgresql://u:p%40ss@h:5432/db")
        == "postgresql+psycopg2://u:p%40ss@h:5432/db"
    )
    assert config.async_url("postgresql+psycopg2://h/db") == "postgresql+asyncpg://h/db"
    assert config.async_url("postgres://h/db") == "postgresql+asyncpg://h/db"
    with pytest.raises(config.ConfigError):
        config.backend("mysql://h/db")
    assert config.database_url({}).endswith("var/loans.db")
    assert config.service_url({}) == "http://127.0.0.1:5056"
    assert config.service_port({"LOAN_SERVICE_PORT": "6000"}) == 6000
    with pytest.raises(config.ConfigError):
        config.service_port({"LOAN_SERVICE_PORT": "http"})
