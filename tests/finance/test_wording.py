"""bot.policy.wording: sentences about the lender's rules, generated from the policy.

That the start day of the penalty matches the calculator for many policies is checked against
the money engine in tests/actions/test_policy_answers.py; here: the schedule itself, the example
note only where a setting is an example, and the texts a lender's own policy produces.
"""

from importlib import resources

import pytest
import yaml

from bot.finance.overdue import chargeable_days
from bot.policy import parse_policy
from bot.policy.wording import (
    EXAMPLE_NOTE,
    FALLBACK_SLOTS,
    cutoff_rule_zh,
    escalation_zh,
    grace_report_zh,
    in_grace_zh,
    penalty_multiplier_rule_zh,
    penalty_rate_zh,
    penalty_rule_zh,
    penalty_schedule,
    report_rule_zh,
    sentence_slots,
)


def policy(**changes):
    data = yaml.safe_load(
        resources.files("bot.policy").joinpath("lender_policy.yml").read_text(encoding="utf-8")
    )
    for key, value in changes.items():
        if isinstance(value, dict) or key in ("collection", "lawsuit"):
            data[key] = value
        else:
            data[key]["value"] = value
    return parse_policy(data)


def sourced(value):
    """A setting given as sourced instead of an example."""
    return {"value": value, "source": "sourced", "reference": "test"}


@pytest.mark.parametrize(
    "grace, mode, free, counted",
    [
        (0, "waive", 0, 1),
        (0, "exclude", 0, 1),
        (3, "waive", 3, 1),
        (3, "exclude", 3, 4),
        (30, "exclude", 30, 31),
    ],
)
def test_schedule_is_the_calculators(grace, mode, free, counted):
    s = penalty_schedule(policy(grace_days=grace, grace_mode=mode))
    assert (s.free_days, s.payable_from_day, s.counted_from_day) == (free, free + 1, counted)
    assert chargeable_days(free, grace, mode) == 0 < chargeable_days(free + 1, grace, mode)


def test_default_policy_sentences():
    p = policy()
    assert (
        penalty_rule_zh(p)
        == "宽限期3天，逾期3天以内还清不收罚息；超过3天还没还清，罚息从逾期第1天算起，"
        "前3天也要补算（示例配置，以借款合同为准）。"
    )
    assert in_grace_zh(p, 2).startswith("还在宽限期内（共3天，今天是逾期第2天）：")
    # annualised first, the daily rate after
    assert (
        penalty_rate_zh(p) == "罚息利率是合同利率的1.5倍，比如合同年化14.40%（日利率0.040%），"
        "罚息就是年化21.60%（日利率0.060%）。"
    )
    assert (
        report_rule_zh(p)
        == "按本产品配置，逾期超过3天就可能被报送征信（示例配置，以借款合同为准）。"
    )
    assert "不会因为这次晚还被报送" in grace_report_zh(p)
    assert (
        escalation_zh(p)
        == "约逾期第4天起可能接到催收电话，约第91天起可能收到律师函、进入法律程序（示例配置，"
        "以借款合同为准）。"
    )
    assert cutoff_rule_zh(p, with_note=False) == "还款日当天24:00前还上，都算按时还款。"


def test_other_policies():
    assert penalty_rule_zh(policy(grace_days=0)).startswith(
        "没有宽限期，还款日过后没还清，罚息从逾期第1天"
    )
    assert (
        penalty_rule_zh(policy(grace_mode="exclude"))
        == "宽限期3天，逾期3天以内不收罚息；超过3天还没还清，罚息从逾期第4天算起，"
        "前3天不收（示例配置，以借款合同为准）。"
    )
    longer = grace_report_zh(policy(grace_days=5))
    assert "不管征信" in longer and "逾期超过3天就可能被报送征信" in longer
    assert report_rule_zh(policy(report_after_days=0)).startswith(
        "按本产品配置，一逾期就可能被报送征信"
    )
    assert "365" in sentence_slots(policy(day_count=365))["policy_day_count_rule"]
    none = policy(collection=[], lawsuit=[])
    assert escalation_zh(none) == FALLBACK_SLOTS["policy_escalation"]
    assert sentence_slots(none)["policy_legal_rule"] == FALLBACK_SLOTS["policy_legal_rule"]


def test_the_example_note_marks_only_example_settings():
    p = policy()
    assert EXAMPLE_NOTE not in penalty_rate_zh(
        p
    ) and EXAMPLE_NOTE not in penalty_multiplier_rule_zh(p)  # sourced
    assert EXAMPLE_NOTE not in sentence_slots(p)["policy_day_count_rule"]  # sourced
    contract = policy(
        grace_days=sourced(3), grace_mode=sourced("waive"), report_after_days=sourced(3)
    )
    assert EXAMPLE_NOTE not in penalty_rule_zh(contract)
    assert EXAMPLE_NOTE not in report_rule_zh(contract) and EXAMPLE_NOTE not in grace_report_zh(
        contract
    )
    example_rate = policy(penalty_multiplier={"value": "1.5", "source": "example"})
    assert EXAMPLE_NOTE in penalty_rate_zh(example_rate)


def test_every_sentence_slot_has_a_fallback_and_is_one_finished_sentence():
    slots = sentence_slots(policy())
    assert set(slots) == set(FALLBACK_SLOTS)
    for text in list(slots.values()) + list(FALLBACK_SLOTS.values()):
        assert text.endswith("。") and "None" not in text and '"' not in text
