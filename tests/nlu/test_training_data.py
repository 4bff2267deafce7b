"""The NLU training data: it loads, covers the conversation contract (docs/contract.md), is
consistent with itself,
with the FAQ responses, the synonyms and lookups, the project tokenizer and the rule-based
entity extractor.

The data files are checked as they are in ``data/``; the spaCy pipeline used for the extractor
checks is built from that same ``data/`` into a temporary directory (not ``build/``, which may be
stale while the data is being edited).
"""

from __future__ import annotations

import collections
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.utils.io import read_yaml_file

from bot.paths import DATA_DIR

REPO = DATA_DIR.parent
NLU_FILES = sorted((DATA_DIR / "nlu").rglob("*.yml"))
SYNONYM_FILE = DATA_DIR / "synonyms.yml"
LOOKUP_FILES = sorted((DATA_DIR / "lookups").glob("*.yml"))
FAQ_RESPONSE_FILES = sorted((DATA_DIR / "responses" / "faq").glob("*.yml"))

#: docs/contract.md: these names are a contract
CONTRACT_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "human_handoff",
    "out_of_scope",
    "inform",
    "check_loan_status",
    "request_payoff_plan",
    "calculate_overdue_cost",
    "request_budget_plan",
    "set_repayment_reminder",
    "request_repayment_relief",
    "express_distress",
)
FAQ_TOPICS = (
    "overdue_consequences",
    "credit_report_overdue",
    "credit_report_usage",
    "small_amount_overdue",
    "grace_period",
    "penalty_interest",
    "collection_conduct",
    "lawsuit_risk",
    "after_overdue_repaid",
    "credit_repair_scam",
    "debt_agency_scam",
    "negotiated_repayment",
    "early_repayment",
    "repayment_methods",
    "interest_rate",
    "auto_debit",
    "how_to_repay",
    "change_due_date",
    "installment_terms",
    "credit_limit",
    "borrow_to_repay",
    "budgeting_basics",
    "debt_strategy",
    "borrowing_process",
)
CONTRACT_ENTITIES = (
    "amount",
    "duration",
    "daily_rate",
    "annual_rate",
    "installments",
    "loan_product",
    "day_of_month",
    "strategy",
)
#: entities whose values the rule-based quantity parser finds (bot/nlu/quantities)
NUMERIC_ENTITIES = (
    "amount",
    "duration",
    "daily_rate",
    "annual_rate",
    "installments",
    "day_of_month",
)
#: entities recognised by phrase patterns generated from synonyms + lookups (bot/nlu/phrases.py)
PHRASE_ENTITIES = ("loan_product", "strategy")
CANONICAL_VALUES = {
    "loan_product": {"借呗", "花呗", "信用卡", "白条", "微粒贷", "网商贷"},
    "strategy": {"avalanche", "snowball"},
}
MIN_EXAMPLES = 40


@pytest.fixture(scope="module")
def examples() -> List[Tuple[Path, object]]:
    """(file, Message) for every training example of every NLU file."""
    found = []
    for path in NLU_FILES:
        for message in load_data(str(path)).training_examples:
            found.append((path, message))
    return found


@pytest.fixture(scope="module")
def synonyms() -> Dict[str, str]:
    return {
        surface.lower(): value
        for surface, value in load_data(str(SYNONYM_FILE)).entity_synonyms.items()
    }


@pytest.fixture(scope="module")
def lookups() -> Dict[str, List[str]]:
    tables: Dict[str, List[str]] = collections.defaultdict(list)
    for path in LOOKUP_FILES:
        for table in load_data(str(path)).lookup_tables:
            tables[table["name"]].extend(table["elements"])
    return tables


def domain_entities() -> set:
    return set(read_yaml_file(str(REPO / "domain.yml")).get("entities") or [])


def domain_intents() -> set:
    return {
        i if isinstance(i, str) else next(iter(i))
        for i in read_yaml_file(str(REPO / "domain.yml"))["intents"]
    }


# --- files and coverage ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [*NLU_FILES, SYNONYM_FILE, *LOOKUP_FILES], ids=lambda p: str(p.relative_to(DATA_DIR))
)
def test_every_file_loads_and_holds_data(path):
    data = load_data(str(path))
    assert data.training_examples or data.entity_synonyms or data.lookup_tables, (
        f"{path} holds nothing"
    )


def test_each_nlu_file_holds_one_intent_named_like_the_file(examples):
    by_file = collections.defaultdict(set)
    for path, message in examples:
        by_file[path].add(message.get_full_intent())
    for path, intents in by_file.items():
        stem = path.stem if path.parent.name != "faq" else f"faq/{path.stem}"
        assert intents == {stem}, f"{path.relative_to(DATA_DIR)} holds {sorted(intents)}"


def test_every_contract_intent_and_faq_topic_has_enough_examples(examples):
    counts = collections.Counter(message.get_full_intent() for _, message in examples)
    wanted = [*CONTRACT_INTENTS, *(f"faq/{topic}" for topic in FAQ_TOPICS)]
    thin = {name: counts[name] for name in wanted if counts[name] < MIN_EXAMPLES}
    assert not thin, f"fewer than {MIN_EXAMPLES} examples: {thin}"


def test_intents_in_the_data_are_the_domain_intents(examples):
    in_data = {message.get("intent") for _, message in examples}
    declared = {i for i in domain_intents() if not i.startswith("EXTERNAL_")}
    assert in_data - declared == set(), "intents with examples but missing in domain.yml"
    assert declared - in_data == set(), "domain intents without any training example"


def _lines(problems) -> str:
    return f"{len(problems)} problems:\n" + "\n".join(map(str, problems))


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def test_no_example_text_appears_under_two_intents(examples):
    labels = collections.defaultdict(set)
    for _, message in examples:
        labels[_normalised(message.get("text"))].add(message.get_full_intent())
    clashes = {text: sorted(names) for text, names in labels.items() if len(names) > 1}
    assert not clashes, f"same text under several intents: {clashes}"


def test_no_example_is_repeated_within_an_intent(examples):
    seen = collections.Counter(
        (message.get_full_intent(), message.get("text")) for _, message in examples
    )
    repeated = [key for key, n in seen.items() if n > 1]
    assert not repeated, repeated


def test_every_faq_topic_has_a_response_and_every_response_a_topic(examples):
    responses = set()
    for path in FAQ_RESPONSE_FILES:
        responses.update((read_yaml_file(str(path)) or {}).get("responses", {}))
    topics = {
        message.get_full_intent() for _, message in examples if message.get("intent") == "faq"
    }
    assert {f"faq/{t}" for t in FAQ_TOPICS} <= topics
    missing = {t for t in topics if f"utter_{t}" not in responses}
    assert not missing, f"faq topics without utter_faq/<topic> response: {sorted(missing)}"
    orphans = {
        r for r in responses if r.startswith("utter_faq/") and r[len("utter_") :] not in topics
    }
    assert not orphans, f"faq responses without training examples: {sorted(orphans)}"


# --- synonyms and lookups -------------------------------------------------------------------


def test_every_synonym_surface_form_is_in_the_lookup_of_its_entity(synonyms, lookups):
    for entity, canon in CANONICAL_VALUES.items():
        entries = {e.lower() for e in lookups[entity]}
        forms = [surface for surface, value in synonyms.items() if value in canon]
        assert forms, f"no synonyms for {entity}"
        missing = [form for form in forms if form not in entries]
        assert not missing, f"synonym forms missing in lookup {entity}: {missing}"


def test_every_lookup_entry_maps_to_a_canonical_value(synonyms, lookups):
    for entity, canon in CANONICAL_VALUES.items():
        unmapped = [e for e in lookups[entity] if synonyms.get(e.lower(), e) not in canon]
        assert not unmapped, f"lookup {entity} entries without a canonical value: {unmapped}"
    assert set(synonyms.values()) <= set().union(*CANONICAL_VALUES.values()), (
        "synonym to an unknown value"
    )


def test_bare_snowball_words_are_not_strategy_phrases(lookups):
    # "债像滚雪球一样越滚越多" is growing debt, not a repayment strategy
    assert not {"雪球", "滚雪球"} & set(lookups["strategy"])


# --- entity annotations ---------------------------------------------------------------------


def test_annotations_use_declared_entities_only(examples):
    allowed = set(CONTRACT_ENTITIES) | domain_entities()
    wrong = [
        (m.get("text"), e["entity"])
        for _, m in examples
        for e in m.get("entities") or []
        if e["entity"] not in allowed
    ]
    assert not wrong, _lines(wrong)


@pytest.fixture(scope="module")
def tokenize():
    import tempfile

    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.tokenizer import FinanceJiebaTokenizer

    with tempfile.TemporaryDirectory() as directory:
        config = {**FinanceJiebaTokenizer.get_default_config(), "data_path": str(DATA_DIR)}
        tokenizer = FinanceJiebaTokenizer.create(
            config,
            LocalModelStorage(Path(directory)),
            Resource("tok"),
            ExecutionContext(GraphSchema({}), "test"),
        )

        def tokens(text: str):
            message = Message(data={TEXT: text})
            tokenizer.process([message])
            return message.get(TOKENS_NAMES[TEXT])

        yield tokens


def test_entity_spans_align_with_the_project_tokens(examples, tokenize):
    misaligned = []
    for _, message in examples:
        entities = message.get("entities") or []
        if not entities:
            continue
        tokens = tokenize(message.get("text"))
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for e in entities:
            if e["start"] not in starts or e["end"] not in ends:
                misaligned.append(
                    (
                        message.get("text"),
                        e["entity"],
                        message.get("text")[e["start"] : e["end"]],
                        "/".join(t.text for t in tokens),
                    )
                )
    assert not misaligned, _lines(misaligned)


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    from bot.nlu import spacy_pipeline

    directory = tmp_path_factory.mktemp("spacy_zh_finance")
    spacy_pipeline.save_pipeline(directory, DATA_DIR)
    nlp = spacy_pipeline.load_pipeline(directory, DATA_DIR)
    return lambda text: spacy_pipeline.extract(nlp, text)


def _spans(entities, labels):
    return {(e["entity"], e["start"], e["end"]) for e in entities if e["entity"] in labels}


def test_every_annotated_quantity_is_extracted_at_the_same_text(examples, extractor):
    """Annotations follow the extractor's documented conventions (bot/nlu/quantities/extract.py):
    a range is one quantity spanning the whole range, 分12期 / 每月15号 include their prefix."""
    missed = []
    for _, message in examples:
        gold = _spans(message.get("entities") or [], NUMERIC_ENTITIES)
        if gold:
            text = message.get("text")
            found = _spans(extractor(text), NUMERIC_ENTITIES)
            missed += [(text, label, text[s:e]) for label, s, e in gold - found]
    assert not missed, _lines(missed)


def test_every_extracted_quantity_is_annotated(examples, extractor):
    """No example leaves a value unannotated that the bot will extract at run time."""
    unannotated = []
    for _, message in examples:
        text = message.get("text")
        gold = _spans(message.get("entities") or [], NUMERIC_ENTITIES)
        found = _spans(extractor(text), NUMERIC_ENTITIES)
        unannotated += [
            (message.get_full_intent(), text, label, text[s:e]) for label, s, e in found - gold
        ]
    assert not unannotated, _lines(unannotated)


def test_phrase_entities_match_the_extractor_with_the_synonym_value(examples, extractor, synonyms):
    problems = []
    for _, message in examples:
        text = message.get("text")
        gold = {
            (e["entity"], e["start"], e["end"]): e["value"]
            for e in message.get("entities") or []
            if e["entity"] in PHRASE_ENTITIES
        }
        found = {
            (e["entity"], e["start"], e["end"]): e["value"]
            for e in extractor(text)
            if e["entity"] in PHRASE_ENTITIES
        }
        if set(gold) != set(found):
            problems.append(
                (
                    text,
                    "annotated",
                    sorted(text[s:e] for _, s, e in gold),
                    "extracted",
                    sorted(text[s:e] for _, s, e in found),
                )
            )
            continue
        for span, value in gold.items():
            canonical = synonyms.get(value.lower(), value)
            if canonical != found[span] or canonical not in CANONICAL_VALUES[span[0]]:
                problems.append((text, value, canonical, found[span]))
    assert not problems, _lines(problems)
