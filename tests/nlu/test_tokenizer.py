"""FinanceJiebaTokenizer: whitespace dropped, project words kept whole, model round trip."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import FinanceJiebaTokenizer


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def tokenizer(storage):
    config = {**FinanceJiebaTokenizer.get_default_config()}
    return FinanceJiebaTokenizer.create(
        config, storage, Resource("tokenizer"), ExecutionContext(GraphSchema({}), "test")
    )


def tokens_of(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]


def test_whitespace_tokens_are_dropped_in_mixed_text(tokenizer):
    text = "支付宝 APP  还款\t500"
    tokens = tokens_of(tokenizer, text)
    assert all(t.strip() for t, _, _ in tokens)
    assert [t for t, _, _ in tokens] == ["支付宝", "APP", "还款", "500"]


def test_offsets_index_the_original_text(tokenizer):
    text = "我 借呗 5000块 逾期 两个月了 😀"
    for word, start, end in tokens_of(tokenizer, text):
        assert text[start:end] == word


@pytest.mark.parametrize(
    "word", ["借呗", "花呗", "逾期", "罚息", "征信", "等额本息", "先息后本", "宽限期", "停息挂账"]
)
def test_finance_words_stay_whole(tokenizer, word):
    assert word in [t for t, _, _ in tokens_of(tokenizer, f"请问{word}是怎么回事")]


def test_whitespace_only_message_has_no_tokens_and_does_not_fail(tokenizer):
    assert tokens_of(tokenizer, "   \n ") == []


def test_dictionary_is_saved_in_the_model_and_loaded_back(tokenizer, storage):
    resource = tokenizer.train(TrainingData())
    loaded = FinanceJiebaTokenizer.load(
        {**FinanceJiebaTokenizer.get_default_config()},
        storage,
        resource,
        ExecutionContext(GraphSchema({}), "test"),
    )
    assert loaded._dictionary == tokenizer._dictionary
    assert any(line.startswith("借呗 ") for line in loaded._dictionary)


def _misaligned(tokenizer, text):
    """Quantities whose span does not start and end on token boundaries."""
    from bot.nlu.quantities import find_quantities

    tokens = tokens_of(tokenizer, text)
    starts, ends = {s for _, s, _ in tokens}, {e for _, _, e in tokens}
    return [
        (q.text, [t for t, _, _ in tokens])
        for q in find_quantities(text)
        if q.start not in starts or q.end not in ends
    ]


@pytest.mark.parametrize(
    "text",
    [
        # the unit ending a quantity and the function word after it (jieba's HMM glued 期能, 期有,
        # 天上 …)
        "分6期能便宜点吗",
        "36期有手续费吗",
        "逾期3天上征信吗",
        "借1万会怎样",
        "借1万能借吗",
        "欠3千算多吗",
        "欠500元要还多少",
        "每月15号会自动扣吗",
        "逾期3周会怎样",
        "3天后还行吗",
        "30天内还清",
        "逾期两年了",
        # 分 and the word before it
        "我分6期",
        "能分12期吗",
        # 一年 after 万 (not 万一 + 年)
        "1万一年利息多少",
        "借1万一年利息多少",
    ],
)
def test_quantity_spans_fall_on_token_boundaries(tokenizer, text):
    assert _misaligned(tokenizer, text) == []


@pytest.mark.parametrize(
    "text, word",
    [
        ("万一还不上怎么办", "万一"),
        ("要是万一年底还不上", "万一"),
        ("年前能还上吗", "年前"),
        ("千分之五", "千分之"),
    ],
)
def test_words_kept_whole_next_to_the_splits(tokenizer, text, word):
    assert word in [t for t, _, _ in tokens_of(tokenizer, text)]


@pytest.mark.parametrize(
    "text",
    [
        "日息万四是高吗",
        "借3万选等额本息还是等额本金",
        "大概3万左右",
        "分了12期想一次结清",
        "工资7k15号发",
    ],
)
def test_tokens_are_cut_where_jieba_glues_a_quantity_to_the_next_word(tokenizer, text):
    assert _misaligned(tokenizer, text) == []


def test_cutting_at_quantities_keeps_every_character_but_whitespace(tokenizer):
    text = "借3万选 等额本息，日息万四是高吗？分了12期想结清"
    tokens = tokens_of(tokenizer, text)
    assert "".join(t for t, _, _ in tokens) == "".join(text.split())
    assert all(text[s:e] == t for t, s, e in tokens)
