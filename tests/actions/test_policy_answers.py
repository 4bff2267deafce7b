"""What the bot says about grace days and penalty interest is what the calculator does.

For several lender policies (no grace; 3 grace days waived or excluded; grace longer than the
reporting day …) the day penalty interest is counted from is worked out here from the money
engine alone (``overdue_cost`` and the day-by-day ``accrue_overdue``), never from the wording
code, and every claim about it in the answers is checked against that:

* the FAQ answers ``grace_period``, ``penalty_interest`` and ``overdue_consequences`` rendered by
  Rasa's own response generator with the policy's slots;
* the replies of the actions: the not-yet-overdue line of the loan status, the in-grace lines
  of the loan status, the FAQ follow-up and the what-if calculation, and the timeline.

Then: the FAQ answers never show "None" (or a raw ``{slot}``) when the policy slots were never
filled, and the slots are filled from the policy the bot actually runs with.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Dict, List

import pytest
import yaml
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import ActionFaqFollowup, personal_followup
from actions.loan_facts import next_step_line
from actions.loan_status import describe_loan
from actions.overdue_cost import overdue_cost_message
from actions.session import ActionSessionStart
from bot.finance.money import money
from bot.finance.overdue import accrue_overdue, overdue_cost, timeline
from bot.loans.client import LoanOverview, LoanSummary, LoanTotals
from bot.policy import ENV_VAR, LenderPolicy, clear_policy_cache, load_policy, parse_policy
from bot.policy.wording import EXAMPLE_NOTE, FALLBACK_SLOTS
from tests.actions.action_helpers import make_tracker

REPO = Path(__file__).resolve().parents[2]
D = Decimal
PRINCIPAL = D("899.75")
DAILY = D("0.0004")
DUE = date(2026, 11, 10)

#: (grace_days, grace_mode, report_after_days)
POLICIES = [
    (0, "waive", 3),
    (0, "exclude", 3),
    (3, "waive", 3),  # the packaged default
    (3, "exclude", 3),
    (1, "waive", 5),
    (5, "waive", 3),  # grace longer than the reporting day
    (2, "exclude", 0),
]
IDS = [f"grace{g}-{mode}-report{r}" for g, mode, r in POLICIES]
PENALTY_TOPICS = ("grace_period", "penalty_interest", "overdue_consequences")


def make_policy(grace: int, mode: str, report_after: int) -> LenderPolicy:
    data = yaml.safe_load(
        resources.files("bot.policy").joinpath("lender_policy.yml").read_text(encoding="utf-8")
    )
    data["grace_days"]["value"] = grace
    data["grace_mode"]["value"] = mode
    data["report_after_days"]["value"] = report_after
    return parse_policy(data)


def calculator_schedule(policy: LenderPolicy):
    """(free_until, counted_from) from the money engine alone: the last overdue day on which
    nothing is owed for penalty, and the first overdue day the penalty covers once it is owed."""

    def cost(days: int):
        return overdue_cost(
            PRINCIPAL,
            DAILY,
            days,
            grace_days=policy.grace_days,
            multiplier=policy.penalty_multiplier,
            grace_mode=policy.grace_mode,
            day_count=policy.day_count,
        )

    free_until = 0
    while cost(free_until + 1).total_penalty == 0:
        free_until += 1
        assert free_until < 60
    payable = free_until + 1
    charged = cost(payable).chargeable_days
    counted_from = payable - charged + 1
    # the same from the day-by-day ledger walk: cleared on the last free day costs nothing …
    kwargs = dict(
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
        day_count=policy.day_count,
    )
    if free_until > 0:
        cleared = accrue_overdue(
            PRINCIPAL,
            DAILY,
            DUE,
            DUE + timedelta(days=free_until),
            repayments=[(DUE + timedelta(days=free_until), PRINCIPAL)],
            **kwargs,
        )
        assert cleared.total_penalty == 0 and cleared.outstanding_penalty == 0
    # … and the day after, unpaid, the penalty covers the days from counted_from on
    unpaid = accrue_overdue(PRINCIPAL, DAILY, DUE, DUE + timedelta(days=payable), **kwargs)
    days_covered = payable - counted_from + 1
    assert unpaid.total_penalty == money(
        PRINCIPAL * DAILY * policy.penalty_multiplier * days_covered
    )
    assert unpaid.total_penalty > 0
    return free_until, counted_from


def penalty_claims(text: str) -> Dict[str, List[int]]:
    """Every statement in ``text`` about when penalty interest starts, by kind."""
    return {
        "counted_from": [int(n) for n in re.findall(r"罚息从逾期第(\d+)天", text)],
        "free_within": [int(n) for n in re.findall(r"逾期(\d+)天以内(?:还清)?不收罚息", text)],
        "unpaid_after": [int(n) for n in re.findall(r"超过(\d+)天还没还清", text)],
        "charged_later": [int(a or b) for a, b in re.findall(r"(?:前(\d+)|这(1))天也要补算", text)],
        "never_charged": [int(n) for n in re.findall(r"前(\d+)天不收", text)],
    }


def assert_claims_match(
    text: str, free_until: int, counted_from: int, required: bool = True
) -> None:
    claims = penalty_claims(text)
    if required:
        assert claims["counted_from"], f"no start day stated in: {text}"
    assert all(n == counted_from for n in claims["counted_from"]), (claims, text)
    if free_until == 0:
        assert "没有宽限期" in text or not required, text
        assert not claims["free_within"] and not claims["unpaid_after"], text
        return
    assert all(n == free_until for n in claims["free_within"] + claims["unpaid_after"]), (
        claims,
        text,
    )
    if required:
        assert claims["free_within"] and claims["unpaid_after"], text
    if counted_from == 1:  # the grace days are charged after all
        assert not claims["never_charged"] and all(
            n == free_until for n in claims["charged_later"]
        ), text
        assert claims["charged_later"] or not required, text
    else:  # the grace days are never charged
        assert not claims["charged_later"] and all(
            n == free_until for n in claims["never_charged"]
        ), text
        assert counted_from == free_until + 1


# --- Rasa's own rendering of the responses ------------------------------------------------------
@pytest.fixture(scope="module")
def rasa_domain():
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(REPO / "domain.yml"), training_data_paths=[str(REPO / "data" / "responses")]
    )
    return importer.get_domain()


def render(domain, name: str, slots: Dict[str, str] | None = None) -> str:
    """The text of response ``name`` as Rasa sends it: slots from a fresh tracker (their
    initial values), then ``slots`` set on it."""
    tracker = DialogueStateTracker.from_events("test", [], slots=domain.slots)
    for slot, value in (slots or {}).items():
        tracker.slots[slot].value = value
    generator = TemplatedNaturalLanguageGenerator(domain.responses)
    response = generator.generate_from_slots(name, tracker.current_slot_values(), "rest")
    return response["text"]


# --- text and calculator agree --------------------------------------------------------------------
@pytest.mark.parametrize("grace, mode, report_after", POLICIES, ids=IDS)
def test_faq_answers_state_the_start_day_the_calculator_uses(
    rasa_domain, grace, mode, report_after
):
    policy = make_policy(grace, mode, report_after)
    free_until, counted_from = calculator_schedule(policy)
    assert free_until == grace  # the grace days are the days without penalty, in both modes
    for topic in PENALTY_TOPICS:
        text = render(rasa_domain, f"utter_faq/{topic}", policy.as_slots())
        assert_claims_match(text, free_until, counted_from)
        if grace:
            assert EXAMPLE_NOTE in text  # the grace days are an unsourced example setting


@pytest.mark.parametrize("grace, mode, report_after", POLICIES, ids=IDS)
def test_grace_answer_says_whether_repaying_in_grace_reaches_the_credit_report(
    rasa_domain, grace, mode, report_after
):
    policy = make_policy(grace, mode, report_after)
    text = render(rasa_domain, "utter_faq/grace_period", policy.as_slots())
    label = "会不会上征信："
    report_line = next(line for line in text.splitlines() if line.startswith(label))[len(label) :]
    stated = [int(n) for n in re.findall(r"逾期超过(\d+)天", report_line)]
    if report_after:
        assert stated == [report_after], report_line
    else:
        assert not stated and "一逾期就可能被报送征信" in report_line
    if 0 < grace <= report_after:
        assert "宽限期内还清，不会因为这次晚还被报送" in report_line
    elif grace > report_after:
        assert "不管征信" in report_line and "不会" not in report_line
    assert EXAMPLE_NOTE in report_line


@pytest.mark.parametrize("grace, mode, report_after", POLICIES, ids=IDS)
def test_action_replies_state_the_start_day_the_calculator_uses(grace, mode, report_after):
    policy = make_policy(grace, mode, report_after)
    free_until, counted_from = calculator_schedule(policy)
    # before a due date (loan status, no overdue)
    assert_claims_match(next_step_line(0, policy), free_until, counted_from)
    # the timeline's penalty step is on the first day penalty is owed, and says from when
    penalty = next(m for m in timeline(policy) if m.kind == "penalty")
    assert penalty.day == free_until + 1
    assert_claims_match(penalty.text_zh, free_until, counted_from, required=False)
    # the what-if calculation, inside the grace days and the day after
    for days in range(1, free_until + 1):
        reply = "\n".join(overdue_cost_message(PRINCIPAL, days, DAILY, policy))
        assert "罚息：0.00元" in reply
        assert_claims_match(reply, free_until, counted_from)
    reply = "\n".join(overdue_cost_message(PRINCIPAL, free_until + 1, DAILY, policy))
    assert f"按{free_until + 1 - counted_from + 1}天计" in reply
    assert_claims_match(reply, free_until, counted_from, required=False)
    # a borrower of the ledger inside the grace days: loan status and the FAQ follow-up
    for days in range(1, free_until + 1):
        loan = ledger_loan(policy, days)
        lines = "\n".join(describe_loan(loan, "借呗", policy, DUE + timedelta(days=days)))
        assert "还在宽限期内" in lines
        assert_claims_match(lines, free_until, counted_from)
        followup = personal_followup(
            "grace_period", overview(loan, DUE + timedelta(days=days)), policy
        )
        assert_claims_match(followup, free_until, counted_from)


def ledger_loan(policy: LenderPolicy, days: int) -> LoanSummary:
    """A loan as the ledger reports it ``days`` days after its due date, figures from
    accrue_overdue."""
    as_of = DUE + timedelta(days=days)
    accrual = accrue_overdue(
        PRINCIPAL,
        DAILY,
        DUE,
        as_of,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
        day_count=policy.day_count,
    )
    return LoanSummary(
        loan_id="loan-1",
        product="借呗",
        principal=D("10000.00"),
        outstanding_principal=D("7632.56"),
        annual_rate=DAILY * policy.day_count,
        daily_rate=DAILY,
        method="equal_installment",
        term_months=12,
        next_due_date=DUE + timedelta(days=30),
        next_due_amount=PRINCIPAL,
        amount_due=accrual.total_due,
        overdue_days=accrual.days,
        overdue_principal=PRINCIPAL,
        overdue_interest=D("0.00"),
        penalty_accrued=accrual.outstanding_penalty,
        penalty_provisional=accrual.provisional_penalty,
        overdue_total=accrual.total_due,
        report_status=accrual.report_status,
        classification=accrual.classification,
        settled=False,
    )


def overview(loan: LoanSummary, as_of: date) -> LoanOverview:
    totals = LoanTotals(
        loan_count=1,
        principal=loan.principal,
        outstanding_principal=loan.outstanding_principal,
        amount_due=loan.amount_due,
        overdue_principal=loan.overdue_principal,
        overdue_interest=loan.overdue_interest,
        penalty_accrued=loan.penalty_accrued,
        overdue_total=loan.overdue_total,
        overdue_days=loan.overdue_days,
        next_due_date=None,
    )
    return LoanOverview(
        borrower_id="b", display_name="测试", as_of=as_of, loans=(loan,), totals=totals
    )


# --- never "None" ---------------------------------------------------------------------------------
def placeholders(domain) -> Dict[str, set]:
    found: Dict[str, set] = {}
    for name, variations in domain.responses.items():
        for variation in variations:
            found.setdefault(name, set()).update(
                re.findall(r"{([^\n{}]+?)}", variation.get("text") or "")
            )
    return found


def test_every_slot_a_response_quotes_has_a_neutral_initial_value(rasa_domain):
    used = set().union(*placeholders(rasa_domain).values())
    assert used, "the FAQ answers quote the policy through slots"
    assert used <= set(FALLBACK_SLOTS), (
        f"responses quote slots without a fallback: {used - set(FALLBACK_SLOTS)}"
    )
    initial = {
        slot.name: slot.initial_value for slot in rasa_domain.slots if slot.name in FALLBACK_SLOTS
    }
    assert initial == FALLBACK_SLOTS  # domain.yml carries bot.policy.wording.FALLBACK_SLOTS
    for text in FALLBACK_SLOTS.values():
        assert not re.search(r"\d", text) and re.search(
            r"以.*借款合同.*为准", text
        )  # no figure; the contract governs


def test_a_conversation_that_never_ran_session_start_never_sees_none(rasa_domain):
    """Every response, rendered from a tracker whose policy slots were never set."""
    quoted = placeholders(rasa_domain)
    for name in rasa_domain.responses:
        text = render(rasa_domain, name)
        assert "None" not in text and not re.search(r"{[^{}]*}", text), (name, text)
        for slot in quoted[name]:
            assert FALLBACK_SLOTS[slot] in text, (name, text)


@pytest.mark.parametrize("grace, mode, report_after", POLICIES, ids=IDS)
def test_every_policy_fills_every_answer(rasa_domain, grace, mode, report_after):
    slots = make_policy(grace, mode, report_after).as_slots()
    for name in rasa_domain.responses:
        text = render(rasa_domain, name, slots)
        assert "None" not in text and not re.search(r"{[^{}]*}", text), (name, text)


# --- the slots hold the policy the bot runs with --------------------------------------------------
@pytest.fixture
def other_policy_file(tmp_path, monkeypatch):
    data = yaml.safe_load(
        resources.files("bot.policy").joinpath("lender_policy.yml").read_text(encoding="utf-8")
    )
    data["grace_days"]["value"] = 0
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    clear_policy_cache()
    yield load_policy()
    monkeypatch.delenv(ENV_VAR)
    clear_policy_cache()


async def test_session_start_fills_the_slots_from_the_policy_file_in_use(other_policy_file):
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(""), {})
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == other_policy_file.as_slots()
    assert slots["policy_penalty_rule"].startswith("没有宽限期")


async def test_the_faq_followup_brings_stale_or_missing_policy_slots_up_to_date(other_policy_file):
    # (a topic without a personal follow-up: the ledger is not asked)
    stale = make_tracker(
        "日利率怎么换算年化",
        "faq",
        borrower=None,
        response_key="interest_rate",
        slots={
            "policy_penalty_rule": None,
            "policy_cutoff_rule": FALLBACK_SLOTS["policy_cutoff_rule"],
        },
    )
    events = await ActionFaqFollowup().run(CollectingDispatcher(), stale, {})
    changed = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    expected = other_policy_file.as_slots()
    # every slot that differs from the policy in use (make_tracker starts from the packaged one)
    assert changed["policy_penalty_rule"] == expected["policy_penalty_rule"]
    assert changed["policy_cutoff_rule"] == expected["policy_cutoff_rule"]
    assert all(expected[name] == value for name, value in changed.items())
    fresh = make_tracker(
        "日利率怎么换算年化", "faq", borrower=None, response_key="interest_rate", slots=expected
    )
    assert await ActionFaqFollowup().run(CollectingDispatcher(), fresh, {}) == []
