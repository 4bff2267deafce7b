"""``FinanceEntityExtractor``: contract entities with normalised values, from the spaCy pipeline.

Runs the project-built spaCy pipeline (:mod:`bot.nlu.spacy_pipeline`) on each message and adds
``amount``, ``duration``, ``daily_rate``, ``annual_rate``, ``installments``, ``day_of_month``,
``loan_product`` and ``strategy`` entities whose ``value`` is normalised as the conversation
contract requires ("五千块" → "5000", "两个月" → "P2M", "万分之五" → "0.0005", 蚂蚁借呗 → 借呗).
It owns these entity types: any entity of the same type another extractor produced for the
message is replaced, so each appears once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import spacy_pipeline
from bot.nlu.quantities.quantity import ENTITIES as QUANTITY_ENTITIES

logger = logging.getLogger(__name__)

#: the quantity reader's entities (bot.nlu.quantities), then the closed classes found by the
#: spaCy entity ruler
OWNED_ENTITIES = (*QUANTITY_ENTITIES, "loan_product", "strategy")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FinanceEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "model_path": str(spacy_pipeline.DEFAULT_MODEL_DIR),
            "entities": list(OWNED_ENTITIES),
        }

    def __init__(self, config: Dict[Text, Any], nlp) -> None:
        self._config = config
        self._nlp = nlp
        self._entities = set(config["entities"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FinanceEntityExtractor":
        return cls(config, spacy_pipeline.load_pipeline(Path(config["model_path"])))

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba"]

    def extract(self, text: str) -> List[Dict[str, Any]]:
        entities = []
        for entity in spacy_pipeline.extract(self._nlp, text):
            if entity["entity"] in self._entities:
                entity.pop("text", None)
                entity["confidence_entity"] = 1.0
                entities.append(entity)
        return entities

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(self.extract(text))
            kept = [e for e in message.get(ENTITIES, []) if e.get("entity") not in self._entities]
            message.set(ENTITIES, kept + found, add_to_output=True)
        return messages
