"""The ledger's figures: a loan's status as of a date, and how a repayment is split.

Pure functions over rows already loaded (no I/O), so that the service, the seed and the
tests share one definition.  Every money figure comes from :mod:`bot.finance`:

* the schedule is :func:`bot.finance.schedule.amortization_schedule`;
* the annual / daily rate pair is :mod:`bot.finance.rates` with the policy's day count;
* penalty interest is :mod:`bot.finance.overdue` (penalty daily rate = contract daily rate
  x the policy's multiplier, on overdue principal and on overdue interest, nothing inside
  the grace period), accrued day by day on what was actually unpaid each day;
* the credit-report status code and the loan classification come from the overdue days.

Conventions of this reference lender (documented in docs/loans.md):

* Installment ``k`` falls due on ``due_day`` of the ``k``-th month after the start date
  (the last day of a shorter month).  Unpaid on the due date -> overdue from the next day:
  on day ``d`` after the due date the installment is ``d`` days overdue and ``d`` days of
  penalty have accrued on what was unpaid at the start of each of those days.
* A repayment goes to the oldest installment first and, within an installment, to penalty,
  then interest, then principal (先罚息、再利息、后本金).  It may cover everything overdue,
  the accrued penalty and the next installment (``amount_due``); anything above that would
  be an early settlement, which this reference service leaves to the lender's app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping, Optional, Protocol, Sequence

from bot.finance import overdue, rates, schedule
from bot.finance.money import money, money_str
from bot.finance.months import add_months
from bot.policy.model import ALLOCATION_PARTS

ZERO = Decimal("0.00")
#: what a repayment pays first when the policy names no order (the policy model defines the parts)
DEFAULT_ORDER = ALLOCATION_PARTS
RATE_PLACES = 10


class PolicyLike(Protocol):
    """The settings of :class:`bot.policy.LenderPolicy` the ledger uses."""

    penalty_multiplier: Decimal
    grace_days: int
    grace_mode: str  # "waive" | "exclude"
    day_count: int
    repayment_allocation: tuple  # e.g. ("penalty", "interest", "principal")


@dataclass(frozen=True)
class LoanTerms:
    """What the contract says (the ``loans`` row)."""

    loan_id: str
    product: str
    principal: Decimal
    rate: Decimal
    rate_basis: str  # "daily" | "annual"
    method: str
    term_months: int
    start_date: date
    due_day: int


@dataclass(frozen=True)
class ScheduledInstallment:
    installment_id: Optional[int]
    period: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal


@dataclass(frozen=True)
class Payment:
    """The part of one repayment that went to one installment."""

    paid_on: date
    penalty: Decimal
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True)
class InstallmentStatus:
    """One installment as of a date.  For an overdue installment the unpaid amounts and the
    penalty are :func:`bot.finance.overdue.accrue_overdue`'s day-by-day position."""

    installment_id: Optional[int]
    period: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    unpaid_principal: Decimal
    unpaid_interest: Decimal
    penalty_paid: Decimal
    penalty_outstanding: Decimal  # accrued, payable and not yet paid
    penalty_provisional: Decimal  # accruing inside the grace days: waived if cleared in time
    overdue_days: int

    @property
    def principal_paid(self) -> Decimal:
        return self.principal_due - self.unpaid_principal

    @property
    def interest_paid(self) -> Decimal:
        return self.interest_due - self.unpaid_interest

    @property
    def unpaid(self) -> Decimal:
        return self.unpaid_principal + self.unpaid_interest

    @property
    def owed(self) -> Decimal:
        return self.unpaid + self.penalty_outstanding

    def to_json(self) -> dict:
        return {
            "period": self.period,
            "due_date": self.due_date.isoformat(),
            "principal_due": money_str(self.principal_due),
            "interest_due": money_str(self.interest_due),
            "principal_paid": money_str(self.principal_paid),
            "interest_paid": money_str(self.interest_paid),
            "penalty_paid": money_str(self.penalty_paid),
            "penalty_outstanding": money_str(self.penalty_outstanding),
            "overdue_days": self.overdue_days,
        }


@dataclass(frozen=True)
class LoanStatus:
    terms: LoanTerms
    as_of: date
    annual_rate: Decimal
    daily_rate: Decimal
    outstanding_principal: Decimal
    next_due_date: Optional[date]
    next_due_amount: Decimal
    overdue_days: int
    overdue_principal: Decimal
    overdue_interest: Decimal
    penalty_accrued: Decimal  # accrued, payable and not yet paid
    penalty_provisional: Decimal  # accruing inside the grace days (not payable yet)
    report_status: str
    classification: str
    installments: tuple = field(repr=False)

    @property
    def overdue_total(self) -> Decimal:
        return self.overdue_principal + self.overdue_interest + self.penalty_accrued

    @property
    def amount_due(self) -> Decimal:
        """Everything overdue, the unpaid penalty, and the next installment: what to pay by
        ``next_due_date`` to be fully up to date -- and the most a repayment may be."""
        return self.overdue_total + self.next_due_amount

    @property
    def settled(self) -> bool:
        return all(i.owed == 0 for i in self.installments)

    @property
    def upcoming(self) -> Optional[InstallmentStatus]:
        """The next installment not yet due and not paid in full (what ``next_due_*`` are)."""
        return next(
            (r for r in self.installments if r.due_date >= self.as_of and r.unpaid > 0), None
        )

    @property
    def periods_left(self) -> int:
        """Installments not yet paid in full (overdue ones included)."""
        return sum(1 for i in self.installments if i.unpaid > 0)

    @property
    def periods_overdue(self) -> int:
        """Installments past their due date and not paid in full."""
        return sum(1 for i in self.installments if i.unpaid > 0 and i.due_date < self.as_of)

    @property
    def last_due_date(self) -> Optional[date]:
        """The due date of the last installment: when the loan ends if paid as scheduled."""
        return max((i.due_date for i in self.installments), default=None)

    @property
    def interest_left(self) -> Decimal:
        """Scheduled interest not yet paid, overdue and future periods (no penalty): what the
        loan still costs if every remaining installment is paid on its due date."""
        return sum((i.unpaid_interest for i in self.installments), ZERO)

    @property
    def interest_paid(self) -> Decimal:
        return sum((i.interest_paid for i in self.installments), ZERO)

    def to_json(self, *, with_installments: bool = False) -> dict:
        t = self.terms
        body = {
            "loan_id": t.loan_id,
            "product": t.product,
            "principal": money_str(t.principal),
            "outstanding_principal": money_str(self.outstanding_principal),
            "annual_rate": rate_str(self.annual_rate),
            "daily_rate": rate_str(self.daily_rate),
            "rate_basis": t.rate_basis,
            "method": t.method,
            "term_months": t.term_months,
            "start_date": t.start_date.isoformat(),
            "due_day": t.due_day,
            "next_due_date": self.next_due_date.isoformat() if self.next_due_date else None,
            "next_due_amount": money_str(self.next_due_amount),
            # what the next installment's unpaid amount is made of
            "next_due_principal": money_str(
                self.upcoming.unpaid_principal if self.upcoming else ZERO
            ),
            "next_due_interest": money_str(
                self.upcoming.unpaid_interest if self.upcoming else ZERO
            ),
            "amount_due": money_str(self.amount_due),
            "overdue_days": self.overdue_days,
            "overdue_principal": money_str(self.overdue_principal),
            "overdue_interest": money_str(self.overdue_interest),
            "penalty_accrued": money_str(self.penalty_accrued),
            "penalty_provisional": money_str(self.penalty_provisional),
            "overdue_total": money_str(self.overdue_total),
            "report_status": self.report_status,
            "classification": self.classification,
            "settled": self.settled,
            "periods_left": self.periods_left,
            "periods_overdue": self.periods_overdue,
            "last_due_date": self.last_due_date.isoformat() if self.last_due_date else None,
            "interest_left": money_str(self.interest_left),
            "interest_paid": money_str(self.interest_paid),
        }
        if with_installments:
            body["installments"] = [i.to_json() for i in self.installments]
        return body


@dataclass(frozen=True)
class Allocation:
    installment_id: Optional[int]
    period: int
    penalty: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal


def rate_str(rate: Decimal) -> str:
    """A rate as a plain decimal string with trailing zeros trimmed (``"0.0004"``)."""
    text = format(rate.quantize(Decimal(1).scaleb(-RATE_PLACES)).normalize(), "f")
    return "0" if text in ("-0", "") else text


# -- contract terms -------------------------------------------------------------------------


def loan_rates(terms: LoanTerms, day_count: int) -> tuple[Decimal, Decimal]:
    """``(annual_rate, daily_rate)`` of a loan, whichever form its contract quotes."""
    if terms.rate_basis == "daily":
        return rates.daily_to_annual(terms.rate, day_count=day_count), terms.rate
    if terms.rate_basis == "annual":
        return terms.rate, rates.annual_to_daily(terms.rate, day_count=day_count)
    raise ValueError(f"unknown rate basis {terms.rate_basis!r}")


def due_date_for(start_date: date, due_day: int, period: int) -> date:
    """Due date of installment ``period`` (1-based): ``due_day`` of the ``period``-th month
    after the start, or that month's last day when it is shorter."""
    return add_months(start_date, period, due_day)


def build_schedule(terms: LoanTerms, day_count: int) -> list[ScheduledInstallment]:
    """The installments of a new loan, from :func:`bot.finance.schedule.amortization_schedule`."""
    annual, _daily = loan_rates(terms, day_count)
    plan = schedule.amortization_schedule(
        terms.principal, annual, terms.term_months, schedule.RepaymentMethod(terms.method)
    )
    return [
        ScheduledInstallment(
            installment_id=None,
            period=row.period,
            due_date=due_date_for(terms.start_date, terms.due_day, row.period),
            principal_due=row.principal,
            interest_due=row.interest,
        )
        for row in plan.rows
    ]


# -- status as of a date --------------------------------------------------------------------


def allocation_order(policy: PolicyLike) -> tuple[str, ...]:
    return tuple(getattr(policy, "repayment_allocation", None) or DEFAULT_ORDER)


def _total(payment: Payment) -> Decimal:
    return payment.penalty + payment.interest + payment.principal


def installment_status(
    item: ScheduledInstallment,
    payments: Sequence[Payment],
    as_of: date,
    daily_rate: Decimal,
    policy: PolicyLike,
) -> InstallmentStatus:
    """One installment at the end of ``as_of``, counting the payments made by then.

    Payments on or before the due date reduce what falls overdue; from the day after the
    due date :func:`bot.finance.overdue.accrue_overdue` walks the overdue amount day by day
    with the later payments (each counts at the end of its day) and gives the unpaid
    principal and interest and the penalty.
    """
    paid = [p for p in payments if p.paid_on <= as_of]
    early = [p for p in paid if p.paid_on <= item.due_date]
    base_principal = item.principal_due - sum((p.principal for p in early), ZERO)
    base_interest = item.interest_due - sum((p.interest for p in early), ZERO)
    if as_of <= item.due_date or base_principal + base_interest == 0:
        return InstallmentStatus(
            installment_id=item.installment_id,
            period=item.period,
            due_date=item.due_date,
            principal_due=item.principal_due,
            interest_due=item.interest_due,
            unpaid_principal=base_principal,
            unpaid_interest=base_interest,
            penalty_paid=ZERO,
            penalty_outstanding=ZERO,
            penalty_provisional=ZERO,
            overdue_days=0,
        )
    later: dict[date, Decimal] = {}
    for p in paid:
        if p.paid_on > item.due_date:
            later[p.paid_on] = later.get(p.paid_on, ZERO) + _total(p)
    position = overdue.accrue_overdue(
        base_principal,
        daily_rate,
        item.due_date,
        as_of,
        overdue_interest=base_interest,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=getattr(policy, "grace_mode", "waive"),
        repayments=sorted(later.items()),
        allocation=allocation_order(policy),
        day_count=policy.day_count,
    )
    if position.unapplied:
        raise AssertionError(
            f"installment {item.period}: {position.unapplied} paid beyond the debt"
        )
    return InstallmentStatus(
        installment_id=item.installment_id,
        period=item.period,
        due_date=item.due_date,
        principal_due=item.principal_due,
        interest_due=item.interest_due,
        unpaid_principal=position.outstanding_principal,
        unpaid_interest=position.outstanding_interest,
        penalty_paid=position.penalty_paid,
        penalty_outstanding=position.outstanding_penalty,
        penalty_provisional=position.provisional_penalty,
        overdue_days=position.days if position.total_due > 0 else 0,
    )


def loan_status(
    terms: LoanTerms,
    installments: Sequence[ScheduledInstallment],
    payments: Mapping[int, Sequence[Payment]],
    as_of: date,
    policy: PolicyLike,
) -> LoanStatus:
    """Figures of one loan at the end of ``as_of``, counting only repayments made on or
    before that day (``payments`` maps installment id -> its allocation lines)."""
    annual, daily = loan_rates(terms, policy.day_count)
    rows = [
        installment_status(item, payments.get(item.installment_id, ()), as_of, daily, policy)
        for item in sorted(installments, key=lambda i: i.period)
    ]
    overdue_rows = [r for r in rows if r.due_date < as_of]
    upcoming = next((r for r in rows if r.due_date >= as_of and r.unpaid > 0), None)
    overdue_days = max((r.overdue_days for r in rows), default=0)
    return LoanStatus(
        terms=terms,
        as_of=as_of,
        annual_rate=annual,
        daily_rate=daily,
        outstanding_principal=sum((r.unpaid_principal for r in rows), ZERO),
        next_due_date=upcoming.due_date if upcoming else None,
        next_due_amount=upcoming.unpaid if upcoming else ZERO,
        overdue_days=overdue_days,
        overdue_principal=sum((r.unpaid_principal for r in overdue_rows), ZERO),
        overdue_interest=sum((r.unpaid_interest for r in overdue_rows), ZERO),
        penalty_accrued=sum((r.penalty_outstanding for r in rows), ZERO),
        penalty_provisional=sum((r.penalty_provisional for r in rows), ZERO),
        report_status=overdue.report_status(overdue_days),
        classification=overdue.classification(overdue_days),
        installments=tuple(rows),
    )


def totals(statuses: Iterable[LoanStatus]) -> dict:
    """Totals over a borrower's loans, as JSON strings."""
    statuses = list(statuses)
    due_dates = [s.next_due_date for s in statuses if s.next_due_date]

    def total(attr: str) -> str:
        return money_str(sum((getattr(s, attr) for s in statuses), ZERO))

    return {
        "loan_count": len(statuses),
        "principal": money_str(sum((s.terms.principal for s in statuses), ZERO)),
        "outstanding_principal": total("outstanding_principal"),
        "amount_due": total("amount_due"),
        "overdue_principal": total("overdue_principal"),
        "overdue_interest": total("overdue_interest"),
        "penalty_accrued": total("penalty_accrued"),
        "overdue_total": total("overdue_total"),
        "overdue_days": max((s.overdue_days for s in statuses), default=0),
        "next_due_date": min(due_dates).isoformat() if due_dates else None,
    }


# -- repayments -----------------------------------------------------------------------------


def allocate(
    terms: LoanTerms,
    installments: Sequence[ScheduledInstallment],
    payments: Mapping[int, Sequence[Payment]],
    paid_on: date,
    amount: Decimal,
    policy: PolicyLike,
) -> list[Allocation]:
    """Split a repayment of ``amount`` made on ``paid_on``: oldest installment first; within
    an overdue installment the split is what :func:`bot.finance.overdue.accrue_overdue`
    does with the payment (the policy's order, penalty -> interest -> principal by default);
    the next, not yet overdue installment takes interest and principal in the same order.

    ``amount`` must be positive and at most :attr:`LoanStatus.amount_due` on ``paid_on``
    (the caller checks and explains)."""
    status = loan_status(terms, installments, payments, paid_on, policy)
    amount = money(amount)
    if amount <= 0 or amount > status.amount_due:
        raise ValueError(f"amount {amount} outside (0, {status.amount_due}]")
    _annual, daily = loan_rates(terms, policy.day_count)
    order = allocation_order(policy)
    by_id = {item.installment_id: item for item in installments}
    left = amount
    lines = []
    for row in status.installments:
        if left == 0:
            break
        if row.due_date < paid_on and row.owed > 0:
            pay = min(left, row.owed)
            item = by_id[row.installment_id]
            trial = list(payments.get(item.installment_id, ())) + [
                Payment(paid_on, pay, ZERO, ZERO)
            ]
            after = installment_status(item, trial, paid_on, daily, policy)
            parts = {
                "penalty": after.penalty_paid - row.penalty_paid,
                "interest": row.unpaid_interest - after.unpaid_interest,
                "principal": row.unpaid_principal - after.unpaid_principal,
            }
            if sum(parts.values()) != pay:
                raise AssertionError(f"allocation of {pay} to period {row.period}: {parts}")
        elif row.due_date >= paid_on and row.unpaid > 0:
            owed = {
                "penalty": ZERO,
                "interest": row.unpaid_interest,
                "principal": row.unpaid_principal,
            }
            parts = dict.fromkeys(DEFAULT_ORDER, ZERO)
            remaining = left
            for name in order:
                parts[name] = min(remaining, owed[name])
                remaining -= parts[name]
        else:
            continue
        taken = sum(parts.values())
        left -= taken
        if taken:
            lines.append(Allocation(row.installment_id, row.period, **parts))
        if row.due_date >= paid_on:
            break  # only the next installment may be paid ahead
    if left != 0:
        raise AssertionError(f"{left} of {amount} left unallocated")
    return lines


# -- what a repayment would do (nothing is booked) -------------------------------------------


def penalty_charged(status: LoanStatus) -> Decimal:
    """The penalty the loan has been charged by ``status.as_of``: paid and still owed (not
    the provisional penalty inside the grace days, which is waived if cleared in time)."""
    return sum((i.penalty_paid + i.penalty_outstanding for i in status.installments), ZERO)


def penalty_per_day(status: LoanStatus, policy: PolicyLike) -> Decimal:
    """What one more overdue day adds to the penalty, to the fen: the penalty daily rate on the
    overdue principal and interest as they stand at the end of ``status.as_of``."""
    return money(
        (status.overdue_principal + status.overdue_interest)
        * status.daily_rate
        * policy.penalty_multiplier
    )


@dataclass(frozen=True)
class RepaymentPreview:
    """A repayment of ``amount`` on ``paid_on``, worked out and not booked: how it would be
    split, the loan at the end of that day without and with it, and at ``horizon`` (nothing
    else repaid meanwhile) without and with it."""

    paid_on: date
    requested: Decimal
    amount: Decimal  # what would be applied: the request, at most the amount due
    lines: tuple[Allocation, ...]
    before: LoanStatus
    after: LoanStatus
    horizon: date
    before_at_horizon: LoanStatus
    after_at_horizon: LoanStatus
    penalty_per_day_before: Decimal
    penalty_per_day_after: Decimal

    @property
    def penalty_saved_by_horizon(self) -> Decimal:
        """Penalty not charged between ``paid_on`` and ``horizon`` thanks to the repayment."""
        return penalty_charged(self.before_at_horizon) - penalty_charged(self.after_at_horizon)

    def to_json(self) -> dict:
        def part(name: str) -> str:
            return money_str(sum((getattr(line, name) for line in self.lines), ZERO))

        def side(status: LoanStatus) -> dict:
            return {
                "overdue_days": status.overdue_days,
                "overdue_principal": money_str(status.overdue_principal),
                "overdue_interest": money_str(status.overdue_interest),
                "penalty_accrued": money_str(status.penalty_accrued),
                "overdue_total": money_str(status.overdue_total),
                "amount_due": money_str(status.amount_due),
                "outstanding_principal": money_str(status.outstanding_principal),
                "penalty_charged": money_str(penalty_charged(status)),
                "report_status": status.report_status,
            }

        return {
            "loan_id": self.before.terms.loan_id,
            "product": self.before.terms.product,
            "paid_on": self.paid_on.isoformat(),
            "requested": money_str(self.requested),
            "amount": money_str(self.amount),
            "penalty": part("penalty"),
            "interest": part("interest"),
            "principal": part("principal"),
            "allocations": [
                {
                    "period": line.period,
                    "penalty": money_str(line.penalty),
                    "interest": money_str(line.interest),
                    "principal": money_str(line.principal),
                }
                for line in self.lines
            ],
            "before": {
                **side(self.before),
                "penalty_per_day": money_str(self.penalty_per_day_before),
            },
            "after": {**side(self.after), "penalty_per_day": money_str(self.penalty_per_day_after)},
            "horizon": self.horizon.isoformat(),
            "before_at_horizon": side(self.before_at_horizon),
            "after_at_horizon": side(self.after_at_horizon),
            "penalty_saved_by_horizon": money_str(self.penalty_saved_by_horizon),
        }


def preview_repayment(
    terms: LoanTerms,
    installments: Sequence[ScheduledInstallment],
    payments: Mapping[int, Sequence[Payment]],
    paid_on: date,
    amount: Decimal,
    policy: PolicyLike,
    horizon: date,
) -> RepaymentPreview:
    """What repaying ``amount`` on ``paid_on`` would do, by the same split as :func:`allocate`
    (so a preview and the booking agree to the fen). ``amount`` above the amount due is capped
    at it (the caller says so); ``horizon`` must not be before ``paid_on``. Raises ``ValueError``
    when nothing is due or ``amount`` is not positive."""
    requested = money(amount)
    if requested <= 0:
        raise ValueError(f"amount {requested} is not positive")
    if horizon < paid_on:
        raise ValueError(f"horizon {horizon} before {paid_on}")
    before = loan_status(terms, installments, payments, paid_on, policy)
    if before.amount_due == 0:
        raise ValueError("nothing is due")
    applied = min(requested, before.amount_due)
    lines = allocate(terms, installments, payments, paid_on, applied, policy)
    trial: dict[int, list[Payment]] = {key: list(rows) for key, rows in payments.items()}
    for line in lines:
        trial.setdefault(line.installment_id, []).append(
            Payment(paid_on, line.penalty, line.interest, line.principal)
        )
    after = loan_status(terms, installments, trial, paid_on, policy)
    return RepaymentPreview(
        paid_on=paid_on,
        requested=requested,
        amount=applied,
        lines=tuple(lines),
        before=before,
        after=after,
        horizon=horizon,
        before_at_horizon=loan_status(terms, installments, payments, horizon, policy),
        after_at_horizon=loan_status(terms, installments, trial, horizon, policy),
        penalty_per_day_before=penalty_per_day(before, policy),
        penalty_per_day_after=penalty_per_day(after, policy),
    )
