"""bot.stores: the windowed SQL tracker store keeps every event, and the dialogue state is exact.

Each test drives trackers through simulated turns (the events Rasa's processor appends: the
user message, actions, bot messages, slots, a form's loop) with the project's real domain, and
checks against Rasa's own ``SQLTrackerStore`` and against the full, never-cut tracker.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.sql import PERSISTED, WindowedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def store(domain, path: Path, **kwargs) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(domain, dialect="sqlite", db=str(path), **kwargs)


def user(text: str, intent: str, t: float, external: bool = False) -> UserUttered:
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.9},
        parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
        metadata={"is_external": True} if external else {"channel": "rest"},
        timestamp=t,
    )


def session_start(t: float):
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t),
        SlotSet("policy_penalty_rule", "宽限期3天", timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
    ]


def turn(number: int, t: float):
    """One user turn of a few kinds: FAQ, a two-turn form, small talk."""
    kind = number % 4
    if kind == 0:
        return [
            user(f"问题{number}", "faq", t),
            ActionExecuted("utter_faq", timestamp=t),
            BotUttered(f"答案{number}", timestamp=t),
            ActionExecuted("action_faq_followup", timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
    if kind == 1:  # a form starts and asks
        return [
            user(f"借{number}000逾期罚息多少", "calculate_overdue_cost", t),
            SlotSet("overdue_amount", str(number * 1000), timestamp=t),
            ActionExecuted("action_start_overdue_cost", timestamp=t),
            ActionExecuted("overdue_cost_form", timestamp=t),
            ActiveLoop("overdue_cost_form", timestamp=t),
            SlotSet("requested_slot", "overdue_duration", timestamp=t),
            BotUttered("逾期多久？", timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
    if kind == 2:  # the form completes
        return [
            user("两个月", "inform", t),
            SlotSet("overdue_duration", "P2M", timestamp=t),
            ActionExecuted("overdue_cost_form", timestamp=t),
            SlotSet("requested_slot", None, timestamp=t),
            ActiveLoop(None, timestamp=t),
            ActionExecuted("action_calculate_overdue_cost", timestamp=t),
            BotUttered(f"罚息{number}", timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
    return [
        user("谢谢", "thank", t),
        ActionExecuted("utter_you_are_welcome", timestamp=t),
        BotUttered("不客气", timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
    ]


def stored_rows(path: Path, sender: str):
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type_name, intent_name, action_name, timestamp, data FROM events "
            "WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    return [(t, i, a, ts, json.loads(d)) for t, i, a, ts, d in rows]


async def converse(
    store_,
    domain,
    sender: str,
    turns: int,
    start: float = 1_000_000.0,
    full=None,
    new_session: bool = True,
):
    """Rasa's loop: retrieve (or create), append a turn's events, save; also into ``full``."""
    t = start
    for number in range(turns):
        tracker = await store_.get_or_create_tracker(sender, append_action_listen=False)
        events = session_start(t) if number == 0 and new_session else []
        events += turn(number, t + 0.5)
        for event in events:
            tracker.update(event, domain)
            if full is not None:
                full.update(event, domain)
        await store_.save(tracker)
        t += 1.0
    return t


async def test_every_event_is_stored_as_rasas_own_store_stores_it(domain, tmp_path):
    ours, theirs = (
        store(domain, tmp_path / "ours.db", keep_turns=3),
        SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa.db")),
    )
    await converse(ours, domain, "u1", 40)
    await converse(theirs, domain, "u1", 40)
    mine, rasas = stored_rows(tmp_path / "ours.db", "u1"), stored_rows(tmp_path / "rasa.db", "u1")
    assert len(mine) == len(rasas) > 40 * 4
    assert mine == rasas
    # and Rasa's store reads our database back into the full conversation
    reread = await SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "ours.db")).retrieve(
        "u1"
    )
    assert len(reread.events) == len(rasas)


async def test_the_working_tracker_is_bounded_and_its_state_exact(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db", keep_turns=8)
    for turns in (5, 13, 30, 61):
        await converse(
            ours, domain, f"u{turns}", turns, full=(full := DialogueStateTracker("u", domain.slots))
        )
        working = await ours.retrieve(f"u{turns}")
        real_turns = sum(1 for e in working.events if isinstance(e, UserUttered))
        assert real_turns <= 8 + 4
        assert working.current_slot_values() == full.current_slot_values()
        assert working.active_loop_name == full.active_loop_name
        assert working.latest_message.text == full.latest_message.text
        assert working.latest_action_name == full.latest_action_name
        # what MemoizationPolicy (max_history 4) and RulePolicy's short rules look at
        assert working.past_states(domain)[-12:] == full.past_states(domain)[-12:]
        assert working.applied_events()[-20:] == full.applied_events()[-20:]


async def test_a_cut_is_never_inside_a_form(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db", keep_turns=1)
    await converse(ours, domain, "u", 26)  # turn 25 starts a form (25 % 4 == 1)
    working = await ours.retrieve("u")
    assert working.active_loop_name == "overdue_cost_form"
    # the form's start is in the working tracker, with the user message that started it
    assert any(isinstance(e, ActiveLoop) and e.name == "overdue_cost_form" for e in working.events)


async def test_the_cached_tracker_is_reused_and_notices_other_writers(domain, tmp_path):
    path = tmp_path / "t.db"
    ours = store(domain, path, keep_turns=4)
    await converse(ours, domain, "u", 3)
    first = await ours.retrieve("u")
    assert await ours.retrieve("u") is first  # no read, no replay
    # another process (a second Rasa replica) appends a turn
    other = store(domain, path, keep_turns=4)
    tracker = await other.retrieve("u")
    for event in turn(3, 2_000_000.0):
        tracker.update(event, domain)
    await other.save(tracker)
    again = await ours.retrieve("u")
    assert again is not first
    assert again.latest_message.text == "谢谢" and len(stored_rows(path, "u")) == len(
        [*session_start(0), *turn(0, 0), *turn(1, 0), *turn(2, 0), *turn(3, 0)]
    )


async def test_a_tracker_changed_but_not_saved_is_never_reused(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db")
    await converse(ours, domain, "u", 2)
    tracker = await ours.retrieve("u")
    tracker.update(user("没存的", "greet", 3_000_000.0), domain)  # the turn failed before save
    fresh = await ours.retrieve("u")
    assert fresh is not tracker
    assert fresh.latest_message.text != "没存的"


async def test_only_the_new_events_are_inserted_once(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db")
    await converse(ours, domain, "u", 2)
    tracker = await ours.retrieve("u")
    before = len(stored_rows(tmp_path / "t.db", "u"))
    await ours.save(tracker)
    await ours.save(tracker)
    assert len(stored_rows(tmp_path / "t.db", "u")) == before
    assert getattr(tracker, PERSISTED) == len(tracker.events)


async def test_a_restart_reads_the_latest_session_from_the_database(domain, tmp_path):
    path = tmp_path / "t.db"
    t = await converse(store(domain, path, keep_turns=4), domain, "u", 20)
    # a new session later on
    ours = store(domain, path, keep_turns=4)
    tracker = await ours.retrieve("u")
    for event in [*session_start(t + 7200), *turn(3, t + 7200)]:
        tracker.update(event, domain)
    await ours.save(tracker)
    restarted = store(domain, path, keep_turns=4)  # a new process: nothing cached
    working = await restarted.retrieve("u")
    assert sum(1 for e in working.events if isinstance(e, SessionStarted)) == 1
    assert [e.text for e in working.events if isinstance(e, UserUttered)] == ["谢谢"]
    assert working.get_slot("overdue_amount") is None  # the new session starts afresh


async def test_reminders_and_slots_of_cut_turns_are_kept(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db", keep_turns=2)
    tracker = await ours.get_or_create_tracker("u", append_action_listen=False)
    reminder = ReminderScheduled(
        "EXTERNAL_repayment_reminder",
        trigger_date_time=datetime(2030, 1, 1),
        name="repayment_reminder_L1",
        kill_on_user_message=False,
        timestamp=1.5,
    )
    for event in [*session_start(1.0), *turn(0, 1.2), reminder]:
        tracker.update(event, domain)
    await ours.save(tracker)
    await converse(ours, domain, "u", 12, start=10.0, new_session=False)
    working = await ours.retrieve("u")
    assert sum(1 for e in working.events if isinstance(e, UserUttered)) <= 3
    assert reminder in working.applied_events()  # Rasa checks this when it fires
    # set at the session start, long cut
    assert working.get_slot("policy_penalty_rule") == "宽限期3天"


async def test_no_cache_still_correct(domain, tmp_path):
    ours = store(domain, tmp_path / "t.db", cache_size=0, keep_turns=3)
    full = DialogueStateTracker("u", domain.slots)
    await converse(ours, domain, "u", 15, full=full)
    working = await ours.retrieve("u")
    assert working.current_slot_values() == full.current_slot_values()
    assert len(stored_rows(tmp_path / "t.db", "u")) == len(full.events)


@pytest.mark.postgres
async def test_postgresql_same_rows_and_state(domain):
    """The production dialect: rows as Rasa's store writes them, the same working tracker."""
    import uuid

    psycopg2 = pytest.importorskip("psycopg2")
    name = f"windowed_store_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        ours = WindowedSQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=5432,
            db=name,
            username="postgres",
            password="",
            keep_turns=3,
        )
        full = DialogueStateTracker("u", domain.slots)
        await converse(ours, domain, "u", 20, full=full)
        rasas = SQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=5432,
            db=name,
            username="postgres",
            password="",
        )
        reread = await rasas.retrieve("u")
        assert [e.as_dict() for e in reread.events] == [e.as_dict() for e in full.events]
        working = await WindowedSQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=5432,
            db=name,
            username="postgres",
            password="",
            keep_turns=3,
        ).retrieve("u")
        assert working.current_slot_values() == full.current_slot_values()
        assert working.past_states(domain)[-4:] == full.past_states(domain)[-4:]
        ours.engine.dispose()
        rasas.engine.dispose()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
