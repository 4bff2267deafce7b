"""What the Rasa server does when a part of the system fails, changed so the user is told the truth.

Rasa 3.6, left alone:

* when the action server is down or hangs, it logs the exception, drops the action's events and
  carries on, so the user gets silence or "sorry, I did not understand" — told they were
  misunderstood when the system failed — and a hung action server holds the turn for 5 minutes;
* when the tracker store (PostgreSQL) fails, ``FailSafeTrackerStore`` quietly carries on with an
  empty in-memory conversation: the bot answers as if it had never met the user, and everything
  said until the database is back is never stored.

:func:`install` changes both, once per process:

* a custom action that fails or takes more than :data:`ACTION_TIMEOUT` seconds answers
  :data:`ACTIONS_DOWN_ZH` (what still works, and 转人工) instead; ``action_session_start`` also
  starts the session as Rasa's default would, so the conversation goes on normally once the
  action server is back;
* a tracker store error is raised (:class:`StoreUnavailable`) instead of hidden: the message is
  not processed at all, and the channel answers :data:`STORE_DOWN_ZH` — nothing is half-saved,
  so nothing is lost, and the user can send it again.

Rasa has no hook for either, so these wrap ``RemoteAction.run`` and the ``FailSafeTrackerStore``
methods. The project's input channels call :func:`install` when the Rasa server builds their
routes (``blueprint``), which only a Rasa server does; evaluation and training never see it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from typing import Any, List

from bot.channels.user_text import MAX_MESSAGE_CHARS, too_long

logger = logging.getLogger(__name__)

#: seconds a custom action may take before the user is told the system has a problem
ACTION_TIMEOUT = 4.0

ACTIONS_DOWN_ZH = (
    "抱歉，系统暂时出了点问题，这一步没能完成。\n"
    "常见问题（逾期、征信、罚息这些）我还能回答；查账户、算费用、做计划要等系统恢复，稍后再试就行。"
    "着急的话说“转人工”。"
)
STORE_DOWN_ZH = (
    "抱歉，系统暂时出了点问题，这条消息没能处理。请过一会儿再发一次；着急的话可以说“转人工”。"
)


class StoreUnavailable(Exception):
    """The tracker store failed: the message must not be processed (see the module docstring)."""


_installed = False


def install() -> None:
    """Install both changes (idempotent), and the HTTP API's body check on the Rasa server."""
    global _installed
    if _installed:
        return
    _wrap_remote_actions()
    _make_tracker_store_failures_visible()
    _guard_the_running_server()
    _installed = True
    logger.info("failure answers installed (custom actions, tracker store)")


# -- the HTTP API: a malformed body is the client's error (400), not the server's (500) ------------

#: POST routes of Rasa's HTTP API whose JSON body Rasa reads without checking it: a body that is
#: not UTF-8 JSON, not an object, a ``text``/``name`` that is not a string, or a string that has
#: no UTF-8 form (a lone surrogate, as ``"\ud800"`` in JSON) made Rasa answer 500; a ``text``
#: over the channels' limit is refused 413
API_BODY_ROUTES = re.compile(
    r"^/(model/parse|conversations/[^/]+/(messages|trigger_intent|execute))$"
)


def _bad_request(message: str, status: int = 400, reason: str = "BadRequest"):
    from sanic import response

    body = {
        "version": "",
        "status": "failure",
        "message": message,
        "reason": reason,
        "code": status,
    }
    return response.json(body, status=status)


async def refuse_malformed_api_bodies(request):
    """Sanic request middleware: answers 400 to a malformed body of :data:`API_BODY_ROUTES`;
    None (the request goes on) for everything else."""
    if request.method != "POST" or not API_BODY_ROUTES.match(request.path):
        return None
    raw = request.body or b""
    if not raw:
        return None  # Rasa answers an empty body itself (400)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _bad_request("The request body is not valid UTF-8 JSON.")
    if not isinstance(body, dict):
        return _bad_request("The request body must be a JSON object.")
    for key in ("text", "name"):
        if key in body and not isinstance(body[key], str):
            return _bad_request(f"'{key}' must be a string.")
    if too_long(body.get("text") or ""):
        # reading it would hold the server's event loop for seconds (the NLU is synchronous)
        return _bad_request(
            f"'text' is longer than {MAX_MESSAGE_CHARS} characters.", 413, "PayloadTooLarge"
        )
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return _bad_request(
            "The request body holds text that has no UTF-8 form (a lone surrogate)."
        )
    return None


def guard_api(app) -> None:
    """Check the HTTP API's bodies on ``app`` (before it starts)."""
    app.register_middleware(refuse_malformed_api_bodies, "request")


def _guard_the_running_server() -> None:
    """The Rasa server's app exists when the channels build their routes (Rasa creates the app,
    then registers the channels); elsewhere (tests, the shell) there is none to guard."""
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_server")
    except Exception:  # noqa: BLE001 - no Rasa server in this process
        return
    guard_api(app)


def _wrap_remote_actions() -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    original = RemoteAction.run

    @functools.wraps(original)
    async def run(self, output_channel, nlg, tracker, domain) -> List[Any]:
        try:
            return await asyncio.wait_for(
                original(self, output_channel, nlg, tracker, domain), ACTION_TIMEOUT
            )
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - every failure gets the honest answer
            logger.error(
                "custom action %s failed (%s): answering that the system has a problem",
                self.name(),
                type(error).__name__,
            )
            return failure_events(self.name())

    RemoteAction.run = run


def failure_events(action_name: str) -> List[Any]:
    """What a failed custom action leaves in the conversation: the honest answer, and for the
    session start what Rasa's own session start would have done."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted

    if action_name == ACTION_SESSION_START_NAME:
        # no message at the very start: the user has not asked anything yet
        return [SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    return [BotUttered(text=ACTIONS_DOWN_ZH, metadata={"system_trouble": "actions"})]


def _make_tracker_store_failures_visible() -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    def raising(name: str):
        async def method(self, *args, **kwargs):
            try:
                return await getattr(self._tracker_store, name)(*args, **kwargs)
            except Exception as error:  # noqa: BLE001
                logger.error(
                    "tracker store %s failed (%s): the message is not processed",
                    name,
                    type(error).__name__,
                )
                raise StoreUnavailable(type(error).__name__) from None

        method.__name__ = name
        return method

    for name in ("retrieve", "retrieve_full_tracker", "save", "keys"):
        setattr(FailSafeTrackerStore, name, raising(name))
