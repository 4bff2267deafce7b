"""DistressGuard: self-harm talk is express_distress whatever the classifier said."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.distress_guard import DistressGuard


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    return DistressGuard.create(
        DistressGuard.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("m")),
        Resource("guard"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def classify(guard, text, intent="faq", confidence=0.97):
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "express_distress", "confidence": 0.02},
    ]
    message = Message(data={TEXT: text, INTENT: ranking[0], "intent_ranking": ranking})
    guard.process([message])
    return message


@pytest.mark.parametrize(
    "text",
    [
        "欠太多了不想活了",
        "借呗还不上 活着没意思",
        "真的想死",
        "我想 自 杀",
        "ＷＯ不想活了😭",
        "还不上钱干脆跳楼算了",
        "撑不下去了，天天被催",
    ],
)
def test_distress_phrases_override_the_classifier(guard, text):
    message = classify(guard, text)
    assert message.get(INTENT) == {"name": "express_distress", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "express_distress"
    assert [r["name"] for r in ranking].count("express_distress") == 1
    assert ranking[1]["name"] == "faq"


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "i wanna die, the debt is too much",
        "I don’t want to live anymore",
        "I DONT WANT TO LIVE",
        "thinking about suicide",
        "I might kill myself",
        "I just want to end my life",
        "ｉ ｗａｎｔ ｔｏ ｄｉｅ",
    ],
)
def test_english_self_harm_talk_is_distress(guard, text):
    assert classify(guard, text, intent="out_of_scope").get(INTENT)["name"] == "express_distress"


@pytest.mark.parametrize(
    "text",
    [
        "I want to repay my loan early",
        "how do I change my due date",
        "Do you speak English?",
        "my phone died, can I pay tomorrow",
    ],
)
def test_ordinary_english_messages_are_left_alone(guard, text):
    assert classify(guard, text, intent="out_of_scope").get(INTENT)["name"] == "out_of_scope"


def test_fallback_is_overridden_too(guard):
    message = classify(guard, "不想活了", intent="nlu_fallback", confidence=0.45)
    assert message.get(INTENT)["name"] == "express_distress"


@pytest.mark.parametrize(
    "text", ["借呗逾期两个月会怎样", "死活想不起来还款日", "活期存款利率多少", "你好", "", "😀"]
)
def test_ordinary_messages_are_left_alone(guard, text):
    message = classify(guard, text)
    assert message.get(INTENT) == {"name": "faq", "confidence": 0.97}
