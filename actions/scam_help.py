"""Scam victims: what to do now, for someone who already paid a scam or handed over their data.

The FAQ topics ``debt_agency_scam`` and ``credit_repair_scam`` explain why paid "代还 / 停息挂账 /
征信修复" offers are scams. A victim needs something else: ordered steps (stop paying, report to
110 / 96110, ask the bank to stop or trace the transfer, secure the accounts, beware of "refund"
offers, keep the evidence, deal with the lender directly). :func:`scam_victim_reply` gives them
those steps (:data:`VICTIM_STEPS_ZH`) when

* the message is one of the scam topics and says money or data was already handed over, or asks
  how to get it back ("我给代还公司转了2000定金 怎么办", "征信修复的人让我交了钱 能要回来吗");
* the message says a verification code, password or screen share was given away, whatever the
  NLU made of it ("我把验证码给他们了");
* the conversation is on a scam thread (an earlier message was a scam topic, with only victim
  talk since) and the message is a short follow-up of a victim: "我已经转了", "他知道我身份证号",
  "怎么办啊 救命", "我已经交了2000定金了" — which the NLU, without the context, reads as
  distress, an identity question, a fallback or a bare number.

The actions that answer those readings (``action_answer_faq``, ``action_out_of_scope``,
``action_unclear_message``, ``action_number_out_of_context``, ``action_express_distress``) ask
this module first. Self-harm talk keeps the crisis hotlines first (``action_express_distress``).
The message text is never logged.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from actions.slot_values import latest_intent, latest_text, topic_of
from bot.nlu.safety import normalise

#: the FAQ topics whose answer is about a scam
SCAM_TOPICS = frozenset({"debt_agency_scam", "credit_repair_scam"})
#: how many earlier user messages a scam thread reaches back over (victim talk in between)
MAX_LOOKBACK = 4

VICTIM_STEPS_ZH = (
    "收钱办“代还”“停息挂账”“修复征信”的，或者问你要验证码、密码的，都是骗局。"
    "越早处理越好，按这个顺序来：\n"
    "1. 马上停：不再转一分钱，验证码、密码谁要都别给；开着的共享屏幕、远程软件立刻关掉。\n"
    "2. 报警：打110，或者反诈专线96110，把经过说清楚。\n"
    "3. 打给转出这笔钱的银行（或支付平台）客服，说明被骗，问能不能止付、追查这笔转账。\n"
    "4. 改掉银行、支付和借款App的密码，解绑不认识的银行卡和设备；身份证、银行卡信息给出去的，"
    "留意有没有陌生借款和扣款。之后说能“帮你退款”“帮你追回”的，是第二次骗局，别理。\n"
    "5. 聊天记录、转账凭证、对方的账号和电话都留好，别删。\n"
    "6. 欠款的事直接找贷款机构官方App里的客服：协商还款不需要中间人，也不收钱。"
)
#: before the steps, for a victim's message
CALM_ZH = "先别慌，这件事能一步步处理。"
#: before the steps, when the message was read as distress without self-harm talk ("我已经转了")
DISTRESS_CALM_ZH = (
    "别怕，你不是一个人在扛，这件事能一步步处理。"
    "心里实在撑不住的时候，随时打心理援助热线 12356（全国统一号码）。"
)
#: after the steps, when the message was read as distress (the rule hands a "好" to a person)
DISTRESS_OFFER_ZH = "想让人工客服帮你一起处理，回我一个“好”。"

_THIRD_PARTY = r"(他|她|对方|中介|骗子|陌生人|人家|那边|公司|那个人|这个人|那人)"
#: dangerous to give to anyone
_SECRET_ALWAYS = r"(验证码|校验码|动态码|密码|共享屏幕|屏幕共享|远程)"
_SECRET = r"(验证码|校验码|动态码|密码|共享屏幕|屏幕共享|远程|身份证|银行卡|卡号|账号|人脸|刷脸)"
#: handed over (done, not asked for: "要我把密码给他" is no victim yet)
_GIVEN = (
    r"(给了|发给.{0,4}了|已经发了|发过了|告诉了|告诉他|告诉她|告诉对方|报了|报给|说了|开了|(?<!不)知道|拿到了|拿走了|"
    r"拍了|提供了|发过去|给过|给(他|她|他们|她们|对方|中介|人家|那边|骗子)了|有我)"
)
_GAP = r".{0,10}"
_GIVEN_SECRET = re.compile(f"{_SECRET}{_GAP}{_GIVEN}|{_GIVEN}{_GAP}{_SECRET}")
#: not a secret handed over: a code that does not arrive ("验证码发了好几次收不到"), or asking
#: how the lender or a collector knows something ("你们公司怎么知道我的身份证号")
_NOT_HANDED = re.compile(r"收不到|没收到|没有收到|(?:怎么|为什么|为啥|咋|凭什么|如何)知道")
_GIVEN_SECRET_ALWAYS = re.compile(f"{_SECRET_ALWAYS}{_GAP}{_GIVEN}|{_GIVEN}{_GAP}{_SECRET_ALWAYS}")
_PAID = re.compile(
    r"(转|交|付|汇|充|垫)(了|过)|打了.{0,4}(钱|款)|给了.{0,6}(钱|块|元|定金|押金|订金)"
    r"|已经.{0,6}(转|交|付|汇|给|打款)|(转|交|付|打)给(他|她|他们|对方|中介|人家)"
)
_VICTIM_WORDS = re.compile(
    r"骗了|上当了|受骗了|被坑了|坑了我|要回来|要得回来|要回钱|追回|拿回来|退回来|退钱"
    r"|跑路|联系不上|失联|拉黑"
)
#: right after a scam answer, a plea for help or a word of the scam is enough
_THREAD_WORDS = re.compile(
    r"怎么办(?!理)|咋办|怎么弄|咋弄|咋整|怎么处理|救命|救救|帮帮我|(?<!还)完了|完蛋|慌|急死|报警|被骗|骗子"
    r"|定金|订金|押金|保证金|服务费|手续费|会员费|转账|汇款|打款|" + _SECRET[1:-1]
)


#: a paid "debt help" outfit named in the message itself
_SCAM_OUTFIT = re.compile(
    r"停息挂账|代还|债务优化|反催收|征信修复|修复征信|洗白|消除逾期|铲单|债务重组|代理协商|代协商"
)
#: the same in English: money or a code handed to a "debt relief" / "credit repair" outfit
_EN_HANDED = re.compile(
    r"\b(paid|pay|transferred|sent|gave|given|wired)\b.{0,60}"
    r"\b(agency|agent|company|scammer|scammers|them|him|her|deposit|fee|code|password)\b"
    r"|\b(scam|scammed|scammer|scammers|fraud|defrauded|cheated|swindled)\b",
    re.IGNORECASE,
)
_EN_CONTEXT = re.compile(
    r"debt relief|credit repair|fix my credit|clean my credit|credit record|verification code|"
    r"\bscam|fraud|\bagency\b|pay off my debt|stop the interest",
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")

#: the steps' gist in English, before them, for a victim writing in English
STEPS_EN = (
    "It sounds like you may have been scammed. Act now: 1) stop paying and never give anyone a "
    "verification code or password; 2) report it to the police on 110 or the anti-fraud line "
    "96110; 3) call your bank or payment app to ask them to stop or trace the transfer; 4) "
    "change your passwords and keep all chat records and receipts. Negotiating with the lender "
    "is free through its official app - no agency needed. The same steps in Chinese:"
)


def english_victim(text: str) -> bool:
    """A message in English from someone who paid or gave a code to a scam ("I paid a debt
    relief agency 2000 yuan", "I gave my verification code to a scammer")."""
    if _CJK.search(text or "") or len(_LATIN_WORD.findall(text or "")) < 3:
        return False
    return bool(_EN_HANDED.search(text) and _EN_CONTEXT.search(text))


def paid_an_outfit(text: str) -> bool:
    """Money or data handed to a "debt help" outfit the message names ("我给停息挂账的转了3000")."""
    flat = normalise(text or "")
    return bool(_SCAM_OUTFIT.search(flat)) and victim_said(flat)


def victim_said(text: str) -> bool:
    """Money or data already handed over, or a victim's words ("被骗了", "能要回来吗")."""
    flat = normalise(text or "")
    given = _GIVEN_SECRET.search(flat) and not _NOT_HANDED.search(flat)
    return bool(_PAID.search(flat) or _VICTIM_WORDS.search(flat) or given)


def handed_over_secret(text: str) -> bool:
    """A verification code, password or screen share given away (to anyone), or ID / card data
    given to a third party ("我把验证码给他们了", "他知道我身份证号")."""
    flat = normalise(text or "")
    if _NOT_HANDED.search(flat):
        return False
    if _GIVEN_SECRET_ALWAYS.search(flat):
        return True
    return bool(_GIVEN_SECRET.search(flat) and re.search(_THIRD_PARTY, flat))


#: the same in English ("he knows my ID number", "what should I do now")
_EN_THREAD_WORDS = re.compile(
    r"what (should|do|can) i do|\bhelp\b|\bid\b|id number|id card|bank card|card number|"
    r"password|\bcode\b|money back|get it back|refund|police|already (paid|sent|transferred)",
    re.IGNORECASE,
)


def continues_thread(text: str) -> bool:
    """A follow-up of a scam answer that a victim would send ("怎么办啊 救命", "我已经转了",
    "what should I do now")."""
    flat = normalise(text or "")
    return (
        victim_said(flat)
        or bool(_THREAD_WORDS.search(flat))
        or bool(_EN_THREAD_WORDS.search(text or ""))
    )


def _user_events(tracker) -> List[Dict[str, Any]]:
    """The user messages of the current session (reminders firing are not the user's)."""
    users: List[Dict[str, Any]] = []
    for event in tracker.events or []:
        kind = event.get("event")
        if kind == "session_started":
            users = []
        elif kind == "user" and not (event.get("metadata") or {}).get("is_external"):
            users.append(event)
    return users


def _starts_thread(event: Dict[str, Any]) -> bool:
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    if intent == "faq" and topic_of(parse) in SCAM_TOPICS:
        return True
    text = str(event.get("text") or parse.get("text") or "")
    return handed_over_secret(text) or paid_an_outfit(text) or english_victim(text)


def on_scam_thread(tracker) -> bool:
    """An earlier message of this session was a scam question (or a secret given away), and
    every message since was victim talk."""
    earlier = _user_events(tracker)[:-1]
    for event in reversed(earlier[-MAX_LOOKBACK:]):
        if _starts_thread(event):
            return True
        text = str(event.get("text") or (event.get("parse_data") or {}).get("text") or "")
        if not continues_thread(text):
            return False
    return False


def is_victim_message(tracker) -> bool:
    """The latest message comes from someone who already paid a scam or gave data away (see the
    module docstring)."""
    text = latest_text(tracker)
    if not text.strip():
        return False
    if latest_intent(tracker) == "faq" and topic_of(tracker.latest_message) in SCAM_TOPICS:
        if victim_said(text):
            return True
    if handed_over_secret(text) or paid_an_outfit(text) or english_victim(text):
        return True
    return continues_thread(text) and on_scam_thread(tracker)


#: what is said instead of the steps a second time in a session
STEPS_AGAIN_ZH = (
    "上面那几步照着做就行，最要紧的是前三步：不再转钱、不再给验证码；打110或96110报警；"
    "马上打银行客服问能不能止付。"
)
#: and for what a victim gave away, the one thing to add
ID_GIVEN_ZH = (
    "身份证、银行卡信息在对方手里：这段时间留意有没有用你名义开的陌生借款或扣款（可以查一份"
    "自己的征信报告），一发现就联系那家平台和银行冻结、报警；别再向任何人提供验证码。"
)
_ID_WORDS = re.compile(r"身份证|银行卡|卡号|账号|人脸|刷脸|照片")
#: being asked for it, not having given it ("他还要我身份证照片")
_ASKED_FOR = re.compile(r"要我|让我|叫我|要求我|问我要|找我要|跟我要|向我要|还要|又要|索要")
#: for a victim who is being asked for more
DONT_SEND_ZH = (
    "别发！身份证照片、银行卡号、验证码、人脸视频，一样都不要再给对方：拿到这些，他们能用你的名义"
    "借钱、开卡。对方催得越急，越说明是骗局。"
)
_EN_ID = re.compile(r"\bid\b|id number|id card|bank card|card number|photo", re.IGNORECASE)
STEPS_AGAIN_EN = (
    "Do the first steps above now: stop paying, report it on 110 or 96110, and call your bank "
    "about the transfer. If they have your ID or card details, watch for loans or charges you "
    "did not make and report them at once."
)


#: a line only the full steps have (other answers name 96110 too)
_STEPS_MARK = "1. 马上停"


def steps_already_sent(tracker) -> bool:
    """The steps went out earlier in this session (a second victim message gets a short line)."""
    sent = False
    for event in tracker.events or []:
        if event.get("event") == "session_started":
            sent = False
        elif event.get("event") == "bot" and _STEPS_MARK in str(event.get("text") or ""):
            sent = True
    return sent


#: the service-guide topic of callers posing as the lender, a collector or a court
IMPERSONATION_TOPIC = "impersonation_scam"


def impersonation_warning(text: str) -> Optional[str]:
    """The warning for a message about someone asking for a transfer to their own or a named
    account, a verification code or a shared screen ("催收让我把钱转到他个人卡上", "法院的人要
    我转5000到指定账户"), whatever the NLU read it as; None for any other message."""
    from bot.policy.service_guide import ServiceGuideError, load_service_guide

    try:
        found = load_service_guide().find(text)
    except ServiceGuideError:
        return None
    return found.topic.reply if found and found.topic.id == IMPERSONATION_TOPIC else None


#: right after a scam answer, the other side's claim or the user's doubt ("他说是你们合作的律所",
#: "我想试试", "真的能信吗")
_PUSHBACK = re.compile(
    r"合作|律所|律师|事务所|内部渠道|内部关系|有资质|有执照|有牌照|正规的?公司|官方授权|"
    r"想试试|试一试|试试看|我想试|真的能|能信吗|可信吗|靠谱吗|靠谱吧|不是骗|不像骗|真的假的"
)
SCAM_PUSHBACK_ZH = (
    "不管对方说自己是谁（合作律所、银行内部、有资质的公司），收费帮你“停息挂账”“代理协商”"
    "“修复征信”的，都别信：协商申请你自己就能免费提交（说“申请延期”，我帮你提交），"
    "征信上真实的逾期记录谁也删不掉，只有记错的才能免费申请更正。这类中介常收两三成的费用，"
    "还会拖到欠款更难处理。别交钱，别给验证码和身份证照片；有疑问打App里公布的官方客服电话核实。"
)


def scam_pushback_reply(tracker) -> Optional[str]:
    """Right after a scam answer, a message that argues for the offer or doubts the warning:
    the warning again, firmly; None otherwise."""
    users = _user_events(tracker)
    if len(users) < 2 or not _starts_thread(users[-2]):
        return None
    return SCAM_PUSHBACK_ZH if _PUSHBACK.search(latest_text(tracker)) else None


def scam_victim_reply(tracker) -> Optional[str]:
    """The steps for a scam victim (said once a session; after that a short line, with what to
    watch for when they say they gave away their ID or card); for a message about a caller who
    asks for a transfer, a code or a shared screen, the warning (:func:`impersonation_warning`);
    else None."""
    if not is_victim_message(tracker):
        return impersonation_warning(latest_text(tracker)) or scam_pushback_reply(tracker)
    if steps_already_sent(tracker):
        text = latest_text(tracker)
        extra = ID_GIVEN_ZH if _ID_WORDS.search(normalise(text)) or _EN_ID.search(text) else ""
        if extra and _ASKED_FOR.search(text) and not handed_over_secret(text):
            extra = DONT_SEND_ZH
        short = f"{extra}\n{STEPS_AGAIN_ZH}" if extra else STEPS_AGAIN_ZH
        if not _CJK.search(text) and len(_LATIN_WORD.findall(text)) >= 2:
            short = f"{STEPS_AGAIN_EN}\n{short}"
        return short
    if english_victim(latest_text(tracker)):
        return f"{STEPS_EN}\n{VICTIM_STEPS_ZH}"
    return f"{CALM_ZH}{VICTIM_STEPS_ZH}"


def distressed_victim_reply(tracker) -> Optional[str]:
    """For a victim's message the NLU read as distress but without self-harm talk ("我已经转了"):
    comfort and the psychological hotline first, the steps, and the offer of a person."""
    if not is_victim_message(tracker):
        return None
    steps = STEPS_AGAIN_ZH if steps_already_sent(tracker) else VICTIM_STEPS_ZH
    return f"{DISTRESS_CALM_ZH}\n{steps}\n{DISTRESS_OFFER_ZH}"


__all__ = [
    "CALM_ZH",
    "DISTRESS_CALM_ZH",
    "SCAM_TOPICS",
    "VICTIM_STEPS_ZH",
    "STEPS_EN",
    "continues_thread",
    "english_victim",
    "paid_an_outfit",
    "distressed_victim_reply",
    "handed_over_secret",
    "is_victim_message",
    "on_scam_thread",
    "scam_victim_reply",
    "steps_already_sent",
    "victim_said",
]
