"""Lender rules as data (``lender_policy.yml``), validated into a frozen :class:`LenderPolicy`.

Usage::

    from bot.policy import load_policy
    policy = load_policy()                 # $LENDER_POLICY_FILE or the packaged YAML
    policy.penalty_multiplier              # Decimal("1.5")  (sourced)
    policy.is_example("grace_days")        # True: say "configured example; contract governs"
    policy.as_slots()["policy_grace_days"] # "3"

The PBOC credit-report status codes and the loan classification are facts, not policy:
they live in :mod:`bot.finance.overdue`.
"""

from __future__ import annotations

from bot.policy.loader import ENV_VAR, PolicyError, clear_policy_cache, load_policy, parse_policy
from bot.policy.model import LenderPolicy, Milestone


def is_example(field_name: str, policy: LenderPolicy | None = None) -> bool:
    """Whether a policy setting is an unsourced example (of ``policy`` or the loaded one)."""
    return (policy or load_policy()).is_example(field_name)


def as_slots(policy: LenderPolicy | None = None) -> dict[str, str]:
    """Display strings of the policy for answer templates (see :meth:`LenderPolicy.as_slots`)."""
    return (policy or load_policy()).as_slots()


__all__ = [
    "ENV_VAR",
    "LenderPolicy",
    "Milestone",
    "PolicyError",
    "as_slots",
    "clear_policy_cache",
    "is_example",
    "load_policy",
    "parse_policy",
]
