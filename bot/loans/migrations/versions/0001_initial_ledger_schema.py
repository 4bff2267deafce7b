"""initial ledger schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "borrowers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_borrowers")),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_channel_identities_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint(
            "channel", "external_id", name="uq_channel_identities_channel_external"
        ),
    )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_identities_borrower_id"), ["borrower_id"], unique=False
        )

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_idempotency_records_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("borrower_id", "kind", "key", name="uq_idempotency_records_key"),
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("principal", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("rate_basis", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "rate_basis IN ('daily', 'annual')", name=op.f("ck_loans_rate_basis_known")
        ),
        sa.CheckConstraint("due_day BETWEEN 1 AND 31", name=op.f("ck_loans_due_day_in_month")),
        sa.CheckConstraint("principal > 0", name=op.f("ck_loans_principal_positive")),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_loans_rate_not_negative")),
        sa.CheckConstraint("term_months > 0", name=op.f("ck_loans_term_positive")),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_loans_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_borrower_id"), ["borrower_id"], unique=False)

    op.create_table(
        "installments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal_due", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("interest_due", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "principal_paid", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "interest_paid", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "penalty_paid", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "principal_due >= 0 AND interest_due >= 0",
            name=op.f("ck_installments_dues_not_negative"),
        ),
        sa.CheckConstraint(
            "principal_paid <= principal_due AND interest_paid <= interest_due",
            name=op.f("ck_installments_paid_within_due"),
        ),
        sa.CheckConstraint(
            "principal_paid >= 0 AND interest_paid >= 0 AND penalty_paid >= 0",
            name=op.f("ck_installments_paid_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
            name=op.f("fk_installments_loan_id_loans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installments")),
        sa.UniqueConstraint("loan_id", "period", name="uq_installments_loan_period"),
    )
    op.create_table(
        "relief_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("affordable_monthly", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('extension', 'restructuring', 'installment', 'other')",
            name=op.f("ck_relief_requests_kind_known"),
        ),
        sa.CheckConstraint(
            "affordable_monthly IS NULL OR affordable_monthly >= 0",
            name=op.f("ck_relief_requests_affordable_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_relief_requests_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
            name=op.f("fk_relief_requests_loan_id_loans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_relief_requests_reference")),
    )
    with op.batch_alter_table("relief_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relief_requests_borrower_id"), ["borrower_id"], unique=False
        )

    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled', 'sent')", name=op.f("ck_reminders_status_known")
        ),
        sa.CheckConstraint("days_before >= 0", name=op.f("ck_reminders_days_before_not_negative")),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_reminders_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_reminders_loan_id_loans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_borrower_id"), ["borrower_id"], unique=False)
        batch_op.create_index(
            "ix_reminders_status_remind_on", ["status", "remind_on"], unique=False
        )

    op.create_table(
        "repayments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("penalty_part", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("interest_part", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("principal_part", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_repayments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_repayments_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_repayments_loan_id_loans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayments")),
    )
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repayments_borrower_id"), ["borrower_id"], unique=False
        )
        batch_op.create_index("ix_repayments_loan_paid_on", ["loan_id", "paid_on"], unique=False)

    op.create_table(
        "repayment_allocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repayment_id", sa.String(length=32), nullable=False),
        sa.Column("installment_id", sa.Integer(), nullable=False),
        sa.Column("penalty", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("principal", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint(
            "penalty >= 0 AND interest >= 0 AND principal >= 0",
            name=op.f("ck_repayment_allocations_parts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["installments.id"],
            name=op.f("fk_repayment_allocations_installment_id_installments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repayment_id"],
            ["repayments.id"],
            name=op.f("fk_repayment_allocations_repayment_id_repayments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayment_allocations")),
    )
    with op.batch_alter_table("repayment_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repayment_allocations_installment_id"), ["installment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repayment_allocations_repayment_id"), ["repayment_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("repayment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repayment_allocations_repayment_id"))
        batch_op.drop_index(batch_op.f("ix_repayment_allocations_installment_id"))

    op.drop_table("repayment_allocations")
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.drop_index("ix_repayments_loan_paid_on")
        batch_op.drop_index(batch_op.f("ix_repayments_borrower_id"))

    op.drop_table("repayments")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_remind_on")
        batch_op.drop_index(batch_op.f("ix_reminders_borrower_id"))

    op.drop_table("reminders")
    with op.batch_alter_table("relief_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_requests_borrower_id"))

    op.drop_table("relief_requests")
    op.drop_table("installments")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_borrower_id"))

    op.drop_table("loans")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identities_borrower_id"))

    op.drop_table("channel_identities")
    op.drop_table("borrowers")
