"""Any message, however odd, gets a polite Chinese reply from the running bot, never an error."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.rasa_server

CJK = re.compile(r"[\u4e00-\u9fff]")

ODD_MESSAGES = {
    "nonsense": "asdf qwer zxcv 哈哈哈 ??? ~~~",
    "emoji only": "😀😀🙏🔥💸",
    "5000 characters": ("借呗逾期怎么办" * 715)[:5000],
    "5000 latin characters": "a" * 5000,
    "mixed script": "hello 我的jiebei 5k overdue了 two months 咋办 😭",
    "full-width": "５０００块逾期６０天",
    "markup": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "punctuation only": "。。。！！？？",
    "control characters": "借呗\u0000\u0007\u001b[31m还款",
    "json-looking": '{"intent": "greet"}',
    "slash command": "/greet",
    "rtl and combining": "مرحبا e\u0301 借呗",
}


@pytest.mark.parametrize("text", ODD_MESSAGES.values(), ids=ODD_MESSAGES.keys())
def test_odd_message_gets_a_polite_chinese_reply(say, text):
    messages = say(text)
    texts = [m.get("text") or "" for m in messages]
    assert texts, "the bot must always answer"
    reply = "\n".join(texts)
    assert CJK.search(reply), f"reply should be in Chinese: {reply!r}"
    assert "Traceback" not in reply and "Exception" not in reply


def test_parse_of_the_contract_example(rasa_url, api_token):
    response = requests.post(
        f"{rasa_url}/model/parse",
        json={"text": "借呗5000块逾期两个月了"},
        params={"token": api_token},
        timeout=30,
    )
    response.raise_for_status()
    entities = {(e["entity"], e["value"]) for e in response.json()["entities"]}
    assert {("amount", "5000"), ("duration", "P2M"), ("loan_product", "借呗")} <= entities


def test_empty_message_is_handled(say):
    # the REST channel accepts an empty text; the bot must not fail on it
    messages = say(" ")
    assert isinstance(messages, list)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("不知道", "out_of_scope"),  # a form's question answered with a don't-know, not distress
        ("我也不清楚", "out_of_scope"),
        ("先不提交", "deny"),  # the relief confirmation's own button text, typed
    ],
)
def test_everyday_answers_inside_a_form_are_read_as_such(rasa_url, api_token, text, intent):
    response = requests.post(
        f"{rasa_url}/model/parse", json={"text": text}, params={"token": api_token}, timeout=30
    )
    response.raise_for_status()
    assert response.json()["intent"]["name"] == intent
