"""``scripts/cv_nlu.py --since REV``: train on data/ as committed at REV, test on what was added."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cv_nlu():
    spec = importlib.util.spec_from_file_location("cv_nlu", REPO / "scripts" / "cv_nlu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_revision_is_the_training_data_and_only_new_examples_are_tested(cv_nlu, tmp_path):
    new = Message(data={"text": "这句是测试新加的例句不在任何版本里", "intent": "greet"})
    now = TrainingData(training_examples=[new])
    old, added, data_dir = cv_nlu.split_since(now, "HEAD", REPO / "config.yml", tmp_path)
    assert added == [new]
    assert len(old.intent_examples) > 1000  # the committed data/, read as Rasa reads it
    assert (data_dir / "normalization" / "typos.txt").exists()  # its typo table too
    assert data_dir.is_relative_to(tmp_path)


def test_an_example_relabelled_since_counts_as_new(cv_nlu, tmp_path):
    old, _, _ = cv_nlu.split_since(
        TrainingData(training_examples=[Message(data={"text": "新句子", "intent": "greet"})]),
        "HEAD",
        REPO / "config.yml",
        tmp_path / "first",
    )
    known = old.intent_examples[0]
    relabelled = Message(data={"text": known.get("text"), "intent": "out_of_scope"})
    if known.get_full_intent() == "out_of_scope":
        relabelled = Message(data={"text": known.get("text"), "intent": "greet"})
    _, added, _ = cv_nlu.split_since(
        TrainingData(training_examples=[known, relabelled]),
        "HEAD",
        REPO / "config.yml",
        tmp_path / "second",
    )
    assert added == [relabelled]


def test_nothing_new_or_an_unknown_revision_is_a_clear_error(cv_nlu, tmp_path):
    with pytest.raises(SystemExit, match="no training example was added"):
        cv_nlu.split_since(TrainingData(), "HEAD", REPO / "config.yml", tmp_path / "a")
    with pytest.raises(SystemExit, match="--since no-such-revision"):
        cv_nlu.split_since(TrainingData(), "no-such-revision", REPO / "config.yml", tmp_path / "b")
