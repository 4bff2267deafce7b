"""Process a webhook message once, however often the sender delivers it.

WeChat re-delivers a message (same ``MsgId``) up to three times when it has no answer within
5 seconds.  :class:`PendingReply` is the state of one such message: the bot's turn runs once,
and every delivery either gets the reply passively (inside its own answer window) or answers
"success" at once; when no delivery can carry the reply, it is handed to ``deliver_later``
(the customer-service API) exactly once.  :class:`TTLCache` keeps these states for a while,
bounded in size.

Both live in the process's memory: with several Rasa processes behind a load balancer, a
retry may reach another process, so there the channel uses the same contract in Redis
(:class:`bot.channels.shared_state.RedisReplies`).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Callable, Generic, Hashable, Optional, Tuple, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")

#: How the reply of a :class:`PendingReply` reaches the user.
PASSIVE = "passive"
LATER = "later"


class TTLCache(Generic[K, V]):
    """A dict whose entries expire ``ttl`` seconds after they were stored; at most
    ``max_entries`` entries, the oldest evicted first.  ``clock`` is injectable for tests."""

    def __init__(
        self,
        ttl: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: "OrderedDict[K, Tuple[float, V]]" = OrderedDict()

    def __len__(self) -> int:
        self._purge()
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def get(self, key: K) -> Optional[V]:
        self._purge()
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def set(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``; the entry's lifetime starts now."""
        self._entries.pop(key, None)
        self._entries[key] = (self._clock() + self._ttl, value)
        self._purge()
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def get_or_set(self, key: K, factory: Callable[[], V]) -> Tuple[V, bool]:
        """The live value under ``key``, or a new one from ``factory``; the flag says whether
        it was created by this call."""
        existing = self.get(key)
        if existing is not None:
            return existing, False
        value = factory()
        self.set(key, value)
        return value, True

    def pop(self, key: K) -> Optional[V]:
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[1]

    def _purge(self) -> None:
        now = self._clock()
        # Entries are kept in insertion order and all live ``ttl`` seconds, so the expired
        # ones are at the front.
        while self._entries:
            key, (expires_at, _) = next(iter(self._entries.items()))
            if expires_at > now:
                break
            del self._entries[key]


class PendingReply(Generic[R]):
    """The reply to one incoming message, computed once, delivered exactly one way.

    The processing side calls :meth:`resolve` once with the result.  Each delivery of the
    message calls :meth:`wait_for_passive`, which returns the result if it is (or becomes)
    ready within ``timeout`` and may still be given passively, else ``None`` (the delivery
    then answers "success").  When the result is ready and no delivery is waiting for it,
    ``deliver_later(result)`` is called, once, and later deliveries get ``None``.

    The state changes happen between ``await`` points, so within one event loop they are
    atomic: a result is either claimed by a delivery or handed to ``deliver_later``, never
    both and never neither.
    """

    def __init__(self, deliver_later: Callable[[R], None]) -> None:
        self._deliver_later = deliver_later
        self._done = asyncio.Event()
        self._result: Optional[R] = None
        self._waiting = 0
        self.route: Optional[str] = None
        #: How many deliveries were given the result passively (retries get it again).
        self.passive_claims = 0

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def waiting(self) -> int:
        """How many deliveries are waiting for the result right now."""
        return self._waiting

    @property
    def result(self) -> Optional[R]:
        return self._result

    def resolve(self, result: R) -> None:
        if self._done.is_set():
            raise RuntimeError("PendingReply.resolve called twice")
        self._result = result
        self._done.set()
        self._settle()

    async def wait_for_passive(self, timeout: float) -> Optional[R]:
        if self.route == LATER:
            return None
        if not self._done.is_set():
            self._waiting += 1
            try:
                await asyncio.wait_for(self._done.wait(), timeout)
            except asyncio.TimeoutError:
                pass
            except BaseException:
                # This delivery is gone (cancelled): it must not keep the result to itself.
                self._waiting -= 1
                self._settle()
                raise
            self._waiting -= 1
        if self._done.is_set() and self.route in (None, PASSIVE):
            self.route = PASSIVE
            self.passive_claims += 1
            return self._result
        self._settle()
        return None

    def _settle(self) -> None:
        if self._done.is_set() and self.route is None and self._waiting == 0:
            self.route = LATER
            self._deliver_later(self._result)  # type: ignore[arg-type]
