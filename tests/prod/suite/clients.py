"""A borrower on each input of the production topology.

* :class:`WeChatUser`: signed XML to the WeChat webhook, the passive reply read from the answer;
  like WeChat's servers, a delivery that got an error or no answer is delivered again with the
  same MsgId (the channel must process it once);
* :class:`WidgetUser`: the chat page's socket.io with the lender login's JWT; a dropped socket is
  opened again and asks for the same session (the conversation goes on);
* :func:`api_headers`: Rasa's HTTP API with its token.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import aiohttp
import jwt
import socketio

from .topology import Topology

# the honest answers: bot.rasa_runtime (系统暂时出了点问题: the action server or the tracker store
# failed), the WeChat channel's apology (系统刚才出了点问题), actions/identity.py (the ledger)
TROUBLE = "出了点问题"
LEDGER_DOWN = "暂时查不到"
STORE_DOWN = (
    "没能处理"  # STORE_DOWN_ZH and the WeChat apology: the message was not processed, send it again
)

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


@dataclass
class Reply:
    status: int  # HTTP status (200 for a socket reply, 0: no answer at all)
    texts: List[str] = field(default_factory=list)
    seconds: float = 0.0  # until the (first) reply
    deliveries: int = 1  # WeChat: how many times the message was delivered
    served_by: str = ""
    error: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def answered(self) -> bool:
        return bool(self.text.strip())


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def wechat_xml(openid: str, text: str, msg_id: Optional[int]) -> str:
    body = text.replace("]]>", "]]]]><![CDATA[>")
    msg = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (
        f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{body}]]></Content>{msg}</xml>"
    )


CONTENT = re.compile(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)


class WeChatUser:
    def __init__(
        self,
        topology: Topology,
        http: aiohttp.ClientSession,
        url: Optional[str] = None,
        openid: Optional[str] = None,
    ) -> None:
        self.topology = topology
        self.http = http
        self.url = url  # None: through HAProxy
        self.openid = openid or f"o-suite-{uuid.uuid4().hex[:16]}"

    @property
    def sender(self) -> str:
        return self.openid

    def signed_params(self) -> Dict[str, str]:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        return {
            "signature": wechat_signature(self.topology["WECHAT_TOKEN"], timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": self.openid,
        }

    async def post(
        self,
        body: bytes,
        *,
        url: Optional[str] = None,
        params: Optional[Dict[str, str]] = None,
        timeout: float = 15,
    ) -> aiohttp.ClientResponse:
        base = url or self.url or self.topology.rasa_url
        return await self.http.post(
            base + "/webhooks/wechat/webhook",
            data=body,
            params=params if params is not None else self.signed_params(),
            headers={"Content-Type": "text/xml"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    async def say(
        self,
        text: str,
        *,
        msg_id: Optional[int] = None,
        retries: int = 3,
        url: Optional[str] = None,
    ) -> Reply:
        """Deliver a text message; on a 5xx, a refused connection or no answer in 5 s deliver it
        again with the same MsgId, up to ``retries`` more times, as WeChat does."""
        msg_id = next(_msg_ids) if msg_id is None else msg_id
        body = wechat_xml(self.openid, text, msg_id).encode()
        started = time.monotonic()
        reply = Reply(status=0, deliveries=0)
        for attempt in range(retries + 1):
            reply.deliveries += 1
            try:
                async with await self.post(body, url=url, timeout=5.5) as response:
                    reply.status = response.status
                    reply.served_by = response.headers.get("X-Served-By", "")
                    answer = await response.text()
                if response.status == 200:
                    reply.texts = CONTENT.findall(answer)
                    reply.seconds = time.monotonic() - started
                    if answer.strip() == "success" and attempt < retries:
                        # the reply was not ready in this delivery's window: WeChat delivers again
                        continue
                    return reply
                reply.error = f"HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                reply.error = type(error).__name__
            await asyncio.sleep(1.0)
        reply.seconds = time.monotonic() - started
        return reply


def widget_token(secret: str, subject: str, lifetime: int = 3600) -> str:
    return jwt.encode(
        {"sub": subject, "aud": "debt-helper-widget", "exp": int(time.time()) + lifetime},
        secret,
        algorithm="HS256",
    )


class WidgetUser:
    """One chat page: a socket.io connection through HAProxy, one session (conversation)."""

    def __init__(
        self,
        topology: Topology,
        subject: str,
        *,
        pin: Optional[str] = None,
        session_id: Optional[str] = None,
        quiet: float = 0.8,
    ) -> None:
        self.topology = topology
        self.subject = subject
        self.pin = pin  # "rasa1"/"rasa2": the stickiness cookie HAProxy gave this page earlier
        self.session_id = session_id or uuid.uuid4().hex
        self.quiet = quiet
        self.client: Optional[socketio.AsyncClient] = None
        self.received: List[Dict] = []
        self.reconnects = 0
        self._confirmed = asyncio.Event()

    @property
    def sender(self) -> str:
        return f"widget:{self.subject}:{self.session_id}"

    async def open(self) -> None:
        # the page's cookies: HAProxy's stickiness cookie (``pin``) goes with every request of
        # the session, as a browser sends it (engineio sends extra headers with the handshake only)
        self._http = aiohttp.ClientSession(cookies={"RASA_SIO": self.pin} if self.pin else None)
        self.client = socketio.AsyncClient(reconnection=False, http_session=self._http)
        self._confirmed = asyncio.Event()

        @self.client.on("session_confirm")
        async def confirmed(_data=None):
            self._confirmed.set()

        @self.client.on("bot_uttered")
        async def uttered(data):
            self.received.append(data if isinstance(data, dict) else {"text": str(data)})

        token = widget_token(self.topology["WIDGET_JWT_SECRET"], self.subject)
        await self.client.connect(
            self.topology.rasa_url,
            socketio_path="/socket.io",
            transports=["polling"],
            auth={"token": token},
            wait_timeout=10,
        )
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(self._confirmed.wait(), 10)

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.connected

    async def reopen(self, timeout: float = 60) -> None:
        """The page's socket dropped: connect again (HAProxy sends it to a replica that is up)."""
        await self.close()
        self.reconnects += 1
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.open()
                return
            except Exception:  # noqa: BLE001 - socketio raises several kinds; try again
                if time.monotonic() > deadline:
                    raise
                await self.close()
                await asyncio.sleep(1.0)

    async def emit_raw(self, event: str, data) -> None:
        assert self.client is not None
        await self.client.emit(event, data)

    async def say(
        self, text: str, *, timeout: float = 15, resend: bool = True, customData=None
    ) -> Reply:
        """Send a message and collect the bot's messages until ``quiet`` seconds pass without
        one. With ``resend``, a message whose socket dropped before any reply is sent again
        on a new socket (what a borrower does when the page shows no answer)."""
        for attempt in range(3):
            if not self.connected:
                await self.reopen()
            before = len(self.received)
            started = time.monotonic()
            first: Optional[float] = None
            await self.client.emit(
                "user_uttered",
                {
                    "message": text,
                    "session_id": self.session_id,
                    "customData": {} if customData is None else customData,
                },
            )
            deadline = started + timeout
            last_count, changed = before, started
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                count = len(self.received)
                if count != last_count:
                    last_count, changed = count, time.monotonic()
                    if first is None:
                        first = changed - started
                elif count > before and time.monotonic() - changed > self.quiet:
                    break
                if count == before and not self.connected:
                    break
            texts = [m.get("text") or "" for m in self.received[before:]]
            if texts or not resend or self.connected:
                return Reply(
                    status=200 if texts else 0,
                    texts=texts,
                    seconds=first or (time.monotonic() - started),
                    deliveries=attempt + 1,
                )
        return Reply(status=0, error="no reply after reconnecting", deliveries=3)

    async def close(self) -> None:
        if self.client is not None:
            try:
                await self.client.disconnect()
            except Exception:  # noqa: BLE001
                pass
            self.client = None
        if getattr(self, "_http", None) is not None:
            await self._http.close()
            self._http = None


def api_headers(topology: Topology) -> Dict[str, str]:
    return {"Authorization": f"Bearer {topology['RASA_API_TOKEN']}"}


def user_texts(events: List[dict]) -> List[str]:
    return [e.get("text") or "" for e in events if e.get("event") == "user"]


def count(events: List[dict], kind: str) -> int:
    return sum(1 for e in events if e.get("event") == kind)


def unanswered_turns(events: List[dict]) -> int:
    """User messages not followed by a bot message before the next user message."""
    missing, waiting = 0, False
    for event in events:
        if event.get("event") == "user":
            missing += waiting
            waiting = True
        elif event.get("event") == "bot":
            waiting = False
    return missing + waiting
