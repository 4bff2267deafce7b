"""The reminder scheduler: delivers the ledger's due reminders into their conversations, once.

A reminder lives in the ledger (``reminders``: due instant, conversation, state). Every
``poll_seconds`` a scheduler

1. **claims** due reminders in one short transaction: ``scheduled`` ones whose
   ``next_attempt_at`` has come, and ``firing`` ones whose lease expired (the replica firing
   them died).  On PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent
   schedulers never claim the same row and never wait for each other; on SQLite the same
   statements run in a ``BEGIN IMMEDIATE`` transaction (one writer at a time).  A claimed row
   becomes ``firing`` with a lease (``lease_owner``, ``locked_until``) and one more attempt;
2. **fires** each one through Rasa's authenticated HTTP API::

       POST {RASA_URL}/conversations/{conversation_id}/trigger_intent?token=…&output_channel=latest
       {"name": "EXTERNAL_repayment_reminder",
        "entities": {"loan_product": "借呗", "reminder_id": "rm-…"}}

   Rasa answers once the turn ran and the tracker was saved.  When an earlier attempt may
   have reached Rasa (a lease expired mid-fire, a timeout), the conversation's tracker is read
   first (``GET /conversations/{id}/tracker``): a user event of that intent carrying that
   ``reminder_id`` means it was delivered, and it is marked ``sent`` without firing again;
3. **finishes** it in a second short transaction, only if the lease is still its own:
   ``sent`` (and next month's reminder created, at most once: it names this one in
   ``previous_id``, which is unique), or, after a failure, ``scheduled`` again after a backoff
   (``retry_seconds`` × 2^(attempt-1), at most ``retry_max_seconds``), or ``failed`` after
   ``max_attempts`` (next month's is still created: one bad day does not end the reminders).

A scheduler never claims while its own fires are in flight, and a fire takes at most two
HTTP timeouts, which the lease must exceed (checked), so a live scheduler's lease does not
expire under it.  Logs name reminder ids, states and error classes only: no conversation id,
borrower, amount or message text (the Rasa token travels in the query string, so URLs are
never logged either).

Run it inside the ledger service (``python -m bot.loans serve`` starts it when ``RASA_URL`` and
``RASA_API_TOKEN`` are set) or on its own (``python -m bot.loans scheduler``); any number of
copies may run against one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Mapping, Optional
from urllib.parse import quote

import aiohttp
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from bot.loans import config
from bot.loans.config import ConfigError
from bot.loans.db import Database
from bot.loans.models import PENDING_REMINDER_STATES, Installment, Loan, Reminder
from bot.loans.store import Clock, new_id, reminder_due_at, utc_now

log = logging.getLogger(__name__)

REMINDER_INTENT = "EXTERNAL_repayment_reminder"
NO_CONVERSATION = "NoConversation"
LEASE_EXPIRED = "LeaseExpired"  # the last allowed attempt's replica died before recording it


# -- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchedulerSettings:
    """What a scheduler needs; :meth:`from_env` reads it from the environment.

    ``RASA_URL``                          Rasa server with ``--enable-api`` (required)
    ``RASA_API_TOKEN``                    its ``--auth-token`` (required)
    ``REMINDER_POLL_SECONDS``             how often to look for due reminders (5)
    ``REMINDER_BATCH_SIZE``               reminders claimed (and fired concurrently) at once (20)
    ``REMINDER_TIMEOUT_SECONDS``          timeout of one call to Rasa (30)
    ``REMINDER_LEASE_SECONDS``            how long a claim holds; > 2 timeouts + 10 s (120)
    ``REMINDER_MAX_ATTEMPTS``             attempts before ``failed`` (5)
    ``REMINDER_RETRY_SECONDS``            first backoff, doubled per attempt (60)
    ``REMINDER_RETRY_MAX_SECONDS``        longest backoff (3600)
    """

    rasa_url: str
    rasa_token: str = field(repr=False)
    poll_seconds: float = 5.0
    batch_size: int = 20
    timeout_seconds: float = 30.0
    lease_seconds: float = 120.0
    max_attempts: int = 5
    retry_seconds: float = 60.0
    retry_max_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if not self.rasa_url.startswith(("http://", "https://")):
            raise ConfigError("RASA_URL must be an http:// or https:// URL of the Rasa server")
        if not self.rasa_token:
            raise ConfigError("RASA_API_TOKEN is empty")
        if self.poll_seconds <= 0 or self.timeout_seconds <= 0 or self.retry_seconds < 0:
            raise ConfigError(
                "REMINDER_POLL_SECONDS and REMINDER_TIMEOUT_SECONDS must be > 0, "
                "REMINDER_RETRY_SECONDS >= 0"
            )
        if not 1 <= self.batch_size <= 500:
            raise ConfigError("REMINDER_BATCH_SIZE must be between 1 and 500")
        if self.max_attempts < 1:
            raise ConfigError("REMINDER_MAX_ATTEMPTS must be at least 1")
        if self.retry_max_seconds < self.retry_seconds:
            raise ConfigError("REMINDER_RETRY_MAX_SECONDS must be >= REMINDER_RETRY_SECONDS")
        # a fire is a tracker read and a trigger, each bounded by the timeout: the lease must
        # outlast both, or a live scheduler's reminder could be claimed again under it
        if self.lease_seconds < 2 * self.timeout_seconds + 10:
            raise ConfigError(
                "REMINDER_LEASE_SECONDS must be at least 2 × REMINDER_TIMEOUT_SECONDS + 10 "
                f"(= {2 * self.timeout_seconds + 10:g}), got {self.lease_seconds:g}"
            )

    @classmethod
    def from_env(
        cls, environ: Optional[Mapping[str, str]] = None, *, required: bool = False
    ) -> Optional["SchedulerSettings"]:
        """The settings, or None when ``RASA_URL`` or ``RASA_API_TOKEN`` is not set (a
        :class:`ConfigError` instead with ``required``).  Refuses
        ``REMINDER_TEST_DELAY_SECONDS`` with ``BOT_ENV=production``, like the service."""
        env = os.environ if environ is None else environ
        config.reminder_test_delay(env)
        url = env.get("RASA_URL", "").strip().rstrip("/")
        token = env.get("RASA_API_TOKEN", "").strip()
        if not url or not token:
            if required:
                raise ConfigError(
                    "the reminder scheduler needs RASA_URL (the Rasa server, started with "
                    "--enable-api) and RASA_API_TOKEN (its --auth-token)"
                )
            return None

        def number(name: str, default: float, kind=float):
            value = env.get(name, "").strip()
            if not value:
                return default
            try:
                return kind(value)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {value!r}") from None

        return cls(
            rasa_url=url,
            rasa_token=token,
            poll_seconds=number("REMINDER_POLL_SECONDS", cls.poll_seconds),
            batch_size=number("REMINDER_BATCH_SIZE", cls.batch_size, int),
            timeout_seconds=number("REMINDER_TIMEOUT_SECONDS", cls.timeout_seconds),
            lease_seconds=number("REMINDER_LEASE_SECONDS", cls.lease_seconds),
            max_attempts=number("REMINDER_MAX_ATTEMPTS", cls.max_attempts, int),
            retry_seconds=number("REMINDER_RETRY_SECONDS", cls.retry_seconds),
            retry_max_seconds=number("REMINDER_RETRY_MAX_SECONDS", cls.retry_max_seconds),
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        seconds = self.retry_seconds * (2 ** max(0, attempts - 1))
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


# -- Rasa's HTTP API ----------------------------------------------------------------------------


class DeliveryError(Exception):
    """A call to Rasa failed; ``kind`` is what is recorded (an error class, never a message)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def _path_segment(conversation_id: str) -> str:
    # Rasa's route is /conversations/<conversation_id:path>; keep the characters a path
    # segment may carry (a channel prefix "widget:…") and escape everything else
    return quote(conversation_id, safe=":@!$&'()*+,;=-._~")


class RasaConversations:
    """The two calls of Rasa's HTTP API the scheduler makes (token as a query parameter, the
    way Rasa's ``--auth-token`` expects it)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _url(self, conversation_id: str, what: str) -> str:
        return f"{self.base_url}/conversations/{_path_segment(conversation_id)}/{what}"

    async def _call(self, method: str, url: str, **kwargs) -> dict:
        try:
            async with self._http().request(method, url, **kwargs) as resp:
                if resp.status >= 300:
                    raise DeliveryError(f"HTTP{resp.status}")
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    raise DeliveryError("BadResponse") from None
                if not isinstance(body, dict):
                    raise DeliveryError("BadResponse")
                return body
        except DeliveryError:
            raise
        except asyncio.TimeoutError:
            raise DeliveryError("Timeout") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(type(exc).__name__) from None

    async def trigger(self, conversation_id: str, entities: dict) -> None:
        """Run the reminder's turn in the conversation; returns once Rasa saved it."""
        await self._call(
            "POST",
            self._url(conversation_id, "trigger_intent"),
            params={"token": self._token, "output_channel": "latest"},
            json={"name": REMINDER_INTENT, "entities": entities},
        )

    async def delivered(self, conversation_id: str, reminder_id: str) -> bool:
        """Whether the conversation already has the reminder's user event."""
        body = await self._call(
            "GET",
            self._url(conversation_id, "tracker"),
            params={"token": self._token, "include_events": "ALL"},
        )
        return any(_is_reminder_event(event, reminder_id) for event in body.get("events") or [])


def _is_reminder_event(event, reminder_id: str) -> bool:
    if not isinstance(event, dict) or event.get("event") != "user":
        return False
    parse = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    if intent.get("name") != REMINDER_INTENT:
        return False
    return any(
        isinstance(item, dict)
        and item.get("entity") == "reminder_id"
        and item.get("value") == reminder_id
        for item in parse.get("entities") or []
    )


# -- the queue in the ledger --------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A reminder this scheduler holds the lease of."""

    reminder_id: str
    conversation_id: str
    loan_product: Optional[str]
    attempt: int  # this attempt's number, from 1
    uncertain: bool  # an earlier attempt may have reached Rasa: read the tracker first
    check_only: bool = False  # attempts used up by replicas that died: settle, never fire

    def entities(self) -> dict:
        entities = {"reminder_id": self.reminder_id}
        if self.loan_product:
            entities = {"loan_product": self.loan_product, **entities}
        return entities


@dataclass(frozen=True)
class Finished:
    status: Optional[str]  # None: the lease was lost (cancelled, or claimed by another)
    next_id: Optional[str] = None


class ReminderQueue:
    """The scheduler's transactions on the ``reminders`` table."""

    def __init__(self, db: Database, *, zone: Optional[tzinfo] = None, clock: Clock = utc_now):
        self.db = db
        self.zone = zone or config.ledger_timezone()
        self.clock = clock

    async def claim(
        self, owner: str, limit: int, lease: timedelta, max_attempts: Optional[int] = None
    ) -> list[Claim]:
        """Claim up to ``limit`` due reminders for ``owner`` (one short transaction).  A
        reminder whose lease expired after its last allowed attempt (replicas keep dying on it)
        is claimed to be settled by the tracker only: ``sent`` if it arrived, else ``failed``."""
        claims: list[Claim] = []
        async with self.db.write_session() as session:
            async with session.begin():
                now = self.clock()
                query = (
                    select(Reminder, Loan.product)
                    .outerjoin(Loan, Loan.id == Reminder.loan_id)
                    .where(
                        or_(
                            and_(Reminder.status == "scheduled", Reminder.next_attempt_at <= now),
                            and_(Reminder.status == "firing", Reminder.locked_until <= now),
                        )
                    )
                    .order_by(Reminder.next_attempt_at, Reminder.id)
                    .limit(limit)
                )
                if self.db.locks_rows:
                    query = query.with_for_update(of=Reminder, skip_locked=True)
                for row, product in (await session.execute(query)).all():
                    if not row.conversation_id:  # recorded before the ledger delivered reminders
                        row.status, row.last_error = "failed", NO_CONVERSATION
                        row.lease_owner = row.locked_until = None
                        log.warning("reminder %s has no conversation to deliver to: failed", row.id)
                        continue
                    uncertain = row.attempts > 0
                    check_only = (
                        max_attempts is not None
                        and row.status == "firing"
                        and row.attempts >= max_attempts
                    )
                    row.status = "firing"
                    if not check_only:
                        row.attempts = row.attempts + 1
                    row.lease_owner = owner
                    row.locked_until = now + lease
                    claims.append(
                        Claim(
                            row.id,
                            row.conversation_id,
                            product,
                            row.attempts,
                            uncertain,
                            check_only,
                        )
                    )
        return claims

    async def _held(self, session, reminder_id: str, owner: str) -> Optional[Reminder]:
        query = select(Reminder).where(Reminder.id == reminder_id)
        if self.db.locks_rows:
            query = query.with_for_update()
        row = await session.scalar(query)
        if row is None or row.status != "firing" or row.lease_owner != owner:
            return None
        return row

    async def mark_sent(self, reminder_id: str, owner: str) -> Finished:
        async with self.db.write_session() as session:
            async with session.begin():
                row = await self._held(session, reminder_id, owner)
                if row is None:
                    return Finished(None)
                row.status, row.sent_at, row.last_error = "sent", self.clock(), None
                row.lease_owner = row.locked_until = None
                next_id = await self._schedule_next(session, row)
        return Finished("sent", next_id)

    async def mark_failed_attempt(
        self, reminder_id: str, owner: str, error: str, settings: SchedulerSettings
    ) -> Finished:
        async with self.db.write_session() as session:
            async with session.begin():
                row = await self._held(session, reminder_id, owner)
                if row is None:
                    return Finished(None)
                row.last_error = error[:64]
                row.lease_owner = row.locked_until = None
                if row.attempts >= settings.max_attempts:
                    row.status = "failed"
                    next_id = await self._schedule_next(session, row)
                    return Finished("failed", next_id)
                row.status = "scheduled"
                row.next_attempt_at = self.clock() + settings.backoff(row.attempts)
        return Finished("scheduled")

    async def _schedule_next(self, session, row: Reminder) -> Optional[str]:
        """Next month's reminder after ``row`` (same loan, days before and conversation), for the
        first unsettled installment after the one ``row`` was about whose reminder day is not
        past.  None when there is none, when the borrower already has another reminder to come
        for that loan, or when it exists already (``previous_id`` is unique)."""
        if row.loan_id is None or not row.conversation_id:
            return None
        other = await session.scalar(
            select(Reminder.id)
            .where(
                Reminder.loan_id == row.loan_id,
                Reminder.id != row.id,
                Reminder.status.in_(PENDING_REMINDER_STATES),
            )
            .limit(1)
        )
        if other is not None:
            return None
        current_due = row.remind_on + timedelta(days=row.days_before)
        today = self.clock().astimezone(self.zone).date()
        remind_on: Optional[date] = None
        for due_date, settled_on in await session.execute(
            select(Installment.due_date, Installment.settled_on)
            .where(Installment.loan_id == row.loan_id)
            .order_by(Installment.due_date)
        ):
            candidate = due_date - timedelta(days=row.days_before)
            if due_date > current_due and settled_on is None and candidate >= today:
                remind_on = candidate
                break
        if remind_on is None:
            return None
        due = reminder_due_at(remind_on, self.zone)
        successor = Reminder(
            id=new_id("rm"),
            borrower_id=row.borrower_id,
            loan_id=row.loan_id,
            remind_on=remind_on,
            days_before=row.days_before,
            channel=row.channel,
            conversation_id=row.conversation_id,
            status="scheduled",
            remind_at=due,
            next_attempt_at=due,
            attempts=0,
            previous_id=row.id,
        )
        try:
            async with session.begin_nested():
                session.add(successor)
                await session.flush()
        except IntegrityError:  # uq_reminders_previous_id: it exists already
            return None
        return successor.id


# -- the scheduler ------------------------------------------------------------------------------


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    already_delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # lease lost while firing (cancelled meanwhile, or claimed by another)
    created_next: int = 0


def default_owner() -> str:
    """A lease owner id unique to this scheduler: host, process and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class ReminderScheduler:
    """Claims due reminders, fires them through Rasa, records the outcome.

    ``clock`` returns the current aware instant (tests pass a fake one); ``rasa`` defaults to
    :class:`RasaConversations` for ``settings.rasa_url``."""

    def __init__(
        self,
        db: Database,
        settings: SchedulerSettings,
        *,
        zone: Optional[tzinfo] = None,
        clock: Clock = utc_now,
        owner: Optional[str] = None,
        rasa: Optional[RasaConversations] = None,
    ):
        self.db = db
        self.settings = settings
        self.owner = owner or default_owner()
        self.clock = clock
        self.queue = ReminderQueue(db, zone=zone, clock=clock)
        self.rasa = rasa or RasaConversations(
            settings.rasa_url, settings.rasa_token, timeout=settings.timeout_seconds
        )

    async def close(self) -> None:
        await self.rasa.close()

    async def run_once(self) -> RunReport:
        """One round: claim a batch, fire it (concurrently), record each outcome."""
        report = RunReport()
        claims = await self.queue.claim(
            self.owner,
            self.settings.batch_size,
            timedelta(seconds=self.settings.lease_seconds),
            self.settings.max_attempts,
        )
        report.claimed = len(claims)
        if claims:
            outcomes = await asyncio.gather(*(self._fire(claim) for claim in claims))
            for outcome, finished in outcomes:
                if finished.status is None:
                    report.lost += 1
                elif outcome == "already_delivered":
                    report.already_delivered += 1
                elif finished.status == "sent":
                    report.sent += 1
                elif finished.status == "scheduled":
                    report.retrying += 1
                else:
                    report.failed += 1
                report.created_next += finished.next_id is not None
        return report

    async def _fire(self, claim: Claim) -> tuple[str, Finished]:
        try:
            return await self._deliver(claim)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. the database went away mid-round
            # the reminder stays "firing" under this lease; once it expires, a scheduler
            # claims it again and reads the tracker before firing (nothing lost, nothing twice)
            log.warning(
                "reminder %s: outcome not recorded (%s); retried after the lease",
                claim.reminder_id,
                type(exc).__name__,
            )
            return "error", Finished(None)

    async def _deliver(self, claim: Claim) -> tuple[str, Finished]:
        rid = claim.reminder_id
        try:
            if claim.uncertain and await self.rasa.delivered(claim.conversation_id, rid):
                finished = await self.queue.mark_sent(rid, self.owner)
                log.info(
                    "reminder %s was already delivered (found in its conversation): %s",
                    rid,
                    finished.status or "lease lost",
                )
                return "already_delivered", finished
            if claim.check_only:
                raise DeliveryError(LEASE_EXPIRED)
            await self.rasa.trigger(claim.conversation_id, claim.entities())
        except DeliveryError as error:
            finished = await self.queue.mark_failed_attempt(
                rid, self.owner, error.kind, self.settings
            )
            if finished.status == "failed":
                log.error(
                    "reminder %s failed after %d attempts (last: %s)",
                    rid,
                    claim.attempt,
                    error.kind,
                )
            else:
                log.warning(
                    "reminder %s attempt %d failed (%s): %s",
                    rid,
                    claim.attempt,
                    error.kind,
                    finished.status or "lease lost",
                )
            return "error", finished
        finished = await self.queue.mark_sent(rid, self.owner)
        if finished.status is None:
            log.warning("reminder %s was fired but its lease was lost (cancelled meanwhile?)", rid)
        else:
            log.info(
                "reminder %s sent (attempt %d)%s",
                rid,
                claim.attempt,
                f"; next one {finished.next_id}" if finished.next_id else "",
            )
        return "sent", finished

    async def run(self, stop: Optional[asyncio.Event] = None) -> None:
        """Poll until ``stop`` is set (or the task is cancelled).  A database or network
        problem is logged (its class) and retried at the next poll; a full batch is followed
        by the next one at once."""
        stop = stop or asyncio.Event()
        log.info("reminder scheduler %s polling every %gs", self.owner, self.settings.poll_seconds)
        while not stop.is_set():
            full = False
            try:
                report = await self.run_once()
                full = report.claimed >= self.settings.batch_size
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must survive a database outage
                log.warning("reminder scheduler round failed: %s", type(exc).__name__)
            if full:
                continue
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_seconds)
            except asyncio.TimeoutError:
                pass


async def run_scheduler(
    url: str, settings: SchedulerSettings, stop: Optional[asyncio.Event] = None
) -> None:
    """``python -m bot.loans scheduler``: a scheduler with its own database engine."""
    db = Database(url, pool_size=2)
    scheduler = ReminderScheduler(db, settings)
    try:
        await scheduler.run(stop)
    finally:
        await scheduler.close()
        await db.dispose()
        log.info("reminder scheduler stopped")


__all__ = [
    "REMINDER_INTENT",
    "SchedulerSettings",
    "DeliveryError",
    "RasaConversations",
    "Claim",
    "ReminderQueue",
    "ReminderScheduler",
    "RunReport",
    "run_scheduler",
]
