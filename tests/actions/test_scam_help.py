"""Scam victims get what to do now (actions/scam_help.py), standalone and right after a scam
answer, whichever action the NLU's reading of a short follow-up lands on; the same messages
without the scam context keep their usual answers, and self-harm talk keeps the hotlines first."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallbacks import ActionNumberOutOfContext, ActionUnclearMessage
from actions.faq_followup import ActionAnswerFaq, ActionFaqFollowup
from actions.out_of_scope import ActionOutOfScope
from actions.scam_help import (
    CALM_ZH,
    STEPS_AGAIN_ZH,
    STEPS_EN,
    VICTIM_STEPS_ZH,
    continues_thread,
    english_victim,
    handed_over_secret,
    paid_an_outfit,
    scam_victim_reply,
    victim_said,
)
from actions.support import DISTRESS_OPENING_ZH, ActionExpressDistress
from tests.actions.action_helpers import entity, make_tracker, texts

#: what every victim reply must tell, in this order
STEPS_IN_ORDER = ["不再转一分钱", "96110", "止付", "改掉", "第二次骗局", "聊天记录", "官方App"]


def said(text: str, intent: str, topic: Optional[str] = None) -> Dict[str, Any]:
    parse: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if topic:
        parse["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.9}}
        }
    return {"event": "user", "text": text, "parse_data": parse}


def answered(*actions: str) -> List[Dict[str, Any]]:
    return [{"event": "action", "name": name} for name in (*actions, "action_listen")]


#: the bot has just answered a debt-agency scam question
AFTER_SCAM_ANSWER = [
    said("有人说能帮我停息挂账 要交钱 靠谱吗", "faq", "debt_agency_scam"),
    *answered("action_answer_faq", "action_faq_followup"),
]


def assert_victim_steps(reply: str) -> None:
    positions = [reply.find(step) for step in STEPS_IN_ORDER]
    assert -1 not in positions, reply
    assert positions == sorted(positions), reply
    assert "110" in reply and "不需要中间人" in reply and "骗局" in reply


async def run(action, tracker) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, tracker, {}) == []
    return dispatcher


# --- the cues ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我给代还公司转了2000定金 怎么办",
        "征信修复的人让我交了钱 能要回来吗",
        "已经把钱转给代还的人了",
        "交了钱给债务优化公司 现在没人管了",
        "被征信修复骗了怎么办",
        "中介收了钱跑路了",
        "他知道我身份证号",
        "我把验证码给他们了",
    ],
)
def test_victim_words(text):
    assert victim_said(text)


@pytest.mark.parametrize(
    "text",
    [
        "停息挂账是真的吗",
        "债务优化要先交服务费 正常吗",
        "中介承诺本金打折还 只要先付2000定金",
        "代还平台让我把支付宝账号密码给他们 安全吗",
        "洗白征信要交身份证照片 安全吗",
        "找代还公司还借呗 会不会被骗",
        "逾期都还清了 还有人打电话说帮我做债务优化",
    ],
)
def test_questions_before_paying_are_no_victim_words(text):
    assert not victim_said(text)


@pytest.mark.parametrize(
    "text, secret",
    [
        ("我把验证码给他们了", True),
        ("验证码已经发给对方了", True),
        ("客服让我开共享屏幕 我开了", True),
        ("他知道我身份证号", True),
        ("我把身份证号给你们了 怎么还没审核", False),  # the lender, no third party
        ("收不到验证码", False),
        ("我不知道密码了", False),
        ("要我把验证码发给他 能发吗", False),
    ],
)
def test_secrets_handed_over(text, secret):
    assert handed_over_secret(text) is secret


@pytest.mark.parametrize("text", ["我已经转了", "怎么办啊 救命", "我已经交了2000定金了"])
def test_short_follow_ups_of_a_victim_continue_the_thread(text):
    assert continues_thread(text)


@pytest.mark.parametrize("text", ["借呗怎么还款", "那协商还款怎么办理", "我已经还完了", "谢谢"])
def test_other_questions_do_not_continue_it(text):
    assert not continues_thread(text)


# --- standalone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, topic",
    [
        ("我给代还公司转了2000定金 怎么办", "debt_agency_scam"),
        ("征信修复的人让我交了钱 能要回来吗", "credit_repair_scam"),
        ("代还公司让我把验证码发给他 我已经发了", "debt_agency_scam"),
    ],
)
async def test_a_victim_of_a_scam_topic_gets_the_steps_and_nothing_else(text, topic, ledger_down):
    tracker = make_tracker(text, "faq", response_key=topic)
    dispatcher = await run(ActionAnswerFaq(), tracker)
    [message] = dispatcher.messages
    assert message.get("response") is None
    assert message["text"].startswith("先别慌")
    assert_victim_steps(message["text"])
    followup = CollectingDispatcher()
    await ActionFaqFollowup().run(followup, tracker, {})
    assert followup.messages == []


async def test_a_scam_question_before_paying_gets_the_topic_answer(ledger_down):
    tracker = make_tracker("债务优化要先交服务费 正常吗", "faq", response_key="debt_agency_scam")
    dispatcher = await run(ActionAnswerFaq(), tracker)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_faq/debt_agency_scam"]


@pytest.mark.parametrize(
    "action, intent",
    [(ActionOutOfScope(), "out_of_scope"), (ActionUnclearMessage(), "nlu_fallback")],
)
async def test_a_verification_code_given_away_gets_the_steps_without_context(action, intent):
    dispatcher = await run(action, make_tracker("我把验证码给他们了", intent))
    assert_victim_steps(texts(dispatcher))


# --- right after a scam answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, text, intent, entities",
    [
        (ActionOutOfScope(), "他知道我身份证号", "out_of_scope", []),
        (ActionUnclearMessage(), "怎么办啊 救命", "nlu_fallback", []),
        (
            ActionNumberOutOfContext(),
            "我已经交了2000定金了",
            "inform",
            [entity("amount", "2000", "2000")],
        ),
        (ActionAnswerFaq(), "他们拿了我银行卡号 会不会盗刷", "faq", []),
    ],
)
async def test_a_victims_follow_up_after_the_scam_answer_gets_the_steps(
    action, text, intent, entities
):
    tracker = make_tracker(
        text,
        intent,
        entities=entities,
        history=AFTER_SCAM_ANSWER,
        response_key="credit_report_usage" if intent == "faq" else None,
    )
    dispatcher = await run(action, tracker)
    [message] = dispatcher.messages
    assert message.get("response") is None and not message.get("buttons")
    assert_victim_steps(message["text"])


async def test_the_thread_holds_over_several_victim_messages():
    history = AFTER_SCAM_ANSWER + [
        said("我已经转了", "express_distress"),
        *answered("action_express_distress"),
        said("他知道我身份证号", "out_of_scope"),
        *answered("action_out_of_scope"),
    ]
    tracker = make_tracker("怎么办啊 救命", "nlu_fallback", history=history)
    assert_victim_steps(texts(await run(ActionUnclearMessage(), tracker)))


async def test_paid_and_read_as_distress_gets_comfort_a_hotline_then_the_steps():
    tracker = make_tracker("我已经转了", "express_distress", history=AFTER_SCAM_ANSWER)
    dispatcher = await run(ActionExpressDistress(), tracker)
    [message] = dispatcher.messages
    reply = message["text"]
    assert reply.startswith("别怕") and reply.index("12356") < reply.index("不再转一分钱")
    assert_victim_steps(reply)
    assert DISTRESS_OPENING_ZH not in reply and "回我一个“好”" in reply


async def test_self_harm_talk_of_a_scam_victim_gets_the_hotlines_first():
    tracker = make_tracker("钱都被骗走了 不想活了", "express_distress", history=AFTER_SCAM_ANSWER)
    dispatcher = await run(ActionExpressDistress(), tracker)
    first, steps, *_ = [message["text"] for message in dispatcher.messages]
    assert first.startswith(DISTRESS_OPENING_ZH)
    for number in ("12356", "400-161-9995", "110", "120"):
        assert number in first
    assert_victim_steps(steps)


# --- the same messages without the scam context -------------------------------------------------


async def test_without_the_scam_answer_the_usual_replies_stay():
    unclear = await run(ActionUnclearMessage(), make_tracker("怎么办啊 救命", "nlu_fallback"))
    assert [m.get("response") for m in unclear.messages] == ["utter_default"]
    number = await run(
        ActionNumberOutOfContext(),
        make_tracker("我已经交了2000定金了", "inform", [entity("amount", "2000", "2000")]),
    )
    assert [m.get("response") for m in number.messages] == ["utter_which_calculation"]
    identity = await run(ActionOutOfScope(), make_tracker("身份证过期了怎么改", "out_of_scope"))
    assert "不再转一分钱" not in texts(identity) and "身份证" in texts(identity)
    distress = await run(ActionExpressDistress(), make_tracker("我已经转了", "express_distress"))
    assert distress.messages[0]["text"].startswith(DISTRESS_OPENING_ZH)


async def test_another_topic_in_between_ends_the_thread():
    history = AFTER_SCAM_ANSWER + [
        said("借呗怎么还款", "faq", "how_to_repay"),
        *answered("action_answer_faq", "action_faq_followup"),
    ]
    tracker = make_tracker("怎么办啊", "nlu_fallback", history=history)
    assert scam_victim_reply(tracker) is None
    dispatcher = await run(ActionUnclearMessage(), tracker)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_default"]


async def test_a_new_session_ends_the_thread():
    history = AFTER_SCAM_ANSWER + [{"event": "session_started"}]
    tracker = make_tracker("我已经转了", "express_distress", history=history)
    assert scam_victim_reply(tracker) is None


@pytest.mark.parametrize(
    "text",
    ["你们公司怎么知道我的身份证号", "App里的验证码发了好几次收不到", "验证码一直没收到怎么办"],
)
def test_product_and_privacy_questions_are_not_a_victims(text):
    """A code that does not arrive, or asking how the lender knows one's data, is no scam."""
    assert not handed_over_secret(text) and not victim_said(text)


async def test_the_steps_are_not_repeated_in_full_within_a_session():
    """Once the steps went out, the next victim message gets the three that matter most, and
    for ID or card data given away what to watch for."""
    history = AFTER_SCAM_ANSWER + [
        said("我已经转了", "express_distress"),
        {"event": "action", "name": "action_express_distress"},
        {"event": "bot", "text": f"{CALM_ZH}{VICTIM_STEPS_ZH}"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("他知道我身份证号", "out_of_scope", history=history)
    reply = texts(await run(ActionOutOfScope(), tracker))
    assert "不再转一分钱" not in reply and reply.count("96110") == 1
    assert reply.startswith("身份证、银行卡信息在对方手里") and "陌生借款" in reply
    tracker = make_tracker("怎么办啊 救命", "nlu_fallback", history=history)
    assert texts(await run(ActionUnclearMessage(), tracker)) == STEPS_AGAIN_ZH
    # asked for it, not given: don't send it
    tracker = make_tracker("他还要我身份证照片", "out_of_scope", history=history)
    reply = texts(await run(ActionOutOfScope(), tracker))
    assert reply.startswith("别发！") and "在对方手里" not in reply


async def test_paying_an_outfit_and_self_harm_in_one_message_gets_hotlines_then_steps():
    """No scam question before: the message itself names the outfit and the payment."""
    tracker = make_tracker("我给停息挂账的转了3000 现在钱没了 真不想活了", "express_distress")
    dispatcher = await run(ActionExpressDistress(), tracker)
    first, steps, *_ = [message["text"] for message in dispatcher.messages]
    assert first.startswith(DISTRESS_OPENING_ZH) and "12356" in first
    assert_victim_steps(steps)
    # and the next "怎么办" stays on the thread
    history = [
        said("我给停息挂账的转了3000 现在钱没了 真不想活了", "express_distress"),
        *answered("action_express_distress"),
    ]
    tracker = make_tracker("怎么办", "out_of_scope", history=history)
    assert_victim_steps(texts(await run(ActionOutOfScope(), tracker)))


@pytest.mark.parametrize(
    "action, intent, text",
    [
        (
            ActionOutOfScope(),
            "out_of_scope",
            "someone said they can fix my credit record, I paid 500 and gave them the code",
        ),
        (ActionNumberOutOfContext(), "inform", "I paid a debt relief agency 2000 yuan, what now"),
        (ActionOutOfScope(), "out_of_scope", "I gave my verification code to a scammer"),
    ],
)
async def test_a_victim_writing_in_english_gets_the_steps_in_english_first(action, intent, text):
    reply = texts(await run(action, make_tracker(text, intent)))
    assert reply.startswith(STEPS_EN)
    assert_victim_steps(reply[len(STEPS_EN) :])


@pytest.mark.parametrize(
    "text", ["I want to pay off my loan early", "I paid my loan yesterday but it shows unpaid"]
)
def test_ordinary_english_is_no_victims(text):
    assert not english_victim(text)


def test_asking_about_an_outfit_is_not_having_paid_it():
    assert not paid_an_outfit("代还靠谱吗") and not paid_an_outfit("停息挂账是什么")


async def test_english_follow_ups_stay_on_the_thread():
    history = [
        said("I paid a debt relief agency 2000 yuan, what should I do", "out_of_scope"),
        {"event": "action", "name": "action_out_of_scope"},
        {"event": "bot", "text": f"{STEPS_EN}\n{VICTIM_STEPS_ZH}"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("he knows my ID number", "out_of_scope", history=history)
    reply = texts(await run(ActionOutOfScope(), tracker))
    assert reply.startswith("Do the first steps above now") and "身份证" in reply


async def test_a_fake_support_answer_naming_96110_is_not_the_steps():
    """The impersonation answer names 96110 but not the steps: a victim's next message gets
    the full steps."""
    history = [
        said("有个自称支付宝客服的让我开屏幕共享", "out_of_scope"),
        {"event": "action", "name": "action_out_of_scope"},
        {"event": "bot", "text": "自称客服要你共享屏幕的，是骗局。可以打96110咨询。"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("我已经开了 还给了验证码", "out_of_scope", history=history)
    assert_victim_steps(texts(await run(ActionOutOfScope(), tracker)))


async def test_a_caller_asking_for_a_transfer_gets_the_warning_whatever_the_topic(ledger):
    """The second review: these got the collection rules, the how-to-repay steps, the
    account-closing steps and a lawsuit answer with the borrower's figures; each now gets the
    impersonation warning, and nothing else after it."""
    from actions.faq_followup import ActionAnswerFaq, ActionFaqFollowup
    from tests.actions.action_helpers import TWO_MONTHS, make_tracker, texts

    for text, topic in (
        ("催收的打电话让我把钱转到他个人卡上，说这样能减免罚息", "collection_conduct"),
        ("有个自称你们客服的人让我把钱转到对公账户还款，可以吗", "how_to_repay"),
        ("法院的人打电话说要我今天转5000到指定账户不然就立案", "lawsuit_risk"),
        ("催收员让我转账给他，他帮我销账", "collection_conduct"),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, "faq", response_key=topic, borrower=TWO_MONTHS)
        await ActionAnswerFaq().run(dispatcher, tracker, {})
        await ActionFaqFollowup().run(dispatcher, tracker, {})
        reply = texts(dispatcher)
        assert reply.startswith("这是冒充客服的诈骗，别转账！"), text
        assert "已逾期" not in reply and len(dispatcher.messages) == 1, text
    # a question about the rules with no such request: the topic's answer as usual
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("催收天天打电话合法吗", "faq", response_key="collection_conduct")
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_faq/collection_conduct"]


async def test_the_offer_argued_for_right_after_a_scam_answer_gets_the_warning_again(ledger):
    """ "他说是你们合作的律所", "我想试试" right after the 停息挂账 / 征信修复 answer (the review
    saw "这个我暂时帮不上忙")."""
    from actions.out_of_scope import ActionOutOfScope
    from actions.scam_help import SCAM_PUSHBACK_ZH
    from tests.actions.action_helpers import make_tracker, texts

    for topic, text in (
        ("debt_agency_scam", "他说是你们合作的律所"),
        ("credit_repair_scam", "我想试试"),
        ("credit_repair_scam", "真的能信吗"),
    ):
        history = [
            {
                "event": "user",
                "text": "有人说能帮我停息挂账",
                "parse_data": {
                    "intent": {"name": "faq"},
                    "response_selector": {
                        "faq": {"response": {"intent_response_key": f"faq/{topic}"}}
                    },
                },
            },
            {"event": "action", "name": "action_answer_faq"},
            {"event": "bot", "text": "……"},
            {"event": "action", "name": "action_listen"},
        ]
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, "out_of_scope", history=history)
        await ActionOutOfScope().run(dispatcher, tracker, {})
        assert texts(dispatcher) == SCAM_PUSHBACK_ZH, text
    # the same words with no scam answer just before: the usual answer
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, make_tracker("我想试试", "out_of_scope"), {})
    assert texts(dispatcher) != SCAM_PUSHBACK_ZH
