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
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.evaluation import evaluate, gold_examples, parse_all  # noqa: E402


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
