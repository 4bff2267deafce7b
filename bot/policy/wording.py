"""What the bot says about the lender's rules, generated from the policy (no I/O).

Every sentence that states a lender rule — the grace days and the day penalty interest is
counted from, the reporting day, the repayment cut-off, the collection and legal timeline, the
prepayment fee, the day count — is built here from a :class:`~bot.policy.LenderPolicy`, so the
FAQ answers (through the ``policy_*`` slots, :meth:`LenderPolicy.as_slots`), the replies of the
actions and the timeline of :mod:`bot.finance.overdue` all say the same thing, and say what
the calculator does.

The day penalty interest is counted from is not restated here: :func:`penalty_schedule` asks
the calculator's own :func:`bot.finance.overdue.chargeable_days` (``waive``: repaid within the
grace days costs nothing, otherwise every overdue day from day 1 is charged; ``exclude``: the
grace days are never charged).

A setting that is an unsourced example gets the note "（示例配置，以借款合同为准）" right after
the sentence that states it, and only there. The bot addresses the borrower as 你.

:data:`FALLBACK_SLOTS` are the texts the FAQ answers show when the ``policy_*`` slots were never
filled (a conversation that did not start with ``action_session_start``): they state no lender
figure and point to the contract. ``domain.yml`` carries them as the slots' ``initial_value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from bot.policy.model import LenderPolicy

EXAMPLE_NOTE = "（示例配置，以借款合同为准）"
#: the contract daily rate of the worked examples (0.04 %/day, the 借呗 example of the facts)
EXAMPLE_DAILY_RATE = Decimal("0.0004")

#: what the FAQ answers say when the policy slots were never filled: no figure, the contract governs
FALLBACK_SLOTS = {
    "policy_penalty_rule": "有没有宽限期、罚息从哪天算起，以借款合同为准。",
    "policy_penalty_rate_rule": "罚息利率以借款合同为准。",
    "policy_penalty_multiplier_rule": "罚息利率以借款合同为准。",
    "policy_grace_report": "逾期多久可能被报送征信，以借款合同为准。",
    "policy_report_rule": "逾期多久可能被报送征信，以借款合同为准。",
    "policy_escalation": "什么时候开始电话催收、什么时候走法律程序，以借款合同和贷款方的通知为准。",
    "policy_legal_rule": "什么时候走法律程序，以借款合同和贷款方的通知为准。",
    "policy_cutoff_rule": "还款日当天几点截止，以App和借款合同为准。",
    "policy_prepayment_rule": "提前还款收不收手续费，以借款合同为准。",
    "policy_day_count_rule": "日利率折成年利率按一年多少天算，以借款合同为准。",
}


def note(policy: "LenderPolicy", *fields: str) -> str:
    """The example note when any of ``fields`` is an unsourced example setting, else ``""``."""
    return EXAMPLE_NOTE if any(policy.is_example(name) for name in fields) else ""


@dataclass(frozen=True)
class PenaltySchedule:
    """When penalty interest is charged, as the calculator does it.

    ``free_days``: repaid within this many overdue days, no penalty at all (0: no grace);
    ``payable_from_day``: the first overdue day with penalty to pay (``free_days + 1``);
    ``counted_from_day``: the first overdue day the penalty is counted for once it is payable
    (1 with ``waive``: the grace days are charged after all; ``free_days + 1`` with ``exclude``).
    """

    free_days: int
    payable_from_day: int
    counted_from_day: int

    @property
    def grace_charged_later(self) -> bool:
        """The grace days are charged when the debt is not cleared within them."""
        return self.free_days > 0 and self.counted_from_day <= self.free_days


def penalty_schedule(policy: "LenderPolicy") -> PenaltySchedule:
    """The :class:`PenaltySchedule` of ``policy``, read off the calculator's ``chargeable_days``."""
    from bot.finance.overdue import chargeable_days

    free = 0
    while free < 3650 and chargeable_days(free + 1, policy.grace_days, policy.grace_mode) == 0:
        free += 1
    payable = free + 1
    counted = payable - chargeable_days(payable, policy.grace_days, policy.grace_mode) + 1
    return PenaltySchedule(free_days=free, payable_from_day=payable, counted_from_day=counted)


def _percent(fraction: Decimal, places: int = 2) -> str:
    from bot.finance.money import percent_str

    return percent_str(fraction, places)


def _within_grace(s: PenaltySchedule) -> str:
    if s.grace_charged_later:
        return f"逾期{s.free_days}天以内还清不收罚息"
    return f"逾期{s.free_days}天以内不收罚息"


def _after_grace(s: PenaltySchedule) -> str:
    text = f"超过{s.free_days}天还没还清，罚息从逾期第{s.counted_from_day}天算起"
    if s.grace_charged_later:
        days = "这1天" if s.free_days == 1 else f"前{s.free_days}天"
        return text + f"，{days}也要补算"
    return text + f"，前{s.free_days}天不收"


def penalty_rule_zh(policy: "LenderPolicy", with_note: bool = True) -> str:
    """One sentence: the grace days and the day penalty interest is counted from.

    ``宽限期3天，逾期3天以内还清不收罚息；超过3天还没还清，罚息从逾期第1天算起，前3天也要补算（示例配置，以借款合同为准）。``
    """
    s = penalty_schedule(policy)
    tail = note(policy, "grace_days", "grace_mode") if with_note else ""
    if s.free_days == 0:
        return (
            "没有宽限期，还款日过后没还清，"
            f"罚息从逾期第{s.counted_from_day}天（还款日的第二天）算起{tail}。"
        )
    return f"宽限期{s.free_days}天，{_within_grace(s)}；{_after_grace(s)}{tail}。"


def in_grace_zh(policy: "LenderPolicy", overdue_days: int) -> str:
    """For a loan ``overdue_days`` days overdue and still inside the grace days: what that means."""
    s = penalty_schedule(policy)
    return (
        f"还在宽限期内（共{s.free_days}天，今天是逾期第{overdue_days}天）：{_within_grace(s)}；"
        f"{_after_grace(s)}{note(policy, 'grace_days', 'grace_mode')}。"
    )


def penalty_milestone_zh(policy: "LenderPolicy") -> str:
    """The penalty step of the timeline, on overdue day
    ``penalty_schedule(policy).payable_from_day``."""
    s = penalty_schedule(policy)
    rate = f"罚息利率是合同利率的{_plain(policy.penalty_multiplier)}倍，没付的利息也按这个利率计"
    if s.free_days == 0 or not s.grace_charged_later:
        return f"从逾期第{s.counted_from_day}天起计罚息；{rate}。"
    return f"{_after_grace(s)}；{rate}。"


def penalty_rate_zh(policy: "LenderPolicy") -> str:
    """The penalty rate, annualised first, with a worked example at 0.04 %/day."""
    multiplier = policy.penalty_multiplier
    daily = EXAMPLE_DAILY_RATE
    annual = daily * policy.day_count
    return (
        f"罚息利率是合同利率的{_plain(multiplier)}倍{note(policy, 'penalty_multiplier')}，"
        f"比如合同年化{_percent(annual)}%（日利率{_percent(daily, 3)}%），"
        f"罚息就是年化{_percent(annual * multiplier)}%"
        f"（日利率{_percent(daily * multiplier, 3)}%）。"
    )


def penalty_multiplier_rule_zh(policy: "LenderPolicy") -> str:
    """``罚息利率是合同利率的1.5倍。``"""
    multiplier = _plain(policy.penalty_multiplier)
    return f"罚息利率是合同利率的{multiplier}倍{note(policy, 'penalty_multiplier')}。"


def report_rule_zh(policy: "LenderPolicy") -> str:
    """When an overdue may be reported to the credit report, by the policy."""
    after = policy.report_after_days
    when = f"逾期超过{after}天" if after > 0 else "一逾期"
    return f"按本产品配置，{when}就可能被报送征信{note(policy, 'report_after_days')}。"


def grace_report_zh(policy: "LenderPolicy") -> str:
    """Whether repaying inside the grace days keeps the overdue off the credit report."""
    s = penalty_schedule(policy)
    after = policy.report_after_days
    tail = note(policy, "report_after_days", "grace_days")
    if s.free_days == 0:
        return report_rule_zh(policy)
    if s.free_days <= after:
        return (
            f"按本产品配置，逾期超过{after}天才可能被报送征信，所以在宽限期内还清，"
            f"不会因为这次晚还被报送{tail}。"
        )
    when = f"逾期超过{after}天" if after > 0 else "一逾期"
    return (
        f"宽限期只免罚息，不管征信。按本产品配置，{when}就可能被报送征信{tail}，"
        "别等到宽限期最后一天。"
    )


def escalation_zh(policy: "LenderPolicy") -> str:
    """When collection calls and legal steps may start, by the policy."""
    call, legal = policy.collection_call_from_day, policy.legal_from_day
    parts = []
    if call is not None:
        parts.append(f"约逾期第{call}天起可能接到催收电话")
    if legal is not None:
        parts.append(
            f"约第{legal}天起可能收到律师函、进入法律程序"
            if parts
            else f"约逾期第{legal}天起可能收到律师函、进入法律程序"
        )
    if not parts:
        return FALLBACK_SLOTS["policy_escalation"]
    return "，".join(parts) + f"{note(policy, 'collection', 'lawsuit')}。"


def legal_rule_zh(policy: "LenderPolicy") -> str:
    """When legal steps may start, by the policy."""
    legal = policy.legal_from_day
    if legal is None:
        return FALLBACK_SLOTS["policy_legal_rule"]
    return (
        f"按本产品配置，约逾期第{legal}天起可能收到律师函、进入法律程序{note(policy, 'lawsuit')}。"
    )


def cutoff_rule_zh(policy: "LenderPolicy", with_note: bool = True) -> str:
    """``还款日当天24:00前还上，都算按时还款（示例配置，以借款合同为准）。``"""
    tail = note(policy, "repayment_cutoff") if with_note else ""
    return f"还款日{policy.repayment_cutoff}前还上，都算按时还款{tail}。"


def prepayment_rule_zh(policy: "LenderPolicy") -> str:
    return f"提前还款手续费：{policy.prepayment_fee_zh}{note(policy, 'prepayment_fee_rate')}。"


def day_count_rule_zh(policy: "LenderPolicy") -> str:
    """How this lender turns a daily rate into the nominal annual rate."""
    daily = EXAMPLE_DAILY_RATE
    return (
        f"本产品的名义年利率 = 日利率 × {policy.day_count}{note(policy, 'day_count')}："
        f"比如日利率{_percent(daily, 3)}%，年化就是{_percent(daily * policy.day_count)}%。"
    )


def sentence_slots(policy: "LenderPolicy") -> dict[str, str]:
    """The generated sentences, by slot name (the keys of :data:`FALLBACK_SLOTS`)."""
    return {
        "policy_penalty_rule": penalty_rule_zh(policy),
        "policy_penalty_rate_rule": penalty_rate_zh(policy),
        "policy_penalty_multiplier_rule": penalty_multiplier_rule_zh(policy),
        "policy_grace_report": grace_report_zh(policy),
        "policy_report_rule": report_rule_zh(policy),
        "policy_escalation": escalation_zh(policy),
        "policy_legal_rule": legal_rule_zh(policy),
        "policy_cutoff_rule": cutoff_rule_zh(policy),
        "policy_prepayment_rule": prepayment_rule_zh(policy),
        "policy_day_count_rule": day_count_rule_zh(policy),
    }


def _plain(x: Decimal) -> str:
    from bot.finance.money import plain_str

    return plain_str(x)


__all__ = [
    "EXAMPLE_NOTE",
    "FALLBACK_SLOTS",
    "PenaltySchedule",
    "penalty_schedule",
    "note",
    "penalty_rule_zh",
    "in_grace_zh",
    "penalty_milestone_zh",
    "penalty_rate_zh",
    "penalty_multiplier_rule_zh",
    "report_rule_zh",
    "grace_report_zh",
    "escalation_zh",
    "legal_rule_zh",
    "cutoff_rule_zh",
    "prepayment_rule_zh",
    "day_count_rule_zh",
    "sentence_slots",
]
