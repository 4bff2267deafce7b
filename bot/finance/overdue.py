"""What being overdue costs, and what happens when: penalty (罚息), interest on unpaid
interest (复利), the PBOC credit-report status code and the loan classification.

Conventions:

* Day 1 overdue is the day after the due date; a repayment on day k costs k days.
* The penalty daily rate is ``daily_rate × multiplier`` (1.5 by default: "贷款罚息日利率为
  日利率的1.5倍"). It applies to the overdue principal (罚息) and, at the same rate, to the
  unpaid interest (复利, interest on interest). It replaces the contract interest on the
  overdue amount for those days; nothing is charged twice on the same principal.
* Amounts are simple daily accrual on the outstanding amounts; each reported figure is
  rounded HALF_UP to the fen once, at the end (``money(P × rate × days)``), never day by day.
* Grace days: with ``grace_mode="waive"`` (the default) nothing is charged if the debt is
  cleared within the grace days, and if it is not, the penalty counts from overdue day 1;
  with ``grace_mode="exclude"`` the grace days are never charged and the penalty counts
  from the day after them. Either way the penalty is 0 inside the grace period.
* The status code (N, 1–7) and the classification (正常/关注/次级/可疑/损失) are regulatory
  facts keyed on days overdue. *Whether and when* a lender reports is lender policy
  (``report_after_days`` in :mod:`bot.policy`), as is the collection / lawsuit timeline.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from bot.finance import validate
from bot.finance.errors import InvalidAmount, InvalidDate, InvalidRate
from bot.finance.money import decimal_str, finance_context, money, money_str, plain_str
from bot.policy.model import ALLOCATION_PARTS, GRACE_MODES, Milestone

if TYPE_CHECKING:  # pragma: no cover
    from bot.policy.model import LenderPolicy

DEFAULT_MULTIPLIER = Decimal("1.5")

#: PBOC credit-report repayment status by days overdue (upper bound of each band).
_STATUS_BANDS: tuple[tuple[int, str], ...] = (
    (30, "1"),
    (60, "2"),
    (90, "3"),
    (120, "4"),
    (150, "5"),
    (180, "6"),
)
STATUS_DESCRIPTIONS_ZH = {
    "N": "正常",
    "1": "逾期1-30天",
    "2": "逾期31-60天",
    "3": "逾期61-90天",
    "4": "逾期91-120天",
    "5": "逾期121-150天",
    "6": "逾期151-180天",
    "7": "逾期180天以上",
}
#: Loan classification by days overdue (upper bound of each band).
_CLASS_BANDS: tuple[tuple[int, str], ...] = (
    (0, "正常"),
    (90, "关注"),
    (120, "次级"),
    (180, "可疑"),
)
NON_PERFORMING = ("次级", "可疑", "损失")


def _days(days_overdue: Any) -> int:
    return validate.days_value(days_overdue, "逾期天数")


def report_status(days_overdue: Any) -> str:
    """PBOC credit-report repayment status: ``"N"`` when not overdue, ``"1"`` for 1–30 days,
    ``"2"`` for 31–60 … ``"6"`` for 151–180 and ``"7"`` beyond 180 days."""
    days = _days(days_overdue)
    if days == 0:
        return "N"
    for upper, code in _STATUS_BANDS:
        if days <= upper:
            return code
    return "7"


def classification(days_overdue: Any) -> str:
    """Loan classification: 正常 (not overdue), 关注 (1–90), 次级 (91–120), 可疑 (121–180),
    损失 (over 180 days). The last three are non-performing."""
    days = _days(days_overdue)
    for upper, label in _CLASS_BANDS:
        if days <= upper:
            return label
    return "损失"


def next_status_change(days_overdue: Any) -> tuple[int, str] | None:
    """The next overdue day on which the status code worsens and the code it becomes
    (``(31, "2")`` for 10 days overdue), or ``None`` once the status is ``"7"``."""
    days = _days(days_overdue)
    if days == 0:
        return (1, "1")
    for upper, _code in _STATUS_BANDS:
        if days <= upper:
            return (upper + 1, report_status(upper + 1))
    return None


def chargeable_days(days: int, grace_days: int, grace_mode: str = "waive") -> int:
    """Days the penalty is charged for after ``days`` overdue days (see module conventions)."""
    if days <= grace_days:
        return 0
    return days if grace_mode == "waive" else days - grace_days


def _grace(grace_days: Any, grace_mode: str) -> tuple[int, str]:
    grace = validate.whole_number(grace_days, label="宽限期天数", minimum=0, maximum=30)
    if grace_mode not in GRACE_MODES:
        raise InvalidRate("宽限期计罚方式只能是 waive 或 exclude。", code="bad_grace_mode")
    return grace, grace_mode


def _amounts(overdue_principal: Any, overdue_interest: Any) -> tuple[Decimal, Decimal]:
    principal = validate.non_negative_amount(overdue_principal, "逾期本金")
    interest = validate.non_negative_amount(overdue_interest, "逾期利息")
    if principal + interest <= 0:
        raise InvalidAmount("逾期金额需要大于0，请再输入一次。", code="amount_not_positive")
    return principal, interest


@dataclass(frozen=True)
class OverdueCost:
    """Cost of an overdue amount after ``days`` days (see module conventions)."""

    overdue_principal: Decimal
    overdue_interest: Decimal
    daily_rate: Decimal
    multiplier: Decimal
    penalty_daily_rate: Decimal
    days: int
    grace_days: int
    grace_mode: str
    chargeable_days: int
    penalty_principal: Decimal
    penalty_interest: Decimal
    total_penalty: Decimal
    total_due: Decimal
    report_status: str
    classification: str

    @property
    def in_grace(self) -> bool:
        """Overdue but still inside the grace days (nothing charged yet)."""
        return 0 < self.days <= self.grace_days

    def to_dict(self) -> dict[str, Any]:
        return {
            "overdue_principal": money_str(self.overdue_principal),
            "overdue_interest": money_str(self.overdue_interest),
            "daily_rate": plain_str(self.daily_rate),
            "multiplier": plain_str(self.multiplier),
            "penalty_daily_rate": plain_str(self.penalty_daily_rate),
            "days": self.days,
            "grace_days": self.grace_days,
            "grace_mode": self.grace_mode,
            "in_grace": self.in_grace,
            "chargeable_days": self.chargeable_days,
            "penalty_principal": money_str(self.penalty_principal),
            "penalty_interest": money_str(self.penalty_interest),
            "total_penalty": money_str(self.total_penalty),
            "total_due": money_str(self.total_due),
            "report_status": self.report_status,
            "report_status_zh": STATUS_DESCRIPTIONS_ZH[self.report_status],
            "classification": self.classification,
            "non_performing": self.classification in NON_PERFORMING,
        }


def overdue_cost(
    overdue_principal: Any,
    daily_rate: Any,
    days: Any,
    overdue_interest: Any = Decimal(0),
    grace_days: Any = 0,
    multiplier: Any = DEFAULT_MULTIPLIER,
    *,
    grace_mode: str = "waive",
    day_count: int = 360,
) -> OverdueCost:
    """Penalty and total due for ``overdue_principal`` (and unpaid ``overdue_interest``)
    after ``days`` overdue days at contract ``daily_rate`` (fraction per day).

    ``penalty_principal = money(principal × daily_rate × multiplier × chargeable_days)``,
    ``penalty_interest`` likewise on the unpaid interest; ``total_due`` adds the overdue
    principal and interest. Example: 899.75 for 10 days at 0.04 %/day × 1.5 → 5.40.
    """
    principal, interest = _amounts(overdue_principal, overdue_interest)
    rate = validate.daily_rate(daily_rate, day_count)
    factor = validate.multiplier_value(multiplier)
    overdue_days = _days(days)
    grace, mode = _grace(grace_days, grace_mode)
    charged = chargeable_days(overdue_days, grace, mode)
    with finance_context():
        penalty_rate = rate * factor
        on_principal = money(principal * penalty_rate * charged)
        on_interest = money(interest * penalty_rate * charged)
    total_penalty = on_principal + on_interest
    return OverdueCost(
        overdue_principal=principal,
        overdue_interest=interest,
        daily_rate=rate,
        multiplier=factor,
        penalty_daily_rate=penalty_rate,
        days=overdue_days,
        grace_days=grace,
        grace_mode=mode,
        chargeable_days=charged,
        penalty_principal=on_principal,
        penalty_interest=on_interest,
        total_penalty=total_penalty,
        total_due=principal + interest + total_penalty,
        report_status=report_status(overdue_days),
        classification=classification(overdue_days),
    )


@dataclass(frozen=True)
class OverdueDay:
    """One overdue day of :func:`accrue_overdue`.

    ``principal`` / ``interest`` are the amounts the penalty accrued on that day (before
    that day's repayment); ``penalty`` is that day's exact (unrounded) accrual, 0 on days
    that are not charged; ``penalty_to_date`` is the chargeable penalty accrued so far,
    rounded to the fen; ``repaid`` is what was repaid that day.
    """

    day: int
    date: _dt.date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    penalty_to_date: Decimal
    repaid: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "date": self.date.isoformat(),
            "principal": money_str(self.principal),
            "interest": money_str(self.interest),
            "penalty": decimal_str(self.penalty, 6),
            "penalty_to_date": money_str(self.penalty_to_date),
            "repaid": money_str(self.repaid),
        }


@dataclass(frozen=True)
class OverdueAccrual:
    """Day-by-day overdue position as of a date (see :func:`accrue_overdue`)."""

    due_date: _dt.date
    as_of: _dt.date
    days: int
    grace_days: int
    grace_mode: str
    daily_rate: Decimal
    multiplier: Decimal
    penalty_daily_rate: Decimal
    rows: tuple[OverdueDay, ...]
    chargeable_days: int
    penalty_principal: Decimal
    penalty_interest: Decimal
    total_penalty: Decimal
    penalty_paid: Decimal
    provisional_penalty: Decimal
    outstanding_principal: Decimal
    outstanding_interest: Decimal
    outstanding_penalty: Decimal
    total_due: Decimal
    repaid: Decimal
    unapplied: Decimal
    waived: bool
    settled_on: _dt.date | None
    report_status: str
    classification: str

    def to_dict(self, include_rows: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "due_date": self.due_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "days": self.days,
            "grace_days": self.grace_days,
            "grace_mode": self.grace_mode,
            "daily_rate": plain_str(self.daily_rate),
            "multiplier": plain_str(self.multiplier),
            "penalty_daily_rate": plain_str(self.penalty_daily_rate),
            "chargeable_days": self.chargeable_days,
            "penalty_principal": money_str(self.penalty_principal),
            "penalty_interest": money_str(self.penalty_interest),
            "total_penalty": money_str(self.total_penalty),
            "penalty_paid": money_str(self.penalty_paid),
            "provisional_penalty": money_str(self.provisional_penalty),
            "outstanding_principal": money_str(self.outstanding_principal),
            "outstanding_interest": money_str(self.outstanding_interest),
            "outstanding_penalty": money_str(self.outstanding_penalty),
            "total_due": money_str(self.total_due),
            "repaid": money_str(self.repaid),
            "unapplied": money_str(self.unapplied),
            "waived": self.waived,
            "settled_on": self.settled_on.isoformat() if self.settled_on else None,
            "report_status": self.report_status,
            "report_status_zh": STATUS_DESCRIPTIONS_ZH[self.report_status],
            "classification": self.classification,
        }
        if include_rows:
            data["rows"] = [row.to_dict() for row in self.rows]
        return data


def parse_date(value: Any, label: str = "日期") -> _dt.date:
    """A ``datetime.date`` from a date or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidDate(
        f"{label}格式不对，请用 2024-05-01 这样的格式再输入一次。", code="bad_date", label=label
    )


def _repayments_by_day(
    repayments: Iterable[tuple[Any, Any]], due: _dt.date, until: _dt.date
) -> dict[_dt.date, Decimal]:
    """The repayments summed per day, each checked to fall on an overdue day up to ``until``."""
    paid_on: dict[_dt.date, Decimal] = defaultdict(Decimal)
    for when, amount in repayments:
        day = parse_date(when, "还款日期")
        if not due < day <= until:
            raise InvalidDate(
                "还款日期需要在到期日之后、计算日期之前（含当天）。", code="repayment_out_of_range"
            )
        paid_on[day] += validate.positive_amount(amount, "还款金额")
    return paid_on


@dataclass
class _OverduePosition:
    """The running position of :func:`accrue_overdue`'s day-by-day walk.

    Penalty amounts are kept exact and rounded to the fen only where they are reported or
    paid; ``accrued_*`` is the chargeable penalty so far, ``unpaid_*`` what of it is not paid.
    """

    principal: Decimal
    interest: Decimal
    penalty_rate: Decimal
    accrued_on_principal: Decimal = Decimal(0)
    accrued_on_interest: Decimal = Decimal(0)
    unpaid_on_principal: Decimal = Decimal(0)
    unpaid_on_interest: Decimal = Decimal(0)
    penalty_paid: Decimal = Decimal("0.00")

    def accrue_day(self) -> Decimal:
        """Charge one day's penalty on the outstanding principal and interest; return it."""
        on_principal = self.principal * self.penalty_rate
        on_interest = self.interest * self.penalty_rate
        self.accrued_on_principal += on_principal
        self.accrued_on_interest += on_interest
        self.unpaid_on_principal += on_principal
        self.unpaid_on_interest += on_interest
        return on_principal + on_interest

    def _pay_penalty(self, payment: Decimal) -> Decimal:
        """Pay the unpaid penalty (on interest first, then on principal), each part owed
        rounded to the fen; return what is left of ``payment``."""
        for name in ("unpaid_on_interest", "unpaid_on_principal"):
            unpaid = getattr(self, name)
            owed = money(unpaid)
            paid = min(payment, owed)
            payment -= paid
            self.penalty_paid += paid
            setattr(self, name, Decimal(0) if paid == owed else unpaid - paid)
        return payment

    def apply(self, payment: Decimal, order: Sequence[str], provisional: bool) -> Decimal:
        """Apply ``payment`` to the parts in ``order``; a provisional penalty (inside the
        waived grace days) is not payable. Return what is left over (unapplied)."""
        for part in order:
            if payment <= 0:
                break
            if part == "penalty":
                if not provisional:
                    payment = self._pay_penalty(payment)
            elif part == "interest":
                paid = min(payment, self.interest)
                self.interest -= paid
                payment -= paid
            elif part == "principal":
                paid = min(payment, self.principal)
                self.principal -= paid
                payment -= paid
        return payment

    def waive_penalty(self) -> None:
        self.accrued_on_principal = self.accrued_on_interest = Decimal(0)
        self.unpaid_on_principal = self.unpaid_on_interest = Decimal(0)

    @property
    def debt_cleared(self) -> bool:
        """Principal and interest are repaid (the penalty may still be owed)."""
        return self.principal == 0 and self.interest == 0

    @property
    def penalty_to_date(self) -> Decimal:
        return money(self.accrued_on_principal) + money(self.accrued_on_interest)

    @property
    def outstanding_penalty(self) -> Decimal:
        return money(self.unpaid_on_principal) + money(self.unpaid_on_interest)


def accrue_overdue(
    overdue_principal: Any,
    daily_rate: Any,
    due_date: Any,
    as_of: Any,
    *,
    overdue_interest: Any = Decimal(0),
    grace_days: Any = 0,
    multiplier: Any = DEFAULT_MULTIPLIER,
    grace_mode: str = "waive",
    repayments: Iterable[tuple[Any, Any]] = (),
    allocation: Sequence[str] = ALLOCATION_PARTS,
    day_count: int = 360,
) -> OverdueAccrual:
    """Walk the overdue amount day by day from ``due_date`` (exclusive) to ``as_of``
    (inclusive) and report the position as of ``as_of``.

    ``repayments`` are ``(date, amount)`` pairs on overdue days (after ``due_date``, not
    after ``as_of``); each is applied at the end of its day, after that day's accrual,
    to the parts named in ``allocation`` in order (default: penalty, then interest, then
    principal); anything beyond the debt is reported as ``unapplied``. Inside the grace
    days (``grace_mode="waive"``) the accruing penalty is provisional: it is not payable,
    and it is waived entirely if principal and interest are cleared within the grace days.

    Without repayments the totals equal :func:`overdue_cost` for the same number of days.
    Status and classification use the days overdue until settlement (or ``as_of``).
    """
    principal, interest = _amounts(overdue_principal, overdue_interest)
    rate = validate.daily_rate(daily_rate, day_count)
    factor = validate.multiplier_value(multiplier)
    grace, mode = _grace(grace_days, grace_mode)
    due = parse_date(due_date, "到期日")
    until = parse_date(as_of, "计算日期")
    days = max((until - due).days, 0)
    validate.days_value(days, "逾期天数")
    order = tuple(allocation)
    if sorted(order) != sorted(ALLOCATION_PARTS):
        raise InvalidAmount("还款冲抵顺序需要包含罚息、利息和本金各一次。", code="bad_allocation")
    paid_on = _repayments_by_day(repayments, due, until)

    rows: list[OverdueDay] = []
    zero = Decimal("0.00")
    repaid_total = unapplied = zero
    charged_days = 0
    waived = False
    settled_on: _dt.date | None = None
    last_day = 0
    with finance_context():
        position = _OverduePosition(principal, interest, rate * factor)
        for day in range(1, days + 1):
            date = due + _dt.timedelta(days=day)
            last_day = day
            today = zero
            if not (mode == "exclude" and day <= grace):
                charged_days += 1
                today = position.accrue_day()
            base_principal, base_interest = position.principal, position.interest
            payment = paid_on.get(date, zero)
            if payment:
                repaid_total += payment
                provisional = mode == "waive" and day <= grace
                unapplied += position.apply(payment, order, provisional)
                if provisional and position.debt_cleared:
                    waived = True
                    position.waive_penalty()
            rows.append(
                OverdueDay(
                    day,
                    date,
                    base_principal,
                    base_interest,
                    today,
                    position.penalty_to_date,
                    payment,
                )
            )
            if position.debt_cleared and position.outstanding_penalty == 0:
                settled_on = date
                break

        for date, amount in paid_on.items():  # repayments after settlement are not needed
            if settled_on is not None and date > settled_on:
                repaid_total += amount
                unapplied += amount
        still_in_grace = settled_on is None and mode == "waive" and days <= grace
        outstanding_penalty = position.outstanding_penalty
        provisional_penalty = zero
        if still_in_grace:
            provisional_penalty, outstanding_penalty = outstanding_penalty, zero
            penalty_principal = penalty_interest = zero
        else:
            penalty_principal = money(position.accrued_on_principal)
            penalty_interest = money(position.accrued_on_interest)
        if waived or still_in_grace or (mode == "waive" and last_day <= grace):
            charged_days = 0
    effective_days = last_day if settled_on else days
    return OverdueAccrual(
        due_date=due,
        as_of=until,
        days=days,
        grace_days=grace,
        grace_mode=mode,
        daily_rate=rate,
        multiplier=factor,
        penalty_daily_rate=position.penalty_rate,
        rows=tuple(rows),
        chargeable_days=charged_days,
        penalty_principal=penalty_principal,
        penalty_interest=penalty_interest,
        total_penalty=penalty_principal + penalty_interest,
        penalty_paid=position.penalty_paid,
        provisional_penalty=provisional_penalty,
        outstanding_principal=position.principal,
        outstanding_interest=position.interest,
        outstanding_penalty=outstanding_penalty,
        total_due=position.principal + position.interest + outstanding_penalty,
        repaid=repaid_total,
        unapplied=unapplied,
        waived=waived,
        settled_on=settled_on,
        report_status=report_status(effective_days),
        classification=classification(effective_days),
    )


def _status_milestones() -> list[Milestone]:
    starts = {1: "1", 31: "2", 61: "3", 91: "4", 121: "5", 151: "6", 181: "7"}
    classes = {1: "关注", 91: "次级", 121: "可疑", 181: "损失"}
    result = []
    for day, code in starts.items():
        text = f"征信还款状态记为“{code}”（{STATUS_DESCRIPTIONS_ZH[code]}）"
        if day in classes:
            label = classes[day]
            text += f"，贷款分类变为“{label}”" + (
                "，属于不良贷款" if label in NON_PERFORMING else ""
            )
        result.append(Milestone(day=day, text_zh=text + "。", source="regulation", kind="status"))
    return result


def timeline(policy: "LenderPolicy | None" = None) -> list[Milestone]:
    """Everything that happens on which overdue day, sorted by day: the regulatory status
    and classification changes, plus the grace period, penalty start, credit reporting,
    collection and lawsuit steps from the lender ``policy`` (the loaded one by default).
    Policy-driven milestones carry ``source="example"`` when their setting is an example."""
    if policy is None:
        from bot.policy import load_policy

        policy = load_policy()
    from bot.policy.wording import penalty_milestone_zh, penalty_schedule

    grace = policy.grace_days
    penalty_source = (
        "example"
        if policy.is_example("grace_days") or policy.is_example("penalty_multiplier")
        else "regulation"
    )
    items: list[Milestone] = []
    if grace > 0:
        items.append(
            Milestone(
                day=1,
                text_zh=f"第1天至第{grace}天是宽限期：在此期间还清，不收罚息。",
                source="example" if policy.is_example("grace_days") else "regulation",
                kind="grace",
            )
        )
    # the wording and the day come from the calculator's own rule (bot.policy.wording)
    items.append(
        Milestone(
            day=penalty_schedule(policy).payable_from_day,
            text_zh=penalty_milestone_zh(policy),
            source=penalty_source,
            kind="penalty",
        )
    )
    report_day = policy.report_after_days + 1
    items.append(
        Milestone(
            day=report_day,
            text_zh=(
                f"逾期超过{policy.report_after_days}天，逾期记录可能报送人民银行征信系统；还清后不良记录保留5年。"
                if policy.report_after_days > 0
                else "逾期记录可能报送人民银行征信系统；还清后不良记录保留5年。"
            ),
            source="example" if policy.is_example("report_after_days") else "regulation",
            kind="credit_report",
        )
    )
    items.extend(policy.collection)
    items.extend(policy.lawsuit)
    items.extend(_status_milestones())
    kind_order = {"status": 0, "grace": 1, "penalty": 2, "credit_report": 3}
    return sorted(items, key=lambda m: (m.day, kind_order.get(m.kind, 4)))


def next_milestones(
    days_overdue: Any, policy: "LenderPolicy | None" = None, limit: int = 2
) -> list[Milestone]:
    """The next milestones still ahead after ``days_overdue`` days (those on later days),
    at most ``limit`` of them, soonest first."""
    days = _days(days_overdue)
    count = validate.whole_number(limit, label="条数", minimum=0, maximum=100)
    return [m for m in timeline(policy) if m.day > days][:count]


@dataclass(frozen=True)
class CatchUp:
    """How an overdue amount is caught up with a fixed surplus each month: ``months`` to clear
    it (None when the surplus never outgrows the penalty, or not within ``max_months``) and the
    penalty added meanwhile."""

    months: int | None
    penalty: Decimal


def catch_up(
    arrears: Any,
    penalty_per_day: Any,
    surplus: Any,
    days_per_month: int = 30,
    max_months: int = 120,
) -> CatchUp:
    """Months to clear ``arrears`` (overdue principal and interest) paying ``surplus`` on top of
    the regular installments at each month's end, while the penalty grows: ``penalty_per_day``
    is what the arrears add per day now, and it shrinks in proportion as they are paid down. An
    estimate for "每月能还3000 多久能补上" (the penalty is added to what is left, so it errs
    high), not the ledger's day-by-day figure.

    ``catch_up("3667.20", "2.75", "1166.40")`` → 4 months, 181.49 of penalty."""
    arrears = validate.non_negative_amount(arrears, label="逾期金额")
    per_day = validate.non_negative_amount(penalty_per_day, label="每天的罚息")
    surplus = validate.non_negative_amount(surplus, label="每月多出的钱")
    if arrears == 0:
        return CatchUp(0, Decimal("0.00"))
    with finance_context():
        daily = per_day / arrears
        left, penalty = arrears, Decimal("0.00")
        for month in range(1, max_months + 1):
            added = money(left * daily * days_per_month)
            penalty += added
            left = left + added - surplus
            if left <= 0:
                return CatchUp(month, penalty)
            if added >= surplus:
                break
    return CatchUp(None, penalty)


__all__ = [
    "DEFAULT_MULTIPLIER",
    "STATUS_DESCRIPTIONS_ZH",
    "NON_PERFORMING",
    "Milestone",
    "OverdueCost",
    "OverdueDay",
    "OverdueAccrual",
    "report_status",
    "classification",
    "next_status_change",
    "chargeable_days",
    "overdue_cost",
    "parse_date",
    "accrue_overdue",
    "timeline",
    "next_milestones",
    "CatchUp",
    "catch_up",
]
