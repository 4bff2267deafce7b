"""A SQL tracker store whose turns cost the same at turn 5 and at turn 500, with every event kept.

``endpoints.yml``::

    tracker_store:
      type: bot.stores.WindowedSQLTrackerStore
      dialect: "sqlite"            # or postgresql with url/port/db/username/password, as type: SQL
      db: "var/tracker.db"
      keep_turns: 8                # user turns of the session the dialogue works on (default 8)
      cache_size: 1000             # conversations kept in memory between their turns

Rasa's ``SQLTrackerStore`` reads every event of the session and replays it into a new tracker
at the start of each turn, counts the stored events again to find the new ones at the end of it,
and then the whole session travels to every policy prediction, every ``tracker.copy()`` and, as
JSON, to every custom action call: a turn costs more the longer the conversation (turn 100 ≈ 3×
turn 5). This store, a subclass writing the same ``events`` table row for row:

* **persists every event**, once: at ``save`` only the events appended since the tracker was
  handed out are inserted (the same columns and JSON as Rasa's store), so Rasa's own
  ``SQLTrackerStore``, the HTTP API's full tracker (``retrieve_full_tracker`` is Rasa's,
  unchanged) and any analytics see the complete conversation;
* **keeps the working tracker in memory** between turns (LRU, ``cache_size`` conversations),
  so a turn reads nothing but one indexed ``max(id)`` of the conversation's rows, which also
  notices a write by anyone else (another Rasa process, an operator) and then reloads from the
  database; a tracker that was changed but not saved is never reused;
* **bounds what the dialogue works on** to the last ``keep_turns`` user turns of the session: when
  the session holds more than ``keep_turns`` + half as many again, the working tracker is rebuilt
  from the state at a turn boundary where no form is active — ``SlotSet`` for every slot that has
  been set, ``ConversationPaused`` if paused, the session's reminder events (``ReminderScheduled``
  / ``ReminderCancelled``, which Rasa checks when a reminder fires) — followed by the events of
  those turns, replayed. Policies (MemoizationPolicy ``max_history`` 4, RulePolicy's rules) look
  at far fewer states than that, slots and the active form are exactly as in the full tracker,
  and custom actions get the last ``keep_turns`` user messages (the hand-off summary names the
  topics of those turns; the full conversation stays in the database).

Only the latest session is ever loaded, as with Rasa's store.
:func:`bot.stores.rasa_speedups.install`
runs when the store is created (the Rasa server's per-call waste, see there).
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    ReminderCancelled,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.stores import rasa_speedups

logger = logging.getLogger(__name__)

DEFAULT_KEEP_TURNS = 8
DEFAULT_CACHE_SIZE = 1000
#: attribute on a tracker this store handed out: how many of its events are in the database
PERSISTED = "_windowed_store_persisted"


@dataclass
class _Cached:
    tracker: DialogueStateTracker
    last_id: int  # id of the conversation's newest row when the tracker was cached


def _is_real_user_turn(event: Event) -> bool:
    return isinstance(event, UserUttered) and not (event.metadata or {}).get("is_external")


def latest_session(events: List[Event]) -> List[Event]:
    """The events from the latest session start on (a ``SessionStarted`` resets the tracker, so
    nothing before it changes the state), with the ``action_session_start`` right before it."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], SessionStarted):
            if (
                index
                and isinstance(events[index - 1], ActionExecuted)
                and events[index - 1].action_name == ACTION_SESSION_START_NAME
            ):
                index -= 1
            return events[index:]
    return events


def window(tracker: DialogueStateTracker, keep_turns: int, slots) -> Optional[DialogueStateTracker]:
    """The working tracker for ``tracker``: its state at a turn boundary, then the last
    ``keep_turns`` real user turns; None when there is nothing to cut."""
    events = latest_session(list(tracker.events))
    # candidate cuts: the action_listen before a real user message (or the message itself)
    starts = [i for i, e in enumerate(events) if _is_real_user_turn(e)]
    if len(starts) <= keep_turns:
        return None if len(events) == len(tracker.events) else _rebuild(tracker, [], events, slots)
    cuts = []
    for i in starts:
        before = i - 1
        cuts.append(
            before
            if before >= 0
            and isinstance(events[before], ActionExecuted)
            and events[before].action_name == ACTION_LISTEN_NAME
            else i
        )
    # replay once, noting at each candidate cut whether a form (loop) is active there
    replay = tracker.init_copy()
    loop_at: Dict[int, bool] = {}
    wanted = set(cuts)
    for index, event in enumerate(events):
        if index in wanted:
            loop_at[index] = bool(replay.active_loop_name)
        replay.update(event)
    chosen = None
    for cut in reversed(cuts[: len(cuts) - keep_turns + 1]):
        if not loop_at[cut]:
            chosen = cut
            break
    if chosen is None or chosen == 0:
        return None if len(events) == len(tracker.events) else _rebuild(tracker, [], events, slots)
    state = tracker.init_copy()
    for event in events[:chosen]:
        state.update(event)
    stamp = events[chosen].timestamp
    prefix: List[Event] = [
        SlotSet(name, slot.value, timestamp=stamp)
        for name, slot in state.slots.items()
        if slot.has_been_set
    ]
    if state.is_paused():
        prefix.append(ConversationPaused(timestamp=stamp))
    prefix += [e for e in events[:chosen] if isinstance(e, (ReminderScheduled, ReminderCancelled))]
    return _rebuild(tracker, prefix, events[chosen:], slots)


def _rebuild(
    tracker: DialogueStateTracker, prefix: List[Event], tail: List[Event], slots
) -> DialogueStateTracker:
    rebuilt = DialogueStateTracker.from_events(
        tracker.sender_id, prefix + list(tail), slots, tracker._max_event_history
    )
    rebuilt.model_id = tracker.model_id
    rebuilt.assistant_id = tracker.assistant_id
    return rebuilt


def _write_ahead_log(engine) -> None:
    """SQLite in write-ahead-log mode with ``synchronous=NORMAL``: a commit is one append to the
    log instead of a rewrite and two syncs of the database file. Every committed turn still
    survives the process dying; only a power cut can lose the last commits (SQLite's own
    guarantee for this mode)."""
    from sqlalchemy import event

    def pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    engine.dispose()  # connections opened before the listener get it too


class WindowedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, writing the same rows, with a bounded working tracker."""

    def __init__(
        self,
        domain=None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port=None,
        db: Text = "rasa.db",
        username: Text = None,
        password: Text = None,
        event_broker=None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        cache_size: int = DEFAULT_CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        rasa_speedups.install()
        self.keep_turns = max(1, int(keep_turns))
        self.cache_size = max(0, int(cache_size))
        self._cache: "collections.OrderedDict[str, _Cached]" = collections.OrderedDict()
        self._newest_statement = None
        super().__init__(
            domain,
            dialect,
            host,
            port,
            db,
            username,
            password,
            event_broker,
            login_db,
            query,
            **kwargs,
        )
        if self.engine.dialect.name == "sqlite":
            _write_ahead_log(self.engine)

    # -- reading ---------------------------------------------------------------------------------

    def _newest_id(self, connection, sender_id: Text) -> int:
        """Id of the conversation's newest row: one index lookup (Core, a statement built once)."""
        if self._newest_statement is None:
            import sqlalchemy as sa

            table = self.SQLEvent.__table__
            self._newest_statement = sa.select(sa.func.max(table.c.id)).where(
                table.c.sender_id == sa.bindparam("sender_id")
            )
        newest = connection.execute(self._newest_statement, {"sender_id": sender_id}).scalar()
        return int(newest or 0)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The working tracker of the latest session (module docstring)."""
        cached = self._cache.get(sender_id)
        if cached is not None:
            unsaved = len(cached.tracker.events) != getattr(cached.tracker, PERSISTED, -1)
            if not unsaved:
                with self.engine.connect() as connection:
                    current = self._newest_id(connection, sender_id) == cached.last_id
                if current:
                    self._cache.move_to_end(sender_id)
                    return cached.tracker
            self._cache.pop(sender_id, None)
        with self.session_scope() as session:
            rows = (
                self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
                .with_entities(self.SQLEvent.id, self.SQLEvent.data)
                .all()
            )
        if not rows or not self.domain:
            return None
        full = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for _, data in rows], self.domain.slots
        )
        tracker = self._working(full)
        self._remember(sender_id, tracker, rows[-1][0])
        return tracker

    def _working(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        turns = sum(1 for e in tracker.events if _is_real_user_turn(e))
        # a session start after the first two events: an older session is still in memory
        older_session = any(
            isinstance(e, SessionStarted) for e in itertools.islice(tracker.events, 2, None)
        )
        if turns > self.keep_turns + max(1, self.keep_turns // 2) or older_session:
            compact = window(tracker, self.keep_turns, self.domain.slots)
            if compact is not None:
                tracker = compact
        setattr(tracker, PERSISTED, len(tracker.events))
        return tracker

    def _remember(self, sender_id: Text, tracker: DialogueStateTracker, last_id: int) -> None:
        if not self.cache_size:
            return
        self._cache[sender_id] = _Cached(tracker, last_id)
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    # -- writing ---------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events appended since the tracker was handed out; cache its working copy."""
        persisted = getattr(tracker, PERSISTED, None)
        if persisted is None:  # not one of ours: Rasa's way, by counting the stored events
            with self.session_scope() as session:
                new_events = list(self._additional_events(session, tracker))
        else:
            new_events = list(itertools.islice(tracker.events, persisted, None))
        with self.engine.begin() as connection:  # one transaction: the rows, then the newest id
            if new_events:
                connection.execute(
                    self.SQLEvent.__table__.insert(),
                    [self._row(tracker.sender_id, event) for event in new_events],
                )
            last_id = self._newest_id(connection, tracker.sender_id)
        if new_events and self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        setattr(tracker, PERSISTED, len(tracker.events))
        self._remember(tracker.sender_id, self._working(tracker), last_id)
        logger.debug("tracker %s: %d new events stored", tracker.sender_id, len(new_events))

    @staticmethod
    def _row(sender_id: Text, event: Event) -> Dict[Text, Any]:
        """The row Rasa's ``SQLTrackerStore.save`` writes for ``event``."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


__all__ = ["WindowedSQLTrackerStore", "window", "latest_session", "PERSISTED"]
