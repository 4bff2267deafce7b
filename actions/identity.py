"""Who is talking: the channel identity of a conversation and the borrower's account.

Only an identity a channel verified counts: each channel stamps a signed identity on the
message metadata (:mod:`bot.channels.identity`: the channel, the verified subject — a JWT's
``sub``, a WeChat OpenID, the debug shell's ``/as`` in development mode — and the conversation
id, signed with the secret the Rasa server and the action server share). Rasa 3.6 keeps that
metadata on the ``user`` event; external events (reminders) carry none, so the latest user
message of *this* conversation with a valid signature is used. Anything else — plain
``channel`` / ``external_id`` fields, a forged or copied signature, no metadata — is an
anonymous user, who never sees account data. ``as_of`` (the debug shell's ``/date``) is
honoured only in development mode, on both servers.

:func:`load_account` turns that into an :class:`Account`: ``linked`` with the borrower's
loans, ``unlinked`` (never any data), or ``unavailable`` (the ledger could not be asked).
Client errors never escape: each becomes a polite Chinese sentence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from bot.channels.identity import VerifiedIdentity, dev_mode, verify
from bot.loans import client as loans_client
from bot.loans.client import (
    LoanOverview,
    LoanServiceError,
    NotFound,
    RepaymentPreview,
    ServiceUnavailable,
)

log = logging.getLogger(__name__)

LINKED = "linked"
UNLINKED = "unlinked"
UNAVAILABLE = "unavailable"

LINK_HELP_ZH = (
    "要查你自己的借款，需要先把聊天账号和借款账户绑定：\n"
    "· 网页聊天：先登录App账号，再从App“我的”→“客服中心”进入；\n"
    "· 微信：在App“我的”→“设置”→“账号绑定”里绑定本公众号（示例路径，以App为准）。\n"
    "绑定后再问我，就能看到你的欠款、还款日和逾期情况。为保护隐私，没绑定时我看不到任何账户信息。"
)
UNAVAILABLE_ZH = "账户信息暂时查不到，请稍后再试。着急的话可以说“转人工”。"


@dataclass(frozen=True)
class ChannelIdentity:
    """The channel user behind a conversation, and the day to compute figures for."""

    channel: Optional[str]
    external_id: Optional[str]
    as_of: Optional[date] = None

    @property
    def complete(self) -> bool:
        return bool(self.channel and self.external_id)


@dataclass(frozen=True)
class Account:
    """The result of looking the user up in the ledger."""

    status: str
    identity: ChannelIdentity
    borrower_id: Optional[str] = None
    overview: Optional[LoanOverview] = None
    message_zh: str = ""

    @property
    def linked(self) -> bool:
        return self.status == LINKED

    @property
    def has_loan_data(self) -> bool:
        """Linked, with the borrower's loans loaded (``load_account(..., with_loans=True)``)."""
        return self.linked and self.overview is not None

    @property
    def today(self) -> Optional[date]:
        """The day the figures are for (the ledger's today unless ``as_of`` fixed it)."""
        if self.overview is not None:
            return self.overview.as_of
        return self.identity.as_of


def _latest_user_event(tracker) -> Optional[dict]:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event
    return None


def _is_external(event: Optional[dict]) -> bool:
    metadata = (event or {}).get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("is_external"))


def _verified_identity(tracker) -> Optional[VerifiedIdentity]:
    """The identity of the latest user message; for an external event (a reminder firing), of
    the latest user message of this conversation that has one."""
    sender = tracker.sender_id
    latest = _latest_user_event(tracker)
    if latest is None:
        return verify((tracker.latest_message or {}).get("metadata"), sender)
    if not _is_external(latest):
        return verify(latest.get("metadata"), sender)
    for event in reversed(tracker.events or []):
        if event.get("event") == "user" and not _is_external(event):
            found = verify(event.get("metadata"), sender)
            if found is not None:
                return found
    return None


def channel_identity(tracker) -> ChannelIdentity:
    """The verified identity of the user behind the latest message.

    Without one the user is anonymous (``ChannelIdentity(None, None)``): never linked.
    """
    verified = _verified_identity(tracker)
    if verified is None:
        return ChannelIdentity(None, None)
    return ChannelIdentity(verified.channel, verified.subject, verified.day if dev_mode() else None)


def _reminder_being_delivered(tracker) -> Optional[str]:
    """The ``reminder_id`` of an external reminder event that is the latest user event."""
    latest = _latest_user_event(tracker)
    if not _is_external(latest):
        return None
    for entity in (latest.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "reminder_id" and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


async def _borrower_of_reminder(client, tracker, reminder_id: str) -> Optional[str]:
    """A reminder's turn: the ledger says whose reminder it is and for which conversation; it
    was created there by a verified borrower, and only the ledger's scheduler (with Rasa's API
    token) can fire it. Counts only when it is *this* conversation."""
    try:
        borrower_id, reminder = await client.reminder_delivery(reminder_id)
    except NotFound:
        return None
    return borrower_id if reminder.conversation_id == tracker.sender_id else None


async def load_account(tracker, *, with_loans: bool = True) -> Account:
    """Resolve the user to a borrower and (by default) load their loans as of ``as_of``.

    A reminder's turn whose conversation has no verified message in its latest session (the
    next month's reminder, say) is resolved through the reminder itself."""
    identity = channel_identity(tracker)
    reminder_id = None if identity.complete else _reminder_being_delivered(tracker)
    if not identity.complete and reminder_id is None:
        return Account(UNLINKED, identity, message_zh=LINK_HELP_ZH)
    client = loans_client.get_client()
    try:
        if identity.complete:
            borrower_id = await client.resolve_identity(identity.channel, identity.external_id)
        else:
            borrower_id = await _borrower_of_reminder(client, tracker, reminder_id)
            if borrower_id is None:
                return Account(UNLINKED, identity, message_zh=LINK_HELP_ZH)
    except NotFound:
        return Account(UNLINKED, identity, message_zh=LINK_HELP_ZH)
    except LoanServiceError as error:
        return _unavailable(identity, error)
    if not with_loans:
        return Account(LINKED, identity, borrower_id=borrower_id)
    try:
        overview = await client.get_loans(borrower_id, as_of=identity.as_of)
    except NotFound:
        return Account(UNLINKED, identity, message_zh=LINK_HELP_ZH)
    except LoanServiceError as error:
        return _unavailable(identity, error)
    return Account(LINKED, identity, borrower_id=borrower_id, overview=overview)


async def loans_on(account: Account, day: date) -> Optional[LoanOverview]:
    """The borrower's loans as they will stand at the end of ``day`` if nothing more is repaid
    (the ledger counts only repayments made by then): every installment falling due before it
    is overdue, each with its own days and penalty. None when the account has no borrower or
    the ledger cannot answer (the caller falls back to an estimate)."""
    if not account.linked or account.borrower_id is None:
        return None
    try:
        return await loans_client.get_client().get_loans(account.borrower_id, as_of=day)
    except LoanServiceError as error:
        log.warning("loan projection unavailable: %s", type(error).__name__)
        return None


async def repayment_preview(
    account: Account, loan_id: str, amount: Decimal, horizon: Optional[date] = None
) -> Optional[RepaymentPreview]:
    """What repaying ``amount`` on the account's day would do to the loan, booked nowhere (the
    ledger's preview, compared ``horizon`` or 30 days on). None when the account has no borrower
    or the ledger cannot answer (the caller says the rule without figures)."""
    if not account.linked or account.borrower_id is None:
        return None
    try:
        return await loans_client.get_client().preview_repayment(
            account.borrower_id, loan_id, amount, as_of=account.today, horizon=horizon
        )
    except LoanServiceError as error:
        log.warning("repayment preview unavailable: %s", type(error).__name__)
        return None


def _unavailable(identity: ChannelIdentity, error: LoanServiceError) -> Account:
    if not isinstance(error, ServiceUnavailable):
        # 401/403/400 from the ledger is a configuration problem of ours, not the user's
        log.error("loan service refused a lookup for %s: %s", identity.channel, error)
    return Account(UNAVAILABLE, identity, message_zh=UNAVAILABLE_ZH)


__all__ = [
    "LINKED",
    "UNLINKED",
    "UNAVAILABLE",
    "LINK_HELP_ZH",
    "UNAVAILABLE_ZH",
    "ChannelIdentity",
    "Account",
    "channel_identity",
    "load_account",
    "loans_on",
    "repayment_preview",
]
