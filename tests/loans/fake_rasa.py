"""A stand-in for the two calls of Rasa's HTTP API the reminder scheduler makes, and a fake
clock.

:class:`FakeRasa` answers ``POST /conversations/{id}/trigger_intent`` and ``GET
/conversations/{id}/tracker`` the way Rasa 3.6 does (token as a query parameter; the external
user event stored with the intent and the entities in ``parse_data``, metadata
``is_external``), counts every trigger per reminder id, and can be told to fail: ``HTTP503``
(nothing recorded), ``slow`` (recorded, but the answer comes after the client gave up -- the
ambiguous case), ``tracker_down`` (the tracker read fails).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Optional

from aiohttp import web

RASA_TOKEN = "rasa-test-token-31f0"
INTENT = "EXTERNAL_repayment_reminder"


class FakeClock:
    """The scheduler's and the service's ``clock``: an aware UTC instant the test moves."""

    def __init__(self, now: datetime):
        self.now = now.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeRasa:
    def __init__(self, token: str = RASA_TOKEN):
        self.token = token
        self.triggers: Counter = Counter()  # reminder id -> trigger calls that reached Rasa
        self.events: dict[str, list] = defaultdict(list)
        self.requests: list[dict] = []
        self.failures: list[str] = []  # what the next triggers do instead of answering 200
        self.tracker_failures = 0
        self.tracker_reads = 0
        self.delay = 0.0  # seconds each trigger takes
        self.slow_seconds = 5.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(r"/conversations/{conversation_id:.+}/trigger_intent", self.trigger)
        app.router.add_get(r"/conversations/{conversation_id:.+}/tracker", self.tracker)
        return app

    def _authorised(self, request: web.Request) -> Optional[web.Response]:
        if request.query.get("token") != self.token:
            return web.json_response(
                {"status": "failure", "reason": "NotAuthenticated"}, status=401
            )
        return None

    async def trigger(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        conversation_id = request.match_info["conversation_id"]
        body = await request.json()
        self.requests.append(
            {"conversation_id": conversation_id, "query": dict(request.query), "body": body}
        )
        mode = self.failures.pop(0) if self.failures else None
        if mode and mode.startswith("HTTP"):
            return web.json_response({"status": "failure"}, status=int(mode[4:]))
        if self.delay:
            await asyncio.sleep(self.delay)
        entities = body.get("entities") or {}
        self.events[conversation_id].append(
            {
                "event": "user",
                "text": f"EXTERNAL: {body['name']}",
                "parse_data": {
                    "intent": {"name": body["name"], "confidence": 1.0},
                    "entities": [
                        {"entity": key, "value": value} for key, value in entities.items()
                    ],
                    "text": f"EXTERNAL: {body['name']}",
                    "message_id": None,
                    "metadata": {},
                },
                "input_channel": "widget",
                "message_id": None,
                "metadata": {"is_external": True},
            }
        )
        self.events[conversation_id].append({"event": "action", "name": "action_react_to_reminder"})
        self.triggers[entities.get("reminder_id")] += 1
        if mode == "slow":  # processed and saved, but the caller has given up by now
            await asyncio.sleep(self.slow_seconds)
        return web.json_response({"tracker": {"sender_id": conversation_id}, "messages": []})

    async def tracker(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        self.tracker_reads += 1
        if self.tracker_failures:
            self.tracker_failures -= 1
            return web.json_response({"status": "failure"}, status=500)
        conversation_id = request.match_info["conversation_id"]
        events = [
            {"event": "action", "name": "action_session_start"},
            {"event": "action", "name": "action_listen"},
        ] + self.events[conversation_id]
        return web.json_response({"sender_id": conversation_id, "events": events})
