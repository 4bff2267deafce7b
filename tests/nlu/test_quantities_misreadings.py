"""Misreadings reported by the data writers, and the rules that fix them.

Each group names the report it answers; the reading rules themselves are written down in
docs/quantities.md.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.quantities import (
    find_quantities,
    parse_amount,
    parse_annual_rate,
    parse_daily_rate,
    parse_day_of_month,
    parse_duration,
    parse_installments,
)


def found(text):
    return [(q.entity, q.text, q.value) for q in find_quantities(text)]


# ---------------------------------------------------------------- 1, 2: an amount right before a
# rate cue
# "万年" / "万日" must not swallow the amount: 年 / 日 belong to the rate cue that follows.


@pytest.mark.parametrize(
    "text,expected",
    [
        # the reported messages
        ("3万年化14.4%", [("amount", "3万", "30000"), ("annual_rate", "年化14.4%", "0.144")]),
        (
            "1.2万日利率0.05%",
            [("amount", "1.2万", "12000"), ("daily_rate", "日利率0.05%", "0.0005")],
        ),
        # the same with other cues, units and number forms
        ("三万年化14.4%", [("amount", "三万", "30000"), ("annual_rate", "年化14.4%", "0.144")]),
        ("3万年利率14.4%", [("amount", "3万", "30000"), ("annual_rate", "年利率14.4%", "0.144")]),
        ("3w年息14.4%", [("amount", "3w", "30000"), ("annual_rate", "年息14.4%", "0.144")]),
        ("12000日息万五", [("amount", "12000", "12000"), ("daily_rate", "日息万五", "0.0005")]),
        # an abbreviated last digit (一万二 = 12000) before a rate cue is still part of the number
        (
            "一万二日利率0.05%",
            [("amount", "一万二", "12000"), ("daily_rate", "日利率0.05%", "0.0005")],
        ),
        ("三千五日息万五", [("amount", "三千五", "3500"), ("daily_rate", "日息万五", "0.0005")]),
        ("借一万二年化18%", [("amount", "一万二", "12000"), ("annual_rate", "年化18%", "0.18")]),
        # the rate cue without a value (a question): the amount is still found
        ("3万年化多少", [("amount", "3万", "30000")]),
        ("5万年利息多少", [("amount", "5万", "50000")]),
        ("借5万年利率多少", [("amount", "5万", "50000")]),
        ("1.2万日利率多少", [("amount", "1.2万", "12000")]),
        ("借500日息多少", [("amount", "500", "500")]),
        ("2000年化是多少", [("amount", "2000", "2000")]),  # 年化 is never a year
        ("1200年利息多少", [("amount", "1200", "1200")]),
    ],
)
def test_amount_before_a_rate_cue(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025年利率下调了", []),  # a year
        ("借一年利息多少", [("duration", "一年", "P1Y")]),  # a small number: 年 is its unit
        ("两年利率多少", [("duration", "两年", "P2Y")]),
        (
            "借了一万两年利息多少",
            [("amount", "一万", "10000"), ("duration", "两年", "P2Y")],
        ),  # 两 starts 两年
        ("借了一万两年", [("amount", "一万", "10000"), ("duration", "两年", "P2Y")]),
        ("15日利率是多少", [("day_of_month", "15日", "15")]),
    ],
)
def test_small_numbers_and_years_keep_their_unit(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- 4: numbers that name a rule
# Digits glued to 法则 / 规则 / 原则 / 定律 / 口诀 / …法 name a rule (503020法则, 72法则), not
# money;
# 原则上 ("in principle") and 法院 / 法律 do not.


@pytest.mark.parametrize(
    "text",
    [
        "503020法则",
        "503020规则",
        "503020原则",
        "72法则",
        "4321定律",
        "家庭理财4321定律是什么",
        "28定理",
        "50 30 20法则",
        "50-30-20法则",
        "50、30、20法则",
        "50，30，20法则怎么用",
        "503020预算法",
        "503020理财法",
        "4321理财法则",
        "21天法则",
        "1万小时定律",
        "10000小时定律",
        "532口诀",
        "50 30 20 法则",
        "72 法则是什么",
    ],
)
def test_numbers_naming_a_rule_are_not_quantities(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("欠5000法院会起诉吗", [("amount", "5000", "5000")]),
        ("借5000 法院会起诉吗", [("amount", "5000", "5000")]),
        ("欠了5000法律上算什么", [("amount", "5000", "5000")]),
        ("借5000原则上可以吗", [("amount", "5000", "5000")]),
        ("逾期90天法院会立案吗", [("duration", "90天", "P90D")]),
        ("逾期3天原则上不上征信", [("duration", "3天", "P3D")]),
        ("用503020法则，月薪8000", [("amount", "8000", "8000")]),
    ],
)
def test_money_before_law_words_is_still_money(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- 5: 88 in a goodbye
# A slang number (88 = bye-bye, 886, 666 …) that ends the message is not money when it stands
# alone or right after thanks / okay / goodbye words; after a verb or with a unit it is money.


@pytest.mark.parametrize(
    "text",
    [
        "好的88",
        "好的，88",
        "谢谢 88",
        "谢谢88",
        "谢谢啦88",
        "谢啦88~",
        "拜拜88",
        "嗯嗯88",
        "好88",
        "好嘞88",
        "我先下了88",
        "那就这样吧88",
        "知道了88",
        "收到88！",
        "好的886",
        "谢谢666",
        "明白了，谢谢88😀",
        "OK 88",
    ],
)
def test_slang_after_goodbye_words_is_not_money(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("每月还88", [("amount", "88", "88")]),
        ("欠88块", [("amount", "88块", "88")]),
        ("还了88", [("amount", "88", "88")]),
        ("就88", [("amount", "88", "88")]),
        ("最多还88", [("amount", "88", "88")]),
        ("好的，每月还88", [("amount", "88", "88")]),
        ("谢谢，欠了88", [("amount", "88", "88")]),
        ("好的88块", [("amount", "88块", "88")]),
        ("好的88块钱明天还", [("amount", "88块钱", "88")]),
    ],
)
def test_slang_numbers_in_a_sentence_are_money(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- 3: ranges of two full numbers
# A range joined by 到 / 至 / - / ~ / — is one quantity: its lower bound, the span covering the
# whole range, whether the unit is written once or on both sides.  A form needs one value, and
# the lower bound is the safe one (a budget on the lower income, a plan the user can keep).


@pytest.mark.parametrize(
    "text,expected",
    [
        ("三千到六千", [("amount", "三千到六千", "3000")]),
        ("3000到6000", [("amount", "3000到6000", "3000")]),
        ("三千至六千块", [("amount", "三千至六千块", "3000")]),
        ("3000~6000元", [("amount", "3000~6000元", "3000")]),
        ("5000到1万", [("amount", "5000到1万", "5000")]),
        ("3000元到6000元", [("amount", "3000元到6000元", "3000")]),
        ("3000块到6000块", [("amount", "3000块到6000块", "3000")]),
        ("3000元-6000元", [("amount", "3000元-6000元", "3000")]),
        ("3000块 ~ 6000块", [("amount", "3000块 ~ 6000块", "3000")]),
        ("¥3000到¥6000", [("amount", "¥3000到¥6000", "3000")]),
        ("三千多到六千", [("amount", "三千多到六千", "3000")]),
        ("收入不稳定，一个月三千到六千，怎么做预算", [("amount", "三千到六千", "3000")]),
        ("两个月到三个月", [("duration", "两个月到三个月", "P2M")]),
        ("3个月到6个月", [("duration", "3个月到6个月", "P3M")]),
        ("逾期3天-5天", [("duration", "3天-5天", "P3D")]),
        ("半个月到一个月", [("duration", "半个月到一个月", "P15D")]),
        ("6期到12期", [("installments", "6期到12期", "6")]),
    ],
)
def test_a_range_is_one_quantity_with_its_lower_bound(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("10000-5000", [("amount", "10000", "10000"), ("amount", "5000", "5000")]),  # not a range
        ("6000元到3000元", [("amount", "6000元", "6000"), ("amount", "3000元", "3000")]),
        ("借5000元到15号还", [("amount", "5000元", "5000"), ("day_of_month", "15号", "15")]),
        ("5000元到账了吗", [("amount", "5000元", "5000")]),
        ("借了两个月到12月还", [("duration", "两个月", "P2M")]),
        ("从2000块涨到3000块", [("amount", "2000块", "2000"), ("amount", "3000块", "3000")]),
        ("3000元到两个月", [("amount", "3000元", "3000"), ("duration", "两个月", "P2M")]),
    ],
)
def test_what_is_not_a_range(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- 6a: 前一天 / 后一天
# "the day before / after" names a day, it is not a length of time; after a date word (到期前一天,
# 还款日前一天) or in a word that shifts by a length of time (提前一天, 延后一天) it is one.


@pytest.mark.parametrize(
    "text",
    [
        "凌晨还的算前一天还是后一天",
        "前一天晚上还的",
        "是算在前一天吗",
        "后一天才到账",
        "前一个月还了",
        "前一天",
    ],
)
def test_the_day_before_is_not_a_duration(text):
    assert [q for q in find_quantities(text) if q.entity == "duration"] == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("到期前一天叫我", [("duration", "一天", "P1D")]),
        ("到期的前一天提醒我", [("duration", "一天", "P1D")]),
        ("还款日前一天扣款吗", [("duration", "一天", "P1D")]),
        ("每月15号前一天提醒", [("day_of_month", "每月15号", "15"), ("duration", "一天", "P1D")]),
        ("提前一天还", [("duration", "一天", "P1D")]),
        ("能延后一天吗", [("duration", "一天", "P1D")]),
        ("能往后推一个月吗", [("duration", "一个月", "P1M")]),
        ("到期后一天还算逾期吗", [("duration", "一天", "P1D")]),
        ("前两天提醒我", [("duration", "两天", "P2D")]),
        ("以后一个月还3000", [("amount", "3000", "3000")]),  # per month, from now on
        ("同一天到期", []),
        ("最后一天还", []),
    ],
)
def test_lead_times_and_shifts_are_durations(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- 6b: negative numbers
# A number written with a minus sign or 负 is not reported (the contract's values are positive
# yuan, days, counts); a form that asked for money still reads it, as a negative Decimal, so it
# can explain that amounts must be positive.  A dash between a word and a number is read as a
# separator ("借呗-5000"), a dash between numbers as a range or a subtraction.


@pytest.mark.parametrize(
    "text",
    [
        "-500",
        "-500元",
        "负500",
        "负五千",
        "我的额度是-500",
        "－５００",
        "−500",
        "大概 -500 吧",
        "-3天",
        "-12期",
    ],
)
def test_signed_numbers_are_not_reported(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("借呗-5000，花呗-3000", [("amount", "5000", "5000"), ("amount", "3000", "3000")]),
        ("2000-3000", [("amount", "2000-3000", "2000")]),
        ("负债5000", [("amount", "5000", "5000")]),
        ("欠了5000，-200是什么", [("amount", "5000", "5000")]),
        ("8000 -3000", [("amount", "8000", "8000"), ("amount", "3000", "3000")]),
        ("5000元 -3000元", [("amount", "5000元", "5000"), ("amount", "3000元", "3000")]),
    ],
)
def test_dashes_that_are_not_signs(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,value",
    [
        ("-500", "-500"),
        ("-500元", "-500"),
        ("负500", "-500"),
        ("负五千块", "-5000"),
        ("负五十", "-50"),
        ("－５００", "-500"),
        ("−1.5万", "-15000"),
        ("大概-500吧", "-500"),
        ("-0.5", "-0.5"),
    ],
)
def test_parse_amount_reads_signed_amounts(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "text,value",
    [
        ("负债5000", Decimal(5000)),
        ("借呗-5000", Decimal(5000)),
        ("-两个月", None),
        ("-0", None),
        ("负0", None),
        # a dash after a dash is a separator, as after a word
        ("--500", Decimal(500)),
        ("-" * 50 + "5", Decimal(5)),
    ],
    ids=["负债5000", "借呗-5000", "-两个月", "-0", "负0", "--500", "dashes"],
)
def test_parse_amount_signs_only_before_a_number(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "parser,text",
    [
        (parse_installments, "-12"),
        (parse_day_of_month, "-15"),
        (parse_annual_rate, "-18%"),
        (parse_daily_rate, "-0.05%"),
        (parse_duration, "-3天"),
    ],
)
def test_other_parsers_do_not_drop_the_sign(parser, text):
    assert parser(text) is None


# ---------------------------------------------------------------- 6c: traditional 分 / 厘 rates
# After an interest cue, 分 and 厘 are the traditional rate units, one 分 = 10 厘, scaled by the
# period: 年息X分 = 10·X %/year (年息X厘 = X %), 月息X分 = X %/month (月息X厘 = X ‰),
# 日息X分 = X ‰/day (日息X厘 = X ‱).  "一分八" = 1.8 分, "三厘五" = 3.5 厘.


@pytest.mark.parametrize(
    "text,expected",
    [
        ("年息一分八", [("annual_rate", "年息一分八", "0.18")]),
        ("年息1分", [("annual_rate", "年息1分", "0.1")]),
        ("年利率一分二", [("annual_rate", "年利率一分二", "0.12")]),
        ("年息5厘", [("annual_rate", "年息5厘", "0.05")]),
        ("年息一分八厘", [("annual_rate", "年息一分八厘", "0.18")]),
        ("年息1.5分", [("annual_rate", "年息1.5分", "0.15")]),
        ("日息三厘", [("daily_rate", "日息三厘", "0.0003")]),
        ("日息五厘", [("daily_rate", "日息五厘", "0.0005")]),  # = 日息万五
        ("日利率一分", [("daily_rate", "日利率一分", "0.001")]),
        ("日息三厘五", [("daily_rate", "日息三厘五", "0.00035")]),
        (
            "借5000日息5厘用30天",
            [
                ("amount", "5000", "5000"),
                ("daily_rate", "日息5厘", "0.0005"),
                ("duration", "30天", "P30D"),
            ],
        ),
        ("年息一分半", [("annual_rate", "年息一分半", "0.15")]),
    ],
)
def test_traditional_rate_units(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("月息1分", []),  # a monthly rate: no contract entity (see parse_annual_rate)
        ("月息2分借了1万", [("amount", "1万", "10000")]),
        ("利息一分钱都没少", []),  # 分钱: money, and a neutral cue reads no 分 / 厘
        ("借了三分利的钱", []),  # no period named: not reported
        ("利息50厘", []),
        ("年息一分2万", [("annual_rate", "年息一分", "0.1"), ("amount", "2万", "20000")]),
        ("月费率6厘", []),
    ],
)
def test_what_traditional_units_do_not_cover(text, expected):
    assert found(text) == expected


# a monthly interest rate is no contract entity, but a form that asks for a rate reads it as
# annual × 12 (the 30/360 convention: annual = monthly × 12 = daily × 360).  A monthly fee rate
# (月费率, charged on the original principal) is not an interest rate on the balance: no value.


@pytest.mark.parametrize(
    "text,value",
    [
        ("月息1分", "0.12"),
        ("月息2分", "0.24"),
        ("月息一分五", "0.18"),
        ("月息5厘", "0.06"),
        ("月利率1%", "0.12"),
        ("月息2%", "0.24"),
        ("月利率千分之五", "0.06"),
        ("大概月息1分吧", "0.12"),
    ],
)
def test_parse_annual_rate_converts_monthly_interest(text, value):
    assert parse_annual_rate(text) == Decimal(value)
    assert parse_daily_rate(text) is None  # the caller converts, as for any annual rate


@pytest.mark.parametrize("text", ["月费率0.6%", "每月2%", "月费率6厘", "这个月利息500"])
def test_monthly_fees_and_payments_are_not_rates(text):
    assert parse_annual_rate(text) is None


# ---------------------------------------------------------------- noted in the stop-7 closing note
# "一年能还完" is how long (还完 / 还清 end the debt), "一年能还多少" is per year; a price per day
# is not
# a length of time; 3k then 几个月 is money and a question, not 3,000 months.


@pytest.mark.parametrize(
    "text,expected",
    [
        ("欠6万，一年能还完吗", [("amount", "6万", "60000"), ("duration", "一年", "P1Y")]),
        ("一个月能还清吗", [("duration", "一个月", "P1M")]),
        ("一年还得完吗", [("duration", "一年", "P1Y")]),
        ("一年能还多少", []),
        ("一个月还3000", [("amount", "3000", "3000")]),
        ("罚息多少钱一天", []),
        ("利息几块钱一天", []),
        ("逾期一天罚息多少", [("duration", "一天", "P1D")]),
        ("每月3k几个月上岸", [("amount", "3k", "3000")]),
        ("每月还3k几个月能还完", [("amount", "3k", "3000")]),
        ("十几个月", [("duration", "十几个月", "P10M")]),
        ("三千几", [("amount", "三千几", "3000")]),
    ],
)
def test_finish_paying_per_unit_prices_and_latin_magnitudes(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("逾期一个季度了", [("duration", "一个季度", "P3M")]),
        ("两个季度能还清吗", [("duration", "两个季度", "P6M")]),
        ("一年零一个季度", [("duration", "一年零一个季度", "P1Y3M")]),
        ("三季度的账单", []),  # the third quarter, not nine months
        ("一个季度还3000", [("amount", "3000", "3000")]),  # per quarter
    ],
)
def test_quarters_are_three_months(text, expected):
    assert found(text) == expected


# ---------------------------------------------------------------- issue 12: the borrowers' register
# Misses and misreadings found while writing training data in the real borrowers' register.

# 1: 半天 is half a day after a word of being late or putting off, or alone (an answer); elsewhere
# it is the idiom "a long while" (等了半天, 半天没到账).


@pytest.mark.parametrize(
    "text,expected",
    [
        ("晚了半天", [("duration", "半天", "PT12H")]),
        ("晚还半天有影响吗", [("duration", "半天", "PT12H")]),
        ("半天", [("duration", "半天", "PT12H")]),
        ("就晚个半天，会上征信吗", [("duration", "半天", "PT12H")]),
        ("能宽限半天吗", [("duration", "半天", "PT12H")]),
        ("逾期半天算逾期吗", [("duration", "半天", "PT12H")]),
    ],
)
def test_half_a_day(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("等了半天还没到账", []),
        ("半天没反应", []),
        ("找了半天没找到还款入口", []),
        # the other half units are unchanged
        ("半个月", [("duration", "半个月", "P15D")]),
        ("半年", [("duration", "半年", "P6M")]),
        ("一天半", [("duration", "一天半", "P1DT12H")]),
        ("上半年", []),
    ],
)
def test_half_a_day_idiom_and_other_halves(text, expected):
    assert found(text) == expected


# 2: 几 + a unit of time is "a few": the lower bound 2, like 两三天 → P2D — where it says how long
# (alone, after being late / putting off / waiting, 好几, 连续几, before 没); where it asks how many
# (宽限期是几天, 几个月能还完) or names a period (这几天, 前几个月) it is not read.


@pytest.mark.parametrize(
    "text,expected",
    [
        ("几天", [("duration", "几天", "P2D")]),
        ("几个小时", [("duration", "几个小时", "PT2H")]),
        ("几小时", [("duration", "几小时", "PT2H")]),
        ("几分钟", [("duration", "几分钟", "PT2M")]),
        ("几个月", [("duration", "几个月", "P2M")]),
        ("几周", [("duration", "几周", "P14D")]),
        ("几个星期", [("duration", "几个星期", "P14D")]),
        ("晚了几天", [("duration", "几天", "P2D")]),
        ("晚还几天要多付多少", [("duration", "几天", "P2D")]),
        ("能宽限我几天吗", [("duration", "几天", "P2D")]),
        ("能缓几天吗", [("duration", "几天", "P2D")]),
        ("晚几个小时没事吧", [("duration", "几个小时", "PT2H")]),
        ("晚了几分钟 有影响不", [("duration", "几分钟", "PT2M")]),
        ("等我几天", [("duration", "几天", "P2D")]),
        ("过几天再还", [("duration", "几天", "P2D")]),
        ("逾期了几天", [("duration", "几天", "P2D")]),
        ("逾期几天会上征信吗", [("duration", "几天", "P2D")]),  # a yes-no question: 几 is "a few"
        ("晚几天会怎么样", [("duration", "几天", "P2D")]),
        ("我已经好几天没吃饭了", [("duration", "好几天", "P2D")]),
        ("好几个月", [("duration", "好几个月", "P2M")]),
        ("连续几个月没还款会怎么样", [("duration", "几个月", "P2M")]),
        ("几个月没还了", [("duration", "几个月", "P2M")]),
        ("欠了5000，晚了几天", [("amount", "5000", "5000"), ("duration", "几天", "P2D")]),
    ],
)
def test_a_few_is_its_lower_bound(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("宽限期是几天", []),
        ("宽限期有几天", []),
        ("几个月能还完", []),
        ("借钱一般几分钟到账", []),
        ("我逾期几天了", []),  # how many days am I overdue?
        ("逾期几天算不良", []),
        ("晚几天算逾期", []),
        ("要等几天", []),
        ("最长可以借几个月", []),
        ("这几天手头紧", []),
        ("前几个月都在还利息", []),
        ("几月几号还款", []),  # which month
        ("几个工作日到账", []),
        ("每月3k几个月上岸", [("amount", "3k", "3000")]),
        ("每月还3k几个月能还完", [("amount", "3k", "3000")]),
        # vague amounts stay unread; the existing lower bounds are unchanged
        ("差几块钱", []),
        ("欠了几百", []),
        ("几百块", []),
        ("几千块", []),
        ("欠了几十万", []),
        ("几十天", []),
        ("两三天", [("duration", "两三天", "P2D")]),
        ("十来天", [("duration", "十来天", "P10D")]),
        ("十几天", [("duration", "十几天", "P10D")]),
        ("三千几", [("amount", "三千几", "3000")]),
    ],
)
def test_a_few_that_asks_how_many_or_names_a_period(text, expected):
    assert found(text) == expected


# 3: the k / w that ends an amount is its unit, not a Latin word before the next number


@pytest.mark.parametrize(
    "text,expected",
    [
        ("借2w一个月利息", [("amount", "2w", "20000"), ("duration", "一个月", "P1M")]),
        ("5k一个月多少利息", [("amount", "5k", "5000"), ("duration", "一个月", "P1M")]),
        ("借1.5W两个月", [("amount", "1.5W", "15000"), ("duration", "两个月", "P2M")]),
        ("2w3个月", [("amount", "2w", "20000"), ("duration", "3个月", "P3M")]),
        ("5k分3期", [("amount", "5k", "5000"), ("installments", "分3期", "3")]),
        # unchanged: 万 already worked; a per-month figure stays an amount; letters before digits
        # block them
        ("借2万一个月利息", [("amount", "2万", "20000"), ("duration", "一个月", "P1M")]),
        ("收入5k一个月", [("amount", "5k", "5000")]),
        ("iPhone15", []),
        ("5G网络", []),
        ("v2.3.1版本", []),
    ],
)
def test_a_duration_right_after_k_or_w(text, expected):
    assert found(text) == expected


# 4: nothing joins across a space into a wrong quantity: a unit of time the number cannot take
# starts another word (月供, 月入, 年底, 天天), and 多 after a space is not "more than"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("借3万 月供多少", [("amount", "3万", "30000")]),
        ("借3万月供多少", [("amount", "3万", "30000")]),
        ("欠8万 月入6000", [("amount", "8万", "80000"), ("amount", "6000", "6000")]),
        ("欠8万月入6000", [("amount", "8万", "80000"), ("amount", "6000", "6000")]),
        ("月入8000 月供3000", [("amount", "8000", "8000"), ("amount", "3000", "3000")]),
        ("工资8千月供3千", [("amount", "8千", "8000"), ("amount", "3千", "3000")]),
        ("晚还10天 6000 多出多少", [("duration", "10天", "P10D"), ("amount", "6000", "6000")]),
        ("6000 多", [("amount", "6000", "6000")]),
        ("欠1万 年底还", [("amount", "1万", "10000")]),
        ("欠8千 年底还", [("amount", "8千", "8000")]),
        ("欠1万 天天被催", [("amount", "1万", "10000")]),
        ("欠3000天天被催", [("amount", "3000", "3000")]),
        ("一天天过去了", []),
        ("2万多月供", [("amount", "2万多", "20000")]),
    ],
)
def test_no_join_into_a_wrong_quantity(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "三千多",
            [("amount", "三千多", "3000")],
        ),  # right after the number 多 is still a lower bound
        ("6000多", [("amount", "6000多", "6000")]),
        ("一万出头", [("amount", "一万出头", "10000")]),
        ("逾期 30 天", [("duration", "30 天", "P30D")]),
        ("逾期3 个月", [("duration", "3 个月", "P3M")]),
        ("5000 元", [("amount", "5000 元", "5000")]),
        ("3个月月供多少", [("duration", "3个月", "P3M")]),
        ("逾期3天天天被催", [("duration", "3天", "P3D")]),
        ("逾期13月", [("duration", "13月", "P13M")]),
        ("两百天", [("duration", "两百天", "P200D")]),
        ("一千天", [("duration", "一千天", "P1000D")]),
        ("两千年", []),  # a year
    ],
)
def test_units_that_still_join(text, expected):
    assert found(text) == expected


# 5: a trailing 一 that starts a unit word (一年, 一个月, 一天, 一期, 一次, 一周) is not part of
# the amount


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1万一年利息多少", [("amount", "1万", "10000"), ("duration", "一年", "P1Y")]),
        ("一万一年利息多少", [("amount", "一万", "10000"), ("duration", "一年", "P1Y")]),
        ("借1万一年", [("amount", "1万", "10000"), ("duration", "一年", "P1Y")]),
        ("借1万一个月利息多少", [("amount", "1万", "10000"), ("duration", "一个月", "P1M")]),
        ("借1万一天利息多少", [("amount", "1万", "10000"), ("duration", "一天", "P1D")]),
        ("1万一期还多少", [("amount", "1万", "10000")]),
        ("1万一次还清", [("amount", "1万", "10000")]),
    ],
)
def test_a_trailing_one_that_starts_a_unit_word(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("一万一", [("amount", "一万一", "11000")]),
        ("1万1", [("amount", "1万1", "11000")]),
        ("1万一", [("amount", "1万一", "11000")]),
        ("一万一千", [("amount", "一万一千", "11000")]),
        ("借一万一年化18%", [("amount", "一万一", "11000"), ("annual_rate", "年化18%", "0.18")]),
        (
            "一万一日利率0.05%",
            [("amount", "一万一", "11000"), ("daily_rate", "日利率0.05%", "0.0005")],
        ),
        ("1万一，一年利息多少", [("amount", "1万一", "11000"), ("duration", "一年", "P1Y")]),
    ],
)
def test_an_abbreviated_one_that_stays_in_the_amount(text, expected):
    assert found(text) == expected


# 6: "ever more" is no length of time; a budget split and a run of 6s are no money


@pytest.mark.parametrize(
    "text,expected",
    [
        ("一天比一天多", []),
        ("利息一个月比一个月高", []),
        ("催收一次比一次凶", []),
        ("日子一年不如一年", []),
        ("逾期一天比一天久，欠5000", [("amount", "5000", "5000")]),
        ("503020", []),
        ("503020是什么意思", []),
        ("502030怎么分", []),
        ("用503020分一下工资8000", [("amount", "8000", "8000")]),
        ("666666", []),
        ("谢谢666666", []),
        ("6666666", []),
    ],
)
def test_ever_more_budget_splits_and_slang(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("欠123456", [("amount", "123456", "123456")]),  # long numbers stay money
        ("123456", [("amount", "123456", "123456")]),  # alone: a form answer
        ("503020元", [("amount", "503020元", "503020")]),  # with a money unit
        ("503021", [("amount", "503021", "503021")]),  # shares that do not add up to 100
        ("每月还666666", [("amount", "666666", "666666")]),  # slang only ends a message
        ("逾期一天", [("duration", "一天", "P1D")]),
        ("一天多少利息", [("duration", "一天", "P1D")]),
    ],
)
def test_long_numbers_and_one_day_that_stay(text, expected):
    assert found(text) == expected


# 7: a percentage with no cue in a message about interest is a rate: annual with 年化 / 年利率 /
# 年息 / 高利贷 anywhere, as after the neutral cue with only 利率 / 利息; never a share of something


@pytest.mark.parametrize(
    "text,expected",
    [
        ("超过24%算高利贷吗", [("annual_rate", "24%", "0.24")]),
        ("百分之18的利率", [("annual_rate", "百分之18", "0.18")]),
        ("18%算高利贷吗", [("annual_rate", "18%", "0.18")]),
        ("36%以上是高利贷吗", [("annual_rate", "36%", "0.36")]),
        ("24%的利息高吗", [("annual_rate", "24%", "0.24")]),
        ("借呗18%的利率高吗", [("annual_rate", "18%", "0.18")]),
        (
            "0.05%的利息",
            [("daily_rate", "0.05%", "0.0005")],
        ),  # under 1 % after a neutral word: daily
        ("我这个是百分之三十六，年化是不是太高了", [("annual_rate", "百分之三十六", "0.36")]),
    ],
)
def test_a_percentage_in_a_message_about_interest(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("还了50%", []),
        ("还了50%，利息怎么算", []),
        ("首付30%利息多少", []),
        ("上浮50%的利息", []),
        ("本金的30%，利率多少", []),
        ("30%的工资拿来还利息", []),
        ("手续费0.6%，利率多少", []),
        ("通过率80%利息低吗", []),
        ("LPR是3.45%", []),
        ("5%", []),
        ("月息2%，利息高吗", []),  # a monthly rate stays withheld
        # cues and suffixes keep their reading
        ("利率18%", [("annual_rate", "利率18%", "0.18")]),
        ("年化利率是24%", [("annual_rate", "24%", "0.24")]),
        ("万分之四的日息", [("daily_rate", "万分之四", "0.0004")]),
    ],
)
def test_percentages_that_are_not_rates(text, expected):
    assert found(text) == expected


# 8: a count with no unit after 分期 / 分成, or after 分 used as a verb, is a plan length (up to 36)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("分期12", [("installments", "分期12", "12")]),
        ("分期 24", [("installments", "分期 24", "24")]),
        ("分期十二", [("installments", "分期十二", "12")]),
        ("我想分12", [("installments", "分12", "12")]),
        (
            "能分12吗",
            [("installments", "12", "12")],
        ),  # after 能 / 可以 分 is the verb, as in 能分24期吗
        ("可以分成12吗", [("installments", "12", "12")]),
        ("分期12还是24好", [("installments", "分期12", "12"), ("installments", "24", "24")]),
        ("借5000分期12，每期多少", [("amount", "5000", "5000"), ("installments", "分期12", "12")]),
    ],
)
def test_a_bare_count_after_fenqi(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("分期5000", [("amount", "5000", "5000")]),
        ("分期500", [("amount", "500", "500")]),
        ("分期12块", [("amount", "12块", "12")]),
        ("积分12", [("amount", "12", "12")]),
        ("部分12", [("amount", "12", "12")]),
        ("分期12期", [("installments", "分期12期", "12")]),
        ("分期12个月", [("installments", "分期12个月", "12")]),
        ("每个月28号", [("day_of_month", "每个月28号", "28")]),
        ("每个月28", [("amount", "28", "28")]),  # unchanged: may be a payment of 28
    ],
)
def test_what_a_bare_count_after_fen_is_not(text, expected):
    assert found(text) == expected


# noticed while fixing issue 12: 多久 / 多长 after a duration is the question "how long", not "more
# than"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("逾期十天多久会上征信", [("duration", "十天", "P10D")]),
        ("借了3个月多久还完", [("duration", "3个月", "P3M")]),
        ("3天多长时间能批", [("duration", "3天", "P3D")]),
        ("十天多", [("duration", "十天多", "P10D")]),  # unchanged: more than ten days
        ("一年多没还了", [("duration", "一年多", "P1Y")]),
    ],
)
def test_how_long_after_a_duration(text, expected):
    assert found(text) == expected


# noticed while fixing issue 12: 多点 / 多一点 after a number is "a bit more than" (a lower bound)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("欠了5000多点", [("amount", "5000多点", "5000")]),
        ("三千多一点", [("amount", "三千多一点", "3000")]),
        ("三千多点儿", [("amount", "三千多点儿", "3000")]),
        ("十多点了", []),  # past ten o'clock
        ("3点多", []),
    ],
)
def test_a_bit_more_than(text, expected):
    assert found(text) == expected


# noticed while cutting tokens at quantity edges: 年底 / 年初 are a time of year, so 一年底
# (万一年底, "in case, at the year's end") is no length of time


@pytest.mark.parametrize(
    "text,expected",
    [
        ("要是万一年底还不上", []),
        ("到明年初能还清吗", []),
        ("1万一年利息多少", [("amount", "1万", "10000"), ("duration", "一年", "P1Y")]),
        ("逾期一年多了", [("duration", "一年多", "P1Y")]),
    ],
)
def test_year_end_and_start_are_not_lengths_of_time(text, expected):
    assert found(text) == expected


# reported by the data writers of the 2026-12-06 round: 俩 after people is "the two of them";
# 多 of 多出 (the extra paid) is no "more than"; 隔几天 (putting off) is a few days


@pytest.mark.parametrize(
    "text,expected",
    [
        ("夫妻俩月入2万", [("amount", "2万", "20000")]),
        ("他俩天天吵", []),
        ("逾期俩月了", [("duration", "俩月", "P2M")]),
        ("晚还一个月多出来多少", [("duration", "一个月", "P1M")]),
        ("一个月多没还", [("duration", "一个月多", "P1M")]),
        ("隔几天再还行吗", [("duration", "几天", "P2D")]),
        ("隔了半天才想起来", []),  # 半天 after waiting is "a long while", as in 等了半天
    ],
)
def test_people_pairs_extra_paid_and_putting_off(text, expected):
    assert found(text) == expected


# reported by the second data round of 2026-12-06: 一 that starts a word (一直, 一样, 一起) is no
# digit, and 一 + unit + 才几毛 is a rate per unit of time, not a length of time


@pytest.mark.parametrize(
    "text,expected",
    [
        ("朋友借我两万一直不还", [("amount", "两万", "20000")]),
        ("信用卡欠5万一直不还", [("amount", "5万", "50000")]),
        ("借三千一起还", [("amount", "三千", "3000")]),
        ("分12期跟3期年化一样不", [("installments", "分12期", "12"), ("installments", "3期", "3")]),
        ("两万一的债", [("amount", "两万一", "21000")]),  # unchanged: 21,000
        ("差一分钱", [("amount", "一分钱", "0.01")]),  # unchanged
        ("余额宝利息一天才几毛", []),
        ("一个月才几百块", []),
        ("逾期一天才几块钱罚息", [("duration", "一天", "P1D")]),  # unchanged: how long overdue
    ],
)
def test_one_that_starts_a_word_and_a_price_per_day(text, expected):
    assert found(text) == expected
