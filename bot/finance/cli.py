"""Command line over the money engine: ``python -m bot.finance <command> … [--json]``.

Commands: ``schedule``, ``apr``, ``overdue``, ``payoff``, ``budget``. With ``--json`` the
result is one JSON object on stdout, money values as strings with two decimals; without
it a bilingual (Chinese/English) table. Bad input exits with status 2 and the Chinese
message on stderr (with ``--json`` also ``{"error", "message_zh"}`` on stdout), never a
traceback. Defaults that are lender policy (grace days, multiplier, day count) come from
``bot/policy`` (``--policy FILE`` or ``$LENDER_POLICY_FILE``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence, TextIO

from bot.finance import apr as apr_mod
from bot.finance import budget as budget_mod
from bot.finance import overdue as overdue_mod
from bot.finance import payoff as payoff_mod
from bot.finance import rates, validate
from bot.finance import schedule as schedule_mod
from bot.finance.errors import FinanceError, InvalidAmount, InvalidTerm
from bot.finance.money import fmt_money, money_str, percent_str, plain_str, to_decimal

EXIT_BAD_INPUT = 2


class CliInputError(Exception):
    """Bad command line (argparse); carries a Chinese message."""

    def __init__(self, message_zh: str, code: str = "bad_arguments"):
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliInputError(_translate_argparse(message))


def _translate_argparse(message: str) -> str:
    commands = "schedule、apr、overdue、payoff、budget"
    if re.match(r"argument command: invalid choice", message):
        return f"无法识别的命令，可用的命令有：{commands}。"
    if re.match(r"the following arguments are required: command", message):
        return f"请指定一个命令：{commands}。"
    patterns = [
        (r"the following arguments are required: (.+)", "缺少参数：{0}，请补充后再试。"),
        (r"unrecognized arguments: (.+)", "无法识别的参数：{0}。"),
        (r"argument (\S+): invalid choice: '?([^' ]+)'?.*", "参数 {0} 的取值 {1} 无效。"),
        (r"argument (\S+): expected one argument", "参数 {0} 后面需要一个值。"),
        (r"argument (\S+): not allowed with argument (\S+)", "参数 {0} 和 {1} 不能同时使用。"),
        (r"one of the arguments (.+) is required", "需要提供以下参数之一：{0}。"),
        (r"argument (\S+): invalid (\S+) value: '?([^']*)'?", "参数 {0} 的值 {2} 格式不对。"),
    ]
    for pattern, template in patterns:
        match = re.match(pattern, message)
        if match:
            return template.format(*match.groups())
    return f"参数有误：{message}"


# ---------------------------------------------------------------------------- output helpers


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(_width(str(c)) for c in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for index, (cell, width) in enumerate(zip(cells, widths)):
            pad = " " * (width - _width(str(cell)))
            parts.append(f"{cell}{pad}" if index == 0 else f"{pad}{cell}")
        return "  ".join(parts).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        print(line(row), file=out)


def _emit_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _policy(args: argparse.Namespace):
    from bot.policy import load_policy

    return load_policy(getattr(args, "policy", None))


# ---------------------------------------------------------------------------- schedule


def _annual_from_args(args: argparse.Namespace, day_count: int) -> Decimal:
    if args.annual_rate is not None:
        return validate.annual_rate(args.annual_rate)
    return rates.daily_to_annual(args.daily_rate, day_count)


def cmd_schedule(args: argparse.Namespace, out: TextIO) -> int:
    day_count = validate.day_count_value(args.day_count)
    annual = _annual_from_args(args, day_count)
    plan = schedule_mod.amortization_schedule(args.principal, annual, args.months, args.method)
    early = None
    if args.early_days is not None:
        interest = schedule_mod.accrued_interest(plan.principal, annual, args.early_days, day_count)
        early = {
            "days": validate.days_value(args.early_days, "借款天数"),
            "interest": money_str(interest),
            "total": money_str(plan.principal + interest),
            "day_count": day_count,
        }
    if args.json:
        data = plan.to_dict()
        data["day_count"] = day_count
        if early:
            data["early_repayment"] = early
        _emit_json(data, out)
        return 0
    print(
        f"{plan.method.label_zh} {plan.method.value} · 本金 principal"
        f" {fmt_money(plan.principal)} · "
        f"年利率 annual rate {percent_str(plan.annual_rate)}% · {plan.months}期 months",
        file=out,
    )
    _table(
        ["期数 period", "还款额 payment", "利息 interest", "本金 principal", "剩余本金 balance"],
        [
            [
                str(r.period),
                fmt_money(r.payment),
                fmt_money(r.interest),
                fmt_money(r.principal),
                fmt_money(r.balance),
            ]
            for r in plan.rows
        ],
        out,
    )
    print(
        f"合计 total: 还款 paid {fmt_money(plan.total_paid)} · 利息 interest"
        f" {fmt_money(plan.total_interest)} · 年化利率(IRR) APR {percent_str(plan.apr)}%",
        file=out,
    )
    if early:
        print(
            f"借{early['days']}天后提前还清 repaid after {early['days']} days: 利息 interest"
            f" {fmt_money(Decimal(early['interest']))} · 共还 total"
            f" {fmt_money(Decimal(early['total']))}（按{day_count}天计息 day count）",
            file=out,
        )
    return 0


# ---------------------------------------------------------------------------- apr


def _payments_list(text: str) -> list[Decimal]:
    parts = [p for p in re.split(r"[,，;；\s]+", text.strip()) if p]
    if not parts:
        raise InvalidAmount(
            "请提供每期还款金额，用逗号分开，例如 893.33,893.33。", code="no_payments"
        )
    return [to_decimal(p, label="还款金额") for p in parts]


def cmd_apr(args: argparse.Namespace, out: TextIO) -> int:
    day_count = validate.day_count_value(args.day_count)
    data: dict[str, Any]
    if args.payments is not None or args.flat_fee_rate is not None or args.months is not None:
        if args.principal is None:
            raise InvalidAmount("请提供借款本金（--principal）。", code="missing_principal")
        principal = validate.positive_amount(args.principal, "本金")
        fee = validate.non_negative_amount(args.upfront_fee or 0, "先扣的手续费")
        if fee >= principal:
            raise InvalidAmount("先扣的手续费需要小于本金。", code="fee_too_large")
        if args.payments is not None:
            payments = _payments_list(args.payments)
            kind, extra = "cashflows", {}
        elif args.flat_fee_rate is not None:
            if args.months is None:
                raise InvalidTerm("请提供期数（--months），例如 12。", code="missing_months")
            payments = list(apr_mod.flat_fee_payments(principal, args.flat_fee_rate, args.months))
            nominal = apr_mod.nominal_flat_annual_rate(args.flat_fee_rate)
            kind = "flat_fee"
            extra = {
                "nominal_flat_annual_rate": plain_str(nominal),
                "nominal_flat_annual_rate_percent": percent_str(nominal),
            }
        else:
            if args.annual_rate is None and args.daily_rate is None:
                raise InvalidAmount(
                    "请提供年利率（--annual-rate）或日利率（--daily-rate）。", code="missing_rate"
                )
            annual = _annual_from_args(args, day_count)
            plan = schedule_mod.amortization_schedule(principal, annual, args.months, args.method)
            payments = [row.payment for row in plan.rows]
            kind = "schedule"
            extra = {"method": plan.method.value, "nominal_annual_rate": plain_str(annual)}
        result = apr_mod.apr_from_cashflows(principal - fee, payments, args.periods_per_year)
        data = {
            "kind": kind,
            "principal": money_str(principal),
            "upfront_fee": money_str(fee),
            "amount_received": money_str(principal - fee),
            "payments": [money_str(p) for p in payments],
            "total_paid": money_str(sum(payments, Decimal(0))),
            "total_cost": money_str(sum(payments, Decimal(0)) - principal + fee),
            **extra,
            **result.to_dict(),
        }
    elif args.daily_rate is not None:
        annual = rates.daily_to_annual(args.daily_rate, day_count)
        data = {
            "kind": "conversion",
            "daily_rate": plain_str(validate.daily_rate(args.daily_rate, day_count)),
            "annual_rate": plain_str(annual),
            "annual_rate_percent": percent_str(annual),
            "monthly_rate": plain_str(annual / 12),
            "day_count": day_count,
        }
    elif args.annual_rate is not None:
        annual = validate.annual_rate(args.annual_rate)
        daily = rates.annual_to_daily(annual, day_count)
        data = {
            "kind": "conversion",
            "annual_rate": plain_str(annual),
            "annual_rate_percent": percent_str(annual),
            "daily_rate": plain_str(daily),
            "daily_rate_percent": percent_str(daily, 4),
            "monthly_rate": plain_str(annual / 12),
            "day_count": day_count,
        }
    else:
        raise InvalidAmount(
            "请提供还款数据（--principal 加 --payments、--flat-fee-rate 或 --months），"
            "或者只给一个利率做换算。",
            code="missing_input",
        )
    if args.json:
        _emit_json(data, out)
        return 0
    if data["kind"] == "conversion":
        line = (
            f"年利率 annual {data['annual_rate_percent']}% = 日利率 daily"
            f" {plain_str(Decimal(data['daily_rate']) * 100)}%"
        )
        print(
            f"{line}（按{day_count}天 day count）· 月利率 monthly"
            f" {percent_str(Decimal(data['monthly_rate']), 4)}%",
            file=out,
        )
        return 0
    print(
        f"到手 received {fmt_money(Decimal(data['amount_received']))} · 共还 paid"
        f" {fmt_money(Decimal(data['total_paid']))} · 总成本 cost"
        f" {fmt_money(Decimal(data['total_cost']))} · {len(data['payments'])}期 periods",
        file=out,
    )
    if data["kind"] == "flat_fee":
        print(
            "表面年费率 advertised flat rate:"
            f" {data['nominal_flat_annual_rate_percent']}%（按原始本金收费）",
            file=out,
        )
    print(
        f"真实年化利率(IRR) APR: {data['apr_percent']}% · 实际年利率 effective annual rate: "
        f"{data['effective_annual_rate_percent']}%",
        file=out,
    )
    return 0


# ---------------------------------------------------------------------------- overdue


def cmd_overdue(args: argparse.Namespace, out: TextIO) -> int:
    policy = _policy(args)
    day_count = validate.day_count_value(
        args.day_count if args.day_count is not None else policy.day_count
    )
    if args.daily_rate is not None:
        daily = validate.daily_rate(args.daily_rate, day_count)
    elif args.annual_rate is not None:
        daily = rates.annual_to_daily(args.annual_rate, day_count)
    else:
        raise InvalidAmount(
            "请提供合同日利率（--daily-rate）或年利率（--annual-rate）。", code="missing_rate"
        )
    grace = args.grace_days if args.grace_days is not None else policy.grace_days
    multiplier = args.multiplier if args.multiplier is not None else policy.penalty_multiplier
    mode = args.grace_mode or policy.grace_mode
    interest = args.interest if args.interest is not None else 0
    common = dict(
        overdue_interest=interest,
        grace_days=grace,
        multiplier=multiplier,
        grace_mode=mode,
        day_count=day_count,
    )
    if args.days is not None:
        cost = overdue_mod.overdue_cost(args.principal, daily, args.days, **common)
        data = cost.to_dict()
        days = cost.days
    else:
        due = overdue_mod.parse_date(args.due_date, "到期日")
        as_of = overdue_mod.parse_date(args.as_of, "计算日期") if args.as_of else _dt.date.today()
        accrual = overdue_mod.accrue_overdue(args.principal, daily, due, as_of, **common)
        data = accrual.to_dict(include_rows=args.daily_rows)
        data["overdue_principal"] = money_str(
            validate.non_negative_amount(args.principal, "逾期本金")
        )
        data["overdue_interest"] = money_str(validate.non_negative_amount(interest, "逾期利息"))
        data["in_grace"] = 0 < accrual.days <= accrual.grace_days
        days = accrual.days
    examples = {
        "grace_days": args.grace_days is None and policy.is_example("grace_days"),
        "multiplier": args.multiplier is None and policy.is_example("penalty_multiplier"),
        "grace_mode": args.grace_mode is None and policy.is_example("grace_mode"),
    }
    data["policy_examples"] = [name for name, flag in examples.items() if flag]
    data["next_milestones"] = [
        m.to_dict() for m in overdue_mod.next_milestones(days, policy, limit=args.limit)
    ]
    if args.timeline:
        data["timeline"] = [m.to_dict() for m in overdue_mod.timeline(policy)]
    if args.json:
        _emit_json(data, out)
        return 0
    print(
        f"逾期 overdue {data['days']} 天 days · 逾期本金 principal"
        f" {fmt_money(Decimal(data['overdue_principal']))} · 未付利息 interest"
        f" {fmt_money(Decimal(data['overdue_interest']))}",
        file=out,
    )
    penalty_rate = Decimal(data["penalty_daily_rate"]) * 100
    print(
        f"罚息日利率 penalty rate {plain_str(penalty_rate)}%/天 = 日利率 {plain_str(daily * 100)}%"
        f" × {data['multiplier']} · 宽限期 grace {data['grace_days']} 天 · 计罚天数 chargeable"
        f" {data['chargeable_days']} 天",
        file=out,
    )
    _table(
        ["项目 item", "金额 amount"],
        [
            ["罚息 penalty on principal", fmt_money(Decimal(data["penalty_principal"]))],
            ["复利 penalty on interest", fmt_money(Decimal(data["penalty_interest"]))],
            ["合计应还 total due", fmt_money(Decimal(data["total_due"]))],
        ],
        out,
    )
    if data.get("provisional_penalty") and Decimal(data["provisional_penalty"]) > 0:
        print(
            "宽限期内还清免收；宽限期后仍未还清将收取罚息"
            f" {fmt_money(Decimal(data['provisional_penalty']))}",
            file=out,
        )
    print(
        f"征信状态 report status: {data['report_status']}（{data['report_status_zh']}） · "
        f"贷款分类 classification: {data['classification']}",
        file=out,
    )
    for m in data.get("timeline") or data["next_milestones"]:
        tag = "（示例 example）" if m["source"] == "example" else ""
        print(f"  第{m['day']}天 day {m['day']}: {m['text_zh']}{tag}", file=out)
    if data["policy_examples"]:
        print(
            "注：宽限期、罚息规则等为配置示例，以借款合同为准。Configured examples; the loan"
            " contract governs.",
            file=out,
        )
    return 0


# ---------------------------------------------------------------------------- payoff


def _read_loans(path: str) -> list[Any]:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidAmount(
            f"读不到欠款文件 {path}，请检查路径。", code="loans_file_unreadable"
        ) from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError:
        raise InvalidAmount(
            "欠款文件不是有效的JSON，请检查格式。", code="loans_file_not_json"
        ) from None
    if isinstance(data, dict):
        data = data.get("loans", data.get("debts"))
    if not isinstance(data, list):
        raise InvalidAmount(
            "欠款文件需要是一个列表，每项包含 name、balance、annual_rate、minimum_payment。",
            code="loans_file_shape",
        )
    return data


def cmd_payoff(args: argparse.Namespace, out: TextIO) -> int:
    loans = _read_loans(args.loans)
    debts = [payoff_mod.Debt.from_mapping(item) for item in loans] if loans else []
    if args.strategy == "compare":
        plans = payoff_mod.compare_strategies(debts, args.budget, args.max_months)
        if args.json:
            _emit_json({"strategies": payoff_mod.comparison_summary(plans)}, out)
            return 0
        rows = []
        for strategy, plan in plans.items():
            rows.append(
                [
                    strategy.label_zh,
                    "是 yes" if plan.feasible else "否 no",
                    str(plan.months) if plan.months is not None else "-",
                    fmt_money(plan.total_interest) if plan.total_interest is not None else "-",
                    fmt_money(plan.shortfall) if not plan.feasible else "-",
                ]
            )
        _table(
            [
                "策略 strategy",
                "可行 feasible",
                "月数 months",
                "总利息 interest",
                "每月缺口 shortfall",
            ],
            rows,
            out,
        )
        return 0
    plan = payoff_mod.plan_payoff(debts, args.budget, args.strategy, args.max_months)
    if args.json:
        _emit_json(plan.to_dict(), out)
        return 0
    print(f"{plan.strategy.label_zh} · 每月预算 budget {fmt_money(plan.monthly_budget)}", file=out)
    print(plan.reason_zh, file=out)
    if not plan.feasible:
        return 0
    print(
        f"总利息 total interest {fmt_money(plan.total_interest)} · 共还 total paid"
        f" {fmt_money(plan.total_paid)} · 优先顺序 priority: {' > '.join(plan.priority)}",
        file=out,
    )
    print(
        "本月这样还 this month: "
        + "，".join(f"{n} {fmt_money(v)}" for n, v in plan.first_month_payments.items()),
        file=out,
    )
    names = [d.name for d in plan.debts]
    _table(
        ["月 month", *[f"{n} 还款" for n in names], "剩余合计 balance"],
        [
            [str(m.month), *[fmt_money(e.payment) for e in m.debts], fmt_money(m.balance)]
            for m in plan.schedule
        ],
        out,
    )
    return 0


# ---------------------------------------------------------------------------- budget


def cmd_budget(args: argparse.Namespace, out: TextIO) -> int:
    plan = budget_mod.budget_plan(
        args.income, args.fixed, args.minimums, (args.emergency_min, args.emergency_max)
    )
    if args.json:
        _emit_json(plan.to_dict(), out)
        return 0
    _table(
        ["项目 item", "每月 monthly"],
        [
            ["到手收入 take-home income", fmt_money(plan.monthly_income)],
            ["必要支出 needs 50%", fmt_money(plan.needs)],
            ["弹性支出 wants 30%", fmt_money(plan.wants)],
            ["储蓄与还债 savings & debt 20%", fmt_money(plan.savings_and_debt)],
            ["固定支出 fixed expenses", fmt_money(plan.fixed_expenses)],
            ["超出必要支出 over needs", fmt_money(plan.over_needs)],
            ["可用于还债 debt capacity", fmt_money(plan.debt_capacity)],
            ["最低还款合计 debt minimums", fmt_money(plan.debt_minimums)],
            ["可额外还债 extra for debt", fmt_money(plan.extra_for_debt)],
            ["最低还款缺口 minimums gap", fmt_money(plan.minimums_gap)],
        ],
        out,
    )
    low, high = plan.emergency_months
    print(
        f"应急金目标 emergency fund: {fmt_money(plan.emergency_fund_min)} –"
        f" {fmt_money(plan.emergency_fund_max)}（{low}-{high}个月必要支出 months of essential"
        " spending）",
        file=out,
    )
    return 0


# ---------------------------------------------------------------------------- parser and main


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot.finance", description="Exact loan maths (Decimal, to the fen)."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    methods = [m.value for m in schedule_mod.RepaymentMethod] + [
        m.label_zh for m in schedule_mod.RepaymentMethod
    ]

    p = sub.add_parser("schedule", help="repayment schedule 还款计划")
    p.add_argument("--principal", required=True, help="loan amount in yuan, e.g. 10000")
    rate = p.add_mutually_exclusive_group(required=True)
    rate.add_argument(
        "--annual-rate", help="nominal annual rate as a fraction (0.144) or percent (14.4%%)"
    )
    rate.add_argument("--daily-rate", help="daily rate as a fraction (0.0004) or percent (0.04%%)")
    p.add_argument("--months", required=True, help="term in months, 1-600")
    p.add_argument("--method", default="equal_installment", choices=methods)
    p.add_argument(
        "--day-count", default="360", help="days per year for daily rates: 360 (default), 365, 366"
    )
    p.add_argument(
        "--early-days", help="also show the interest if the loan is repaid after this many days"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_schedule)

    p = sub.add_parser("apr", help="true annualised rate (IRR) 真实年化利率")
    p.add_argument("--principal", help="loan amount in yuan")
    p.add_argument("--upfront-fee", help="fee deducted from the loan at the start (yuan)")
    p.add_argument("--payments", help="payments per period, comma separated")
    p.add_argument(
        "--flat-fee-rate", help="monthly flat fee on the original principal (0.006 = 0.6%%/month)"
    )
    p.add_argument("--months", help="term in months (with --flat-fee-rate or a rate)")
    p.add_argument("--method", default="equal_installment", choices=methods)
    p.add_argument("--periods-per-year", default="12")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument("--annual-rate")
    rate.add_argument("--daily-rate")
    p.add_argument("--day-count", default="360")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_apr)

    p = sub.add_parser("overdue", help="cost of being overdue 逾期费用")
    p.add_argument(
        "--principal", required=True, help="overdue principal (or overdue installment) in yuan"
    )
    rate = p.add_mutually_exclusive_group(required=True)
    rate.add_argument("--daily-rate", help="contract daily rate (0.0004 or 0.04%%)")
    rate.add_argument("--annual-rate", help="contract annual rate (converted with the day count)")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--days", help="days overdue")
    when.add_argument("--due-date", help="due date YYYY-MM-DD (day-by-day accrual up to --as-of)")
    p.add_argument("--as-of", help="date of the calculation, YYYY-MM-DD (default: today)")
    p.add_argument("--interest", help="unpaid interest that accrues interest on interest (复利)")
    p.add_argument("--grace-days", help="grace days (default: lender policy)")
    p.add_argument("--multiplier", help="penalty multiplier (default: lender policy, 1.5)")
    p.add_argument("--grace-mode", choices=["waive", "exclude"], help="default: lender policy")
    p.add_argument("--day-count", help="360, 365 or 366 (default: lender policy)")
    p.add_argument("--policy", help="lender policy YAML (default: $LENDER_POLICY_FILE or packaged)")
    p.add_argument("--limit", type=int, default=2, help="how many upcoming milestones to show")
    p.add_argument("--timeline", action="store_true", help="show the whole overdue timeline")
    p.add_argument(
        "--daily-rows", action="store_true", help="with --due-date: include the day-by-day rows"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_overdue)

    p = sub.add_parser("payoff", help="multi-debt payoff plan 多笔欠款还款计划")
    p.add_argument(
        "--loans",
        required=True,
        help="JSON file (or - for stdin): [{name, balance, annual_rate, minimum_payment}]",
    )
    p.add_argument("--budget", required=True, help="monthly budget for all debts, yuan")
    p.add_argument(
        "--strategy",
        default="avalanche",
        choices=[s.value for s in payoff_mod.Strategy] + ["compare"],
    )
    p.add_argument("--max-months", default=str(payoff_mod.DEFAULT_MAX_MONTHS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_payoff)

    p = sub.add_parser("budget", help="50/30/20 budget 预算")
    p.add_argument("--income", required=True, help="monthly take-home income, yuan")
    p.add_argument("--fixed", default="0", help="fixed essential expenses per month")
    p.add_argument("--minimums", default="0", help="sum of minimum debt payments per month")
    p.add_argument("--emergency-min", default="3", help="emergency fund, months (low)")
    p.add_argument("--emergency-max", default="6", help="emergency fund, months (high)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_budget)
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args, out)
    except (FinanceError, CliInputError) as exc:
        return _fail(exc.message_zh, exc.code, want_json, out, err)
    except ValueError as exc:  # bot.policy.PolicyError and other configuration errors
        from bot.policy import PolicyError

        if isinstance(exc, PolicyError):
            return _fail(f"贷款规则配置文件有误：{exc}", "bad_policy", want_json, out, err)
        raise


def _fail(message_zh: str, code: str, want_json: bool, out: TextIO, err: TextIO) -> int:
    if want_json:
        _emit_json({"error": code, "message_zh": message_zh}, out)
    print(message_zh, file=err)
    return EXIT_BAD_INPUT


__all__ = ["main", "build_parser", "EXIT_BAD_INPUT"]
