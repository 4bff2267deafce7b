"""Lender policy: packaged defaults, sources, slots, env override, caching, validation."""

from decimal import Decimal as D
from importlib import resources

import pytest
import yaml

from bot.policy import (
    ENV_VAR,
    PolicyError,
    as_slots,
    clear_policy_cache,
    is_example,
    load_policy,
    parse_policy,
)
from bot.policy.wording import FALLBACK_SLOTS


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    clear_policy_cache()
    yield
    clear_policy_cache()


def _packaged() -> dict:
    text = resources.files("bot.policy").joinpath("lender_policy.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_packaged_defaults():
    policy = load_policy()
    assert policy.penalty_multiplier == D("1.5")
    assert policy.day_count == 360
    assert policy.grace_days == 3
    assert policy.grace_mode == "waive"
    assert policy.prepayment_fee_rate == 0
    assert policy.repayment_allocation == ("penalty", "interest", "principal")
    assert policy.collection_call_from_day == 4
    assert policy.legal_from_day == 91
    assert all(
        m.source in ("example", "regulation") and m.text_zh
        for m in policy.collection + policy.lawsuit
    )


def test_sources_say_what_is_an_example():
    policy = load_policy()
    assert not policy.is_example("penalty_multiplier")  # sourced
    assert not policy.is_example("day_count")
    for name in (
        "grace_days",
        "report_after_days",
        "prepayment_fee_rate",
        "repayment_cutoff",
        "collection",
        "lawsuit",
    ):
        assert policy.is_example(name), name
    assert is_example("grace_days") is True
    with pytest.raises(KeyError):
        policy.is_example("no_such_setting")


def test_slots():
    slots = as_slots()
    assert slots == load_policy().as_slots()
    # exactly the sentence slots the answers quote (the domain declares these, no others)
    assert set(slots) == set(FALLBACK_SLOTS)
    assert all(isinstance(v, str) and v for v in slots.values())


def test_prepayment_fee_slot_text():
    data = _packaged()
    data["prepayment_fee_rate"]["value"] = "0.01"
    assert parse_policy(data).prepayment_fee_zh == "剩余本金的1%"
    data["prepayment_fee_rate"]["value"] = 0.005
    assert parse_policy(data).prepayment_fee_zh == "剩余本金的0.5%"


def test_env_var_and_argument_and_cache(tmp_path, monkeypatch):
    data = _packaged()
    data["grace_days"]["value"] = 0
    custom = tmp_path / "policy.yml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_policy(custom).grace_days == 0
    assert load_policy(str(custom)) is load_policy(custom)  # cached per resolved path
    monkeypatch.setenv(ENV_VAR, str(custom))
    assert load_policy().grace_days == 0
    monkeypatch.delenv(ENV_VAR)
    assert load_policy().grace_days == 3
    # edits are picked up after clearing the cache
    data["grace_days"]["value"] = 5
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_policy(custom).grace_days == 0
    clear_policy_cache()
    assert load_policy(custom).grace_days == 5


def _broken(mutate):
    data = _packaged()
    mutate(data)
    return data


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d.pop("grace_days"), "missing setting(s) grace_days"),
        (
            lambda d: d.update(grace_dayz={"value": 1, "source": "example"}),
            "unknown setting(s) grace_dayz",
        ),
        (lambda d: d["grace_days"].update(value="three"), "grace_days"),
        (lambda d: d["grace_days"].update(value=99), "grace_days"),
        (lambda d: d["grace_days"].update(value=True), "grace_days"),
        (lambda d: d["penalty_multiplier"].update(value="abc"), "penalty_multiplier"),
        (lambda d: d["penalty_multiplier"].update(value="0.5"), "penalty_multiplier"),
        (lambda d: d["day_count"].update(value=300), "day_count"),
        (lambda d: d["grace_mode"].update(value="forgive"), "grace_mode"),
        (lambda d: d["prepayment_fee_rate"].update(value="0.5"), "prepayment_fee_rate"),
        (lambda d: d["repayment_cutoff"].update(value=""), "repayment_cutoff"),
        (
            lambda d: d["repayment_allocation"].update(value=["penalty", "principal"]),
            "repayment_allocation",
        ),
        (lambda d: d["grace_days"].update(source="folklore"), "grace_days.source"),
        (lambda d: d["grace_days"].pop("source"), "grace_days must be a mapping"),
        (lambda d: d.update(grace_days=3), "grace_days must be a mapping"),
        (lambda d: d["collection"][0].update(day=0), "collection[0].day"),
        (lambda d: d["collection"][0].update(kind="threat"), "collection[0].kind"),
        (lambda d: d["lawsuit"][0].update(source="sourced"), "lawsuit[0].source"),
        (lambda d: d["lawsuit"][0].update(text_zh=" "), "lawsuit[0].text_zh"),
        (lambda d: d.update(collection="often"), "collection must be a list"),
    ],
)
def test_invalid_policy_is_rejected_with_a_clear_message(mutate, fragment):
    with pytest.raises(PolicyError) as info:
        parse_policy(_broken(mutate), source_name="x.yml")
    assert fragment in str(info.value) and "x.yml" in str(info.value)


def test_unreadable_or_non_yaml_files(tmp_path):
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("grace_days: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)
    scalar = tmp_path / "scalar.yml"
    scalar.write_text("42", encoding="utf-8")
    with pytest.raises(PolicyError, match="top level must be a mapping"):
        load_policy(scalar)


def test_policy_is_frozen():
    policy = load_policy()
    with pytest.raises(AttributeError):
        policy.grace_days = 10  # type: ignore[misc]
