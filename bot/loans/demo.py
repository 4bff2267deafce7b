"""The demo borrowers (``python -m bot.loans seed --demo [--today YYYY-MM-DD]``).

Built relative to ``today`` so that the documented situations hold on the day of seeding;
every past repayment goes through the ledger's own allocation (:meth:`LoanStore.apply_repayment`).
Seeding again resets these four borrowers (and only them) to the documented state.

=====================  ==========  ==========================================================
borrower id            name        situation on ``today``
=====================  ==========  ==========================================================
demo-up-to-date        张明        借呗 10,000.00 at 0.04 %/day, 12 months; three installments
                                   paid on time, the next one due in about 20 days
demo-two-months        李强        借呗 20,000.00 at 0.05 %/day, 12 months; paid twice, then
                                   nothing: 61 days overdue, penalty accruing
demo-one-yuan          王芳        借呗 3,000.00 at 0.04 %/day, 6 months; paid the second
                                   installment 1.00 yuan short four days ago
demo-multi-debt        陈静        借呗 20,000.00 at 0.05 %/day, 花呗分期 6,000.00 at 13.5 %/year,
                                   credit-card installments 12,000.00 at 16.56 %/year, all current
=====================  ==========  ==========================================================

Each has the channel identities ``shell``, ``widget`` and ``wechat`` with its id as external id
(the REST channel never carries an identity, see :mod:`bot.channels.identity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.finance.months import add_months
from bot.loans import ledger
from bot.loans.db import Database
from bot.loans.demo_borrowers import DEMO_NAMES, MULTI_DEBT, ONE_YUAN, TWO_MONTHS, UP_TO_DATE
from bot.loans.models import Borrower, ChannelIdentity, Installment, Loan
from bot.loans.store import LoanStore

DEMO_CHANNELS = ("shell", "widget", "wechat")
DEMO_BORROWERS = DEMO_NAMES
TWO_MONTHS_OVERDUE_DAYS = 61
ONE_YUAN_OVERDUE_DAYS = 4


@dataclass(frozen=True)
class DemoLoan:
    borrower_id: str
    loan_id: str
    product: str
    principal: Decimal
    rate: Decimal
    rate_basis: str
    method: str
    term_months: int
    anchor_period: int  # this installment falls due on anchor_due
    anchor_due: date
    paid_periods: int  # installments paid in full on their due dates
    short_by: Optional[Decimal] = None  # the next installment paid short by this much

    def terms(self) -> ledger.LoanTerms:
        return ledger.LoanTerms(
            loan_id=self.loan_id,
            product=self.product,
            principal=self.principal,
            rate=self.rate,
            rate_basis=self.rate_basis,
            method=self.method,
            term_months=self.term_months,
            start_date=shift_months(self.anchor_due, -self.anchor_period),
            due_day=self.anchor_due.day,
        )


def shift_months(day: date, months: int) -> date:
    return add_months(day, months)


def last_day_of_month_before(today: date, day_of_month: int) -> date:
    """The latest date before ``today`` that falls on ``day_of_month``."""
    candidate = date(today.year, today.month, day_of_month)
    return candidate if candidate < today else shift_months(candidate, -1)


def demo_loans(today: date) -> list[DemoLoan]:
    """The demo portfolio relative to ``today`` (pure: the tests use it too)."""
    D = Decimal
    return [
        DemoLoan(
            UP_TO_DATE,
            f"{UP_TO_DATE}-jiebei",
            "借呗",
            D("10000.00"),
            D("0.0004"),
            "daily",
            "equal_installment",
            12,
            anchor_period=3,
            anchor_due=today - timedelta(days=10),
            paid_periods=3,
        ),
        DemoLoan(
            TWO_MONTHS,
            f"{TWO_MONTHS}-jiebei",
            "借呗",
            D("20000.00"),
            D("0.0005"),
            "daily",
            "equal_installment",
            12,
            anchor_period=3,
            anchor_due=today - timedelta(days=TWO_MONTHS_OVERDUE_DAYS),
            paid_periods=2,
        ),
        DemoLoan(
            ONE_YUAN,
            f"{ONE_YUAN}-jiebei",
            "借呗",
            D("3000.00"),
            D("0.0004"),
            "daily",
            "equal_installment",
            6,
            anchor_period=2,
            anchor_due=today - timedelta(days=ONE_YUAN_OVERDUE_DAYS),
            paid_periods=1,
            short_by=D("1.00"),
        ),
        DemoLoan(
            MULTI_DEBT,
            f"{MULTI_DEBT}-jiebei",
            "借呗",
            D("20000.00"),
            D("0.0005"),
            "daily",
            "equal_installment",
            12,
            anchor_period=2,
            anchor_due=today - timedelta(days=12),
            paid_periods=2,
        ),
        DemoLoan(
            MULTI_DEBT,
            f"{MULTI_DEBT}-huabei",
            "花呗",
            D("6000.00"),
            D("0.135"),
            "annual",
            "equal_installment",
            6,
            anchor_period=1,
            anchor_due=last_day_of_month_before(today, 10),
            paid_periods=1,
        ),
        DemoLoan(
            MULTI_DEBT,
            f"{MULTI_DEBT}-credit-card",
            "信用卡",
            D("12000.00"),
            D("0.1656"),
            "annual",
            "equal_principal",
            12,
            anchor_period=3,
            anchor_due=last_day_of_month_before(today, 20),
            paid_periods=3,
        ),
    ]


async def seed_demo(db: Database, policy, today: date) -> list[str]:
    """(Re)create the demo borrowers in one transaction; returns their ids."""
    store = LoanStore(db, policy)
    async with db.write_session() as session:
        async with session.begin():
            await session.execute(delete(Borrower).where(Borrower.id.in_(DEMO_BORROWERS)))
            await session.flush()
            for borrower_id, name in DEMO_BORROWERS.items():
                session.add(Borrower(id=borrower_id, display_name=name))
                for channel in DEMO_CHANNELS:
                    session.add(
                        ChannelIdentity(
                            channel=channel, external_id=borrower_id, borrower_id=borrower_id
                        )
                    )
            await session.flush()
            for spec in demo_loans(today):
                await _create_loan(session, spec.borrower_id, spec.terms(), policy.day_count)
            for spec in demo_loans(today):
                await _pay_history(session, store, spec)
    return list(DEMO_BORROWERS)


async def _create_loan(
    session: AsyncSession, borrower_id: str, terms: ledger.LoanTerms, day_count: int
) -> None:
    session.add(
        Loan(
            id=terms.loan_id,
            borrower_id=borrower_id,
            product=terms.product,
            principal=terms.principal,
            rate=terms.rate,
            rate_basis=terms.rate_basis,
            method=terms.method,
            term_months=terms.term_months,
            start_date=terms.start_date,
            due_day=terms.due_day,
        )
    )
    for item in ledger.build_schedule(terms, day_count):
        session.add(
            Installment(
                loan_id=terms.loan_id,
                period=item.period,
                due_date=item.due_date,
                principal_due=item.principal_due,
                interest_due=item.interest_due,
                principal_paid=0,
                interest_paid=0,
                penalty_paid=0,
            )
        )
    await session.flush()


async def _pay_history(session: AsyncSession, store: LoanStore, spec: DemoLoan) -> None:
    terms = spec.terms()
    for period in range(1, spec.paid_periods + 2):
        due = ledger.due_date_for(terms.start_date, terms.due_day, period)
        if period <= spec.paid_periods:
            amount = await _installment_amount(session, spec.loan_id, period)
        elif spec.short_by is not None:
            amount = await _installment_amount(session, spec.loan_id, period) - spec.short_by
        else:
            break
        await store.apply_repayment(
            session, spec.borrower_id, spec.loan_id, amount, due, channel="demo"
        )


async def _installment_amount(session: AsyncSession, loan_id: str, period: int) -> Decimal:
    item = (
        await session.execute(
            Installment.__table__.select().where(
                Installment.loan_id == loan_id, Installment.period == period
            )
        )
    ).one()
    return item.principal_due + item.interest_due - item.principal_paid - item.interest_paid
