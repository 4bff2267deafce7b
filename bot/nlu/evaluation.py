"""Scoring of NLU predictions the way the conversation contract (docs/contract.md) counts them.

* intent accuracy: a retrieval intent counts by its full key (``faq/<topic>``: the intent must be
  ``faq`` and the response selector must pick the right topic); per-label precision / recall / F1;
* entity precision / recall / F1 on normalised values: per message, the multiset of
  (entity, value) pairs predicted against the annotated ones (spans are not compared: the
  contract is about the values); ``compare="surface"`` scores (entity, text found) instead, for
  training data annotated with surface forms.

Used by ``scripts/eval_nlu.py`` (held-out file) and ``scripts/cv_nlu.py`` (cross-validation).
Rasa is imported lazily: scoring itself is pure.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Dict, List, Tuple


def gold_examples(path: Path) -> List[Tuple[str, str, collections.Counter]]:
    from rasa.shared.nlu.training_data.loading import load_data

    return gold_examples_of(load_data(str(path)).intent_examples)


def training_examples(data_dir: Path, config: Path, domain: Path) -> List[Tuple[str, str]]:
    """(text, full intent key) of every intent example in the training data, as Rasa reads it."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(
        config_path=str(config), domain_path=str(domain), training_data_paths=[str(data_dir)]
    )
    return [(m.get("text"), m.get_full_intent()) for m in importer.get_nlu_data().intent_examples]


def accuracy(examples, predicted_keys: List[str]) -> float:
    """Share of ``examples`` (text, full key, entities) whose key equals the predicted key."""
    if not examples:
        return 0.0
    return sum(
        gold == predicted for (_, gold, _), predicted in zip(examples, predicted_keys)
    ) / len(examples)


def gold_examples_of(
    messages, compare: str = "value"
) -> List[Tuple[str, str, collections.Counter]]:
    """(text, full intent key, Counter of (entity, value or surface)) for each annotated message.

    ``compare="value"`` for data annotated with normalised values (the held-out file);
    ``compare="surface"`` for the training data, whose annotations carry surface forms
    (``[五千](amount)``) and so can only be scored on what was found, not on its value.
    """
    examples = []
    for message in messages:
        intent = message.get("intent")
        full = message.get("intent_response_key") or intent
        text = message.get("text")
        entities = collections.Counter(
            entity_key(e, text, compare) for e in message.get("entities") or []
        )
        examples.append((text, full, entities))
    return examples


def entity_key(entity: Dict, text: str, compare: str = "value") -> Tuple[str, str]:
    if compare == "surface":
        return entity["entity"], text[entity["start"] : entity["end"]]
    return entity["entity"], str(entity.get("value"))


def predicted_key(parse: Dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selected = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


async def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Rasa logs every parse (text included) through structlog, which prints all levels unless
    # configured; scoring output stays a summary, and a blind test file stays unread
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(examples, parses, compare: str = "value") -> Dict:
    correct = 0
    confusions = collections.Counter()
    intent_errors = []
    label_counts = collections.defaultdict(
        lambda: [0, 0, 0]
    )  # true positives, false positives, false negatives
    tp = fp = fn = 0
    entity_errors = []
    per_entity = collections.defaultdict(lambda: [0, 0, 0])
    for (text, gold, gold_entities), parse in zip(examples, parses):
        predicted = predicted_key(parse)
        if predicted == gold:
            correct += 1
            label_counts[gold][0] += 1
        else:
            confusions[(gold, predicted)] += 1
            intent_errors.append({"text": text, "gold": gold, "predicted": predicted})
            label_counts[gold][2] += 1
            label_counts[predicted][1] += 1
        pred_entities = collections.Counter(
            entity_key(e, text, compare) for e in parse.get("entities") or []
        )
        hit = gold_entities & pred_entities
        tp += sum(hit.values())
        fp += sum((pred_entities - gold_entities).values())
        fn += sum((gold_entities - pred_entities).values())
        for (name, _value), count in hit.items():
            per_entity[name][0] += count
        for (name, _value), count in (pred_entities - gold_entities).items():
            per_entity[name][1] += count
        for (name, _value), count in (gold_entities - pred_entities).items():
            per_entity[name][2] += count
        if hit != gold_entities or hit != pred_entities:
            entity_errors.append(
                {
                    "text": text,
                    "gold": sorted(gold_entities.elements()),
                    "predicted": sorted(pred_entities.elements()),
                }
            )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def f1_of(t, p, n):
        pr = t / (t + p) if t + p else 1.0
        rc = t / (t + n) if t + n else 1.0
        return round(2 * pr * rc / (pr + rc), 4) if pr + rc else 0.0

    return {
        "examples": len(examples),
        "intent_accuracy": correct / len(examples) if examples else 0.0,
        "entity_precision": precision,
        "entity_recall": recall,
        "entity_f1": f1,
        "entity_f1_by_type": {name: f1_of(*counts) for name, counts in sorted(per_entity.items())},
        "intent_by_label": {
            label: {
                "support": t + n,
                "precision": round(t / (t + p), 4) if t + p else 0.0,
                "recall": round(t / (t + n), 4) if t + n else 0.0,
                "f1": f1_of(t, p, n),
            }
            for label, (t, p, n) in sorted(label_counts.items())
        },
        "intent_errors": intent_errors,
        "intent_confusions": [
            {"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common()
        ],
        "entity_errors": entity_errors,
    }


def label_table(result: Dict) -> str:
    """Per-label scores as a markdown table, weakest first."""
    lines = ["| label | support | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for label, row in sorted(
        result["intent_by_label"].items(), key=lambda item: (item[1]["f1"], item[0])
    ):
        if row["support"]:
            lines.append(
                f"| {label} | {row['support']} | {row['precision']:.3f} | {row['recall']:.3f} |"
                f" {row['f1']:.3f} |"
            )
    return "\n".join(lines)
