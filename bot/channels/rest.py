"""The REST channel for trusted integrations: a bearer token, strict input, never an identity.

Enabled in the development ``credentials.yml`` as ``bot.channels.rest.TokenRestInput`` (URL
``/webhooks/rest/webhook``, as Rasa's own ``rest`` channel); not in the production credentials.
Unlike Rasa's channel:

* every request needs ``Authorization: Bearer <REST_CHANNEL_TOKEN>`` (or the ``token`` given in
  ``credentials.yml``); with no token configured the channel refuses everything (503);
* the body must be a JSON object of at most 64 KiB with ``message`` a string of at most
  10,000 characters and ``sender`` a short token (letters, digits, ``_ . -``); anything else is
  a 4xx with a JSON error in Chinese and English, never an exception;
* the conversation is ``rest:<sender>``: a REST client can never write into another channel's
  conversation (a WeChat user's, say, whose id it might know);
* client ``metadata`` is ignored whatever it is: the message is always from an anonymous user
  (:mod:`bot.channels.identity`), so a REST client cannot read anyone's loans;
* a failure while the bot handles the message is answered with a polite Chinese sentence and
  logged without the message text.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_runtime
from bot.channels.identity import VerifiedIdentity, stamp
from bot.channels.user_text import MAX_MESSAGE_CHARS, readable, too_long
from bot.rasa_runtime import STORE_DOWN_ZH

logger = logging.getLogger(__name__)

CHANNEL_NAME = "rest"
TOKEN_VARIABLE = "REST_CHANNEL_TOKEN"
MAX_BODY_BYTES = 64 * 1024
SENDER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
FAILURE_ZH = STORE_DOWN_ZH


def conversation_id(sender: str) -> str:
    return f"{CHANNEL_NAME}:{sender}"


def error(status: int, zh: str, en: str) -> HTTPResponse:
    return response.json({"error": en, "message": zh}, status=status)


def bearer_matches(request: Request, token: Optional[str]) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (compared in constant time)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), token.encode())
    )


def read_message(request: Request, token: Optional[str]) -> Union[HTTPResponse, Dict[str, Any]]:
    """The JSON body of an authorised message request with a valid ``sender`` and ``message``,
    or the 4xx/5xx response that says what is wrong with it."""
    if not token:
        return error(503, "通道没有配置令牌，暂不可用。", "the channel has no token configured")
    if not bearer_matches(request, token):
        return error(401, "缺少或无效的令牌。", "missing or invalid bearer token")
    if len(request.body or b"") > MAX_BODY_BYTES:
        return error(413, "请求太大了。", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return error(400, "请求不是有效的 JSON。", "the body is not valid JSON")
    if not isinstance(body, dict):
        return error(400, "请求必须是一个 JSON 对象。", "the body must be a JSON object")
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.match(sender):
        return error(
            400,
            "sender 必须是1到64位的字母、数字或 _ . -。",
            "'sender' must be 1-64 letters, digits, '_', '.' or '-'",
        )
    if not isinstance(text, str):
        return error(400, "message 必须是文字。", "'message' must be a string")
    if too_long(text):
        return error(
            413,
            f"消息太长了，请控制在{MAX_MESSAGE_CHARS}字以内。",
            f"'message' is longer than {MAX_MESSAGE_CHARS} characters",
        )
    body["message"] = readable(text)
    return body


async def answer(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    text: str,
    conversation: str,
    channel: str,
    metadata: Dict[str, Any],
) -> HTTPResponse:
    """Run the message through the bot and return what it said; a failure is answered, not
    raised."""
    collector = CollectingOutputChannel()
    try:
        await on_new_message(
            UserMessage(text, collector, conversation, input_channel=channel, metadata=metadata)
        )
    except Exception as failure:  # noqa: BLE001 - the user gets an answer, the log no text
        logger.error("%s channel: handling a message failed (%s)", channel, type(failure).__name__)
        return response.json([{"recipient_id": conversation, "text": FAILURE_ZH}])
    return response.json(collector.messages)


class TokenWebhookInput(InputChannel):
    """A channel at ``/webhooks/<name>/`` (health) and ``/webhooks/<name>/webhook`` (a message),
    guarded by a bearer token from ``credentials.yml`` or the environment variable
    ``token_variable``; subclasses say what a message request means (:meth:`receive`)."""

    channel_name = CHANNEL_NAME
    token_variable = TOKEN_VARIABLE

    @classmethod
    def name(cls) -> Text:
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TokenWebhookInput":
        credentials = credentials if isinstance(credentials, dict) else {}
        return cls(credentials.get("token") or os.environ.get(cls.token_variable) or None)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    def status(self) -> str:
        """What the health route says."""
        return "ok"

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        raise NotImplementedError

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_runtime.install()
        webhook = Blueprint(f"{self.channel_name}_token_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": self.status()})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return webhook


class TokenRestInput(TokenWebhookInput):
    """``POST /webhooks/rest/webhook`` with ``{"sender", "message"}`` and a bearer token."""

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        body = read_message(request, self.token)
        if isinstance(body, HTTPResponse):
            return body
        conversation = conversation_id(body["sender"])
        metadata = stamp({}, VerifiedIdentity(CHANNEL_NAME, None, conversation))
        return await answer(on_new_message, body["message"], conversation, CHANNEL_NAME, metadata)
