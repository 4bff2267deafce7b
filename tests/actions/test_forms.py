"""What every form shares: cleared slots are not answers, questions, and the domain matches."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.budget_plan import ValidateBudgetForm
from actions.overdue_cost import ValidateOverdueCostForm
from actions.payoff_plan import ActionAskPayoffBudget, ValidatePayoffForm
from actions.relief import ActionAskReliefReason, ValidateReliefForm
from actions.reminders import ActionAskReminderDaysBefore, ValidateReminderForm
from tests.actions.action_helpers import TWO_MONTHS, make_tracker, slot_values

VALIDATIONS = [
    ValidateOverdueCostForm,
    ValidatePayoffForm,
    ValidateBudgetForm,
    ValidateReminderForm,
    ValidateReliefForm,
]


@pytest.mark.parametrize("validation", VALIDATIONS, ids=lambda v: v().name())
async def test_slots_cleared_by_the_start_action_are_validated_silently(domain, validation):
    """The start action clears a form's old values; at activation the form hands those None
    values to the validation, which must not complain about answers nobody gave."""
    form = validation().form_name()
    required = domain["forms"][form]["required_slots"]
    tracker = make_tracker("我想申请", "request_repayment_relief", active_loop=form)
    for slot in required:
        tracker.events.append({"event": "slot", "name": slot, "value": None})
    dispatcher = CollectingDispatcher()
    events = await validation().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []
    assert all(value is None for value in slot_values(events).values())


def test_every_domain_action_is_served_and_every_served_action_is_in_the_domain(domain):
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(domain["actions"])


def test_every_form_has_a_validation_and_one_question_per_slot(domain):
    # a question is an action when it depends on the conversation or has buttons (a response
    # would try to fill the payload's {...} as a slot), else a response of the domain
    for form, spec in domain["forms"].items():
        assert f"validate_{form}" in domain["actions"]
        for slot in spec["required_slots"]:
            action, response = f"action_ask_{slot}", f"utter_ask_{slot}"
            assert (action in domain["actions"]) != (response in domain["responses"]), slot
            for variant in domain["responses"].get(response, []):
                assert "{" not in variant["text"] and not variant.get("buttons"), response
            assert domain["slots"][slot]["influence_conversation"] is False


async def test_questions_give_context_the_first_time_and_are_short_when_asked_again(ledger):
    for action, slot, context in (
        (ActionAskPayoffBudget, "payoff_budget", "这个月最低要还"),
        (ActionAskReliefReason, "relief_reason", "批不批由贷款方决定"),
    ):
        first, again = CollectingDispatcher(), CollectingDispatcher()
        await action().run(first, make_tracker("", "inform", borrower=TWO_MONTHS), {})
        await action().run(
            again, make_tracker("", "inform", borrower=TWO_MONTHS, requested_slot=slot), {}
        )
        assert context in first.messages[0]["text"] and context not in again.messages[0]["text"]
        assert again.messages[0]["text"] in first.messages[0]["text"]
    asked = CollectingDispatcher()
    await ActionAskReminderDaysBefore().run(asked, make_tracker("", "set_repayment_reminder"), {})
    assert [b["payload"] for b in asked.messages[0]["buttons"]] == [
        '/inform{"duration":"P1D"}',
        '/inform{"duration":"P3D"}',
        '/inform{"duration":"P7D"}',
    ]
