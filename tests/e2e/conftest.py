"""Fixtures for tests against the running bot (started by scripts/test.sh).

The secrets of the running services come from the environment that scripts/test.sh exported
(``RASA_API_TOKEN``, ``REST_CHANNEL_TOKEN``, ``WIDGET_JWT_SECRET`` …).
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:  # pragma: no cover - only when run by hand
        pytest.fail(f"{name} is not set: run these tests through scripts/test.sh (make test)")
    return value


@pytest.fixture(scope="session")
def rasa_url():
    try:
        requests.get(
            f"{RASA_URL}/status", params={"token": os.environ.get("RASA_API_TOKEN", "")}, timeout=5
        ).raise_for_status()
    except requests.RequestException as error:  # pragma: no cover - only when run by hand
        pytest.fail(
            f"the Rasa server is not running at {RASA_URL} (scripts/test.sh starts it): {error}"
        )
    return RASA_URL


@pytest.fixture(scope="session")
def api_token() -> str:
    return env("RASA_API_TOKEN")


@pytest.fixture()
def say(rasa_url):
    """Send a message over the REST channel as a fresh (or given) conversation; returns the bot's
    messages."""

    def _say(text, sender=None, metadata=None):
        body = {"sender": sender or f"test-{uuid.uuid4().hex[:8]}", "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json=body,
            timeout=60,
            headers={"Authorization": f"Bearer {env('REST_CHANNEL_TOKEN')}"},
        )
        response.raise_for_status()
        return response.json()

    return _say
