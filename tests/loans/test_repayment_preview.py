"""What a repayment would do, worked out without booking it (ledger.preview_repayment): the
split is the booking's, the penalty per day falls with the overdue principal, and the penalty
saved by a later day is the difference of two day-by-day walks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.loans import ledger
from bot.policy import load_policy

POLICY = load_policy()
START = date(2026, 1, 31)
TERMS = ledger.LoanTerms(
    "jb", "借呗", Decimal("10000.00"), Decimal("0.0004"), "daily", "equal_installment", 6, START, 31
)


def schedule():
    return [
        ledger.ScheduledInstallment(
            i + 1, item.period, item.due_date, item.principal_due, item.interest_due
        )
        for i, item in enumerate(ledger.build_schedule(TERMS, POLICY.day_count))
    ]


ITEMS = schedule()
# 40 days after the first due date: the first installment is overdue (past the grace days)
TODAY = ITEMS[0].due_date + timedelta(days=40)


def test_split_is_the_bookings_and_nothing_is_booked():
    payments: dict = {}
    preview = ledger.preview_repayment(
        TERMS, ITEMS, payments, TODAY, Decimal("500"), POLICY, TODAY + timedelta(days=30)
    )
    assert payments == {}  # the caller's payments are left alone
    booked = ledger.allocate(TERMS, ITEMS, {}, TODAY, Decimal("500"), POLICY)
    assert list(preview.lines) == booked
    assert preview.amount == preview.requested == Decimal("500.00")
    assert sum(line.total for line in preview.lines) == Decimal("500.00")
    # penalty first, then interest, then principal: 500 covers the penalty and interest owed
    first = preview.before.installments[0]
    line = preview.lines[0]
    assert line.penalty == first.penalty_outstanding > 0
    assert line.interest == first.unpaid_interest
    assert line.principal == Decimal("500.00") - line.penalty - line.interest
    assert preview.after.overdue_principal == preview.before.overdue_principal - line.principal


def test_penalty_per_day_falls_with_what_is_left_overdue():
    preview = ledger.preview_repayment(
        TERMS, ITEMS, {}, TODAY, Decimal("800"), POLICY, TODAY + timedelta(days=30)
    )
    rate = TERMS.rate * POLICY.penalty_multiplier
    left = preview.after.overdue_principal + preview.after.overdue_interest
    assert preview.penalty_per_day_after == (left * rate).quantize(Decimal("0.01"))
    assert preview.penalty_per_day_after < preview.penalty_per_day_before
    # still overdue: the days and the report status do not change until it is all repaid
    assert preview.after.overdue_days == preview.before.overdue_days
    assert preview.after.report_status == preview.before.report_status


def test_penalty_saved_by_a_later_day():
    horizon = TODAY + timedelta(days=30)
    preview = ledger.preview_repayment(TERMS, ITEMS, {}, TODAY, Decimal("800"), POLICY, horizon)
    without = ledger.loan_status(TERMS, ITEMS, {}, horizon, POLICY)
    assert ledger.penalty_charged(preview.before_at_horizon) == ledger.penalty_charged(without)
    assert preview.penalty_saved_by_horizon > 0
    # on the day itself nothing is saved yet: the payment counts at the end of the day
    same_day = ledger.preview_repayment(TERMS, ITEMS, {}, TODAY, Decimal("800"), POLICY, TODAY)
    assert same_day.penalty_saved_by_horizon == 0


def test_paying_everything_overdue_ends_the_overdue_days():
    before = ledger.loan_status(TERMS, ITEMS, {}, TODAY, POLICY)
    preview = ledger.preview_repayment(
        TERMS, ITEMS, {}, TODAY, before.overdue_total, POLICY, TODAY + timedelta(days=5)
    )
    assert preview.after.overdue_total == 0 and preview.after.overdue_days == 0
    assert preview.penalty_per_day_after == 0


def test_more_than_is_due_is_capped():
    before = ledger.loan_status(TERMS, ITEMS, {}, TODAY, POLICY)
    preview = ledger.preview_repayment(
        TERMS, ITEMS, {}, TODAY, Decimal("999999"), POLICY, TODAY + timedelta(days=5)
    )
    assert preview.requested == Decimal("999999.00")
    assert preview.amount == before.amount_due
    # everything overdue and this installment paid: the next one is what is due now
    assert preview.after.overdue_total == 0
    assert preview.after.next_due_date > before.next_due_date


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
def test_not_a_positive_amount(amount):
    with pytest.raises(ValueError):
        ledger.preview_repayment(TERMS, ITEMS, {}, TODAY, amount, POLICY, TODAY)


def test_horizon_before_the_day_and_nothing_due_are_refused():
    with pytest.raises(ValueError):
        ledger.preview_repayment(
            TERMS, ITEMS, {}, TODAY, Decimal("5"), POLICY, TODAY - timedelta(days=1)
        )
    bullet = ledger.LoanTerms(
        "b", "借呗", Decimal("1000.00"), Decimal("0.0004"), "daily", "bullet", 1, START, 28
    )
    (only,) = [
        ledger.ScheduledInstallment(1, i.period, i.due_date, i.principal_due, i.interest_due)
        for i in ledger.build_schedule(bullet, POLICY.day_count)
    ]
    paid = {1: [ledger.Payment(START, Decimal(0), only.interest_due, only.principal_due)]}
    with pytest.raises(ValueError):
        ledger.preview_repayment(bullet, [only], paid, START, Decimal("5"), POLICY, START)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.integers(min_value=1, max_value=120),
    percent=st.integers(min_value=1, max_value=100),
    wait=st.integers(min_value=0, max_value=60),
)
def test_a_repayment_never_costs_penalty(days, percent, wait):
    today = ITEMS[0].due_date + timedelta(days=days)
    before = ledger.loan_status(TERMS, ITEMS, {}, today, POLICY)
    amount = max(Decimal("0.01"), (before.amount_due * percent / 100).quantize(Decimal("0.01")))
    preview = ledger.preview_repayment(
        TERMS, ITEMS, {}, today, amount, POLICY, today + timedelta(days=wait)
    )
    # a payment that only clears penalty saves nothing: penalty is not charged on penalty; the
    # ledger rounds the penalty it takes to the fen, which may move a fen either way
    assert preview.penalty_saved_by_horizon >= Decimal("-0.01")
    assert preview.penalty_per_day_after <= preview.penalty_per_day_before
    assert preview.after.overdue_total <= before.overdue_total
    assert sum(line.total for line in preview.lines) == preview.amount
