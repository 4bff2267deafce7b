"""Lender rules as data (``lender_policy.yml``), validated into a frozen :class:`LenderPolicy`.

Usage::

    from bot.policy import load_policy
    policy = load_policy()                 # $LENDER_POLICY_FILE or the packaged YAML
    policy.penalty_multiplier              # Decimal("1.5")  (sourced)
    policy.is_example("grace_days")        # True: say "configured example; contract governs"
    policy.as_slots()["policy_penalty_rule"]  # the sentence the FAQ answers quote

What the bot answers about things it cannot do itself (opening or closing the product, identity
details, certificates, other lenders …) is the service guide, also data::

    from bot.policy import load_service_guide
    load_service_guide().topic_for("身份证过期了咋改").reply   # $SERVICE_GUIDE_FILE or
    service_guide.yml

The PBOC credit-report status codes and the loan classification are facts, not policy:
they live in :mod:`bot.finance.overdue`.
"""

from __future__ import annotations

from bot.policy.loader import ENV_VAR, PolicyError, clear_policy_cache, load_policy, parse_policy
from bot.policy.model import LenderPolicy, Milestone
from bot.policy.service_guide import (
    ServiceGuide,
    ServiceGuideError,
    ServiceTopic,
    clear_service_guide_cache,
    load_service_guide,
)


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
    "ServiceGuide",
    "ServiceGuideError",
    "ServiceTopic",
    "as_slots",
    "clear_policy_cache",
    "clear_service_guide_cache",
    "is_example",
    "load_policy",
    "load_service_guide",
    "parse_policy",
]
