"""Units of work of the loan service: each public method is one transaction.

Reads run in plain transactions.  Writes that carry an ``Idempotency-Key`` go through
:meth:`LoanStore._idempotent`: the key is inserted first (unique per borrower and kind), the
work runs in the same transaction, and the response is stored with the key.  A retry, or a
concurrent copy that loses the race on the unique constraint, replays the stored response
instead of applying the write again.  Repayments lock the loan row (``FOR UPDATE`` on
PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so concurrent repayments
with different keys are applied one after the other on fresh figures and none is lost.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Awaitable, Callable, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.finance.money import money_str
from bot.loans import config, errors, ledger
from bot.loans.db import Database
from bot.loans.models import (
    PENDING_REMINDER_STATES,
    Borrower,
    ChannelIdentity,
    IdempotencyRecord,
    Installment,
    Loan,
    ReliefRequest,
    Reminder,
    Repayment,
    RepaymentAllocation,
)

ZERO = Decimal("0.00")
Work = Callable[[AsyncSession], Awaitable[tuple[int, dict]]]
Clock = Callable[[], datetime]
REMIND_AT = time(9, 0)  # a reminder is due at 09:00 ledger time on its day


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def reminder_due_at(remind_on: date, zone: tzinfo) -> datetime:
    """The due instant of a reminder for ``remind_on``: 09:00 in the ledger's time zone."""
    return datetime.combine(remind_on, REMIND_AT, tzinfo=zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class WriteResult:
    status: int
    body: dict
    replayed: bool = False


def new_id(prefix: str, nbytes: int = 6) -> str:
    return f"{prefix}-{secrets.token_hex(nbytes)}"


def terms_of(loan: Loan) -> ledger.LoanTerms:
    return ledger.LoanTerms(
        loan_id=loan.id,
        product=loan.product,
        principal=loan.principal,
        rate=loan.rate,
        rate_basis=loan.rate_basis,
        method=loan.method,
        term_months=loan.term_months,
        start_date=loan.start_date,
        due_day=loan.due_day,
    )


def scheduled(item: Installment) -> ledger.ScheduledInstallment:
    return ledger.ScheduledInstallment(
        installment_id=item.id,
        period=item.period,
        due_date=item.due_date,
        principal_due=item.principal_due,
        interest_due=item.interest_due,
    )


class LoanStore:
    def __init__(
        self,
        db: Database,
        policy: ledger.PolicyLike,
        *,
        zone: Optional[tzinfo] = None,
        clock: Clock = utc_now,
        reminder_test_delay: Optional[float] = None,
    ):
        """``zone`` is the ledger's time zone (reminders are due at 09:00 there), ``clock``
        the current instant; ``reminder_test_delay`` (seconds, tests and development only:
        :func:`bot.loans.config.reminder_test_delay`) makes a new reminder due that long after
        its creation unless the request names ``remind_at``."""
        self.db = db
        self.policy = policy
        self.zone = zone or config.ledger_timezone()
        self.clock = clock
        self.reminder_test_delay = reminder_test_delay

    # -- reads ------------------------------------------------------------------------------

    async def resolve_identity(self, channel: str, external_id: str) -> dict:
        async with self.db.read_session() as session:
            row = (
                await session.execute(
                    select(ChannelIdentity.borrower_id, Borrower.display_name)
                    .join(Borrower, Borrower.id == ChannelIdentity.borrower_id)
                    .where(
                        ChannelIdentity.channel == channel,
                        ChannelIdentity.external_id == external_id,
                    )
                )
            ).first()
        if row is None:
            raise errors.identity_not_found()
        return {
            "channel": channel,
            "external_id": external_id,
            "borrower_id": row[0],
            "display_name": row[1],
        }

    async def overview(
        self, borrower_id: str, as_of: date, *, with_installments: bool = False
    ) -> dict:
        async with self.db.read_session() as session:
            borrower = await self._borrower(session, borrower_id)
            statuses = await self._statuses(session, borrower_id, as_of)
        return {
            "borrower_id": borrower.id,
            "display_name": borrower.display_name,
            "as_of": as_of.isoformat(),
            "loans": [s.to_json(with_installments=with_installments) for s in statuses],
            "totals": ledger.totals(statuses),
        }

    async def preview_repayment(
        self, borrower_id: str, loan_id: str, amount: Decimal, paid_on: date, horizon: date
    ) -> dict:
        """What repaying ``amount`` on ``paid_on`` would do to one loan, booked nowhere
        (:func:`bot.loans.ledger.preview_repayment`); the amount above what is due is capped."""
        async with self.db.read_session() as session:
            await self._borrower(session, borrower_id)
            loan = await self._loan(session, borrower_id, loan_id)
            items = await self._installments(session, loan.id)
            payments, _ = await self._payments(session, [loan.id], paid_on)
            terms, schedule_rows = terms_of(loan), [scheduled(i) for i in items]
        try:
            preview = ledger.preview_repayment(
                terms, schedule_rows, payments, paid_on, amount, self.policy, horizon
            )
        except ValueError:
            raise errors.LedgerError(
                "nothing_due",
                "这笔借款目前没有需要还的金额。",
                "Nothing is due on this loan.",
                details={"loan_id": loan.id},
            ) from None
        return {"borrower_id": borrower_id, "preview": preview.to_json()}

    async def list_reminders(self, borrower_id: str, status: Optional[str] = None) -> dict:
        """The borrower's reminders; ``status`` filters (``active``: scheduled or firing)."""
        async with self.db.read_session() as session:
            await self._borrower(session, borrower_id)
            query = select(Reminder).where(Reminder.borrower_id == borrower_id)
            if status == "active":
                query = query.where(Reminder.status.in_(PENDING_REMINDER_STATES))
            elif status:
                query = query.where(Reminder.status == status)
            rows = (await session.scalars(query.order_by(Reminder.remind_on, Reminder.id))).all()
        return {
            "borrower_id": borrower_id,
            "reminders": [reminder_json(r, self.zone) for r in rows],
        }

    async def list_relief_requests(self, borrower_id: str) -> dict:
        """The borrower's relief requests, newest first."""
        async with self.db.read_session() as session:
            await self._borrower(session, borrower_id)
            rows = (
                await session.scalars(
                    select(ReliefRequest)
                    .where(ReliefRequest.borrower_id == borrower_id)
                    .order_by(ReliefRequest.requested_on.desc(), ReliefRequest.id.desc())
                )
            ).all()
        return {"borrower_id": borrower_id, "relief_requests": [relief_json(r) for r in rows]}

    async def get_reminder(self, borrower_id: str, reminder_id: str) -> dict:
        async with self.db.read_session() as session:
            await self._borrower(session, borrower_id)
            row = await self._reminder(session, borrower_id, reminder_id)
        return {"reminder": reminder_json(row, self.zone)}

    async def reminder_delivery(self, reminder_id: str) -> dict:
        """Whose reminder this is and which conversation it is delivered to: how a reminder's
        turn finds its borrower (the reminder was created by a verified borrower in that
        conversation; only the ledger's own callers, with its token, can ask)."""
        async with self.db.read_session() as session:
            row = await session.scalar(select(Reminder).where(Reminder.id == reminder_id))
        if row is None:
            raise errors.reminder_not_found(reminder_id)
        return {"borrower_id": row.borrower_id, "reminder": reminder_json(row, self.zone)}

    async def ping(self) -> None:
        async with self.db.read_session() as session:
            await session.execute(select(1))

    # -- writes -----------------------------------------------------------------------------

    async def record_repayment(
        self, borrower_id: str, key: str, request_hash: str, request: dict, paid_on: date
    ) -> WriteResult:
        async def work(session: AsyncSession) -> tuple[int, dict]:
            body = await self.apply_repayment(
                session,
                borrower_id,
                request["loan_id"],
                request["amount"],
                paid_on,
                channel=request.get("channel"),
            )
            return 201, body

        return await self._idempotent(borrower_id, "repayment", key, request_hash, work)

    async def create_relief_request(
        self, borrower_id: str, key: str, request_hash: str, request: dict, today: date
    ) -> WriteResult:
        async def work(session: AsyncSession) -> tuple[int, dict]:
            if request["loan_id"] is not None:
                await self._loan(session, borrower_id, request["loan_id"])
            row = ReliefRequest(
                reference=f"RR{today:%Y%m%d}{secrets.token_hex(3).upper()}",
                borrower_id=borrower_id,
                loan_id=request["loan_id"],
                kind=request["kind"],
                reason=request["reason"],
                affordable_monthly=request["affordable_monthly"],
                status="received",
                channel=request["channel"],
                requested_on=today,
            )
            session.add(row)
            await session.flush()
            return 201, {"relief_request": relief_json(row)}

        return await self._idempotent(borrower_id, "relief_request", key, request_hash, work)

    async def create_reminder(
        self, borrower_id: str, key: str, request_hash: str, request: dict, today: date
    ) -> WriteResult:
        async def work(session: AsyncSession) -> tuple[int, dict]:
            if request["loan_id"] is not None:
                await self._loan(session, borrower_id, request["loan_id"])
            if request["remind_on"] < today:
                raise errors.invalid_field(
                    "remind_on",
                    "提醒日期已经过去了，请选一个今天或以后的日子。",
                    "remind_on is in the past.",
                )
            due = request.get("remind_at")
            if due is None and self.reminder_test_delay is not None:
                due = self.clock() + timedelta(seconds=self.reminder_test_delay)
            if due is None:
                due = reminder_due_at(request["remind_on"], self.zone)
            row = Reminder(
                id=new_id("rm"),
                borrower_id=borrower_id,
                loan_id=request["loan_id"],
                remind_on=request["remind_on"],
                days_before=request["days_before"],
                channel=request["channel"],
                conversation_id=request["conversation_id"],
                status="scheduled",
                remind_at=due,
                next_attempt_at=due,
                attempts=0,
            )
            session.add(row)
            await session.flush()
            return 201, {"reminder": reminder_json(row, self.zone)}

        return await self._idempotent(borrower_id, "reminder", key, request_hash, work)

    async def cancel_reminder(self, borrower_id: str, reminder_id: str) -> dict:
        """Cancel a reminder that is not sent yet (scheduled, or firing: then the delivery in
        flight may still arrive, but nothing follows it); cancelling again, or a sent or failed
        reminder, is harmless and answers its current state."""
        async with self.db.write_session() as session:
            async with session.begin():
                await self._borrower(session, borrower_id)
                row = await self._reminder(session, borrower_id, reminder_id, lock=True)
                if row.status in PENDING_REMINDER_STATES:
                    row.status = "cancelled"
                    row.cancelled_at = self.clock()
                body = {"reminder": reminder_json(row, self.zone)}
        return body

    async def apply_repayment(
        self,
        session: AsyncSession,
        borrower_id: str,
        loan_id: str,
        amount: Decimal,
        paid_on: date,
        *,
        channel: Optional[str] = None,
    ) -> dict:
        """Record a repayment inside the caller's write transaction (the seed uses it too)."""
        loan = await self._loan(session, borrower_id, loan_id, lock=True)
        items = await self._installments(session, loan.id)
        payments, last_paid_on = await self._payments(session, [loan.id])
        if last_paid_on.get(loan.id) and last_paid_on[loan.id] > paid_on:
            raise errors.LedgerError(
                "repayment_date_out_of_order",
                "还款日期早于已入账的还款。",
                "A later repayment is already recorded for this loan.",
            )
        terms = terms_of(loan)
        schedule_rows = [scheduled(i) for i in items]
        before = ledger.loan_status(terms, schedule_rows, payments, paid_on, self.policy)
        if before.amount_due == 0:
            raise errors.LedgerError(
                "nothing_due",
                "这笔借款目前没有需要还的金额。",
                "Nothing is due on this loan.",
                details={"loan_id": loan.id},
            )
        if amount > before.amount_due:
            raise errors.LedgerError(
                "amount_exceeds_due",
                f"这次最多可以还 {money_str(before.amount_due)} 元（已逾期部分、罚息和本期应还）；"
                "提前结清请在App里办理。",
                f"At most {money_str(before.amount_due)} can be repaid now; early settlement "
                "goes through the lender's app.",
                details={"loan_id": loan.id, "max_amount": money_str(before.amount_due)},
            )
        lines = ledger.allocate(terms, schedule_rows, payments, paid_on, amount, self.policy)
        repayment = Repayment(
            id=new_id("rp"),
            borrower_id=borrower_id,
            loan_id=loan.id,
            paid_on=paid_on,
            amount=amount,
            penalty_part=sum((line.penalty for line in lines), ZERO),
            interest_part=sum((line.interest for line in lines), ZERO),
            principal_part=sum((line.principal for line in lines), ZERO),
            channel=channel,
        )
        assert repayment.penalty_part + repayment.interest_part + repayment.principal_part == amount
        session.add(repayment)
        by_id = {i.id: i for i in items}
        for line in lines:
            session.add(
                RepaymentAllocation(
                    repayment_id=repayment.id,
                    installment_id=line.installment_id,
                    penalty=line.penalty,
                    interest=line.interest,
                    principal=line.principal,
                )
            )
            item = by_id[line.installment_id]
            item.penalty_paid = item.penalty_paid + line.penalty
            item.interest_paid = item.interest_paid + line.interest
            item.principal_paid = item.principal_paid + line.principal
            payments.setdefault(item.id, []).append(
                ledger.Payment(paid_on, line.penalty, line.interest, line.principal)
            )
        after = ledger.loan_status(terms, schedule_rows, payments, paid_on, self.policy)
        for row in after.installments:
            item = by_id[row.installment_id]
            if row.owed == 0 and row.penalty_provisional == 0 and item.settled_on is None:
                item.settled_on = paid_on
        await session.flush()
        return {
            "repayment": {
                "repayment_id": repayment.id,
                "loan_id": loan.id,
                "paid_on": paid_on.isoformat(),
                "amount": money_str(amount),
                "penalty": money_str(repayment.penalty_part),
                "interest": money_str(repayment.interest_part),
                "principal": money_str(repayment.principal_part),
                "allocations": [
                    {
                        "period": line.period,
                        "penalty": money_str(line.penalty),
                        "interest": money_str(line.interest),
                        "principal": money_str(line.principal),
                    }
                    for line in lines
                ],
            },
            "loan": after.to_json(),
        }

    # -- helpers ----------------------------------------------------------------------------

    async def _borrower(self, session: AsyncSession, borrower_id: str) -> Borrower:
        borrower = await session.get(Borrower, borrower_id)
        if borrower is None:
            raise errors.borrower_not_found(borrower_id)
        return borrower

    async def _loan(
        self, session: AsyncSession, borrower_id: str, loan_id: str, *, lock: bool = False
    ) -> Loan:
        query = select(Loan).where(Loan.id == loan_id, Loan.borrower_id == borrower_id)
        if lock and self.db.locks_rows:
            query = query.with_for_update()
        loan = await session.scalar(query)
        if loan is None:
            raise errors.unknown_loan(loan_id)
        return loan

    async def _installments(self, session: AsyncSession, loan_id: str) -> list[Installment]:
        """One loan's installment rows, by period."""
        query = select(Installment).where(Installment.loan_id == loan_id)
        return list((await session.scalars(query.order_by(Installment.period))).all())

    async def _reminder(
        self, session: AsyncSession, borrower_id: str, reminder_id: str, *, lock: bool = False
    ) -> Reminder:
        query = select(Reminder).where(
            Reminder.id == reminder_id, Reminder.borrower_id == borrower_id
        )
        if lock and self.db.locks_rows:
            query = query.with_for_update()
        row = await session.scalar(query)
        if row is None:
            raise errors.reminder_not_found(reminder_id)
        return row

    async def _payments(
        self, session: AsyncSession, loan_ids: list[str], as_of: Optional[date] = None
    ):
        """Allocation lines by installment id, and the last repayment date by loan id."""
        query = (
            select(
                RepaymentAllocation.installment_id,
                Repayment.loan_id,
                Repayment.paid_on,
                RepaymentAllocation.penalty,
                RepaymentAllocation.interest,
                RepaymentAllocation.principal,
            )
            .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
            .where(Repayment.loan_id.in_(loan_ids))
        )
        if as_of is not None:
            query = query.where(Repayment.paid_on <= as_of)
        payments: dict[int, list[ledger.Payment]] = defaultdict(list)
        last: dict[str, date] = {}
        for inst_id, loan_id, paid_on, penalty, interest, principal in await session.execute(query):
            payments[inst_id].append(ledger.Payment(paid_on, penalty, interest, principal))
            if loan_id not in last or paid_on > last[loan_id]:
                last[loan_id] = paid_on
        return payments, last

    async def _statuses(
        self, session: AsyncSession, borrower_id: str, as_of: date
    ) -> list[ledger.LoanStatus]:
        loans = (
            await session.scalars(
                select(Loan)
                .where(Loan.borrower_id == borrower_id)
                .order_by(Loan.start_date, Loan.id)
            )
        ).all()
        if not loans:
            return []
        ids = [loan.id for loan in loans]
        schedule: dict[str, list] = defaultdict(list)
        for item in await session.scalars(
            select(Installment).where(Installment.loan_id.in_(ids)).order_by(Installment.period)
        ):
            schedule[item.loan_id].append(scheduled(item))
        payments, _ = await self._payments(session, ids, as_of)
        return [
            ledger.loan_status(terms_of(loan), schedule[loan.id], payments, as_of, self.policy)
            for loan in loans
        ]

    async def _idempotent(
        self, borrower_id: str, kind: str, key: str, request_hash: str, work: Work
    ) -> WriteResult:
        for _attempt in range(3):
            try:
                async with self.db.write_session() as session:
                    async with session.begin():
                        stored = await self._stored(session, borrower_id, kind, key)
                        if stored is not None:
                            return self._replay(stored, request_hash)
                        await self._borrower(session, borrower_id)
                        record = IdempotencyRecord(
                            borrower_id=borrower_id,
                            kind=kind,
                            key=key,
                            request_hash=request_hash,
                        )
                        session.add(record)
                        # On PostgreSQL a concurrent insert of the same key waits here for the
                        # other transaction and then fails with IntegrityError.
                        await session.flush()
                        status, body = await work(session)
                        record.response_status = status
                        record.response_body = json.dumps(body, ensure_ascii=False)
                return WriteResult(status, body)
            except IntegrityError:
                async with self.db.read_session() as session:
                    stored = await self._stored(session, borrower_id, kind, key)
                if stored is None:
                    raise  # not a duplicate key: a real integrity problem
                if stored.response_status is not None:
                    return self._replay(stored, request_hash)
        raise errors.ConflictError(
            "idempotency_conflict",
            "同一个请求正在处理中，请稍后再试。",
            "A request with this Idempotency-Key is still being processed; retry later.",
        )

    @staticmethod
    async def _stored(
        session: AsyncSession, borrower_id: str, kind: str, key: str
    ) -> Optional[IdempotencyRecord]:
        return await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.borrower_id == borrower_id,
                IdempotencyRecord.kind == kind,
                IdempotencyRecord.key == key,
            )
        )

    @staticmethod
    def _replay(stored: IdempotencyRecord, request_hash: str) -> WriteResult:
        if stored.request_hash != request_hash:
            raise errors.ConflictError(
                "idempotency_key_reused",
                "这个请求编号已经用于另一笔不同的操作，请换一个新的编号。",
                "This Idempotency-Key was already used with a different request body.",
            )
        return WriteResult(stored.response_status, json.loads(stored.response_body), True)


def relief_json(row: ReliefRequest) -> dict:
    return {
        "reference": row.reference,
        "kind": row.kind,
        "status": row.status,
        "loan_id": row.loan_id,
        "reason": row.reason,
        "affordable_monthly": None
        if row.affordable_monthly is None
        else money_str(row.affordable_monthly),
        "channel": row.channel,
        "requested_on": row.requested_on.isoformat(),
    }


def _instant(value: Optional[datetime], zone: tzinfo) -> Optional[str]:
    return None if value is None else value.astimezone(zone).isoformat()


def reminder_json(row: Reminder, zone: tzinfo) -> dict:
    """A reminder as the API shows it (instants in the ledger's time zone; the lease is
    the scheduler's business and stays inside)."""
    return {
        "reminder_id": row.id,
        "loan_id": row.loan_id,
        "remind_on": row.remind_on.isoformat(),
        "remind_at": _instant(row.remind_at, zone),
        "days_before": row.days_before,
        "channel": row.channel,
        "conversation_id": row.conversation_id,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "sent_at": _instant(row.sent_at, zone),
        "previous_id": row.previous_id,
    }
