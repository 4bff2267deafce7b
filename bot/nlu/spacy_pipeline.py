"""The project's own Chinese spaCy pipeline, built from the repository (no model download).

Pipeline: blank ``zh`` with the jieba segmenter (loaded with the project dictionary, see
:mod:`bot.nlu.dictionary`) → ``entity_ruler`` with phrase patterns for loan products and
repayment strategies (from ``data/synonyms.yml`` and ``data/lookups``; each pattern's ``id`` is
the canonical value) → ``bare_strategy_words``: 雪球 / 雪崩 as whole tokens name a strategy, but
not in a simile (:data:`bot.nlu.phrases.BARE_STRATEGY_WORDS`) → ``finance_quantities``, which
marks money, durations, rates, installment counts and days of the month found by
:mod:`bot.nlu.quantities` and stores their normalised value on ``span._.norm_value``.

Build it (``scripts/setup.sh`` does this when its sources change)::

    python -m bot.nlu.spacy_pipeline build build/spacy_zh_finance
    python -m bot.nlu.spacy_pipeline parse "借呗5000块逾期两个月了"
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from bot.nlu.dictionary import dictionary_lines, load_into_jieba
from bot.nlu.phrases import load_phrases
from bot.paths import BUILD_DIR, DATA_DIR

DEFAULT_MODEL_DIR = BUILD_DIR / "spacy_zh_finance"
DICTIONARY_FILE = "jieba_dictionary.txt"

logger = logging.getLogger(__name__)


def _register_components() -> None:
    """Register the ``finance_quantities`` factory and the span extension (idempotent)."""
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    if not Span.has_extension("norm_value"):
        Span.set_extension("norm_value", default=None)
    if not Doc.has_extension("quantities"):
        Doc.set_extension("quantities", default=None)
    if "finance_quantities" not in Language.factories:
        Language.factory("finance_quantities", func=lambda nlp, name: FinanceQuantities())
    if "bare_strategy_words" not in Language.factories:
        Language.factory("bare_strategy_words", func=lambda nlp, name: BareStrategyWords())


class BareStrategyWords:
    """spaCy component: a bare 雪球 / 雪崩 token is a strategy, unless it is an image of debt.

    Adds 雪球 / 雪崩 tokens that no phrase covers (the ruler only has 雪崩: 雪球 cannot be a
    lookup entry, see ``data/lookups/strategy.yml``) and drops such a match in a simile
    ("债务像雪崩一样", "雪球越滚越大").
    """

    def __call__(self, doc):
        from spacy.tokens import Span
        from spacy.util import filter_spans

        from bot.nlu.phrases import BARE_STRATEGY_WORDS, in_a_simile

        text = doc.text
        kept = [
            ent
            for ent in doc.ents
            if not (
                ent.label_ == "strategy"
                and ent.text in BARE_STRATEGY_WORDS
                and in_a_simile(text, ent.start_char, ent.end_char)
            )
        ]
        taken = {i for ent in kept for i in range(ent.start, ent.end)}
        for token in doc:
            value = BARE_STRATEGY_WORDS.get(token.text)
            if (
                value
                and token.i not in taken
                and not in_a_simile(text, token.idx, token.idx + len(token.text))
            ):
                kept.append(Span(doc, token.i, token.i + 1, label="strategy", span_id=value))
        doc.ents = filter_spans(kept)
        return doc


class FinanceQuantities:
    """spaCy component: finds quantities with their normalised values.

    The exact character spans and values are kept on ``doc._.quantities`` (jieba sometimes
    glues a character of the next word onto a number's unit, "分6期和分12期" → 期和分, so token
    spans would swallow a neighbour); ``doc.ents`` gets the token-aligned view for spaCy users.
    """

    def __call__(self, doc):
        from spacy.util import filter_spans

        from bot.nlu.quantities import find_quantities

        quantities = find_quantities(doc.text)
        doc._.quantities = quantities
        spans = list(doc.ents)
        for quantity in quantities:
            span = doc.char_span(
                quantity.start, quantity.end, label=quantity.entity, alignment_mode="expand"
            )
            if span is not None:
                span._.norm_value = quantity.value
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc


def build_pipeline(data_dir: Path = DATA_DIR):
    """Return a freshly built pipeline (not saved) and its dictionary lines."""
    import spacy

    _register_components()
    lines = dictionary_lines(data_dir)
    load_into_jieba(lines)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe(
        "entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
    )
    ruler.add_patterns(
        [{"label": p.label, "pattern": p.text, "id": p.value} for p in load_phrases(data_dir)]
    )
    nlp.add_pipe("bare_strategy_words")
    nlp.add_pipe("finance_quantities")
    return nlp, lines


def save_pipeline(output: Path, data_dir: Path = DATA_DIR):
    nlp, lines = build_pipeline(data_dir)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    (output / DICTIONARY_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return nlp


def load_pipeline(path: Optional[Path] = None, data_dir: Path = DATA_DIR):
    """Load the built pipeline from ``path``; build it in memory if it has not been built."""
    import spacy

    _register_components()
    path = Path(path or DEFAULT_MODEL_DIR)
    if not (path / "config.cfg").exists():
        logger.warning(
            "spaCy pipeline not found at %s; building it in memory (run scripts/setup.sh).", path
        )
        return build_pipeline(data_dir)[0]
    load_into_jieba((path / DICTIONARY_FILE).read_text(encoding="utf-8").splitlines())
    return spacy.load(path)


def inside_a_latin_word(text: str, ent) -> bool:
    """A phrase written in Latin letters (xyk, hb, jiebei) that jieba cut out of a longer Latin
    word (xyks, hbo): not the product."""
    from bot.nlu.textnorm import is_ascii_letter

    start, end = ent.start_char, ent.end_char
    before, after = text[start - 1 : start], text[end : end + 1]
    return (is_ascii_letter(text[start]) and is_ascii_letter(before)) or (
        is_ascii_letter(text[end - 1]) and is_ascii_letter(after)
    )


def extract(nlp, text: str) -> List[Dict[str, object]]:
    """Entities of ``text`` as Rasa-style dicts with normalised values."""
    from bot.nlu.phrases import PHRASE_LABELS

    doc = nlp(text)
    entities = [
        {"entity": q.entity, "start": q.start, "end": q.end, "value": q.value, "text": q.text}
        for q in doc._.quantities or []
    ]
    taken = [(q["start"], q["end"]) for q in entities]
    for ent in doc.ents:
        overlaps = any(ent.start_char < end and start < ent.end_char for start, end in taken)
        if ent.label_ in PHRASE_LABELS and not overlaps and not inside_a_latin_word(text, ent):
            entities.append(
                {
                    "entity": ent.label_,
                    "start": ent.start_char,
                    "end": ent.end_char,
                    "value": ent.ent_id_ or ent.text,
                    "text": ent.text,
                }
            )
    return sorted(entities, key=lambda e: e["start"])


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.nlu.spacy_pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the pipeline and save it to a directory")
    build.add_argument("output", nargs="?", default=str(DEFAULT_MODEL_DIR))
    build.add_argument("--data", default=str(DATA_DIR))
    parse = sub.add_parser("parse", help="print the entities found in a text")
    parse.add_argument("text")
    parse.add_argument("--model", default=str(DEFAULT_MODEL_DIR))
    args = parser.parse_args(list(argv) if argv is not None else None)

    if args.command == "build":
        nlp = save_pipeline(Path(args.output), Path(args.data))
        patterns = len(nlp.get_pipe("entity_ruler").patterns)
        print(f"saved {nlp.pipe_names} ({patterns} phrase patterns) to {args.output}")
        return 0
    nlp = load_pipeline(Path(args.model))
    for entity in extract(nlp, args.text):
        print(f"{entity['entity']:<14} {entity['text']:<12} -> {entity['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
