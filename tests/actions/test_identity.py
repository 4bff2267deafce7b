"""Who is talking: identity from the message metadata, fallbacks, and the ledger lookup."""

from __future__ import annotations

from datetime import date

from actions.identity import LINK_HELP_ZH, UNAVAILABLE_ZH, channel_identity, load_account
from tests.actions.action_helpers import TODAY, TWO_MONTHS, UP_TO_DATE, make_tracker


def test_identity_from_the_latest_message_metadata():
    tracker = make_tracker(
        "你好", "greet", borrower=TWO_MONTHS, channel="shell", as_of="2026-12-01"
    )
    identity = channel_identity(tracker)
    assert (identity.channel, identity.external_id, identity.as_of) == (
        "shell",
        TWO_MONTHS,
        date(2026, 12, 1),
    )


def test_as_of_is_ignored_outside_development_mode(monkeypatch):
    monkeypatch.delenv("BOT_DEV_MODE")
    tracker = make_tracker(
        "你好", "greet", borrower=TWO_MONTHS, channel="shell", as_of="2026-12-01"
    )
    identity = channel_identity(tracker)
    assert (identity.external_id, identity.as_of) == (TWO_MONTHS, None)


def test_identity_from_an_earlier_message_when_the_latest_has_none():
    earlier = make_tracker("你好", "greet", borrower=TWO_MONTHS, channel="widget")
    tracker = make_tracker(
        "",
        "EXTERNAL_repayment_reminder",
        with_metadata=False,
        channel=None,
        history=earlier.events[2:],
    )
    identity = channel_identity(tracker)
    assert (identity.channel, identity.external_id) == ("widget", TWO_MONTHS)


def test_an_unverified_latest_message_does_not_inherit_an_earlier_identity():
    earlier = make_tracker("你好", "greet", borrower=TWO_MONTHS, channel="widget")
    tracker = make_tracker(
        "我还欠多少", "check_loan_status", with_metadata=False, history=earlier.events[2:]
    )
    assert channel_identity(tracker).external_id is None


def _with_metadata(tracker, metadata):
    tracker.latest_message["metadata"] = metadata
    tracker.events[-1]["metadata"] = metadata
    return tracker


def test_plain_client_fields_are_anonymous():
    tracker = _with_metadata(
        make_tracker("你好", "greet", with_metadata=False),
        {"channel": "shell", "external_id": TWO_MONTHS, "as_of": "2026-12-01"},
    )
    identity = channel_identity(tracker)
    assert (identity.channel, identity.external_id, identity.as_of) == (None, None, None)


def test_no_metadata_is_anonymous_not_the_sender_id():
    tracker = make_tracker(
        "你好", "greet", channel="rest", with_metadata=False, sender_id=TWO_MONTHS
    )
    assert channel_identity(tracker).external_id is None


def test_a_forged_signature_is_anonymous():
    tracker = make_tracker("你好", "greet", borrower=UP_TO_DATE)
    forged = dict(tracker.latest_message["metadata"])
    forged["verified_identity"] = dict(forged["verified_identity"], subject=TWO_MONTHS)
    _with_metadata(tracker, forged)
    assert channel_identity(tracker).external_id is None


def test_an_identity_copied_from_another_conversation_is_anonymous():
    other = make_tracker("你好", "greet", borrower=TWO_MONTHS, sender_id="someone-else")
    tracker = _with_metadata(
        make_tracker("你好", "greet", with_metadata=False, sender_id="me"),
        other.latest_message["metadata"],
    )
    assert channel_identity(tracker).external_id is None


def test_without_the_secret_nobody_is_linked(monkeypatch):
    tracker = make_tracker("你好", "greet", borrower=TWO_MONTHS)
    monkeypatch.delenv("IDENTITY_SECRET")
    assert channel_identity(tracker).external_id is None


def test_a_malformed_as_of_is_ignored():
    tracker = make_tracker("你好", "greet", borrower=TWO_MONTHS, as_of="next tuesday")
    assert channel_identity(tracker).as_of is None


async def test_linked_borrower_gets_their_loans(ledger):
    account = await load_account(make_tracker("查一下", "check_loan_status", borrower=TWO_MONTHS))
    assert account.linked and account.borrower_id == TWO_MONTHS
    assert account.overview.display_name == "李强" and account.today == TODAY


async def test_as_of_moves_today(ledger):
    account = await load_account(
        make_tracker("查一下", "check_loan_status", borrower=TWO_MONTHS, as_of="2026-12-23")
    )
    assert account.today == date(2026, 12, 23)
    assert account.overview.loans[0].overdue_days == 91


async def test_unlinked_identity_gets_no_data(ledger):
    account = await load_account(make_tracker("查一下", "check_loan_status", borrower=None))
    assert (
        account.status == "unlinked"
        and account.overview is None
        and account.message_zh == LINK_HELP_ZH
    )


async def test_no_identity_at_all_is_unlinked_without_asking_the_ledger(ledger_down):
    account = await load_account(
        make_tracker("查一下", "check_loan_status", channel=None, with_metadata=False)
    )
    assert account.status == "unlinked"


async def test_ledger_down_is_unavailable(ledger_down):
    account = await load_account(make_tracker("查一下", "check_loan_status", borrower=TWO_MONTHS))
    assert account.status == "unavailable" and account.message_zh == UNAVAILABLE_ZH
