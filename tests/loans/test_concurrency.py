"""Idempotency and concurrency on both databases: 50 concurrent POSTs with one
Idempotency-Key record one repayment; 50 with different keys all apply and sum exactly."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import select

from bot.loans.db import Database
from bot.loans.models import IdempotencyRecord, Installment, Repayment, RepaymentAllocation

BORROWER = "demo-two-months"
LOAN = "demo-two-months-jiebei"
N = 50


async def ledger_rows(url: str):
    db = Database(url)
    try:
        async with db.read_session() as session:
            repayments = (
                await session.scalars(select(Repayment).where(Repayment.borrower_id == BORROWER))
            ).all()
            allocations = (
                await session.scalars(
                    select(RepaymentAllocation)
                    .join(Repayment)
                    .where(Repayment.borrower_id == BORROWER)
                )
            ).all()
            installments = (
                await session.scalars(select(Installment).where(Installment.loan_id == LOAN))
            ).all()
            keys = (
                await session.scalars(
                    select(IdempotencyRecord).where(IdempotencyRecord.borrower_id == BORROWER)
                )
            ).all()
        return repayments, allocations, installments, keys
    finally:
        await db.dispose()


async def amount_due(api, auth) -> Decimal:
    resp = await api.get(f"/v1/borrowers/{BORROWER}/loans", headers=auth)
    return Decimal((await resp.json())["loans"][0]["amount_due"])


async def test_same_key_concurrently_applies_once(api, auth, seeded_url):
    due_before = await amount_due(api, auth)
    before, *_ = await ledger_rows(seeded_url)
    headers = {**auth, "Idempotency-Key": "same-key-0001"}
    payload = {"loan_id": LOAN, "amount": "123.45"}
    responses = await asyncio.gather(
        *(
            api.post(f"/v1/borrowers/{BORROWER}/repayments", json=payload, headers=headers)
            for _ in range(N)
        )
    )
    assert [r.status for r in responses] == [201] * N
    bodies = [await r.json() for r in responses]
    assert len({b["repayment"]["repayment_id"] for b in bodies}) == 1
    assert all(b == bodies[0] for b in bodies)
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == N - 1
    after, _allocations, _items, keys = await ledger_rows(seeded_url)
    assert len(after) == len(before) + 1
    assert len(keys) == 1
    assert await amount_due(api, auth) == due_before - Decimal("123.45")


async def test_different_keys_concurrently_all_apply_and_sum_exactly(api, auth, seeded_url):
    due_before = await amount_due(api, auth)
    before, *_ = await ledger_rows(seeded_url)
    amounts = [Decimal("1.00") + Decimal(i) / 100 for i in range(N)]  # 1.00 .. 1.49
    responses = await asyncio.gather(
        *(
            api.post(
                f"/v1/borrowers/{BORROWER}/repayments",
                json={"loan_id": LOAN, "amount": str(amount)},
                headers={**auth, "Idempotency-Key": f"different-{i:03d}"},
            )
            for i, amount in enumerate(amounts)
        )
    )
    assert [r.status for r in responses] == [201] * N, [await r.text() for r in responses]
    repayments, allocations, installments, keys = await ledger_rows(seeded_url)
    new = [r for r in repayments if r.channel != "demo"]
    assert len(new) == N and len(keys) == N and len(repayments) == len(before) + N
    assert sum(r.amount for r in new) == sum(amounts) == Decimal("62.25")
    for r in new:
        assert r.penalty_part + r.interest_part + r.principal_part == r.amount
    # every fen is allocated to an installment, and the installments' running totals agree
    assert sum(a.penalty + a.interest + a.principal for a in allocations) == sum(
        r.amount for r in repayments
    )
    assert sum(i.principal_paid + i.interest_paid + i.penalty_paid for i in installments) == sum(
        r.amount for r in repayments
    )
    # the oldest installment's penalty went first: 62.25 does not even cover it
    assert sum(r.penalty_part for r in new) == Decimal("62.25")
    assert await amount_due(api, auth) == due_before - sum(amounts)
    # a retry of any of them replays and changes nothing
    retry = await api.post(
        f"/v1/borrowers/{BORROWER}/repayments",
        json={"loan_id": LOAN, "amount": str(amounts[7])},
        headers={**auth, "Idempotency-Key": "different-007"},
    )
    assert retry.status == 201 and retry.headers.get("Idempotent-Replayed") == "true"
    assert len((await ledger_rows(seeded_url))[0]) == len(repayments)
