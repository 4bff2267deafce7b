"""For each demo borrower at a fixed as_of, the service's figures equal an independent
computation with bot.finance written here (schedule, rates, overdue cost and accrual)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from bot.finance.money import money_str
from bot.finance.overdue import accrue_overdue, classification, overdue_cost, report_status
from bot.finance.rates import annual_to_daily, daily_to_annual
from bot.finance.schedule import amortization_schedule

from .conftest import TODAY

D = Decimal


def add_months(day: date, months: int, due_day: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def last_day_before(today: date, dom: int) -> date:
    candidate = date(today.year, today.month, dom)
    return candidate if candidate < today else add_months(candidate, -1, dom)


async def overview(api, auth, borrower_id, as_of=TODAY):
    resp = await api.get(
        f"/v1/borrowers/{borrower_id}/loans", params={"as_of": as_of.isoformat()}, headers=auth
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()


def current_loan(
    loan_json,
    *,
    principal,
    daily=None,
    annual=None,
    months,
    method,
    paid,
    anchor_due,
    anchor_period,
    policy,
):
    """Expected JSON figures of a loan with ``paid`` installments paid on time, none overdue."""
    annual = annual if annual is not None else daily_to_annual(daily, policy.day_count)
    daily = daily if daily is not None else annual_to_daily(annual, policy.day_count)
    plan = amortization_schedule(principal, annual, months, method)
    next_due = add_months(anchor_due, paid + 1 - anchor_period, anchor_due.day)
    assert next_due >= TODAY
    expected = {
        "principal": money_str(principal),
        "outstanding_principal": money_str(plan.rows[paid - 1].balance),
        "annual_rate": f"{annual.normalize():f}",
        "daily_rate": f"{daily.normalize():f}",
        "method": method,
        "term_months": months,
        "next_due_date": next_due.isoformat(),
        "next_due_amount": money_str(plan.rows[paid].payment),
        "amount_due": money_str(plan.rows[paid].payment),
        "overdue_days": 0,
        "overdue_principal": "0.00",
        "overdue_interest": "0.00",
        "penalty_accrued": "0.00",
        "report_status": report_status(0),
        "classification": classification(0),
    }
    assert {k: loan_json[k] for k in expected} == expected


async def test_up_to_date_borrower(api, auth, policy):
    body = await overview(api, auth, "demo-up-to-date")
    assert body["display_name"] and body["as_of"] == TODAY.isoformat()
    [loan] = body["loans"]
    current_loan(
        loan,
        principal=D("10000.00"),
        daily=D("0.0004"),
        months=12,
        method="equal_installment",
        paid=3,
        anchor_due=TODAY - timedelta(days=10),
        anchor_period=3,
        policy=policy,
    )
    assert loan["annual_rate"] == "0.144" and loan["next_due_amount"] == "899.75"
    assert body["totals"]["amount_due"] == loan["amount_due"]


async def test_two_months_overdue_borrower(api, auth, policy):
    body = await overview(api, auth, "demo-two-months")
    [loan] = body["loans"]
    daily = D("0.0005")
    plan = amortization_schedule(
        D("20000"), daily_to_annual(daily, policy.day_count), 12, "equal_installment"
    )
    first_missed = TODAY - timedelta(days=61)
    dues = {k: add_months(first_missed, k - 3, first_missed.day) for k in range(3, 13)}
    overdue_periods = [k for k in dues if dues[k] < TODAY]
    assert overdue_periods == [3, 4]  # two missed installments; the fifth falls due today
    penalty = sum(
        (
            overdue_cost(
                plan.rows[k - 1].principal,
                daily,
                (TODAY - dues[k]).days,
                plan.rows[k - 1].interest,
                grace_days=policy.grace_days,
                multiplier=policy.penalty_multiplier,
                grace_mode=policy.grace_mode,
            ).total_penalty
            for k in overdue_periods
        ),
        D("0"),
    )
    overdue_p = sum((plan.rows[k - 1].principal for k in overdue_periods), D("0"))
    overdue_i = sum((plan.rows[k - 1].interest for k in overdue_periods), D("0"))
    next_payment = plan.rows[4].payment
    assert loan["overdue_days"] == 61
    assert loan["report_status"] == report_status(61) == "3"
    assert loan["classification"] == classification(61) == "关注"
    assert loan["overdue_principal"] == money_str(overdue_p)
    assert loan["overdue_interest"] == money_str(overdue_i)
    assert loan["penalty_accrued"] == money_str(penalty)
    assert D(loan["penalty_accrued"]) > 0
    assert loan["next_due_date"] == dues[5].isoformat() == TODAY.isoformat()
    assert loan["amount_due"] == money_str(overdue_p + overdue_i + penalty + next_payment)
    assert loan["outstanding_principal"] == money_str(plan.rows[1].balance)
    assert body["totals"]["penalty_accrued"] == loan["penalty_accrued"]
    assert body["totals"]["overdue_days"] == 61


async def test_one_yuan_short_borrower(api, auth, policy):
    body = await overview(api, auth, "demo-one-yuan")
    [loan] = body["loans"]
    daily = D("0.0004")
    plan = amortization_schedule(
        D("3000"), daily_to_annual(daily, policy.day_count), 6, "equal_installment"
    )
    # the second installment was paid 1.00 short on its due date, four days ago: interest
    # first, so 1.00 of principal is overdue
    cost = overdue_cost(
        D("1.00"),
        daily,
        4,
        D("0"),
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    )
    assert loan["overdue_days"] == 4
    assert loan["overdue_principal"] == "1.00" and loan["overdue_interest"] == "0.00"
    assert loan["penalty_accrued"] == money_str(cost.total_penalty)
    assert loan["report_status"] == report_status(4) == "1"
    assert loan["classification"] == classification(4)
    assert loan["outstanding_principal"] == money_str(plan.rows[1].balance + D("1.00"))
    assert loan["amount_due"] == money_str(D("1.00") + cost.total_penalty + plan.rows[2].payment)


async def test_multi_debt_borrower(api, auth, policy):
    body = await overview(api, auth, "demo-multi-debt")
    loans = {loan["product"]: loan for loan in body["loans"]}
    assert set(loans) == {"借呗", "花呗", "信用卡"}
    current_loan(
        loans["借呗"],
        principal=D("20000.00"),
        daily=D("0.0005"),
        months=12,
        method="equal_installment",
        paid=2,
        anchor_due=TODAY - timedelta(days=12),
        anchor_period=2,
        policy=policy,
    )
    current_loan(
        loans["花呗"],
        principal=D("6000.00"),
        annual=D("0.135"),
        months=6,
        method="equal_installment",
        paid=1,
        anchor_due=last_day_before(TODAY, 10),
        anchor_period=1,
        policy=policy,
    )
    current_loan(
        loans["信用卡"],
        principal=D("12000.00"),
        annual=D("0.1656"),
        months=12,
        method="equal_principal",
        paid=3,
        anchor_due=last_day_before(TODAY, 20),
        anchor_period=3,
        policy=policy,
    )
    rates = sorted(D(loan["annual_rate"]) for loan in body["loans"])
    assert len(set(rates)) == 3  # different rates, for payoff planning
    totals = body["totals"]
    assert totals["loan_count"] == 3
    assert totals["outstanding_principal"] == money_str(
        sum(D(loan["outstanding_principal"]) for loan in body["loans"])
    )
    assert totals["amount_due"] == money_str(sum(D(loan["amount_due"]) for loan in body["loans"]))


async def test_as_of_makes_figures_reproducible(api, auth, policy):
    """Earlier dates see only the repayments made by then; later dates accrue more penalty."""
    week_ago = await overview(api, auth, "demo-two-months", TODAY - timedelta(days=7))
    today = await overview(api, auth, "demo-two-months")
    later = await overview(api, auth, "demo-two-months", TODAY + timedelta(days=30))
    assert week_ago["loans"][0]["overdue_days"] == 54
    assert D(week_ago["loans"][0]["penalty_accrued"]) < D(today["loans"][0]["penalty_accrued"])
    assert later["loans"][0]["overdue_days"] == 91
    assert later["loans"][0]["classification"] == classification(91) == "次级"
    again = await overview(api, auth, "demo-two-months")
    assert again == today
    # before the short payment the one-yuan borrower was simply not yet due
    before = await overview(api, auth, "demo-one-yuan", TODAY - timedelta(days=5))
    assert before["loans"][0]["overdue_days"] == 0


async def test_partial_repayment_is_split_like_finance_accrual(api, auth, policy):
    """A repayment on an overdue loan goes penalty -> interest -> principal, oldest
    installment first, exactly as bot.finance.overdue.accrue_overdue splits it."""
    before = (await overview(api, auth, "demo-two-months"))["loans"][0]
    resp = await api.post(
        "/v1/borrowers/demo-two-months/repayments",
        json={"loan_id": "demo-two-months-jiebei", "amount": "1000.00"},
        headers={**auth, "Idempotency-Key": "split-1"},
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    daily = D("0.0005")
    plan = amortization_schedule(
        D("20000"), daily_to_annual(daily, policy.day_count), 12, "equal_installment"
    )
    due3 = TODAY - timedelta(days=61)
    position = accrue_overdue(
        plan.rows[2].principal,
        daily,
        due3,
        TODAY,
        overdue_interest=plan.rows[2].interest,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
        repayments=[(TODAY, D("1000.00"))],
    )
    [line] = body["repayment"]["allocations"]  # 1000 does not clear the oldest installment
    assert line["period"] == 3
    assert line["penalty"] == money_str(position.penalty_paid)
    assert D(line["interest"]) == plan.rows[2].interest
    assert D(line["principal"]) == D("1000.00") - position.penalty_paid - plan.rows[2].interest
    after = body["loan"]
    assert D(after["amount_due"]) == D(before["amount_due"]) - D("1000.00")
    assert (await overview(api, auth, "demo-two-months"))["loans"][0] == after
