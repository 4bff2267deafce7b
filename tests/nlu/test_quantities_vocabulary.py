"""The quantity reader's word lists (data/quantities/*.txt) and how they are loaded."""

import subprocess
import sys

import pytest

from bot.nlu.quantities import find_quantities
from bot.nlu.quantities.vocabulary import VOCABULARY_DIR, read_sections, vocabulary


def test_sections_keep_file_order_and_skip_comments(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# a comment\n[one]\nb a\nc\n\n[two]\n# another\nx # y\n", encoding="utf-8")
    assert read_sections(path) == {"one": ["b", "a", "c"], "two": ["x", "#", "y"]}


def test_words_before_a_section_are_an_error(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("stray\n[one]\na\n", encoding="utf-8")
    with pytest.raises(ValueError, match="before the first"):
        read_sections(path)


def test_every_list_of_the_repository_is_read():
    words = vocabulary()
    assert "日息" in words.traditional_cues and "88" in words.slang_numbers
    assert words.rate_cue_re.match("年化18%").lastgroup == "annual"
    assert words.money_unit_re.match("块钱").group() == "块钱"
    assert "线" in words.day_blockers and "#" in words.identifier_words
    assert sorted(p.name for p in VOCABULARY_DIR.glob("*.txt")) == [
        "money_units.txt",
        "not_amounts.txt",
        "rate_cues.txt",
        "unit_blockers.txt",
    ]


def test_a_list_read_from_another_directory_changes_the_reading(tmp_path):
    for path in VOCABULARY_DIR.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        if path.name == "money_units.txt":
            text = text.replace("大洋", "大洋 银子")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    assert vocabulary(tmp_path).money_unit_re.fullmatch("银子")
    assert not vocabulary().money_unit_re.fullmatch("银子")
    assert [q.value for q in find_quantities("五百块")] == ["500"]


def test_importing_the_reader_reads_no_list():
    code = (
        "import bot.nlu.quantities, bot.nlu.quantities.vocabulary as v; "
        "print(v.vocabulary.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
