"""FinanceEntityExtractor: contract entities with normalised values, through the Rasa component."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entity_extractor import FinanceEntityExtractor
from bot.nlu.phrases import load_phrases


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return FinanceEntityExtractor.create(
        FinanceEntityExtractor.get_default_config(),
        storage,
        Resource("extractor"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def entities(extractor, text, existing=None):
    message = Message(data={TEXT: text, ENTITIES: existing or []})
    extractor.process([message])
    return message.get(ENTITIES)


def values(extractor, text):
    return {(e["entity"], e["value"]) for e in entities(extractor, text)}


CONTRACT_EXAMPLES = [
    ("借呗5000块逾期两个月了", {("loan_product", "借呗"), ("amount", "5000"), ("duration", "P2M")}),
    ("五千", {("amount", "5000")}),
    ("借呗5k", {("loan_product", "借呗"), ("amount", "5000")}),
    ("欠了3万", {("amount", "30000")}),
    ("1.5万元", {("amount", "15000")}),
    ("两千五", {("amount", "2500")}),
    ("一块钱没还", {("amount", "1")}),
    ("五毛", {("amount", "0.5")}),
    ("60天", {("duration", "P60D")}),
    ("半年", {("duration", "P6M")}),
    ("一年", {("duration", "P1Y")}),
    ("三周", {("duration", "P21D")}),
    ("日利率0.05%", {("daily_rate", "0.0005")}),
    ("万分之五", {("daily_rate", "0.0005")}),
    ("日息万五", {("daily_rate", "0.0005")}),
    ("年化18%", {("annual_rate", "0.18")}),
    ("年利率14.4%", {("annual_rate", "0.144")}),
    ("12期", {("installments", "12")}),
    ("分6期", {("installments", "6")}),
    ("蚂蚁借呗", {("loan_product", "借呗")}),
    ("花呗", {("loan_product", "花呗")}),
    ("信用卡", {("loan_product", "信用卡")}),
    ("京东白条", {("loan_product", "白条")}),
    ("微粒贷", {("loan_product", "微粒贷")}),
    ("网商贷", {("loan_product", "网商贷")}),
    ("每月15号", {("day_of_month", "15")}),
    ("15日", {("day_of_month", "15")}),
    ("先还利率高的", {("strategy", "avalanche")}),
    ("雪崩法", {("strategy", "avalanche")}),
    ("先还小额的", {("strategy", "snowball")}),
    ("雪球法", {("strategy", "snowball")}),
]


@pytest.mark.parametrize("text, expected", CONTRACT_EXAMPLES, ids=[t for t, _ in CONTRACT_EXAMPLES])
def test_contract_surface_forms(extractor, text, expected):
    assert values(extractor, text) == expected


def test_spans_index_the_text_and_name_the_extractor(extractor):
    text = "我的借被欠５０００元，逾期了十天 😭"
    found = entities(extractor, text)
    assert {(e["entity"], e["value"]) for e in found} == {
        ("loan_product", "借呗"),
        ("amount", "5000"),
        ("duration", "P10D"),
    }
    for entity in found:
        assert entity["extractor"] == "FinanceEntityExtractor"
        assert 0 <= entity["start"] < entity["end"] <= len(text)


def test_quantities_keep_exact_spans_when_jieba_glues_words_together(extractor):
    # jieba segments this as 分 / 6 / 期和分 / 12 / 期: token spans would merge the two
    text = "分6期和分12期哪个划算"
    found = entities(extractor, text)
    assert [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in found] == [
        ("installments", "6", "分6期"),
        ("installments", "12", "分12期"),
    ]


def test_owned_entities_from_other_extractors_are_replaced_not_duplicated(extractor):
    other = [
        {"entity": "amount", "value": "5", "start": 0, "end": 1, "extractor": "DIETClassifier"},
        {"entity": "city", "value": "杭州", "start": 0, "end": 2, "extractor": "DIETClassifier"},
    ]
    found = entities(extractor, "5000块", existing=other)
    assert [(e["entity"], e["value"]) for e in found] == [("city", "杭州"), ("amount", "5000")]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "你好", "今天天气怎么样", "asdf qwer", "<script>alert(1)</script>"],
)
def test_no_entities_in_texts_without_values(extractor, text):
    assert entities(extractor, text) == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("hb这个月还多少", [("hb", "花呗")]),
        ("我的HB逾期了", [("HB", "花呗")]),
        ("xyk和hb都欠着", [("xyk", "信用卡"), ("hb", "花呗")]),
        ("hbo会员怎么取消", []),
        ("xyks", []),
        ("jb逾期", []),  # jb is as often a swear word as 借呗: not read as a product
    ],
)
def test_products_in_latin_letters_only_as_words_of_their_own(extractor, text, found):
    assert [(text[e["start"] : e["end"]], e["value"]) for e in entities(extractor, text)] == found


def test_long_message_is_handled(extractor):
    text = ("借呗5000块逾期两个月了" * 500)[:5000]
    found = entities(extractor, text)
    assert found and all(e["end"] <= 5000 for e in found)


def test_every_synonym_in_the_data_is_recognised(extractor):
    """The EntityRuler is generated from data/synonyms.yml and data/lookups: each phrase maps to
    its value."""
    for phrase in load_phrases():
        got = {(e["entity"], e["value"]) for e in entities(extractor, phrase.text)}
        assert (phrase.label, phrase.value) in got, phrase


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我选雪球", {("strategy", "snowball")}),
        ("雪球吧", {("strategy", "snowball")}),
        ("用雪崩吧", {("strategy", "avalanche")}),
        ("雪崩和雪球区别", {("strategy", "avalanche"), ("strategy", "snowball")}),
        ("雪球还是雪崩", {("strategy", "snowball"), ("strategy", "avalanche")}),
        ("雪球法", {("strategy", "snowball")}),
        ("滚雪球还款法", {("strategy", "snowball")}),
    ],
)
def test_bare_snowball_and_avalanche_words_are_strategies(extractor, text, expected):
    assert values(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "债像滚雪球一样越滚越多",
        "像雪球一样越滚越大",
        "利息跟雪球似的",
        "雪球越滚越大",
        "这就是雪球效应",
        "债务像雪崩一样压过来",
    ],
)
def test_snowball_and_avalanche_images_of_debt_are_not_strategies(extractor, text):
    assert not {e for e in values(extractor, text) if e[0] == "strategy"}
