"""The intent model and its Rasa component: text preparation, determinism, Rasa's output shape."""

from __future__ import annotations

import hashlib
import pickle
import random

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import LinearIntentClassifier
from bot.nlu.intent_model import (
    IntentModel,
    IntentModelConfig,
    first_clause,
    load_replacements,
    pinyin_syllables,
    placeholder,
)

EXAMPLES = [
    ("我借呗还欠多少", "check_loan_status"),
    ("这个月要还多少钱", "check_loan_status"),
    ("我逾期了吗", "check_loan_status"),
    ("查一下我的借款", "check_loan_status"),
    ("5000块逾期两个月罚息多少", "calculate_overdue_cost"),
    ("一万逾期十天罚多少", "calculate_overdue_cost"),
    ("借3000晚还一周要多少钱", "calculate_overdue_cost"),
    ("两万块逾期半年罚息多少", "calculate_overdue_cost"),
    ("宽限期有几天", "faq/grace_period"),
    ("还款日当天晚上还算逾期吗", "faq/grace_period"),
    ("晚几个小时还有没有事", "faq/grace_period"),
    ("宽限期内还上算不算逾期", "faq/grace_period"),
    ("逾期会上征信吗", "faq/credit_report_overdue"),
    ("逾期记录报送征信吗", "faq/credit_report_overdue"),
    ("征信上的逾期记录影响房贷吗", "faq/credit_report_overdue"),
    ("逾期几天会上征信", "faq/credit_report_overdue"),
    ("你好", "greet"),
    ("在吗", "greet"),
    ("您好呀", "greet"),
    ("哈喽", "greet"),
]


@pytest.fixture(scope="module")
def preparer():
    return IntentModel.from_data().preparer


@pytest.fixture(scope="module")
def model(preparer):
    return IntentModel(preparer).fit([t for t, _ in EXAMPLES], [label for _, label in EXAMPLES])


@pytest.mark.parametrize(
    "text, prepared",
    [
        ("借被预期两个月咋办", "借呗逾期Ⓓ怎么办"),
        ("５０００块", "Ⓐ"),
        ("蚂蚁借呗分12期，年化18%", "借呗Ⓘ,Ⓡ"),
        ("花贝 征心", "花呗 征信"),
        ("差一块钱没还", "差ⓐ没还"),
        ("晚了两个小时算逾期吗", "晚了ⓗ算逾期吗"),
        ("逾期三天了", "逾期ⓓ了"),
        ("hb逾期zx有影响不", "花呗逾期征信有影响不"),
        ("HB yuqi了", "花呗 逾期了"),
        # Latin forms only where no other Latin letter touches them
        ("hbo会员 zxc", "hbo会员 zxc"),
        # a key word's first character typed twice; words that double a character stay
        ("征征信多久恢复", "征信多久恢复"),
        ("额额度降了 逾逾期了", "额度降了 逾期了"),
        ("逾期期间 分期期数 现在还还来得及吗", "逾期期间 分期期数 现在还还来得及吗"),
        ("", ""),
    ],
)
def test_preparation_normalises_typos_products_and_quantities(preparer, text, prepared):
    assert preparer(text) == prepared


@pytest.mark.parametrize(
    "entity, value, mark",
    [
        ("amount", "0.5", "ⓐ"),
        ("amount", "9.99", "ⓐ"),
        ("amount", "10", "Ⓐ"),
        ("amount", "30000", "Ⓐ"),
        ("duration", "PT2H", "ⓗ"),
        ("duration", "PT30M", "ⓗ"),
        ("duration", "PT12H", "ⓗ"),
        ("duration", "P3D", "ⓓ"),
        ("duration", "P1DT12H", "Ⓓ"),
        ("duration", "P2M", "Ⓓ"),
        ("duration", "P1Y", "Ⓓ"),
        ("installments", "12", "Ⓘ"),
        ("daily_rate", "0.0005", "Ⓡ"),
    ],
)
def test_placeholders_keep_kind_and_size(entity, value, mark):
    assert placeholder(entity, value) == mark


@pytest.mark.parametrize(
    "prepared, first",
    [("你好,借呗逾期了怎么办", "你好"), ("  逾期了？征信呢", "逾期了"), ("", ""), ("。。。", "")],
)
def test_first_clause(prepared, first):
    assert first_clause(prepared) == first


@pytest.mark.parametrize(
    "typed, meant", [("借被", "借呗"), ("花贝", "花呗"), ("还宽", "还款"), ("宽线期", "宽限期")]
)
def test_homophone_typos_read_the_same_in_pinyin(typed, meant):
    assert pinyin_syllables(typed) == pinyin_syllables(meant)


def test_pinyin_keeps_other_runs_and_drops_punctuation():
    assert pinyin_syllables("借呗Ⓐ, 还款ok？ⓓ") == ["jie", "bei", "Ⓐ", "hai", "kuan", "ok", "ⓓ"]
    assert pinyin_syllables("") == []


def test_model_without_the_pinyin_block_still_trains(preparer):
    config = IntentModelConfig(pinyin_weight=0.0, raw_char_weight=0.5)
    model = IntentModel(preparer, config).fit(
        [t for t, _ in EXAMPLES], [label for _, label in EXAMPLES]
    )
    names = [name for name, _ in model._pipeline[0].transformer_list]
    assert "pinyin" not in names and "raw_chars" in names
    assert model.predict(["宽限期是几天"]) == ["faq/grace_period"]


def test_typo_table_rejects_a_form_with_two_meanings(tmp_path):
    table = tmp_path / "typos.txt"
    table.write_text("逾期 预期\n# comment\n期望 预期\n", encoding="utf-8")
    with pytest.raises(ValueError, match="预期"):
        load_replacements(table)


def test_typo_table_reads_comments_and_width(tmp_path):
    table = tmp_path / "typos.txt"
    table.write_text("# header\n逾期 预期 途期  # trailing comment\n\n怎么 咋\n", encoding="utf-8")
    assert load_replacements(table) == {"预期": "逾期", "途期": "逾期", "咋": "怎么"}


def test_the_project_typo_table_loads():
    table = load_replacements()
    assert table["预期"] == "逾期"
    assert all(form != standard for form, standard in table.items())


def test_model_learns_the_examples(model):
    assert model.predict(["借被预期3天罚息多少", "宽限期是几天", "你好啊"]) == [
        "calculate_overdue_cost",
        "faq/grace_period",
        "greet",
    ]
    assert model.predict([]) == []


def _fingerprint(model) -> str:
    pipeline = model._pipeline
    coef = pipeline[-1].coef_
    return hashlib.sha256(
        pickle.dumps(
            (list(pipeline[-1].classes_), coef.tobytes(), pipeline[-1].intercept_.tobytes())
        )
    ).hexdigest()


def test_training_order_does_not_change_the_model(preparer):
    shuffled = EXAMPLES[:]
    random.Random(3).shuffle(shuffled)
    first = IntentModel(preparer).fit([t for t, _ in EXAMPLES], [label for _, label in EXAMPLES])
    second = IntentModel(preparer).fit([t for t, _ in shuffled], [label for _, label in shuffled])
    assert _fingerprint(first) == _fingerprint(second)


def test_predictions_equal_the_pipelines_own(model):
    texts = [
        "花呗逾期咋整",
        "5k逾期3天罚多少",
        "你好",
        "宽限期几天",
        "",
        "🙅",
        "xyz",
        "借被 预期，征心会花吗？？",
        "宽限期宽限期宽限期 几天几天",
        "逾期ⓐ了 Ⓐ",
    ]
    assert (
        model.predict_proba(texts) == model._pipeline.predict_proba(model.documents(texts))
    ).all()
    for text in texts:
        assert (
            model.predict_proba([text]) == model._pipeline.predict_proba(model.documents([text]))
        ).all()


def test_pickled_model_predicts_the_same(model):
    restored = pickle.loads(pickle.dumps(model))
    texts = ["花呗逾期咋整", "5k逾期3天罚多少"]
    assert (restored.predict_proba(texts) == model.predict_proba(texts)).all()


def test_fit_rejects_bad_input(preparer):
    with pytest.raises(ValueError):
        IntentModel(preparer).fit([], [])
    with pytest.raises(ValueError):
        IntentModel(preparer).fit(["a"], [])


@pytest.fixture(scope="module")
def component(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("intent"))
    resource = Resource("intent")
    context = ExecutionContext(GraphSchema({}), "test")
    config = LinearIntentClassifier.get_default_config()
    trained = LinearIntentClassifier.create(config, storage, resource, context)
    messages = []
    for text, label in EXAMPLES:
        intent, _, topic = label.partition("/")
        data = {"text": text, "intent": intent}
        if topic:
            data["intent_response_key"] = label
        messages.append(Message(data=data))
    responses = {
        "utter_faq/grace_period": [{"text": "宽限期答复"}],
        "utter_faq/credit_report_overdue": [{"text": "征信答复"}],
    }
    trained.train(TrainingData(training_examples=messages, responses=responses))
    return LinearIntentClassifier.load(config, storage, resource, context)


def test_component_writes_intent_ranking_and_response_selection(component):
    message = Message(data={"text": "宽限期能有几天"})
    component.process([message])
    assert message.get("intent")["name"] == "faq"
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "faq"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-9
    assert [r["confidence"] for r in ranking] == sorted(
        (r["confidence"] for r in ranking), reverse=True
    )
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["intent_response_key"] == "faq/grace_period"
    assert selected["utter_action"] == "utter_faq/grace_period"
    assert selected["responses"] == [{"text": "宽限期答复"}]
    assert message.get("response_selector")["all_retrieval_intents"] == ["faq"]


def test_component_base_intent_confidence_sums_its_topics(component):
    message = Message(data={"text": "逾期了会怎样"})
    component.process([message])
    faq = next(r for r in message.get("intent_ranking") if r["name"] == "faq")
    topics = message.get("response_selector")["faq"]["ranking"]
    assert abs(sum(t["confidence"] for t in topics) - 1.0) < 1e-9
    model = component._model
    row = dict(zip(model.labels, model.predict_proba(["逾期了会怎样"])[0]))
    assert faq["confidence"] == pytest.approx(
        sum(p for key, p in row.items() if key.startswith("faq/"))
    )
    best_topic = max((key for key in row if key.startswith("faq/")), key=row.get)
    assert topics[0]["intent_response_key"] == best_topic


@pytest.mark.parametrize("text", ["", "   ", None])
def test_component_empty_text_has_no_intent(component, text):
    message = Message(data={"text": text} if text is not None else {})
    component.process([message])
    assert message.get("intent") == {"name": None, "confidence": 0.0}


def test_untrained_component_loads_and_abstains(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    component = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("missing"), context
    )
    message = Message(data={"text": "你好"})
    component.process([message])
    assert message.get("intent") == {"name": None, "confidence": 0.0}
