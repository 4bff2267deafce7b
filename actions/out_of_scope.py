"""``action_out_of_scope``: an honest, useful answer to what the bot cannot do itself.

Runs for the intent ``out_of_scope``. It reads the latest message's text, asks the service guide
(:mod:`bot.policy.service_guide`, the topics and answers in ``bot/policy/service_guide.yml``)
which topic it is about — opening or closing the product, ID card, phone number, bank card,
certificates, invoices, investments, other lenders, 芝麻分, passwords, contracts, complaints,
chit-chat — and sends that topic's answer: what it is, what the bot can tell, and where to do it
(the lender's App path, marked as an example, or whom to contact). Questions of an FAQ topic that
reached this intent (提额, 到账, 自动扣款, 催收) get that FAQ answer (``utter_faq/<topic>``);
anything else gets the guide's default. A message written in English gets a short note in both
languages that the bot answers in Chinese, with what to type. A scam victim's message ("我把验证码给
他们了", or "他知道我身份证号" right after a scam answer) gets what to do now
(:mod:`actions.scam_help`) instead of the guide's topic.

The message text is never logged. A guide file that does not load is logged by its error (which
names the file, not the user) and the user still gets a short answer.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import load_account
from actions.scam_help import scam_victim_reply
from bot.policy.service_guide import ServiceGuideError, load_service_guide

logger = logging.getLogger(__name__)

#: the answer when the service guide cannot be loaded (no App path: those are the guide's)
FALLBACK_ZH = "这个我暂时帮不上忙 🙏 账户和产品上的操作，请到App的客服中心办理，或者说“转人工”。"


#: the service-guide topic of linking this chat to a loan account
LINK_TOPIC = "link_account"
LINKED_ZH = (
    "这个聊天已经绑定好你的借款账户了 ✅ 现在可以直接问我，比如“查一下我的借款”“这个月要还多少”。"
)
#: the reply to a message written in English
ENGLISH_ZH = (
    "Sorry, I can only help in Chinese for now. "
    "抱歉，我目前只能用中文交流：可以用中文问我，比如“查一下我的借款”“逾期了会怎样”；"
    "需要人工帮助，说“转人工”。"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def written_in_english(text: str, min_words: int = 2) -> bool:
    """No Chinese characters and at least ``min_words`` Latin words ("Do you speak English?")."""
    return not _CJK.search(text) and len(_WORD.findall(text)) >= min_words


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        victim = scam_victim_reply(tracker)
        if victim:  # "他知道我身份证号" after a scam answer: not an identity question
            dispatcher.utter_message(text=victim)
            return []
        if written_in_english(latest_text(tracker)):
            dispatcher.utter_message(text=ENGLISH_ZH)
            return []
        try:
            topic = load_service_guide().topic_for(latest_text(tracker))
        except ServiceGuideError as error:
            logger.error("action_out_of_scope: %s", error)
            dispatcher.utter_message(text=FALLBACK_ZH)
            return []
        if topic.id == LINK_TOPIC:
            # "绑好了" / "没绑定咋办": whether this chat is linked now, else how to link it
            account = await load_account(tracker, with_loans=False)
            if account.linked:
                dispatcher.utter_message(text=LINKED_ZH)
                return []
            if account.status == "unavailable":
                dispatcher.utter_message(text=account.message_zh)
                return []
        if topic.response:
            dispatcher.utter_message(response=topic.response)
        else:
            dispatcher.utter_message(text=topic.reply)
        return []


__all__ = ["ActionOutOfScope", "ENGLISH_ZH", "FALLBACK_ZH", "latest_text", "written_in_english"]
