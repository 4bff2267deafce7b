"""Normalisation table, whole sentences and negatives for bot.nlu.quantities.find_quantities."""

from __future__ import annotations

import pytest

from bot.nlu.quantities import Quantity, find_quantities


def found(text):
    return [(q.entity, q.text, q.value) for q in find_quantities(text)]


# (surface form, entity, span text, value): each text holds exactly this one quantity
TABLE = [
    # ---- amount
    ("5000", "amount", "5000", "5000"),
    ("五千", "amount", "五千", "5000"),
    ("5k", "amount", "5k", "5000"),
    ("5K", "amount", "5K", "5000"),
    ("3万", "amount", "3万", "30000"),
    ("1.5万元", "amount", "1.5万元", "15000"),
    ("两千五", "amount", "两千五", "2500"),
    ("一块钱", "amount", "一块钱", "1"),
    ("五毛", "amount", "五毛", "0.5"),
    ("5块5", "amount", "5块5", "5.5"),
    ("2千", "amount", "2千", "2000"),
    ("¥300", "amount", "¥300", "300"),
    ("￥300", "amount", "￥300", "300"),
    ("300元", "amount", "300元", "300"),
    ("三百块", "amount", "三百块", "300"),
    ("1,200", "amount", "1,200", "1200"),
    ("一万二", "amount", "一万二", "12000"),
    ("0.5元", "amount", "0.5元", "0.5"),
    ("两千五百块", "amount", "两千五百块", "2500"),
    ("三千多", "amount", "三千多", "3000"),
    ("1w", "amount", "1w", "10000"),
    ("1W", "amount", "1W", "10000"),
    ("五十元", "amount", "五十元", "50"),
    ("八百块钱", "amount", "八百块钱", "800"),
    ("零点五元", "amount", "零点五元", "0.5"),
    ("５０００元", "amount", "５０００元", "5000"),
    ("借呗5k", "amount", "5k", "5000"),
    ("支付宝APP还款500", "amount", "500", "500"),
    ("😀5000😀", "amount", "5000", "5000"),
    ("每月能还2000", "amount", "2000", "2000"),
    ("一共4万2", "amount", "4万2", "42000"),
    ("1万5", "amount", "1万5", "15000"),
    ("3万2000", "amount", "3万2000", "32000"),
    ("一万零五百", "amount", "一万零五百", "10500"),
    ("两块五毛钱", "amount", "两块五毛钱", "2.5"),
    ("一块五毛五", "amount", "一块五毛五", "1.55"),
    ("5元5角2分", "amount", "5元5角2分", "5.52"),
    ("一块半", "amount", "一块半", "1.5"),
    ("差1分钱", "amount", "1分钱", "0.01"),
    ("2毛", "amount", "2毛", "0.2"),
    ("欠了2w多", "amount", "2w多", "20000"),
    ("三千多块钱", "amount", "三千多块钱", "3000"),
    ("十几万", "amount", "十几万", "100000"),
    ("一万出头", "amount", "一万出头", "10000"),
    ("RMB 5000", "amount", "RMB 5000", "5000"),
    ("人民币3000元", "amount", "人民币3000元", "3000"),
    ("500rmb", "amount", "500rmb", "500"),
    ("壹仟贰佰元", "amount", "壹仟贰佰元", "1200"),
    ("1,234,567.89元", "amount", "1,234,567.89元", "1234567.89"),
    ("两三千", "amount", "两三千", "2000"),
    ("2000-3000", "amount", "2000-3000", "2000"),
    ("2到3万", "amount", "2到3万", "20000"),
    ("100万", "amount", "100万", "1000000"),
    ("一亿两千万", "amount", "一亿两千万", "120000000"),
    ("899.75", "amount", "899.75", "899.75"),
    ("8分钱", "amount", "8分钱", "0.08"),
    # ---- duration
    ("两个月", "duration", "两个月", "P2M"),
    ("60天", "duration", "60天", "P60D"),
    ("半年", "duration", "半年", "P6M"),
    ("一年", "duration", "一年", "P1Y"),
    ("三周", "duration", "三周", "P21D"),
    ("十天", "duration", "十天", "P10D"),
    ("一个半月", "duration", "一个半月", "P1M15D"),
    ("欠了一个亿", "amount", "一个亿", "100000000"),  # 个 before 亿 is only said
    ("两个亿五千万", "amount", "两个亿五千万", "250000000"),
    ("两年", "duration", "两年", "P2Y"),
    ("3个月", "duration", "3个月", "P3M"),
    ("一天", "duration", "一天", "P1D"),
    ("俩月", "duration", "俩月", "P2M"),
    ("逾期两个月", "duration", "两个月", "P2M"),
    ("预期两个月", "duration", "两个月", "P2M"),
    ("途期3天", "duration", "3天", "P3D"),
    ("半个月", "duration", "半个月", "P15D"),
    ("一年半", "duration", "一年半", "P1Y6M"),
    ("两个多月", "duration", "两个多月", "P2M"),
    ("十多天", "duration", "十多天", "P10D"),
    ("十几天", "duration", "十几天", "P10D"),
    ("两个星期", "duration", "两个星期", "P14D"),
    ("一个礼拜", "duration", "一个礼拜", "P7D"),
    ("一年两个月", "duration", "一年两个月", "P1Y2M"),
    ("一个月零三天", "duration", "一个月零三天", "P1M3D"),
    ("24小时", "duration", "24小时", "PT24H"),
    ("半小时", "duration", "半小时", "PT30M"),
    ("逾期3月", "duration", "3月", "P3M"),
    ("30日内还清", "duration", "30日", "P30D"),
    ("３个月", "duration", "３个月", "P3M"),
    ("一天半", "duration", "一天半", "P1DT12H"),
    # ---- daily_rate
    ("日利率0.05%", "daily_rate", "日利率0.05%", "0.0005"),
    ("万分之五", "daily_rate", "万分之五", "0.0005"),
    ("日息万五", "daily_rate", "日息万五", "0.0005"),
    ("日利率万分之三点五", "daily_rate", "日利率万分之三点五", "0.00035"),
    ("日息0.04%", "daily_rate", "日息0.04%", "0.0004"),
    ("每天0.05%", "daily_rate", "每天0.05%", "0.0005"),
    ("日利率0.0005", "daily_rate", "日利率0.0005", "0.0005"),
    ("日息千分之一", "daily_rate", "日息千分之一", "0.001"),
    ("利息万五", "daily_rate", "利息万五", "0.0005"),
    ("利率是万分之五", "daily_rate", "万分之五", "0.0005"),
    ("0.05%/天", "daily_rate", "0.05%/天", "0.0005"),
    ("万分之四的日息", "daily_rate", "万分之四", "0.0004"),
    ("日利率０．０５％", "daily_rate", "日利率０．０５％", "0.0005"),
    ("日利率0.05", "daily_rate", "日利率0.05", "0.0005"),
    # ---- annual_rate
    ("年化18%", "annual_rate", "年化18%", "0.18"),
    ("年利率14.4%", "annual_rate", "年利率14.4%", "0.144"),
    ("年化百分之十八", "annual_rate", "年化百分之十八", "0.18"),
    ("年息24%", "annual_rate", "年息24%", "0.24"),
    ("APR 18%", "annual_rate", "APR 18%", "0.18"),
    ("年化利率是24%", "annual_rate", "24%", "0.24"),
    ("利率18%", "annual_rate", "利率18%", "0.18"),
    ("年化7.3%", "annual_rate", "年化7.3%", "0.073"),
    ("年化百分之三点六", "annual_rate", "年化百分之三点六", "0.036"),
    ("年化１８％", "annual_rate", "年化１８％", "0.18"),
    ("年利率是百分之十四点四", "annual_rate", "百分之十四点四", "0.144"),
    ("IRR 24%", "annual_rate", "IRR 24%", "0.24"),
    # ---- installments
    ("12期", "installments", "12期", "12"),
    ("分6期", "installments", "分6期", "6"),
    ("分十二期", "installments", "分十二期", "12"),
    ("24期", "installments", "24期", "24"),
    ("１２期", "installments", "１２期", "12"),
    ("分成三十六期", "installments", "分成三十六期", "36"),
    ("能分24期吗", "installments", "24期", "24"),
    ("分3个月还", "installments", "分3个月", "3"),
    # ---- day_of_month
    ("每月15号", "day_of_month", "每月15号", "15"),
    ("15日", "day_of_month", "15日", "15"),
    ("每个月十五号", "day_of_month", "每个月十五号", "15"),
    ("15号", "day_of_month", "15号", "15"),
    ("每月1号", "day_of_month", "每月1号", "1"),
    ("三十一号", "day_of_month", "三十一号", "31"),
    ("９号", "day_of_month", "９号", "9"),
    ("每个月的二十五日", "day_of_month", "每个月的二十五日", "25"),
    ("12月1日", "day_of_month", "1日", "1"),
]


@pytest.mark.parametrize("text,entity,span,value", TABLE, ids=[row[0] for row in TABLE])
def test_normalisation_table(text, entity, span, value):
    quantities = find_quantities(text)
    assert [(q.entity, q.text, q.value) for q in quantities] == [(entity, span, value)]
    q = quantities[0]
    assert text[q.start : q.end] == q.text == span


def test_table_covers_every_entity_and_is_large_enough():
    assert len(TABLE) >= 60
    assert {row[1] for row in TABLE} == {
        "amount",
        "duration",
        "daily_rate",
        "annual_rate",
        "installments",
        "day_of_month",
    }


SENTENCES = [
    ("借呗5000块逾期两个月了", [("amount", "5000块", "5000"), ("duration", "两个月", "P2M")]),
    ("一万块逾期十天罚多少", [("amount", "一万块", "10000"), ("duration", "十天", "P10D")]),
    ("年化18%的信用卡欠2万", [("annual_rate", "年化18%", "0.18"), ("amount", "2万", "20000")]),
    ("每月15号还款", [("day_of_month", "每月15号", "15")]),
    ("分12期每期还多少", [("installments", "分12期", "12")]),
    (
        "日息万五借5000用30天",
        [
            ("daily_rate", "日息万五", "0.0005"),
            ("amount", "5000", "5000"),
            ("duration", "30天", "P30D"),
        ],
    ),
    ("5000块逾期两个月", [("amount", "5000块", "5000"), ("duration", "两个月", "P2M")]),
    ("借了一万两个月", [("amount", "一万", "10000"), ("duration", "两个月", "P2M")]),
    ("借三千五天", [("amount", "三千", "3000"), ("duration", "五天", "P5D")]),
    (
        "借呗欠1.5w 晚还一个月要多付多少钱",
        [("amount", "1.5w", "15000"), ("duration", "一个月", "P1M")],
    ),
    (
        "信用卡1.2万日利率0.05%，网商贷3万年化14.4%，先还哪个",
        [
            ("amount", "1.2万", "12000"),
            ("daily_rate", "日利率0.05%", "0.0005"),
            ("amount", "3万", "30000"),
            ("annual_rate", "年化14.4%", "0.144"),
        ],
    ),
    ("罚息按万分之五的1.5倍算是多少", [("daily_rate", "万分之五", "0.0005")]),
    ("日息万五年化是多少", [("daily_rate", "日息万五", "0.0005")]),
    ("万分之四一年利息多少", [("daily_rate", "万分之四", "0.0004"), ("duration", "一年", "P1Y")]),
    (
        "借了3万分12期，有一期逾期十天要罚多少",
        [
            ("amount", "3万", "30000"),
            ("installments", "分12期", "12"),
            ("duration", "十天", "P10D"),
        ],
    ),
    ("2025年12月1日借的5000", [("day_of_month", "1日", "1"), ("amount", "5000", "5000")]),
    ("每月能还3000多久能还清", [("amount", "3000", "3000")]),
    ("一个月最多还3000块", [("amount", "3000块", "3000")]),
    ("还款日前三天提醒我", [("duration", "三天", "P3D")]),
    ("到期前一天叫我", [("duration", "一天", "P1D")]),
    ("借2000一天多少利息", [("amount", "2000", "2000"), ("duration", "一天", "P1D")]),
    ("5000块5天后还", [("amount", "5000块", "5000"), ("duration", "5天", "P5D")]),
    ("额度从3万降到5000了", [("amount", "3万", "30000"), ("amount", "5000", "5000")]),
    ("我的电话是138 1234 5678，欠了3000", [("amount", "3000", "3000")]),
    (
        "日息万二和年化百分之十哪个便宜",
        [("daily_rate", "日息万二", "0.0002"), ("annual_rate", "年化百分之十", "0.1")],
    ),
    ("分6期和分12期哪个划算", [("installments", "分6期", "6"), ("installments", "分12期", "12")]),
    (
        "\u3000５０００元\u3000分１２期",
        [("amount", "５０００元", "5000"), ("installments", "分１２期", "12")],
    ),
    # 一 + unit + what happens in it: "per month", not a length of time
    ("收入4500一个月", [("amount", "4500", "4500")]),
    ("做兼职一个月2000左右", [("amount", "2000", "2000")]),
    ("催收一天打几十个电话正常吗", []),
    ("借5000一个月利息多少", [("amount", "5000", "5000"), ("duration", "一个月", "P1M")]),
    ("逾期一天罚多少钱", [("duration", "一天", "P1D")]),
    ("年化利率最高不超过24%", [("annual_rate", "24%", "0.24")]),
    ("欠了十多万", [("amount", "十多万", "100000")]),
    ("三百来万", [("amount", "三百来万", "3000000")]),
    ("3-5天", [("duration", "3-5天", "P3D")]),
    ("客服电话是多少 10086", []),
    # a Chinese comma after digits separates numbers unless a money unit follows the groups
    ("还了500，200还没还", [("amount", "500", "500"), ("amount", "200", "200")]),
    ("欠1，200元", [("amount", "1，200元", "1200")]),
    ("１，２００元", [("amount", "１，２００元", "1200")]),
    ("借了5000，逾期两个月", [("amount", "5000", "5000"), ("duration", "两个月", "P2M")]),
    ("借1万一个月", [("amount", "1万", "10000"), ("duration", "一个月", "P1M")]),
]


@pytest.mark.parametrize("text,expected", SENTENCES, ids=[row[0] for row in SENTENCES])
def test_sentences(text, expected):
    assert found(text) == expected


def test_offsets_index_the_original_text():
    text = "借呗5000块逾期两个月了"
    assert find_quantities(text) == [
        Quantity("amount", 2, 7, "5000块", "5000"),
        Quantity("duration", 9, 12, "两个月", "P2M"),
    ]
    full_width = "借呗５０００块逾期两个月了"
    assert [(q.start, q.end, q.text, q.value) for q in find_quantities(full_width)] == [
        (2, 7, "５０００块", "5000"),
        (9, 12, "两个月", "P2M"),
    ]


def test_results_are_sorted_and_do_not_overlap():
    text = "日息万五借5000用30天，年化18%，分12期，每月15号还，逾期两个月"
    quantities = find_quantities(text)
    assert [q.entity for q in quantities] == [
        "daily_rate",
        "amount",
        "duration",
        "annual_rate",
        "installments",
        "day_of_month",
        "duration",
    ]
    for a, b in zip(quantities, quantities[1:]):
        assert a.end <= b.start


NO_QUANTITY = [
    "你好",
    "今天天气怎么样",
    "😀😀",
    "2026年",
    "13812345678",
    "我的手机号是13812345678",
    "+86 138 1234 5678",
    "客服电话400-123-4567",
    "95188是官方电话吗",
    "打了10086",
    "12378投诉有用吗",
    "2026-01-15",
    "15:30前还款",
    "当天23点还款来得及吗",
    "3点前能到账吗",
    "5%",
    "百分之五十",
    "上浮50%",
    "月息2%",
    "第3期",
    "第二个月",
    "这一期",
    "我上个月是不是漏还了一期",
    "3张卡",
    "有3笔借款",
    "借了3次",
    "芝麻分650",
    "芝麻分650分",
    "尾号1234的卡",
    "验证码是8888",
    "iPhone15",
    "5G网络",
    "5km",
    "一下",
    "一起还",
    "一直在审核",
    "千万别逾期",
    "万一还不上",
    "百分百",
    "十分感谢",
    "一点都不懂",
    "50/30/20预算法是什么",
    "502030法则",
    "886",
    "88",
    "我要下了，88",
    "666",
    "3月份",
    "上半年",
    "下半年再还",
    "三年级",
    "1️⃣",
    "一块儿还",
    "一分钱都存不下来",
    "同一天到期",
    "最后一个月",
    "利息多少",
    "几千块",
    "好几万",
    "额度为0",
    "日利率是乘365还是乘360",
    "1 2 3是什么意思",
    "v2.3.1版本",
    "5000美元",
    "$300",
    "007",
    "二零二六年",
    "1/15",
    "3.65%",
    "12-15还款",
    "欠了几十万",
    "一周两次",
    "一天到晚催",
    "一年到头",
    "能统一成一天吗",
    "晚上8点提醒我",
    "欠了好几万",
    "LPR是3.45%",
]


@pytest.mark.parametrize("text", NO_QUANTITY)
def test_no_quantity(text):
    assert find_quantities(text) == []


def test_year_date_and_phone_are_not_amounts():
    assert found("2026年12月1日还款5000") == [
        ("day_of_month", "1日", "1"),
        ("amount", "5000", "5000"),
    ]
    assert found("打13812345678问一下") == []


def test_lower_bounds_and_ranges():
    assert found("三千多") == [("amount", "三千多", "3000")]
    assert found("5000多") == [("amount", "5000多", "5000")]
    assert found("两三个月") == [("duration", "两三个月", "P2M")]
    assert found("5-10天") == [("duration", "5-10天", "P5D")]
    assert found("6到12期") == [("installments", "6到12期", "6")]


def test_approximation_words_that_are_verbs_stay_out_of_the_span():
    assert found("借5000来还信用卡") == [("amount", "5000", "5000")]
    assert found("三万余元") == [("amount", "三万余元", "30000")]


@pytest.mark.parametrize("text", [None, "", 5000, b"5000", ["5000"]])
def test_non_text_input_gives_nothing(text):
    assert find_quantities(text) == []
