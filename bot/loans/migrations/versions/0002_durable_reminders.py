"""durable reminders: due instant, conversation, delivery state, lease, next-month link

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

The reminders table gets what the ledger's reminder scheduler needs to deliver a reminder
itself instead of Rasa's in-memory scheduler:

* ``remind_at`` (the due instant, 09:00 ledger time on ``remind_on``) and ``next_attempt_at``
  (``remind_at``, later after a failed attempt), timezone-aware, kept in UTC;
* ``conversation_id`` (the Rasa sender id to deliver to; NULL for rows written before this
  revision, which the scheduler marks ``failed`` when they come due: nobody knows where to
  deliver them);
* ``status`` ``scheduled | firing | sent | cancelled | failed`` (old ``active`` rows become
  ``scheduled``), ``attempts``, ``last_error`` (an error class), ``sent_at``;
* the lease of the replica delivering it: ``locked_until``, ``lease_owner``;
* ``previous_id``, unique: next month's reminder names the one it follows, so it can exist
  only once.

Downgrade maps ``scheduled`` / ``firing`` back to ``active`` and ``failed`` to ``cancelled``
(0001 knows no other states) and drops the new columns.
"""

from datetime import datetime, time, timezone

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REMIND_AT = time(9, 0)
NEW_STATES = "status IN ('scheduled', 'firing', 'sent', 'cancelled', 'failed')"
OLD_STATES = "status IN ('active', 'cancelled', 'sent')"

reminders = sa.table(
    "reminders",
    sa.column("id", sa.String(32)),
    sa.column("remind_on", sa.Date()),
    sa.column("status", sa.String(16)),
    sa.column("cancelled_at", sa.DateTime(timezone=True)),
    sa.column("remind_at", sa.DateTime(timezone=True)),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
)


def _instant(value: datetime, dialect: str) -> datetime:
    """An aware instant as each backend stores it (naive UTC on SQLite, like UTCDateTime)."""
    value = value.astimezone(timezone.utc)
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def upgrade() -> None:
    from bot.loans.config import ledger_timezone

    bind = op.get_bind()
    dialect = bind.dialect.name
    zone = ledger_timezone()

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_status_known"), type_="check")
        batch_op.drop_index("ix_reminders_status_remind_on")
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("conversation_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("previous_id", sa.String(length=32), nullable=True))

    op.execute(reminders.update().where(reminders.c.status == "active").values(status="scheduled"))
    rows = bind.execute(sa.select(reminders.c.id, reminders.c.remind_on)).fetchall()
    for reminder_id, remind_on in rows:
        due = _instant(datetime.combine(remind_on, REMIND_AT, tzinfo=zone), dialect)
        bind.execute(
            reminders.update()
            .where(reminders.c.id == reminder_id)
            .values(remind_at=due, next_attempt_at=due)
        )

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.alter_column("remind_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column(
            "next_attempt_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_check_constraint(op.f("ck_reminders_status_known"), NEW_STATES)
        batch_op.create_check_constraint(
            op.f("ck_reminders_attempts_not_negative"), "attempts >= 0"
        )
        batch_op.create_unique_constraint("uq_reminders_previous_id", ["previous_id"])
        batch_op.create_index(
            "ix_reminders_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_reminders_status_locked_until", ["status", "locked_until"], unique=False
        )
        batch_op.create_index("ix_reminders_loan_id", ["loan_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    now = _instant(datetime.now(timezone.utc), bind.dialect.name)

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_loan_id")
        batch_op.drop_index("ix_reminders_status_locked_until")
        batch_op.drop_index("ix_reminders_status_next_attempt_at")
        batch_op.drop_constraint("uq_reminders_previous_id", type_="unique")
        batch_op.drop_constraint(op.f("ck_reminders_attempts_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_reminders_status_known"), type_="check")

    op.execute(
        reminders.update()
        .where(reminders.c.status.in_(["scheduled", "firing"]))
        .values(status="active")
    )
    op.execute(
        reminders.update()
        .where(reminders.c.status == "failed")
        .values(status="cancelled", cancelled_at=sa.func.coalesce(reminders.c.cancelled_at, now))
    )

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("previous_id")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("conversation_id")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("remind_at")
        batch_op.create_check_constraint(op.f("ck_reminders_status_known"), OLD_STATES)
        batch_op.create_index(
            "ix_reminders_status_remind_on", ["status", "remind_on"], unique=False
        )
