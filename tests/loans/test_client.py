"""The async client against the real service (and against failing servers)."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from aiohttp import web

from bot.loans import client as client_module
from bot.loans.client import LoanClient, NotFound, Rejected, ServiceUnavailable
from bot.loans.service import create_app

from .conftest import TODAY, TOKEN


@pytest.fixture
async def live_url(aiohttp_server, seeded_url, policy):
    server = await aiohttp_server(create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy))
    return str(server.make_url("")).rstrip("/")


async def test_client_round_trip(live_url):
    async with LoanClient(live_url, TOKEN) as loans:
        assert (await loans.health())["status"] == "ok"
        borrower = await loans.resolve_identity("widget", "demo-two-months")
        overview = await loans.get_loans(borrower, as_of=TODAY)
        assert overview.display_name and overview.as_of == TODAY
        [loan] = overview.loans
        assert isinstance(loan.amount_due, Decimal) and isinstance(loan.next_due_date, date)
        assert loan.overdue_days == 61 and loan.report_status == "3"
        assert loan.penalty_accrued > 0 and loan.annual_rate == Decimal("0.18")
        assert overview.totals.amount_due == loan.amount_due

        preview = await loans.preview_repayment(borrower, loan.loan_id, Decimal("100.00"))
        assert preview.paid_on == TODAY and preview.amount == Decimal("100.00")
        assert preview.before.overdue_total == loan.overdue_total
        assert preview.before.penalty_per_day > 0 and preview.penalty_saved_by_horizon >= 0
        later = await loans.preview_repayment(
            borrower, loan.loan_id, "100", horizon=date(2027, 1, 1), as_of=TODAY
        )
        assert later.horizon == date(2027, 1, 1)
        assert later.before_at_horizon.overdue_days > preview.before_at_horizon.overdue_days
        paid = await loans.create_repayment(borrower, loan.loan_id, Decimal("100.00"), "c-1")
        again = await loans.create_repayment(borrower, loan.loan_id, Decimal("100.00"), "c-1")
        assert paid.repayment_id == again.repayment_id and again.replayed and not paid.replayed
        assert paid.penalty + paid.interest + paid.principal == Decimal("100.00")
        assert (paid.penalty, paid.interest, paid.principal) == (
            preview.penalty,
            preview.interest,
            preview.principal,
        )
        assert paid.loan.amount_due == loan.amount_due - Decimal("100.00")

        relief = await loans.create_relief_request(
            borrower,
            kind="restructuring",
            reason="失业了，想分期",
            affordable_monthly="600",
            loan_id=loan.loan_id,
            idempotency_key="c-relief",
        )
        assert relief.status == "received" and relief.affordable_monthly == Decimal("600.00")
        [listed] = await loans.list_relief_requests(borrower)
        assert listed.reference == relief.reference and listed.loan_id == loan.loan_id
        assert listed.reason == "失业了，想分期" and listed.requested_on == TODAY

        reminder = await loans.create_reminder(
            borrower,
            remind_on=date(2026, 12, 20),
            channel="wechat",
            days_before=3,
            conversation_id="o-openid-1",
            loan_id=loan.loan_id,
            idempotency_key="c-rem",
        )
        assert reminder.status == "scheduled" and reminder.pending
        assert reminder.conversation_id == "o-openid-1" and reminder.attempts == 0
        assert reminder.remind_at.isoformat() == "2026-12-20T09:00:00+08:00"
        assert [r.reminder_id for r in await loans.list_reminders(borrower)] == [
            reminder.reminder_id
        ]
        assert await loans.get_reminder(borrower, reminder.reminder_id) == reminder
        with pytest.raises(NotFound):
            await loans.get_reminder("demo-up-to-date", reminder.reminder_id)
        assert (await loans.cancel_reminder(borrower, reminder.reminder_id)).status == "cancelled"
        assert await loans.list_reminders(borrower, status="active") == []


async def test_client_typed_errors(live_url):
    async with LoanClient(live_url, TOKEN) as loans:
        with pytest.raises(NotFound) as missing:
            await loans.resolve_identity("wechat", "o-unknown-openid")
        assert missing.value.code == "identity_not_found" and missing.value.message_zh
        with pytest.raises(NotFound):
            await loans.get_loans("nobody")
        with pytest.raises(Rejected) as rejected:
            await loans.create_repayment("demo-up-to-date", "demo-two-months-jiebei", "5", "x-1")
        assert rejected.value.code == "unknown_loan" and rejected.value.status == 400
        with pytest.raises(Rejected) as too_much:
            await loans.create_repayment("demo-up-to-date", "demo-up-to-date-jiebei", "1000", "x-2")
        assert too_much.value.details["max_amount"] == "899.75"
        with pytest.raises(TypeError):
            await loans.create_repayment("demo-up-to-date", "demo-up-to-date-jiebei", 1.5, "x-3")
    async with LoanClient(live_url, "wrong-token") as intruder:
        with pytest.raises(Rejected) as forbidden:
            await intruder.get_loans("demo-up-to-date")
        assert forbidden.value.status == 403
    async with LoanClient(live_url, "") as anonymous:
        with pytest.raises(Rejected) as unauthorized:
            await anonymous.get_loans("demo-up-to-date")
        assert unauthorized.value.status == 401


async def test_get_is_retried_a_bounded_number_of_times(aiohttp_server):
    hits = {"get": 0, "post": 0}

    async def failing_get(request):
        hits["get"] += 1
        return web.json_response({"error": {"code": "boom"}}, status=503)

    async def failing_post(request):
        hits["post"] += 1
        return web.Response(status=502, text="bad gateway")

    app = web.Application()
    app.router.add_get("/v1/borrowers/{b}/loans", failing_get)
    app.router.add_post("/v1/borrowers/{b}/repayments", failing_post)
    server = await aiohttp_server(app)
    async with LoanClient(
        str(server.make_url("")), TOKEN, get_retries=2, retry_backoff=0.01
    ) as loans:
        with pytest.raises(ServiceUnavailable) as down:
            await loans.get_loans("demo-up-to-date")
        assert down.value.message_zh == "账户信息暂时查不到，请稍后再试。"
        with pytest.raises(ServiceUnavailable):
            await loans.create_repayment("b", "l", "1", "k")
    assert hits == {"get": 3, "post": 1}


async def test_unreachable_and_slow_services_are_unavailable(aiohttp_server, unused_tcp_port):
    async with LoanClient(
        f"http://127.0.0.1:{unused_tcp_port}", TOKEN, get_retries=1, retry_backoff=0.01
    ) as loans:
        with pytest.raises(ServiceUnavailable):
            await loans.get_loans("demo-up-to-date")

    async def slow(request):
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/health", slow)
    server = await aiohttp_server(app)
    async with LoanClient(str(server.make_url("")), TOKEN, timeout=0.2, get_retries=0) as loans:
        with pytest.raises(ServiceUnavailable):
            await loans.health()


async def test_one_client_and_session_per_process(monkeypatch, live_url):
    monkeypatch.setenv("LOAN_SERVICE_URL", live_url)
    monkeypatch.setenv("LOAN_SERVICE_TOKEN", TOKEN)
    await client_module.close_client()
    first = client_module.get_client()
    assert client_module.get_client() is first
    await first.get_loans("demo-up-to-date", as_of=TODAY)
    session = first._session
    await first.get_loans("demo-one-yuan", as_of=TODAY)
    assert first._session is session
    await client_module.close_client()
    assert session.closed and client_module.get_client() is not first
    await client_module.close_client()
