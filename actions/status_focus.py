"""One figure of the borrower's own loans, when that is what they asked.

"罚息现在多少了", "花呗几号还", "还有几期", "逾期几天了", "利息一共多少": the borrower wants one
figure, not the whole status reply. :func:`focus_of` reads which one from the message;
:func:`focused_messages` answers it per open loan (the product named in the message, else all),
keeps an overdue amount in view when the question was about something else, and says how to see
everything. A question with no such focus ("我还欠多少") gets the whole status reply.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import List, Optional, Pattern, Sequence, Tuple, Union

from actions.identity import load_account
from actions.loan_facts import in_grace, loan_names, next_step_line, open_loans, penalty_per_day
from actions.replies import date_zh, rate_text, relative_day_zh, yuan
from actions.slot_values import latest_entity, latest_text, previous_bot_text
from bot.finance.money import percent_str, plain_str
from bot.loans.client import LoanOverview, LoanSummary
from bot.policy import LenderPolicy, load_policy
from bot.policy.wording import in_grace_zh, penalty_schedule, prepayment_rule_zh

PERIODS = "periods"
PENALTY = "penalty"
OVERDUE_DAYS = "overdue_days"
NEXT_INSTALLMENT = "next_installment"
INTEREST = "interest"
RATE = "rate"
NEXT_STEPS = "next_steps"
TOTAL = "total"
SPLIT = "split"

#: the first focus whose pattern matches wins ("这期什么时候还" is a date question, "什么时候
#: 还完" a question of periods, "逾期几天了罚息多少" one of the penalty)
FOCI: Tuple[Tuple[str, Pattern[str]], ...] = (
    (
        NEXT_STEPS,
        re.compile(
            r"先[干做办弄](?:嘛|啥|什么)|[一下]步.{0,3}(?:干|做|办|弄|怎么)|接下来.{0,3}(?:怎么|干|做|办)|"
            r"咋整|咋办|怎么办|该怎么做|从哪(?:儿|里)?开始"
        ),
    ),
    (
        PERIODS,
        re.compile(
            r"[还剩][有下余]?[几多少]+期|几期没还|[一总]?共[几多少]+期|还[要得]还(?:多久|多长时间|几个月)|"
            r"(?:什么|啥)时候才?能?还完|哪天能?还完|最后一期|还剩[几多少]+个月"
        ),
    ),
    (PENALTY, re.compile(r"罚息|滞纳金|违约金|罚[了得]?多少|罚几")),
    (
        OVERDUE_DAYS,
        re.compile(r"逾期了?(?:[几多少]+天|多久|多长时间)|[拖欠晚]了(?:[几多少]+天|多久)"),
    ),
    (
        SPLIT,
        re.compile(
            r"(?:[这本下]一?期|[这本下]个?月|月供|每期).{0,8}(?:利息|本金)|"
            r"(?:利息|本金).{0,6}(?:[这本下]一?期|[这本下]个?月|月供)|本金.{0,6}利息.{0,3}(?:各|分别)"
        ),
    ),
    (
        NEXT_INSTALLMENT,
        re.compile(
            r"[几哪]号(?:要|该)?(?:还|扣|到期)|哪一?天(?:要|该)?(?:还|扣|到期)|"
            r"(?:什么|啥)时候(?:要|该)?(?:还|扣|到期)|还款日|到期日|"
            r"[这本下]一?期.{0,4}多少|[这本下]个?月.{0,4}(?:还|扣).{0,2}多少|每个?月.{0,4}多少|月供"
        ),
    ),
    (INTEREST, re.compile(r"利息.{0,5}(?:多少|几块|多钱)|(?:一共|总共|还要).{0,4}利息")),
    (
        TOTAL,
        re.compile(
            r"[一总]共.{0,4}(?:欠|还|要还).{0,3}(?:多少|几)|全部.{0,4}(?:欠|还).{0,3}多少|总欠|"
            r"欠.{0,3}总[数额共]|一次.{0,3}(?:还清|结清|还完).{0,5}多少|结清.{0,5}多少"
        ),
    ),
    (
        RATE,
        re.compile(
            r"利率|年化|日息|几厘|最贵|最便宜|哪[笔个].{0,3}(?:贵|划算|便宜)|利息最[高多低少]"
        ),
    ),
)

SEE_ALL_ZH = "想看全部明细，说“查一下我的借款”。"


def focus_of(text: str) -> Optional[str]:
    """Which single figure the message asks about, or None for the whole picture."""
    for focus, pattern in FOCI:
        if pattern.search(text or ""):
            return focus
    return None


def _penalty_line(loan: LoanSummary, name: str, policy: LenderPolicy) -> str:
    if loan.overdue_days <= 0:
        return f"【{name}】没有逾期，没有罚息。"
    if in_grace(loan, policy):
        line = f"【{name}】逾期{loan.overdue_days}天，{in_grace_zh(policy, loan.overdue_days)}"
        if loan.penalty_provisional > 0:
            line += f"宽限期内暂计的罚息{yuan(loan.penalty_provisional)}，期内还清就不用付。"
        return line
    line = f"【{name}】逾期{loan.overdue_days}天，罚息目前{yuan(loan.penalty_accrued)}"
    per_day = penalty_per_day(loan, policy)
    if per_day > 0:
        line += f"，每多一天约多{yuan(per_day)}"
    return line + f"；连同逾期本息一共{yuan(loan.overdue_total)}。"


def _overdue_days_line(loan: LoanSummary, name: str, policy: LenderPolicy) -> str:
    if loan.overdue_days <= 0:
        return f"【{name}】没有逾期。"
    return f"【{name}】已逾期{loan.overdue_days}天，逾期本息和罚息合计{yuan(loan.overdue_total)}。"


def _when(day: date, today: date) -> str:
    """``12月13日（7天后）``"""
    return f"{date_zh(day, today)}（{relative_day_zh(day, today)}）"


def _next_installment_line(loan: LoanSummary, name: str, today: date) -> str:
    day = f"每月{loan.due_day}号还款；" if loan.due_day else ""
    if loan.next_due_date is None or loan.next_due_amount <= 0:
        return f"【{name}】{day}已经没有待还的下一期了。"
    when = _when(loan.next_due_date, today)
    return f"【{name}】{day}下一期{when}应还{yuan(loan.next_due_amount)}。"


def _split_line(loan: LoanSummary, name: str, today: date) -> Optional[str]:
    if loan.next_due_principal is None or loan.next_due_interest is None:
        return None
    if loan.next_due_date is None or loan.next_due_amount <= 0:
        return f"【{name}】已经没有待还的下一期了。"
    line = (
        f"【{name}】下一期{_when(loan.next_due_date, today)}应还{yuan(loan.next_due_amount)}："
        f"本金{yuan(loan.next_due_principal)}、利息{yuan(loan.next_due_interest)}。"
    )
    if loan.overdue_total > 0:
        line += (
            f"另外已逾期的部分：本金{yuan(loan.overdue_principal)}、利息"
            f"{yuan(loan.overdue_interest)}、罚息{yuan(loan.penalty_accrued)}。"
        )
    return line


def _periods_line(loan: LoanSummary, name: str, today: date) -> Optional[str]:
    if loan.periods_left is None:
        return None
    line = f"【{name}】共{loan.term_months}期，还剩{loan.periods_left}期没还完"
    if loan.periods_overdue:
        line += f"（其中{loan.periods_overdue}期已逾期）"
    if loan.last_due_date is not None:
        line += f"，按时还的话最后一期在{date_zh(loan.last_due_date, today)}"
    return line + "。"


def _interest_line(loan: LoanSummary, name: str) -> Optional[str]:
    if loan.interest_left is None:
        return None
    paid = f"已付利息{yuan(loan.interest_paid)}；" if loan.interest_paid is not None else ""
    return (
        f"【{name}】{paid}剩下的各期按计划还要付利息{yuan(loan.interest_left)}（不含罚息），"
        f"{rate_text(loan.annual_rate, loan.daily_rate)}。"
    )


def _rate_line(loan: LoanSummary, name: str) -> str:
    return f"【{name}】{rate_text(loan.annual_rate, loan.daily_rate)}。"


def owed_now(loan: LoanSummary) -> Decimal:
    """What the borrower owes on ``loan`` today: the principal not yet repaid (the overdue
    principal included), the overdue interest and the penalty accrued; future periods' interest
    is not owed yet."""
    return loan.outstanding_principal + loan.overdue_interest + loan.penalty_accrued


def _total_line(loan: LoanSummary, name: str) -> str:
    parts = [f"剩余本金{yuan(loan.outstanding_principal)}"]
    if loan.overdue_interest > 0:
        parts.append(f"逾期利息{yuan(loan.overdue_interest)}")
    if loan.penalty_accrued > 0:
        parts.append(f"罚息{yuan(loan.penalty_accrued)}")
    if len(parts) == 1:
        return f"【{name}】{parts[0]}。"
    return f"【{name}】{' + '.join(parts)} = {yuan(owed_now(loan))}。"


#: what the total leaves out, after the per-loan lines
TOTAL_NOTE_ZH = (
    "这是到今天欠下的：本金加上已经逾期的利息和罚息。以后各期的利息按用款天数另算；"
    "想今天一次结清，还要加上本期到今天的利息，以App里显示的结清金额为准。"
)


def _loan_line(
    focus: str, loan: LoanSummary, name: str, policy: LenderPolicy, today: date
) -> Optional[str]:
    if focus == PENALTY:
        return _penalty_line(loan, name, policy)
    if focus == OVERDUE_DAYS:
        return _overdue_days_line(loan, name, policy)
    if focus == NEXT_INSTALLMENT:
        return _next_installment_line(loan, name, today)
    if focus == SPLIT:
        return _split_line(loan, name, today)
    if focus == PERIODS:
        return _periods_line(loan, name, today)
    if focus == INTEREST:
        return _interest_line(loan, name)
    if focus == RATE:
        return _rate_line(loan, name)
    if focus == TOTAL:
        return _total_line(loan, name)
    return None


def overdue_reminder(loans: Sequence[LoanSummary], names: dict) -> Optional[str]:
    """The overdue amounts, when the question was about something else."""
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    if not overdue:
        return None
    parts = "；".join(
        f"{names[loan.loan_id]}已逾期{loan.overdue_days}天，"
        f"逾期本息和罚息{yuan(loan.overdue_total)}"
        for loan in overdue
    )
    return f"⚠️ 另外，{parts}，越早还上越好。"


def _next_steps(loans: Sequence[LoanSummary], names: dict, today: date) -> List[str]:
    """What to do first, in order, from the borrower's own figures."""
    steps: List[str] = []
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    if overdue:
        total = sum((loan.overdue_total for loan in overdue), Decimal("0.00"))
        which = "、".join(names[loan.loan_id] for loan in overdue)
        steps.append(
            f"先还逾期的{yuan(total)}（{which}）：罚息按天算，早一天还就少一天罚息；"
            "一次还不清，能还多少先还多少。"
        )
    upcoming = sorted(
        (loan for loan in loans if loan.next_due_date is not None and loan.next_due_amount > 0),
        key=lambda loan: loan.next_due_date,
    )
    if upcoming:
        first = upcoming[0]
        when = _when(first.next_due_date, today)
        steps.append(
            ("再" if overdue else "")
            + f"备好下一期：{names[first.loan_id]}{when}应还{yuan(first.next_due_amount)}，"
            + ("今天就存进还款账户。" if first.next_due_date <= today else "提前存进还款账户。")
        )
    if overdue:
        steps.append("实在凑不齐，说“申请延期”，我帮你向贷款方提交协商申请，别拖着不管。")
    elif len(loans) > 1:
        steps.append("想早点还清几笔欠款，说“帮我做个还款计划”，我按你每月能拿出的钱排先后。")
    steps.append("说“还款日前3天提醒我”，我到时提醒你，免得忘了。")
    return [f"{index}. {step}" for index, step in enumerate(steps, start=1)]


def focused_messages(
    overview: LoanOverview,
    focus: str,
    product: Union[None, str, Sequence[str]],
    policy: LenderPolicy,
) -> Optional[List[str]]:
    """The reply bubbles to a one-figure question about the products named (one, several —
    "借呗和花呗一共欠多少" — or none: all loans), or None when the whole status reply serves
    better (no open loan, or the ledger does not send the figure)."""
    products = [product] if isinstance(product, str) else list(product or [])
    today = overview.as_of
    active = open_loans(overview)
    if not active:
        return None
    names = loan_names(overview.loans)
    if focus == NEXT_STEPS:
        return ["按你现在的情况，建议这样做：\n" + "\n".join(_next_steps(active, names, today))]
    named = [loan for loan in active if loan.product in products]
    lines: List[str] = []
    missing = [
        name for name in dict.fromkeys(products) if name not in {loan.product for loan in active}
    ]
    if missing:
        lines.append(
            f"你名下没有{'、'.join(missing)}的借款记录。" + ("" if named else "你的借款：")
        )
    loans = named or active
    for loan in loans:
        line = _loan_line(focus, loan, names[loan.loan_id], policy, today)
        if line is None:
            return None
        lines.append(line)
    if focus == PENALTY and all(loan.overdue_days <= 0 for loan in loans):
        lines.append(next_step_line(0, policy))
    if focus == INTEREST:
        lines.append(prepayment_rule_zh(policy))
    if focus == RATE and len(loans) > 1:
        dearest = max(loans, key=lambda loan: loan.annual_rate)
        lines.append(
            f"利率最高的是{names[dearest.loan_id]}。手头有余钱想多还，先还利率最高的最省利息；"
            "说“帮我做个还款计划”，我按你每月能拿出的钱排先后。"
        )
    if focus == TOTAL:
        if len(loans) > 1:
            total = sum((owed_now(loan) for loan in loans), Decimal("0.00"))
            lines.append(f"{len(loans)}笔合计{yuan(total)}。")
        lines.append(TOTAL_NOTE_ZH)
    if focus == SPLIT:
        pass  # each loan's line already names what is overdue
    elif focus not in (PENALTY, OVERDUE_DAYS):
        reminder = overdue_reminder(active, names)
        if reminder:
            lines.append(reminder)
    elif any(loan.overdue_days > 0 for loan in loans):
        lines.append("能还多少先还多少；实在还不上，说“申请延期”，我帮你提交协商申请。")
    return ["\n".join(lines), SEE_ALL_ZH]


#: "咋算的", "怎么算出来的", "这罚息哪来的": how a figure just given was worked out
HOW_COMPUTED = re.compile(
    r"(?:咋|怎么|如何|怎样)(?:个)?算(?:的|出来|出|法)?|怎么来的|哪来的|咋来的|怎么这么多|算法|计算方法"
)


def asks_how_penalty_computed(text: str, said_before: str) -> bool:
    """ "咋算的" right after the bot gave the borrower's penalty figure."""
    return bool(HOW_COMPUTED.search(text or "")) and bool(
        re.search(r"罚息(?:目前|合计|一共)?[\d,.]+元|已计罚息[\d,.]+元|罚息[\d,.]+元", said_before)
    )


async def penalty_explanation(tracker, account=None) -> Optional[str]:
    """ "咋算的" right after the borrower's penalty figure: :func:`penalty_explained_zh` for the
    product the message names (``account`` when the caller has it loaded, else loaded here);
    None for any other message, or a user without loan data."""
    if not asks_how_penalty_computed(latest_text(tracker), previous_bot_text(tracker)):
        return None
    account = account or await load_account(tracker)
    if not account.has_loan_data:
        return None
    return penalty_explained_zh(
        account.overview, latest_entity(tracker, "loan_product"), load_policy()
    )


def penalty_explained_zh(
    overview: LoanOverview, product: Optional[str], policy: LenderPolicy
) -> Optional[str]:
    """How the borrower's penalty is worked out, with their own figures (the loan named, else
    the one longest overdue); None when nothing is overdue."""
    overdue = [loan for loan in open_loans(overview) if loan.overdue_days > 0]
    if product:
        overdue = [loan for loan in overdue if loan.product == product] or overdue
    if not overdue:
        return None
    loan = max(overdue, key=lambda item: item.overdue_days)
    name = loan_names(overview.loans)[loan.loan_id]
    schedule = penalty_schedule(policy)
    multiplier = policy.penalty_multiplier
    rate = (
        f"罚息日利率{percent_str(loan.daily_rate * multiplier, 3)}%"
        f"（合同日利率{percent_str(loan.daily_rate, 3)}%的{plain_str(multiplier)}倍）"
    )
    counted = (
        "从逾期第1天算起"
        if schedule.counted_from_day <= 1
        else (f"从逾期第{schedule.counted_from_day}天算起")
    )
    lines = [
        f"罚息是这样算的：每一期到期没还的本金和利息，按{rate}逐日计，{counted}"
        + (
            f"（宽限期{schedule.free_days}天内还清就不收；过了宽限期，前{schedule.free_days}天也补算）。"
            if schedule.grace_charged_later
            else "。"
        )
    ]
    base = loan.overdue_principal + loan.overdue_interest
    if in_grace(loan, policy):
        lines.append(
            f"你的{name}逾期{loan.overdue_days}天，还在宽限期内：没还的本息{yuan(base)}"
            "这几天还清就不收罚息。"
        )
        return "\n".join(lines)
    per_day = penalty_per_day(loan, policy)
    several = (loan.periods_overdue or 1) > 1
    lines.append(
        f"你的{name}现在逾期没还的本息是{yuan(base)}，按这个利率每天约{yuan(per_day)}"
        + (
            f"；逾期的{loan.periods_overdue}期各自从到期那天起算，天数不一样，"
            if several
            else f"；逾期{loan.overdue_days}天，"
        )
        + f"到今天罚息一共{yuan(loan.penalty_accrued)}。"
    )
    first, second, last = (
        {"penalty": "罚息", "interest": "利息", "principal": "本金"}[part]
        for part in policy.repayment_allocation
    )
    lines.append(
        f"还进去的钱先抵{first}、再抵{second}、最后抵{last}；逾期的本息还清了，罚息就不再往上加。"
    )
    return "\n".join(lines)


#: the bot just named the borrower's dearest loan ("利率最高的是借呗。…")
_DEAREST_SAID = re.compile(r"利率最高的是([^。，,；\s]+?)[。，,；]")
#: "先还它行不", "那就先还这笔": going with that loan first
_THAT_ONE_FIRST = re.compile(
    r"先还(?:它|他|她|这个|这笔|那个|那笔|这一笔|那一笔|利率高的|最贵的|利息高的)"
)


def dearest_first_zh(text: str, said_before: str) -> Optional[str]:
    """ "先还它行不" right after the bot named the dearest loan: yes, and how (None otherwise)."""
    named = _DEAREST_SAID.search(said_before or "")
    if not named or not _THAT_ONE_FIRST.search(text or ""):
        return None
    name = named.group(1)
    return (
        f"可以，这样最省利息：每一笔这一期的应还都先按时还上（哪一笔都别逾期），"
        f"手头多出来的钱都拿去多还{name}；{name}还清了，再按利率从高到低轮到下一笔。"
        "想按你每月能拿出的钱排个先后，说“帮我做个还款计划”。"
    )


__all__ = [
    "dearest_first_zh",
    "FOCI",
    "focus_of",
    "focused_messages",
    "overdue_reminder",
    "SEE_ALL_ZH",
    "asks_how_penalty_computed",
    "penalty_explained_zh",
    "penalty_explanation",
]
