"""Closed-class phrases (loan products, repayment strategies) from the Rasa data files.

``data/lookups/*.yml`` (``lookup: loan_product``) lists surface forms per entity label, and
``data/synonyms.yml`` maps surface forms to canonical values (蚂蚁借呗 → 借呗, 雪崩法 → avalanche).
Both the spaCy EntityRuler patterns and the jieba dictionary are generated from them, so the
data files stay the single source.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from bot.paths import DATA_DIR

#: entity labels recognised by phrase patterns
PHRASE_LABELS = ("loan_product", "strategy")


@dataclass(frozen=True)
class Phrase:
    label: str
    text: str
    value: str


def _read_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}


def _example_lines(block) -> List[str]:
    lines = []
    for line in str(block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if line:
            lines.append(line)
    return lines


def load_phrases(data_dir: Path = DATA_DIR) -> List[Phrase]:
    """All phrases of ``PHRASE_LABELS``, longest first, each with its canonical value."""
    data_dir = Path(data_dir)
    lookups: Dict[str, List[str]] = {}
    synonyms: Dict[str, List[str]] = {}
    for path in [data_dir / "synonyms.yml", *sorted((data_dir / "lookups").glob("*.yml"))]:
        if not path.exists():
            continue
        for item in _read_yaml(path).get("nlu", []) or []:
            if "lookup" in item:
                lookups.setdefault(str(item["lookup"]), []).extend(_example_lines(item.get("examples")))
            elif "synonym" in item:
                synonyms.setdefault(str(item["synonym"]), []).extend(_example_lines(item.get("examples")))

    canonical_of = {form: value for value, forms in synonyms.items() for form in forms}
    phrases: Dict[tuple, Phrase] = {}

    def add(label: str, text: str, value: str) -> None:
        if text and (label, text.lower()) not in phrases:
            phrases[(label, text.lower())] = Phrase(label, text, value)

    for label, entries in lookups.items():
        if label not in PHRASE_LABELS:
            continue
        entry_set = set(entries)
        for entry in entries:
            add(label, entry, canonical_of.get(entry, entry))
        for value, forms in synonyms.items():
            if value in entry_set or entry_set.intersection(forms):
                for text in forms:
                    add(label, text, value)
                if value in entry_set:
                    add(label, value, value)
    return sorted(phrases.values(), key=lambda p: (p.label, -len(p.text), p.text))
