"""Fixtures of the action tests: the REAL loan service with the demo borrowers, and trackers.

* ``ledger``: the ledger service (``bot.loans.service.create_app``) on an aiohttp test server,
  over a fresh SQLite database per test (migrated once per session, copied per test) seeded with
  the demo borrowers as of :data:`TODAY`; the actions' client (``bot.loans.client.get_client``)
  points at it.
* ``ledger_down``: the actions' client points at a port where nothing listens.

Trackers and the other helpers are in action_helpers.py.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from bot.loans import client as client_module
from bot.loans import migrate
from bot.loans.client import LoanClient
from bot.loans.db import Database
from bot.loans.demo import seed_demo
from bot.loans.service import create_app
from bot.policy import load_policy
from tests.actions.action_helpers import IDENTITY_SECRET, TODAY

REPO = Path(__file__).resolve().parents[2]
TOKEN = "actions-test-token-5b0c2e"


@pytest.fixture(autouse=True)
def identity_environment(monkeypatch):
    """The actions verify identities with the shared secret; the shell's /date needs dev mode."""
    monkeypatch.setenv("IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("BOT_DEV_MODE", "1")
    monkeypatch.delenv("BOT_ENV", raising=False)


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ledger-template") / "loans.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
async def ledger_url(migrated_template, tmp_path) -> str:
    path = tmp_path / "loans.db"
    shutil.copyfile(migrated_template, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    try:
        await seed_demo(db, load_policy(), TODAY)
    finally:
        await db.dispose()
    return url


@pytest.fixture
async def ledger(aiohttp_server, ledger_url, monkeypatch):
    """The real service on the seeded database; the actions' client talks to it."""
    server = await aiohttp_server(
        create_app(ledger_url, TOKEN, today=lambda: TODAY, policy=load_policy())
    )
    loans = LoanClient(str(server.make_url("")).rstrip("/"), TOKEN)
    monkeypatch.setattr(client_module, "_client", loans)
    yield loans
    await loans.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def ledger_down(monkeypatch):
    """Nothing listens where the actions' client looks for the ledger."""
    loans = LoanClient(f"http://127.0.0.1:{_closed_port()}", TOKEN, timeout=2.0, get_retries=0)
    monkeypatch.setattr(client_module, "_client", loans)
    yield loans
    await loans.close()
