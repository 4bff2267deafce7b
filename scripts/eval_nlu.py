"""Evaluate the trained NLU on the held-out test set, the way the contract counts.

    .venv/bin/python scripts/eval_nlu.py [--model models/current.tar.gz] [--data tests/nlu_test.yml]
        [--min-intent-accuracy 0.95] [--min-entity-f1 0.95] [--report results/nlu_eval.json]

* intent accuracy: a retrieval intent counts by its full key (``faq/<topic>``: the intent must be
  ``faq`` and the response selector must pick the right topic);
* entity precision / recall / F1 on normalised values: per message, the multiset of
  (entity, value) pairs predicted against the annotated ones (spans are not compared: the
  contract is about the values).

Exits 1 when a threshold is given and missed. Prints the confusions, so a failure says why.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import sys
from pathlib import Path
from typing import Dict, List, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

ROOT = Path(__file__).resolve().parents[1]


def gold_examples(path: Path) -> List[Tuple[str, str, collections.Counter]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(path)).intent_examples:
        intent = message.get("intent")
        full = message.get("intent_response_key") or intent
        entities = collections.Counter((e["entity"], str(e.get("value"))) for e in message.get("entities") or [])
        examples.append((message.get("text"), full, entities))
    return examples


def predicted_key(parse: Dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selected = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


async def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(examples, parses) -> Dict:
    correct = 0
    confusions = collections.Counter()
    tp = fp = fn = 0
    entity_errors = []
    per_entity = collections.defaultdict(lambda: [0, 0, 0])
    for (text, gold, gold_entities), parse in zip(examples, parses):
        predicted = predicted_key(parse)
        if predicted == gold:
            correct += 1
        else:
            confusions[(gold, predicted)] += 1
        pred_entities = collections.Counter((e["entity"], str(e.get("value"))) for e in parse.get("entities") or [])
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
            entity_errors.append({"text": text, "gold": sorted(gold_entities.elements()),
                                  "predicted": sorted(pred_entities.elements())})
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
        "entity_precision": precision, "entity_recall": recall, "entity_f1": f1,
        "entity_f1_by_type": {name: f1_of(*counts) for name, counts in sorted(per_entity.items())},
        "intent_confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common()],
        "entity_errors": entity_errors,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--data", default=str(ROOT / "tests" / "nlu_test.yml"))
    parser.add_argument("--min-intent-accuracy", type=float, default=None)
    parser.add_argument("--min-entity-f1", type=float, default=None)
    parser.add_argument("--report", default=str(ROOT / "results" / "nlu_eval.json"))
    parser.add_argument("--show", type=int, default=25, help="how many errors of each kind to print")
    args = parser.parse_args(argv)

    examples = gold_examples(Path(args.data))
    parses = asyncio.run(parse_all(Path(args.model), [text for text, _, _ in examples]))
    result = evaluate(examples, parses)

    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"held-out examples:   {result['examples']}  ({args.data})")
    print(f"intent accuracy:     {result['intent_accuracy']:.4f}  (faq counted by faq/<topic>)")
    print(f"entity P / R / F1:   {result['entity_precision']:.4f} / {result['entity_recall']:.4f} / "
          f"{result['entity_f1']:.4f}  (normalised values)")
    print("entity F1 by type:   " + ", ".join(f"{k} {v:.3f}" for k, v in result["entity_f1_by_type"].items()))
    for item in result["intent_confusions"][: args.show]:
        print(f"  intent  {item['gold']:<34} → {item['predicted']:<34} ×{item['count']}")
    for item in result["entity_errors"][: args.show]:
        print(f"  entity  {item['text'][:40]:<40}  gold {item['gold']}  got {item['predicted']}")
    print(f"full report: {args.report}")

    failed = []
    if args.min_intent_accuracy is not None and result["intent_accuracy"] < args.min_intent_accuracy:
        failed.append(f"intent accuracy {result['intent_accuracy']:.4f} < {args.min_intent_accuracy}")
    if args.min_entity_f1 is not None and result["entity_f1"] < args.min_entity_f1:
        failed.append(f"entity F1 {result['entity_f1']:.4f} < {args.min_entity_f1}")
    for message in failed:
        print(f"FAILED: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
