"""The evaluation / benchmark helpers behind ``python -m bot.nlu.quantities``."""

from __future__ import annotations

from pathlib import Path

from bot.nlu.quantities.__main__ import main
from bot.nlu.quantities.evaluation import Example, evaluate, load_examples, parse_annotated


def test_parse_annotated_json_and_short_forms():
    ex = parse_annotated(
        '[借呗](loan_product)欠[5000块]{"entity": "amount", "value":'
        ' "5000"}逾期[两个月](duration:P2M)'
    )
    assert ex.text == "借呗欠5000块逾期两个月"
    assert ex.entities == [
        ("loan_product", 0, 2, "借呗"),
        ("amount", 3, 8, "5000"),
        ("duration", 10, 13, "P2M"),
    ]


def test_evaluate_counts_hits_misses_and_false_alarms():
    examples = [
        Example(
            "5000块逾期两个月", [("amount", 0, 5, "5000"), ("duration", 7, 10, "P2M")]
        ),  # both found
        Example("年化18%", [("annual_rate", 0, 5, "0.2")]),  # wrong value: a miss and a false alarm
        Example("2026年", []),  # nothing to find, nothing found
        Example("你好", [("amount", 0, 2, "1")]),  # a miss
    ]
    report = evaluate(examples)
    assert (
        report.by_value["amount"].tp,
        report.by_value["amount"].fn,
        report.by_value["amount"].fp,
    ) == (1, 1, 0)
    assert (
        report.by_value["annual_rate"].tp,
        report.by_value["annual_rate"].fn,
        report.by_value["annual_rate"].fp,
    ) == (0, 1, 1)
    assert report.by_value["all"].tp == 2 and report.by_span["duration"].f1 == 1.0
    assert len(report.errors) == 2
    assert "annual_rate" in report.format()


def test_load_examples_reads_rasa_yaml(tmp_path: Path):
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n    - [五千块]{"entity": "amount",'
        ' "value": "5000"}\n    - 你好\n- synonym: x\n  examples: |\n    - y\n',
        encoding="utf-8",
    )
    examples = load_examples([tmp_path])
    assert [ex.text for ex in examples] == ["五千块", "你好"]
    assert evaluate(examples).by_value["amount"].f1 == 1.0


def test_cli_parse_and_evaluate(tmp_path: Path, capsys):
    assert main(["parse", "借呗5000块逾期两个月了"]) == 0
    out = capsys.readouterr().out
    assert "amount" in out and "P2M" in out
    (tmp_path / "t.yml").write_text(
        "nlu:\n- intent: inform\n  examples: |\n    - [3万](amount:30000)\n", encoding="utf-8"
    )
    assert main(["evaluate", str(tmp_path / "t.yml")]) == 0
    assert "1.000" in capsys.readouterr().out
    assert main(["benchmark", str(tmp_path / "t.yml"), "--repeat", "1"]) == 0
    assert main(["evaluate", str(tmp_path / "missing.yml")]) == 2
