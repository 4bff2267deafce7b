"""Tables of the loan ledger (SQLAlchemy 1.4, 2.0 style).

Money is ``NUMERIC(12, 2)`` and comes back as :class:`decimal.Decimal`; rates are
``NUMERIC(12, 8)``.  No float anywhere.  Figures that depend on a date (interest due,
overdue days, penalty) are not stored: :mod:`bot.loans.ledger` computes them with
:mod:`bot.finance` from the schedule and the dated repayment allocations, so that any
``as_of`` date gives reproducible figures.
"""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import declarative_base, relationship

# Stable constraint names, so that Alembic migrations are the same on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def Money(**kwargs) -> Column:  # noqa: N802 - reads like a type in the tables below
    """A NUMERIC(12,2) column returning Decimal."""
    kwargs.setdefault("nullable", False)
    return Column(Numeric(12, 2, asdecimal=True), **kwargs)


def Rate(**kwargs) -> Column:  # noqa: N802
    kwargs.setdefault("nullable", False)
    return Column(Numeric(12, 8, asdecimal=True), **kwargs)


CREATED_AT = dict(nullable=False, server_default=func.current_timestamp())


class Borrower(Base):
    __tablename__ = "borrowers"

    id = Column(String(64), primary_key=True)
    display_name = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), **CREATED_AT)

    identities = relationship("ChannelIdentity", back_populates="borrower")
    loans = relationship("Loan", back_populates="borrower", order_by="Loan.start_date")


class ChannelIdentity(Base):
    """Maps a user on a channel (a WeChat openid, a widget login, a shell user) to a borrower."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_channel_identities_channel_external"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(32), nullable=False)
    external_id = Column(String(128), nullable=False)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(DateTime(timezone=True), **CREATED_AT)

    borrower = relationship("Borrower", back_populates="identities")


class Loan(Base):
    """One loan contract.  ``rate`` is the contract rate as quoted, per ``rate_basis``
    (``"daily"`` like 借呗's 0.04 %/day, or ``"annual"``); the other form is derived with
    :mod:`bot.finance.rates` and the policy's day count, never stored twice."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
        CheckConstraint("rate_basis IN ('daily', 'annual')", name="rate_basis_known"),
        CheckConstraint("term_months > 0", name="term_positive"),
        CheckConstraint("due_day BETWEEN 1 AND 31", name="due_day_in_month"),
    )

    id = Column(String(64), primary_key=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product = Column(String(32), nullable=False)
    principal = Money()
    rate = Rate()
    rate_basis = Column(String(8), nullable=False)
    method = Column(String(32), nullable=False)
    term_months = Column(Integer, nullable=False)
    start_date = Column(Date, nullable=False)
    due_day = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), **CREATED_AT)

    borrower = relationship("Borrower", back_populates="loans")
    installments = relationship("Installment", back_populates="loan", order_by="Installment.period")


class Installment(Base):
    """One period of the repayment schedule, with what has been paid against it so far.

    The ``*_paid`` columns are running totals kept by the ledger for the current state;
    figures as of an earlier date are computed from the dated allocation lines."""

    __tablename__ = "installments"
    __table_args__ = (
        UniqueConstraint("loan_id", "period", name="uq_installments_loan_period"),
        CheckConstraint("principal_due >= 0 AND interest_due >= 0", name="dues_not_negative"),
        CheckConstraint(
            "principal_paid >= 0 AND interest_paid >= 0 AND penalty_paid >= 0",
            name="paid_not_negative",
        ),
        CheckConstraint(
            "principal_paid <= principal_due AND interest_paid <= interest_due",
            name="paid_within_due",
        ),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    loan_id = Column(String(64), ForeignKey("loans.id", ondelete="CASCADE"), nullable=False)
    period = Column(Integer, nullable=False)
    due_date = Column(Date, nullable=False)
    principal_due = Money()
    interest_due = Money()
    principal_paid = Money(default=0, server_default="0")
    interest_paid = Money(default=0, server_default="0")
    penalty_paid = Money(default=0, server_default="0")
    settled_on = Column(Date, nullable=True)

    loan = relationship("Loan", back_populates="installments")


class Repayment(Base):
    """Money received for one loan on one day, split penalty -> interest -> principal."""

    __tablename__ = "repayments"
    __table_args__ = (
        # (amount == sum of the parts is checked in Python: SQLite compares NUMERIC as REAL)
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_repayments_loan_paid_on", "loan_id", "paid_on"),
    )

    id = Column(String(32), primary_key=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    loan_id = Column(String(64), ForeignKey("loans.id", ondelete="CASCADE"), nullable=False)
    paid_on = Column(Date, nullable=False)
    amount = Money()
    penalty_part = Money()
    interest_part = Money()
    principal_part = Money()
    channel = Column(String(32), nullable=True)
    created_at = Column(DateTime(timezone=True), **CREATED_AT)

    allocations = relationship("RepaymentAllocation", back_populates="repayment")


class RepaymentAllocation(Base):
    """The part of a repayment that went to one installment."""

    __tablename__ = "repayment_allocations"
    __table_args__ = (
        CheckConstraint(
            "penalty >= 0 AND interest >= 0 AND principal >= 0", name="parts_not_negative"
        ),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    repayment_id = Column(
        String(32), ForeignKey("repayments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    installment_id = Column(
        Integer, ForeignKey("installments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    penalty = Money()
    interest = Money()
    principal = Money()

    repayment = relationship("Repayment", back_populates="allocations")


class ReliefRequest(Base):
    """An extension / restructuring request made in the chat, for a person to review."""

    __tablename__ = "relief_requests"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('extension', 'restructuring', 'installment', 'other')", name="kind_known"
        ),
        CheckConstraint(
            "affordable_monthly IS NULL OR affordable_monthly >= 0", name="affordable_not_negative"
        ),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(32), nullable=False, unique=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    loan_id = Column(String(64), ForeignKey("loans.id", ondelete="CASCADE"), nullable=True)
    kind = Column(String(16), nullable=False)
    reason = Column(Text, nullable=False, default="")
    affordable_monthly = Column(Numeric(12, 2, asdecimal=True), nullable=True)
    status = Column(String(16), nullable=False, default="received")
    channel = Column(String(32), nullable=True)
    requested_on = Column(Date, nullable=False)
    created_at = Column(DateTime(timezone=True), **CREATED_AT)


REMINDER_STATES = ("scheduled", "firing", "sent", "cancelled", "failed")
#: states in which a reminder may still reach the borrower (``status=active`` in the API)
PENDING_REMINDER_STATES = ("scheduled", "firing")


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC on every backend.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so the value is stored
    as a naive UTC string (one format, so ``<=`` in SQL compares instants).  Naive datetimes
    are refused: a reminder's due time is never ambiguous."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Reminder(Base):
    """A repayment reminder the borrower asked for (``set_repayment_reminder``), and its
    delivery: the ledger's reminder scheduler (:mod:`bot.loans.reminder_scheduler`) fires it
    into the conversation ``conversation_id`` at ``remind_at`` through Rasa's HTTP API.

    ``status``: ``scheduled`` (waiting for ``next_attempt_at``) → ``firing`` (claimed by
    ``lease_owner`` until ``locked_until``) → ``sent`` | ``failed`` (after the last attempt);
    ``cancelled`` by the borrower at any time before it is sent.  ``previous_id`` is the
    reminder this one follows (next month's, created once when the previous one finished:
    the unique constraint makes a second copy impossible)."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("days_before >= 0", name="days_before_not_negative"),
        CheckConstraint(
            "status IN ('scheduled', 'firing', 'sent', 'cancelled', 'failed')",
            name="status_known",
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        UniqueConstraint("previous_id", name="uq_reminders_previous_id"),
        Index("ix_reminders_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_reminders_status_locked_until", "status", "locked_until"),
        Index("ix_reminders_loan_id", "loan_id"),
    )

    id = Column(String(32), primary_key=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    loan_id = Column(String(64), ForeignKey("loans.id", ondelete="CASCADE"), nullable=True)
    remind_on = Column(Date, nullable=False)
    days_before = Column(Integer, nullable=False, default=0)
    channel = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="scheduled")
    created_at = Column(DateTime(timezone=True), **CREATED_AT)
    cancelled_at = Column(DateTime(timezone=True), nullable=True)
    # -- delivery (revision 0002) -----------------------------------------------------------
    remind_at = Column(UTCDateTime(), nullable=False)  # due instant (09:00 ledger time)
    next_attempt_at = Column(UTCDateTime(), nullable=False)  # remind_at, later after a failure
    conversation_id = Column(String(255), nullable=True)  # Rasa sender id; None: legacy row
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(String(64), nullable=True)  # an error class, never a message
    sent_at = Column(UTCDateTime(), nullable=True)
    locked_until = Column(UTCDateTime(), nullable=True)
    lease_owner = Column(String(64), nullable=True)
    previous_id = Column(String(32), nullable=True)


class IdempotencyRecord(Base):
    """One ``Idempotency-Key`` per borrower and kind of write, with the response it got.

    The unique constraint is what makes a retry -- or 50 concurrent copies of the same
    request -- apply once: the first transaction to insert the key wins, the others
    replay its stored response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("borrower_id", "kind", "key", name="uq_idempotency_records_key"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    borrower_id = Column(String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(32), nullable=False)
    key = Column(String(128), nullable=False)
    request_hash = Column(String(64), nullable=False)
    response_status = Column(Integer, nullable=True)
    response_body = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), **CREATED_AT)
