"""``DistressGuard``: a safety net in front of intent classification for self-harm talk.

A statistical classifier misses some messages about wanting to die ("欠太多了，活着没意思"),
and a missed one is the worst failure this bot can have. This component runs after the
intent classifiers and, when the message contains a phrase from ``data/safety/`` , makes
``express_distress`` the intent with confidence 1.0 (the classifier's ranking is kept below
it), so the dialogue always answers with empathy and a crisis hotline first. A false alarm
gets a kind answer and costs little.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety import SAFETY_DIR, contains_phrase, load_phrases, normalise

INTENT_RANKING_KEY = "intent_ranking"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DistressGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"phrases_path": str(SAFETY_DIR), "intent": "express_distress"}

    def __init__(self, config: Dict[Text, Any], phrases: List[str]) -> None:
        self._intent = config["intent"]
        self._phrases = phrases

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DistressGuard":
        return cls(config, load_phrases(Path(config["phrases_path"])))

    def matches(self, text: str) -> bool:
        return contains_phrase(text, self._phrases)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not self.matches(message.get(TEXT) or ""):
                continue
            ranking = [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) != self._intent
            ]
            top = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
        return messages


__all__ = ["DistressGuard", "INTENT_RANKING_KEY", "load_phrases", "normalise"]
