"""Scoring used by scripts/eval_nlu.py and scripts/cv_nlu.py: faq by full key, entities by value."""

import collections

from bot.nlu.evaluation import evaluate, label_table, predicted_key


def parse(intent, topic=None, entities=()):
    result = {
        "intent": {"name": intent},
        "entities": [{"entity": e, "value": v} for e, v in entities],
    }
    if topic:
        result["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}
    return result


def gold(text, key, *entities):
    return (text, key, collections.Counter(entities))


def test_predicted_key_uses_the_selected_faq_topic():
    assert predicted_key(parse("faq", "grace_period")) == "faq/grace_period"
    assert predicted_key(parse("faq")) == "faq"
    assert predicted_key(parse("greet")) == "greet"
    assert predicted_key({}) == ""


def test_faq_with_the_wrong_topic_is_an_intent_error():
    examples = [gold("还款日当天晚上还算逾期吗", "faq/grace_period"), gold("你好", "greet")]
    result = evaluate(examples, [parse("faq", "penalty_interest"), parse("greet")])
    assert result["intent_accuracy"] == 0.5
    assert result["intent_errors"] == [
        {
            "text": "还款日当天晚上还算逾期吗",
            "gold": "faq/grace_period",
            "predicted": "faq/penalty_interest",
        }
    ]
    assert result["intent_confusions"] == [
        {"gold": "faq/grace_period", "predicted": "faq/penalty_interest", "count": 1}
    ]
    by_label = result["intent_by_label"]
    assert by_label["greet"] == {"support": 1, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert by_label["faq/grace_period"]["recall"] == 0.0
    assert by_label["faq/penalty_interest"]["support"] == 0
    assert by_label["faq/penalty_interest"]["precision"] == 0.0


def test_entities_are_compared_as_normalised_value_multisets():
    examples = [
        gold("5000逾期两个月", "calculate_overdue_cost", ("amount", "5000"), ("duration", "P2M")),
        gold("借呗", "inform", ("loan_product", "借呗")),
    ]
    parses = [
        parse("calculate_overdue_cost", entities=[("amount", "5000"), ("duration", "P60D")]),
        parse("inform", entities=[("loan_product", "借呗"), ("amount", "1")]),
    ]
    result = evaluate(examples, parses)
    # 2 hits, 2 spurious (P60D, amount 1), 1 missed (P2M)
    assert result["entity_precision"] == 0.5
    assert round(result["entity_recall"], 4) == round(2 / 3, 4)
    assert len(result["entity_errors"]) == 2
    assert result["entity_f1_by_type"]["loan_product"] == 1.0
    assert result["entity_f1_by_type"]["duration"] == 0.0


def test_label_table_lists_weakest_first_and_skips_labels_never_gold():
    examples = [gold("a", "greet"), gold("b", "greet"), gold("c", "thank")]
    result = evaluate(examples, [parse("greet"), parse("thank"), parse("thank")])
    rows = label_table(result).splitlines()
    assert rows[2].startswith("| greet | 2 |")
    assert rows[3].startswith("| thank | 1 |")
    assert len(rows) == 4


def test_surface_comparison_scores_the_text_found_not_its_value():
    from bot.nlu.evaluation import gold_examples_of

    class Message(dict):
        pass

    message = Message(
        text="借被欠五千",
        intent="check_loan_status",
        entities=[
            {"entity": "loan_product", "start": 0, "end": 2, "value": "借被"},
            {"entity": "amount", "start": 3, "end": 5, "value": "五千"},
        ],
    )
    examples = gold_examples_of([message], compare="surface")
    assert examples[0][2] == collections.Counter(
        {("loan_product", "借被"): 1, ("amount", "五千"): 1}
    )
    predicted = {
        "text": "借被欠五千",
        "intent": {"name": "check_loan_status"},
        "entities": [
            {"entity": "loan_product", "start": 0, "end": 2, "value": "借呗"},
            {"entity": "amount", "start": 3, "end": 5, "value": "5000"},
        ],
    }
    result = evaluate(examples, [predicted], compare="surface")
    assert result["entity_f1"] == 1.0
    assert evaluate(gold_examples_of([message]), [predicted])["entity_f1"] == 0.0


def test_accuracy_counts_full_keys():
    from bot.nlu.evaluation import accuracy

    examples = [
        ("a", "faq/grace_period", None),
        ("b", "greet", None),
        ("c", "faq/penalty_interest", None),
    ]
    assert accuracy(examples, ["faq/grace_period", "greet", "faq/grace_period"]) == 2 / 3
    assert accuracy([], []) == 0.0


def test_baseline_learns_and_is_repeatable():
    from bot.nlu.baseline import predict, train_baseline

    texts = [
        "你好",
        "您好啊",
        "在吗",
        "拜拜",
        "再见了",
        "下次聊",
        "宽限期几天",
        "宽限期有多久",
        "晚一天算逾期吗",
    ]
    labels = ["greet"] * 3 + ["goodbye"] * 3 + ["faq/grace_period"] * 3
    first, second = train_baseline(texts, labels), train_baseline(texts, labels)
    assert predict(first, ["你好呀", "再见", "宽限期是几天"]) == [
        "greet",
        "goodbye",
        "faq/grace_period",
    ]
    assert (first[-1].coef_ == second[-1].coef_).all()
    assert predict(first, []) == []
