"""Service guide (bot/policy/service_guide.yml): the packaged file, env override, caching, rendering
of places and snippets, and validation (a bad file is refused with a message naming file and entry).

Which topic a message selects is tested with the action, in tests/actions/test_out_of_scope.py.
"""

from importlib import resources

import pytest
import yaml

from bot.policy import PolicyError
from bot.policy.service_guide import (
    ENV_VAR,
    ServiceGuideError,
    clear_service_guide_cache,
    load_service_guide,
    parse_service_guide,
)

NOTE = "（示例路径，以App为准）"


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    clear_service_guide_cache()
    yield
    clear_service_guide_cache()


def _packaged() -> dict:
    text = resources.files("bot.policy").joinpath("service_guide.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _small(**changes) -> dict:
    """A minimal valid guide, with ``changes`` applied to the top level."""
    data = {
        "version": 1,
        "example_note": NOTE,
        "places": {
            "center": {"text": "App“我的”→“客服中心”", "source": "example"},
            "cards": {"text": "App“我的”→“银行卡”", "source": "example"},
            "hotline": {"text": "客服电话 400-000-0000", "source": "lender"},
        },
        "snippets": {"help": "我能帮你查欠款。"},
        "topics": [
            {
                "id": "bank_card",
                "name": "银行卡",
                "keywords": ["银行卡", "解绑"],
                "answer": "在{cards}换卡，或到{center}问。{help}",
            },
            {
                "id": "contact",
                "name": "客服电话",
                "keywords": ["客服电话"],
                "answer": "请打{hotline}。",
            },
        ],
        "default": {"answer": "请到{center}办理。"},
    }
    data.update(changes)
    return data


def test_packaged_guide_loads_and_every_answer_is_filled_in():
    guide = load_service_guide()
    assert guide.path.endswith("service_guide.yml")
    assert guide.example_note == NOTE
    assert len(guide.topics) >= 20
    for topic in (*guide.topics, guide.default):
        assert (topic.reply is None) != (topic.faq is None), topic.id
        if topic.reply:
            assert "{" not in topic.reply and "}" not in topic.reply, topic.id
    assert guide.topic("default") is guide.default
    with pytest.raises(KeyError):
        guide.topic("no_such_topic")


def test_env_var_and_argument_and_cache(tmp_path, monkeypatch):
    custom = tmp_path / "guide.yml"
    custom.write_text(yaml.safe_dump(_small(), allow_unicode=True), encoding="utf-8")
    guide = load_service_guide(custom)
    assert [t.id for t in guide.topics] == ["bank_card", "contact"]
    assert load_service_guide(str(custom)) is guide  # cached per resolved path
    monkeypatch.setenv(ENV_VAR, str(custom))
    assert load_service_guide() is guide
    monkeypatch.delenv(ENV_VAR)
    assert len(load_service_guide().topics) > 2
    # edits are picked up after clearing the cache
    custom.write_text(
        yaml.safe_dump(_small(example_note="（示例）"), allow_unicode=True), encoding="utf-8"
    )
    assert load_service_guide(custom).example_note == NOTE
    clear_service_guide_cache()
    assert load_service_guide(custom).example_note == "（示例）"


def test_example_places_get_the_note_once_lender_places_none():
    guide = parse_service_guide(_small())
    reply = guide.topic("bank_card").reply
    assert reply == f"在App“我的”→“银行卡”{NOTE}换卡，或到App“我的”→“客服中心”问。我能帮你查欠款。"
    assert reply.count(NOTE) == 1
    assert guide.topic("bank_card").places == ("cards", "center")
    assert (
        guide.topic("contact").reply == "请打客服电话 400-000-0000。"
    )  # the lender's own: no note
    assert guide.default.reply == f"请到App“我的”→“客服中心”{NOTE}办理。"


def test_a_lender_marks_its_own_paths():
    data = _packaged()
    for place in data["places"].values():
        place["source"] = "lender"
    guide = parse_service_guide(data)
    assert all(NOTE not in (topic.reply or "") for topic in (*guide.topics, guide.default))


def test_faq_topics_answer_with_the_faq_response():
    data = _small()
    data["topics"].append(
        {"id": "limit", "name": "额度", "keywords": ["提额"], "faq": "credit_limit"}
    )
    topic = parse_service_guide(data).topic("limit")
    assert topic.reply is None and topic.response == "utter_faq/credit_limit"


def _broken(mutate):
    data = _small()
    mutate(data)
    return data


def _topic(data, **changes):
    data["topics"][0].update(changes)


def _faq_only(data, faq):
    data["topics"][0].pop("answer")
    data["topics"][0]["faq"] = faq


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d.pop("topics"), "missing key(s) topics"),
        (lambda d: d.pop("default"), "missing key(s) default"),
        (lambda d: d.update(topicz=[]), "unknown key(s) topicz"),
        (lambda d: d.update(version=2), "version must be 1"),
        (lambda d: d.update(example_note=""), "example_note must be a non-empty text"),
        (lambda d: d.update(max_gap=-1), "max_gap"),
        (lambda d: d.update(max_gap="4"), "max_gap"),
        (lambda d: d.update(topics=[]), "topics must be a non-empty list"),
        (lambda d: d.update(topics=["银行卡"]), "topics[0] must be a mapping"),
        (
            lambda d: d["places"]["cards"].update(source="guess"),
            "places.cards.source must be one of example, lender",
        ),
        (
            lambda d: d["places"]["cards"].pop("source"),
            "places.cards must be a mapping with exactly text and source",
        ),
        (
            lambda d: d["places"]["cards"].update(text=" "),
            "places.cards.text must be a non-empty text",
        ),
        (
            lambda d: d["places"].update({"Bad-Name": {"text": "x", "source": "example"}}),
            "places: 'Bad-Name'",
        ),
        (lambda d: d.update(places={}), "places must be a non-empty mapping"),
        (lambda d: d["snippets"].update(center="重名"), "center is both a place and a snippet"),
        (lambda d: d["snippets"].update(bad="有{括号}"), "snippets.bad must not contain"),
        (lambda d: _topic(d, answer="去{nowhere}办"), "topic bank_card.answer uses {nowhere}"),
        (lambda d: _topic(d, answer="少了一半 {cards"), "unmatched"),
        (lambda d: _topic(d, answer=""), "topic bank_card.answer must be a non-empty text"),
        (lambda d: _topic(d, faq="credit_limit"), "needs exactly one of answer"),
        (lambda d: d["topics"][0].pop("answer"), "needs exactly one of answer"),
        (lambda d: _topic(d, keywords=[]), "topic bank_card.keywords must be a non-empty list"),
        (lambda d: _topic(d, keywords=["银行卡", ""]), "is not a text"),
        (lambda d: _topic(d, keywords=["换…"]), "has an empty piece"),
        (lambda d: _topic(d, keywords=["银行卡，解绑"]), "contains punctuation"),
        (lambda d: _topic(d, keywords=["银行卡", "银行 卡"]), "is listed twice"),
        (
            lambda d: _topic(d, keywords=[{"match": "卡", "except": ["信用"]}]),
            "must be a text or {match, unless}",
        ),
        (lambda d: _topic(d, unless="信用卡"), "topic bank_card.unless must be a list"),
        (lambda d: _topic(d, unless=["换…卡"]), "must be a plain non-empty word"),
        (lambda d: _topic(d, priority=9), "topic bank_card.priority"),
        (lambda d: _topic(d, id="Bank Card"), "topics[0].id must be a lower-case name"),
        (lambda d: _topic(d, id="default"), "not 'default'"),
        (lambda d: _topic(d, id="contact"), "topic contact is defined twice"),
        (lambda d: _topic(d, name=""), "topic bank_card.name must be a non-empty text"),
        (lambda d: _topic(d, answers="x"), "topics[0] has unknown key(s) answers"),
        (lambda d: _faq_only(d, "Credit Limit"), "topic bank_card.faq must be an FAQ topic name"),
        (
            lambda d: d.update(default={"answer": "x", "faq": "y"}),
            "default must be a mapping with only an answer",
        ),
        (lambda d: d.update(spellings={"借呗": "借被"}), "spellings.借呗 must be a non-empty list"),
        (
            lambda d: d.update(spellings={"借呗": ["借被"], "借贝": ["借被"]}),
            "借被 is listed under both",
        ),
        (lambda d: d.update(spellings={"借呗": ["借呗"]}), "is the standard form itself"),
        (
            lambda d: d.update(spellings={"借呗": ["借被"], "借被": ["借贝"]}),
            "both a typed form and a standard form",
        ),
    ],
)
def test_invalid_guide_is_rejected_with_a_clear_message(mutate, fragment):
    with pytest.raises(ServiceGuideError) as info:
        parse_service_guide(_broken(mutate), source_name="x.yml")
    assert fragment in str(info.value) and "service guide file x.yml" in str(info.value)


def test_unreadable_or_non_yaml_files(tmp_path):
    with pytest.raises(ServiceGuideError, match="cannot be read"):
        load_service_guide(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("topics: [unclosed", encoding="utf-8")
    with pytest.raises(ServiceGuideError, match="not valid YAML"):
        load_service_guide(bad)
    scalar = tmp_path / "scalar.yml"
    scalar.write_text("42", encoding="utf-8")
    with pytest.raises(ServiceGuideError, match="top level must be a mapping"):
        load_service_guide(scalar)


def test_the_error_is_a_policy_error():
    assert issubclass(ServiceGuideError, PolicyError)
