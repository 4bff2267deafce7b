"""Fixtures of the loan-ledger tests: a migrated database on SQLite (a file per test) and on
the PostgreSQL server at 127.0.0.1:5432 (a uniquely named database per test session, dropped
afterwards), the demo borrowers seeded as of a fixed day, and the service under test."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from sqlalchemy.engine import make_url

from bot.loans import migrate
from bot.loans.db import Database
from bot.loans.demo import seed_demo
from bot.loans.service import create_app
from bot.policy import load_policy

POSTGRES_ADMIN_URL = os.environ.get(
    "LOAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TOKEN = "test-token-7c1f9e0b5a"
TODAY = date(2026, 11, 23)


def _admin_connection():
    import psycopg2

    try:
        conn = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL server unreachable at {POSTGRES_ADMIN_URL}: {exc}")
    conn.autocommit = True
    return conn


class PostgresDatabases:
    """Creates uniquely named databases on the server and drops them all at the end."""

    def __init__(self):
        self.conn = _admin_connection()
        self.names: list[str] = []

    def create(self) -> str:
        name = f"loans_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.conn.cursor() as cur:
            for name in self.names:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.conn.close()


@pytest.fixture(scope="session")
def postgres_databases():
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres_databases) -> str:
    url = postgres_databases.create()
    migrate.upgrade(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A migrated database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/var/loans.db"
        migrate.upgrade(url)
        return url
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def policy():
    return load_policy()


@pytest.fixture
async def seeded_url(database_url, policy) -> str:
    """The database with the demo borrowers (re)seeded as of TODAY."""
    db = Database(database_url)
    try:
        await seed_demo(db, policy, TODAY)
    finally:
        await db.dispose()
    return database_url


@pytest.fixture
async def api(aiohttp_client, seeded_url, policy):
    """A test client of the real service on the seeded database, booking on TODAY."""
    app = create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy)
    return await aiohttp_client(app)


@pytest.fixture
def auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}
