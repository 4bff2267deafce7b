"""先还一部分: what repaying part of what is owed would do, from the ledger's preview.

"先还2000罚息会少多少", "还了3000之后每天罚息是多少", "这个月先还一部分可以吗": the amount is a
repayment, not the debt of a what-if. A linked borrower gets the ledger's answer for their loan
(the named product's, else the most overdue, else the one due first), booked nowhere: how the
amount would be split (the policy's order, penalty → interest → principal by default), what
stays overdue, the penalty per day before and after, and the penalty saved if the rest is paid
on the day the message names (else 30 days on). Without an amount: the rule, and what each
1,000 yuan of principal takes off the daily penalty of their own loan. Anyone else gets the rule.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import List, Optional, Tuple

from actions.identity import Account, load_account, repayment_preview
from actions.loan_facts import (
    SMALL_OVERDUE,
    loan_names,
    open_loans,
    penalty_per_day,
    what_if_cost,
)
from actions.loan_status import settle_today
from actions.replies import date_zh, relative_day_zh, yuan
from actions.slot_values import as_amount, latest_entity, latest_text, previous_bot_text
from bot.finance.money import money, plain_str
from bot.finance.overdue import STATUS_DESCRIPTIONS_ZH
from bot.loans.client import LoanOverview, LoanSummary, RepaymentPreview
from bot.nlu.dates import first_date
from bot.policy import LenderPolicy, load_policy
from bot.policy.wording import penalty_schedule, report_rule_zh

#: right before the amount: it is paid ("先还2000", "还了3000", "今天能还上1500", "已经还了500")
_PAID_BEFORE = re.compile(
    r"(?:先|只|就|能|可以|打算|准备|想|提前|今天|明天|马上|现在|已经|刚|刚刚|这个月|本月|这期|这一期|"
    r"那|要是|如果|假如|再)"
    r"\s*(?:能|可以|先|只)?\s*还(?:了|上|掉|进去|款|个)?\s*$"
    r"|还(?:了|上|掉|进去)\s*$"
)
#: right after the amount: "2000先还上", "3000还进去"
_PAID_AFTER = re.compile(r"^\s*(?:元|块钱?)?\s*(?:先还|还进去|还上|先还上|先还了)")
#: before the amount: a monthly budget or a loan, not a repayment now ("每月能还2000", "借了2000")
_NOT_NOW = re.compile(
    r"(?:每个?月|一个月|月供|每期|借了?|欠了?|贷了?)\s*(?:能|可以|只能)?\s*还?\S{0,2}$"
)
#: a partial repayment without an amount ("先还一部分行吗", "部分还款有用吗")
_PART_WORDS = re.compile(
    r"还一部分|还了一部分|部分还款|先还(?:一)?(?:点|些)|还一点|分几次还|先还一半|还一半"
)
#: a repayment already made, and why the account still shows it overdue ("我还了500 为啥还显示逾期")
_PAID_ALREADY = re.compile(r"还了|已经还|刚还|还过了|还进去了|还上了")
_WHY_STILL = re.compile(r"为啥|为什么|怎么|咋|还显示|还是|还在|仍然|依然|没变")
#: a repayment made, said as a plain statement ("还了1000", "我明明还了", "已经还款了", "刚还的"):
#: where the loan stands now by the ledger, not a preview of a repayment still to make
_PAID_STATEMENT = re.compile(
    r"^(?:我|俺)?(?:明明|都|已经|刚刚?|刚才|昨天|今天|前天|早就)?(?:已经|都)?"
    r"(?:还了|还过了|还上了|还进去了|还款了|已还款|还钱了|还的)"
    r"(?:\s*[\d一二三四五六七八九十百千万两.,，]+\s*(?:块钱?|元)?)?"
    r"(?:的|啊|呀|了|呢|吧|哦)?[!！。.~～?？\s]*$"
)
#: half of it ("先还一半行不")
_HALF = re.compile(r"一半")
#: the rest paid on a named day ("剩下的月底还")
_REST_WORDS = re.compile(r"剩下|其余|其他的|余下|剩余")

PART_NAMES = {"penalty": "罚息", "interest": "利息", "principal": "本金"}
PREVIEW_DAYS = 30
PER_PRINCIPAL = Decimal("1000")


def order_zh(policy: LenderPolicy) -> str:
    """The policy's allocation order: "先抵罚息，再抵利息，最后抵本金"."""
    first, second, last = (PART_NAMES[part] for part in policy.repayment_allocation)
    return f"先抵{first}，再抵{second}，最后抵{last}"


#: the ledger pays the oldest installment first, each by the policy's order
ORDER_NOTE = "从最早逾期的一期还起，每一期"


def rule_zh(policy: LenderPolicy) -> str:
    """Partial repayment in general, by the lender's rules."""
    return (
        "可以先还一部分，还进去的钱不会白还：\n"
        f"· 按本产品的冲抵顺序，{ORDER_NOTE}{order_zh(policy)}；\n"
        "· 罚息按逾期没还的本金和利息每天算，还掉的本金和利息越多，之后每天的罚息越少；只抵了"
        "罚息的话，每天的罚息不变；\n"
        "· 逾期的部分全部还清之前，逾期天数照样往上加，征信上也还按逾期记。"
    )


def repayment_amount(tracker) -> Optional[Decimal]:
    """The amount of the latest message when it is a repayment now ("先还2000"), else None."""
    text = latest_text(tracker)
    for item in (tracker.latest_message or {}).get("entities") or []:
        start, end = item.get("start"), item.get("end")
        if item.get("entity") != "amount" or not isinstance(start, int):
            continue
        before, after = text[:start], text[end:] if isinstance(end, int) else ""
        if _NOT_NOW.search(before):
            continue
        if _PAID_BEFORE.search(before) or _PAID_AFTER.search(after):
            value = as_amount(item.get("value"))
            if value is not None and value > 0:
                return value
    return None


#: how a preview begins; a follow-up ("剩下的12月20号还", "那信用卡呢") reuses its amount
PREVIEW_HEAD = re.compile(r"按今天还([\d,]+\.\d{2})元算")


#: after a preview: whether the loan is still overdue once that amount is paid
STILL_OVERDUE_QUESTION = re.compile(
    r"还[算是会]?逾期|算不算逾期|还是逾期|就不[算会]?逾期|不算逾期了|还[会要]?上征信|"
    r"征信.{0,3}(?:恢复|正常)|就没事了|就正常了"
)


def asks_if_still_overdue(tracker) -> bool:
    """ "还了以后还逾期吗" right after a preview of a repayment."""
    return bool(STILL_OVERDUE_QUESTION.search(latest_text(tracker))) and bool(
        PREVIEW_HEAD.search(previous_bot_text(tracker))
    )


def previewed_amount(tracker) -> Optional[Decimal]:
    """The amount of the preview the bot gave just before, when the latest message follows it
    up without an amount of its own: the rest on a named day, another product, or whether the
    loan is still overdue after it."""
    if latest_entity(tracker, "amount") is not None:
        return None
    text = latest_text(tracker)
    if not (
        _REST_WORDS.search(text)
        or latest_entity(tracker, "loan_product")
        or STILL_OVERDUE_QUESTION.search(text)
    ):
        return None
    found = PREVIEW_HEAD.search(previous_bot_text(tracker))
    return as_amount(found.group(1).replace(",", "")) if found else None


def asks_why_still_overdue(text: str) -> bool:
    """ "我还了500 为啥还显示逾期": a repayment made, and the loan still shown overdue; or just
    "还了1000", "我明明还了": a repayment made, said as a statement."""
    return bool(_PAID_ALREADY.search(text) and _WHY_STILL.search(text)) or bool(
        _PAID_STATEMENT.match(text.strip())
    )


def asks_about_partial_payment(tracker) -> bool:
    """The latest message is about repaying part now, with or without an amount."""
    return (
        repayment_amount(tracker) is not None
        or bool(_PART_WORDS.search(latest_text(tracker)))
        or previewed_amount(tracker) is not None
        or asks_why_still_overdue(latest_text(tracker))
    )


def _loan(overview: LoanOverview, product: Optional[str]) -> Optional[LoanSummary]:
    """The loan the repayment is most likely for: the named product, else the most overdue,
    else the one due first."""
    loans = [loan for loan in open_loans(overview) if not product or loan.product == product]
    overdue = [loan for loan in loans if loan.overdue_total > 0]
    if overdue:
        return max(overdue, key=lambda loan: (loan.overdue_days, loan.overdue_total))
    due = [loan for loan in loans if loan.next_due_date is not None and loan.amount_due > 0]
    return min(due, key=lambda loan: loan.next_due_date) if due else None


def _split_zh(preview: RepaymentPreview) -> str:
    parts = [
        f"{PART_NAMES[name]}{yuan(getattr(preview, name))}"
        for name in ("penalty", "interest", "principal")
        if getattr(preview, name) > 0
    ]
    return "、".join(parts)


def overdue_preview_zh(
    preview: RepaymentPreview,
    loan: LoanSummary,
    name: str,
    policy: LenderPolicy,
    rest_on: Optional[date],
) -> str:
    """An overdue loan: the split, what stays overdue, the penalty per day and saved."""
    today = preview.paid_on
    before, after = preview.before, preview.after
    lines = [f"按今天还{yuan(preview.amount)}算（{name}）："]
    if after.overdue_total == 0:
        if before.penalty_accrued == 0:
            lines.append(
                f"· 逾期的{yuan(before.overdue_total)}今天全部还清：还在宽限期内，不收罚息，"
                "逾期到此为止。"
            )
        else:
            lines.append(
                f"· 逾期的{yuan(before.overdue_total)}（含罚息{yuan(before.penalty_accrued)}）可以"
                f"全部还清：罚息从明天起不再增加，逾期天数停在{before.overdue_days}天。"
            )
        ahead = preview.amount - before.overdue_total
        if ahead > 0 and loan.next_due_date is not None:
            left = loan.next_due_amount - ahead
            due = date_zh(loan.next_due_date, today)
            rest = f"那一期还剩{yuan(left)}，{due}前还上就行。" if left > 0 else "那一期就还清了。"
            lines.append(f"· 多出的{yuan(ahead)}提前还到{due}到期的下一期，{rest}")
        if before.overdue_days > policy.report_after_days:
            lines.append(
                "· 已经报送征信的逾期记录不会因为还清而删掉，从还清那天起保留5年；还清后，"
                "之后按时还的月份会记为正常。"
            )
        return "\n".join(lines)
    lines.append(f"· 这笔钱抵{_split_zh(preview)}（{ORDER_NOTE}{order_zh(policy)}）。")
    if preview.principal == 0 and preview.interest == 0:
        lines.append(
            f"· 这笔钱只够抵罚息，逾期的本金和利息一分没减，罚息又只按它们算，所以每天的罚息还是"
            f"{yuan(preview.before.penalty_per_day or 0)}；多还一些才能让罚息降下来。"
        )
    else:
        per_day_before = before.penalty_per_day or Decimal(0)
        per_day_after = after.penalty_per_day or Decimal(0)
        days = (preview.horizon - today).days
        when = f"到{date_zh(preview.horizon, today)}才还清" if rest_on else f"{days}天后才还清"
        saved = (
            f"；剩下的{when}的话，这{days}天里罚息一共少约{yuan(preview.penalty_saved_by_horizon)}"
            if preview.penalty_saved_by_horizon > 0 and days > 0
            else ""
        )
        lines.append(
            f"· 还完后逾期还剩{yuan(after.overdue_total)}，每天的罚息从{yuan(per_day_before)}降到"
            f"{yuan(per_day_after)}（每天少{yuan(per_day_before - per_day_after)}）{saved}。"
        )
    if after.overdue_days < before.overdue_days:
        status = after.report_status
        lines.append(
            f"· 最早逾期的一期还清了：逾期天数按还没还清的最早一期算，从{before.overdue_days}天"
            f"变成{after.overdue_days}天，征信还款状态按“{status}”"
            f"（{STATUS_DESCRIPTIONS_ZH.get(status, status)}）算；剩下的{yuan(after.overdue_total)}"
            "还上，逾期才算停下来。"
        )
    else:
        lines.append(
            f"· 逾期部分全部还清之前，逾期天数还会往上加（现在{before.overdue_days}天），征信上也"
            f"还按逾期记；剩下的{yuan(after.overdue_total)}还上，才算停下来。"
        )
    due = loan.next_due_date
    if due is not None and loan.next_due_amount > 0 and due <= preview.horizon:
        counted = "（上面少的罚息已经把它算进去了）" if preview.penalty_saved_by_horizon > 0 else ""
        lines.append(
            f"· 另外{date_zh(due, today)}（{relative_day_zh(due, today)}）还有一期"
            f"{yuan(loan.next_due_amount)}到期，到时没还上也会算逾期{counted}。"
        )
    return "\n".join(lines)


def current_preview_zh(
    preview: RepaymentPreview,
    loan: LoanSummary,
    name: str,
    policy: LenderPolicy,
    rest_on: Optional[date],
) -> str:
    """A loan that is not overdue: the amount goes to the next installment, ahead of time; the
    rest paid on a named day after its due date is late, and says what that costs."""
    today = preview.paid_on
    due = loan.next_due_date
    when = f"{date_zh(due, today)}到期的" if due else ""
    head = (
        f"你的{name}现在没有逾期。今天先还{yuan(preview.amount)}，会提前还到{when}这一期："
        f"{_split_zh(preview)}。"
    )
    left = loan.next_due_amount - preview.amount
    if left <= 0:
        return head + "这一期就算还清了，下一期照常按还款日还。"
    if due is None or rest_on is None or rest_on <= due:
        return head + f"这一期还剩{yuan(left)}，到期日前还上就不算逾期，不会有罚息。"
    late = (rest_on - due).days
    day, due_day = date_zh(rest_on, today), date_zh(due, today)
    free_days = penalty_schedule(policy).free_days
    if late <= free_days and late <= policy.report_after_days:
        return head + (
            f"剩下的{yuan(left)}{day}还，比还款日（{due_day}）晚{late}天，还在宽限期内，不收罚息；"
            f"能在{due_day}前还上更稳妥。"
        )
    cost = what_if_cost(left, loan.daily_rate, late, policy)
    return head + (
        f"不过剩下的{yuan(left)}要是{day}才还，就比还款日（{due_day}）晚了{late}天，超过宽限期："
        f"罚息约{yuan(cost.total_penalty)}，{report_rule_zh(policy)}"
        f"尽量在{due_day}前把剩下的还上。"
    )


def per_principal_zh(loan: LoanSummary, name: str, policy: LenderPolicy) -> str:
    """No amount named: the borrower's own figures, and what each 1,000 yuan of principal does."""
    step = money(PER_PRINCIPAL * loan.daily_rate * policy.penalty_multiplier)
    return (
        f"你的{name}逾期{loan.overdue_days}天，逾期部分共{yuan(loan.overdue_total)}"
        f"（其中罚息{yuan(loan.penalty_accrued)}），"
        f"现在每天罚息约{yuan(penalty_per_day(loan, policy))}。"
        f"先还的钱抵完罚息和利息后，每多还{yuan(PER_PRINCIPAL)}本金，每天的罚息就少{yuan(step)}。"
        "告诉我打算先还多少（比如“先还2000”），我算给你看还完后剩多少、每天罚息多少。"
    )


async def partial_payment_zh(
    tracker,
    account: Optional[Account] = None,
    *,
    general: bool = True,
    overdue_only: bool = False,
) -> Optional[str]:
    """The answer to a partial-repayment message, or None when the message is not one (or the
    borrower owes nothing now, which the caller's own answer covers). ``general=False``: only
    figures of the borrower's own loan (after an answer that is not about overdue, such as
    early repayment: the overdue rule would be beside the point); ``overdue_only``: None
    unless the loan is overdue (a prepayment beyond this installment is not the ledger's to
    preview)."""
    answer = await partial_payment(tracker, account, general=general, overdue_only=overdue_only)
    return answer[0] if answer else None


async def partial_payment(
    tracker,
    account: Optional[Account] = None,
    *,
    general: bool = True,
    overdue_only: bool = False,
) -> Optional[Tuple[str, bool]]:
    """:func:`partial_payment_zh`'s answer, and whether something stays overdue after it (a
    relief request still makes sense)."""
    amount = repayment_amount(tracker) or previewed_amount(tracker)
    text = latest_text(tracker)
    if asks_why_still_overdue(text):
        account = account or await load_account(tracker)
        product = latest_entity(tracker, "loan_product")
        return paid_already_zh(account, product, load_policy()), False
    if amount is None and not _PART_WORDS.search(text):
        return None
    policy = load_policy()
    account = account or await load_account(tracker)
    if not account.has_loan_data:
        if not general:
            return None
        hint = (
            "绑定账户后告诉我打算先还多少（比如“先还2000”），我按你的借款算出还完后每天罚息多少。"
        )
        return rule_zh(policy) + "\n" + hint, True
    overview = account.overview
    loan = _loan(overview, latest_entity(tracker, "loan_product"))
    if loan is None or (overdue_only and loan.overdue_total == 0):
        return None
    names = loan_names(overview.loans)
    name = names[loan.loan_id]
    if amount is None and 0 < loan.overdue_total <= SMALL_OVERDUE:
        return (
            f"你的{name}逾期的只有{yuan(loan.overdue_total)}，用不着分几次：今天还上，这笔就不算逾期了。",
            False,
        )
    if amount is None and _HALF.search(text):
        # "先还一半行不": half of what is overdue (else of this installment), worked out
        base = loan.overdue_total if loan.overdue_total > 0 else loan.next_due_amount
        amount = money(base / 2) if base > 0 else None
    if amount is None:
        if loan.overdue_total > 0:
            return rule_zh(policy) + "\n" + per_principal_zh(loan, name, policy), True
        if not general or loan.next_due_date is None:
            return None  # nothing overdue: the rule is about overdue; the caller's answer stands
        due = date_zh(loan.next_due_date, overview.as_of)
        return (
            f"可以。你的{name}现在没有逾期，{due}到期的这一期应还{yuan(loan.next_due_amount)}："
            f"先还一部分也行，剩下的在{due}前还上就不算逾期，不会有罚息。"
            "告诉我打算先还多少（比如“先还500”），我算给你看这一期还剩多少。",
            True,
        )
    rest_on = _rest_day(tracker, overview.as_of)
    preview = await repayment_preview(account, loan.loan_id, amount, rest_on)
    if preview is None:
        return (rule_zh(policy), True) if general else None
    lines: List[str] = []
    if preview.requested > preview.amount:
        lines.append(cap_zh(preview, loan, overview.as_of))
    if preview.before.overdue_total > 0:
        lines.append(overdue_preview_zh(preview, loan, name, policy, rest_on))
    else:
        lines.append(current_preview_zh(preview, loan, name, policy, rest_on))
    others = [
        names[other.loan_id]
        for other in open_loans(overview)
        if other.loan_id != loan.loan_id and other.overdue_total > 0
    ]
    if others:
        lines.append(f"你的{'、'.join(others)}也有逾期；想算那笔，说“{others[0]}先还1000”。")
    elif len(open_loans(overview)) > 1 and not latest_entity(tracker, "loan_product"):
        other = next(names[o.loan_id] for o in open_loans(overview) if o.loan_id != loan.loan_id)
        lines.append(
            f"（按{'逾期的' if loan.overdue_total > 0 else '最先到期的'}{name}算；"
            f"想算别的，说“{other}先还{plain_amount(preview.requested)}”。）"
        )
    return "\n".join(lines), bool(others) or preview.after.overdue_total > 0


def paid_already_zh(account: Account, product: Optional[str], policy: LenderPolicy) -> str:
    """A repayment already made and the loan still overdue: why, and where it stands now (the
    ledger's figures already count every repayment it has booked)."""
    rule = (
        f"还进去的钱{ORDER_NOTE}{order_zh(policy)}；逾期的部分全部还清之前，"
        "账户会一直显示逾期，逾期天数也照样往上加。"
    )
    pending = "刚还的款入账可能有延迟；要是过了一天还没算进来，说“转人工”帮你查这笔款。"
    if not account.has_loan_data:
        return f"{rule}{pending}"
    loan = _loan(account.overview, product)
    if loan is None or loan.overdue_total == 0:
        return f"按账户现在的记录，你没有逾期的借款了。{pending}"
    name = loan_names(account.overview.loans)[loan.loan_id]
    return (
        f"{rule}按账户现在的记录（已入账的还款都算进去了），{name}逾期还剩"
        f"{yuan(loan.overdue_total)}（其中罚息{yuan(loan.penalty_accrued)}），已逾期"
        f"{loan.overdue_days}天，还清这些就不再算逾期。{pending}"
    )


def plain_amount(amount: Decimal) -> str:
    """``2000.00`` → ``2000``, ``12.50`` → ``12.5``: an amount as a borrower would type it."""
    return plain_str(amount.normalize()) if amount == amount.to_integral() else plain_str(amount)


def cap_zh(preview: RepaymentPreview, loan: LoanSummary, today: date) -> str:
    """More than can be repaid now: the most, and what settling the whole loan takes (the
    principal left, overdue interest, penalty and this period's interest to today, an estimate)."""
    line = f"这笔借款现在最多能还{yuan(preview.amount)}（逾期部分、罚息和本期应还）"
    settle = settle_today(loan, today)
    if settle is None:
        return line + "；再多就是提前结清，需要在App里办理。"
    if preview.requested >= settle:
        return (
            line + f"。你这笔总共只欠约{yuan(settle)}（今天一次结清的金额，含本期到今天的利息），"
            "要全部结清，在App的提前还款（全部结清）里办理，以页面金额为准。"
        )
    return line + f"；再多就是提前结清（今天一次结清约{yuan(settle)}），需要在App里办理。"


def _rest_day(tracker, today: date) -> Optional[date]:
    """The day the rest will be paid, when the message names one after today ("剩下的月底还")."""
    text = latest_text(tracker)
    if not _REST_WORDS.search(text):
        return None
    mention = first_date(text, today)
    return mention.day if mention is not None and mention.day > today else None


__all__ = [
    "asks_about_partial_payment",
    "asks_why_still_overdue",
    "previewed_amount",
    "partial_payment",
    "partial_payment_zh",
    "repayment_amount",
    "rule_zh",
]
