"""The overdue what-if: start (prefill), validation with specific re-asks, and the answer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_followup import LATE_WHAT_IF_TAIL
from actions.overdue_cost import (
    NO_CALCULATION,
    ActionAskOverdueDuration,
    ActionCalculateOverdueCost,
    ActionStartOverdueCost,
    ValidateOverdueCostForm,
)
from bot.finance.money import fmt_money, percent_str, plain_str
from bot.finance.overdue import overdue_cost
from bot.finance.schedule import amortization_schedule
from bot.policy import load_policy
from bot.policy.wording import penalty_rule_zh
from tests.actions import demo_figures as expected
from tests.actions.action_helpers import (
    MULTI_DEBT,
    TODAY,
    TWO_MONTHS,
    UP_TO_DATE,
    entity,
    make_tracker,
    slot_values,
    slots_after,
    texts,
)

D = Decimal
FORM = "overdue_cost_form"


async def start(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionStartOverdueCost().run(dispatcher, tracker, {})
    names = ("overdue_amount", "overdue_duration", "overdue_daily_rate", "overdue_loan_id")
    return slots_after(tracker, events, names), texts(dispatcher)


async def answer(slots, borrower=None, **kwargs) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "", "inform", slots=slots, borrower=borrower, previous_action=FORM, **kwargs
    )
    assert await ActionCalculateOverdueCost().run(dispatcher, tracker, {}) == []
    return texts(dispatcher)


async def validate(domain, text, requested, entities=(), intent="inform", slots=None):
    """Run the form validation the way the form does: extraction, then validation."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text, intent, entities=entities, requested_slot=requested, active_loop=FORM, slots=slots
    )
    for item in entities:  # the slot mappings fill slots from entities before validation
        name = {
            "amount": "overdue_amount",
            "duration": "overdue_duration",
            "daily_rate": "overdue_daily_rate",
            "annual_rate": "overdue_daily_rate",
        }[item["entity"]]
        tracker.events.append({"event": "slot", "name": name, "value": item["value"]})
        tracker.slots[name] = item["value"]
    events = await ValidateOverdueCostForm().run(dispatcher, tracker, domain)
    return slot_values(events), texts(dispatcher)


# --- start: where the numbers come from ---------------------------------------------------------
async def test_numbers_in_the_message_are_used(ledger):
    text = "年化18%的话1万逾期60天要多还多少"
    slots, said = await start(
        make_tracker(
            text,
            "calculate_overdue_cost",
            borrower=TWO_MONTHS,
            entities=[
                entity("annual_rate", "0.18", text="年化18%"),
                entity("amount", "10000", text="1万"),
                entity("duration", "P60D", text="60天"),
            ],
        )
    )
    assert slots == {
        "overdue_amount": "10000",
        "overdue_duration": "P60D",
        "overdue_daily_rate": "0.0005",
        "overdue_loan_id": None,
    }
    assert said == ""


async def test_linked_overdue_borrower_gets_their_own_numbers_prefilled(ledger):
    loan = expected.two_months()
    slots, _ = await start(
        make_tracker("我逾期了罚多少", "calculate_overdue_cost", borrower=TWO_MONTHS)
    )
    assert D(slots.pop("overdue_amount")) == loan.overdue_amount
    assert slots == {
        "overdue_duration": "P61D",
        "overdue_daily_rate": "0.0005",
        "overdue_loan_id": "demo-two-months-jiebei",
    }


async def test_linked_borrower_who_is_current_gets_the_next_installment_and_rate(ledger):
    slots, _ = await start(
        make_tracker("我要是晚还会罚多少", "calculate_overdue_cost", borrower=UP_TO_DATE)
    )
    assert slots == {
        "overdue_amount": "899.75",
        "overdue_duration": None,
        "overdue_daily_rate": "0.0004",
        "overdue_loan_id": "demo-up-to-date-jiebei",
    }


async def test_unlinked_user_gets_nothing_prefilled(ledger):
    slots, _ = await start(
        make_tracker("帮我算一下逾期要罚多少", "calculate_overdue_cost", borrower=None)
    )
    assert slots == {
        "overdue_amount": None,
        "overdue_duration": None,
        "overdue_daily_rate": None,
        "overdue_loan_id": None,
    }


async def test_a_follow_up_changes_one_number_and_keeps_the_others(ledger_down):
    previous = {
        "overdue_amount": "10000",
        "overdue_duration": "P60D",
        "overdue_daily_rate": "0.0005",
    }
    tracker = make_tracker(
        "那三个月呢",
        "inform",
        entities=[entity("duration", "P3M", text="三个月")],
        slots=previous,
        previous_action="action_calculate_overdue_cost",
        borrower=None,
    )
    slots, _ = await start(tracker)
    assert slots["overdue_duration"] == "P3M"
    assert slots["overdue_amount"] == "10000" and slots["overdue_daily_rate"] == "0.0005"


async def test_a_follow_up_naming_another_of_the_borrowers_loans_uses_that_loan(ledger):
    """ "花呗晚还10天罚多少", then "信用卡晚一个礼拜呢": the card's instalment and rate."""
    huabei, card = expected.multi_debt()[1], expected.multi_debt()[2]
    previous = {
        "overdue_amount": plain_str(huabei.next_installment),
        "overdue_duration": "P10D",
        "overdue_daily_rate": plain_str(huabei.daily_rate),
        "overdue_loan_id": "demo-multi-debt-huabei",
    }

    async def follow_up(text, product, days, surface, slots=previous):
        entities = [entity("loan_product", product, text=product)]
        entities.append(entity("duration", days, text=surface))
        tracker = make_tracker(
            text,
            "inform",
            entities=entities,
            slots=slots,
            previous_action="action_calculate_overdue_cost",
            borrower=MULTI_DEBT,
        )
        return (await start(tracker))[0]

    slots = await follow_up("信用卡晚一个礼拜呢", "信用卡", "P7D", "一个礼拜")
    assert slots["overdue_loan_id"] == "demo-multi-debt-credit-card"
    assert D(slots["overdue_amount"]) == card.next_installment
    assert D(slots["overdue_daily_rate"]) == card.daily_rate
    assert slots["overdue_duration"] == "P7D"
    # "那信用卡呢": the card's figures, the days asked about before
    tracker = make_tracker(
        "那信用卡呢",
        "inform",
        entities=[entity("loan_product", "信用卡", text="信用卡")],
        slots=previous,
        previous_action="action_calculate_overdue_cost",
        borrower=MULTI_DEBT,
    )
    slots = (await start(tracker))[0]
    assert slots["overdue_loan_id"] == "demo-multi-debt-credit-card"
    assert (
        D(slots["overdue_amount"]) == card.next_installment and slots["overdue_duration"] == "P10D"
    )
    # the same product named again keeps the numbers of the previous answer
    own = {**previous, "overdue_amount": "5000"}
    slots = await follow_up("花呗晚20天呢", "花呗", "P20D", "20天", own)
    assert slots["overdue_amount"] == "5000" and slots["overdue_duration"] == "P20D"
    assert slots["overdue_loan_id"] == "demo-multi-debt-huabei"


async def test_more_time_is_counted_from_where_the_borrower_already_is(ledger):
    """61 days overdue, "要是再拖一个月呢": 91 days, first turn or follow-up; "拖一个月" alone
    (no 再) too, since they are past a month already; "拖三个月" alone is 90 days."""
    loan = expected.two_months()
    more = [entity("duration", "P1M", text="一个月")]
    slots, _ = await start(
        make_tracker(
            "要是再拖一个月呢", "calculate_overdue_cost", entities=more, borrower=TWO_MONTHS
        )
    )
    assert slots["overdue_duration"] == "P91D"
    assert D(slots["overdue_amount"]) == loan.overdue_amount
    follow_up = make_tracker(
        "再晚一个月呢",
        "inform",
        entities=[entity("duration", "P1M", text="一个月")],
        slots={**slots, "overdue_duration": "P61D"},
        previous_action="action_calculate_overdue_cost",
        borrower=TWO_MONTHS,
    )
    assert (await start(follow_up))[0]["overdue_duration"] == "P91D"
    plain, _ = await start(
        make_tracker("拖一个月会怎样", "calculate_overdue_cost", entities=more, borrower=TWO_MONTHS)
    )
    assert plain["overdue_duration"] == "P91D"
    longer, _ = await start(
        make_tracker(
            "拖三个月会怎样",
            "calculate_overdue_cost",
            entities=[entity("duration", "P3M", text="三个月")],
            borrower=TWO_MONTHS,
        )
    )
    assert longer["overdue_duration"] == "P3M"


async def test_the_form_keeps_the_total_when_its_mapping_brings_back_the_message_duration(domain):
    """On activation the form maps "一个月" from the message again (P1M); the 91 days the start
    action counted stand (the second review saw 30 days on the live bot)."""

    async def activated(text, *durations):
        tracker = make_tracker(
            text,
            "calculate_overdue_cost",
            entities=[entity("duration", "P1M", text="一个月")],
            active_loop=FORM,
        )
        tracker.events.append({"event": "action", "name": "action_start_overdue_cost"})
        for value in durations:  # the start action's value, then the form's mapping
            tracker.events.append({"event": "slot", "name": "overdue_duration", "value": value})
        tracker.slots["overdue_duration"] = durations[-1]
        events = await ValidateOverdueCostForm().run(CollectingDispatcher(), tracker, domain)
        return slot_values(events)["overdue_duration"]

    assert await activated("要是再拖一个月呢", "P91D", "P1M") == "P91D"
    # without 再, from someone already later than a month, the start action's total stands too
    assert await activated("拖一个月呢", "P91D", "P1M") == "P91D"
    # and so does its "nothing to calculate" (一天罚多少 answered with the borrower's own figures)
    assert await activated("一个月罚多少", NO_CALCULATION, "P1M") == NO_CALCULATION
    # when the start action left the message's own duration, that is the answer
    assert await activated("拖一个月呢", "P1M") == "P1M"


async def test_the_duration_question_names_the_amount_as_it_came(ledger):
    """Only the loan's own instalment is called 下一期应还的: 一万块逾期罚息多少 from a borrower
    whose instalment is 899.75 is about 10,000 (the loan gave the rate only)."""

    async def ask(amount, loan_id):
        dispatcher = CollectingDispatcher()
        slots = {"overdue_amount": amount, "overdue_loan_id": loan_id}
        tracker = make_tracker("", "calculate_overdue_cost", borrower=UP_TO_DATE, slots=slots)
        await ActionAskOverdueDuration().run(dispatcher, tracker, {})
        return texts(dispatcher)

    own = await ask("899.75", "demo-up-to-date-jiebei")
    assert own.startswith("就按你下一期应还的899.75元来算：假如晚还，晚多久？")
    assert (await ask("10000", "demo-up-to-date-jiebei")).startswith("按10,000.00元来算：")
    assert (await ask("3000", None)).startswith("按3,000.00元来算：")
    assert (await ask(None, None)).startswith("逾期多长时间")


async def test_a_new_request_does_not_reuse_old_numbers(ledger_down):
    previous = {
        "overdue_amount": "10000",
        "overdue_duration": "P60D",
        "overdue_daily_rate": "0.0005",
    }
    tracker = make_tracker(
        "5000逾期两个月罚多少",
        "calculate_overdue_cost",
        slots=previous,
        borrower=None,
        previous_action="utter_greet",
        entities=[entity("amount", "5000", text="5000"), entity("duration", "P2M", text="两个月")],
    )
    slots, _ = await start(tracker)
    assert slots["overdue_amount"] == "5000" and slots["overdue_daily_rate"] is None


async def test_ledger_down_prefills_nothing_and_says_nothing(ledger_down):
    slots, said = await start(
        make_tracker("我逾期了罚多少", "calculate_overdue_cost", borrower=TWO_MONTHS)
    )
    assert set(slots.values()) == {None} and said == ""


# --- validation -----------------------------------------------------------------------------------
async def test_an_amount_said_inside_the_form_replaces_the_loans_own(domain):
    """Asked how late, the borrower says "8000": the answer is about 8,000, not "你下一期应还的"."""
    own = {"overdue_loan_id": "demo-up-to-date-jiebei", "overdue_amount": "899.75"}
    slots, _ = await validate(
        domain,
        "8000",
        "overdue_duration",
        entities=[entity("amount", "8000", text="8000")],
        slots=own,
    )
    assert slots["overdue_amount"] == "8000" and slots["overdue_loan_id"] is None


@pytest.mark.parametrize(
    "text, entities, reply",
    [
        ("-5000", [entity("amount", "5000", text="5000")], "金额不能是负数"),
        ("负五千", [entity("amount", "5000", text="五千")], "金额不能是负数"),
        ("一大笔钱", [], "金额我没认出来"),
        ("0", [entity("amount", "0", text="0")], "金额是0的话就不会产生罚息"),
        ("1000亿", [entity("amount", "100000000000", text="1000亿")], "超出了个人消费贷的范围"),
    ],
)
async def test_bad_amounts_get_a_specific_re_ask(domain, text, entities, reply):
    slots, said = await validate(domain, text, "overdue_amount", entities)
    assert slots["overdue_amount"] is None
    assert reply in said


async def test_an_amount_in_words_is_read(domain):
    slots, said = await validate(domain, "大概两千五吧", "overdue_amount")
    assert slots["overdue_amount"] == "2500" and said == ""


@pytest.mark.parametrize(
    "text, entities, expected_value, reply",
    [
        ("两个月", [entity("duration", "P2M", text="两个月")], "P2M", ""),
        ("好久了", [], None, "时长我没认出来"),
        ("20年", [entity("duration", "P20Y", text="20年")], None, "最多估算10年"),
    ],
)
async def test_durations(domain, text, entities, expected_value, reply):
    slots, said = await validate(
        domain, text, "overdue_duration", entities, slots={"overdue_amount": "5000"}
    )
    assert slots["overdue_duration"] == expected_value
    assert reply in said


@pytest.mark.parametrize(
    "text, entities, expected_value, reply",
    [
        ("年化18%", [entity("annual_rate", "0.18", text="年化18%")], "0.0005", ""),
        ("万分之五", [entity("daily_rate", "0.0005", text="万分之五")], "0.0005", ""),
        ("0.05%", [], "0.0005", ""),
        ("18%", [], "0.0005", ""),
        ("年化300%", [entity("annual_rate", "3", text="年化300%")], None, "超过了100%"),
        ("很高", [], None, "利率我没认出来"),
    ],
)
async def test_rates(domain, text, entities, expected_value, reply):
    slots, said = await validate(
        domain,
        text,
        "overdue_daily_rate",
        entities,
        slots={"overdue_amount": "5000", "overdue_duration": "P2M"},
    )
    assert slots["overdue_daily_rate"] == expected_value
    assert reply in said


async def test_an_faq_inside_the_form_is_not_taken_as_an_answer(domain):
    slots, said = await validate(domain, "罚息怎么算的", "overdue_amount", intent="faq")
    assert "overdue_amount" not in slots and said == ""


# --- the answer -----------------------------------------------------------------------------------
async def test_answer_is_exact_and_names_the_report_status(ledger_down):
    policy = load_policy()
    cost = overdue_cost(
        D("10000"),
        D("0.0005"),
        60,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    )
    reply = await answer(
        {"overdue_amount": "10000", "overdue_duration": "P60D", "overdue_daily_rate": "0.0005"}
    )
    assert "按本金10,000.00元、年化18.00%（日利率0.050%）、逾期60天估算" in reply
    assert fmt_money(cost.total_penalty) == "450.00"  # 10,000 × 0.05 % × 1.5 × 60 days
    assert f"罚息约{fmt_money(cost.total_penalty)}元" in reply
    penalty_daily = D("0.0005") * policy.penalty_multiplier
    # the penalty rate annualised first, the daily rate after (27.00 % = 0.075 %/day × 360)
    assert (
        f"罚息年化{percent_str(penalty_daily * policy.day_count)}%"
        f"（日利率{percent_str(penalty_daily, 3)}%），"
        "是合同利率的1.5倍" in reply
    )
    assert f"按{cost.chargeable_days}天计" in reply and cost.chargeable_days == 60
    assert f"连本带罚约{fmt_money(cost.total_due)}元" in reply
    assert "还款状态记为“2”（逾期31-60天）" in reply
    assert "贷款分类" not in reply and "（（" not in reply and "））" not in reply
    assert "接下来：逾期第61天起" in reply and "以借款合同和App账单为准" in reply


async def test_the_facts_worked_example_to_the_fen(ledger_down):
    """facts.md: 10 days overdue on 899.75 at a 0.06 %/day penalty rate = 5.40 yuan."""
    reply = await answer(
        {"overdue_amount": "899.75", "overdue_duration": "P10D", "overdue_daily_rate": "0.0004"}
    )
    assert "罚息约5.40元" in reply and "连本带罚约905.15元" in reply


async def test_inside_the_grace_period_nothing_is_charged(ledger_down):
    reply = await answer(
        {"overdue_amount": "5000", "overdue_duration": "P2D", "overdue_daily_rate": "0.0005"}
    )
    assert "罚息：0.00元，逾期2天还在宽限期内" in reply and "罚息约" not in reply
    # what happens if it is not cleared in time, stated as the policy and the calculator have it
    assert penalty_rule_zh(load_policy()) in reply
    assert "逾期2天还没到这一步" in reply
    assert "不会留记录" not in reply  # no promise resting on an example setting
    assert reply.count("可能被报送征信") == 1


async def test_own_overdue_at_its_actual_days_shows_the_ledger_figures(ledger):
    loan = expected.two_months()
    reply = await answer(
        {
            "overdue_amount": str(loan.overdue_amount),
            "overdue_duration": "P61D",
            "overdue_daily_rate": "0.0005",
            "overdue_loan_id": "demo-two-months-jiebei",
        },
        borrower=TWO_MONTHS,
    )
    assert (
        f"按你借呗的账：逾期本息{fmt_money(loan.overdue_amount)}元" in reply
        and "已逾期61天" in reply
    )
    assert (
        f"罚息已计{fmt_money(loan.penalty)}元" in reply
        and f"连本带罚{fmt_money(loan.overdue_total)}元" in reply
    )
    assert "还款状态记为“3”" in reply and "估算" not in reply


async def test_own_overdue_left_longer_is_the_ledgers_projection_per_installment(ledger):
    """61 days overdue on 11-23, "逾期三个月呢" (90 days): on 12-22 the installment due 11-23 is
    29 days overdue too. The figures are those of not repaying till 12-22, each installment at its
    own days (rebuilt independently in demo_figures), not today's overdue amount at 90 days."""
    now = expected.two_months()
    then = expected.two_months(TODAY + timedelta(days=29))
    assert then.overdue_days == 90 and then.overdue_amount > now.overdue_amount
    reply = await answer(
        {
            "overdue_amount": str(now.overdue_amount),
            "overdue_duration": "P3M",
            "overdue_daily_rate": "0.0005",
            "overdue_loan_id": "demo-two-months-jiebei",
        },
        borrower=TWO_MONTHS,
    )
    assert "按你借呗的还款计划推算，假如一直不还，到12月22日已逾期90天" in reply
    added = then.overdue_amount - now.overdue_amount
    assert (
        f"逾期本息{fmt_money(then.overdue_amount)}元：现在已逾期的{fmt_money(now.overdue_amount)}元，"
        f"加上这期间又到期的1期{fmt_money(added)}元" in reply
    )
    assert f"罚息累计{fmt_money(then.penalty)}元（现在已计{fmt_money(now.penalty)}元）" in reply
    assert f"连本带罚{fmt_money(then.overdue_total)}元" in reply
    assert "假设这期间一笔都不还" in reply and "估算" not in reply
    # the estimate on today's amount would have under-stated it
    policy = load_policy()
    estimate = overdue_cost(
        now.overdue_amount,
        D("0.0005"),
        90,
        grace_days=policy.grace_days,
        multiplier=policy.penalty_multiplier,
        grace_mode=policy.grace_mode,
    )
    assert then.overdue_total > estimate.total_due


async def test_a_named_day_far_off_counts_every_installment_falling_due(ledger):
    """ "拖到过年" (2027-02-06) for the borrower 61 days overdue: 136 days; by then the
    installments due 11-23, 12-23 and 01-23 are overdue as well."""
    slots, said = await start(
        make_tracker("要是拖到过年才还呢", "calculate_overdue_cost", borrower=TWO_MONTHS)
    )
    assert slots["overdue_duration"] == "P136D"
    then = expected.two_months(date(2027, 2, 6))
    reply = await answer(slots, borrower=TWO_MONTHS)
    assert "到2027年2月6日已逾期136天" in reply
    assert "又到期的3期" in reply
    assert f"罚息累计{fmt_money(then.penalty)}元" in reply
    assert f"连本带罚{fmt_money(then.overdue_total)}元" in reply


async def test_a_late_next_installment_past_the_following_due_date_counts_both(ledger):
    """Up to date, next 899.75 due 12-13; 40 days late is 01-22: the installment due 01-13
    is 9 days overdue by then as well."""
    loan = expected.up_to_date()
    reply = await answer(
        {
            "overdue_amount": str(loan.next_installment),
            "overdue_duration": "P40D",
            "overdue_daily_rate": "0.0004",
            "overdue_loan_id": "demo-up-to-date-jiebei",
        },
        borrower=UP_TO_DATE,
    )
    assert "到2027年1月22日已逾期40天" in reply
    assert (
        f"逾期本息{fmt_money(2 * loan.next_installment)}元："
        f"这一期的{fmt_money(loan.next_installment)}元，加上这期间又到期的1期" in reply
    )


async def test_a_stated_rate_other_than_the_loans_stays_an_estimate(ledger):
    loan = expected.two_months()
    reply = await answer(
        {
            "overdue_amount": str(loan.overdue_amount),
            "overdue_duration": "P90D",
            "overdue_daily_rate": "0.0004",
            "overdue_loan_id": "demo-two-months-jiebei",
        },
        borrower=TWO_MONTHS,
    )
    assert "逾期90天估算" in reply and "推算" not in reply
    assert f"实际已逾期61天、已计罚息{fmt_money(loan.penalty)}元" in reply


async def test_missing_numbers_get_a_polite_reply(ledger_down):
    reply = await answer(
        {"overdue_amount": None, "overdue_duration": "P10D", "overdue_daily_rate": "0.0005"}
    )
    assert "没能算出来" in reply


# --- a day instead of a duration ("要是下个月底才还呢", "拖到过年") -------------------------------
async def test_a_named_day_counts_from_the_overdue_days_already_reached(ledger):
    """61 days overdue on 11-23; "下个月底" is 12-31, 38 days on: 99 days."""
    slots, said = await start(
        make_tracker("要是下个月底才还呢", "calculate_overdue_cost", borrower=TWO_MONTHS)
    )
    assert slots["overdue_duration"] == "P99D"
    assert D(slots["overdue_amount"]) == expected.two_months().overdue_amount
    assert said == "按12月31日才还来算：你现在已逾期61天，到12月31日逾期99天。"


async def test_a_named_day_counts_from_the_next_installments_due_date(ledger):
    """The next installment falls due on 12-13: 12-31 is 18 days late; the month's end (11-30)
    is before the due date, so nothing is late and the form asks."""
    slots, said = await start(
        make_tracker("这期拖到下个月底再还要罚多少", "calculate_overdue_cost", borrower=UP_TO_DATE)
    )
    assert slots["overdue_duration"] == "P18D" and slots["overdue_amount"] == "899.75"
    assert "这一期12月13日到期，到12月31日逾期18天" in said
    slots, said = await start(
        make_tracker("这期拖到月底再还呢", "calculate_overdue_cost", borrower=UP_TO_DATE)
    )
    assert slots["overdue_duration"] == NO_CALCULATION
    assert said == "11月30日还没过这一期的还款日（12月13日），按时还不算逾期，不会有罚息。"


async def test_a_day_that_is_not_late_ends_the_form_without_a_calculation(domain):
    """After "16号才还呢" (before the due date) the form asks nothing more: the validation
    leaves no slot to request, so the form ends, and the calculation says nothing more."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "这期拖到月底再还呢",
        "calculate_overdue_cost",
        active_loop=FORM,
        slots={"overdue_amount": "899.75", "overdue_daily_rate": None},
    )
    tracker.events.append({"event": "slot", "name": "overdue_duration", "value": NO_CALCULATION})
    tracker.slots["overdue_duration"] = NO_CALCULATION
    events = await ValidateOverdueCostForm().run(dispatcher, tracker, domain)
    assert {"event": "slot", "name": "requested_slot", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    assert texts(dispatcher) == ""
    reply = await answer({"overdue_amount": "899.75", "overdue_duration": NO_CALCULATION})
    assert reply == ""


async def test_a_day_before_the_due_date_answers_the_how_late_question(ledger, domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "12号",
        "inform",
        requested_slot="overdue_duration",
        active_loop=FORM,
        slots={"overdue_amount": "899.75", "overdue_loan_id": "demo-up-to-date-jiebei"},
        borrower=UP_TO_DATE,
    )
    events = await ValidateOverdueCostForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["overdue_duration"] == NO_CALCULATION
    assert "按时还不算逾期" in texts(dispatcher)


async def test_a_named_day_without_a_loan_counts_from_today(ledger):
    text = "5000块拖到下个月底罚息多少"
    slots, said = await start(
        make_tracker(
            text,
            "calculate_overdue_cost",
            entities=[entity("amount", "5000", text="5000块")],
            borrower=None,
            as_of=TODAY.isoformat(),
        )
    )
    assert slots["overdue_duration"] == "P38D" and slots["overdue_amount"] == "5000"
    assert "假设今天到期，到12月31日逾期38天" in said


async def answer_how_late(domain, text, intent="inform"):
    """The form asked how late (for 5,000, no loan); ``text`` is the answer: (slots, said)."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        intent,
        requested_slot="overdue_duration",
        active_loop=FORM,
        slots={"overdue_amount": "5000"},
        as_of=TODAY.isoformat(),
    )
    events = await ValidateOverdueCostForm().run(dispatcher, tracker, domain)
    return slot_values(events), texts(dispatcher)


async def test_a_day_answers_the_duration_question(ledger, domain):
    slots, said = await answer_how_late(domain, "拖到月底吧")
    assert slots["overdue_duration"] == "P7D"
    assert "按11月30日才还来算" in said


@pytest.mark.parametrize(
    "text, intent, expected_days",
    [("到月底", "faq", 7), ("月底", "out_of_scope", 7), ("过年再还", "faq", 75)],
)
async def test_a_day_answers_the_duration_question_whatever_the_intent(
    ledger, domain, text, intent, expected_days
):
    """Asked how late, "到月底" is the answer even when the NLU took it for an FAQ."""
    slots, _ = await answer_how_late(domain, text, intent)
    assert slots["overdue_duration"] == f"P{expected_days}D"


async def test_a_stop_is_not_read_as_a_day(ledger, domain):
    slots, _ = await answer_how_late(domain, "算了 月底再说", "deny")
    assert "overdue_duration" not in slots


async def test_a_duration_in_the_message_is_not_read_as_a_day(ledger):
    text = "5000块逾期两个月罚息多少"
    slots, said = await start(
        make_tracker(
            text,
            "calculate_overdue_cost",
            entities=[
                entity("amount", "5000", text="5000块"),
                entity("duration", "P2M", text="两个月"),
            ],
        )
    )
    assert slots["overdue_duration"] == "P2M" and said == ""


async def test_a_loan_not_yet_taken_gets_its_figures_and_no_what_if(ledger):
    """ "借两万分12期一个月还多少" read as a what-if: the loan's payment, and the form ends."""
    slots, said = await start(
        make_tracker(
            "借两万分12期一个月还多少",
            "calculate_overdue_cost",
            entities=[
                entity("amount", "20000", text="两万"),
                entity("installments", "12", text="分12期"),
            ],
            borrower=UP_TO_DATE,
        )
    )
    assert slots["overdue_duration"] == NO_CALCULATION and slots["overdue_amount"] is None
    schedule = amortization_schedule(D("20000"), D("0.144"), 12)
    assert f"每月约{fmt_money(schedule.first_payment)}元" in said
    # with words of lateness it stays a what-if
    slots, said = await start(
        make_tracker(
            "借两万分12期 逾期了罚多少",
            "calculate_overdue_cost",
            entities=[
                entity("amount", "20000", text="两万"),
                entity("installments", "12", text="分12期"),
            ],
        )
    )
    assert slots["overdue_duration"] != NO_CALCULATION and "每月约" not in said


async def test_several_current_loans_a_named_day_is_about_the_one_due_first(ledger):
    """陈静 has three current loans: "拖到过年" counts from the installment due first."""
    overview = await ledger.get_loans(MULTI_DEBT, as_of=TODAY)
    first = min(overview.loans, key=lambda loan: loan.next_due_date)
    slots, said = await start(
        make_tracker("要是拖到过年才还呢", "calculate_overdue_cost", borrower=MULTI_DEBT)
    )
    assert slots["overdue_loan_id"] == first.loan_id
    assert D(slots["overdue_amount"]) == first.next_due_amount
    late = (date(2027, 2, 6) - first.next_due_date).days
    assert slots["overdue_duration"] == f"P{late}D" and "假设今天到期" not in said


async def answer_rate_question(domain, text, intent):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        intent,
        requested_slot="overdue_daily_rate",
        active_loop=FORM,
        slots={"overdue_amount": "5000", "overdue_duration": "P60D"},
    )
    events = await ValidateOverdueCostForm().run(dispatcher, tracker, domain)
    return slot_values(events), texts(dispatcher)


async def test_a_rate_answers_the_rate_question_whatever_the_intent(domain):
    slots, _ = await answer_rate_question(domain, "万五", "faq")
    assert slots["overdue_daily_rate"] == "0.0005"


async def test_not_knowing_the_rate_uses_the_example_rate_and_says_so(domain):
    slots, said = await answer_rate_question(domain, "不知道", "out_of_scope")
    assert slots["overdue_daily_rate"] == "0.0004"
    assert "示例利率年化14.40%（日利率0.040%）" in said and "以借款合同" in said


async def test_more_time_counts_from_the_previous_answer_even_after_the_slot_mapping(ledger):
    """Live, Rasa's slot mapping has already put "一个月" (P1M) in overdue_duration when the
    start action runs: the previous answer's 99 days still count, 99 + 30 = 129."""
    loan = expected.two_months()
    tracker = make_tracker(
        "那再拖一个月呢",
        "calculate_overdue_cost",
        entities=[entity("duration", "P1M", text="一个月")],
        history=[{"event": "slot", "name": "overdue_duration", "value": "P99D"}],
        slots={
            "overdue_amount": str(loan.overdue_amount),
            "overdue_duration": "P1M",
            "overdue_daily_rate": "0.0005",
            "overdue_loan_id": "demo-two-months-jiebei",
        },
        previous_action="action_calculate_overdue_cost",
        borrower=TWO_MONTHS,
    )
    tracker.events.append({"event": "slot", "name": "overdue_duration", "value": "P1M"})
    slots, _ = await start(tracker)
    assert slots["overdue_duration"] == "P129D"


async def test_a_projection_names_the_other_loans_overdue_by_then_and_the_whole_sum(ledger):
    slots, _ = await start(
        make_tracker("要是拖到过年才还呢", "calculate_overdue_cost", borrower=MULTI_DEBT)
    )
    reply = await answer(slots, borrower=MULTI_DEBT)
    then = await ledger.get_loans(MULTI_DEBT, as_of=date(2027, 2, 6))
    total = sum((loan.overdue_total for loan in then.loans), D("0.00"))
    others = [loan for loan in then.loans if loan.loan_id != slots["overdue_loan_id"]]
    assert "你的其他借款到那天也会逾期：" in reply
    for loan in others:
        assert f"{loan.product}{fmt_money(loan.overdue_total)}元" in reply
    assert f"全部加起来{fmt_money(total)}元" in reply


async def test_the_penalty_per_day_asked_by_an_overdue_borrower_is_their_own(ledger):
    """ "一天罚多少" from the borrower 61 days overdue: their penalty so far and per day, not a
    what-if of one day late (which would say 0 and "not reported yet")."""
    loan = expected.two_months()
    for text in ("一天罚多少", "罚息多少 一天多少", "每天扣多少钱"):
        slots, reply = await start(
            make_tracker(
                text,
                "calculate_overdue_cost",
                entities=[entity("duration", "P1D", text="一天")] if "一天" in text else [],
                borrower=TWO_MONTHS,
            )
        )
        assert f"罚息目前{fmt_money(loan.penalty)}元" in reply, text
        assert "每多一天约多" in reply and "逾期1天估算" not in reply
        assert slots["overdue_duration"] == NO_CALCULATION
    # someone not overdue, and "晚一天罚多少": the what-if of one day
    slots, reply = await start(
        make_tracker(
            "一天罚多少",
            "calculate_overdue_cost",
            entities=[entity("duration", "P1D", text="一天")],
            borrower=UP_TO_DATE,
        )
    )
    assert reply == "" and slots["overdue_duration"] == "P1D"
    slots, _ = await start(
        make_tracker(
            "晚一天罚多少",
            "calculate_overdue_cost",
            entities=[entity("duration", "P1D", text="一天")],
            borrower=TWO_MONTHS,
        )
    )
    assert slots["overdue_duration"] == "P62D"


async def test_how_much_penalty_right_after_a_one_line_lateness_keeps_its_loan_and_days(ledger):
    """ "信用卡晚了一天" answered in one line, then "罚多少": the card and the one day (the
    review saw the 花呗 installment and a second question of how late)."""
    history = [
        {
            "event": "user",
            "text": "信用卡晚了一天",
            "parse_data": {
                "intent": {"name": "inform"},
                "entities": [
                    {"entity": "loan_product", "value": "信用卡"},
                    {"entity": "duration", "value": "P1D"},
                ],
            },
        },
        {"event": "action", "name": "action_number_out_of_context"},
        {
            "event": "bot",
            "text": "按你信用卡下一期应还的1,124.20元算，晚还1天……" + LATE_WHAT_IF_TAIL,
        },
        {"event": "action", "name": "action_listen"},
    ]
    slots, _ = await start(
        make_tracker("罚多少", "calculate_overdue_cost", history=history, borrower=MULTI_DEBT)
    )
    assert slots["overdue_duration"] == "P1D"
    assert slots["overdue_loan_id"] and "card" in slots["overdue_loan_id"]
    # after any other answer, "罚多少" carries nothing over
    history[2] = {"event": "bot", "text": "你好"}
    slots, _ = await start(
        make_tracker("罚多少", "calculate_overdue_cost", history=history, borrower=MULTI_DEBT)
    )
    assert slots["overdue_duration"] is None
