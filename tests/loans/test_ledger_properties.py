"""Properties of the pure ledger (no database): whatever sequence of repayments a borrower
makes, every fen is allocated, nothing goes negative, and what is owed drops by exactly the
amount paid."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.loans import ledger
from bot.policy import load_policy

POLICY = load_policy()
START = date(2026, 1, 31)

TERMS = [
    ledger.LoanTerms(
        "jb",
        "借呗",
        Decimal("10000.00"),
        Decimal("0.0004"),
        "daily",
        "equal_installment",
        6,
        START,
        31,
    ),
    ledger.LoanTerms(
        "cc",
        "信用卡",
        Decimal("7000.00"),
        Decimal("0.1656"),
        "annual",
        "equal_principal",
        4,
        START,
        15,
    ),
    ledger.LoanTerms(
        "if", "借呗", Decimal("5000.00"), Decimal("0.0005"), "daily", "interest_first", 3, START, 5
    ),
]


def test_due_dates_clamp_to_month_end():
    assert [ledger.due_date_for(START, 31, k) for k in (1, 2, 3)] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert ledger.due_date_for(date(2026, 11, 20), 20, 2) == date(2027, 1, 20)


def owed(status: ledger.LoanStatus) -> Decimal:
    """Everything still owed on the loan: all unpaid principal and interest plus penalty."""
    return sum((row.owed for row in status.installments), Decimal("0"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loan=st.sampled_from(TERMS),
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=45), st.integers(min_value=1, max_value=100)),
        min_size=1,
        max_size=12,
    ),
)
def test_repayments_always_balance(loan, steps):
    schedule = [
        ledger.ScheduledInstallment(
            i + 1, item.period, item.due_date, item.principal_due, item.interest_due
        )
        for i, item in enumerate(ledger.build_schedule(loan, POLICY.day_count))
    ]
    payments: dict[int, list] = defaultdict(list)
    day = START
    paid_total = Decimal("0")
    for gap, percent in steps:
        day += timedelta(days=gap)
        before = ledger.loan_status(loan, schedule, payments, day, POLICY)
        if before.amount_due == 0:
            continue
        amount = max(Decimal("0.01"), (before.amount_due * percent / 100).quantize(Decimal("0.01")))
        amount = min(amount, before.amount_due)
        lines = ledger.allocate(loan, schedule, payments, day, amount, POLICY)
        assert sum(line.total for line in lines) == amount
        assert all(min(line.penalty, line.interest, line.principal) >= 0 for line in lines)
        for line in lines:
            payments[line.installment_id].append(
                ledger.Payment(day, line.penalty, line.interest, line.principal)
            )
        paid_total += amount
        after = ledger.loan_status(loan, schedule, payments, day, POLICY)
        assert owed(after) == owed(before) - amount
        assert (
            after.amount_due == before.amount_due - amount
            or after.next_due_date != before.next_due_date
        )
        for row in after.installments:
            assert row.unpaid_principal >= 0 and row.unpaid_interest >= 0
            assert row.penalty_outstanding >= 0
        # the running figures agree with the allocation lines
        assert loan.principal - after.outstanding_principal == sum(
            p.principal for lines_ in payments.values() for p in lines_
        )
        # where the schedule stands: scheduled interest is paid or left, never both or lost
        assert after.interest_paid + after.interest_left == sum(
            item.interest_due for item in schedule
        )
        assert after.interest_paid == sum(
            p.interest for lines_ in payments.values() for p in lines_
        )
        assert 0 <= after.periods_overdue <= after.periods_left <= loan.term_months
        if after.settled:
            assert after.periods_left == 0 and after.interest_left == 0
        if after.outstanding_principal > 0:
            assert after.periods_left > 0
            assert after.next_due_date is None or after.last_due_date >= after.next_due_date
    # penalty is never charged twice: what was paid equals what the lines say
    assert paid_total == sum(
        p.penalty + p.interest + p.principal for lines_ in payments.values() for p in lines_
    )


def test_paying_inside_the_grace_days_waives_the_penalty():
    loan = TERMS[0]
    schedule = [
        ledger.ScheduledInstallment(
            i + 1, item.period, item.due_date, item.principal_due, item.interest_due
        )
        for i, item in enumerate(ledger.build_schedule(loan, POLICY.day_count))
    ]
    first = schedule[0]
    in_grace = first.due_date + timedelta(days=POLICY.grace_days)
    status = ledger.loan_status(loan, schedule, {}, in_grace, POLICY)
    assert status.overdue_days == POLICY.grace_days
    assert status.penalty_accrued == 0 and status.penalty_provisional > 0
    lines = ledger.allocate(
        loan, schedule, {}, in_grace, first.principal_due + first.interest_due, POLICY
    )
    assert [(line.period, line.penalty) for line in lines] == [(1, Decimal("0.00"))]
    paid = {1: [ledger.Payment(in_grace, lines[0].penalty, lines[0].interest, lines[0].principal)]}
    later = ledger.loan_status(loan, schedule, paid, in_grace + timedelta(days=10), POLICY)
    assert later.overdue_days == 0 and later.penalty_accrued == 0


@pytest.mark.parametrize(
    "basis, rate, annual, daily",
    [
        ("daily", Decimal("0.0004"), Decimal("0.144"), Decimal("0.0004")),
        ("annual", Decimal("0.18"), Decimal("0.18"), Decimal("0.0005")),
    ],
)
def test_rates_both_ways(basis, rate, annual, daily):
    terms = ledger.LoanTerms("x", "借呗", Decimal("1000"), rate, basis, "bullet", 1, START, 1)
    assert ledger.loan_rates(terms, 360) == (annual, daily)
