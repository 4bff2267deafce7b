"""Fixtures of the action tests: the REAL loan service with the demo borrowers, and trackers.

* ``ledger``: the ledger service (``bot.loans.service.create_app``) on an aiohttp test server,
  over a fresh SQLite database per test (migrated once per session, copied per test) seeded with
  the demo borrowers as of :data:`TODAY`; the actions' client (``bot.loans.client.get_client``)
  points at it.
* ``ledger_down``: the actions' client points at a port where nothing listens.
* :func:`make_tracker`: a rasa_sdk ``Tracker`` built from plain dicts, the way the action server
  receives it (RasaHQ financial-demo style), with the channel identity in the message metadata.
"""
from __future__ import annotations

import shutil
import socket
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.loans import client as client_module
from bot.loans import migrate
from bot.loans.client import LoanClient
from bot.loans.db import Database
from bot.loans.demo import seed_demo
from bot.loans.service import create_app
from bot.policy import load_policy

REPO = Path(__file__).resolve().parents[2]
TOKEN = "actions-test-token-5b0c2e"
TODAY = date(2026, 11, 23)

UP_TO_DATE = "demo-up-to-date"
TWO_MONTHS = "demo-two-months"
ONE_YUAN = "demo-one-yuan"
MULTI_DEBT = "demo-multi-debt"


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
    server = await aiohttp_server(create_app(ledger_url, TOKEN, today=lambda: TODAY, policy=load_policy()))
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


def entity(name: str, value: str, text: Optional[str] = None) -> Dict[str, Any]:
    """An entity as the NLU reports it; ``text`` is its surface form, placed by make_tracker."""
    item = {"entity": name, "value": value, "start": 0, "end": 0, "extractor": "FinanceEntityExtractor"}
    if text:
        item["text"] = text
    return item


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    borrower: Optional[str] = None,
    channel: Optional[str] = "widget",
    as_of: Optional[str] = None,
    requested_slot: Optional[str] = None,
    active_loop: Optional[str] = None,
    previous_action: Optional[str] = None,
    history: Iterable[Dict[str, Any]] = (),
    response_key: Optional[str] = None,
    sender_id: str = "conv-test",
    message_id: Optional[str] = None,
    with_metadata: bool = True,
) -> Tracker:
    """A tracker whose latest user message is ``text`` / ``intent`` from ``borrower``.

    ``borrower=None`` is a user whose channel identity is not linked (or no identity at all
    when ``channel`` is None too). ``previous_action`` is the bot action right before this
    message; ``history`` are earlier events (dicts) put before it.
    """
    entities = [dict(item) for item in entities]
    for item in entities:  # place each entity at its text in the message when it is there
        surface = item.pop("text", None)
        if surface and surface in text:
            item["start"] = text.index(surface)
            item["end"] = item["start"] + len(surface)
    metadata: Dict[str, Any] = {}
    if with_metadata and channel:
        metadata["channel"] = channel
        metadata["external_id"] = borrower or f"unlinked-{uuid.uuid4().hex[:6]}"
        if as_of:
            metadata["as_of"] = as_of
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99} if intent else {},
        "entities": entities,
        "message_id": message_id or uuid.uuid4().hex,
        "metadata": metadata,
    }
    if response_key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{response_key}",
                                                           "confidence": 0.95}}}
    events: List[Dict[str, Any]] = [{"event": "action", "name": "action_session_start"},
                                    {"event": "action", "name": "action_listen"}]
    events += list(history)
    if previous_action:
        events += [{"event": "action", "name": previous_action}, {"event": "action", "name": "action_listen"}]
    events.append({"event": "user", "text": text, "parse_data": parse, "metadata": metadata,
                   "message_id": parse["message_id"], "input_channel": channel})
    all_slots = dict(load_policy().as_slots())
    all_slots.update(slots or {})
    if requested_slot:
        all_slots["requested_slot"] = requested_slot
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    """Everything the bot said, as one string."""
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


def slot_values(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
