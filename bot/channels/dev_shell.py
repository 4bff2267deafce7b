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

import hmac
import json
import logging
import os
import re
from datetime import date
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_runtime
from bot.channels.identity import VerifiedIdentity, dev_mode, stamp
from bot.channels.rest import FAILURE_ZH, MAX_BODY_BYTES, MAX_MESSAGE_CHARS, SENDER, error

logger = logging.getLogger(__name__)

CHANNEL_NAME = "shell"
TOKEN_VARIABLE = "RASA_API_TOKEN"
SUBJECT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def conversation_id(sender: str) -> str:
    return f"{CHANNEL_NAME}:{sender}"


class DevShellInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "DevShellInput":
        credentials = credentials if isinstance(credentials, dict) else {}
        return cls(credentials.get("token") or os.environ.get(TOKEN_VARIABLE) or None)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    def _authorised(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_runtime.install()
        webhook = Blueprint("dev_shell_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if dev_mode() else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not dev_mode():
                return error(404, "调试通道只在开发模式下可用。", "the debug shell channel works in development mode only")
            if not self.token:
                return error(503, "没有配置 RASA_API_TOKEN。", "RASA_API_TOKEN is not set")
            if not self._authorised(request):
                return error(401, "缺少或无效的令牌。", "missing or invalid bearer token")
            if len(request.body or b"") > MAX_BODY_BYTES:
                return error(413, "请求太大了。", f"the body is larger than {MAX_BODY_BYTES} bytes")
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return error(400, "请求不是有效的 JSON。", "the body is not valid JSON")
            if not isinstance(body, dict):
                return error(400, "请求必须是一个 JSON 对象。", "the body must be a JSON object")
            sender, text, subject, day = body.get("sender"), body.get("message"), body.get("as"), body.get("date")
            if not isinstance(sender, str) or not SENDER.match(sender):
                return error(400, "sender 格式不对。", "'sender' must be 1-64 letters, digits, '_', '.' or '-'")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                return error(400, "message 必须是文字。", f"'message' must be a string of at most {MAX_MESSAGE_CHARS} characters")
            if subject is not None and (not isinstance(subject, str) or not SUBJECT.match(subject)):
                return error(400, "as 格式不对。", "'as' must be a borrower id or null")
            if day is not None:
                try:
                    day = date.fromisoformat(day).isoformat() if isinstance(day, str) else None
                except ValueError:
                    day = None
                if day is None:
                    return error(400, "date 应该是 YYYY-MM-DD。", "'date' must be YYYY-MM-DD or null")
            conversation = conversation_id(sender)
            metadata = stamp({}, VerifiedIdentity(CHANNEL_NAME, subject, conversation, day))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, conversation, input_channel=CHANNEL_NAME,
                                                 metadata=metadata))
            except Exception as failure:  # noqa: BLE001 - the user gets an answer, the log no text
                logger.error("shell channel: handling a message failed (%s)", type(failure).__name__)
                return response.json([{"recipient_id": conversation, "text": FAILURE_ZH}])
            return response.json(collector.messages)

        return webhook
