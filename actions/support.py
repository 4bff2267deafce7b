"""Support: acute distress (empathy and crisis hotlines first) and the hand-off to a person.

``action_express_distress`` never touches the network: the hotlines must reach the user even
when every service is down. It offers help gently afterwards and never sells anything. A message
written in English gets the hotlines in English first. Self-harm talk (a phrase of
``data/safety``) always gets the hotlines first; a scam victim's follow-up that the NLU read as
distress without such talk ("我已经转了" right after a scam answer) gets comfort, the
psychological hotline and then what to do now (:mod:`actions.scam_help`).

``action_human_handoff`` tells the user a person takes over and sends the channel a custom
payload ``{"type": "handoff", ...}`` with a summary of the conversation for the agent (who,
what they asked, the last messages, and an ``urgent`` priority after distress talk).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import load_account
from actions.out_of_scope import written_in_english
from actions.replies import yuan
from actions.scam_help import distressed_victim_reply, scam_victim_reply
from actions.slot_values import latest_text
from bot.nlu.safety import mentions_self_harm

HOTLINES_ZH = (
    "如果你现在有伤害自己的念头，请马上联系能帮你的人：\n"
    "· 心理援助热线 12356（全国统一号码）\n"
    "· 希望24热线 400-161-9995（24小时）\n"
    "· 情况紧急请直接拨打 110 或 120"
)
#: the same hotlines in English, first for a message written in English ("I want to die")
HOTLINES_EN = (
    "I'm really worried about you, and you don't have to face this alone. If you are thinking "
    "of hurting yourself, please call now: the psychological assistance hotline 12356 "
    "(nationwide), the Hope 24 hotline 400-161-9995 (24 hours), or 110 / 120 in an emergency."
)
DISTRESS_OPENING_ZH = (
    "听到你这么说，我很担心你。欠债的压力真的会把人压得喘不过气，但你不是一个人在扛。"
)
DISTRESS_FOLLOW_ZH = (
    "钱的事再难，也有慢慢解决的办法：还不上可以和贷款方协商延期或分期，逾期不是走投无路。"
    "想找人一起想办法的话，回我一个“好”，我就请人工客服接手，刚才的情况我会整理给客服；"
    "想自己申请延期或分期，说“申请延期”就行。\n"
    "也可以先跟我说说，现在最让你担心的是什么？我在这儿听着。"
)

INTENT_LABELS_ZH = {
    "check_loan_status": "查询欠款/还款日",
    "request_payoff_plan": "还款计划",
    "calculate_overdue_cost": "逾期费用估算",
    "request_budget_plan": "预算规划",
    "set_repayment_reminder": "设置还款提醒",
    "cancel_repayment_reminder": "取消还款提醒",
    "request_repayment_relief": "申请延期/分期",
    "express_distress": "情绪困扰（提到轻生或极度压力）",
    "human_handoff": "要求转人工",
    "faq": "咨询问题",
    "out_of_scope": "其他业务",
}
#: the FAQ topics as an agent reads them (the contract's keys are for machines)
FAQ_TOPIC_LABELS_ZH = {
    "overdue_consequences": "逾期的后果",
    "credit_report_overdue": "逾期与征信",
    "credit_report_usage": "正常借款与征信",
    "small_amount_overdue": "小额逾期",
    "grace_period": "宽限期/当天晚还",
    "penalty_interest": "罚息怎么算",
    "collection_conduct": "催收行为/投诉",
    "lawsuit_risk": "起诉风险",
    "after_overdue_repaid": "逾期还清之后",
    "credit_repair_scam": "征信修复骗局",
    "debt_agency_scam": "代还/停息挂账中介",
    "negotiated_repayment": "协商还款",
    "early_repayment": "提前还款",
    "repayment_methods": "还款方式",
    "interest_rate": "利率",
    "auto_debit": "自动扣款",
    "how_to_repay": "怎么还款",
    "change_due_date": "修改还款日",
    "installment_terms": "分期期数",
    "credit_limit": "额度",
    "borrow_to_repay": "以贷养贷",
    "budgeting_basics": "预算常识",
    "debt_strategy": "先还哪笔",
    "borrowing_process": "借款/到账流程",
}
SKIPPED_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "inform",
    "bot_challenge",
    "nlu_fallback",
    "session_start",
}
MAX_MESSAGES = 6
MAX_MESSAGE_CHARS = 200


class ActionExpressDistress(Action):
    def name(self) -> Text:
        return "action_express_distress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = latest_text(tracker)
        if not mentions_self_harm(text):
            # no self-harm talk: a scam victim's follow-up the NLU read as distress ("我已经转了")
            # gets the steps, with comfort and the psychological hotline before them
            victim = distressed_victim_reply(tracker)
            if victim:
                dispatcher.utter_message(text=victim)
                return []
        first = f"{DISTRESS_OPENING_ZH}\n{HOTLINES_ZH}"
        if written_in_english(text, min_words=1):  # one English word is enough here ("suicide")
            first = f"{HOTLINES_EN}\n{first}"
        dispatcher.utter_message(text=first)
        victim = scam_victim_reply(tracker)
        if victim:  # self-harm talk from a scam victim: the hotlines first, then the steps
            dispatcher.utter_message(text=victim)
        dispatcher.utter_message(text=DISTRESS_FOLLOW_ZH)
        return []


def _user_events(tracker) -> List[Dict[str, Any]]:
    return [
        event
        for event in tracker.events or []
        if event.get("event") == "user" and not (event.get("metadata") or {}).get("is_external")
    ]


def conversation_summary(
    tracker,
    borrower: Optional[str] = None,
    display_name: Optional[str] = None,
    facts: Optional[List[str]] = None,
) -> Dict[str, Any]:
    """What the agent needs to pick the conversation up without asking again."""
    users = _user_events(tracker)
    topics: List[str] = []
    distress = False
    for event in users:
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "express_distress":
            distress = True
        if not intent or intent in SKIPPED_INTENTS:
            continue
        label = INTENT_LABELS_ZH.get(intent, intent)
        if intent == "faq":
            key = (
                (
                    ((event.get("parse_data") or {}).get("response_selector") or {}).get("faq")
                    or {}
                ).get("response")
                or {}
            ).get("intent_response_key")
            if key:
                topic = key.split("/", 1)[-1]
                label = f"咨询：{FAQ_TOPIC_LABELS_ZH.get(topic, topic)}"
        if label not in topics:
            topics.append(label)
    messages = [
        str(event.get("text") or "")[:MAX_MESSAGE_CHARS] for event in users if event.get("text")
    ]
    messages = messages[-MAX_MESSAGES:]
    who = f"{display_name}（{borrower}）" if borrower else "未绑定账户的用户"
    lines = [f"用户：{who}", f"会话：{tracker.sender_id}"]
    if distress:
        lines.insert(
            0,
            "【紧急】用户在对话中表达了轻生或极度痛苦的情绪，已提供心理援助热线，请优先接待、注意语气。",
        )
    if topics:
        lines.append("聊过：" + "、".join(topics))
    lines += list(facts or [])
    if messages:
        lines.append("最近的留言：" + " ｜ ".join(messages))
    return {
        "priority": "urgent" if distress else "normal",
        "borrower_id": borrower,
        "conversation_id": tracker.sender_id,
        "topics": topics,
        "recent_messages": messages,
        "facts": list(facts or []),
        "text": "\n".join(lines),
    }


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        account = await load_account(tracker)
        facts: List[str] = []
        borrower = name = None
        if account.has_loan_data:
            borrower, name = account.borrower_id, account.overview.display_name
            totals = account.overview.totals
            if totals.overdue_days > 0:
                facts.append(
                    f"账户：逾期{totals.overdue_days}天，逾期合计{yuan(totals.overdue_total)}，"
                    f"恢复正常需还{yuan(totals.amount_due)}"
                )
            else:
                facts.append(f"账户：无逾期，剩余本金{yuan(totals.outstanding_principal)}")
        summary = conversation_summary(tracker, borrower, name, facts)
        text = (
            "好的，这就为你转接人工客服。我已经把刚才聊的内容整理给客服，你不用从头再说一遍。\n"
            "客服接入前请稍等，也可以先留言说明情况。"
        )
        if summary["priority"] == "urgent":
            text += "\n如果你现在有危险，请先拨打 110 或 120；心理援助热线 12356 随时可以打。"
        # the summary also as a one-column table, which text channels (the debug shell) render
        table = {
            "columns": ["转人工摘要"],
            "rows": [[line] for line in summary["text"].splitlines()],
        }
        dispatcher.utter_message(
            text=text, json_message={"type": "handoff", "summary": summary, "table": table}
        )
        return []


__all__ = [
    "ActionExpressDistress",
    "ActionHumanHandoff",
    "conversation_summary",
    "HOTLINES_EN",
    "HOTLINES_ZH",
]
