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

The widget (rasa-webchat) sends ``{"message", "customData", "session_id"}``; with
``metadata_key: customData`` the ``customData`` object becomes the message's metadata, which
is how the actions learn the channel and the demo borrower (``external_id``).
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

logger = logging.getLogger(__name__)

WIDGET_CHANNEL = "widget"
# what the widget stores and sends back as its session id (Rasa's are uuid4 hex strings)
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class WidgetSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads emitted as the message itself."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
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
        logger.warning("widget message metadata is a %s, not an object; ignored", type(raw).__name__)
        return {}
    return dict(raw)


def message_text(raw: Any) -> Text:
    """The user's text: strings as they are, numbers as text, anything else empty."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return ""


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel, fixed for python-socketio 5 (see the module docstring)."""

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # cors_allowed_origins=[] leaves CORS to the Rasa server's own --cors setting, as Rasa does
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = decode_bearer_token(token, self.jwt_key, self.jwt_algorithm) if token else None
            if not payload:
                logger.info("widget socket %s refused: no valid token", sid)
                return False
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = valid_session_id(requested)
            if requested is not None and session_id is None:
                logger.warning("widget socket %s asked for a malformed session id; a new one is issued", sid)
            session_id = session_id or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict):
                logger.warning("widget socket %s sent a %s instead of a message object; ignored",
                               sid, type(data).__name__)
                return
            sender_id = sid
            if self.session_persistence:
                session_id = valid_session_id(data.get("session_id"))
                if session_id is None:
                    # answered on the socket itself: nothing is lost, the conversation just
                    # does not outlive the page
                    logger.warning("widget socket %s sent a message without a valid session id", sid)
                else:
                    sender_id = session_id
            metadata = message_metadata(data.get(self.metadata_key))
            metadata.setdefault("channel", WIDGET_CHANNEL)
            output = WidgetSocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(message_text(data.get("message")), output, sender_id,
                                  input_channel=self.name(), metadata=metadata)
            await on_new_message(message)

        return socketio_webhook
