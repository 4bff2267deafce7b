"""The WeChat channel's state, shared by every Rasa replica through Redis, or kept in the process.

A WeChat message may be delivered to any replica behind the load balancer, and WeChat re-sends
it (same ``MsgId``) when it has no answer within 5 seconds, so a retry often lands on another
replica than the first delivery.  Three pieces of channel state must therefore be shared:

* **which deliveries of a message are answered how** (:class:`RedisReplies`): the first
  delivery anywhere *claims* the message (a lease in a Redis hash, renewed while the bot runs)
  and runs the bot; every delivery, on any replica, waits for the reply stored in Redis up to
  its passive-reply timeout.  The reply goes out exactly one way, as in
  :class:`bot.channels.dedupe.PendingReply`: passively to the deliveries waiting for it, or —
  when none is waiting any more — once through the customer-service API.  The decisions are
  Lua scripts, so two replicas never both decide;
* **the numbered options of the bot's latest turn** (:class:`RedisOptions`): a user's "1"
  may reach a replica that did not show the options;
* **the access token of the customer-service API** (:class:`RedisTokenCache`): every
  ``/cgi-bin/token`` call invalidates the previous token after a few minutes, so one replica
  fetches it (under a short Redis lock) and all use it.

Configured from the environment as the production endpoints configure the lock store:
``REDIS_URL`` (``redis://[:password@]host:port/db``), or ``REDIS_HOST`` with ``REDIS_PORT``
(6379), ``REDIS_DB`` (0) and ``REDIS_PASSWORD``.  Keys start with ``CHANNEL_STATE_PREFIX``
(default ``debt_helper:channels``).  With none of these set (the embedded default, ``make run``),
:func:`from_env` returns None and the channel keeps its state in the process
(:class:`LocalReplies`, :class:`LocalOptions`; the token in the client itself).

Nothing here logs a message text, an OpenID or a token.  A Redis failure is raised to the
channel, which answers with its apology (the lock store is on the same Redis, so the turn could
not run anyway).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Optional, Tuple
from urllib.parse import quote

from bot.channels.dedupe import PendingReply, TTLCache
from bot.channels.wechat_render import BotTurn, ReplyOption

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "debt_helper:channels"
#: how long a replica's claim on a message lasts without renewal; renewed every third of it
#: while the bot runs, so only a dead (or frozen) replica loses it, and a delivery still waiting
#: (or WeChat's next retry) then runs the message on another replica. Shorter than WeChat's
#: retry window (three deliveries in about 15 s), so a message whose replica died mid-turn is
#: still answered: with 15 s, the claim outlived every retry (found by make prod-test)
CLAIM_LEASE_S = 6.0
#: how often a waiting delivery checks whether the claim has lapsed
TAKEOVER_CHECK_S = 0.5
#: how often a waiting delivery looks for the reply
POLL_S = 0.05
#: after the reply is stored with deliveries still registered as waiting, how long they have
#: to take it before the owner sends it through the API (a waiter on a replica that died
#: never takes it)
SETTLE_GRACE_S = 1.0
#: how long a replica waits for another replica to fetch the access token
TOKEN_WAIT_S = 10.0
TOKEN_LOCK_S = 15


class StateError(RuntimeError):
    """The shared state is not usable (misconfigured Redis settings)."""


@dataclass(frozen=True)
class RedisSettings:
    url: str = ""
    prefix: str = DEFAULT_PREFIX

    def __repr__(self) -> str:  # the URL may hold a password
        return f"RedisSettings(prefix={self.prefix!r})"


def redis_settings(environ: Optional[Mapping[str, str]] = None) -> Optional[RedisSettings]:
    """The Redis the channel state lives in, from the environment; None when not configured."""
    env = os.environ if environ is None else environ
    prefix = (env.get("CHANNEL_STATE_PREFIX") or "").strip() or DEFAULT_PREFIX
    url = (env.get("REDIS_URL") or "").strip()
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise StateError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return RedisSettings(url, prefix)
    host = (env.get("REDIS_HOST") or "").strip()
    if not host:
        return None
    port = (env.get("REDIS_PORT") or "").strip() or "6379"
    db = (env.get("REDIS_DB") or "").strip() or "0"
    if not port.isdigit() or not db.isdigit():
        raise StateError("REDIS_PORT and REDIS_DB must be numbers")
    password = env.get("REDIS_PASSWORD") or ""
    auth = f":{quote(password, safe='')}@" if password else ""
    return RedisSettings(f"redis://{auth}{host}:{port}/{db}", prefix)


class RedisConnection:
    """One ``redis.asyncio`` client per event loop (clients and their pools belong to the loop
    that made them; tests and Rasa's CLI may run several loops in one process)."""

    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError

            self._loop = loop
            # a pooled connection that died with a Redis restart fails once ("Connection closed
            # by server"): the command is sent again on a new connection instead of failing the
            # user's message (the scripts are safe to repeat: nothing reached the old server)
            self._client = aioredis.from_url(
                self.settings.url,
                decode_responses=True,
                socket_connect_timeout=2,
                socket_timeout=3,
                health_check_interval=30,
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[RedisConnectionError],
            )
        return self._client

    def key(self, *parts: str) -> str:
        return ":".join((self.settings.prefix,) + parts)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()
            await client.connection_pool.disconnect()


# -- serialising a bot turn ---------------------------------------------------------------------


def turn_to_json(turn: BotTurn) -> str:
    return json.dumps(
        {
            "texts": list(turn.texts),
            "options": [[o.number, o.title, o.payload] for o in turn.options],
        },
        ensure_ascii=False,
    )


def turn_from_json(raw: str) -> BotTurn:
    data = json.loads(raw)
    return BotTurn(
        tuple(data.get("texts") or ()),
        tuple(ReplyOption(int(n), str(t), str(p)) for n, t, p in data.get("options") or ()),
    )


# -- replies: process once, deliver exactly one way ---------------------------------------------

Spawn = Callable[[Awaitable[Any]], "asyncio.Task[Any]"]
#: runs the bot for a message; called with resumed=True when an earlier claim of it lapsed
Run = Callable[..., Awaitable[BotTurn]]
Later = Callable[[BotTurn], None]


class LocalReplies:
    """In-process: :class:`TTLCache` of :class:`PendingReply` (one Rasa process)."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.pending: TTLCache[str, PendingReply[BotTurn]] = TTLCache(ttl, max_entries)

    async def deliver(
        self, key: str, run: Run, deliver_later: Later, timeout: float, spawn: Spawn
    ) -> Tuple[Optional[BotTurn], int]:
        """Run the bot for the message's first delivery; every delivery waits up to ``timeout``
        for the reply.  Returns the reply (None: answer "success") and how many deliveries
        have taken it passively so far (1: this is the first)."""
        pending, created = self.pending.get_or_set(key, lambda: PendingReply(deliver_later))
        if created:
            spawn(self._process(pending, run))
        else:
            logger.info("wechat: re-delivery of a message, not processing it again")
        turn = await pending.wait_for_passive(timeout)
        return turn, pending.passive_claims

    @staticmethod
    async def _process(pending: PendingReply[BotTurn], run: Run) -> None:
        pending.resolve(await run())


# Every script works on one hash per message: owner, lease (ms, Redis clock), runs, waiting,
# reply (JSON), route ("passive" | "later"), claims.
_CLAIM = """
if redis.call('HEXISTS', KEYS[1], 'reply') == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(redis.call('HGET', KEYS[1], 'lease') or '0')
if lease > now then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease', now + tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'runs', 1)
"""
_RENEW = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'reply') == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]))
return 1
"""
_ENTER = """
redis.call('HINCRBY', KEYS[1], 'waiting', 1)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""
_TAKE = """
local reply = redis.call('HGET', KEYS[1], 'reply')
local route = redis.call('HGET', KEYS[1], 'route')
if reply and ((not route) or route == 'passive') then
  redis.call('HSET', KEYS[1], 'route', 'passive')
  local claims = redis.call('HINCRBY', KEYS[1], 'claims', 1)
  redis.call('HINCRBY', KEYS[1], 'waiting', -1)
  return {'reply', reply, claims}
end
if route == 'later' or ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[1], 'waiting', -1)
  return {'none'}
end
return {'wait'}
"""
_LEAVE = """
redis.call('HINCRBY', KEYS[1], 'waiting', -1)
return 1
"""
_RESOLVE = """
if redis.call('HSETNX', KEYS[1], 'reply', ARGV[1]) == 0 then return 'duplicate' end
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('HEXISTS', KEYS[1], 'route') == 1 then return 'done' end
local waiting = tonumber(redis.call('HGET', KEYS[1], 'waiting') or '0')
if waiting <= 0 then
  redis.call('HSET', KEYS[1], 'route', 'later')
  return 'later'
end
return 'waiting'
"""
_SETTLE = """
if redis.call('HEXISTS', KEYS[1], 'route') == 1 then return 'done' end
redis.call('HSET', KEYS[1], 'route', 'later')
return 'later'
"""


class RedisReplies:
    """The same contract as :class:`LocalReplies`, across replicas (see the module docstring)."""

    def __init__(
        self,
        connection: RedisConnection,
        namespace: str,
        ttl: float,
        *,
        lease: float = CLAIM_LEASE_S,
        poll: float = POLL_S,
        settle_grace: float = SETTLE_GRACE_S,
    ) -> None:
        self.connection = connection
        self.namespace = namespace
        self.ttl = max(1, int(ttl))
        self.lease_ms = int(lease * 1000)
        self.poll = poll
        self.settle_grace = settle_grace
        #: who claims a message: one id per channel object (one per Rasa replica)
        self.owner = uuid.uuid4().hex
        #: how many messages this replica ran the bot for (tests read it)
        self.runs = 0

    def _key(self, key: str) -> str:
        return self.connection.key(self.namespace, "reply", key)

    async def _script(self, script: str, key: str, *args: Any) -> Any:
        client = self.connection.client()
        return await client.eval(script, 1, key, *args)

    async def deliver(
        self, key: str, run: Run, deliver_later: Later, timeout: float, spawn: Spawn
    ) -> Tuple[Optional[BotTurn], int]:
        rkey = self._key(key)
        # registered as waiting before claiming, so the owner's "nobody waits" can never be
        # decided between this delivery's claim and its wait
        await self._script(_ENTER, rkey, self.ttl)
        try:
            claimed = await self._script(_CLAIM, rkey, self.owner, self.lease_ms, self.ttl)
        except BaseException:
            await self._leave(rkey)
            raise
        if claimed:
            self._start(rkey, run, deliver_later, spawn, claimed)
        else:
            logger.info(
                "wechat: re-delivery of a message (claimed by a replica), not processing it again"
            )
        return await self._wait(rkey, timeout, (run, deliver_later, spawn))

    async def _take_over(self, rkey: str, run: Run, deliver_later: Later, spawn: Spawn) -> None:
        """Claim a message whose claim lapsed (its replica died mid-turn) and run it here."""
        claimed = await self._script(_CLAIM, rkey, self.owner, self.lease_ms, self.ttl)
        if claimed:
            logger.warning("wechat: a message's claim lapsed (its replica died?); running it here")
            self._start(rkey, run, deliver_later, spawn, claimed)

    def _start(self, rkey: str, run: Run, deliver_later: Later, spawn: Spawn, runs: int) -> None:
        """Run the message here: the ``runs``-th claim of it; after the first, the replica that
        ran it before died, perhaps after Rasa saved the turn (``run`` then looks for it)."""
        self.runs += 1
        if int(runs) > 1:
            run = functools.partial(run, resumed=True)
        spawn(self._process(rkey, run, deliver_later))

    async def _leave(self, rkey: str) -> None:
        try:
            await asyncio.shield(self._script(_LEAVE, rkey))
        except Exception as error:  # noqa: BLE001 - best effort; the owner settles after a grace
            logger.warning(
                "wechat: could not unregister a waiting delivery (%s)", type(error).__name__
            )

    async def _wait(
        self, rkey: str, timeout: float, runner: Optional[Tuple[Run, Later, Spawn]] = None
    ) -> Tuple[Optional[BotTurn], int]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        next_check = loop.time() + TAKEOVER_CHECK_S
        try:
            while True:
                final = loop.time() >= deadline
                answer = await self._script(_TAKE, rkey, "1" if final else "0")
                if answer[0] == "reply":
                    return turn_from_json(answer[1]), int(answer[2])
                if answer[0] == "none":
                    return None, 0
                if runner is not None and loop.time() >= next_check:
                    next_check = loop.time() + TAKEOVER_CHECK_S
                    await self._take_over(rkey, *runner)
                await asyncio.sleep(max(0.0, min(self.poll, deadline - loop.time())))
        except asyncio.CancelledError:
            await self._leave(rkey)
            raise

    async def _process(self, rkey: str, run: Run, deliver_later: Later) -> None:
        renewer = asyncio.ensure_future(self._renew(rkey))
        try:
            turn = await run()
        finally:
            renewer.cancel()
        route = await self._script(_RESOLVE, rkey, turn_to_json(turn), self.ttl)
        if route == "later":
            deliver_later(turn)
            return
        if route != "waiting":  # "duplicate": another replica re-ran it after this lease lapsed
            return
        # deliveries are waiting, on this replica or another: they take the reply within a poll;
        # one on a replica that died meanwhile never will, so after a grace the API sends it
        await asyncio.sleep(self.settle_grace)
        if await self._script(_SETTLE, rkey) == "later":
            deliver_later(turn)

    async def _renew(self, rkey: str) -> None:
        interval = self.lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                await self._script(_RENEW, rkey, self.owner, self.lease_ms)
            except Exception as error:  # noqa: BLE001 - the next renewal may work
                logger.warning("wechat: could not renew a message claim (%s)", type(error).__name__)


# -- numbered options -----------------------------------------------------------------------------


class LocalOptions:
    """In-process: the latest turn's options per user."""

    def __init__(self, ttl: float, max_users: int) -> None:
        self._cache: TTLCache[str, Tuple[ReplyOption, ...]] = TTLCache(ttl, max_users)

    async def get(self, user: str) -> Tuple[ReplyOption, ...]:
        return self._cache.get(user) or ()

    async def remember(self, user: str, options: Tuple[ReplyOption, ...]) -> None:
        if options:
            self._cache.set(user, options)
        else:
            self._cache.pop(user)


class RedisOptions:
    """The latest turn's options per user, in Redis (a string of JSON with a TTL)."""

    def __init__(self, connection: RedisConnection, namespace: str, ttl: float) -> None:
        self.connection = connection
        self.namespace = namespace
        self.ttl = max(1, int(ttl))

    def _key(self, user: str) -> str:
        return self.connection.key(self.namespace, "options", user)

    async def get(self, user: str) -> Tuple[ReplyOption, ...]:
        raw = await self.connection.client().get(self._key(user))
        if not raw:
            return ()
        try:
            return turn_from_json(raw).options
        except (ValueError, TypeError):
            logger.warning("wechat: unreadable option memory in Redis; ignored")
            return ()

    async def remember(self, user: str, options: Tuple[ReplyOption, ...]) -> None:
        client = self.connection.client()
        if options:
            await client.set(self._key(user), turn_to_json(BotTurn((), options)), ex=self.ttl)
        else:
            await client.delete(self._key(user))


# -- the customer-service API's access token ----------------------------------------------------

Fetch = Callable[[], Awaitable[Tuple[str, float]]]
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTokenCache:
    """One access token for all replicas: read from Redis; when missing (or the one WeChat just
    rejected), one replica fetches a new one under a short lock and the others wait for it."""

    def __init__(
        self,
        connection: RedisConnection,
        namespace: str,
        *,
        wait: float = TOKEN_WAIT_S,
        poll: float = 0.1,
    ) -> None:
        self.connection = connection
        self.key = connection.key(namespace, "access_token")
        self.lock_key = self.key + ":refresh"
        self.wait = wait
        self.poll = poll
        self.owner = uuid.uuid4().hex

    async def token(self, fetch: Fetch, *, rejected: Optional[str] = None) -> str:
        """A valid token: the shared one, unless it is ``rejected``; ``fetch`` returns a new
        token and its lifetime in seconds (already less the refresh margin)."""
        client = self.connection.client()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while True:
            current = await client.get(self.key)
            if current and current != rejected:
                return current
            if await client.set(self.lock_key, self.owner, nx=True, ex=TOKEN_LOCK_S):
                try:
                    current = await client.get(self.key)
                    if current and current != rejected:
                        return current
                    token, lifetime = await fetch()
                    await client.set(self.key, token, ex=max(1, int(lifetime)))
                    return token
                finally:
                    await client.eval(_RELEASE, 1, self.lock_key, self.owner)
            if loop.time() >= deadline:
                from bot.channels.wechat_cs_api import WeChatApiError

                raise WeChatApiError(
                    -1, "timed out waiting for another replica's access token", "cgi-bin/token"
                )
            await asyncio.sleep(self.poll)


# -- everything the WeChat channel shares ---------------------------------------------------------


@dataclass
class WeChatState:
    """The WeChat channel's replies, options and (when shared) token cache."""

    replies: Any
    options: Any
    tokens: Optional[RedisTokenCache] = None
    connection: Optional[RedisConnection] = None

    @property
    def shared(self) -> bool:
        return self.connection is not None

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


def local_wechat_state(
    dedupe_ttl: float, dedupe_max_entries: int, option_ttl: float, option_max_users: int
) -> WeChatState:
    return WeChatState(
        LocalReplies(dedupe_ttl, dedupe_max_entries), LocalOptions(option_ttl, option_max_users)
    )


def redis_wechat_state(
    settings: RedisSettings, app_id: str, dedupe_ttl: float, option_ttl: float, **reply_kwargs: Any
) -> WeChatState:
    connection = RedisConnection(settings)
    namespace = f"wechat:{app_id}"
    return WeChatState(
        RedisReplies(connection, namespace, dedupe_ttl, **reply_kwargs),
        RedisOptions(connection, namespace, option_ttl),
        RedisTokenCache(connection, namespace),
        connection,
    )
