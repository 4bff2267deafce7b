"""The jieba user dictionary of the project: finance words plus every closed-class phrase.

Rasa's tokenizer and the spaCy pipeline both segment with the process-global jieba, so both
load the same words from here and produce the same tokens; entity spans then align with
tokens (a phrase such as 先还利率高的 becomes one token instead of five).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Tuple

from bot.nlu.phrases import load_phrases
from bot.paths import DATA_DIR

#: frequency given to phrase words so jieba keeps them whole
PHRASE_FREQUENCY = 5000


def dictionary_lines(data_dir: Path = DATA_DIR) -> List[str]:
    """Lines in jieba's ``word freq [tag]`` format: the dictionary files, then the phrases."""
    data_dir = Path(data_dir)
    lines: List[str] = []
    seen = set()
    for path in sorted((data_dir / "jieba").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.strip().split(" ")[0] if line.strip() else ""
            if word and not word.startswith("#") and word not in seen:
                seen.add(word)
                lines.append(line.strip())
    for phrase in load_phrases(data_dir):
        if " " not in phrase.text and phrase.text not in seen:
            seen.add(phrase.text)
            lines.append(f"{phrase.text} {PHRASE_FREQUENCY}")
    return lines


def parse_lines(lines: Iterable[str]) -> List[Tuple[str, int]]:
    words = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else PHRASE_FREQUENCY
        words.append((parts[0], freq))
    return words


_loaded: set = set()


def load_into_jieba(lines: Iterable[str]) -> None:
    """Add the words to the process-global jieba (each word once per process)."""
    import jieba

    for word, freq in parse_lines(lines):
        if (word, freq) not in _loaded:
            jieba.add_word(word, freq)
            _loaded.add((word, freq))
