"""The debug shell's channel: chat as a demo borrower on a chosen day — development mode only.

Enabled in the development ``credentials.yml`` as ``bot.channels.dev_shell.DevShellInput``
(``POST /webhooks/shell/webhook``); absent from the production credentials. It answers only when
the Rasa server runs in development mode (``BOT_DEV_MODE=1``, which ``make run`` and ``make test``
set and ``BOT_ENV=production`` refuses, :func:`bot.channels.identity.dev_mode`) and only with the
Rasa API's token (``RASA_API_TOKEN``, the one ``--auth-token`` uses). Then the body's ``as`` (a
borrower's shell identity, or null for an unlinked user) and ``date`` (``YYYY-MM-DD``, the day the
figures are for) become the signed identity of the message. Conversations are ``shell:<sender>``.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.identity import ConfigurationError, VerifiedIdentity, dev_mode, stamp
from bot.channels.rest import TokenWebhookInput, answer, error, read_message

logger = logging.getLogger(__name__)

CHANNEL_NAME = "shell"
TOKEN_VARIABLE = "RASA_API_TOKEN"
SUBJECT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def development_mode() -> bool:
    """:func:`dev_mode`, with a forbidden combination (production) read as "off"."""
    try:
        return dev_mode()
    except ConfigurationError:
        logger.error(
            "BOT_DEV_MODE is set together with BOT_ENV=production: the debug shell channel"
            " stays off"
        )
        return False


def parse_day(value: Any) -> Optional[str]:
    """``YYYY-MM-DD`` as an ISO date string, or None when it is not one."""
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def conversation_id(sender: str) -> str:
    return f"{CHANNEL_NAME}:{sender}"


class DevShellInput(TokenWebhookInput):
    channel_name = CHANNEL_NAME
    token_variable = TOKEN_VARIABLE

    def status(self) -> str:
        return "ok" if development_mode() else "off"

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not development_mode():
            return error(
                404,
                "调试通道只在开发模式下可用。",
                "the debug shell channel works in development mode only",
            )
        body = read_message(request, self.token)
        if isinstance(body, HTTPResponse):
            return body
        subject, day = body.get("as"), body.get("date")
        if subject is not None and (not isinstance(subject, str) or not SUBJECT.match(subject)):
            return error(400, "as 格式不对。", "'as' must be a borrower id or null")
        if day is not None:
            day = parse_day(day)
            if day is None:
                return error(400, "date 应该是 YYYY-MM-DD。", "'date' must be YYYY-MM-DD or null")
        conversation = conversation_id(body["sender"])
        metadata = stamp({}, VerifiedIdentity(CHANNEL_NAME, subject, conversation, day))
        return await answer(on_new_message, body["message"], conversation, CHANNEL_NAME, metadata)
