"""``LinearIntentClassifier``: intents and FAQ topics in one deterministic model.

One :class:`bot.nlu.intent_model.IntentModel` predicts the full key of a message
(``check_loan_status``,
``faq/grace_period`` …). The component writes what Rasa's DIETClassifier and ResponseSelector
would have written together, so the rest of Rasa (FallbackClassifier, policies, ``utter_faq``)
works unchanged:

* ``intent``: the base intent of the best key (``faq`` for every topic); its confidence is the
  summed probability of all keys of that base intent, so a message that is surely *some* FAQ is
  not sent to the fallback because two topics share the probability;
* ``intent_ranking``: base intents by that summed probability;
* ``response_selector.faq``: the best topic, its probability within the FAQ keys, the ranking of
  topics, and ``utter_action`` = ``utter_faq/<topic>``, as ResponseSelector writes it.

Training takes seconds on two cores and gives the same model on every machine (see
:mod:`bot.nlu.intent_model`), which is why it replaced DIET and ResponseSelector (README, "The
Chinese NLU pipeline").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_model import IntentModel, IntentModelConfig
from bot.paths import DATA_DIR

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_model.joblib"
RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = IntentModelConfig()
        return {
            "data_path": str(DATA_DIR),
            "retrieval_intent": "faq",
            "char_ngrams": list(defaults.char_ngrams),
            "word_ngrams": list(defaults.word_ngrams),
            "word_weight": defaults.word_weight,
            "first_clause_weight": defaults.first_clause_weight,
            "pinyin_weight": defaults.pinyin_weight,
            "pinyin_ngrams": list(defaults.pinyin_ngrams),
            "raw_char_weight": defaults.raw_char_weight,
            "raw_char_ngrams": list(defaults.raw_char_ngrams),
            "pretrained_weight": defaults.pretrained_weight,
            "pretrained_dimensions": defaults.pretrained_dimensions,
            "C": defaults.C,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "jieba", "pypinyin", "tokenizers", "safetensors"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[IntentModel] = None,
        responses: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._responses = responses or {}
        self._retrieval_intent = config["retrieval_intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def _model_config(self) -> IntentModelConfig:
        return IntentModelConfig(
            char_ngrams=tuple(self._config["char_ngrams"]),
            word_ngrams=tuple(self._config["word_ngrams"]),
            word_weight=float(self._config["word_weight"]),
            first_clause_weight=float(self._config["first_clause_weight"]),
            pinyin_weight=float(self._config["pinyin_weight"]),
            pinyin_ngrams=tuple(self._config["pinyin_ngrams"]),
            raw_char_weight=float(self._config["raw_char_weight"]),
            raw_char_ngrams=tuple(self._config["raw_char_ngrams"]),
            pretrained_weight=float(self._config["pretrained_weight"]),
            pretrained_dimensions=int(self._config["pretrained_dimensions"]),
            C=float(self._config["C"]),
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get("text")]
        if not examples:
            logger.warning("No intent examples: the intent classifier is not trained.")
            return self._resource
        model = IntentModel.from_data(Path(self._config["data_path"]), self._model_config())
        model.fit([m.get("text") for m in examples], [m.get_full_intent() for m in examples])
        self._model = model
        prefix = f"utter_{self._retrieval_intent}/"
        self._responses = {
            name: value
            for name, value in (training_data.responses or {}).items()
            if name.startswith(prefix)
        }
        self.persist()
        return self._resource

    def persist(self) -> None:
        import joblib

        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(
                {"model": self._model, "responses": self._responses}, Path(directory) / MODEL_FILE
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(Path(directory) / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning(
                "The intent classifier was not trained; every message will go to the fallback."
            )
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, saved["model"], saved["responses"])

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [message.get("text") or "" for message in messages]
        scored = [i for i, text in enumerate(texts) if text.strip()]
        rows = (
            self._model.predict_proba([texts[i] for i in scored]) if self._model and scored else []
        )
        by_message = dict(zip(scored, rows))
        for index, message in enumerate(messages):
            row = by_message.get(index)
            if row is None:
                message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            self._set_prediction(message, dict(zip(self._model.labels, (float(p) for p in row))))
        return messages

    def _set_prediction(self, message: Message, probabilities: Dict[str, float]) -> None:
        base: Dict[str, float] = {}
        for key, probability in probabilities.items():
            name = key.split("/", 1)[0]
            base[name] = base.get(name, 0.0) + probability
        total = sum(base.values()) or 1.0
        ranking = sorted(
            ({"name": n, "confidence": p / total} for n, p in base.items()),
            key=lambda item: (-item["confidence"], item["name"]),
        )
        message.set("intent", ranking[0], add_to_output=True)
        message.set("intent_ranking", ranking[:RANKING_LENGTH], add_to_output=True)
        self._set_response_selection(message, probabilities)

    def _set_response_selection(self, message: Message, probabilities: Dict[str, float]) -> None:
        prefix = f"{self._retrieval_intent}/"
        topics = {key: p for key, p in probabilities.items() if key.startswith(prefix)}
        if not topics:
            return
        total = sum(topics.values()) or 1.0
        ranking = sorted(
            ({"intent_response_key": key, "confidence": p / total} for key, p in topics.items()),
            key=lambda item: (-item["confidence"], item["intent_response_key"]),
        )
        best = ranking[0]["intent_response_key"]
        utter_action = f"utter_{best}"
        selector = message.get("response_selector") or {}
        selector["all_retrieval_intents"] = [self._retrieval_intent]
        selector[self._retrieval_intent] = {
            "response": {
                "responses": self._responses.get(utter_action) or [{"text": best}],
                "confidence": ranking[0]["confidence"],
                "intent_response_key": best,
                "utter_action": utter_action,
            },
            "ranking": ranking[:RANKING_LENGTH],
        }
        message.set("response_selector", selector, add_to_output=True)
