"""Distress (hotlines first, no network needed) and the hand-off with a summary for the agent."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.support import (
    DISTRESS_OPENING_ZH,
    FAQ_TOPIC_LABELS_ZH,
    ActionExpressDistress,
    ActionHumanHandoff,
)
from tests.actions.action_helpers import TWO_MONTHS, make_tracker, texts

REPO = Path(__file__).resolve().parents[2]


async def test_distress_gets_empathy_and_every_hotline_first(ledger_down):
    dispatcher = CollectingDispatcher()
    assert (
        await ActionExpressDistress().run(
            dispatcher,
            make_tracker("欠太多了不想活了", "express_distress", borrower=TWO_MONTHS),
            {},
        )
        == []
    )
    first = dispatcher.messages[0]["text"]
    assert first.startswith("听到你这么说，我很担心你")
    for number in ("12356", "400-161-9995", "110", "120"):
        assert number in first
    reply = texts(dispatcher)
    assert "元" not in reply and "%" not in reply  # no figures, no selling
    assert "协商" in reply and "人工客服" in reply and "回我一个“好”" in reply


@pytest.mark.parametrize("text", ["I want to die", "i dont want to live anymore", "suicide"])
async def test_distress_in_english_gets_the_hotlines_in_english_first(text, ledger_down):
    dispatcher = CollectingDispatcher()
    await ActionExpressDistress().run(dispatcher, make_tracker(text, "express_distress"), {})
    first = dispatcher.messages[0]["text"]
    english, chinese = first.split("\n", 1)
    assert "hotline" in english and "emergency" in english
    for number in ("12356", "400-161-9995", "110", "120"):
        assert number in english and number in chinese
    assert chinese.startswith(DISTRESS_OPENING_ZH)


async def test_distress_in_chinese_has_no_english_line(ledger_down):
    dispatcher = CollectingDispatcher()
    await ActionExpressDistress().run(dispatcher, make_tracker("不想活了", "express_distress"), {})
    assert "hotline" not in texts(dispatcher)


async def test_handoff_summarises_the_conversation_for_the_agent(ledger):
    earlier = [
        {
            "event": "user",
            "text": "借呗两个月没还会怎样",
            "metadata": {"channel": "widget", "external_id": TWO_MONTHS},
            "parse_data": {
                "intent": {"name": "faq"},
                "response_selector": {
                    "faq": {"response": {"intent_response_key": "faq/overdue_consequences"}}
                },
            },
        },
        {"event": "action", "name": "action_answer_faq"},
        {
            "event": "user",
            "text": "还不上了不想活了",
            "metadata": {"channel": "widget", "external_id": TWO_MONTHS},
            "parse_data": {"intent": {"name": "express_distress"}},
        },
        {"event": "action", "name": "action_express_distress"},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("转人工", "human_handoff", borrower=TWO_MONTHS, history=earlier)
    assert await ActionHumanHandoff().run(dispatcher, tracker, {}) == []
    [message] = dispatcher.messages
    assert (
        "转接人工客服" in message["text"]
        and "不用从头再说一遍" in message["text"]
        and "110" in message["text"]
    )
    payload = message["custom"]
    assert payload["type"] == "handoff"
    summary = payload["summary"]
    assert summary["priority"] == "urgent" and summary["borrower_id"] == TWO_MONTHS
    assert (
        "咨询：逾期的后果" in summary["topics"]
        and "情绪困扰（提到轻生或极度压力）" in summary["topics"]
    )
    assert (
        summary["recent_messages"][-1] == "转人工"
        and "借呗两个月没还会怎样" in summary["recent_messages"]
    )
    assert (
        "李强" in summary["text"]
        and "逾期61天" in summary["text"]
        and summary["text"].startswith("【紧急】")
    )
    assert payload["table"]["rows"][0] == [summary["text"].splitlines()[0]]


async def test_handoff_for_an_unlinked_user_while_the_ledger_is_down(ledger_down):
    dispatcher = CollectingDispatcher()
    await ActionHumanHandoff().run(
        dispatcher, make_tracker("我要找客服", "human_handoff", borrower=TWO_MONTHS), {}
    )
    [message] = dispatcher.messages
    summary = message["custom"]["summary"]
    assert summary["priority"] == "normal" and summary["borrower_id"] is None
    assert "未绑定账户的用户" in summary["text"] and "转接人工客服" in message["text"]


def test_every_contract_faq_topic_has_a_label_for_the_agent():
    topics = {path.stem for path in (REPO / "data" / "responses" / "faq").glob("*.yml")}
    assert topics == set(FAQ_TOPIC_LABELS_ZH)
