"""The pretrained token vectors: fetching and checking them, the mean vector, the model block."""

from __future__ import annotations

import math
import pickle
import zipfile

import pytest

from bot.nlu import pretrained
from bot.nlu.intent_model import IntentModel, IntentModelConfig
from bot.nlu.pretrained import PretrainedMissing, TokenEmbeddings


@pytest.fixture(scope="module")
def embeddings():
    return TokenEmbeddings.load()


def test_the_fetched_files_are_the_pinned_ones():
    assert pretrained.is_fetched()


def test_vectors_are_unit_length_and_repeatable(embeddings):
    for text in ["花呗逾期了会怎样", "借被预期咋整", "APP 还款 500", "🙅"]:
        vector = embeddings.vector(text)
        assert len(vector) == embeddings.dimension == 256
        assert math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-12)
        assert embeddings.vector(text) == vector


def test_a_text_without_tokens_is_the_zero_vector(embeddings):
    assert embeddings.vector("") == [0.0] * 256
    assert embeddings.matrix([]).shape == (0, 256)


def test_related_questions_are_closer_than_unrelated_ones(embeddings):
    def cosine(a, b):
        return math.fsum(x * y for x, y in zip(embeddings.vector(a), embeddings.vector(b)))

    assert cosine("我想提前还款", "可以提前还吗") > cosine("我想提前还款", "今天天气不错")


def test_pickled_embeddings_give_the_same_vectors(embeddings):
    restored = pickle.loads(pickle.dumps(embeddings))
    assert restored.vector("借呗怎么提额") == embeddings.vector("借呗怎么提额")


def test_the_codebook_can_be_cut_to_a_prefix(embeddings):
    small = TokenEmbeddings.load(dimensions=64)
    assert small.dimension == 64
    assert (small.weights == embeddings.weights[:, :64]).all()
    with pytest.raises(ValueError):
        TokenEmbeddings.load(dimensions=0)


def test_missing_files_say_what_to_run(tmp_path):
    assert not pretrained.is_fetched(tmp_path)
    with pytest.raises(PretrainedMissing, match="scripts/setup.sh"):
        TokenEmbeddings.load(tmp_path)


def _fake_pip(contents):
    """A stand-in for ``pip download`` that leaves a wheel holding ``contents``."""

    def run(command, check):
        destination = command[command.index("--dest") + 1]
        with zipfile.ZipFile(f"{destination}/wordllama-0.4.0.post1-py3-none-any.whl", "w") as wheel:
            for member, data in contents.items():
                wheel.writestr(member, data)

    return run


def test_a_wheel_whose_files_do_not_match_the_hashes_is_refused(tmp_path, monkeypatch):
    members = {member: b"not the codebook" for member in pretrained.MEMBERS}
    monkeypatch.setattr(pretrained.subprocess, "run", _fake_pip(members))
    with pytest.raises(RuntimeError, match="sha256"):
        pretrained.fetch(tmp_path / "wordllama")
    assert not list((tmp_path / "wordllama").iterdir())  # nothing half-written is left


def test_fetch_command_reports_a_failure_without_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pretrained.subprocess, "run", _fake_pip({}))
    assert pretrained.main(["fetch", str(tmp_path / "w")]) == 1
    assert "could not fetch" in capsys.readouterr().err
    assert pretrained.main(["bogus"]) == 2


EXAMPLES = [
    ("宽限期有几天", "faq/grace_period"),
    ("晚几个小时还有没有事", "faq/grace_period"),
    ("逾期会上征信吗", "faq/credit_report_overdue"),
    ("逾期记录报送征信吗", "faq/credit_report_overdue"),
    ("你好", "greet"),
    ("在吗", "greet"),
]


@pytest.fixture(scope="module")
def preparer():
    return IntentModel.from_data().preparer


def test_the_model_has_the_pretrained_block_and_can_do_without(preparer):
    texts, labels = [t for t, _ in EXAMPLES], [label for _, label in EXAMPLES]
    with_block = IntentModel(preparer).fit(texts, labels)
    without = IntentModel(preparer, IntentModelConfig(pretrained_weight=0.0)).fit(texts, labels)
    assert "pretrained" in [name for name, _ in with_block._pipeline[0].transformer_list]
    assert "pretrained" not in [name for name, _ in without._pipeline[0].transformer_list]
    assert without.embeddings is None
    # the dense block widens every row by the vector's columns
    assert with_block._pipeline[-1].coef_.shape[1] == without._pipeline[-1].coef_.shape[1] + 128
    texts = ["宽限期是几天", "", "借被 预期，征心会花吗？？"]
    assert (
        with_block.predict_proba(texts)
        == with_block._pipeline.predict_proba(with_block.documents(texts))
    ).all()
