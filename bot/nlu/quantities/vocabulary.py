"""The word lists of the quantity reader, from ``data/quantities/*.txt``.

Read on first use and cached (:func:`vocabulary`); nothing is read at import time. Each file is
``[section]`` headers followed by words separated by spaces (``#`` starts a comment line); the
sections are turned here into the regular expressions and sets the scanner uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Pattern, Tuple

from bot.nlu.quantities.numerals import NUMERAL_START
from bot.paths import DATA_DIR

__all__ = ["Vocabulary", "vocabulary", "read_sections", "VOCABULARY_DIR"]

VOCABULARY_DIR = DATA_DIR / "quantities"


def read_sections(path: Path) -> Dict[str, List[str]]:
    """``{section: [word, …]}`` of one word-list file, words in file order."""
    sections: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
            continue
        if current is None:
            raise ValueError(f"{path}:{number}: words before the first [section]")
        current.extend(line.split())
    return sections


def _longest_first(words: List[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _in_order(words: List[str]) -> str:
    return "|".join(re.escape(w) for w in words)


def _first_chars(words: List[str]) -> set:
    chars = set()
    for w in words:
        chars.add(w[0].lower())
        chars.add(w[0].upper())
    return chars


@dataclass(frozen=True)
class Vocabulary:
    """What the scanner matches that is written as word lists in ``data/quantities/``."""

    #: a rate cue; the group name is its kind (daily, dailyweak, annual, annualweak, monthly,
    #: neutral)
    rate_cue_re: Pattern
    #: words allowed between a rate cue and its value (bounded: no backtracking blow-up)
    filler_re: Pattern
    #: cue-less fillers before a percentage, skipped when looking for what it is a share of
    fillers_before_re: Pattern
    #: cues after which 分 / 厘 are rate units (日息三厘, 年息一分八)
    traditional_cues: FrozenSet[str]
    #: monthly cues that give an interest rate (the others a monthly charge)
    monthly_interest_cues: FrozenSet[str]
    money_unit_re: Pattern
    foreign_unit_re: Pattern
    #: words before a number that make it an identifier or a score (endswith tuple)
    identifier_words: Tuple[str, ...]
    slang_numbers: FrozenSet[str]
    #: thanks / okay / goodbye words right before a slang number
    slang_before_re: Pattern
    hotlines: FrozenSet[str]
    bare_blockers: FrozenSet[str]
    day_blockers: FrozenSet[str]
    installment_blockers: FrozenSet[str]
    #: characters at which the scanner tries its matchers
    triggers: FrozenSet[str]


@lru_cache(maxsize=None)
def vocabulary(directory: Optional[Path] = None) -> Vocabulary:
    """The word lists of ``directory`` (default ``data/quantities``), read once."""
    folder = Path(directory) if directory is not None else VOCABULARY_DIR
    cues = read_sections(folder / "rate_cues.txt")
    money = read_sections(folder / "money_units.txt")
    other = read_sections(folder / "not_amounts.txt")
    blockers = read_sections(folder / "unit_blockers.txt")
    kinds = (
        ("daily", "daily"),
        ("dailyweak", "daily_weak"),
        ("annual", "annual"),
        ("annualweak", "annual_weak"),
        ("monthly", "monthly"),
        ("neutral", "neutral"),
    )
    rate_cue_re = re.compile(
        "|".join(f"(?P<{group}>{_longest_first(cues[section])})" for group, section in kinds),
        re.IGNORECASE,
    )
    fillers = r"(?:[ \t:]|" + _in_order(cues["fillers"]) + ")"
    all_cues = [w for _, section in kinds for w in cues[section]]
    return Vocabulary(
        rate_cue_re=rate_cue_re,
        filler_re=re.compile(fillers + "{0,4}"),
        fillers_before_re=re.compile(fillers + "+$"),
        traditional_cues=frozenset(cues["traditional"]),
        monthly_interest_cues=frozenset(cues["monthly_interest"]),
        money_unit_re=re.compile(_in_order(money["yuan"]), re.IGNORECASE),
        foreign_unit_re=re.compile(_in_order(money["foreign"]), re.IGNORECASE),
        identifier_words=tuple(other["identifier_words"]),
        slang_numbers=frozenset(other["slang_numbers"]),
        slang_before_re=re.compile(
            "(?:" + _in_order(other["slang_before"]) + ")[ ]?$", re.IGNORECASE
        ),
        hotlines=frozenset(other["hotlines"]),
        bare_blockers=frozenset("".join(blockers["after_bare_number"])),
        day_blockers=frozenset("".join(blockers["after_day"])),
        installment_blockers=frozenset("".join(blockers["after_installments"])),
        triggers=frozenset(
            NUMERAL_START
            | _first_chars(all_cues)
            | set("百千万几")
            | set("分半每+¥$€£")
            | _first_chars(["rmb", "cny", "人民币", "us", "hk", "usd", "hkd", "eur"])
        ),
    )
