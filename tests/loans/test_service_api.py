"""The service's API contract: auth, isolation between borrowers, bad input, reminders,
relief requests -- against the real service on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.loans.db import Database
from bot.loans.models import Repayment
from bot.loans.service import create_app

from .conftest import TODAY, TOKEN

V1_GETS = [
    "/v1/identities/shell/demo-up-to-date",
    "/v1/borrowers/demo-up-to-date/loans",
    "/v1/borrowers/demo-up-to-date/reminders",
]


async def error_of(resp, status: int) -> dict:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    error = body["error"]
    assert error["code"] and error["message_zh"] and error["message_en"]
    return error


async def test_health_needs_no_token(api):
    resp = await api.get("/health")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"


@pytest.mark.parametrize("path", V1_GETS)
async def test_token_required_on_every_v1_call(api, path):
    error = await error_of(await api.get(path), 401)
    assert error["code"] == "unauthorized"
    resp = await api.get(path, headers={"Authorization": "Bearer wrong-token"})
    error = await error_of(resp, 403)
    assert "borrower" not in await resp.text()
    await error_of(await api.get(path, headers={"Authorization": f"Basic {TOKEN}"}), 401)


async def test_bad_token_cannot_write(api, seeded_url):
    for path in (
        "/v1/borrowers/demo-two-months/repayments",
        "/v1/borrowers/demo-two-months/relief-requests",
        "/v1/borrowers/demo-two-months/reminders",
    ):
        resp = await api.post(
            path,
            json={"loan_id": "demo-two-months-jiebei", "amount": "1"},
            headers={"Authorization": "Bearer nope", "Idempotency-Key": "k"},
        )
        await error_of(resp, 403)
    assert await repayment_count(seeded_url) == _seeded_repayments()


def _seeded_repayments() -> int:
    # up-to-date 3, two-months 2, one-yuan 2, multi-debt 2 + 1 + 3
    return 13


async def repayment_count(url: str, borrower_id: str | None = None) -> int:
    db = Database(url)
    try:
        async with db.read_session() as session:
            query = select(func.count()).select_from(Repayment)
            if borrower_id:
                query = query.where(Repayment.borrower_id == borrower_id)
            return await session.scalar(query)
    finally:
        await db.dispose()


async def test_identity_resolves_to_its_own_borrower_only(api, auth):
    for channel in ("shell", "widget", "wechat"):
        for borrower in ("demo-up-to-date", "demo-two-months", "demo-one-yuan", "demo-multi-debt"):
            resp = await api.get(f"/v1/identities/{channel}/{borrower}", headers=auth)
            assert resp.status == 200
            assert (await resp.json())["borrower_id"] == borrower
    error = await error_of(await api.get("/v1/identities/wechat/unknown-openid", headers=auth), 404)
    assert error["code"] == "identity_not_found"
    resp = await api.get("/v1/identities/shell/demo-up-to-date%2Fx", headers=auth)
    assert (await error_of(resp, 400))["code"] == "invalid_external_id"


async def test_borrowers_cannot_touch_each_others_loans(api, auth, seeded_url):
    resp = await api.get("/v1/borrowers/demo-up-to-date/loans", headers=auth)
    loans = (await resp.json())["loans"]
    assert {loan["loan_id"] for loan in loans} == {"demo-up-to-date-jiebei"}
    # paying another borrower's loan through this borrower: refused, nothing recorded
    resp = await api.post(
        "/v1/borrowers/demo-up-to-date/repayments",
        json={"loan_id": "demo-two-months-jiebei", "amount": "10.00"},
        headers={**auth, "Idempotency-Key": "cross-1"},
    )
    assert (await error_of(resp, 400))["code"] == "unknown_loan"
    assert await repayment_count(seeded_url, "demo-two-months") == 2
    # another borrower's reminder can be neither listed nor cancelled
    resp = await api.post(
        "/v1/borrowers/demo-two-months/reminders",
        json={
            "remind_on": (TODAY + timedelta(days=3)).isoformat(),
            "days_before": 3,
            "channel": "wechat",
            "conversation_id": "o-openid-2",
        },
        headers={**auth, "Idempotency-Key": "rem-1"},
    )
    assert resp.status == 201
    reminder_id = (await resp.json())["reminder"]["reminder_id"]
    resp = await api.get("/v1/borrowers/demo-up-to-date/reminders", headers=auth)
    assert (await resp.json())["reminders"] == []
    resp = await api.delete(f"/v1/borrowers/demo-up-to-date/reminders/{reminder_id}", headers=auth)
    assert (await error_of(resp, 404))["code"] == "reminder_not_found"
    resp = await api.get(f"/v1/borrowers/demo-up-to-date/reminders/{reminder_id}", headers=auth)
    assert (await error_of(resp, 404))["code"] == "reminder_not_found"
    resp = await api.get("/v1/borrowers/demo-two-months/reminders", headers=auth)
    assert [r["status"] for r in (await resp.json())["reminders"]] == ["scheduled"]


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "malformed_json"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "-5"}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": -5}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "0"}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "abc"}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "NaN"}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "1e400"}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": 12.345}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": true}', "invalid_amount"),
        (b'{"loan_id": "demo-two-months-jiebei"}', "invalid_amount"),
        (b'{"loan_id": "no-such-loan", "amount": "10"}', "unknown_loan"),
        (b'{"loan_id": 42, "amount": "10"}', "invalid_loan_id"),
        (b'{"loan_id": "demo-two-months-jiebei", "amount": "999999"}', "amount_exceeds_due"),
    ],
)
async def test_bad_repayments_get_400_and_change_nothing(api, auth, seeded_url, body, code):
    resp = await api.post(
        "/v1/borrowers/demo-two-months/repayments",
        data=body,
        headers={**auth, "Idempotency-Key": "bad-1", "Content-Type": "application/json"},
    )
    assert (await error_of(resp, 400))["code"] == code
    assert await repayment_count(seeded_url, "demo-two-months") == 2


async def test_other_errors(api, auth):
    resp = await api.get("/v1/borrowers/nobody/loans", headers=auth)
    assert (await error_of(resp, 404))["code"] == "borrower_not_found"
    resp = await api.post(
        "/v1/borrowers/nobody/repayments",
        json={"loan_id": "x", "amount": "1"},
        headers={**auth, "Idempotency-Key": "k1"},
    )
    assert (await error_of(resp, 404))["code"] == "borrower_not_found"
    resp = await api.get("/v1/borrowers/demo-up-to-date/loans?as_of=2026-13-45", headers=auth)
    assert (await error_of(resp, 400))["code"] == "invalid_as_of"
    resp = await api.post(
        "/v1/borrowers/demo-two-months/repayments",
        json={"loan_id": "demo-two-months-jiebei", "amount": "1"},
        headers=auth,
    )
    assert (await error_of(resp, 400))["code"] == "missing_idempotency_key"
    resp = await api.post(
        "/v1/borrowers/demo-up-to-date/repayments",
        json={"loan_id": "demo-up-to-date-jiebei", "amount": "899.76"},
        headers={**auth, "Idempotency-Key": "too-much"},
    )
    error = await error_of(resp, 400)
    assert error["code"] == "amount_exceeds_due" and error["details"]["max_amount"] == "899.75"
    await error_of(await api.get("/v1/nothing-here", headers=auth), 404)
    await error_of(await api.put("/v1/borrowers/demo-up-to-date/loans", headers=auth), 405)
    resp = await api.post(
        "/v1/borrowers/demo-two-months/repayments",
        data=b'{"loan_id": "' + b"x" * 40000 + b'"}',
        headers={**auth, "Idempotency-Key": "big"},
    )
    assert resp.status in (400, 413)
    await error_of(resp, resp.status)


async def test_unexpected_failure_is_a_clean_500(
    aiohttp_client, seeded_url, policy, auth, monkeypatch
):
    from bot.loans.store import LoanStore

    async def broken(self, *args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(LoanStore, "overview", broken)
    api = await aiohttp_client(create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy))
    resp = await api.get("/v1/borrowers/demo-up-to-date/loans", headers=auth)
    error = await error_of(resp, 500)
    text = await resp.text()
    assert error["code"] == "internal_error"
    assert "Traceback" not in text and "secret internals" not in text


async def test_reminders_lifecycle(api, auth):
    payload = {
        "loan_id": "demo-up-to-date-jiebei",
        "remind_on": "2026-12-10",
        "days_before": 3,
        "channel": "widget",
        "conversation_id": "widget:demo-up-to-date:s1",
    }
    headers = {**auth, "Idempotency-Key": "remind-dec"}
    first = await api.post("/v1/borrowers/demo-up-to-date/reminders", json=payload, headers=headers)
    again = await api.post("/v1/borrowers/demo-up-to-date/reminders", json=payload, headers=headers)
    assert first.status == again.status == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    reminder = (await first.json())["reminder"]
    assert (await again.json())["reminder"] == reminder
    assert reminder["remind_on"] == "2026-12-10" and reminder["status"] == "scheduled"
    # due at 09:00 Beijing time on its day; delivered into the conversation that set it
    assert reminder["remind_at"] == "2026-12-10T09:00:00+08:00"
    assert reminder["conversation_id"] == "widget:demo-up-to-date:s1"
    assert reminder["attempts"] == 0 and reminder["sent_at"] is None
    assert "lease_owner" not in reminder and "locked_until" not in reminder
    listed = await (await api.get("/v1/borrowers/demo-up-to-date/reminders", headers=auth)).json()
    assert [r["reminder_id"] for r in listed["reminders"]] == [reminder["reminder_id"]]
    for status in ("active", "scheduled"):
        resp = await api.get(
            f"/v1/borrowers/demo-up-to-date/reminders?status={status}", headers=auth
        )
        assert len((await resp.json())["reminders"]) == 1
    resp = await api.get("/v1/borrowers/demo-up-to-date/reminders?status=sent", headers=auth)
    assert (await resp.json())["reminders"] == []
    resp = await api.get("/v1/borrowers/demo-up-to-date/reminders?status=gone", headers=auth)
    assert (await error_of(resp, 400))["code"] == "invalid_status"
    path = f"/v1/borrowers/demo-up-to-date/reminders/{reminder['reminder_id']}"
    for _ in range(2):  # cancelling twice is harmless
        resp = await api.delete(path, headers=auth)
        assert resp.status == 200 and (await resp.json())["reminder"]["status"] == "cancelled"
    active = await api.get("/v1/borrowers/demo-up-to-date/reminders?status=active", headers=auth)
    assert (await active.json())["reminders"] == []
    # the same key with a different body is a conflict, not a silent replay
    resp = await api.post(
        "/v1/borrowers/demo-up-to-date/reminders",
        json={**payload, "days_before": 1},
        headers=headers,
    )
    assert (await error_of(resp, 409))["code"] == "idempotency_key_reused"
    for bad in (
        {**payload, "remind_on": "yesterday"},
        {**payload, "days_before": -1},
        {**payload, "channel": None},
        {**payload, "remind_on": "2026-01-01"},
        {**payload, "loan_id": "demo-two-months-jiebei"},
        {k: v for k, v in payload.items() if k != "conversation_id"},
        {**payload, "conversation_id": ""},
        {**payload, "conversation_id": "a\nb"},
        {**payload, "conversation_id": "x" * 256},
        {**payload, "remind_at": "2026-12-10T09:00:00"},  # no offset: ambiguous
        {**payload, "remind_at": "soon"},
    ):
        resp = await api.post(
            "/v1/borrowers/demo-up-to-date/reminders",
            json=bad,
            headers={**auth, "Idempotency-Key": "bad-reminder"},
        )
        await error_of(resp, 400)


async def test_relief_request_is_recorded_once(api, auth):
    payload = {
        "kind": "extension",
        "reason": "这个月工资推迟发放",
        "affordable_monthly": "800",
        "loan_id": "demo-two-months-jiebei",
        "channel": "wechat",
    }
    headers = {**auth, "Idempotency-Key": "relief-1"}
    first = await api.post(
        "/v1/borrowers/demo-two-months/relief-requests", json=payload, headers=headers
    )
    second = await api.post(
        "/v1/borrowers/demo-two-months/relief-requests", json=payload, headers=headers
    )
    assert first.status == second.status == 201
    body = await first.json()
    assert await second.json() == body
    relief = body["relief_request"]
    assert relief["status"] == "received" and relief["reference"].startswith("RR20261123")
    assert relief["affordable_monthly"] == "800.00"
    for bad in (
        {**payload, "kind": "forgive-everything"},
        {**payload, "affordable_monthly": "-1"},
        {**payload, "loan_id": "demo-up-to-date-jiebei"},
        {**payload, "reason": 5},
    ):
        resp = await api.post(
            "/v1/borrowers/demo-two-months/relief-requests",
            json=bad,
            headers={**auth, "Idempotency-Key": "relief-bad"},
        )
        await error_of(resp, 400)


async def test_a_relief_request_can_be_filed_on_a_given_day(api, auth):
    """``as_of`` on the write, as on the reads (the debug shell's simulated day)."""
    payload = {"kind": "extension", "reason": "生病住院"}
    resp = await api.post(
        "/v1/borrowers/demo-two-months/relief-requests?as_of=2026-12-06",
        json=payload,
        headers={**auth, "Idempotency-Key": "relief-dated"},
    )
    assert resp.status == 201
    relief = (await resp.json())["relief_request"]
    assert relief["reference"].startswith("RR20261206")
    assert relief["requested_on"] == "2026-12-06"
    resp = await api.post(
        "/v1/borrowers/demo-two-months/relief-requests?as_of=12月6日",
        json=payload,
        headers={**auth, "Idempotency-Key": "relief-bad-day"},
    )
    await error_of(resp, 400)


def test_create_app_refuses_to_run_without_a_token(monkeypatch):
    from bot.loans.config import ConfigError

    monkeypatch.delenv("LOAN_SERVICE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="LOAN_SERVICE_TOKEN"):
        create_app("sqlite:///unused.db")


async def test_error_logs_name_the_route_not_the_borrower(
    aiohttp_client, seeded_url, policy, auth, monkeypatch, caplog
):
    from sqlalchemy.exc import OperationalError

    from bot.loans.store import LoanStore

    async def unavailable(self, borrower_id, *args, **kwargs):
        raise OperationalError("SELECT … WHERE borrower_id = ?", (borrower_id,), Exception("gone"))

    async def broken(self, borrower_id, *args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(LoanStore, "list_reminders", unavailable)
    monkeypatch.setattr(LoanStore, "get_reminder", broken)
    api = await aiohttp_client(create_app(seeded_url, TOKEN, today=lambda: TODAY, policy=policy))
    resp = await api.get("/v1/borrowers/demo-up-to-date/reminders", headers=auth)
    assert (await error_of(resp, 503))["code"] == "service_unavailable"
    resp = await api.get("/v1/borrowers/demo-up-to-date/reminders/rm-1", headers=auth)
    assert (await error_of(resp, 500))["code"] == "internal_error"
    messages = [
        record.getMessage() for record in caplog.records if record.levelname in ("ERROR", "WARNING")
    ]
    assert (
        "database unavailable on GET /v1/borrowers/{borrower_id}/reminders: OperationalError"
        in messages
    )
    assert "unhandled error on GET /v1/borrowers/{borrower_id}/reminders/{reminder_id}" in messages
    assert not any("demo-up-to-date" in message for message in messages)


PREVIEW = "/v1/borrowers/demo-two-months/repayment-preview"


async def test_repayment_preview_books_nothing_and_agrees_with_the_booking(api, auth, seeded_url):
    params = {"loan_id": "demo-two-months-jiebei", "amount": "1000"}
    resp = await api.get(PREVIEW, params=params, headers=auth)
    assert resp.status == 200, await resp.text()
    preview = (await resp.json())["preview"]
    assert await repayment_count(seeded_url, "demo-two-months") == 2
    assert preview["paid_on"] == TODAY.isoformat()
    assert preview["horizon"] == (TODAY + timedelta(days=30)).isoformat()
    assert preview["amount"] == preview["requested"] == "1000.00"
    # the split of the real booking, to the fen
    resp = await api.post(
        "/v1/borrowers/demo-two-months/repayments",
        json=params,
        headers={**auth, "Idempotency-Key": "preview-then-pay"},
    )
    booked = (await resp.json())["repayment"]
    assert [preview[k] for k in ("penalty", "interest", "principal")] == [
        booked[k] for k in ("penalty", "interest", "principal")
    ]
    assert preview["allocations"] == booked["allocations"]
    assert float(preview["after"]["penalty_per_day"]) < float(preview["before"]["penalty_per_day"])
    assert float(preview["penalty_saved_by_horizon"]) > 0


async def test_repayment_preview_caps_the_amount_and_checks_its_input(api, auth):
    resp = await api.get(
        PREVIEW,
        params={"loan_id": "demo-two-months-jiebei", "amount": "999999", "horizon": "2027-01-01"},
        headers=auth,
    )
    preview = (await resp.json())["preview"]
    assert preview["requested"] == "999999.00"
    assert preview["amount"] == preview["before"]["amount_due"]
    assert preview["after"]["overdue_total"] == "0.00"
    for params, code in [
        ({"amount": "10"}, "invalid_loan_id"),
        ({"loan_id": "demo-two-months-jiebei"}, "invalid_amount"),
        ({"loan_id": "demo-two-months-jiebei", "amount": "-3"}, "invalid_amount"),
        ({"loan_id": "demo-two-months-jiebei", "amount": "1.005"}, "invalid_amount"),
        ({"loan_id": "demo-up-to-date-jiebei", "amount": "10"}, "unknown_loan"),
        (
            {"loan_id": "demo-two-months-jiebei", "amount": "10", "horizon": "2020-01-01"},
            "invalid_horizon",
        ),
        (
            {"loan_id": "demo-two-months-jiebei", "amount": "10", "horizon": "soon"},
            "invalid_horizon",
        ),
    ]:
        resp = await api.get(PREVIEW, params=params, headers=auth)
        assert (await error_of(resp, 400))["code"] == code, params
    resp = await api.get(
        "/v1/borrowers/nobody/repayment-preview",
        params={"loan_id": "demo-two-months-jiebei", "amount": "10"},
        headers=auth,
    )
    assert (await error_of(resp, 404))["code"] == "borrower_not_found"
    resp = await api.get(PREVIEW, params={"loan_id": "demo-two-months-jiebei", "amount": "10"})
    await error_of(resp, 401)
