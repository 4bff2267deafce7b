"""Command line: ``python -m bot.nlu.quantities {parse,evaluate,benchmark}``.

* ``parse TEXT``       — print the quantities found in TEXT;
* ``evaluate [PATH…]`` — precision / recall / F1 against annotated Rasa NLU files
  (default: the held-out set ``tests/nlu_test.yml``);
* ``benchmark [PATH…]`` — messages per second over the examples of PATH, and the
  time for one 5,000-character message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable, Optional

from bot.nlu.quantities.evaluation import benchmark, evaluate, load_examples
from bot.nlu.quantities.extract import find_quantities

_DEFAULT_SET = Path(__file__).resolve().parents[3] / "tests" / "nlu_test.yml"


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.nlu.quantities",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="print the quantities found in a text")
    p.add_argument("text")
    e = sub.add_parser("evaluate", help="score against annotated Rasa NLU YAML files")
    e.add_argument("paths", nargs="*", type=Path, default=[_DEFAULT_SET])
    e.add_argument("--errors", type=int, default=20, help="how many differing examples to show")
    e.add_argument(
        "--spans-only",
        action="store_true",
        help="compare entity types and spans only (for files whose values are raw text)",
    )
    b = sub.add_parser("benchmark", help="throughput over the examples of Rasa NLU YAML files")
    b.add_argument("paths", nargs="*", type=Path, default=[_DEFAULT_SET])
    b.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(list(argv) if argv is not None else None)

    if args.command == "parse":
        for q in find_quantities(args.text):
            print(f"{q.entity:<13} {q.start:>4}-{q.end:<4} {q.text:<16} -> {q.value}")
        return 0
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    examples = load_examples(args.paths)
    if args.command == "evaluate":
        print(evaluate(examples, spans_only=args.spans_only).format(show_errors=args.errors))
        return 0
    texts = [ex.text for ex in examples]
    long_text = ("借呗5000块逾期两个月了，日息万五，年化18%，分12期，每月15号还款。😀 " * 200)[
        :5000
    ]
    print(benchmark(texts, repeat=args.repeat, long_text=long_text))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.exit(0)
