"""A simulated WeChat on loopback for the WeChat channel's tests (fixtures in conftest.py).

* :class:`WeChatApiSimulator` is WeChat's API side: an aiohttp server on 127.0.0.1 that
  issues access tokens and receives customer-service messages, checking them as WeChat does.
* :class:`WeChatPusher` is WeChat's push side: it builds message XML the way WeChat does,
  signs it (and encrypts it in safe mode) and POSTs it to the channel's webhook, which runs
  in a real Sanic app on a loopback port, registered with Rasa's own ``register``.
* :class:`FakeBot` stands in for Rasa's agent: it receives the ``UserMessage`` and sends its
  answer to the message's output channel, like ``MessageProcessor`` does; tests can make it
  slow (``gate``), failing, or answer with buttons.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import aiohttp
import xmltodict
from aiohttp import web
from rasa.core.channels.channel import InputChannel, UserMessage
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import WeChatInput

TOKEN = "LoanHelperToken2024"
APP_ID = "wx5c8f1e2d3a4b6c7d"
APP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters
ACCOUNT_ID = "gh_0123456789ab"  # the 公众号's original id (ToUserName of incoming messages)
OPENID = "oHq9v5x-Borrower-0001"
WEBHOOK = "/webhooks/wechat/webhook"


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


# -- WeChat's API side ----------------------------------------------------------------------


class WeChatApiSimulator:
    """``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` as WeChat implements them."""

    def __init__(self, app_id: str = APP_ID, app_secret: str = APP_SECRET) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_requests: List[Dict[str, str]] = []
        self.sends: List[Dict[str, Any]] = []  # {"access_token", "raw", "json"}
        self.valid_tokens: set = set()
        self.send_errcodes: List[int] = []  # errcodes to answer the next sends with, in order
        self._counter = itertools.count(1)
        self._changed = asyncio.Condition()
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        return app

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    @property
    def sent_texts(self) -> List[str]:
        return [send["json"]["text"]["content"] for send in self.sends]

    async def wait_for_sends(self, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Wait until ``count`` customer-service messages arrived (the timeout only guards
        against a hang; nothing is asserted about how long it took)."""

        async def arrived() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sends) >= count)

        await asyncio.wait_for(arrived(), timeout)
        return self.sends

    async def _token(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.token_requests.append(query)
        if query.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if query.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"ACCESS_TOKEN_{next(self._counter)}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        raw = await request.read()
        if token not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        try:
            body = json.loads(raw.decode("utf-8"))
            assert body["msgtype"] == "text" and isinstance(body["text"]["content"], str)
            assert body["touser"]
        except Exception:
            return web.json_response({"errcode": 44002, "errmsg": "empty post data"})
        if self.send_errcodes:
            errcode = self.send_errcodes.pop(0)
            return web.json_response({"errcode": errcode, "errmsg": "simulated error"})
        async with self._changed:
            self.sends.append({"access_token": token, "raw": raw, "json": body})
            self._changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})


# -- the bot ---------------------------------------------------------------------------------


def echo(message: UserMessage) -> List[Dict[str, Any]]:
    return [{"text": f"收到：{message.text}"}]


class FakeBot:
    """Plays Rasa's agent: records each message, then answers through its output channel."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.answer: Callable[[UserMessage], List[Dict[str, Any]]] = echo
        self.gate: Optional[asyncio.Event] = None  # when set, the bot waits for it
        self.fail = False
        self.started = asyncio.Event()

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("simulated failure inside the bot")
        for response in self.answer(message):
            await message.output_channel.send_response(message.sender_id, dict(response))


# -- WeChat's push side and the channel under test ------------------------------------------


@dataclass
class Delivery:
    status: int
    body: str
    reply: Optional[Dict[str, Any]]  # the passive reply, decrypted in safe mode; None for "success"

    @property
    def content(self) -> Optional[str]:
        return None if self.reply is None else self.reply.get("Content")


class WeChatPusher:
    """Sends requests to the webhook exactly as WeChat's servers do."""

    def __init__(
        self, base_url: str, channel: InputChannel, session: aiohttp.ClientSession
    ) -> None:
        self.base_url = base_url
        self.channel = channel
        self.session = session
        self.token = TOKEN
        settings = getattr(channel, "settings", None)  # None: UnconfiguredWeChatInput
        aes_key = settings.encoding_aes_key if settings is not None else None
        self.crypto = WeChatCrypto(TOKEN, aes_key, APP_ID) if aes_key else None
        self._msg_ids = itertools.count(24_000_000_000_000_001)

    def next_msg_id(self) -> int:
        return next(self._msg_ids)

    @staticmethod
    def text_xml(
        content: str, *, openid: str = OPENID, msg_id: int, create_time: Optional[int] = None
    ) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId>"
            "</xml>"
        )

    @staticmethod
    def event_xml(
        event: str, *, openid: str = OPENID, create_time: int = 1_700_000_000, key: str = ""
    ) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey>"
            "</xml>"
        )

    @staticmethod
    def media_xml(msg_type: str, extra: str = "", *, openid: str = OPENID, msg_id: int) -> str:
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{extra}"
            f"<MsgId>{msg_id}</MsgId>"
            "</xml>"
        )

    def signed_params(self, *, token: Optional[str] = None, openid: str = OPENID) -> Dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = uuid.uuid4().hex[:10]
        return {
            "signature": sha1_signature(token or self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid,
        }

    async def verify(self, echostr: str, *, token: Optional[str] = None) -> aiohttp.ClientResponse:
        params = self.signed_params(token=token)
        params.pop("openid")
        params["echostr"] = echostr
        async with self.session.get(self.base_url + WEBHOOK, params=params) as resp:
            await resp.read()
            return resp

    async def push(
        self,
        xml: str,
        *,
        openid: str = OPENID,
        token: Optional[str] = None,
        safe: Optional[bool] = None,
        forge_msg_signature: bool = False,
        params: Optional[Dict[str, str]] = None,
    ) -> Delivery:
        """POST one message; ``safe`` defaults to the channel's mode."""
        safe = self.crypto is not None if safe is None else safe
        query = params if params is not None else self.signed_params(token=token, openid=openid)
        body = xml
        if safe:
            assert self.crypto is not None, "safe mode needs the channel's AES key"
            envelope = xmltodict.parse(
                self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            )["xml"]
            body = (
                "<xml>"
                f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
                f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt>"
                "</xml>"
            )
            query = dict(query, encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            if forge_msg_signature:
                query["msg_signature"] = sha1_signature(
                    "forged", query["timestamp"], query["nonce"], "x"
                )
        return await self.post_raw(body.encode("utf-8"), query)

    async def post_raw(self, body: bytes, params: Dict[str, str]) -> Delivery:
        async with self.session.post(
            self.base_url + WEBHOOK, params=params, data=body, headers={"Content-Type": "text/xml"}
        ) as resp:
            text = await resp.text()
            return Delivery(resp.status, text, self._read_reply(resp.status, text))

    def _read_reply(self, status: int, text: str) -> Optional[Dict[str, Any]]:
        if status != 200 or text in ("success", ""):
            return None
        xml = text
        if self.crypto is not None:
            outer = xmltodict.parse(text)["xml"]
            # Checks MsgSignature over the reply exactly as WeChat does, then decrypts.
            xml = self.crypto.decrypt_message(
                outer, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
            )
        return dict(xmltodict.parse(xml)["xml"])


class RunningChannel:
    """The channel served by a real Sanic app on a loopback port."""

    def __init__(self, channel: InputChannel, pusher: WeChatPusher, server: Any) -> None:
        self.channel = channel
        self.wechat = pusher
        self._server = server

    async def stop(self) -> None:
        await self._server.before_stop()
        await self._server.close()
        await self._server.after_stop()


def make_channel(
    wechat_api: WeChatApiSimulator, *, safe: bool = False, reply_timeout: float = 4.0, **kwargs: Any
) -> WeChatInput:
    return WeChatInput(
        token=TOKEN,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        encoding_aes_key=AES_KEY if safe else None,
        api_base_url=wechat_api.url,
        reply_timeout=reply_timeout,
        **kwargs,
    )
