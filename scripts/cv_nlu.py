"""K-fold cross-validation of the NLU pipeline over the training data, counted like the contract.

    .venv/bin/python scripts/cv_nlu.py [--folds 5] [--seed 7] [--config config.yml] [--data data]
        [--out results/cv]

Unlike ``rasa test nlu --cross-validation`` this:

* splits reproducibly (stratified by full key ``faq/<topic>``, fixed seed);
* counts a retrieval intent by its full key, as ``scripts/eval_nlu.py`` does for the held-out file;
* scores entities on the text found (the training data annotates surface forms, not the
  contract's normalised values; those are scored on the held-out file and in the unit tests);
* keeps every misclassified training example (``results/cv/cv_report.json``), so the data can be
  fixed where it is thin or contradictory without ever reading the held-out test file.

* trains the plain baseline (:mod:`bot.nlu.baseline`) on the same folds and prints it beside.

Each fold trains an NLU-only model with the project's config (about 30 seconds on 2 cores, 9,369
examples).
``--fast`` trains only the intent model (:mod:`bot.nlu.intent_model`) per fold, without Rasa: the
same intent predictions but for the fallback threshold and the distress guard, in seconds, for
working on the data; entities are not scored then.
Prints accuracy, entity F1 and a per-label table (markdown, ready for the README).

``--since REV`` replaces the folds by one split that asks how well a data round generalises: train
on ``data/`` as it was at the git revision REV, test on every example added or relabelled since —
the round's messages, by writers the older data never saw. With ``--fast`` the intent model also
reads that revision's typo table and dictionary; the whole pipeline reads the current ones (its
components find them through ``config.yml``).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "ERROR")
logging.disable(logging.WARNING)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.baseline import predict as baseline_predict
from bot.nlu.baseline import train_baseline
from bot.nlu.evaluation import (
    accuracy,
    evaluate,
    gold_examples_of,
    label_table,
    parse_all,
)


def load_training_data(config: Path, data: Path):
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(
        config_path=str(config),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(data)],
    )
    with warnings.catch_warnings():  # Rasa's notes on the domain (slot auto-fill) are not news here
        warnings.simplefilter("ignore")
        return importer.get_nlu_data()


def folds(training_data, n: int, seed: int):
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = training_data.intent_examples
    labels = [example.get_full_intent() for example in examples]
    splitter = StratifiedKFold(n_splits=n, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(examples, labels):
        train = TrainingData(
            training_examples=[examples[i] for i in train_index],
            entity_synonyms=training_data.entity_synonyms,
            regex_features=training_data.regex_features,
            lookup_tables=training_data.lookup_tables,
            responses=training_data.responses,
        )
        yield train, [examples[i] for i in test_index]


def split_since(training_data, revision: str, config: Path, workdir: Path):
    """(the training data as it was at ``revision``, the examples added since, that data's
    directory), with ``data/`` of that revision unpacked into ``workdir``."""
    import io
    import subprocess
    import tarfile

    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "data"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"--since {revision}: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(workdir)
    old = load_training_data(config, workdir / "data")
    seen = {(m.get("text"), m.get_full_intent()) for m in old.intent_examples}
    added = [
        m for m in training_data.intent_examples if (m.get("text"), m.get_full_intent()) not in seen
    ]
    if not added:
        raise SystemExit(f"--since {revision}: no training example was added since")
    return old, added, workdir / "data"


def train_fold(train, config: Path, workdir: Path) -> Path:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data_file = workdir / "train.yml"
    # the writer keeps the retrieval responses (utter_faq/...), which nlu_as_yaml() drops
    data_file.write_text(RasaYAMLWriter().dumps(train), encoding="utf-8")
    # Rasa's progress lines and its dependencies' warnings go to a log file, not the terminal
    log_file = ROOT / "results" / "cv" / "train.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(log_file, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        from rasa.model_training import train_nlu

        model = train_nlu(
            str(config),
            str(data_file),
            str(workdir),
            fixed_model_name="fold",
            domain=str(ROOT / "domain.yml"),
        )
    if not model:
        raise SystemExit("training a fold failed")
    return Path(model)


class HomophoneTypos:
    """Typing slips of a pinyin keyboard, made up to test robustness: each Chinese character of a
    held-out fold's message is, with the given probability, replaced by another character of the
    training data that is read the same (toneless pinyin: 逾 → 预, 呗 → 被, 款 → 宽), as 预期/借被/
    花贝 are. Seeded, so every run makes the same slips."""

    def __init__(self, corpus, probability: float, seed: int) -> None:
        import random
        from collections import defaultdict

        from pypinyin import Style, lazy_pinyin

        self._sound = lambda c: lazy_pinyin(c, style=Style.NORMAL)[0]
        self.by_sound = defaultdict(list)
        for char in sorted({c for text in corpus for c in text if self.is_han(c)}):
            self.by_sound[self._sound(char)].append(char)
        self.probability = probability
        self.random = random.Random(seed)

    @staticmethod
    def is_han(char: str) -> bool:
        return "\u4e00" <= char <= "\u9fff"

    def __call__(self, text: str) -> str:
        out = []
        for char in text:
            if self.is_han(char) and self.random.random() < self.probability:
                others = [c for c in self.by_sound[self._sound(char)] if c != char]
                if others:
                    char = self.random.choice(others)
            out.append(char)
        return "".join(out)


def model_config(settings):
    """The intent model's settings, with ``--set name=value`` overrides (values read as JSON)."""
    import dataclasses

    from bot.nlu.intent_model import IntentModelConfig

    fields = {f.name: f for f in dataclasses.fields(IntentModelConfig)}
    overrides = {}
    for setting in settings or ():
        name, _, value = setting.partition("=")
        if name not in fields:
            raise SystemExit(f"--set {setting}: no such setting (one of {', '.join(fields)})")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass  # a plain string, e.g. class_weight=balanced
        overrides[name] = tuple(value) if isinstance(value, list) else value
    return dataclasses.replace(IntentModelConfig(), **overrides)


def fast_parses(train, texts, data_dir: Path, config=None):
    """Parse-like dicts from the intent model alone (no entities, no fallback, no distress
    guard)."""
    from bot.nlu.intent_model import IntentModel, IntentModelConfig

    model = IntentModel.from_data(data_dir, config or IntentModelConfig()).fit(
        [m.get("text") for m in train.intent_examples],
        [m.get_full_intent() for m in train.intent_examples],
    )
    parses = []
    for key in model.predict(texts):
        intent, _, topic = key.partition("/")
        parse = {"intent": {"name": intent}, "entities": []}
        if topic:
            parse["response_selector"] = {"faq": {"response": {"intent_response_key": key}}}
        parses.append(parse)
    return parses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", default=str(ROOT / "config.yml"))
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--out", default=str(ROOT / "results" / "cv"))
    parser.add_argument(
        "--fast", action="store_true", help="intent model only, no Rasa training (seconds)"
    )
    parser.add_argument(
        "--since",
        metavar="REV",
        help="instead of folds: train on data/ as at git revision REV, test on what was added",
    )
    parser.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help=(
            "with --fast: an intent-model setting other than its default (IntentModelConfig), "
            "e.g. --set C=30 --set pinyin_ngrams=[1,2]; repeatable"
        ),
    )
    parser.add_argument(
        "--homophones",
        type=float,
        default=0.0,
        metavar="P",
        help=(
            "with --fast: replace each Chinese character of the held-out folds' messages by "
            "a homophone with probability P (robustness to pinyin typos; both models see the "
            "same altered texts)"
        ),
    )
    args = parser.parse_args(argv)

    if (args.set or args.homophones) and not args.fast:
        raise SystemExit(
            "--set and --homophones work with --fast (the whole pipeline reads config.yml)"
        )
    config = model_config(args.set)
    if args.set:
        print(f"intent model settings: {config}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    training_data = load_training_data(Path(args.config), Path(args.data))
    all_examples, all_parses, baseline_keys = [], [], []
    typos = (
        HomophoneTypos(
            [m.get("text") for m in training_data.intent_examples], args.homophones, args.seed
        )
        if args.homophones
        else None
    )
    started = time.monotonic()
    data_dir = Path(args.data)
    if args.since:
        since_dir = Path(tempfile.mkdtemp(prefix="cv-since-"))
        atexit.register(shutil.rmtree, since_dir, ignore_errors=True)
        old, added, data_dir = split_since(training_data, args.since, Path(args.config), since_dir)
        splits, args.folds = [(old, added)], 1
        print(
            f"trained on data/ at {args.since} ({len(old.intent_examples)} examples), tested on"
            f" the {len(added)} examples added since"
        )
    else:
        splits = folds(training_data, args.folds, args.seed)
    for number, (train, test) in enumerate(splits, start=1):
        examples = gold_examples_of(test, compare="surface")
        if typos:
            examples = [(typos(text), key, entities) for text, key, entities in examples]
        if args.fast:
            parses = fast_parses(train, [text for text, _, _ in examples], data_dir, config)
        else:
            with tempfile.TemporaryDirectory(prefix=f"cv-fold{number}-") as workdir:
                model = train_fold(train, Path(args.config), Path(workdir))
                parses = asyncio.run(parse_all(model, [text for text, _, _ in examples]))
        baseline = train_baseline(
            [m.get("text") for m in train.intent_examples],
            [m.get_full_intent() for m in train.intent_examples],
        )
        fold_baseline = baseline_predict(baseline, [text for text, _, _ in examples])
        baseline_keys += fold_baseline
        fold_result = evaluate(examples, parses, compare="surface")
        print(
            f"fold {number}/{args.folds}: {len(examples)} examples, intent accuracy"
            f" {fold_result['intent_accuracy']:.4f} (baseline"
            f" {accuracy(examples, fold_baseline):.4f}), entity F1 {fold_result['entity_f1']:.4f}"
            f" ({time.monotonic() - started:.0f} s so far)",
            flush=True,
        )
        all_examples += examples
        all_parses += parses

    result = evaluate(all_examples, all_parses, compare="surface")
    result["folds"], result["seed"] = args.folds, args.seed
    result["baseline_intent_accuracy"] = accuracy(all_examples, baseline_keys)
    result["seconds"] = round(time.monotonic() - started)
    (out / "cv_report.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    table = label_table(result)
    (out / "cv_table.md").write_text(table + "\n", encoding="utf-8")
    if args.since:
        print(
            f"\ntrained at {args.since}, tested on the {result['examples']} examples added since"
            f" ({result['seconds']} s)"
        )
    else:
        print(
            f"\n{args.folds}-fold cross-validation over {result['examples']} training examples "
            f"(seed {args.seed}, {result['seconds']} s)"
        )
    print(
        f"intent accuracy (faq by faq/<topic>): {result['intent_accuracy']:.4f}   "
        f"baseline {result['baseline_intent_accuracy']:.4f}"
    )
    print(
        f"entity P / R / F1 (entity type + text found): {result['entity_precision']:.4f} /"
        f" {result['entity_recall']:.4f} / {result['entity_f1']:.4f}"
    )
    print(table)
    for item in result["intent_confusions"][:30]:
        print(f"  intent  {item['gold']:<34} → {item['predicted']:<34} ×{item['count']}")
    print(f"misclassified examples: {out / 'cv_report.json'} (intent_errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
