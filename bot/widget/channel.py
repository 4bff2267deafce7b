"""The socket.io channel the web chat widget talks to.

Enabled in ``credentials.yml`` under the key ``bot.widget.channel.WidgetSocketIOInput`` with the
same settings as Rasa's own ``socketio`` channel (its name, URL and socket path stay
``socketio`` and ``/socket.io``). It is Rasa 3.6's channel with what that channel gets wrong
on the python-socketio 5 that Rasa 3.6 installs:

* ``enter_room`` is a coroutine in python-socketio 5: Rasa calls it without ``await``, so with
  ``session_persistence`` the browser never joins its session's room and never sees a reply.
* ``send_custom_json`` passes the payload as keyword arguments to ``AsyncServer.emit``, so any
  custom payload with its own keys (``{"type": "payoff_plan", ...}``) raises ``TypeError``
  and is lost. Here a custom payload is emitted as the message itself, as the widget expects.
* A malformed event (not an object, a non-text message, metadata that is not an object or not
  valid JSON, a session id that is not a short token) is answered or dropped with a warning
  in the log, never an exception in the socket handler.

Who is talking comes from the server only (:mod:`bot.channels.identity`):

* the page passes a short-lived JWT in the socket's ``auth`` when it connects (the lender's
  login issues it; in development the page server's demo login). The channel verifies it with
  PyJWT — signature (``jwt_key`` / ``WIDGET_JWT_SECRET``, ``jwt_method`` HS256 or RS256),
  ``exp``, ``aud`` (``jwt_audience``, default ``debt-helper-widget``) and ``sub`` are required —
  and binds the socket to its subject. A socket with an invalid token is refused; one without a
  token is an anonymous visitor (FAQ, calculators, never account data);
* each message gets the bound subject as its signed identity; whatever identity-like fields
  ``customData`` holds are dropped. After the token's expiry, a message is answered with
  "please log in again" and not passed on;
* the conversation id is ``widget:<subject or anon>:<session id>``, so a socket that asks for
  another borrower's session id lands in a conversation of its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import jwt
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import rasa_runtime
from bot.channels.identity import VerifiedIdentity, stamp
from bot.channels.user_text import TOO_LONG_ZH, readable, too_long

logger = logging.getLogger(__name__)

WIDGET_CHANNEL = "widget"
DEFAULT_AUDIENCE = "debt-helper-widget"
SECRET_VARIABLE = "WIDGET_JWT_SECRET"
#: seconds of clock difference tolerated when checking ``exp`` (credentials: ``jwt_leeway``)
LEEWAY = 30
SUBJECT = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
EXPIRED_ZH = (
    "登录已过期，为保护你的账户信息，请重新登录后再继续。重新登录前我不会显示任何账户数据。"
)


@dataclass(frozen=True)
class SocketSession:
    """What the channel verified about one socket: the token's subject and expiry (None:
    anonymous)."""

    subject: Optional[str] = None
    #: the token's ``exp`` plus the leeway, as a Unix time
    expires_at: Optional[float] = None
    conversation: Optional[str] = None

    def expired(self, now: Optional[float] = None) -> bool:
        return self.expires_at is not None and (now or time.time()) > self.expires_at


def verify_token(
    token: Any, key: str, algorithm: str, audience: str, leeway: float = LEEWAY
) -> Optional[Dict[str, Any]]:
    """The token's claims if its signature, ``exp``, ``aud`` and ``sub`` check out; else None."""
    if not isinstance(token, str) or not token or len(token) > 8192:
        return None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            leeway=leeway,
            options={"require": ["exp", "sub", "aud"]},
        )
    except jwt.PyJWTError as error:
        logger.info("widget token refused: %s", type(error).__name__)
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not SUBJECT.match(subject):
        logger.info("widget token refused: malformed subject")
        return None
    return claims


def conversation_id(session: SocketSession, session_id: Text) -> Text:
    return f"{WIDGET_CHANNEL}:{session.subject or 'anon'}:{session_id}"


# what the widget stores and sends back as its session id (Rasa's are uuid4 hex strings)
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class WidgetSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads emitted as the message itself.

    With ``hold``, the bot's messages of a turn are kept until :meth:`release`: Rasa sends them
    while it runs the turn and saves the turn afterwards, so a server that dies in between would
    have shown the borrower an answer that is in no conversation (found by ``make prod-test``'s
    ``kill -9``). Released after the save, a turn is either seen and stored, or neither (the page
    sends it again). :meth:`discard` drops them when the turn failed.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, hold: bool = False) -> None:
        super().__init__(sio, bot_message_evt)
        self._held: Optional[List[Tuple[Text, Any]]] = [] if hold else None

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._held is not None:
            self._held.append((socket_id, response))
            return
        await super()._send_message(socket_id, response)

    async def release(self) -> None:
        """Send what was held, in order; later messages go out at once."""
        held, self._held = self._held or [], None
        for socket_id, message in held:
            await super()._send_message(socket_id, message)

    def discard(self) -> None:
        """Forget what was held (the turn was not saved)."""
        self._held = None

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        if not isinstance(json_message, dict):
            json_message = {"payload": json_message}
        await self._send_message(recipient_id, dict(json_message))


def valid_session_id(value: Any) -> Optional[Text]:
    """The session id the browser asked for, if it is a short token; otherwise None."""
    if isinstance(value, str) and SESSION_ID.match(value):
        return value
    return None


def message_metadata(raw: Any) -> Dict[Text, Any]:
    """The event's metadata as a dict: an object, or a JSON string holding one; else empty."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            logger.warning("widget message metadata is not valid JSON; ignored")
            return {}
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        logger.warning(
            "widget message metadata is a %s, not an object; ignored", type(raw).__name__
        )
        return {}
    return dict(raw)


def message_text(raw: Any) -> Text:
    """The user's text: strings as they are (lone surrogates replaced), numbers as text,
    anything else empty."""
    if isinstance(raw, str):
        return readable(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return ""


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel, fixed for python-socketio 5, with verified identity
    (see the module docstring)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials if isinstance(credentials, dict) else {}
        channel = super().from_credentials(credentials)
        channel.jwt_key = credentials.get("jwt_key") or os.environ.get(SECRET_VARIABLE) or None
        channel.jwt_algorithm = credentials.get("jwt_method") or "HS256"
        channel.jwt_audience = credentials.get("jwt_audience") or DEFAULT_AUDIENCE
        channel.jwt_leeway = float(credentials.get("jwt_leeway", LEEWAY))
        channel.sessions = {}
        return channel

    def session_of(self, sid: Text) -> SocketSession:
        return getattr(self, "sessions", {}).get(sid) or SocketSession()

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_runtime.install()
        # cors_allowed_origins=[] leaves CORS to the Rasa server's own --cors setting, as Rasa does
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        if not hasattr(self, "sessions"):
            self.sessions: Dict[Text, SocketSession] = {}
        audience = getattr(self, "jwt_audience", DEFAULT_AUDIENCE)
        leeway = getattr(self, "jwt_leeway", LEEWAY)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            if not token:
                self.sessions[sid] = SocketSession()
                return True
            claims = (
                verify_token(token, self.jwt_key, self.jwt_algorithm, audience, leeway)
                if self.jwt_key
                else None
            )
            if claims is None:
                if not self.jwt_key:
                    logger.warning(
                        "widget socket sent a token but no %s is configured: refused",
                        SECRET_VARIABLE,
                    )
                return False
            self.sessions[sid] = SocketSession(claims["sub"], float(claims["exp"]) + leeway)
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            self.sessions.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = valid_session_id(requested)
            if requested is not None and session_id is None:
                logger.warning(
                    "widget socket asked for a malformed session id; a new one is issued"
                )
            session_id = session_id or uuid.uuid4().hex
            session = self.session_of(sid)
            conversation = conversation_id(session, session_id)
            self.sessions[sid] = SocketSession(session.subject, session.expires_at, conversation)
            if self.session_persistence:
                await sio.enter_room(sid, conversation, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict):
                logger.warning(
                    "widget socket sent a %s instead of a message object; ignored",
                    type(data).__name__,
                )
                return
            session = self.session_of(sid)
            output = WidgetSocketIOOutput(sio, self.bot_message_evt, hold=True)
            if session.expired():
                await sio.emit(
                    self.bot_message_evt, {"text": EXPIRED_ZH}, room=sid, namespace=self.namespace
                )
                await sio.emit("session_expired", {}, room=sid, namespace=self.namespace)
                return
            if self.session_persistence and session.conversation:
                sender_id = session.conversation
            else:
                # answered on the socket itself: nothing is lost, the conversation just does not
                # outlive the page
                sender_id = conversation_id(session, sid)
                if self.session_persistence:
                    await sio.enter_room(sid, sender_id, namespace=self.namespace)
            text = message_text(data.get("message"))
            if too_long(text):
                await sio.emit(
                    self.bot_message_evt, {"text": TOO_LONG_ZH}, room=sid, namespace=self.namespace
                )
                return
            raw = message_metadata(data.get(self.metadata_key))
            metadata = stamp(raw, VerifiedIdentity(WIDGET_CHANNEL, session.subject, sender_id))
            message = UserMessage(
                text, output, sender_id, input_channel=self.name(), metadata=metadata
            )
            try:
                await on_new_message(message)
            except Exception as failure:  # noqa: BLE001 - the user gets an answer, the log no text
                output.discard()
                logger.error(
                    "widget channel: handling a message failed (%s)", type(failure).__name__
                )
                await sio.emit(
                    self.bot_message_evt,
                    {"text": rasa_runtime.STORE_DOWN_ZH},
                    room=sid,
                    namespace=self.namespace,
                )
            else:
                await output.release()

        return socketio_webhook
