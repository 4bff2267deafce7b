"""Multi-debt payoff planner: avalanche, snowball, or minimums only.

Model (one step per month, for every debt with a balance):

1. interest ``money(balance × annual_rate / 12)`` is added (HALF_UP to the fen);
2. every debt gets its minimum payment, or what it owes if that is less;
3. a debt that the minimum leaves owing less than :data:`ROUNDING_TAIL` (a fixed instalment
   a few fen below the last one, which absorbs the rounding of the lender's schedule) is
   paid off this month from what is left of the budget, instead of running one month more
   for a few fen;
4. what is left of the monthly budget goes to one debt at a time in the strategy's
   priority order until it is paid off, then to the next ("freed" minimums of paid-off
   debts therefore roll forward automatically: the budget stays constant);
5. ``minimums_only`` pays just steps 2 and 3 and leaves the rest of the budget unused.

Priority orders are fixed from the starting data, so a plan never reshuffles: avalanche =
highest annual rate first (ties: smaller balance, then input order); snowball = smallest
starting balance first (ties: higher rate, then input order). With fixed orders a larger
budget can never make a plan longer or costlier.

Feasibility is decided exactly: a budget below the first month's minimums is infeasible
with ``shortfall`` = the difference; a plan that would not end within ``max_months``
(600 by default) is infeasible with ``shortfall`` = the smallest extra monthly amount (to
the fen) that makes it end in time, found by bisection over whole fen. Simulations stop
early once the debt provably can never shrink. Nothing loops forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

from bot.finance import validate
from bot.finance.errors import InvalidAmount, InvalidTerm
from bot.finance.money import CENT, finance_context, fmt_money, money, money_str, plain_str
from bot.finance.months import months_text

DEFAULT_MAX_MONTHS = 600
#: a balance below this after the minimum is the last instalment's rounding, paid with it (fen)
ROUNDING_TAIL = 100
MAX_DEBTS = 50
_ZERO = Decimal("0.00")


class Strategy(str, Enum):
    """Payoff strategies."""

    avalanche = "avalanche"
    snowball = "snowball"
    minimums_only = "minimums_only"

    @property
    def label_zh(self) -> str:
        """The name with what it means: 雪崩法（先还利率最高的）."""
        return {
            Strategy.avalanche: f"{self.short_zh}（先还利率最高的）",
            Strategy.snowball: f"{self.short_zh}（先还余额最小的）",
            Strategy.minimums_only: self.short_zh,
        }[self]

    @property
    def short_zh(self) -> str:
        """The name alone: 雪崩法."""
        return {
            Strategy.avalanche: "雪崩法",
            Strategy.snowball: "雪球法",
            Strategy.minimums_only: "只还最低还款额",
        }[self]

    @classmethod
    def parse(cls, value: Any) -> "Strategy":
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        aliases = {"雪崩法": cls.avalanche, "雪球法": cls.snowball, "minimums": cls.minimums_only}
        for strategy in cls:
            if text == strategy.value:
                return strategy
        if text in aliases:
            return aliases[text]
        raise InvalidTerm(
            "还款策略只能是雪崩法（avalanche）、雪球法（snowball）或只还最低（minimums_only）。",
            code="bad_strategy",
        )


@dataclass(frozen=True)
class Debt:
    """One debt: current ``balance`` (yuan), nominal ``annual_rate`` (fraction), contractual
    ``minimum_payment`` per month (0 allowed). Values are validated and normalised on creation."""

    name: str
    balance: Decimal
    annual_rate: Decimal
    minimum_payment: Decimal

    def __post_init__(self) -> None:
        name = self.name.strip() if isinstance(self.name, str) else ""
        if not name or len(name) > 40:
            raise InvalidAmount(
                "每笔欠款需要一个名称（不超过40个字），例如“借呗”或“信用卡”。", code="bad_debt_name"
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(
            self, "balance", validate.positive_amount(self.balance, f"“{name}”的欠款余额")
        )
        object.__setattr__(
            self, "annual_rate", validate.annual_rate(self.annual_rate, f"“{name}”的年利率")
        )
        object.__setattr__(
            self,
            "minimum_payment",
            validate.non_negative_amount(self.minimum_payment, f"“{name}”的最低还款额"),
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Debt":
        """Build from ``{"name", "balance", "annual_rate", "minimum_payment"}``."""
        if not isinstance(data, Mapping):
            raise InvalidAmount("每笔欠款需要写明名称、余额、年利率和最低还款额。", code="bad_debt")
        missing = [
            k for k in ("name", "balance", "annual_rate", "minimum_payment") if k not in data
        ]
        if missing:
            raise InvalidAmount(
                "每笔欠款需要写明名称(name)、余额(balance)、"
                "年利率(annual_rate)和最低还款额(minimum_payment)。",
                code="bad_debt",
                missing=missing,
            )
        return cls(str(data["name"]), data["balance"], data["annual_rate"], data["minimum_payment"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "balance": money_str(self.balance),
            "annual_rate": plain_str(self.annual_rate),
            "minimum_payment": money_str(self.minimum_payment),
        }


@dataclass(frozen=True)
class PayoffEntry:
    """One debt in one month: what was paid, the interest added, and the balance after."""

    name: str
    payment: Decimal
    interest: Decimal
    balance: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "payment": money_str(self.payment),
            "interest": money_str(self.interest),
            "balance": money_str(self.balance),
        }


@dataclass(frozen=True)
class PayoffMonth:
    """One month of a plan, with one entry per debt (in input order) and the totals."""

    month: int
    debts: tuple[PayoffEntry, ...]
    payment: Decimal
    interest: Decimal
    balance: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "debts": [entry.to_dict() for entry in self.debts],
            "payment": money_str(self.payment),
            "interest": money_str(self.interest),
            "balance": money_str(self.balance),
        }


@dataclass(frozen=True)
class PayoffPlan:
    """Result of :func:`plan_payoff`.

    When ``feasible`` is false, ``months``, ``total_interest`` and ``total_paid`` are
    ``None``, ``schedule`` is empty and ``shortfall`` is the exact extra per month needed
    (see the module docstring); ``reason_zh`` explains it in one Chinese sentence.
    """

    strategy: Strategy
    monthly_budget: Decimal
    debts: tuple[Debt, ...]
    feasible: bool
    months: int | None
    total_interest: Decimal | None
    total_paid: Decimal | None
    schedule: tuple[PayoffMonth, ...]
    first_month_payments: dict[str, Decimal]
    shortfall: Decimal
    reason_zh: str
    priority: tuple[str, ...]
    payoff_month: dict[str, int] = field(default_factory=dict)
    max_months: int = DEFAULT_MAX_MONTHS

    def to_dict(self, include_schedule: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "strategy": self.strategy.value,
            "strategy_zh": self.strategy.label_zh,
            "monthly_budget": money_str(self.monthly_budget),
            "feasible": self.feasible,
            "months": self.months,
            "total_interest": (
                money_str(self.total_interest) if self.total_interest is not None else None
            ),
            "total_paid": money_str(self.total_paid) if self.total_paid is not None else None,
            "shortfall": money_str(self.shortfall),
            "reason_zh": self.reason_zh,
            "priority": list(self.priority),
            "first_month_payments": {
                name: money_str(v) for name, v in self.first_month_payments.items()
            },
            "payoff_month": dict(self.payoff_month),
            "max_months": self.max_months,
            "debts": [debt.to_dict() for debt in self.debts],
        }
        if include_schedule:
            data["schedule"] = [month.to_dict() for month in self.schedule]
        return data


@dataclass
class _Run:
    months: int | None
    total_interest: int  # fen
    total_paid: int  # fen
    schedule: list[PayoffMonth]
    payoff_month: dict[str, int]
    first_month: list[int]  # fen, input order


def _priority(debts: Sequence[Debt], strategy: Strategy) -> list[int]:
    indices = range(len(debts))
    if strategy is Strategy.snowball:
        return sorted(indices, key=lambda i: (debts[i].balance, -debts[i].annual_rate, i))
    return sorted(indices, key=lambda i: (-debts[i].annual_rate, debts[i].balance, i))


def _to_fen(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _from_fen(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _monthly_ratio(annual_rate: Decimal) -> tuple[int, int]:
    """The monthly rate ``annual_rate / 12`` as an exact integer ratio ``(p, q)``."""
    numerator, denominator = annual_rate.as_integer_ratio()
    return numerator, denominator * 12


def _interest_fen(balance: int, ratio: tuple[int, int]) -> int:
    """``money(balance × annual / 12)`` in fen, HALF_UP, exact (integer arithmetic)."""
    p, q = ratio
    return (2 * balance * p + q) // (2 * q)


def _simulate(
    debts: Sequence[Debt],
    budget: Decimal,
    strategy: Strategy,
    max_months: int,
    record: bool,
) -> _Run:
    """Run the month loop in whole fen (exactly the Decimal rules, integer-fast).

    ``months`` is None when the debts are not cleared within ``max_months``; the loop stops
    early once that is certain (see :func:`_hopeless`).
    """
    count = len(debts)
    balances = [_to_fen(d.balance) for d in debts]
    ratios = [_monthly_ratio(d.annual_rate) for d in debts]
    minimums = [_to_fen(d.minimum_payment) for d in debts]
    budget_fen = _to_fen(budget)
    order = _priority(debts, strategy)
    rolls_forward = strategy is not Strategy.minimums_only
    total_interest = total_paid = 0
    schedule: list[PayoffMonth] = []
    payoff_month: dict[str, int] = {}
    first_month: list[int] = []
    for month in range(1, max_months + 1):
        interest = [
            _interest_fen(balances[i], ratios[i]) if balances[i] > 0 else 0 for i in range(count)
        ]
        owed = [balances[i] + interest[i] for i in range(count)]
        pay = [min(minimums[i], owed[i]) for i in range(count)]
        extra = budget_fen - sum(pay)
        for i in order:
            tail = owed[i] - pay[i]
            if 0 < tail < ROUNDING_TAIL and pay[i] > 0 and tail <= extra:
                pay[i] += tail
                extra -= tail
        if rolls_forward:
            for i in order:
                if extra <= 0:
                    break
                add = min(extra, owed[i] - pay[i])
                pay[i] += add
                extra -= add
        for i in range(count):
            balances[i] = owed[i] - pay[i]
            if balances[i] == 0 and owed[i] > 0:
                payoff_month[debts[i].name] = month
        month_interest, month_paid = sum(interest), sum(pay)
        total_interest += month_interest
        total_paid += month_paid
        if month == 1:
            first_month = pay
        if record:
            entries = tuple(
                PayoffEntry(
                    debts[i].name, _from_fen(pay[i]), _from_fen(interest[i]), _from_fen(balances[i])
                )
                for i in range(count)
            )
            schedule.append(
                PayoffMonth(
                    month,
                    entries,
                    _from_fen(month_paid),
                    _from_fen(month_interest),
                    _from_fen(sum(balances)),
                )
            )
        if not any(balances):
            return _Run(month, total_interest, total_paid, schedule, payoff_month, first_month)
        if _hopeless(balances, ratios, minimums, budget_fen, rolls_forward, max_months - month):
            break
    return _Run(None, total_interest, total_paid, schedule, payoff_month, first_month)


def _hopeless(
    balances: list[int],
    ratios: list[tuple[int, int]],
    minimums: list[int],
    budget: int,
    rolls_forward: bool,
    months_left: int,
) -> bool:
    """True when the debts provably cannot be cleared in the months left (a safe early stop).

    * Not enough months: each month pays at most the budget (minimums only: at most each
      minimum) and interest never reduces a balance, so a balance larger than the payments
      still possible cannot be cleared.
    * Never shrinking, minimums only: a debt whose minimum does not exceed next month's
      interest never shrinks, since its interest only grows with it.
    * Never shrinking, avalanche/snowball: with ``r`` the lowest monthly rate among open
      debts, next month's interest is at least ``r·B − ½ fen × n`` (HALF_UP); if the budget
      is no more than that, the total ``B`` cannot fall, and the condition persists.
    """
    open_debts = [i for i, b in enumerate(balances) if b > 0]
    if not rolls_forward:
        return any(
            balances[i] > minimums[i] * months_left
            or minimums[i] <= _interest_fen(balances[i], ratios[i])
            for i in open_debts
        )
    total = sum(balances[i] for i in open_debts)
    if total > budget * months_left:
        return True
    p, q = min((ratios[i] for i in open_debts), key=lambda r: Fraction(*r))
    return 2 * q * budget <= 2 * p * total - q * len(open_debts)


def _first_month_required(debts: Sequence[Debt]) -> Decimal:
    return sum(
        (min(d.minimum_payment, d.balance + money(d.balance * d.annual_rate / 12)) for d in debts),
        _ZERO,
    )


def _smallest_feasible(low: Decimal, high: Decimal, feasible: Any) -> Decimal:
    """Smallest fen amount in ``[low, high]`` for which ``feasible`` holds (monotone)."""
    lo, hi = _to_fen(low), _to_fen(high)
    while lo < hi:
        mid = (lo + hi) // 2
        if feasible(_from_fen(mid)):
            hi = mid
        else:
            lo = mid + 1
    return _from_fen(lo)


def _normalise(debts: Iterable[Debt | Mapping[str, Any]]) -> tuple[Debt, ...]:
    items = tuple(d if isinstance(d, Debt) else Debt.from_mapping(d) for d in debts)
    if not items:
        raise InvalidAmount("请至少提供一笔欠款。", code="no_debts")
    if len(items) > MAX_DEBTS:
        raise InvalidAmount(
            f"一次最多规划{MAX_DEBTS}笔欠款，请合并或分批计算。", code="too_many_debts"
        )
    names = [d.name for d in items]
    if len(set(names)) != len(names):
        raise InvalidAmount(
            "每笔欠款的名称需要互不相同，例如“信用卡A”和“信用卡B”。", code="duplicate_debt_name"
        )
    return items


def plan_payoff(
    debts: Iterable[Debt | Mapping[str, Any]],
    monthly_budget: Any,
    strategy: Strategy | str = Strategy.avalanche,
    max_months: int = DEFAULT_MAX_MONTHS,
) -> PayoffPlan:
    """Plan how to clear ``debts`` with ``monthly_budget`` yuan a month under ``strategy``.

    ``debts`` are :class:`Debt` objects or mappings with the same keys. The result is a
    :class:`PayoffPlan`; an impossible budget is answered (``feasible=False``, exact
    ``shortfall``), never with an endless loop. Raises typed errors on bad input.

    ``shortfall`` when infeasible: for avalanche / snowball, the smallest extra monthly
    budget (to the fen) with which the plan ends within ``max_months``. For minimums_only
    the budget is not what clears debts, the minimums are: the shortfall is what the budget
    lacks to cover the minimums, plus the smallest total raise (to the fen) of the minimums
    that are too small to clear their debt within ``max_months``.
    """
    items = _normalise(debts)
    budget = validate.positive_amount(monthly_budget, "每月预算")
    kind = Strategy.parse(strategy)
    cap = validate.whole_number(max_months, label="最长月数", minimum=1, maximum=1200)
    priority = tuple(items[i].name for i in _priority(items, kind))

    def infeasible(shortfall: Decimal, reason: str) -> PayoffPlan:
        return PayoffPlan(
            kind,
            budget,
            items,
            False,
            None,
            None,
            None,
            (),
            {},
            shortfall,
            reason,
            priority,
            {},
            cap,
        )

    with finance_context():
        required = _first_month_required(items)
        budget_gap = max(required - budget, _ZERO)
        gap_text = (
            f"每月预算{fmt_money(budget)}元，低于各笔最低还款额合计{fmt_money(required)}元，"
            f"每月还差{fmt_money(budget_gap)}元。"
        )
        if kind is Strategy.minimums_only:
            run = _simulate(items, budget, kind, cap, record=budget_gap == 0)
            if budget_gap == 0 and run.months is not None:
                return _feasible_plan(kind, budget, items, run, priority, cap)
            raise_by, stuck = _minimums_shortfall(items, cap)
            reason = gap_text if budget_gap else ""
            if stuck:
                reason += (
                    f"只还最低还款额的话，{'、'.join(stuck)}在{_years(cap)}内还不清（最低还款额太少，主要在还利息）；"
                    f"这些欠款的最低还款每月合计至少要多还{fmt_money(raise_by)}元。"
                )
            return infeasible(budget_gap + raise_by, reason)
        if budget_gap:
            needed = _needed_budget(items, kind, cap, required)
            reason = gap_text
            if needed > required:
                reason += (
                    f"而且要在{_years(cap)}内还清，"
                    f"每月至少要还{fmt_money(needed)}元（再多{fmt_money(needed - budget)}元）。"
                )
            return infeasible(needed - budget, reason)
        run = _simulate(items, budget, kind, cap, record=True)
        if run.months is not None:
            return _feasible_plan(kind, budget, items, run, priority, cap)
        needed = _needed_budget(items, kind, cap, budget + CENT)
        first_interest = sum((money(d.balance * d.annual_rate / 12) for d in items), _ZERO)
        why = "还款追不上利息的增长" if budget <= first_interest else "还款太慢"
        return infeasible(
            needed - budget,
            f"每月还{fmt_money(budget)}元的话{why}，{_years(cap)}内还不清；"
            f"每月至少要还{fmt_money(needed)}元（再多{fmt_money(needed - budget)}元）"
            "才能在期限内还清。",
        )


def _feasible_plan(
    kind: Strategy,
    budget: Decimal,
    items: tuple[Debt, ...],
    run: _Run,
    priority: tuple[str, ...],
    cap: int,
) -> PayoffPlan:
    assert run.months is not None
    return PayoffPlan(
        kind,
        budget,
        items,
        True,
        run.months,
        _from_fen(run.total_interest),
        _from_fen(run.total_paid),
        tuple(run.schedule),
        {d.name: _from_fen(fen) for d, fen in zip(items, run.first_month)},
        _ZERO,
        _feasible_reason(kind, run.months),
        priority,
        run.payoff_month,
        cap,
    )


def _needed_budget(items: Sequence[Debt], kind: Strategy, cap: int, low: Decimal) -> Decimal:
    """Smallest monthly budget ≥ ``low`` (to the fen) that clears ``items`` within ``cap``
    months."""
    high = sum((d.balance + money(d.balance * d.annual_rate / 12) for d in items), _ZERO)
    return _smallest_feasible(
        low,
        max(high, low),
        lambda b: _simulate(items, b, kind, cap, record=False).months is not None,
    )


def _minimums_shortfall(items: Sequence[Debt], cap: int) -> tuple[Decimal, list[str]]:
    """Total raise of the minimums that cannot clear their debt within ``cap`` months."""
    gap = _ZERO
    stuck = []
    for debt in items:
        alone = _simulate([debt], debt.minimum_payment, Strategy.minimums_only, cap, record=False)
        if alone.months is not None:
            continue
        stuck.append(debt.name)
        high = debt.balance + money(debt.balance * debt.annual_rate / 12)

        def clears(payment: Decimal, debt: Debt = debt) -> bool:
            trial = Debt(debt.name, debt.balance, debt.annual_rate, payment)
            return (
                _simulate([trial], payment, Strategy.minimums_only, cap, record=False).months
                is not None
            )

        needed = _smallest_feasible(
            debt.minimum_payment + CENT, max(high, debt.minimum_payment + CENT), clears
        )
        gap += needed - debt.minimum_payment
    return gap, stuck


def _years(months: int) -> str:
    return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"


def _feasible_reason(strategy: Strategy, months: int) -> str:
    return f"按{strategy.label_zh}，{months_text(months)}可以全部还清。"


def compare_strategies(
    debts: Iterable[Debt | Mapping[str, Any]],
    monthly_budget: Any,
    max_months: int = DEFAULT_MAX_MONTHS,
) -> dict[Strategy, PayoffPlan]:
    """The plans of every strategy for the same debts and budget, side by side."""
    items = _normalise(debts)
    return {
        strategy: plan_payoff(items, monthly_budget, strategy, max_months) for strategy in Strategy
    }


def comparison_summary(plans: Mapping[Strategy, PayoffPlan]) -> dict[str, Any]:
    """JSON-friendly side-by-side summary (months, interest, and savings against
    ``minimums_only`` when both are feasible)."""
    baseline = plans.get(Strategy.minimums_only)
    rows = {}
    for strategy, plan in plans.items():
        row = plan.to_dict(include_schedule=False)
        if (
            baseline is not None
            and baseline.feasible
            and plan.feasible
            and plan.total_interest is not None
            and baseline.total_interest is not None
        ):
            row["interest_saved_vs_minimums"] = money_str(
                baseline.total_interest - plan.total_interest
            )
        rows[strategy.value] = row
    return rows


__all__ = [
    "DEFAULT_MAX_MONTHS",
    "MAX_DEBTS",
    "Strategy",
    "Debt",
    "PayoffEntry",
    "PayoffMonth",
    "PayoffPlan",
    "plan_payoff",
    "compare_strategies",
    "comparison_summary",
]
