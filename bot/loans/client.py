"""Async client of the loan-status service, used by the Rasa actions and the channels.

One :class:`LoanClient` per process (:func:`get_client`), holding one aiohttp
``ClientSession`` per event loop.  GETs are retried a bounded number of times on connection
errors, timeouts and 5xx answers; POSTs are not retried here, but they carry an
``Idempotency-Key``, so a caller may safely retry one with the same key.

Failures are typed, each with a polite Chinese sentence the bot can show as is:

* :class:`NotFound`            unknown borrower, unlinked identity, unknown reminder (404)
* :class:`Rejected`            the service refused the request (400/401/403/409): its code and
                               Chinese message (``unknown_loan``, ``amount_exceeds_due`` ...)
* :class:`ServiceUnavailable`  cannot reach the service, timeouts, 5xx (after the retries)

Point ``LOAN_SERVICE_URL`` / ``LOAN_SERVICE_TOKEN`` at a lender's own implementation of the
same API and the bot works against it unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

import aiohttp

from bot.loans import config

log = logging.getLogger(__name__)

UNAVAILABLE_ZH = "账户信息暂时查不到，请稍后再试。"
NOT_FOUND_ZH = "没有找到你的借款账户信息，请确认登录的账号是否正确。"
REJECTED_ZH = "这个请求没有办理成功，请核对信息后再试。"


class LoanServiceError(Exception):
    """Base of the client's errors: ``code`` and a Chinese ``message_zh`` for the borrower."""

    default_message_zh = REJECTED_ZH

    def __init__(
        self,
        message_zh: Optional[str] = None,
        code: str = "error",
        *,
        status: Optional[int] = None,
        message_en: str = "",
        details=None,
    ):
        self.message_zh = message_zh or self.default_message_zh
        self.code = code
        self.status = status
        self.message_en = message_en
        self.details = details or {}
        super().__init__(f"{code}: {message_en or self.message_zh}")


class NotFound(LoanServiceError):
    default_message_zh = NOT_FOUND_ZH


class ServiceUnavailable(LoanServiceError):
    default_message_zh = UNAVAILABLE_ZH


class Rejected(LoanServiceError):
    default_message_zh = REJECTED_ZH


# -- typed answers ----------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _opt_date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


def _opt_money(value: Any) -> Optional[Decimal]:
    return None if value is None else _money(value)


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


@dataclass(frozen=True)
class LoanSummary:
    loan_id: str
    product: str
    principal: Decimal
    outstanding_principal: Decimal
    annual_rate: Decimal
    daily_rate: Decimal
    method: str
    term_months: int
    next_due_date: Optional[date]
    next_due_amount: Decimal
    amount_due: Decimal
    overdue_days: int
    overdue_principal: Decimal
    overdue_interest: Decimal
    penalty_accrued: Decimal
    penalty_provisional: Decimal
    overdue_total: Decimal
    report_status: str
    classification: str
    settled: bool
    start_date: Optional[date] = None
    due_day: Optional[int] = None
    rate_basis: str = "annual"
    # where the schedule stands (None from a ledger that does not send them)
    periods_left: Optional[int] = None
    periods_overdue: Optional[int] = None
    last_due_date: Optional[date] = None
    interest_left: Optional[Decimal] = None
    interest_paid: Optional[Decimal] = None
    # what the next installment's unpaid amount is made of
    next_due_principal: Optional[Decimal] = None
    next_due_interest: Optional[Decimal] = None

    @classmethod
    def from_json(cls, data: dict) -> "LoanSummary":
        return cls(
            loan_id=data["loan_id"],
            product=data["product"],
            principal=_money(data["principal"]),
            outstanding_principal=_money(data["outstanding_principal"]),
            annual_rate=Decimal(data["annual_rate"]),
            daily_rate=Decimal(data["daily_rate"]),
            method=data["method"],
            term_months=int(data["term_months"]),
            next_due_date=_opt_date(data.get("next_due_date")),
            next_due_amount=_money(data.get("next_due_amount", "0")),
            amount_due=_money(data["amount_due"]),
            overdue_days=int(data["overdue_days"]),
            overdue_principal=_money(data["overdue_principal"]),
            overdue_interest=_money(data["overdue_interest"]),
            penalty_accrued=_money(data["penalty_accrued"]),
            penalty_provisional=_money(data.get("penalty_provisional", "0")),
            overdue_total=_money(data.get("overdue_total", "0")),
            report_status=data["report_status"],
            classification=data["classification"],
            settled=bool(data.get("settled", False)),
            start_date=_opt_date(data.get("start_date")),
            due_day=data.get("due_day"),
            rate_basis=data.get("rate_basis", "annual"),
            periods_left=_opt_int(data.get("periods_left")),
            periods_overdue=_opt_int(data.get("periods_overdue")),
            last_due_date=_opt_date(data.get("last_due_date")),
            interest_left=_opt_money(data.get("interest_left")),
            interest_paid=_opt_money(data.get("interest_paid")),
            next_due_principal=_opt_money(data.get("next_due_principal")),
            next_due_interest=_opt_money(data.get("next_due_interest")),
        )


@dataclass(frozen=True)
class LoanTotals:
    loan_count: int
    principal: Decimal
    outstanding_principal: Decimal
    amount_due: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    penalty_accrued: Decimal
    overdue_total: Decimal
    overdue_days: int
    next_due_date: Optional[date]

    @classmethod
    def from_json(cls, data: dict) -> "LoanTotals":
        return cls(
            loan_count=int(data["loan_count"]),
            principal=_money(data["principal"]),
            outstanding_principal=_money(data["outstanding_principal"]),
            amount_due=_money(data["amount_due"]),
            overdue_principal=_money(data["overdue_principal"]),
            overdue_interest=_money(data["overdue_interest"]),
            penalty_accrued=_money(data["penalty_accrued"]),
            overdue_total=_money(data["overdue_total"]),
            overdue_days=int(data["overdue_days"]),
            next_due_date=_opt_date(data.get("next_due_date")),
        )


@dataclass(frozen=True)
class LoanOverview:
    borrower_id: str
    display_name: str
    as_of: date
    loans: tuple[LoanSummary, ...]
    totals: LoanTotals

    @classmethod
    def from_json(cls, data: dict) -> "LoanOverview":
        return cls(
            borrower_id=data["borrower_id"],
            display_name=data["display_name"],
            as_of=date.fromisoformat(data["as_of"]),
            loans=tuple(LoanSummary.from_json(item) for item in data["loans"]),
            totals=LoanTotals.from_json(data["totals"]),
        )

    def loan(self, loan_id: str) -> Optional[LoanSummary]:
        return next((item for item in self.loans if item.loan_id == loan_id), None)


@dataclass(frozen=True)
class Repayment:
    repayment_id: str
    loan_id: str
    paid_on: date
    amount: Decimal
    penalty: Decimal
    interest: Decimal
    principal: Decimal
    loan: LoanSummary  # the loan right after the repayment
    replayed: bool = False

    @classmethod
    def from_json(cls, data: dict, replayed: bool = False) -> "Repayment":
        r = data["repayment"]
        return cls(
            repayment_id=r["repayment_id"],
            loan_id=r["loan_id"],
            paid_on=date.fromisoformat(r["paid_on"]),
            amount=_money(r["amount"]),
            penalty=_money(r["penalty"]),
            interest=_money(r["interest"]),
            principal=_money(r["principal"]),
            loan=LoanSummary.from_json(data["loan"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class LoanPosition:
    """One side of a :class:`RepaymentPreview`: the loan at the end of a day."""

    overdue_days: int
    overdue_principal: Decimal
    overdue_interest: Decimal
    penalty_accrued: Decimal
    overdue_total: Decimal
    amount_due: Decimal
    outstanding_principal: Decimal
    penalty_charged: Decimal
    report_status: str
    penalty_per_day: Optional[Decimal] = None

    @classmethod
    def from_json(cls, data: dict) -> "LoanPosition":
        return cls(
            overdue_days=int(data["overdue_days"]),
            overdue_principal=_money(data["overdue_principal"]),
            overdue_interest=_money(data["overdue_interest"]),
            penalty_accrued=_money(data["penalty_accrued"]),
            overdue_total=_money(data["overdue_total"]),
            amount_due=_money(data["amount_due"]),
            outstanding_principal=_money(data["outstanding_principal"]),
            penalty_charged=_money(data["penalty_charged"]),
            report_status=data["report_status"],
            penalty_per_day=_opt_money(data.get("penalty_per_day")),
        )


@dataclass(frozen=True)
class RepaymentPreview:
    """What a repayment would do, booked nowhere (``GET …/repayment-preview``)."""

    loan_id: str
    product: str
    paid_on: date
    requested: Decimal
    amount: Decimal  # what would be applied: at most the amount due
    penalty: Decimal
    interest: Decimal
    principal: Decimal
    before: LoanPosition
    after: LoanPosition
    horizon: date
    before_at_horizon: LoanPosition
    after_at_horizon: LoanPosition
    penalty_saved_by_horizon: Decimal

    @classmethod
    def from_json(cls, data: dict) -> "RepaymentPreview":
        p = data["preview"]
        return cls(
            loan_id=p["loan_id"],
            product=p["product"],
            paid_on=date.fromisoformat(p["paid_on"]),
            requested=_money(p["requested"]),
            amount=_money(p["amount"]),
            penalty=_money(p["penalty"]),
            interest=_money(p["interest"]),
            principal=_money(p["principal"]),
            before=LoanPosition.from_json(p["before"]),
            after=LoanPosition.from_json(p["after"]),
            horizon=date.fromisoformat(p["horizon"]),
            before_at_horizon=LoanPosition.from_json(p["before_at_horizon"]),
            after_at_horizon=LoanPosition.from_json(p["after_at_horizon"]),
            penalty_saved_by_horizon=_money(p["penalty_saved_by_horizon"]),
        )


@dataclass(frozen=True)
class ReliefRequest:
    reference: str
    status: str
    kind: str
    loan_id: Optional[str]
    reason: str
    affordable_monthly: Optional[Decimal]
    requested_on: date
    replayed: bool = False

    @classmethod
    def from_json(cls, data: dict, replayed: bool = False) -> "ReliefRequest":
        return cls.from_record(data["relief_request"], replayed)

    @classmethod
    def from_record(cls, r: dict, replayed: bool = False) -> "ReliefRequest":
        return cls(
            reference=r["reference"],
            status=r["status"],
            kind=r["kind"],
            loan_id=r["loan_id"],
            reason=r["reason"],
            affordable_monthly=(
                None if r["affordable_monthly"] is None else _money(r["affordable_monthly"])
            ),
            requested_on=date.fromisoformat(r["requested_on"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class Reminder:
    reminder_id: str
    loan_id: Optional[str]
    remind_on: date
    days_before: int
    channel: str
    status: str  # scheduled | firing | sent | cancelled | failed
    remind_at: Optional[datetime] = None  # the due instant (aware)
    conversation_id: Optional[str] = None
    attempts: int = 0
    last_error: Optional[str] = None
    sent_at: Optional[datetime] = None
    previous_id: Optional[str] = None

    @property
    def pending(self) -> bool:
        """Still to be delivered (``status=active`` in the API)."""
        return self.status in ("scheduled", "firing")

    @classmethod
    def from_json(cls, r: dict) -> "Reminder":
        return cls(
            reminder_id=r["reminder_id"],
            loan_id=r["loan_id"],
            remind_on=date.fromisoformat(r["remind_on"]),
            days_before=int(r["days_before"]),
            channel=r["channel"],
            status=r["status"],
            remind_at=_opt_instant(r.get("remind_at")),
            conversation_id=r.get("conversation_id"),
            attempts=int(r.get("attempts") or 0),
            last_error=r.get("last_error"),
            sent_at=_opt_instant(r.get("sent_at")),
            previous_id=r.get("previous_id"),
        )


def _opt_instant(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


# -- the client -------------------------------------------------------------------------------


class LoanClient:
    def __init__(
        self,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 5.0,
        get_retries: int = 2,
        retry_backoff: float = 0.2,
    ):
        self.base_url = (base_url or config.service_url()).rstrip("/")
        self.token = token if token is not None else config.service_token()
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        self.get_retries = max(0, int(get_retries))
        self.retry_backoff = retry_backoff
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # session per event loop: created lazily inside the running loop
    def _http(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            headers = {"Accept": "application/json"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            self._session = aiohttp.ClientSession(headers=headers, timeout=self.timeout)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            if self._loop is asyncio.get_running_loop():
                await self._session.close()
        self._session = None
        self._loop = None

    async def __aenter__(self) -> "LoanClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params=None,
        json_body=None,
        idempotency_key: Optional[str] = None,
    ) -> tuple[int, dict, bool]:
        attempts = 1 + (self.get_retries if method == "GET" else 0)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        last_problem = "no attempt"
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.retry_backoff * (2 ** (attempt - 1)))
            try:
                async with self._http().request(
                    method, self.base_url + path, params=params, json=json_body, headers=headers
                ) as resp:
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
                    if resp.status >= 500:
                        last_problem = f"HTTP {resp.status}"
                        continue
                    if not isinstance(body, dict):
                        raise ServiceUnavailable(
                            code="bad_response",
                            status=resp.status,
                            message_en="The service did not answer JSON.",
                        )
                    if resp.status >= 400:
                        raise _error_from(resp.status, body)
                    replayed = resp.headers.get("Idempotent-Replayed") == "true"
                    return resp.status, body, replayed
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                continue
        log.warning(
            "loan service %s %s failed after %d attempt(s): %s",
            method,
            route_of(path),
            attempts,
            last_problem.split(":")[0],
        )
        raise ServiceUnavailable(code="service_unavailable", message_en=last_problem)

    async def health(self) -> dict:
        _status, body, _ = await self._request("GET", "/health")
        return body

    async def resolve_identity(self, channel: str, external_id: str) -> str:
        """The borrower id linked to a channel user; :class:`NotFound` when unlinked."""
        _s, body, _ = await self._request(
            "GET", f"/v1/identities/{_seg(channel)}/{_seg(external_id)}"
        )
        return body["borrower_id"]

    async def get_loans(self, borrower_id: str, as_of: Optional[date] = None) -> LoanOverview:
        params = {"as_of": as_of.isoformat()} if as_of else None
        _s, body, _ = await self._request(
            "GET", f"/v1/borrowers/{_seg(borrower_id)}/loans", params=params
        )
        return LoanOverview.from_json(body)

    async def create_repayment(
        self,
        borrower_id: str,
        loan_id: str,
        amount: Decimal | str,
        idempotency_key: str,
        *,
        channel: Optional[str] = None,
    ) -> Repayment:
        payload = {"loan_id": loan_id, "amount": _amount(amount)}
        if channel:
            payload["channel"] = channel
        _s, body, replayed = await self._request(
            "POST",
            f"/v1/borrowers/{_seg(borrower_id)}/repayments",
            json_body=payload,
            idempotency_key=idempotency_key,
        )
        return Repayment.from_json(body, replayed)

    async def preview_repayment(
        self,
        borrower_id: str,
        loan_id: str,
        amount: Decimal | str,
        *,
        as_of: Optional[date] = None,
        horizon: Optional[date] = None,
    ) -> RepaymentPreview:
        """What repaying ``amount`` on ``as_of`` (default the ledger's today) would do; nothing
        is booked, so the call is retried like any read."""
        params = {"loan_id": loan_id, "amount": _amount(amount)}
        if as_of:
            params["as_of"] = as_of.isoformat()
        if horizon:
            params["horizon"] = horizon.isoformat()
        _s, body, _ = await self._request(
            "GET", f"/v1/borrowers/{_seg(borrower_id)}/repayment-preview", params=params
        )
        return RepaymentPreview.from_json(body)

    async def create_relief_request(
        self,
        borrower_id: str,
        *,
        kind: str,
        reason: str,
        affordable_monthly: Decimal | str | None = None,
        loan_id: Optional[str] = None,
        idempotency_key: str,
        channel: Optional[str] = None,
        as_of: Optional[date] = None,
    ) -> ReliefRequest:
        """File a relief request; ``as_of`` files it on that day (development's simulated day)
        instead of the ledger's today."""
        payload: dict[str, Any] = {"kind": kind, "reason": reason}
        if affordable_monthly is not None:
            payload["affordable_monthly"] = _amount(affordable_monthly)
        if loan_id:
            payload["loan_id"] = loan_id
        if channel:
            payload["channel"] = channel
        _s, body, replayed = await self._request(
            "POST",
            f"/v1/borrowers/{_seg(borrower_id)}/relief-requests",
            params={"as_of": as_of.isoformat()} if as_of else None,
            json_body=payload,
            idempotency_key=idempotency_key,
        )
        return ReliefRequest.from_json(body, replayed)

    async def list_relief_requests(self, borrower_id: str) -> list[ReliefRequest]:
        """The borrower's relief requests, newest first."""
        _s, body, _ = await self._request(
            "GET", f"/v1/borrowers/{_seg(borrower_id)}/relief-requests"
        )
        return [ReliefRequest.from_record(r) for r in body["relief_requests"]]

    async def create_reminder(
        self,
        borrower_id: str,
        *,
        remind_on: date,
        channel: str,
        conversation_id: str,
        days_before: int = 0,
        loan_id: Optional[str] = None,
        remind_at: Optional[datetime] = None,
        idempotency_key: str,
    ) -> Reminder:
        """A reminder the ledger delivers into the Rasa conversation ``conversation_id`` at
        ``remind_at`` (default: 09:00 ledger time on ``remind_on``)."""
        payload: dict[str, Any] = {
            "remind_on": remind_on.isoformat(),
            "days_before": days_before,
            "channel": channel,
            "conversation_id": conversation_id,
        }
        if loan_id:
            payload["loan_id"] = loan_id
        if remind_at is not None:
            payload["remind_at"] = remind_at.isoformat()
        _s, body, _ = await self._request(
            "POST",
            f"/v1/borrowers/{_seg(borrower_id)}/reminders",
            json_body=payload,
            idempotency_key=idempotency_key,
        )
        return Reminder.from_json(body["reminder"])

    async def get_reminder(self, borrower_id: str, reminder_id: str) -> Reminder:
        """One of the borrower's reminders; :class:`NotFound` for anyone else's."""
        _s, body, _ = await self._request(
            "GET", f"/v1/borrowers/{_seg(borrower_id)}/reminders/{_seg(reminder_id)}"
        )
        return Reminder.from_json(body["reminder"])

    async def reminder_delivery(self, reminder_id: str) -> tuple[str, Reminder]:
        """The borrower a reminder belongs to, and the reminder (with its conversation)."""
        _s, body, _ = await self._request("GET", f"/v1/reminders/{_seg(reminder_id)}")
        return body["borrower_id"], Reminder.from_json(body["reminder"])

    async def list_reminders(
        self, borrower_id: str, *, status: Optional[str] = None
    ) -> list[Reminder]:
        params = {"status": status} if status else None
        _s, body, _ = await self._request(
            "GET", f"/v1/borrowers/{_seg(borrower_id)}/reminders", params=params
        )
        return [Reminder.from_json(r) for r in body["reminders"]]

    async def cancel_reminder(self, borrower_id: str, reminder_id: str) -> Reminder:
        _s, body, _ = await self._request(
            "DELETE", f"/v1/borrowers/{_seg(borrower_id)}/reminders/{_seg(reminder_id)}"
        )
        return Reminder.from_json(body["reminder"])


_IDS_IN_PATH = re.compile(
    r"/(borrowers|reminders|repayments|relief-requests)/[^/?]+|/identities/[^/?]+/[^/?]+"
)


def route_of(path: str) -> str:
    """The path without the ids in it (logs name the route, never a borrower)."""
    return _IDS_IN_PATH.sub(
        lambda m: f"/{m.group(1)}/{{id}}" if m.group(1) else "/identities/{channel}/{id}",
        path.split("?", 1)[0],
    )


def _seg(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _amount(value: Decimal | str | int) -> str:
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or str, never float")
    return str(value)


def _error_from(status: int, body: dict) -> LoanServiceError:
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    kwargs = dict(
        code=error.get("code", f"http_{status}"),
        status=status,
        message_en=error.get("message_en", ""),
        details=error.get("details"),
    )
    if status == 404:
        return NotFound(error.get("message_zh"), **kwargs)
    return Rejected(error.get("message_zh"), **kwargs)


_client: Optional[LoanClient] = None


def get_client() -> LoanClient:
    """The per-process client (configured from the environment on first use)."""
    global _client
    if _client is None:
        _client = LoanClient()
    return _client


async def close_client() -> None:
    global _client
    if _client is not None:
        await _client.close()
        _client = None
