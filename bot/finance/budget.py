"""A 50/30/20 budget of take-home income, what it can carry for debt, and the emergency fund.

Definitions (all amounts monthly, yuan, fen-exact):

* ``needs`` = 50 %, ``wants`` = 30 % of take-home income (each rounded HALF_UP to the fen),
  ``savings_and_debt`` = the rest (≈ 20 %), so the three always add up to the income.
* ``over_needs`` = how far ``fixed_expenses`` exceed the needs share (0 if they fit).
  The overflow is taken from ``wants`` first, then from ``savings_and_debt``.
* ``debt_capacity`` = what the budget can carry for debt each month: the 20 % share minus
  any overflow that ``wants`` could not absorb (never below 0). It is a ceiling: money put
  on debt here is money not saved, so while no emergency fund exists part of it should go
  there.
* ``extra_for_debt`` = ``debt_capacity − debt_minimums`` when positive: what can be added
  above the minimums (e.g. for an avalanche plan); ``minimums_gap`` = the opposite
  overflow, when the minimums exceed the capacity.
* ``needs_slack`` = what the needs share leaves after ``fixed_expenses`` when they are given
  and smaller (0 otherwise): the 50 % is a ceiling, not money spent, so when the minimums
  exceed ``debt_capacity`` this part is used before ``wants``.
* Emergency fund target = ``emergency_months`` (3–6 by default) × monthly essential
  spending, where essential spending is ``fixed_expenses + recurring_minimums`` when fixed
  expenses are given, otherwise the needs share (50 %) as an estimate. ``recurring_minimums``
  are the minimums that come back every month (default: ``debt_minimums``); an overdue amount
  paid once is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.finance import validate
from bot.finance.errors import InvalidTerm
from bot.finance.money import finance_context, money, money_str

NEEDS_SHARE = Decimal("0.5")
WANTS_SHARE = Decimal("0.3")
SAVINGS_SHARE = Decimal("0.2")


@dataclass(frozen=True)
class BudgetPlan:
    """Result of :func:`budget_plan` (see the module docstring for the definitions)."""

    monthly_income: Decimal
    needs: Decimal
    wants: Decimal
    savings_and_debt: Decimal
    fixed_expenses: Decimal
    over_needs: Decimal
    needs_slack: Decimal
    wants_available: Decimal
    debt_minimums: Decimal
    debt_capacity: Decimal
    extra_for_debt: Decimal
    minimums_gap: Decimal
    essential_expenses: Decimal
    emergency_months: tuple[int, int]
    emergency_fund_min: Decimal
    emergency_fund_max: Decimal

    @property
    def fits(self) -> bool:
        """Fixed expenses and debt minimums both fit the 50/30/20 split."""
        return self.over_needs == 0 and self.minimums_gap == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "monthly_income": money_str(self.monthly_income),
            "needs": money_str(self.needs),
            "wants": money_str(self.wants),
            "savings_and_debt": money_str(self.savings_and_debt),
            "fixed_expenses": money_str(self.fixed_expenses),
            "over_needs": money_str(self.over_needs),
            "needs_slack": money_str(self.needs_slack),
            "wants_available": money_str(self.wants_available),
            "debt_minimums": money_str(self.debt_minimums),
            "debt_capacity": money_str(self.debt_capacity),
            "extra_for_debt": money_str(self.extra_for_debt),
            "minimums_gap": money_str(self.minimums_gap),
            "essential_expenses": money_str(self.essential_expenses),
            "emergency_months": list(self.emergency_months),
            "emergency_fund_min": money_str(self.emergency_fund_min),
            "emergency_fund_max": money_str(self.emergency_fund_max),
            "fits": self.fits,
        }


def budget_plan(
    monthly_income: Any,
    fixed_expenses: Any = Decimal(0),
    debt_minimums: Any = Decimal(0),
    emergency_months: tuple[Any, Any] = (3, 6),
    recurring_minimums: Any = None,
) -> BudgetPlan:
    """Split ``monthly_income`` (take-home) 50/30/20 and size debt capacity and emergency fund.

    ``fixed_expenses`` are essential monthly costs (rent, food, transport …) excluding
    debt; ``debt_minimums`` the sum of minimum debt payments; ``emergency_months`` the
    (low, high) number of months of essential spending to keep (1 ≤ low ≤ high ≤ 24);
    ``recurring_minimums`` the part of ``debt_minimums`` that recurs monthly (default: all).
    """
    income = validate.positive_amount(monthly_income, "月收入")
    fixed = validate.non_negative_amount(fixed_expenses, "固定支出")
    minimums = validate.non_negative_amount(debt_minimums, "最低还款额")
    recurring = (
        minimums
        if recurring_minimums is None
        else validate.non_negative_amount(recurring_minimums, "每月固定还款额")
    )
    if recurring > minimums:
        raise InvalidTerm("每月固定还款额不能大于最低还款额。", code="bad_recurring_minimums")
    try:
        low_raw, high_raw = emergency_months
    except (TypeError, ValueError):
        raise InvalidTerm(
            "应急金月数需要是两个数字，例如3到6个月。", code="bad_emergency_months"
        ) from None
    low = validate.whole_number(low_raw, label="应急金月数", minimum=1, maximum=24)
    high = validate.whole_number(high_raw, label="应急金月数", minimum=1, maximum=24)
    if low > high:
        raise InvalidTerm(
            "应急金月数的下限不能大于上限，例如3到6个月。", code="bad_emergency_months"
        )
    with finance_context():
        needs = money(income * NEEDS_SHARE)
        wants = money(income * WANTS_SHARE)
        savings = income - needs - wants
        over_needs = max(fixed - needs, Decimal("0.00"))
        from_wants = min(over_needs, wants)
        capacity = max(savings - (over_needs - from_wants), Decimal("0.00"))
        essential = fixed + recurring if fixed > 0 else needs
        slack = needs - fixed if 0 < fixed < needs else Decimal("0.00")
    return BudgetPlan(
        monthly_income=income,
        needs=needs,
        wants=wants,
        savings_and_debt=savings,
        fixed_expenses=fixed,
        over_needs=over_needs,
        needs_slack=slack,
        wants_available=wants - from_wants,
        debt_minimums=minimums,
        debt_capacity=capacity,
        extra_for_debt=max(capacity - minimums, Decimal("0.00")),
        minimums_gap=max(minimums - capacity, Decimal("0.00")),
        essential_expenses=essential,
        emergency_months=(low, high),
        emergency_fund_min=essential * low,
        emergency_fund_max=essential * high,
    )


__all__ = ["NEEDS_SHARE", "WANTS_SHARE", "SAVINGS_SHARE", "BudgetPlan", "budget_plan"]
