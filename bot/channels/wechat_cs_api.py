"""The two WeChat Official Account HTTP APIs the channel needs, over aiohttp.

* ``GET  {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` → access token,
  cached until :data:`TOKEN_REFRESH_MARGIN` seconds before it expires;
* ``POST {base}/cgi-bin/message/custom/send?access_token=…`` → a customer-service (客服)
  text message to one openid, allowed within 48 hours of the user's last message.

WeChat shows ``\\uXXXX`` escapes literally, so JSON bodies are sent as raw UTF-8
(``ensure_ascii=False``).  One :class:`aiohttp.ClientSession` per client, created lazily
inside the running event loop and closed by :meth:`CustomerServiceClient.close`.

Note that every ``/cgi-bin/token`` call invalidates the previous token after a few minutes:
several processes sharing one app id must share one token.  With a ``token_cache``
(:class:`bot.channels.shared_state.RedisTokenCache`, used when Redis is configured) the token
lives in Redis and one replica at a time fetches it; without one it is cached in this object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
#: Refresh the access token this many seconds before WeChat says it expires.
TOKEN_REFRESH_MARGIN = 300
#: errcodes meaning "this access token is not (or no longer) valid".
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)


class WeChatApiError(Exception):
    """WeChat answered with a non-zero ``errcode`` or an unreadable body."""

    def __init__(self, errcode: int, errmsg: str, api: str) -> None:
        super().__init__(f"{api}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api


class CustomerServiceClient:
    """Access-token cache and customer-service message sender for one app id."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        clock: Callable[[], float] = time.monotonic,
        timeout: aiohttp.ClientTimeout = REQUEST_TIMEOUT,
        token_cache: Any = None,
    ) -> None:
        self._app_id = app_id
        self._app_secret = app_secret
        self._base_url = api_base_url.rstrip("/")
        self._clock = clock
        self._timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._token_lock: Optional[asyncio.Lock] = None
        self._token: Optional[str] = None
        self._token_expires_at = 0.0
        self._token_cache = token_cache

    async def access_token(self, *, refresh: bool = False, rejected: Optional[str] = None) -> str:
        """A valid access token, fetched only when the cached one is missing or stale
        (``rejected``: the token WeChat just refused, which a shared cache must not hand out)."""
        self._bind_loop()
        if self._token_cache is not None:
            return await self._token_cache.token(self._fetch_shared_token, rejected=rejected)
        assert self._token_lock is not None
        async with self._token_lock:
            if refresh or self._token is None or self._clock() >= self._token_expires_at:
                await self._fetch_token()
            assert self._token is not None
            return self._token

    def invalidate_token(self) -> None:
        self._token = None
        self._token_expires_at = 0.0

    async def send_text(self, openid: str, content: str) -> None:
        """Send one text message; raises :class:`WeChatApiError` or :class:`aiohttp.ClientError`.

        An access token WeChat rejects is refreshed and the message sent once more."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        token = await self.access_token()
        try:
            await self._post("/cgi-bin/message/custom/send", token, body)
        except WeChatApiError as error:
            if error.errcode not in TOKEN_ERRCODES:
                raise
            logger.info("wechat: access token rejected (%s), fetching a new one", error.errcode)
            self.invalidate_token()
            token = await self.access_token(refresh=True, rejected=token)
            await self._post("/cgi-bin/message/custom/send", token, body)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()

    async def _fetch_shared_token(self) -> "tuple[str, float]":
        token, expires_in = await self._request_token()
        return token, expires_in - self._margin(expires_in)

    @staticmethod
    def _margin(expires_in: float) -> float:
        return TOKEN_REFRESH_MARGIN if expires_in > 2 * TOKEN_REFRESH_MARGIN else expires_in / 2

    async def _fetch_token(self) -> None:
        token, expires_in = await self._request_token()
        self._token = token
        self._token_expires_at = self._clock() + expires_in - self._margin(expires_in)

    async def _request_token(self) -> "tuple[str, float]":
        params = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._app_secret,
        }
        async with self._get_session().get(
            f"{self._base_url}/cgi-bin/token", params=params
        ) as resp:
            data = await self._read_json(resp, "cgi-bin/token")
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatApiError(
                -1, f"no access_token in answer (keys {sorted(data)})", "cgi-bin/token"
            )
        try:
            expires_in = float(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200.0
        return token, expires_in

    async def _post(self, path: str, token: str, body: Dict[str, Any]) -> Dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        async with self._get_session().post(
            f"{self._base_url}{path}",
            params={"access_token": token},
            data=payload,
            headers={"Content-Type": "application/json; charset=utf-8"},
        ) as resp:
            return await self._read_json(resp, path.lstrip("/"))

    @staticmethod
    async def _read_json(resp: aiohttp.ClientResponse, api: str) -> Dict[str, Any]:
        raw = await resp.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WeChatApiError(
                -1, f"HTTP {resp.status}, body is not JSON: {raw[:200]!r}", api
            ) from None
        if not isinstance(data, dict):
            raise WeChatApiError(-1, f"HTTP {resp.status}, unexpected JSON {data!r:.200}", api)
        errcode = data.get("errcode", 0)
        if errcode not in (0, None, "0"):
            try:
                code = int(errcode)
            except (TypeError, ValueError):
                code = -1
            raise WeChatApiError(code, str(data.get("errmsg", "")), api)
        if resp.status >= 400:
            raise WeChatApiError(-1, f"HTTP {resp.status}", api)
        return data

    def _bind_loop(self) -> None:
        """Sessions and locks belong to one event loop; start afresh in a new one."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._session = None
            self._token_lock = asyncio.Lock()

    def _get_session(self) -> aiohttp.ClientSession:
        self._bind_loop()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session
