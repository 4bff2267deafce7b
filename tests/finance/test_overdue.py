"""Overdue cost, credit-report status, classification, day-by-day accrual and timeline."""

import datetime as dt
from decimal import Decimal as D
from importlib import resources

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.finance.errors import InvalidAmount, InvalidDate, InvalidRate, InvalidTerm
from bot.finance.overdue import (
    CatchUp,
    accrue_overdue,
    catch_up,
    chargeable_days,
    classification,
    next_milestones,
    next_status_change,
    overdue_cost,
    report_status,
    timeline,
)
from bot.policy import load_policy, parse_policy


def test_penalty_worked_example():
    # 10 days overdue on 899.75 at 0.04 %/day × 1.5 = 0.06 %/day → 5.40
    cost = overdue_cost("899.75", "0.0004", 10)
    assert cost.penalty_daily_rate == D("0.0006")
    assert cost.penalty_principal == D("5.40")
    assert cost.penalty_interest == D("0.00")
    assert cost.total_penalty == D("5.40")
    assert cost.total_due == D("905.15")
    assert (cost.report_status, cost.classification) == ("1", "关注")
    data = cost.to_dict()
    assert data["penalty_principal"] == "5.40" and data["total_due"] == "905.15"


def test_interest_on_unpaid_interest():
    cost = overdue_cost("779.75", "0.0004", 10, overdue_interest="120.00")
    assert cost.penalty_principal == D("4.68")  # 779.75 × 0.0006 × 10 = 4.6785
    assert cost.penalty_interest == D("0.72")  # 120 × 0.0006 × 10
    assert cost.total_penalty == D("5.40")
    assert cost.total_due == D("899.75") + D("5.40")


@pytest.mark.parametrize("days, charged", [(0, 0), (1, 0), (3, 0), (4, 4), (10, 10)])
def test_grace_days_waive_mode(days, charged):
    cost = overdue_cost("1000", "0.0005", days, grace_days=3)
    assert cost.chargeable_days == charged
    assert cost.total_penalty == D("1000") * D("0.00075") * charged
    assert cost.in_grace == (0 < days <= 3)


@pytest.mark.parametrize("days, charged", [(3, 0), (4, 1), (10, 7)])
def test_grace_days_exclude_mode(days, charged):
    assert (
        overdue_cost("1000", "0.0005", days, grace_days=3, grace_mode="exclude").chargeable_days
        == charged
    )
    assert chargeable_days(days, 3, "exclude") == charged


def test_multiplier_and_day_count():
    assert overdue_cost("1000", "0.0005", 10, multiplier="1.3").total_penalty == D("6.50")
    with pytest.raises(InvalidRate):
        overdue_cost("1000", "0.0005", 10, multiplier="0.5")
    with pytest.raises(InvalidRate):
        overdue_cost("1000", "0.003", 10)  # 0.3 %/day is over 100 %/year
    assert overdue_cost("1000", "0.0027", 10, day_count=365).daily_rate == D("0.0027")


@pytest.mark.parametrize(
    "days, status, label",
    [
        (0, "N", "正常"),
        (1, "1", "关注"),
        (30, "1", "关注"),
        (31, "2", "关注"),
        (60, "2", "关注"),
        (61, "3", "关注"),
        (90, "3", "关注"),
        (91, "4", "次级"),
        (120, "4", "次级"),
        (121, "5", "可疑"),
        (150, "5", "可疑"),
        (151, "6", "可疑"),
        (180, "6", "可疑"),
        (181, "7", "损失"),
        (5000, "7", "损失"),
    ],
)
def test_status_and_classification_bands(days, status, label):
    assert report_status(days) == status
    assert classification(days) == label


def test_next_status_change():
    assert next_status_change(0) == (1, "1")
    assert next_status_change(10) == (31, "2")
    assert next_status_change(180) == (181, "7")
    assert next_status_change(181) is None


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"overdue_principal": "0"}, InvalidAmount),
        ({"overdue_principal": "-1"}, InvalidAmount),
        ({"overdue_principal": "1e30"}, InvalidAmount),
        ({"overdue_principal": "abc"}, InvalidAmount),
        ({"daily_rate": "NaN"}, InvalidRate),
        ({"daily_rate": "-0.0004"}, InvalidRate),
        ({"days": -1}, InvalidTerm),
        ({"days": "1.5"}, InvalidTerm),
        ({"days": 40000}, InvalidTerm),
        ({"grace_days": 31}, InvalidTerm),
    ],
)
def test_overdue_bad_input(kwargs, error):
    args = {"overdue_principal": "899.75", "daily_rate": "0.0004", "days": 10, **kwargs}
    with pytest.raises(error):
        overdue_cost(**args)
    with pytest.raises((InvalidTerm, InvalidAmount, InvalidRate)):
        report_status(-1)


DUE = dt.date(2024, 1, 10)


def test_accrual_without_repayments_equals_overdue_cost():
    position = accrue_overdue("899.75", "0.0004", DUE, dt.date(2024, 1, 20))
    assert position.days == 10 and len(position.rows) == 10
    assert position.total_penalty == D("5.40") and position.total_due == D("905.15")
    assert position.rows[0].date == dt.date(2024, 1, 11)
    assert position.rows[-1].penalty_to_date == D("5.40")


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=10_000_000).map(lambda f: D(f) / 100),
    st.integers(min_value=0, max_value=1_000_000).map(lambda f: D(f) / 100),
    st.integers(min_value=1, max_value=27).map(lambda x: D(x) / 10_000),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=10),
    st.sampled_from(["waive", "exclude"]),
)
def test_accrual_matches_closed_form(principal, interest, rate, days, grace, mode):
    cost = overdue_cost(principal, rate, days, interest, grace_days=grace, grace_mode=mode)
    position = accrue_overdue(
        principal,
        rate,
        DUE,
        DUE + dt.timedelta(days=days),
        overdue_interest=interest,
        grace_days=grace,
        grace_mode=mode,
    )
    assert (position.penalty_principal, position.penalty_interest) == (
        cost.penalty_principal,
        cost.penalty_interest,
    )
    assert position.total_due == cost.total_due
    assert position.chargeable_days == cost.chargeable_days
    assert (position.report_status, position.classification) == (
        cost.report_status,
        cost.classification,
    )


def test_repaid_within_grace_is_waived():
    position = accrue_overdue(
        "899.75",
        "0.0004",
        DUE,
        dt.date(2024, 1, 20),
        grace_days=3,
        repayments=[(dt.date(2024, 1, 12), "899.75")],
    )
    assert position.waived and position.total_penalty == 0 and position.total_due == 0
    assert position.settled_on == dt.date(2024, 1, 12)
    assert len(position.rows) == 2


def test_still_in_grace_shows_provisional_penalty():
    position = accrue_overdue("1000", "0.0004", DUE, dt.date(2024, 1, 12), grace_days=3)
    assert position.total_penalty == 0 and position.outstanding_penalty == 0
    assert position.provisional_penalty == D("1.20")  # charged if not cleared by day 3
    assert position.total_due == D("1000.00")


def test_partial_repayment_after_grace_pays_penalty_first():
    position = accrue_overdue(
        "899.75",
        "0.0004",
        DUE,
        dt.date(2024, 1, 20),
        grace_days=3,
        repayments=[(dt.date(2024, 1, 15), "500")],
    )
    # days 1-5 on 899.75 → 2.69925 → 2.70 paid first; 497.30 to principal; days 6-10 on 402.45
    assert position.penalty_paid == D("2.70")
    assert position.outstanding_principal == D("402.45")
    assert position.outstanding_penalty == D("1.21")
    assert position.total_penalty == D("3.91")
    assert position.total_due == D("403.66")
    assert position.rows[4].repaid == D("500") and position.rows[5].principal == D("402.45")


def test_allocation_order_and_overpayment():
    position = accrue_overdue(
        "100",
        "0.0005",
        DUE,
        dt.date(2024, 1, 20),
        overdue_interest="10",
        repayments=[(dt.date(2024, 1, 15), "50")],
        allocation=("principal", "interest", "penalty"),
    )
    assert position.outstanding_principal == D("50.00") and position.outstanding_interest == D(
        "10.00"
    )
    paid_off = accrue_overdue(
        "100",
        "0.0005",
        DUE,
        dt.date(2024, 1, 20),
        repayments=[(dt.date(2024, 1, 15), "200"), (dt.date(2024, 1, 18), "5")],
    )
    assert paid_off.settled_on == dt.date(2024, 1, 15)
    assert paid_off.total_due == 0
    assert paid_off.penalty_paid == D("0.38")  # 100 × 0.00075 × 5 = 0.375 → 0.38
    assert paid_off.unapplied == D("200") - D("100.38") + D("5")
    assert paid_off.repaid == D("205")


def test_three_year_accrual():
    position = accrue_overdue(
        "10000", "0.0004", dt.date(2021, 1, 1), dt.date(2024, 1, 1), overdue_interest="500"
    )
    assert position.days == 1095
    assert position.total_penalty == D("10000") * D("0.0006") * 1095 + D("500") * D("0.0006") * 1095
    assert (position.report_status, position.classification) == ("7", "损失")


def test_accrual_bad_dates_and_repayments():
    with pytest.raises(InvalidDate):
        accrue_overdue("100", "0.0004", "2024-13-01", "2024-02-01")
    with pytest.raises(InvalidDate):
        accrue_overdue("100", "0.0004", 20240101, "2024-02-01")
    with pytest.raises(InvalidDate):
        accrue_overdue("100", "0.0004", DUE, dt.date(2024, 1, 20), repayments=[(DUE, "10")])
    with pytest.raises(InvalidDate):
        accrue_overdue(
            "100", "0.0004", DUE, dt.date(2024, 1, 20), repayments=[(dt.date(2024, 1, 21), "10")]
        )
    with pytest.raises(InvalidAmount):
        accrue_overdue(
            "100", "0.0004", DUE, dt.date(2024, 1, 20), repayments=[(dt.date(2024, 1, 15), "-1")]
        )
    with pytest.raises(InvalidAmount):
        accrue_overdue("100", "0.0004", DUE, dt.date(2024, 1, 20), allocation=("principal",))
    not_due = accrue_overdue("100", "0.0004", "2024-01-10", "2024-01-05")
    assert not_due.days == 0 and not_due.report_status == "N" and not_due.total_due == D("100.00")


def test_timeline_from_default_policy():
    items = timeline()
    assert [m.day for m in items] == sorted(m.day for m in items)
    assert {m.source for m in items} == {"regulation", "example"}
    status = [m for m in items if m.kind == "status"]
    assert [m.day for m in status] == [1, 31, 61, 91, 121, 151, 181]
    assert all(m.source == "regulation" for m in status)
    policy = load_policy()
    penalty = next(m for m in items if m.kind == "penalty")
    assert penalty.day == policy.grace_days + 1 and penalty.source == "example"
    assert "1.5倍" in penalty.text_zh
    report = next(m for m in items if m.kind == "credit_report")
    assert report.day == policy.report_after_days + 1
    assert any(m.kind == "call" and m.day == policy.collection_call_from_day for m in items)


def _policy_with(**changes):
    data = yaml.safe_load(
        resources.files("bot.policy").joinpath("lender_policy.yml").read_text(encoding="utf-8")
    )
    for key, value in changes.items():
        if isinstance(data[key], dict):
            data[key]["value"] = value
        else:
            data[key] = value
    return parse_policy(data)


def test_timeline_is_driven_by_the_policy():
    policy = _policy_with(
        grace_days=0,
        report_after_days=10,
        penalty_multiplier="1.3",
        lawsuit=[{"day": 200, "kind": "lawsuit", "source": "example", "text_zh": "起诉。"}],
    )
    items = timeline(policy)
    assert not any(m.kind == "grace" for m in items)
    penalty = next(m for m in items if m.kind == "penalty")
    assert penalty.day == 1 and "1.3倍" in penalty.text_zh
    assert next(m for m in items if m.kind == "credit_report").day == 11
    assert [m.day for m in items if m.kind == "lawsuit"] == [200]


def test_next_milestones():
    upcoming = next_milestones(10)
    assert len(upcoming) == 2 and all(m.day > 10 for m in upcoming)
    assert upcoming[0].day == 31
    assert next_milestones(0, limit=1)[0].day == 1
    assert next_milestones(10_000) == []
    assert len(next_milestones(0, limit=100)) == len(timeline())


# --- catching up an overdue amount with what is left each month -----------------------------
def test_catch_up_without_penalty_is_the_arrears_over_the_surplus():
    assert catch_up("3000.00", "0", "1000.00") == CatchUp(3, D("0.00"))
    assert catch_up("3000.01", "0", "1000.00").months == 4
    assert catch_up("0", "5", "100") == CatchUp(0, D("0.00"))


def test_catch_up_counts_the_penalty_on_what_is_left():
    """3,667.20 overdue adding 2.75 a day (0.075 %), 1,166.40 a month: by hand, month 1 adds
    82.50 (3,667.20 x 0.00075 x 30, rounded), leaving 2,583.30; month 2 adds 58.12 ..."""
    result = catch_up("3667.20", "2.75", "1166.40")
    assert result.months == 4
    assert D("82.50") + D("58.12") < result.penalty < D("82.50") * 4


def test_a_surplus_below_the_monthly_penalty_never_catches_up():
    assert catch_up("10000", "10", "200").months is None  # 300 of penalty a month


def test_catch_up_rejects_a_negative_amount():
    with pytest.raises(InvalidAmount):
        catch_up("-1", "1", "100")


@settings(max_examples=200, deadline=None)
@given(
    arrears=st.decimals(min_value=1, max_value=100000, places=2),
    rate=st.decimals(min_value=0, max_value="0.002", places=5),
    surplus=st.decimals(min_value=1, max_value=20000, places=2),
)
def test_catch_up_is_never_faster_than_without_penalty(arrears, rate, surplus):
    per_day = (arrears * rate).quantize(D("0.01"))
    result = catch_up(arrears, per_day, surplus)
    plain = catch_up(arrears, "0", surplus)
    assert result.penalty >= 0
    if result.months is not None:
        assert plain.months is not None and result.months >= plain.months
        assert surplus * result.months >= arrears + result.penalty  # it was all paid
