"""The reminder scheduler against a fake Rasa API (aiohttp test server) and a fake clock, on
SQLite and PostgreSQL: due reminders fire once, outcomes are recorded, failures back off and
end as ``failed``, a crash between the trigger and the bookkeeping is found in the tracker,
next month's reminder exists once, and two schedulers on PostgreSQL never fire one reminder
twice."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.loans import migrate
from bot.loans.db import Database
from bot.loans.demo import seed_demo
from bot.loans.models import Reminder
from bot.loans.reminder_scheduler import ReminderScheduler, SchedulerSettings
from bot.loans.store import LoanStore

from .conftest import TODAY
from .fake_rasa import RASA_TOKEN, FakeClock, FakeRasa

BEIJING = timezone(timedelta(hours=8))
LOAN = "demo-up-to-date-jiebei"  # 借呗, due on the 13th; 2026-12-13 is the next installment
BORROWER = "demo-up-to-date"
CONVERSATION = "widget:demo-up-to-date:s-1"
DUE = datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING)  # 3 days before 2026-12-13, 09:00 Beijing


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request, tmp_path, policy):
    """A fresh migrated database per test (the scheduler sees every row of the table), with
    the demo borrowers as of TODAY."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/loans.db"
    else:
        url = request.getfixturevalue("postgres_databases").create()
    migrate.upgrade(url)
    database = Database(url)
    await seed_demo(database, policy, TODAY)
    yield database
    await database.dispose()


@pytest.fixture
async def rasa(aiohttp_server):
    fake = FakeRasa()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def clock():
    return FakeClock(DUE - timedelta(seconds=1))


def settings_for(rasa: FakeRasa, **overrides) -> SchedulerSettings:
    values = dict(
        rasa_url=rasa.url,
        rasa_token=RASA_TOKEN,
        poll_seconds=0.02,
        batch_size=20,
        timeout_seconds=0.3,
        lease_seconds=10.6,
        max_attempts=3,
        retry_seconds=60,
        retry_max_seconds=3600,
    )
    values.update(overrides)
    return SchedulerSettings(**values)


def scheduler(db, rasa, clock, owner="replica-a", **overrides) -> ReminderScheduler:
    return ReminderScheduler(db, settings_for(rasa, **overrides), clock=clock, owner=owner)


async def add_reminder(
    db: Database,
    reminder_id: str = "rm-1",
    *,
    conversation=CONVERSATION,
    loan_id=LOAN,
    remind_on=date(2026, 12, 10),
    days_before=3,
    due=DUE,
    status="scheduled",
    borrower=BORROWER,
) -> str:
    async with db.write_session() as session:
        async with session.begin():
            session.add(
                Reminder(
                    id=reminder_id,
                    borrower_id=borrower,
                    loan_id=loan_id,
                    remind_on=remind_on,
                    days_before=days_before,
                    channel="widget",
                    conversation_id=conversation,
                    status=status,
                    remind_at=due,
                    next_attempt_at=due,
                    attempts=0,
                )
            )
    return reminder_id


async def reminders(db: Database) -> dict[str, Reminder]:
    async with db.read_session() as session:
        rows = (await session.scalars(select(Reminder).order_by(Reminder.remind_at))).all()
    return {row.id: row for row in rows}


async def test_due_reminder_fires_once_is_marked_sent_and_next_month_follows(db, rasa, clock):
    await add_reminder(db)
    worker = scheduler(db, rasa, clock)
    try:
        assert (await worker.run_once()).claimed == 0  # a second early: not due yet
        clock.advance(1)
        report = await worker.run_once()
        assert (report.claimed, report.sent, report.created_next) == (1, 1, 1)
        [request] = rasa.requests
        # the conversation that set it, through the authenticated API, to its latest channel
        assert request["conversation_id"] == CONVERSATION
        assert request["query"] == {"token": RASA_TOKEN, "output_channel": "latest"}
        assert request["body"] == {
            "name": "EXTERNAL_repayment_reminder",
            "entities": {"loan_product": "借呗", "reminder_id": "rm-1"},
        }
        assert rasa.tracker_reads == 0  # a first attempt needs no tracker read
        rows = await reminders(db)
        sent, following = rows["rm-1"], next(r for r in rows.values() if r.id != "rm-1")
        assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, clock.now)
        assert sent.lease_owner is None and sent.locked_until is None and sent.last_error is None
        assert following.previous_id == "rm-1" and following.status == "scheduled"
        assert following.remind_on == date(2027, 1, 10) and following.days_before == 3
        assert following.remind_at == datetime(2027, 1, 10, 9, 0, tzinfo=BEIJING)
        assert following.next_attempt_at == following.remind_at
        assert following.conversation_id == CONVERSATION and following.loan_id == LOAN
        # nothing else is due: running again fires nothing
        clock.advance(3600)
        assert (await worker.run_once()).claimed == 0
        assert rasa.triggers == {"rm-1": 1}
        # a month later the follower fires and schedules February's
        clock.now = following.remind_at
        assert (await worker.run_once()).sent == 1
        assert rasa.triggers == {"rm-1": 1, following.id: 1}
        rows = await reminders(db)
        assert [r.remind_on for r in rows.values() if r.status == "scheduled"] == [
            date(2027, 2, 10)
        ]
    finally:
        await worker.close()


async def test_failures_back_off_then_end_as_failed(db, rasa, clock):
    await add_reminder(db)
    rasa.failures = ["HTTP503", "HTTP503", "HTTP503"]
    clock.advance(1)
    worker = scheduler(db, rasa, clock, max_attempts=3, retry_seconds=60)
    try:
        assert (await worker.run_once()).retrying == 1
        row = (await reminders(db))["rm-1"]
        assert (row.status, row.attempts, row.last_error) == ("scheduled", 1, "HTTP503")
        assert row.next_attempt_at == clock.now + timedelta(seconds=60)
        assert row.lease_owner is None
        clock.advance(59)
        assert (await worker.run_once()).claimed == 0  # still backing off
        clock.advance(1)
        assert (await worker.run_once()).retrying == 1
        row = (await reminders(db))["rm-1"]
        assert row.attempts == 2 and row.next_attempt_at == clock.now + timedelta(seconds=120)
        assert rasa.tracker_reads == 1  # a retry reads the tracker before firing again
        clock.advance(120)
        report = await worker.run_once()
        assert (report.failed, report.created_next) == (1, 1)
        rows = await reminders(db)
        assert (rows["rm-1"].status, rows["rm-1"].attempts) == ("failed", 3)
        assert rows["rm-1"].last_error == "HTTP503"  # the class of error, no message text
        # one bad day does not end the reminders: next month's is scheduled all the same
        assert [r.remind_on for r in rows.values() if r.status == "scheduled"] == [
            date(2027, 1, 10)
        ]
        assert len(rasa.requests) == 3 and sum(rasa.triggers.values()) == 0
        clock.advance(7 * 24 * 3600)
        assert (await worker.run_once()).claimed == 0  # failed is final
    finally:
        await worker.close()


async def test_a_transient_failure_is_retried_and_delivered_once(db, rasa, clock):
    await add_reminder(db)
    rasa.failures = ["HTTP502"]
    clock.advance(1)
    worker = scheduler(db, rasa, clock)
    try:
        await worker.run_once()
        clock.advance(60)
        assert (await worker.run_once()).sent == 1
        row = (await reminders(db))["rm-1"]
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
        assert rasa.triggers == {"rm-1": 1}
    finally:
        await worker.close()


async def test_backoff_doubles_up_to_its_ceiling():
    settings = SchedulerSettings("http://rasa", "t", retry_seconds=30, retry_max_seconds=100)
    assert [settings.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


async def test_a_timeout_after_rasa_saved_the_turn_is_not_fired_twice(db, rasa, clock):
    await add_reminder(db)
    rasa.failures, rasa.slow_seconds = ["slow"], 1.0  # Rasa saves the turn, answers too late
    clock.advance(1)
    worker = scheduler(db, rasa, clock, timeout_seconds=0.3)
    try:
        assert (await worker.run_once()).retrying == 1
        assert (await reminders(db))["rm-1"].last_error == "Timeout"
        clock.advance(60)
        report = await worker.run_once()
        assert (report.already_delivered, report.created_next) == (1, 1)
        assert rasa.triggers == {"rm-1": 1} and len(rasa.requests) == 1
        assert (await reminders(db))["rm-1"].status == "sent"
    finally:
        await worker.close()


class Crash(Exception):
    """The replica dies here."""


async def test_crash_between_trigger_and_mark_sent_is_found_in_the_tracker(db, rasa, clock):
    await add_reminder(db)
    clock.advance(1)
    dying = scheduler(db, rasa, clock, owner="replica-a")
    survivor = scheduler(db, rasa, clock, owner="replica-b")

    async def die(*_args, **_kwargs):
        raise Crash

    dying.queue.mark_sent = die  # the trigger reached Rasa, then the replica died
    try:
        await dying.run_once()
        row = (await reminders(db))["rm-1"]
        assert (row.status, row.lease_owner) == ("firing", "replica-a")
        assert rasa.triggers == {"rm-1": 1}
        # while the lease holds, nobody else touches it
        clock.advance(10)
        assert (await survivor.run_once()).claimed == 0
        # the lease expired: the survivor claims it, reads the tracker, finds it delivered
        clock.advance(1)
        report = await survivor.run_once()
        assert (report.claimed, report.already_delivered, report.created_next) == (1, 1, 1)
        assert rasa.triggers == {"rm-1": 1} and rasa.tracker_reads == 1
        rows = await reminders(db)
        assert (rows["rm-1"].status, rows["rm-1"].attempts) == ("sent", 2)
        assert sum(1 for r in rows.values() if r.previous_id == "rm-1") == 1
        # the dead replica's late bookkeeping (if it ever came back) changes nothing
        dying.queue.mark_sent = type(dying.queue).mark_sent.__get__(dying.queue)
        assert (await dying.queue.mark_sent("rm-1", "replica-a")).status is None
    finally:
        await dying.close()
        await survivor.close()


async def test_crash_before_rasa_got_the_trigger_fires_once_after_the_lease(db, rasa, clock):
    await add_reminder(db)
    clock.advance(1)
    dying = scheduler(db, rasa, clock, owner="replica-a")
    survivor = scheduler(db, rasa, clock, owner="replica-b")

    async def die(*_args, **_kwargs):
        raise Crash

    dying.rasa.trigger = die
    try:
        await dying.run_once()
        assert (await reminders(db))["rm-1"].status == "firing" and not rasa.triggers
        clock.advance(11)
        rasa.tracker_failures = 1  # the tracker cannot be read: no blind firing
        assert (await survivor.run_once()).retrying == 1
        assert not rasa.triggers
        row = (await reminders(db))["rm-1"]
        assert (row.last_error, row.attempts) == ("HTTP500", 2)
        clock.advance(120)  # the backoff after a second attempt
        assert (await survivor.run_once()).sent == 1
        assert rasa.triggers == {"rm-1": 1}
    finally:
        await dying.close()
        await survivor.close()


@pytest.mark.parametrize("arrived", [True, False])
async def test_a_reminder_whose_replicas_keep_dying_is_settled_not_fired_forever(
    db, rasa, clock, arrived
):
    await add_reminder(db)
    clock.advance(1)
    worker = scheduler(db, rasa, clock, max_attempts=3)
    # the third (last) attempt's replica died: firing, lease expired, attempts used up
    async with db.write_session() as session:
        async with session.begin():
            row = await session.get(Reminder, "rm-1")
            row.status, row.attempts, row.lease_owner = "firing", 3, "dead-replica"
            row.locked_until = clock.now - timedelta(seconds=1)
    if arrived:
        rasa.events[CONVERSATION].append(
            {
                "event": "user",
                "parse_data": {
                    "intent": {"name": "EXTERNAL_repayment_reminder"},
                    "entities": [{"entity": "reminder_id", "value": "rm-1"}],
                },
            }
        )
    try:
        report = await worker.run_once()
        row = (await reminders(db))["rm-1"]
        assert not rasa.requests  # settled from the tracker, never fired a fourth time
        assert row.attempts == 3
        if arrived:
            assert (report.already_delivered, row.status) == (1, "sent")
        else:
            assert (report.failed, row.status, row.last_error) == (1, "failed", "LeaseExpired")
    finally:
        await worker.close()


async def test_cancelled_while_firing_stays_cancelled_without_a_successor(db, rasa, clock, policy):
    await add_reminder(db)
    clock.advance(1)
    worker = scheduler(db, rasa, clock)
    store = LoanStore(db, policy, clock=clock)
    real_trigger = worker.rasa.trigger

    async def cancelled_meanwhile(conversation_id, entities):
        await store.cancel_reminder(BORROWER, entities["reminder_id"])
        await real_trigger(conversation_id, entities)

    worker.rasa.trigger = cancelled_meanwhile
    try:
        report = await worker.run_once()
        assert (report.lost, report.created_next) == (1, 0)
        assert [r.status for r in (await reminders(db)).values()] == ["cancelled"]
    finally:
        await worker.close()


async def test_what_is_never_fired(db, rasa, clock):
    await add_reminder(db, "rm-cancelled", status="cancelled")
    await add_reminder(db, "rm-sent", status="sent")
    await add_reminder(db, "rm-later", due=DUE + timedelta(days=1))
    await add_reminder(db, "rm-legacy", conversation=None)  # written before revision 0002
    clock.advance(1)
    worker = scheduler(db, rasa, clock)
    try:
        report = await worker.run_once()
        assert report.claimed == 0 and not rasa.requests
        rows = await reminders(db)
        assert (rows["rm-legacy"].status, rows["rm-legacy"].last_error) == (
            "failed",
            "NoConversation",
        )
        assert rows["rm-later"].status == "scheduled"
    finally:
        await worker.close()


async def test_next_months_reminder_exists_once(db, rasa, clock):
    await add_reminder(db)
    clock.advance(1)
    worker = scheduler(db, rasa, clock)
    queue = worker.queue
    try:
        await worker.run_once()
        [follower] = [r for r in (await reminders(db)).values() if r.previous_id == "rm-1"]
        # asking again (a replay of the bookkeeping) creates nothing more
        async with db.write_session() as session:
            async with session.begin():
                row = await session.get(Reminder, "rm-1")
                assert await queue._schedule_next(session, row) is None
        # and the database itself refuses a second follower of the same reminder
        with pytest.raises(IntegrityError):
            await add_reminder(db, "rm-dup", remind_on=date(2027, 1, 10))
            async with db.write_session() as session:
                async with session.begin():
                    (await session.get(Reminder, "rm-dup")).previous_id = "rm-1"
        assert sum(1 for r in (await reminders(db)).values() if r.previous_id == "rm-1") == 1
        assert follower.remind_on == date(2027, 1, 10)
    finally:
        await worker.close()


async def test_no_follower_when_another_reminder_is_to_come_or_after_the_last_installment(
    db, rasa, clock
):
    await add_reminder(db)
    # the borrower set another one for this loan meanwhile (e.g. 7 days before January's)
    await add_reminder(
        db,
        "rm-other",
        remind_on=date(2027, 1, 6),
        days_before=7,
        due=datetime(2027, 1, 6, 9, 0, tzinfo=BEIJING),
    )
    # a reminder before the last installment of a loan has no follower either
    await add_reminder(
        db,
        "rm-last",
        loan_id="demo-multi-debt-huabei",
        borrower="demo-multi-debt",
        conversation="widget:demo-multi-debt:s",
        remind_on=date(2027, 4, 9),
        days_before=1,
        due=DUE,
    )
    clock.advance(1)
    worker = scheduler(db, rasa, clock)
    try:
        report = await worker.run_once()
        assert (report.sent, report.created_next) == (2, 0)
        assert len(await reminders(db)) == 3
    finally:
        await worker.close()


@pytest.mark.postgres
async def test_concurrent_followers_on_postgres_one_wins(postgres_databases, policy, clock):
    """Two transactions that both see no follower yet: the unique ``previous_id`` makes the
    second insert wait for the first and then give up."""
    url = postgres_databases.create()
    migrate.upgrade(url)
    db = Database(url)
    try:
        await seed_demo(db, policy, TODAY)
        await add_reminder(db, status="sent")
        first = ReminderScheduler(db, SchedulerSettings("http://rasa", "t"), clock=clock).queue
        async with db.write_session() as one, db.write_session() as two:
            await one.begin()
            await two.begin()
            row_one = await one.get(Reminder, "rm-1")
            row_two = await two.get(Reminder, "rm-1")
            created = await first._schedule_next(one, row_one)
            assert created is not None
            second = asyncio.create_task(first._schedule_next(two, row_two))
            await asyncio.sleep(0.2)
            assert not second.done()  # waiting on the unique index for the first transaction
            await one.commit()
            assert await asyncio.wait_for(second, 5) is None
            await two.commit()
        assert sum(1 for r in (await reminders(db)).values() if r.previous_id == "rm-1") == 1
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_two_schedulers_fire_200_reminders_exactly_once(
    postgres_databases, policy, rasa, clock
):
    url = postgres_databases.create()
    migrate.upgrade(url)
    setup, db_a, db_b = Database(url), Database(url), Database(url)  # one pool per "replica"
    try:
        await seed_demo(setup, policy, TODAY)
        async with setup.write_session() as session:
            async with session.begin():
                for n in range(200):
                    due = DUE - timedelta(seconds=n % 7)
                    session.add(
                        Reminder(
                            id=f"rm-{n:03d}",
                            borrower_id=BORROWER,
                            loan_id=None,
                            remind_on=date(2026, 12, 10),
                            days_before=3,
                            channel="widget",
                            conversation_id=f"conv-{n:03d}",
                            status="scheduled",
                            remind_at=due,
                            next_attempt_at=due,
                            attempts=0,
                        )
                    )
        rasa.delay = 0.002  # interleave the two replicas' rounds
        clock.advance(1)
        # a generous HTTP timeout: this test is about claims, not speed, and on a busy machine
        # 30 concurrent calls to the fake Rasa can take longer than the suite's usual 0.3 s
        # (a timed-out call is retried later, after the loop below has stopped)
        lenient = dict(batch_size=15, timeout_seconds=5.0, lease_seconds=20.6)
        a = scheduler(db_a, rasa, clock, owner="replica-a", **lenient)
        b = scheduler(db_b, rasa, clock, owner="replica-b", **lenient)
        claimed = {"a": 0, "b": 0}
        try:
            while True:
                report_a, report_b = await asyncio.gather(a.run_once(), b.run_once())
                claimed["a"] += report_a.claimed
                claimed["b"] += report_b.claimed
                if report_a.claimed == report_b.claimed == 0:
                    break
        finally:
            await a.close()
            await b.close()
        assert len(rasa.triggers) == 200 and set(rasa.triggers.values()) == {1}
        assert len(rasa.requests) == 200
        assert claimed["a"] + claimed["b"] == 200 and claimed["a"] > 0 and claimed["b"] > 0
        rows = await reminders(setup)
        assert {r.status for r in rows.values()} == {"sent"} and len(rows) == 200
    finally:
        for database in (setup, db_a, db_b):
            await database.dispose()


@pytest.mark.postgres
async def test_claim_skips_rows_another_replica_holds_without_waiting(
    postgres_databases, policy, rasa, clock
):
    url = postgres_databases.create()
    migrate.upgrade(url)
    db, other = Database(url), Database(url)
    try:
        await seed_demo(db, policy, TODAY)
        for n in range(6):
            await add_reminder(
                db,
                f"rm-{n}",
                loan_id=None,
                conversation=f"conv-{n}",
                due=DUE - timedelta(minutes=n),
            )
        clock.advance(1)
        worker = scheduler(db, rasa, clock)
        async with other.write_session() as holder:
            async with holder.begin():
                # another replica's claim transaction, still open, holding three rows
                held = (
                    await holder.scalars(
                        select(Reminder)
                        .where(Reminder.id.in_(["rm-0", "rm-1", "rm-2"]))
                        .with_for_update()
                    )
                ).all()
                assert len(held) == 3
                claims = await asyncio.wait_for(
                    worker.queue.claim("replica-a", 10, timedelta(seconds=30)), 5
                )
                assert sorted(c.reminder_id for c in claims) == ["rm-3", "rm-4", "rm-5"]
        await worker.close()
    finally:
        await db.dispose()
        await other.dispose()
