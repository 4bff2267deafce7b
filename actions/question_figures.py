"""The loan a general question names, computed: "借3万分24期每个月还多少", "借5000用三天利息多少".

A question about installments, repayment methods or rates that gives an amount and a term gets
its own figures after the general answer, for anyone (no account needed): with installments,
the 等额本息 monthly payment and the total interest (and 等额本金's first and last payment when
the question is about methods); with a duration of days, the interest for the days used. The
rate is the one the message names, else the worked example's, labelled as an example.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import List, Optional

from actions.replies import rate_text, yuan
from actions.slot_values import (
    MONTHLY_BEFORE,
    amounts_in_message,
    as_days,
    as_rate,
    latest_entity,
    latest_text,
)
from bot.finance.apr import apr_from_cashflows, flat_fee_payments
from bot.finance.errors import FinanceError
from bot.finance.money import percent_str, plain_str
from bot.finance.rates import as_annual, as_daily
from bot.finance.schedule import RepaymentMethod, accrued_interest, amortization_schedule
from bot.policy import LenderPolicy
from bot.policy.wording import EXAMPLE_DAILY_RATE

#: the FAQ topics after which the question's own figures are computed
FIGURE_TOPICS = {"installment_terms", "repayment_methods", "interest_rate", "early_repayment"}
MAX_PRINCIPAL = Decimal("1000000")
MAX_INSTALLMENTS = 60
MAX_DAYS = 365


def _stated_daily_rate(tracker, policy: LenderPolicy) -> Optional[Decimal]:
    for entity, basis in (("daily_rate", "daily"), ("annual_rate", "annual")):
        found = as_rate(latest_entity(tracker, entity))
        if found is not None and found[0] > 0:
            return as_daily(found[0], basis, policy.day_count)
    return None


def question_figures_zh(tracker, topic: Optional[str], policy: LenderPolicy) -> Optional[str]:
    """The figures of the loan the latest message names, or None when it names no amount with
    a number of installments or of days (or the values are out of range)."""
    if topic not in FIGURE_TOPICS:
        return None
    try:
        principal = Decimal(latest_entity(tracker, "amount") or "")
    except ArithmeticError:
        return None
    if not principal.is_finite() or not 0 < principal <= MAX_PRINCIPAL:
        return None
    daily = _stated_daily_rate(tracker, policy)
    example = daily is None
    if example:
        daily = EXAMPLE_DAILY_RATE
    annual = as_annual(daily, policy.day_count)
    rate = rate_text(annual, daily)  # 年化14.40%（日利率0.040%）
    if example:
        rate = rate[:-1] + "，示例利率，以你的借款页面为准）"
    try:
        periods = int(latest_entity(tracker, "installments") or 0)
    except ValueError:
        periods = 0
    text = latest_text(tracker)
    if _FEE_WORDS.search(text):
        # a fee per period on the original principal, not interest on the balance
        return flat_fee_figures_zh(principal, periods, text)
    days = as_days(latest_entity(tracker, "duration"))
    try:
        if 0 < periods <= MAX_INSTALLMENTS:
            return _installment_lines(principal, annual, periods, rate, topic)
        if days is not None and 0 < days <= MAX_DAYS:
            interest = accrued_interest(principal, annual, days, policy.day_count)
            formula = f"{plain_str(principal)} × {plain_str(daily * 100)}% × {days}"
            return (
                f"按你说的：借{yuan(principal)}用{days}天，按{rate}算，"
                f"利息 = {formula} ≈ {yuan(interest)}（利息按实际用钱的天数算）。"
            )
    except FinanceError:
        return None
    return None


#: a loan priced by a fee ("每期手续费0.6%", "月费率0.5%"), not by an interest rate
_FEE_WORDS = re.compile(r"手续费|费率|服务费")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def flat_fee_figures_zh(principal: Decimal, periods: int, text: str) -> Optional[str]:
    """ "借1万分12期 每期手续费0.6%": each period's payment, the fees in all and the true annual
    rate by IRR; None when the message gives no number of periods or no fee percentage."""
    found = _PERCENT.search(text)
    if not found or not 0 < periods <= MAX_INSTALLMENTS:
        return None
    fee = Decimal(found.group(1)) / 100
    if not 0 < fee < Decimal("0.1"):
        return None
    try:
        payments = flat_fee_payments(principal, fee, periods)
        true_apr = apr_from_cashflows(principal, payments).apr
    except FinanceError:
        return None
    fees = sum(payments, Decimal("0.00")) - principal
    given = plain_str(fee * 100)
    return (
        f"按你说的：借{yuan(principal)}分{periods}期，每期手续费{given}%（按借款本金收）：\n"
        f"· 每期约{yuan(payments[0])}，手续费一共{yuan(fees)}\n"
        f"· 看着像年化{percent_str(fee * 12)}%（{given}% × 12），但本金一期期在还、手续费照收，"
        f"真实年化（IRR）约{percent_str(true_apr)}%\n"
        "比较借款，看合同和借款页面上的年化利率。"
    )


#: a question about repayment methods rather than a plain installment
_METHOD_WORDS = re.compile(r"等额本金|等额本息|先息后本|还款方式|哪种")


def new_loan_figures_zh(tracker, policy: LenderPolicy) -> Optional[str]:
    """ "借3万分24期每月还多少" read as a plan or a what-if is a loan not yet taken: its monthly
    payment and interest (:func:`question_figures_zh`), or None when the message gives no number
    of installments, or its amount is one paid each month ("每月能还3000分几期")."""
    if not latest_entity(tracker, "installments"):
        return None
    if any(MONTHLY_BEFORE.search(before) for _, before in amounts_in_message(tracker)):
        return None
    topic = (
        "repayment_methods" if _METHOD_WORDS.search(latest_text(tracker)) else "installment_terms"
    )
    return question_figures_zh(tracker, topic, policy)


def _installment_lines(
    principal: Decimal, annual: Decimal, periods: int, rate: str, topic: str
) -> str:
    equal = amortization_schedule(principal, annual, periods, RepaymentMethod.equal_installment)
    lines: List[str] = [
        f"按你说的：借{yuan(principal)}分{periods}期，按{rate}、等额本息算：",
        f"· 每月约{yuan(equal.first_payment)}，{periods}期利息一共约{yuan(equal.total_interest)}",
    ]
    if topic == "repayment_methods":
        falling = amortization_schedule(principal, annual, periods, RepaymentMethod.equal_principal)
        lines.append(
            f"· 等额本金：第一期{yuan(falling.first_payment)}，逐月减少到"
            f"{yuan(falling.last_payment)}，利息一共约{yuan(falling.total_interest)}"
        )
    lines.append("实际以借款页面展示的还款计划为准。")
    return "\n".join(lines)


#: how many earlier user messages a "那分12期呢" may reach back to for the loan's amount
FOLLOW_UP_LOOKBACK = 3


def _entity_value(parse: dict, entity: str) -> Optional[str]:
    for item in parse.get("entities") or []:
        if item.get("entity") == entity and item.get("value") is not None:
            return str(item["value"])
    return None


def other_term_figures_zh(tracker, policy: LenderPolicy) -> Optional[str]:
    """ "那分12期呢" right after a loan's figures: the same amount (and rate) over the number of
    installments the latest message gives; None when it gives none, names an amount itself, or
    no recent message named a loan's amount and installments."""
    try:
        periods = int(latest_entity(tracker, "installments") or 0)
    except ValueError:
        return None
    if not 0 < periods <= MAX_INSTALLMENTS or latest_entity(tracker, "amount"):
        return None
    users = [e for e in tracker.events or [] if e.get("event") == "user"][:-1]
    for event in reversed(users[-FOLLOW_UP_LOOKBACK:]):
        parse = event.get("parse_data") or {}
        amount, earlier = _entity_value(parse, "amount"), _entity_value(parse, "installments")
        if amount is None or earlier is None:
            continue
        try:
            principal = Decimal(amount)
        except ArithmeticError:
            return None
        if not principal.is_finite() or not 0 < principal <= MAX_PRINCIPAL:
            return None
        daily, example = EXAMPLE_DAILY_RATE, True
        for entity, basis in (("daily_rate", "daily"), ("annual_rate", "annual")):
            found = as_rate(_entity_value(parse, entity))
            if found is not None and found[0] > 0:
                daily, example = as_daily(found[0], basis, policy.day_count), False
                break
        annual = as_annual(daily, policy.day_count)
        rate = rate_text(annual, daily)
        if example:
            rate = rate[:-1] + "，示例利率，以你的借款页面为准）"
        try:
            return _installment_lines(principal, annual, periods, rate, "installment_terms")
        except FinanceError:
            return None
    return None


__all__ = ["FIGURE_TOPICS", "new_loan_figures_zh", "other_term_figures_zh", "question_figures_zh"]
