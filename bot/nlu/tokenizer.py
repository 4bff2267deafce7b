"""``FinanceJiebaTokenizer``: Rasa's JiebaTokenizer, fitted for mixed Chinese/English chat.

Two faults of the stock tokenizer are fixed here:

* jieba returns whitespace as tokens in mixed text ("支付宝 APP 还款"); they carry no meaning,
  break n-gram features and misalign entity spans, so they are dropped;
* jieba glues a unit to the next word ("3万选", "万四是", "12期想"), so a token straddles the
  edge of an amount, rate or count and its entity span does not fall on token boundaries;
  tokens are cut where the quantity reader (:mod:`bot.nlu.quantities`) says a quantity starts
  or ends;
* the custom dictionary is the project's (:mod:`bot.nlu.dictionary`: finance words plus every
  loan-product and strategy phrase), written into the model at training time so a trained
  model tokenises exactly as it did when it was trained.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.dictionary import dictionary_lines, load_into_jieba
from bot.paths import DATA_DIR

logger = logging.getLogger(__name__)
DICTIONARY_FILE = "finance_dictionary.txt"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class FinanceJiebaTokenizer(JiebaTokenizer):
    """Jieba tokenizer that drops whitespace tokens and uses the project dictionary."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        config = JiebaTokenizer.get_default_config()
        # directory holding data/jieba and the synonym/lookup files the phrases come from
        config["data_path"] = str(DATA_DIR)
        return config

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        dictionary: Optional[List[str]] = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        self._dictionary = dictionary or []

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FinanceJiebaTokenizer":
        dictionary = dictionary_lines(Path(config["data_path"]))
        load_into_jieba(dictionary)
        return cls(config, model_storage, resource, dictionary)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FinanceJiebaTokenizer":
        try:
            with model_storage.read_from(resource) as directory:
                dictionary = (
                    (Path(directory) / DICTIONARY_FILE).read_text(encoding="utf-8").splitlines()
                )
        except (ValueError, FileNotFoundError):
            logger.warning("No dictionary in the model; using the one in %s.", config["data_path"])
            dictionary = dictionary_lines(Path(config["data_path"]))
        load_into_jieba(dictionary)
        return cls(config, model_storage, resource, dictionary)

    def train(self, training_data: TrainingData) -> Resource:
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / DICTIONARY_FILE).write_text(
                "\n".join(self._dictionary) + "\n", encoding="utf-8"
            )

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        from bot.nlu.quantities import find_quantities

        text = message.get(attribute) or ""
        edges = sorted({edge for q in find_quantities(text) for edge in (q.start, q.end)})
        tokens = []
        for _word, start, end in jieba.tokenize(text):
            cuts = [start, *(edge for edge in edges if start < edge < end), end]
            for left, right in zip(cuts, cuts[1:]):
                if text[left:right].strip():
                    tokens.append(Token(text[left:right], left))
        return self._apply_token_pattern(tokens)
