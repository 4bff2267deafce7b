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

#: bare words that name a repayment strategy only as a word of their own ("我选雪球", "雪崩和雪球
#:区别", "用雪崩吧") and not as an image of growing or crushing debt ("像雪球一样越滚越大", "债务像
# : 雪崩一样压过来"): matched on whole jieba tokens (so never inside 滚雪球), outside similes.
# 雪球 is
#: not in data/lookups for that reason (a lookup entry matches anywhere); 雪崩 is, and the simile
#: rule removes it there too.
BARE_STRATEGY_WORDS = {"雪球": "snowball", "雪崩": "avalanche"}
_SIMILE_BEFORE = ("像", "如同", "犹如", "宛如", "似", "滚")
_SIMILE_AFTER = ("一样", "一般", "似的", "般", "越", "效应", "滚")


def in_a_simile(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` (a bare strategy word) is an image: 像雪球一样, 雪球越滚越大,
    雪球效应."""
    return text[:start].endswith(_SIMILE_BEFORE) or text.startswith(_SIMILE_AFTER, end)


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
                lookups.setdefault(str(item["lookup"]), []).extend(
                    _example_lines(item.get("examples"))
                )
            elif "synonym" in item:
                synonyms.setdefault(str(item["synonym"]), []).extend(
                    _example_lines(item.get("examples"))
                )

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
