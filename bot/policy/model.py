"""The lender policy as data: frozen dataclasses, no I/O.

A :class:`LenderPolicy` holds the lender-specific rules the bot computes with and quotes
(penalty multiplier, grace days, reporting day, collection and lawsuit timeline …). Each
setting records where it comes from (``sourced`` / ``regulation`` / ``example``) so the bot
can say "this is a configured example; your contract governs" (:meth:`LenderPolicy.is_example`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

#: scalar settings of the YAML file, in file order
SCALAR_FIELDS = (
    "penalty_multiplier",
    "day_count",
    "grace_days",
    "grace_mode",
    "report_after_days",
    "prepayment_fee_rate",
    "repayment_cutoff",
    "repayment_allocation",
)
MILESTONE_FIELDS = ("collection", "lawsuit")
SOURCES = ("sourced", "regulation", "example")
MILESTONE_SOURCES = ("regulation", "example")
GRACE_MODES = ("waive", "exclude")
ALLOCATION_PARTS = ("penalty", "interest", "principal")


@dataclass(frozen=True)
class Milestone:
    """Something that happens on overdue day ``day`` (day 1 = the day after the due date).

    ``source`` is ``"regulation"`` for facts from law and regulation (credit-report status
    codes, loan classification) and ``"example"`` for configured lender practice.
    ``kind`` says what sort of event it is (``reminder``, ``call``, ``agency``,
    ``legal_notice``, ``lawsuit``, ``grace``, ``penalty``, ``credit_report``, ``status``).
    """

    day: int
    text_zh: str
    source: str
    kind: str = ""

    @property
    def is_example(self) -> bool:
        return self.source == "example"

    def to_dict(self) -> dict[str, object]:
        return {"day": self.day, "kind": self.kind, "source": self.source, "text_zh": self.text_zh}


def _plain(x: Decimal) -> str:
    text = format(x.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class LenderPolicy:
    """Validated lender policy. Build it with :func:`bot.policy.load_policy`."""

    penalty_multiplier: Decimal
    day_count: int
    grace_days: int
    grace_mode: str
    report_after_days: int
    prepayment_fee_rate: Decimal
    repayment_cutoff: str
    repayment_allocation: tuple[str, ...]
    collection: tuple[Milestone, ...]
    lawsuit: tuple[Milestone, ...]
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    references: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    path: str = ""

    def is_example(self, field_name: str) -> bool:
        """True when ``field_name`` is an unsourced example (the contract governs).

        For ``collection`` / ``lawsuit`` it is true when any of their milestones is an
        example. Unknown names raise ``KeyError``.
        """
        if field_name in MILESTONE_FIELDS:
            return any(m.is_example for m in getattr(self, field_name))
        if field_name not in SCALAR_FIELDS:
            raise KeyError(field_name)
        return self.sources.get(field_name) == "example"

    @property
    def collection_call_from_day(self) -> int | None:
        """First overdue day with a collection phone call, if the policy has one."""
        days = [m.day for m in self.collection if m.kind == "call"]
        return min(days) if days else None

    @property
    def legal_from_day(self) -> int | None:
        """First overdue day of a legal step (lawyer's letter or lawsuit)."""
        return min((m.day for m in self.lawsuit), default=None)

    @property
    def prepayment_fee_zh(self) -> str:
        if self.prepayment_fee_rate == 0:
            return "不收取"
        return f"剩余本金的{_plain(self.prepayment_fee_rate * 100)}%"

    def as_slots(self) -> dict[str, str]:
        """The slots the FAQ answer templates quote (slot name → text): the sentences of
        :mod:`bot.policy.wording` that state the rules. (The settings as bare values were slots
        too, set at every session start, but no answer quoted them.)"""
        from bot.policy.wording import sentence_slots

        return sentence_slots(self)


__all__ = [
    "Milestone",
    "LenderPolicy",
    "SCALAR_FIELDS",
    "MILESTONE_FIELDS",
    "SOURCES",
    "MILESTONE_SOURCES",
    "GRACE_MODES",
    "ALLOCATION_PARTS",
]
