"""The optional synonym-class block of the intent model (bot/nlu/synonym_classes.py): reading
the Cilin table and the codes a message's words get. The table itself is fetched only for the
experiment (README, "Choosing the pipeline"), so these tests use a few lines of its format."""

from __future__ import annotations

import hashlib

import pytest

from bot.nlu.synonym_classes import (
    TABLE_FILE,
    SynonymClasses,
    SynonymTableMissing,
    load_table,
    read_table,
)

LINES = [
    "He08C01= 还债 折帐 偿还 偿付 还款 还贷",
    "Ie16C01= 过期 逾期 脱班 晚点 误点 过 超时",
    "Dj08B29# 借款 欠款 贷款",
    "He07A01= 放债 放款 贷款 借款",
    "not a class line",
    "Xx00A0= 太短",
]


def test_each_word_gets_the_classes_it_is_in_in_file_order():
    table = read_table(LINES)
    assert table["还款"] == ("He08C01",)
    assert table["借款"] == ("Dj08B29", "He07A01")
    assert "太短" not in table and "not" not in table


def test_the_codes_are_given_at_the_levels_asked():
    classes = SynonymClasses(read_table(LINES), (4, 5))
    assert classes.codes(["还款", "逾期", "借呗"]) == ["He08C", "He08C01", "Ie16C", "Ie16C01"]
    assert SynonymClasses(read_table(LINES), (3,)).codes(["借款"]) == ["Dj08", "He07"]
    # 偿还 and 还款 share every code: what the block is for
    assert classes.codes(["偿还"]) == classes.codes(["还款"])


def test_a_missing_or_altered_table_is_refused(tmp_path):
    with pytest.raises(SynonymTableMissing, match="setup.sh|fetch"):
        load_table(tmp_path)
    (tmp_path / TABLE_FILE).write_text("\n".join(LINES), encoding="utf-8")
    assert hashlib.sha256((tmp_path / TABLE_FILE).read_bytes()).hexdigest()  # not the pinned one
    with pytest.raises(SynonymTableMissing, match="pinned"):
        load_table(tmp_path)
