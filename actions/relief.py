"""Repayment relief request: start (account check), form, confirmation, filing.

Flow: ``request_repayment_relief`` → ``action_start_repayment_relief`` (linked?) →
``relief_form`` (reason, what they can afford each month) → ``action_confirm_relief_request``
(summary, "提交吗？") → ``affirm`` → ``action_submit_relief_request`` / ``deny`` →
``action_decline_relief_request``.

The request goes to the ledger API with an idempotency key derived from the conversation id and
the id of the user message that confirmed it, kept in a slot until the filing succeeds: a
retried action, or a retry after a failed call, never files twice. The reply gives the reference
number and says plainly that approval is the lender's decision.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows import (
    ACCOUNT_STATUS,
    ANSWERED,
    account_status_event,
    idempotency_key,
    is_follow_up,
    prepared_values,
    skip_empty,
    slot_events,
    stop_for_no_loans,
    stop_without_loan_data,
    validate_amount,
)
from actions.identity import UNLINKED, Account, load_account, loans_on
from actions.loan_facts import SMALL_OVERDUE, loan_names, open_loans, what_if_cost
from actions.partial_payment import (
    asks_about_partial_payment,
    partial_payment,
    partial_payment_zh,
)
from actions.replies import date_zh, yuan
from actions.slot_values import (
    as_amount,
    extracted_words,
    latest_entity,
    latest_intent,
    latest_text,
    latest_user_event,
    previous_bot_text,
)
from actions.status_focus import dearest_first_zh
from bot.finance.money import money, plain_str
from bot.loans import client as loans_client
from bot.loans.client import (
    LoanOverview,
    LoanServiceError,
    LoanSummary,
    Rejected,
    ServiceUnavailable,
)
from bot.nlu.dates import first_date
from bot.policy import LenderPolicy, load_policy
from bot.policy.faq_notes import load_faq_notes
from bot.policy.wording import grace_report_zh, penalty_schedule, report_rule_zh

log = logging.getLogger(__name__)

RESULT_ACTION = "action_submit_relief_request"
FORM_SLOTS = ("relief_reason", "relief_affordable")
KIND_SLOT = "relief_kind"
LOAN_SLOT = "relief_loan_id"
KEY_SLOT = "relief_key"
MAX_REASON_CHARS = 2000
MAX_AFFORDABLE = Decimal("1000000")

KIND_LABELS = {
    "extension": "延期还款",
    "installment": "分期还款",
    "restructuring": "调整还款计划（减免或重组）",
    "other": "协商还款",
}
_KIND_WORDS = (
    ("installment", re.compile(r"分期|分几期|分成|分\d+期|分[一二两三四五六七八九十]+期")),
    (
        "restructuring",
        re.compile(r"减免|免息|停息|少还|降息|重组|减少利息|免罚息|罚息能不能免|个性化"),
    ),
    (
        "extension",
        re.compile(r"延期|延后|推迟|晚几天|晚点还|宽限|缓[一两几]|缓缓|往后|展期|下个月再还"),
    ),
)
_REASON_WORDS = re.compile(
    r"失业|裁员|被辞|没工作|找工作|生病|住院|手术|病了|受伤|降薪|减薪|工资没发|欠薪|拖欠工资|"
    r"收入|生意|亏|倒闭|疫情|家里|孩子|老人|父母|离婚|意外|车祸|被骗"
)
#: a question about the request itself, not what happened ("申请编号是多少", "多久有结果")
_PROCESS_QUESTION = re.compile(
    r"编号|进度|多久|多长时间|什么时候|啥时候|几天|结果|批了没|批没批|能批吗|会批吗|通过了吗|审核|"
    r"批了吗|怎么样了|咋样了|批下来|通过没"
)
PROCESS_QUESTION_ZH = (
    "申请还没提交：提交后我会告诉你编号，结果由贷款方通知你。"
    "现在先说说遇到了什么情况，比如失业、生病、收入减少；不想申请了说“算了”。"
)
#: where "my request" stands, asked with no request waiting
_STATUS_OF_EXISTING = re.compile(
    r"结果出来|出结果了|有结果了|批了没|批没批|批下来|通过了吗|通过没|怎么样了|咋样了|批了吗|进度"
)
NO_REQUEST_ZH = (
    "我这边没查到你在等结果的延期或分期申请：通过我提交的申请都查得到；在App或电话里办的，"
    "以那边的记录为准。想现在申请，说“申请延期”，我帮你提交。"
)
UNKNOWN_ZH = "申请记录暂时查不到，请稍后再问一次；着急的话可以说“转人工”。"
_WAIVER_WORDS = re.compile(r"减免|免(?:掉|除|了)?(?:罚息|利息)|(?:罚息|利息).{0,4}(?:减|免|少)")
WAIVER_ZH = (
    "罚息、利息能不能减免，由贷款方审核时决定，我这边不能直接减。我可以把你的情况和想减免的要求"
    "写进申请，请贷款方考虑，结果以贷款方的答复为准："
)
REASON_ADDED_ZH = "明白了，这个情况我一起写进申请理由里。"
#: a question, not a reason, when it names no hardship ("那利息能少点吗", "会上征信吗")
_QUESTION = re.compile(
    r"(?:吗|么|嘛|？|\?)\s*$|能不能|可不可以|可以不|会不会|是不是|要不要|多少|行不行|行不$|能少"
)
#: words of a situation that make a message with a question in it a reason all the same
#: ("最近手头紧 能不能晚点还")
_HARDSHIP_HINTS = re.compile(
    r"手头|没钱|缺钱|周转|紧张|压力|困难|还不上|还不起|负债|急用|开销|花销|医药|学费|看病|出事|工资"
)
#: asking the lender for something the request decides ("利息能少点吗", "能批吗")
_RELIEF_ASK = re.compile(r"减|免|少|降|批|通过|同意")
DECIDED_BY_LENDER_ZH = "能不能减、能不能批，是贷款方审核申请时定的，我这边定不了。"
REASON_AFTER_QUESTION_ZH = (
    "要申请的话，说说遇到了什么情况（比如失业、生病、收入减少）；想先问别的，说“算了”停下来再问。"
)
#: after where a waiting request stands, when that was all the borrower asked
STATUS_ONLY_ZH = "想补充情况、重新申请，说“我要申请延期”。"
#: after what a partial repayment would do, before the relief form's first question
PARTIAL_THEN_ZH = "剩下的一时还不上，可以申请延期或分期，我帮你提交："
PARTIAL_OFFER_ZH = "剩下的一时还不上，说“申请延期”，我帮你向贷款方提交协商申请。"
#: asking for an arrangement, not only what a partial repayment does ("先还2000 剩下的能延期吗")
_ARRANGEMENT_WORDS = re.compile(
    r"延期|展期|分期|协商|停息|挂账|减免|申请|缓|宽限|推迟|晚点|晚几天|还不上|还不起|困难"
)
#: a go-ahead, not a reason ("好 继续吧" after a question in the middle of the form)
_GO_ON = re.compile(r"(?:好|的|吧|嗯|行|可以|继续|接着|来|啊|呀|哦|噢|ok|那|说)+")
_NOTHING = re.compile(r"没有|一分都?没|拿不出|还不起|一分钱也|零|^\s*0\s*$")
#: a "no" that answers "what happened?" rather than stopping the request: no money at all
#: ("一分都没有", "没钱") is the reason; a bare "没有" is asked once more, gently
_NO_MONEY = re.compile(r"一分(?:钱)?(?:都|也)?没|没钱|身无分文|分文没有|一点钱都没|拿不出钱")
_BARE_NO = re.compile(r"(?:没有|没|没啥|没什么|没有啊|没啊)[。.!！~～]*")
NO_REASON_GIVEN = "（没有细说原因）"
BARE_NO_ZH = "不方便细说也没关系，一两句就够，贷款方审核时会参考；不想申请了就说“算了”。"
#: intents that are never the answer to "what happened?" (the rules handle them)
NOT_REASONS = {
    "faq",
    "deny",
    "express_distress",
    "human_handoff",
    "bot_challenge",
    "check_loan_status",
    "greet",
    "goodbye",
    "thank",
}
#: what an unlinked user asking for relief can do now, before how to link
RELIEF_BASICS_ZH = (
    "还不上可以和贷款机构协商延期或分期，协商是免费的：只走App或官方客服电话，如实说明困难，"
    "问清罚息怎么处理、征信上怎么记，谈好的方案要有书面或App内的确认。别给任何中介交钱。"
)
UNLINKED_HINT = "绑定后，我可以直接帮你把协商申请提交给贷款方。"
NO_LOANS_ZH = "你名下目前没有未结清的借款，不需要申请延期或分期 🙂"
NOT_FILED_ZH = (
    "申请暂时没提交成功，账户服务有点忙。你说的情况我都记下了，过一会儿说“重新提交申请”就行，"
    "不会重复提交。"
)
CONFIRM_BUTTONS = [
    {"title": "确认提交", "payload": "/affirm"},
    {"title": "先不提交", "payload": "/deny"},
]


def relief_kind(text: str) -> str:
    for kind, words in _KIND_WORDS:
        if words.search(text or ""):
            return kind
    return "other"


def relief_loan(overview: LoanOverview, product: Optional[str]) -> Optional[str]:
    """The loan the request is about: the named product, else the most overdue, else the only
    one."""
    loans = open_loans(overview)
    if product:
        loans = [loan for loan in loans if loan.product == product] or loans
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    if overdue:
        return max(overdue, key=lambda loan: loan.overdue_days).loan_id
    return loans[0].loan_id if len(loans) == 1 else None


#: after a waiting request, when a new one is about to start
PENDING_THEN_ZH = "情况有变化、想补充的话，可以接着填一份新的；不用了说“算了”。"


async def relief_requests(borrower_id: str) -> Optional[list]:
    """The borrower's relief requests, newest first; None when the ledger cannot tell."""
    try:
        return await loans_client.get_client().list_relief_requests(borrower_id)
    except LoanServiceError as error:
        log.warning("could not list relief requests: %s", error.code)
        return None


async def pending_request_zh(
    borrower_id: str, loan_id: Optional[str], then: str = PENDING_THEN_ZH
) -> Optional[str]:
    """A request of this borrower still waiting for the lender (the same loan, or one about the
    whole account), then ``then`` (what the borrower can do next); None when there is none or
    the ledger cannot tell."""
    requests = await relief_requests(borrower_id)
    return waiting_request_zh(requests, loan_id, then) if requests is not None else None


def waiting_request_zh(
    requests: list, loan_id: Optional[str], then: str = PENDING_THEN_ZH
) -> Optional[str]:
    """:func:`pending_request_zh` on requests already listed."""
    waiting = [
        r
        for r in requests
        if r.status == "received" and (r.loan_id is None or loan_id is None or r.loan_id == loan_id)
    ]
    if not waiting:
        return None
    last = waiting[0]
    return (
        f"你{last.requested_on.month}月{last.requested_on.day}日已经提交过一份申请"
        f"（编号{last.reference}），贷款方还在处理，结果会另行通知，不用重复提交。{then}"
    )


def named_day_answer(
    text: str, overview: LoanOverview, loan_id: Optional[str], policy: LenderPolicy
) -> Optional[Tuple[str, bool]]:
    """ "15号发工资再还行吗": what paying on the day the message names means for the next
    installment of a loan that is not overdue, as ``(what to say, whether a request still
    makes sense)``; None when no day is named or there is no such installment. A day on or
    before the due date is on time; inside the grace days, with no report before then, it costs
    nothing: neither needs a request. Later, the penalty it would cost comes before the form."""
    loans = [loan for loan in open_loans(overview) if loan_id is None or loan.loan_id == loan_id]
    if any(loan.overdue_days > 0 for loan in loans):
        return None
    due = [loan for loan in loans if loan.next_due_date is not None and loan.next_due_amount > 0]
    if not due:
        return None
    mention = first_date(text, overview.as_of)
    if mention is None:
        return None
    late_loans = [loan for loan in due if mention.day > loan.next_due_date]
    if len(late_loans) > 1:  # several of the borrower's installments fall due before that day
        return several_late_zh(late_loans, mention.day, overview, policy)
    loan = late_loans[0] if late_loans else min(due, key=lambda item: item.next_due_date)
    name = f"{loan_names(overview.loans)[loan.loan_id]}这一期" if len(due) > 1 else "这一期"
    today = overview.as_of
    day, due_day = date_zh(mention.day, today), date_zh(loan.next_due_date, today)
    late = (mention.day - loan.next_due_date).days
    if late <= 0:
        return (
            f"{day}还没过{name}的还款日（{due_day}），那天前还上{yuan(loan.next_due_amount)}"
            "就是按时还款，不算逾期，也不用申请延期。怕忘的话，说“还款日前提醒我”。",
            False,
        )
    free_days = penalty_schedule(policy).free_days
    if late <= free_days and late <= policy.report_after_days:
        return (
            f"{day}还，比{name}的还款日（{due_day}）晚{late}天，还在宽限期内：这{late}天里还清"
            f"{yuan(loan.next_due_amount)}不收罚息。{grace_report_zh(policy)}"
            f"所以{day}钱一到就还上，不用申请延期；能早一天凑齐更稳妥。",
            False,
        )
    cost = what_if_cost(loan.next_due_amount, loan.daily_rate, late, policy)
    return (
        f"{day}才还的话，{name}（{due_day}到期，{yuan(loan.next_due_amount)}）会逾期{late}天，"
        f"罚息约{yuan(cost.total_penalty)}；{report_rule_zh(policy)}"
        "确实要晚这么久，可以先申请延期：",
        True,
    )


def tiny_overdue_zh(overview: LoanOverview) -> Optional[str]:
    """Only a few yuan overdue and nothing else to ask for: paying it today beats a request."""
    loans = open_loans(overview)
    overdue = [loan for loan in loans if loan.overdue_total > 0]
    total = sum((loan.overdue_total for loan in overdue), Decimal("0.00"))
    if not overdue or total > SMALL_OVERDUE:
        return None
    return (
        f"你现在逾期的只有{yuan(total)}，今天补上就行，用不着申请延期：每多一天，逾期天数就多记一天。"
        "要是之后的分期也还不上，说说遇到了什么情况（比如“失业了 下个月还不上”），我再帮你申请。"
    )


def several_late_zh(
    loans: List[LoanSummary], day: date, overview: LoanOverview, policy: LenderPolicy
) -> Tuple[str, bool]:
    """Paying on ``day`` is late for several installments: each with its days and penalty."""
    names = loan_names(overview.loans)
    free_days = penalty_schedule(policy).free_days
    lines, needed, total = [], False, Decimal("0.00")
    for loan in sorted(loans, key=lambda item: item.next_due_date):
        late = (day - loan.next_due_date).days
        head = (
            f"· {names[loan.loan_id]}（{date_zh(loan.next_due_date, overview.as_of)}到期，"
            f"{yuan(loan.next_due_amount)}）晚{late}天"
        )
        if late <= free_days and late <= policy.report_after_days:
            lines.append(f"{head}，在宽限期内，还清不收罚息")
            continue
        needed = True
        cost = what_if_cost(loan.next_due_amount, loan.daily_rate, late, policy)
        total += cost.total_penalty
        lines.append(f"{head}，罚息约{yuan(cost.total_penalty)}")
    head = f"{date_zh(day, overview.as_of)}才还的话，你有{len(loans)}笔会晚："
    if needed:
        tail = f"罚息合计约{yuan(total)}；{report_rule_zh(policy)}确实要晚这么久，可以先申请延期："
    else:
        tail = f"{grace_report_zh(policy)}那天钱一到就都还上，不用申请延期。"
    return "\n".join([head, *lines, tail]), needed


async def overdue_by_day_zh(
    account: Account, text: str, loan_id: Optional[str]
) -> Optional[Tuple[str, bool]]:
    """ "15号发工资再还行吗" from a borrower already overdue: what the overdue amount will be on
    that day if nothing is paid before (the ledger's projection, every installment at its own
    days), next to today's, as ``(what to say, whether a request still makes sense)``: a few
    yuan left unpaid need paying today, not a request. None when no later day is named or
    nothing is overdue."""
    overview = account.overview
    loans = [loan for loan in open_loans(overview) if loan_id is None or loan.loan_id == loan_id]
    overdue = [loan for loan in loans if loan.overdue_days > 0]
    mention = first_date(text, overview.as_of) if overdue else None
    if mention is None or mention.day <= overview.as_of:
        return None
    later = await loans_on(account, mention.day)
    if later is None:
        return None
    now_total = sum((loan.overdue_total for loan in overdue), Decimal("0.00"))
    then = [later.loan(loan.loan_id) for loan in overdue]
    if any(loan is None for loan in then):
        return None
    then_total = sum((loan.overdue_total for loan in then), Decimal("0.00"))
    day = date_zh(mention.day, overview.as_of)
    more = then_total - now_total
    if now_total <= SMALL_OVERDUE:
        return (
            f"只差{yuan(now_total)}，不用等到{day}，也不用申请延期：今天就补上。"
            "每多一天，逾期天数就多记一天，过了宽限期还可能被报送征信。",
            False,
        )
    return (
        f"等到{day}再还的话：今天要补上的逾期{yuan(now_total)}，到那天会变成{yuan(then_total)}"
        f"（多{yuan(more)}：罚息每天都在加，期间到期的也算进来），征信上的逾期天数也一直在涨。"
        "能先还一部分就先还一部分。确实要等到那天，可以申请延期，和贷款方谈个安排：",
        True,
    )


class ActionStartRepaymentRelief(Action):
    def name(self) -> Text:
        return "action_start_repayment_relief"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        account = await load_account(tracker)
        if not account.has_loan_data:
            if account.status == UNLINKED:
                dispatcher.utter_message(text=RELIEF_BASICS_ZH)
            return stop_without_loan_data(dispatcher, account, UNLINKED_HINT)
        if not open_loans(account.overview):
            return stop_for_no_loans(dispatcher, account, NO_LOANS_ZH)
        text = latest_text(tracker)
        dearest = dearest_first_zh(text, previous_bot_text(tracker))
        if dearest:  # "先还它行不" after the dearest loan was named: a strategy, not relief
            dispatcher.utter_message(text=dearest)
            return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        retry = is_follow_up(tracker, RESULT_ACTION)
        product = latest_entity(tracker, "loan_product")
        if _PROCESS_QUESTION.search(text) and not _REASON_WORDS.search(text):
            # "我的延期申请批了没", also right after filing one: where it stands, no new request
            requests = await relief_requests(account.borrower_id)  # asked once
            loan_id = relief_loan(account.overview, product)
            pending = (
                waiting_request_zh(requests, loan_id, STATUS_ONLY_ZH)
                if requests is not None
                else None
            )
            if pending:
                dispatcher.utter_message(text=pending)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
            if _STATUS_OF_EXISTING.search(text):
                # "申请结果出来了吗" with nothing waiting: say so, no new request unasked
                dispatcher.utter_message(text=NO_REQUEST_ZH if requests is not None else UNKNOWN_ZH)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        partial = None
        if not retry and asks_about_partial_payment(tracker):
            # "这个月先还一部分可以吗": what that does to their loan, then the request; none
            # when that amount clears everything overdue ("先还5000行不行")
            partial = await partial_payment(tracker, account)
            if partial:
                said, needed = partial
                if not needed or not (
                    _ARRANGEMENT_WORDS.search(text) or _REASON_WORDS.search(text)
                ):
                    # cleared, or a question about the repayment itself ("先还1000 能少多少罚息")
                    dispatcher.utter_message(
                        text=said + ("\n" + PARTIAL_OFFER_ZH if needed else "")
                    )
                    return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
                dispatcher.utter_message(text=said + "\n" + PARTIAL_THEN_ZH)
        if not retry and not partial:
            day = named_day_answer(
                text, account.overview, relief_loan(account.overview, product), load_policy()
            )
            if day is not None:
                said, needed = day
                dispatcher.utter_message(text=said)
                if not needed:
                    return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
            else:
                later = await overdue_by_day_zh(
                    account, text, relief_loan(account.overview, product)
                )
                if later:
                    said, needed = later
                    dispatcher.utter_message(text=said)
                    if not needed:
                        return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        if not retry and not partial and not _REASON_WORDS.search(text):
            tiny = tiny_overdue_zh(account.overview)
            if tiny:  # "申请延期" over a yuan or two: pay it today
                dispatcher.utter_message(text=tiny)
                return [SlotSet(ACCOUNT_STATUS, ANSWERED)]
        given: Dict[str, Optional[str]] = {"relief_reason": None, "relief_affordable": None}
        if _REASON_WORDS.search(text):
            given["relief_reason"] = text.strip()[:MAX_REASON_CHARS]
        amount = latest_entity(tracker, "amount")
        if amount is not None and as_amount(amount) is not None and not partial:
            given["relief_affordable"] = amount  # (a repayment now is not a monthly budget)
        values = prepared_values(tracker, FORM_SLOTS, given, RESULT_ACTION)
        kind = relief_kind(text)
        if retry and kind == "other" and tracker.get_slot(KIND_SLOT):
            kind = tracker.get_slot(KIND_SLOT)
        values[KIND_SLOT] = kind
        values[LOAN_SLOT] = relief_loan(account.overview, product)
        if not retry and kind == "restructuring" and _WAIVER_WORDS.search(text):
            # "能减免罚息不": what the bot can and cannot do about it, then the request
            dispatcher.utter_message(text=WAIVER_ZH)
        if not retry:
            values[KEY_SLOT] = None  # a new request gets a new key; a retry keeps it
            pending = await pending_request_zh(account.borrower_id, values[LOAN_SLOT])
            if pending:
                dispatcher.utter_message(text=pending)
        return [account_status_event(account)] + slot_events(values, tracker)


class ValidateReliefForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_relief_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        return await self.named_loan(dispatcher, tracker) + await super().run(
            dispatcher, tracker, domain
        )

    @staticmethod
    async def named_loan(dispatcher, tracker: Tracker) -> List[EventType]:
        """One of the borrower's loans named while the reason is asked ("借呗那笔"): the request
        is about that loan (the form's slots are validated as usual; this slot is not one)."""
        product = latest_entity(tracker, "loan_product")
        if not product or tracker.get_slot("requested_slot") != "relief_reason":
            return []
        account = await load_account(tracker)
        if not account.has_loan_data:
            return []
        if product not in {loan.product for loan in open_loans(account.overview)}:
            return []
        loan_id = relief_loan(account.overview, product)
        if loan_id == tracker.get_slot(LOAN_SLOT):
            return []
        name = loan_names(account.overview.loans)[loan_id]
        dispatcher.utter_message(text=f"好的，这次只申请{name}这一笔。")
        return [SlotSet(LOAN_SLOT, loan_id)]

    async def extract_relief_reason(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "relief_reason":
            return {}
        text = latest_text(tracker).strip()
        if latest_intent(tracker) == "deny" and (
            _NO_MONEY.search(text) or _BARE_NO.fullmatch(text)
        ):
            return {"relief_reason": text}  # "一分都没有": the reason, not a stop
        if latest_intent(tracker) in NOT_REASONS:
            return {}
        product = latest_entity(tracker, "loan_product")
        if product and not _REASON_WORDS.search(text.replace(product, "")):
            return {}  # "借呗那笔": which loan, not what happened (see run)
        return {"relief_reason": text} if text else {}

    async def extract_relief_affordable(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if (
            latest_entity(tracker, "amount")
            or tracker.get_slot("requested_slot") != "relief_affordable"
        ):
            return {}
        text = latest_text(tracker).strip()
        if _NOTHING.search(text) and latest_intent(tracker) not in NOT_REASONS - {"deny"}:
            return {"relief_affordable": "0"}
        reason = tracker.get_slot("relief_reason") or ""
        if _REASON_WORDS.search(text) and latest_intent(tracker) not in NOT_REASONS:
            # "公司裁员了" when asked what they can pay: more of what happened, kept with the reason
            if text not in reason:
                dispatcher.utter_message(text=REASON_ADDED_ZH)
                combined = f"{reason}；{text}" if reason else text
                return {"relief_reason": combined[:MAX_REASON_CHARS]}
            return {}
        return extracted_words(tracker, "relief_affordable", also=("request_repayment_relief",))

    @skip_empty
    async def validate_relief_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = re.sub(r"\s+", " ", str(value or "")).strip()
        if _BARE_NO.fullmatch(text):
            if BARE_NO_ZH in previous_bot_text(tracker):
                return {"relief_reason": NO_REASON_GIVEN}  # asked twice: go on without one
            dispatcher.utter_message(text=BARE_NO_ZH)
            return {"relief_reason": None}
        said_why = _REASON_WORDS.search(text) or _HARDSHIP_HINTS.search(text)
        if not said_why and text == latest_text(tracker).strip():
            if asks_about_partial_payment(tracker):
                # "还了3千后一天罚多少" while the reason is asked: answered, not filed as the reason
                partial = await partial_payment_zh(tracker)
                if partial:
                    dispatcher.utter_message(text=partial)
                dispatcher.utter_message(text=REASON_AFTER_QUESTION_ZH)
                return {"relief_reason": None}
            if _QUESTION.search(text) and not _PROCESS_QUESTION.search(text):
                # "那利息能少点吗": a question to the lender, not what happened
                dispatcher.utter_message(
                    text=(DECIDED_BY_LENDER_ZH if _RELIEF_ASK.search(text) else "")
                    + REASON_AFTER_QUESTION_ZH
                )
                return {"relief_reason": None}
        if _PROCESS_QUESTION.search(text) and not _REASON_WORDS.search(text):
            # "申请编号是多少", "要多久才有结果": a question about the request, not the reason
            for note in load_faq_notes().for_message("negotiated_repayment", text):
                dispatcher.utter_message(text=note.answer)
            dispatcher.utter_message(text=PROCESS_QUESTION_ZH)
            return {"relief_reason": None}
        meaningful = re.sub(r"[\W_]+", "", text)
        if (
            len(meaningful) < 2
            or _GO_ON.fullmatch(meaningful.lower())
            or as_amount(meaningful) is not None
            and not _REASON_WORDS.search(text)
        ):
            dispatcher.utter_message(
                text="原因说一两句话就行，贷款方审核时会参考。不想申请了可以说“算了”。"
            )
            return {"relief_reason": None}
        return {"relief_reason": text[:MAX_REASON_CHARS]}

    @skip_empty
    def validate_relief_affordable(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return validate_amount(
            value,
            dispatcher,
            tracker,
            "relief_affordable",
            maximum=MAX_AFFORDABLE,
            negative="金额不能是负数。",
            unrecognised="这个金额我没认出来，说个数就行。",
            too_large="每月{amount}？是不是多打了几个0？",
            quantum=Decimal("0.01"),
        )


class ActionAskReliefReason(Action):
    def name(self) -> Text:
        return "action_ask_relief_reason"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        question = "能简单说说遇到了什么情况吗？比如失业、生病、收入减少。"
        if tracker.get_slot(LOAN_SLOT) is None:  # several loans, none named or overdue
            question += (
                "\n现在是按你名下全部借款来申请；只申请其中一笔的话，告诉我是哪笔，比如“借呗那笔”。"
            )
        if tracker.get_slot("requested_slot") != "relief_reason":  # first time: what this is about
            question = (
                "先别着急，还不上的情况可以和贷款方协商。我可以帮你提交一份协商申请（延期或分期都行），"
                "最后批不批由贷款方决定。\n" + question
            )
        dispatcher.utter_message(text=question)
        return []


def loan_line(overview: LoanOverview, loan_id: Optional[str]) -> str:
    loan = overview.loan(loan_id) if loan_id else None
    if loan is None:
        loans = open_loans(overview)
        names = "、".join(loan_names(overview.loans)[item.loan_id] for item in loans)
        return f"· 借款：{names}（全部）"
    name = loan_names(overview.loans)[loan.loan_id]
    if loan.overdue_days > 0:
        return (
            f"· 借款：{name}（已逾期{loan.overdue_days}天，"
            f"逾期本息和罚息{yuan(loan.overdue_total)}）"
        )
    return f"· 借款：{name}（剩余本金{yuan(loan.outstanding_principal)}）"


class ActionConfirmReliefRequest(Action):
    def name(self) -> Text:
        return "action_confirm_relief_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        account = await load_account(tracker)
        lines = ["我整理了一下，确认后帮你提交给贷款方："]
        if account.overview is not None:
            lines.append(loan_line(account.overview, tracker.get_slot(LOAN_SLOT)))
        lines.append(
            f"· 申请：{KIND_LABELS.get(tracker.get_slot(KIND_SLOT) or 'other', '协商还款')}"
        )
        lines.append(f"· 原因：{tracker.get_slot('relief_reason')}")
        affordable = as_amount(tracker.get_slot("relief_affordable"))
        if affordable is not None:
            lines.append("· 每月能还：" + ("暂时拿不出" if affordable == 0 else yuan(affordable)))
        lines.append("提交吗？")
        dispatcher.utter_message(text="\n".join(lines), buttons=CONFIRM_BUTTONS)
        return []


class ActionSubmitReliefRequest(Action):
    def name(self) -> Text:
        return RESULT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        key = tracker.get_slot(KEY_SLOT)
        if not key:
            message_id = (latest_user_event(tracker) or {}).get("message_id") or ""
            key = idempotency_key("relief", tracker.sender_id, message_id)
        account = await load_account(tracker, with_loans=False)
        if account.status == "unavailable":
            dispatcher.utter_message(text=NOT_FILED_ZH)
            return [SlotSet(KEY_SLOT, key)]
        if not account.linked:
            dispatcher.utter_message(text=account.message_zh)
            return []
        affordable = as_amount(tracker.get_slot("relief_affordable"))
        try:
            filed = await loans_client.get_client().create_relief_request(
                account.borrower_id,
                kind=tracker.get_slot(KIND_SLOT) or "other",
                reason=(tracker.get_slot("relief_reason") or "")[:MAX_REASON_CHARS],
                affordable_monthly=plain_str(money(affordable)) if affordable is not None else None,
                loan_id=tracker.get_slot(LOAN_SLOT),
                idempotency_key=key,
                channel=account.identity.channel,
                as_of=account.identity.as_of,  # the debug shell's /date (development only)
            )
        except ServiceUnavailable:
            dispatcher.utter_message(text=NOT_FILED_ZH)
            return [SlotSet(KEY_SLOT, key)]
        except Rejected as error:
            log.warning("relief request refused: %s", error)
            dispatcher.utter_message(
                text=f"申请没能提交：{error.message_zh} 需要的话可以说“转人工”。"
            )
            return [SlotSet(KEY_SLOT, None)]
        except LoanServiceError:
            dispatcher.utter_message(text=NOT_FILED_ZH)
            return [SlotSet(KEY_SLOT, key)]
        head = "这个申请之前已经提交过了 ✅" if filed.replayed else "已提交 ✅"
        dispatcher.utter_message(
            text=(
                f"{head} 申请编号：{filed.reference}\n"
                "接下来贷款方会审核，一般会通过App消息或电话联系你。批不批、怎么调整，"
                "由贷款方决定，我这边没法保证结果。\n"
                "结果出来之前，到期的还款照常要还；已经逾期的部分罚息还会按天算，"
                "能先还一部分就先还一部分。"
            )
        )
        dispatcher.utter_message(
            text=(
                "提醒一句：协商是免费的。自称能“停息挂账”“代理协商”却要收费的中介都是骗局，别交钱，"
                "也别把身份证和验证码给别人。"
            )
        )
        return [
            SlotSet(KEY_SLOT, None),
            SlotSet("relief_reason", None),
            SlotSet("relief_affordable", None),
        ]


class ActionCorrectReliefRequest(Action):
    """A new amount given at the confirmation ("等下 说错了 是1500"): it replaces what the user
    can afford each month, and the summary is shown again (the next action) to confirm."""

    def name(self) -> Text:
        return "action_correct_relief_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        amount = as_amount(latest_entity(tracker, "amount"))
        if amount is None or amount < 0 or amount > MAX_AFFORDABLE:
            dispatcher.utter_message(text="这个金额我没认出来，先按原来的给你看一下：")
            return []
        dispatcher.utter_message(text=f"好的，每月能还的改成{yuan(amount)}。")
        return [SlotSet("relief_affordable", plain_str(amount))]


class ActionDeclineReliefRequest(Action):
    def name(self) -> Text:
        return "action_decline_relief_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(
            text="好的，没有提交。想好了随时说“申请延期”，我再帮你提交；也可以说“转人工”找客服聊聊。"
        )
        return [
            SlotSet("relief_reason", None),
            SlotSet("relief_affordable", None),
            SlotSet(KEY_SLOT, None),
        ]


__all__ = [
    "ActionCorrectReliefRequest",
    "ActionStartRepaymentRelief",
    "ValidateReliefForm",
    "ActionAskReliefReason",
    "ActionConfirmReliefRequest",
    "ActionSubmitReliefRequest",
    "ActionDeclineReliefRequest",
    "relief_kind",
    "relief_loan",
]
