"""Exact money maths for the debt-helper bot: pure functions on ``decimal.Decimal``, no I/O.

Modules (one concept each):

* :mod:`bot.finance.errors` – typed errors with a Chinese message (``FinanceError``);
* :mod:`bot.finance.money` – parsing to ``Decimal``, rounding HALF_UP to the fen, formatting;
* :mod:`bot.finance.validate` – input checks shared by the modules;
* :mod:`bot.finance.rates` – daily ↔ annual ↔ monthly rate conversions;
* :mod:`bot.finance.months` – whole calendar months (due dates, month labels);
* :mod:`bot.finance.schedule` – repayment schedules (等额本息/等额本金/先息后本/到期还本付息);
* :mod:`bot.finance.apr` – IRR, APR and effective annual rate of any cash-flow list;
* :mod:`bot.finance.overdue` – penalty, credit-report status, classification, timeline;
* :mod:`bot.finance.payoff` – multi-debt payoff planner (avalanche / snowball);
* :mod:`bot.finance.budget` – 50/30/20 budget, debt capacity, emergency fund;
* :mod:`bot.finance.cli` – ``python -m bot.finance`` (the only module that prints).

Conventions are documented in each module and in ``docs/finance.md``.
"""

from __future__ import annotations

from bot.finance.apr import AprResult, apr_from_cashflows, flat_fee_payments, irr
from bot.finance.budget import BudgetPlan, budget_plan
from bot.finance.errors import (
    FinanceError,
    InfeasiblePlan,
    InvalidAmount,
    InvalidDate,
    InvalidRate,
    InvalidTerm,
)
from bot.finance.money import fmt_money, money, money_str, to_decimal
from bot.finance.overdue import (
    Milestone,
    OverdueAccrual,
    OverdueCost,
    accrue_overdue,
    classification,
    next_milestones,
    overdue_cost,
    report_status,
    timeline,
)
from bot.finance.payoff import Debt, PayoffPlan, Strategy, compare_strategies, plan_payoff
from bot.finance.rates import annual_to_daily, daily_to_annual, monthly_rate
from bot.finance.schedule import (
    RepaymentMethod,
    Schedule,
    ScheduleRow,
    accrued_interest,
    amortization_schedule,
)

__all__ = [
    "AprResult",
    "BudgetPlan",
    "Debt",
    "FinanceError",
    "InfeasiblePlan",
    "InvalidAmount",
    "InvalidDate",
    "InvalidRate",
    "InvalidTerm",
    "Milestone",
    "OverdueAccrual",
    "OverdueCost",
    "PayoffPlan",
    "RepaymentMethod",
    "Schedule",
    "ScheduleRow",
    "Strategy",
    "accrue_overdue",
    "accrued_interest",
    "amortization_schedule",
    "annual_to_daily",
    "apr_from_cashflows",
    "budget_plan",
    "classification",
    "compare_strategies",
    "daily_to_annual",
    "flat_fee_payments",
    "fmt_money",
    "irr",
    "money",
    "money_str",
    "monthly_rate",
    "next_milestones",
    "overdue_cost",
    "plan_payoff",
    "report_status",
    "timeline",
    "to_decimal",
]
