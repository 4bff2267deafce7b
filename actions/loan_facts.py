"""What the actions say about a borrower's loans, shared by several of them: which loans are
open and what each is called, the penalty a further day adds, whether an overdue loan is still in
its grace days, what happens next by the policy timeline, and the loans as planner debts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Sequence

from actions.replies import EXAMPLE_NOTE, example_note
from bot.finance.money import finance_context, money
from bot.finance.overdue import (
    STATUS_DESCRIPTIONS_ZH,
    OverdueCost,
    overdue_cost,
    report_status,
    timeline,
)
from bot.finance.payoff import Debt
from bot.loans.client import LoanOverview, LoanSummary
from bot.policy import LenderPolicy, Milestone
from bot.policy.wording import cutoff_rule_zh, penalty_rule_zh, penalty_schedule, report_rule_zh

#: an overdue amount this small is a forgotten remainder, not a hardship
SMALL_OVERDUE = Decimal("10.00")


def open_loans(overview: LoanOverview) -> List[LoanSummary]:
    return [loan for loan in overview.loans if not loan.settled]


def loan_names(loans: Sequence[LoanSummary]) -> Dict[str, str]:
    """Display name per loan id: the product, numbered when a product appears twice."""
    counts: Dict[str, int] = {}
    for loan in loans:
        counts[loan.product] = counts.get(loan.product, 0) + 1
    seen: Dict[str, int] = {}
    names = {}
    for loan in loans:
        if counts[loan.product] == 1:
            names[loan.loan_id] = loan.product
        else:
            seen[loan.product] = seen.get(loan.product, 0) + 1
            names[loan.loan_id] = f"{loan.product}{seen[loan.product]}"
    return names


def penalty_per_day(loan: LoanSummary, policy: LenderPolicy) -> Decimal:
    """How much the penalty grows per further overdue day, to the fen."""
    with finance_context():
        return money(
            (loan.overdue_principal + loan.overdue_interest)
            * loan.daily_rate
            * policy.penalty_multiplier
        )


def what_if_cost(
    amount: Decimal, daily_rate: Decimal, days: int, policy: LenderPolicy
) -> OverdueCost:
    """The penalty of ``amount`` left ``days`` days overdue, by the lender's rules."""
    return overdue_cost(
        amount,
        daily_rate,
        days,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
        day_count=policy.day_count,
    )


def in_grace(loan: LoanSummary, policy: LenderPolicy) -> bool:
    """Overdue, but still within the days in which repaying costs no penalty."""
    return 0 < loan.overdue_days <= penalty_schedule(policy).free_days


#: which milestone of a day the borrower hears about, when several fall on the same day
NEXT_STEP_PRIORITY = (
    "credit_report",
    "penalty",
    "legal_notice",
    "lawsuit",
    "status",
    "agency",
    "visit",
    "call",
    "reminder",
    "grace",
)


def milestone_sentence(milestone: Milestone, policy: LenderPolicy) -> str:
    """One plain sentence for one milestone of the policy timeline."""
    if milestone.kind == "credit_report":
        return report_rule_zh(policy)
    if milestone.kind == "status":
        code = report_status(milestone.day)
        return (
            f"逾期第{milestone.day}天起，"
            f"征信上的还款状态会记为“{code}”（{STATUS_DESCRIPTIONS_ZH[code]}）。"
        )
    text = milestone.text_zh.rstrip("。")
    note = EXAMPLE_NOTE if milestone.is_example else ""
    if milestone.kind == "penalty":
        return f"{text}{note}。"
    return f"逾期第{milestone.day}天起，{text}{note}。"


def next_step_line(overdue_days: int, policy: LenderPolicy, skip: Sequence[str] = ()) -> str:
    """One line on what happens next by the policy timeline, after ``overdue_days`` days: the
    rules before a due date, else the single most important milestone still ahead (milestones
    of the kinds in ``skip`` left out: the reply already said them)."""
    if overdue_days == 0:
        tail = example_note(policy, "repayment_cutoff", "grace_days", "grace_mode")
        return (
            f"{cutoff_rule_zh(policy, with_note=False)}万一晚了："
            f"{penalty_rule_zh(policy, with_note=False).rstrip('。')}{tail}。"
        )
    upcoming = [m for m in timeline(policy) if m.day > overdue_days and m.kind not in skip]
    if not upcoming:
        return "逾期时间已经比较长了。和贷款方商量怎么还，什么时候开始都不晚。"
    day = upcoming[0].day
    order = {kind: index for index, kind in enumerate(NEXT_STEP_PRIORITY)}
    first = min((m for m in upcoming if m.day == day), key=lambda m: order.get(m.kind, len(order)))
    return "接下来：" + milestone_sentence(first, policy)


OVERDUE_SUFFIX = "（逾期部分）"


@dataclass(frozen=True)
class DebtPart:
    """One planner debt and the loan it belongs to."""

    debt: Debt
    loan_id: str
    loan_name: str
    overdue: bool


def debt_parts(overview: LoanOverview) -> List[DebtPart]:
    """The borrower's open loans as planner debts (an overdue amount is its own debt)."""
    names = loan_names(overview.loans)
    parts: List[DebtPart] = []
    for loan in open_loans(overview):
        name = names[loan.loan_id]
        if loan.overdue_total > 0:
            parts.append(
                DebtPart(
                    Debt(name + OVERDUE_SUFFIX, loan.overdue_total, Decimal(0), loan.overdue_total),
                    loan.loan_id,
                    name,
                    True,
                )
            )
        rest = loan.outstanding_principal - loan.overdue_principal
        if rest > 0:
            parts.append(
                DebtPart(
                    Debt(name, rest, loan.annual_rate, loan.next_due_amount),
                    loan.loan_id,
                    name,
                    False,
                )
            )
    return parts
