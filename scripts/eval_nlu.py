"""Evaluate the trained NLU on the held-out test set, the way the contract counts.

    .venv/bin/python scripts/eval_nlu.py [--model models/current.tar.gz] [--data tests/nlu_test.yml]
        [--min-intent-accuracy 0.97] [--min-entity-f1 0.95] [--max-error-ratio 0.5]
        [--report results/nlu_eval.json]

* intent accuracy: a retrieval intent counts by its full key (``faq/<topic>``: the intent must be
  ``faq`` and the response selector must pick the right topic);
* entity precision / recall / F1 on normalised values: per message, the multiset of
  (entity, value) pairs predicted against the annotated ones (spans are not compared: the
  contract is about the values).

Every figure is printed beside the plain baseline (:mod:`bot.nlu.baseline`: character n-gram TF-IDF
+
logistic regression) trained on the same ``data/``, with the ratio of the two error rates.

Exits 1 when a threshold is given and missed. Prints the confusions by label pair (``--show N``
also prints up to N misread texts, ``--confusions`` the label pairs: leave both off on a blind file
while training data is being written against it; the report file holds everything).
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

from bot.nlu.baseline import predict as baseline_predict
from bot.nlu.baseline import train_baseline
from bot.nlu.evaluation import (
    accuracy,
    evaluate,
    gold_examples,
    parse_all,
    training_examples,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--data", default=str(ROOT / "tests" / "nlu_test.yml"))
    parser.add_argument("--min-intent-accuracy", type=float, default=None)
    parser.add_argument("--min-entity-f1", type=float, default=None)
    parser.add_argument(
        "--max-error-ratio",
        type=float,
        default=None,
        help="fail when the pipeline's intent error rate exceeds this share of the baseline's",
    )
    parser.add_argument(
        "--train-data", default=str(ROOT / "data"), help="what the baseline is trained on"
    )
    parser.add_argument("--report", default=str(ROOT / "results" / "nlu_eval.json"))
    parser.add_argument(
        "--show", type=int, default=0, help="how many misread texts of each kind to print"
    )
    parser.add_argument(
        "--confusions", action="store_true", help="print the intent confusions by label pair"
    )
    args = parser.parse_args(argv)

    examples = gold_examples(Path(args.data))
    parses = asyncio.run(parse_all(Path(args.model), [text for text, _, _ in examples]))
    result = evaluate(examples, parses)
    training = training_examples(Path(args.train_data), ROOT / "config.yml", ROOT / "domain.yml")
    baseline = train_baseline([t for t, _ in training], [label for _, label in training])
    result["baseline_intent_accuracy"] = accuracy(
        examples, baseline_predict(baseline, [t for t, _, _ in examples])
    )
    pipeline_error, baseline_error = (
        1 - result["intent_accuracy"],
        1 - result["baseline_intent_accuracy"],
    )
    result["error_ratio"] = (
        pipeline_error / baseline_error if baseline_error else (0.0 if not pipeline_error else None)
    )

    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"held-out examples:   {result['examples']}  ({args.data})")
    ratio = "n/a" if result["error_ratio"] is None else f"{result['error_ratio']:.2f}"
    print(
        f"intent accuracy:     {result['intent_accuracy']:.4f}  (faq counted by faq/<topic>)   "
        f"baseline {result['baseline_intent_accuracy']:.4f}   error ratio {ratio}"
    )
    print(
        f"entity P / R / F1:   {result['entity_precision']:.4f} / {result['entity_recall']:.4f} / "
        f"{result['entity_f1']:.4f}  (normalised values)"
    )
    print("                     (the baseline has no entity extractor)")
    print(
        "entity F1 by type:   "
        + ", ".join(f"{k} {v:.3f}" for k, v in result["entity_f1_by_type"].items())
    )
    for item in result["intent_confusions"] if args.confusions else []:
        print(f"  intent  {item['gold']:<34} → {item['predicted']:<34} ×{item['count']}")
    for item in result["intent_errors"][: args.show]:
        print(f"  text    {item['text'][:40]:<40}  gold {item['gold']}  got {item['predicted']}")
    for item in result["entity_errors"][: args.show]:
        print(f"  entity  {item['text'][:40]:<40}  gold {item['gold']}  got {item['predicted']}")
    print(f"full report: {args.report}")

    failed = []
    if (
        args.min_intent_accuracy is not None
        and result["intent_accuracy"] < args.min_intent_accuracy
    ):
        failed.append(
            f"intent accuracy {result['intent_accuracy']:.4f} < {args.min_intent_accuracy}"
        )
    if args.min_entity_f1 is not None and result["entity_f1"] < args.min_entity_f1:
        failed.append(f"entity F1 {result['entity_f1']:.4f} < {args.min_entity_f1}")
    if args.max_error_ratio is not None and (
        result["error_ratio"] is None or result["error_ratio"] > args.max_error_ratio
    ):
        failed.append(f"intent error rate {ratio} × the baseline's > {args.max_error_ratio}")
    for message in failed:
        print(f"FAILED: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
