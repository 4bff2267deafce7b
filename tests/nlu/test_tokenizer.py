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
    return FinanceJiebaTokenizer.create(config, storage, Resource("tokenizer"),
                                        ExecutionContext(GraphSchema({}), "test"))


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


@pytest.mark.parametrize("word", ["借呗", "花呗", "逾期", "罚息", "征信", "等额本息", "先息后本", "宽限期", "停息挂账"])
def test_finance_words_stay_whole(tokenizer, word):
    assert word in [t for t, _, _ in tokens_of(tokenizer, f"请问{word}是怎么回事")]


def test_whitespace_only_message_has_no_tokens_and_does_not_fail(tokenizer):
    assert tokens_of(tokenizer, "   \n ") == []


def test_dictionary_is_saved_in_the_model_and_loaded_back(tokenizer, storage):
    resource = tokenizer.train(TrainingData())
    loaded = FinanceJiebaTokenizer.load({**FinanceJiebaTokenizer.get_default_config()}, storage, resource,
                                        ExecutionContext(GraphSchema({}), "test"))
    assert loaded._dictionary == tokenizer._dictionary
    assert any(line.startswith("借呗 ") for line in loaded._dictionary)
