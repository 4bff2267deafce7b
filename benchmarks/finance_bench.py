"""Benchmark of the money engine (not a test: figures, not pass/fail).

Run:  .venv/bin/python benchmarks/finance_bench.py [--repeat N] [--json]

Scenarios:
* a 360-month 等额本息 schedule including its IRR APR (amortization_schedule);
* a 20-loan payoff plan with a feasible budget (avalanche), plus the infeasible case
  that needs the exact-shortfall search (budget below what clears within 600 months);
* a 3-year (1,095-day) day-by-day overdue accrual with two partial repayments.

Each scenario runs ``--repeat`` times after one warm-up; the median and best wall-clock
times are reported together with the Python version and the machine's CPU count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from decimal import Decimal
from typing import Any, Callable

from bot.finance.overdue import accrue_overdue
from bot.finance.payoff import Debt, Strategy, compare_strategies, plan_payoff
from bot.finance.schedule import RepaymentMethod, amortization_schedule


def _twenty_debts() -> list[Debt]:
    debts = []
    for i in range(20):
        balance = Decimal(2000 + 1750 * i)
        rate = Decimal(4 + (i * 7) % 33) / 100  # 4 % … 36 %
        minimum = (balance * Decimal("0.04")).quantize(Decimal("0.01"))
        debts.append(Debt(f"loan{i + 1:02d}", balance, rate, minimum))
    return debts


def scenarios() -> dict[str, Callable[[], Any]]:
    debts = _twenty_debts()
    minimums = sum(d.minimum_payment for d in debts)
    due = dt.date(2021, 1, 1)
    return {
        "schedule_360_months": lambda: amortization_schedule(
            "1000000", "0.049", 360, RepaymentMethod.equal_installment
        ),
        "payoff_20_loans_avalanche": lambda: plan_payoff(
            debts, minimums + 3000, Strategy.avalanche
        ),
        "payoff_20_loans_compare_3_strategies": lambda: compare_strategies(debts, minimums + 3000),
        "payoff_20_loans_infeasible_shortfall": lambda: plan_payoff(
            [Debt(d.name, d.balance, d.annual_rate, Decimal(0)) for d in debts],
            Decimal("3000"),
            Strategy.avalanche,
        ),
        "overdue_accrual_3_years_daily": lambda: accrue_overdue(
            "50000",
            "0.0005",
            due,
            due + dt.timedelta(days=1095),
            overdue_interest="1200",
            grace_days=3,
            repayments=[(dt.date(2021, 6, 1), "5000"), (dt.date(2022, 6, 1), "5000")],
        ),
    }


def measure(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(times), "best_ms": min(times), "runs": repeat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {name: measure(fn, args.repeat) for name, fn in scenarios().items()}
    checks = scenarios()
    plan = checks["payoff_20_loans_avalanche"]()
    infeasible = checks["payoff_20_loans_infeasible_shortfall"]()
    accrual = checks["overdue_accrual_3_years_daily"]()
    schedule = checks["schedule_360_months"]()
    compared = checks["payoff_20_loans_compare_3_strategies"]()
    facts = {
        "schedule_360_months": (
            f"payment {schedule.rows[0].payment}, total interest {schedule.total_interest}"
        ),
        "payoff_20_loans_avalanche": f"{plan.months} months, total interest {plan.total_interest}",
        "payoff_20_loans_compare_3_strategies": " / ".join(
            f"{strategy.value} {p.months} mo" for strategy, p in compared.items()
        ),
        "payoff_20_loans_infeasible_shortfall": f"shortfall {infeasible.shortfall} per month",
        "overdue_accrual_3_years_daily": (
            f"{accrual.days} days, penalty {accrual.total_penalty}, due {accrual.total_due}"
        ),
    }
    env = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    if args.json:
        json.dump({"env": env, "results": results, "facts": facts}, sys.stdout, indent=2)
        print()
        return 0
    print(
        f"Python {env['python']} · {env['cpus']} CPUs · {env['machine']} · {args.repeat} runs each"
    )
    print(f"{'scenario':40} {'median ms':>10} {'best ms':>10}  result")
    for name, r in results.items():
        print(f"{name:40} {r['median_ms']:10.2f} {r['best_ms']:10.2f}  {facts.get(name, '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
