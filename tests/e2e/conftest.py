"""Fixtures for tests against the running bot (started by scripts/test.sh)."""
from __future__ import annotations

import os
import uuid

import pytest
import requests

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


@pytest.fixture(scope="session")
def rasa_url():
    try:
        requests.get(f"{RASA_URL}/status", timeout=5).raise_for_status()
    except requests.RequestException as error:  # pragma: no cover - only when run by hand
        pytest.fail(f"the Rasa server is not running at {RASA_URL} (scripts/test.sh starts it): {error}")
    return RASA_URL


@pytest.fixture()
def say(rasa_url):
    """Send a message as a fresh (or given) conversation; returns the bot's messages."""
    def _say(text, sender=None, metadata=None):
        body = {"sender": sender or f"test-{uuid.uuid4().hex[:8]}", "message": text,
                "metadata": metadata or {"channel": "rest"}}
        response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()
    return _say
