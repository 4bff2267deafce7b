"""Self-harm phrases (``data/safety/*.txt``): loading, normalising, matching.

One list serves two readers: the NLU component :class:`~bot.nlu.distress_guard.DistressGuard`
(which makes such a message ``express_distress``) and the distress action, which must know
whether a message classified as distress really talks about self-harm (then the crisis hotlines
always come first). No Rasa import here: the action server uses it too.

Phrases and messages are compared after :func:`normalise`: NFKC (full-width → half-width),
lower-cased, whitespace and apostrophes removed ("I don’t  want to live" → "idontwanttolive"),
so a phrase file line "don't want to live" matches every spelling of it.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import List, Tuple

from bot.paths import DATA_DIR

SAFETY_DIR = DATA_DIR / "safety"
_APOSTROPHES = str.maketrans("", "", "'’‘`´")


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES).split())


def load_phrases(directory: Path) -> List[str]:
    """Every phrase of the ``*.txt`` files in ``directory`` (``#`` starts a comment line)."""
    phrases = []
    for path in sorted(Path(directory).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                phrases.append(normalise(line))
    return phrases


def contains_phrase(text: str, phrases: List[str] | Tuple[str, ...]) -> bool:
    flat = normalise(text or "")
    return any(phrase in flat for phrase in phrases)


@functools.lru_cache(maxsize=4)
def _packaged(directory: str) -> Tuple[str, ...]:
    return tuple(load_phrases(Path(directory)))


def mentions_self_harm(text: str) -> bool:
    """The message contains a phrase of ``data/safety`` (self-harm or acute-distress talk)."""
    return contains_phrase(text, _packaged(str(SAFETY_DIR)))


__all__ = ["SAFETY_DIR", "contains_phrase", "load_phrases", "mentions_self_harm", "normalise"]
