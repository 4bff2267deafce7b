"""Scoring :func:`find_quantities` against annotated Rasa NLU examples, and timing it.

Reads Rasa 3 YAML NLU files (``- text with [span]{"entity": "amount", "value": "5000"}``),
keeps the six quantity entities, and compares what the extractor finds with the
annotations:

* ``value`` match: same entity type and same normalised value (what the bot uses);
* ``exact`` match: same type, value and character span.

Run ``python -m bot.nlu.quantities evaluate tests/nlu_test.yml``.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from bot.nlu.quantities.extract import ENTITIES, find_quantities

__all__ = ["Example", "load_examples", "evaluate", "benchmark"]

_ANNOTATION_RE = re.compile(
    r"\[(?P<text>[^\]\n]+)\](?:\{(?P<json>[^}\n]*)\}|\((?P<short>[^)\n]+)\))"
)


@dataclass
class Example:
    text: str
    #: (entity, start, end, value)
    entities: List[Tuple[str, int, int, str]] = field(default_factory=list)


def parse_annotated(line: str) -> Example:
    """Plain text and entities of one annotated example line."""
    text_parts: List[str] = []
    entities = []
    pos = 0
    length = 0
    for m in _ANNOTATION_RE.finditer(line):
        before = line[pos : m.start()]
        text_parts.append(before)
        length += len(before)
        span = m.group("text")
        if m.group("json") is not None:
            try:
                meta = json.loads("{" + m.group("json") + "}")
            except json.JSONDecodeError:
                meta = {}
            entity, value = meta.get("entity"), meta.get("value", span)
        else:
            entity, _, value = m.group("short").partition(":")
            value = value or span
        if entity:
            entities.append((entity, length, length + len(span), str(value)))
        text_parts.append(span)
        length += len(span)
        pos = m.end()
    text_parts.append(line[pos:])
    return Example("".join(text_parts), entities)


def load_examples(paths: Iterable[Path]) -> List[Example]:
    """Every example of the given Rasa YAML NLU files (or directories of them)."""
    import yaml

    examples: List[Example] = []
    files: List[Path] = []
    for path in paths:
        path = Path(path)
        files.extend(sorted(path.rglob("*.yml")) if path.is_dir() else [path])
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue  # synonyms, lookup tables and regexes are not examples
            raw = block.get("examples")
            if not isinstance(raw, str):
                continue
            for line in raw.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(parse_annotated(line[2:].strip()))
    return examples


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    examples: int
    by_value: Dict[str, Score]
    by_span: Dict[str, Score]
    errors: List[Tuple[str, List[tuple], List[tuple]]]

    def format(self, show_errors: int = 20) -> str:
        lines = [
            f"{self.examples} examples; quantity entities only",
            f"{'entity':<14}{'gold':>6}{'value P':>9}{'value R':>9}"
            f"{'value F1':>10}{'exact F1':>10}",
        ]
        for entity in list(ENTITIES) + ["all"]:
            v, s = self.by_value[entity], self.by_span[entity]
            lines.append(
                f"{entity:<14}{v.tp + v.fn:>6}{v.precision:>9.3f}{v.recall:>9.3f}"
                f"{v.f1:>10.3f}{s.f1:>10.3f}"
            )
        if show_errors and self.errors:
            lines.append(
                f"\nfirst {min(show_errors, len(self.errors))} of {len(self.errors)} differing"
                " examples (gold | found), as (entity, text, value):"
            )
            for text, gold, found in self.errors[:show_errors]:
                lines.append(f"  {text}\n      gold  {gold}\n      found {found}")
        return "\n".join(lines)


def evaluate(examples: List[Example], spans_only: bool = False) -> Report:
    """Score the extractor; ``spans_only`` ignores values (for data annotated with raw text
    values)."""
    by_value: Dict[str, Score] = defaultdict(Score)
    by_span: Dict[str, Score] = defaultdict(Score)
    errors = []
    for ex in examples:
        gold = [(e, s, t, "" if spans_only else v) for e, s, t, v in ex.entities if e in ENTITIES]
        found = [
            (q.entity, q.start, q.end, "" if spans_only else q.value)
            for q in find_quantities(ex.text)
        ]
        for key, score in ((lambda x: (x[0], x[3]), by_value), (lambda x: x, by_span)):
            g, f = Counter(map(key, gold)), Counter(map(key, found))
            for item in set(g) | set(f):
                tp = min(g[item], f[item])
                for name in (item[0], "all"):
                    score[name].tp += tp
                    score[name].fp += f[item] - tp
                    score[name].fn += g[item] - tp
        if sorted(gold) != sorted(found):
            errors.append(
                (
                    ex.text,
                    [(e, ex.text[s:t], v) for e, s, t, v in gold],
                    [(e, ex.text[s:t], v) for e, s, t, v in found],
                )
            )
    for name in list(ENTITIES) + ["all"]:
        by_value[name], by_span[name]  # noqa: B018 - make every row exist
    return Report(len(examples), dict(by_value), dict(by_span), errors)


def benchmark(texts: List[str], repeat: int = 20, long_text: Optional[str] = None) -> str:
    """Time :func:`find_quantities` over ``texts``, ``repeat`` rounds; best and median round.

    The machine may be busy with other work, so the best round is the figure to compare
    between versions and the median shows the spread.
    """
    if not texts:
        return "no messages to time"
    rounds = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        for text in texts:
            find_quantities(text)
        rounds.append((time.perf_counter() - start) / len(texts))
    rounds.sort()
    best, median = rounds[0], rounds[len(rounds) // 2]
    lines = [
        f"{len(texts)} messages (mean length {sum(map(len, texts)) / len(texts):.1f} characters) x"
        f" {len(rounds)} rounds: best {best * 1e6:.1f} µs per message ({1 / best:,.0f} messages/s),"
        f" median {median * 1e6:.1f} µs"
    ]
    if long_text:
        times = []
        found: list = []
        for _ in range(5):
            start = time.perf_counter()
            found = find_quantities(long_text)
            times.append(time.perf_counter() - start)
        times.sort()
        lines.append(
            f"one {len(long_text)}-character message ({len(found)} quantities): best "
            f"{times[0] * 1000:.1f} ms, median {times[2] * 1000:.1f} ms of 5"
        )
    return "\n".join(lines)
