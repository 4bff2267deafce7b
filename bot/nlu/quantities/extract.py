"""Finding money, durations, rates, installment counts and days of the month in a message.

:func:`find_quantities` scans a message once, left to right.  At each position it
tries, in this order: digit groups that are identifiers (phone numbers, hotlines,
dates and times written with separators), a rate introduced by a cue word
(日息 / 年化 / 利率 …), a rate word without a cue (万分之五), a currency sign,
每月N号, 分N期, 半年 / 半个月, and finally a number, which is classified by the
words around it.  Whatever a matcher recognises is consumed, so results never
overlap, and numbers that belong to no entity (years, dates, times, percentages
without a cue, counts such as 3张卡, identifiers) are consumed without a result,
so they are never reported as amounts.

Spans and values (see also the conversation contract, docs/contract.md):

* ``amount`` — yuan, a plain decimal string.  The span includes a currency sign
  or word and the unit (¥300, 300元, 八百块钱, 1.5万元, 5块5, 五毛, 1分钱).  A number
  with no unit is an amount when it is written in digits (5000, "每月能还2000") or
  is a Chinese number with 百/千/万/亿 (五千, 两千五); a lone digit 1–9 with no unit
  counts only when it is the whole message (in "1 2 3是什么意思" they are labels),
  and 0 with no unit does not count (额度为0).  An abbreviated last digit (一万二 =
  12000, 1万1 = 11000) that starts a unit word is not part of the amount: "1万一年利息
  多少" is 1万 and 一年, "借了一万两个月" 一万 and 两个月, "1万一期" 1万 (一万一 alone is
  11000); before a rate cue other digits stay ("一万二日利率0.05%" = 12000), and so does
  一 before 年化.  Lower bounds: "三千多", "5000多", "5000多点", "三千多一点", "一万出头",
  "十几万", "十多万" report the number said (3000, 5000, 5000, 3000, 10000, 100000,
  100000); 多 / 余 / 来 / 出头 belong to the number only right after it, not after a
  space ("晚还10天 6000 多出多少" → "6000", span "6000").  Ranges are one quantity, the
  lower bound, spanning the whole range:
  "两三千", "2000-3000", "2到3万", "三千到六千", "3000元到6000元", "¥3000~¥6000"
  all give one amount (2000, 2000, 20000, 3000, 3000, 3000), and so do ranges of
  durations and installment counts ("两到三个月", "两个月到三个月" → P2M, "6期到12期"
  → 6).  A form needs one value, and the lower bound is the safe one to plan on (a
  budget on the lower income, a monthly payment the user can keep); two separate
  amounts would also be taken for two different figures (income and expenses).
  The joiners are 到 / 至 / - / ~ / —; a second value that is not larger
  ("10000-5000") or of another kind ("5000元到15号") is read on its own.
  "几千", "几十万" have no known value and are not reported.  A Chinese comma
  right after digits separates two numbers ("还了500，200") unless a money unit
  follows the digit groups ("1，200元" = 1200).  年 / 日 right after a number
  belong to a daily or annual rate cue that starts with them: "3万年化14.4%",
  "1.2万日利率0.05%", "一万二日利率0.05%" and, with no rate value, "3万年化多少",
  "借500日息多少" give the amount (numbers from 100 up; a year such as 2025 stays a
  year before 年利率, never before 年化; "一年利息", "两年利率" are durations).
* ``duration`` — ISO 8601 (``P2M``, ``P21D``, ``P1M15D``, ``PT30M``); the span is
  the duration itself ("逾期两个月" → "两个月").  "两个多月" is a lower bound
  (P2M).  Bare month numbers are month names (3月 = March) unless written 两月 /
  俩月 or after 逾期-like words ("逾期3月"); 上半年 / 下半年 are periods and 3个工作日 are
  not calendar days: neither is reported.  半天 is half a day (PT12H) alone or after a word
  of being late or putting off ("晚了半天", "晚还半天", "宽限半天"); elsewhere it is the idiom
  "a long while" ("等了半天", "半天没到账") and is not reported.
  几 + a unit of time is "a few", read as its lower bound 2 like 两三天 → P2D (几天 P2D,
  几个月 P2M, 几周 P14D, 几个小时 PT2H, 几分钟 PT2M; 好几天 spans 好) where it says how long:
  alone, after 好 / 连续 / 已经, before 没 / 未 / 不 ("几个月没还"), or after a word of being
  late, putting off or waiting ("晚了几天", "宽限我几天", "能缓几天吗", "等我几天", "过几天").
  Elsewhere 几 asks how many ("宽限期是几天", "几个月能还完", "要等几天") or names a period
  ("这几天", "前几个月") and is not read; so is 几 after a late word when 算 / 会 / 才 / 能 /
  就 follow ("晚几天算逾期": a threshold question), and after a bare 逾期 ("我逾期几天了"),
  unless 了 comes between ("逾期了几天") or a yes-no / other question word follows ("逾期几天
  会上征信吗", "晚几天会怎么样").  几月 is "which month"; 几十天 and vague amounts (几块钱,
  几百, 几千) have no lower bound that is safe to plan on and are not read.
  一个季度 is three months; 三季度 (no 个) is the third quarter of a year, not a length.
  A unit of time the number cannot take starts another word, and the number is read on its
  own (as money): 年 after 1000 or more that is not a year ("欠8千 年底还"), any unit after a
  number written with 万 / 亿 / w ("借3万 月供多少", "1万 天天被催"), a bare 月 after 100 or
  more ("欠8万 月入6000", "工资8千月供3千") and a doubled 天天 / 月月 / 年年 ("every day":
  "欠3000天天被催").  A space does not end a duration ("逾期 30 天"), but these words read
  the same with or without one.
  一 + unit read as "per" is not a duration: "一个月还3000", "催收一天打几十个",
  "收入4500一个月", "罚息多少钱一天" (a price per unit), and neither is "同一天" /
  "最后一个月" (which one, not how long); "一年能还完" / "一个月还得清" are how long.
  "一天比一天多", "一个月比一个月高", "一年不如一年" say "ever more / worse": no duration.
  "前一天" / "后一天" (一个月 …) name a day ("凌晨还的算前一天还是后一天") unless a
  date comes before them ("到期前一天", "还款日的前一天": a lead time) or they
  shift by a length of time ("提前一天", "延后一天", "往后一个月").
* ``daily_rate`` / ``annual_rate`` — fractions.  A cue word right before the value
  is part of the span (日息万五, 年化18%, APR 18%); when other words come between
  (利率是万分之五) the span is the value alone.  万分之X with no cue is daily, as is
  万X followed by 的利息 (万五的利息); after a neutral cue (利率, 利息, 罚息) a rate
  under 1 % is daily, otherwise annual; "0.05%/天", "万分之四的日息" take the
  period from the words after them; monthly rates (月息2%) and other percentages
  are not reported (a monthly interest rate is set aside in :attr:`Reading.withheld`;
  :func:`~bot.nlu.quantities.parsers.parse_annual_rate` reads it as × 12).  After an
  interest cue that names its period (年息 / 年利率 / 月息 / 日息 / 日利率 …; not 年化,
  费率 or a neutral 利息) 分 and 厘 are the traditional rate units, 1 分 = 10 厘,
  scaled by the period: 年息X分 = 10·X %/year and 年息X厘 = X % (年息一分八 →
  0.18), 月息X分 = X %/month and 月息X厘 = X ‰, 日息X分 = X ‰/day and 日息X厘 =
  X ‱ (日息三厘 → 0.0003, 日息五厘 = 日息万五).  A digit after 分 / 厘 is the next
  smaller unit (一分八, 三厘五), 半 after 分 is half of one (一分半).  Without a period
  ("三分利", "利息5厘") 分 / 厘 are not read: usage differs.  A bare number after a
  daily cue below 0.005 is the fraction itself (日利率0.0005); from 0.005 to 1 it
  is read as a percentage with the % left out (日利率0.05 → 0.0005).  A bare
  number from 1 to 100 after an annual cue is a percentage (年化18 → 0.18).
  A percentage with no cue before or after it is an interest rate when the message talks
  about interest: with 年化 / 年利… / 年息 / 高利贷 / APR anywhere it is annual ("超过24%算高利贷吗"
  → 0.24), with only 利率 / 利息 it follows the neutral cue (under 1 % daily: "0.05%的利息";
  "百分之18的利率" → annual 0.18).  Not when it is a share of something: after a payment, a
  change, a fee or a base, fillers such as 超过 / 是 skipped ("还了50%", "首付30%", "上浮50%",
  "手续费0.6%", "本金的30%", "通过率80%"), or before 的 + anything but a rate word ("30%的工资").
  Without such a word a percentage is not a rate ("还了50%", "LPR是3.45%").
* ``installments`` — a count from 2 to 999 (a plan, not "漏还了一期"); the span
  includes 分 / 分成 (分12期, 分3个月) except after 能 / 可以, where 分 is the
  verb.  第3期 / 这一期 are not counts.  After 分期 / 分成, or 分 used as a verb (at the start,
  after 能 / 可以 / 想 / 要 / 我 …; not 积分, 部分), a count with no unit up to 36 (the longest
  consumer-loan plans) is a plan length too: "分期12", "能分24吗", "分期12还是24" (two
  counts); "分期500", "分期12块" are money.  每个月28 (no 号) stays money: it may be a payment.
* ``day_of_month`` — 1–31, from N号 / N日, with 每月 / 每个月 in the span when it
  comes right before.  In a full date (12月1日) the month is consumed as a date
  and the day part "1日" is reported as day_of_month "1" (a reminder or a due
  day is usually given that way); "30日内" is a duration; 15号线 is not a day.

Never amounts: years (2026年, 二零二六年), dates (2026-01-15, 12-15, 1/15), times
(15:30, 3点), phone, account and order numbers (11+ digits, 138 1234 5678,
400-…, 95188 or 12378 named in a sentence), scores and codes (芝麻分650,
验证码1234), counts (3张卡, 2次), percentages, operands (乘365), numbers naming a
rule (502030法则, 50 30 20法则, 72法则, 503020预算法, 21天法则, 1万小时定律 — but
"5000原则上", "5000法院" keep their money), a budget split written without a money
unit (503020, 502030, 603010: three shares of ten that add up to 100, "503020是什么意思";
"503020元" is money), foreign money (300美元), and internet slang ending a message,
alone or after thanks / okay / goodbye words (886, 88 = bye-bye, 520, 666 … 66666666:
"我要下了，88", "好的88", "谢谢 88", "666666"; but "每月还88", "还了88", "好的88块" are
money).  The form parsers in :mod:`bot.nlu.quantities.parsers` still read such a number
when a form asked for money.  Other long bare numbers stay amounts, alone ("123456", a
form answer) or in a sentence ("欠123456"): no rule tells a code from money without a
money word, and a form answer the reader dropped would also lose the amount placeholder
the intent model sees.

Negative numbers: nothing written with a minus sign or 负 is reported ("-500",
"负五千", "-3天": contract values are positive).  Signed amounts are kept in
:attr:`Reading.withheld` (value "-500"), and
:func:`~bot.nlu.quantities.parsers.parse_amount` returns ``Decimal("-500")``, so a
form can explain that amounts must be positive.  A dash is a sign at the start of
the message or after a space, punctuation, 是 or 为; after a word it is a
separator ("借呗-5000，花呗-3000" are 5000 and 3000), after a number or its unit
(maybe with a space between) a range or a subtraction ("8000 -3000").

Anything the user types — any length, emoji, control characters — is
accepted; :func:`find_quantities` never raises.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import List, Optional, Tuple

from bot.nlu.quantities.durations import DAYS_PER_MONTH, DAYS_PER_YEAR, iso_duration, parse_iso_parts
from bot.nlu.quantities.numerals import NUMERAL_START, Numeral, format_decimal, scan_numeral
from bot.nlu.textnorm import normalize_text

__all__ = [
    "Quantity", "Reading", "find_quantities", "read_quantities", "AMOUNT", "DURATION", "DAILY_RATE", "ANNUAL_RATE",
    "INSTALLMENTS", "DAY_OF_MONTH", "ENTITIES", "MONTHLY_RATE", "MONTHLY_CHARGE", "read_rate",
]

logger = logging.getLogger(__name__)

AMOUNT = "amount"
DURATION = "duration"
DAILY_RATE = "daily_rate"
ANNUAL_RATE = "annual_rate"
INSTALLMENTS = "installments"
DAY_OF_MONTH = "day_of_month"
ENTITIES = (AMOUNT, DURATION, DAILY_RATE, ANNUAL_RATE, INSTALLMENTS, DAY_OF_MONTH)
#: withheld values (not entities of the contract): an interest rate per month (月息2分, 月利率1%),
#: and a percentage per month that is not one (月费率0.6%, 每月2%); values are fractions per month
MONTHLY_RATE = "monthly_rate"
MONTHLY_CHARGE = "monthly_charge"


@dataclass(frozen=True)
class Quantity:
    """One entity found in a message; ``text == message[start:end]``."""

    entity: str
    start: int
    end: int
    text: str
    value: str


# --------------------------------------------------------------------------- vocabulary

_DAILY_CUES = ["日利率", "日利息", "日息", "日费率", "日化利率", "日化", "日利", "天利率", "日率", "daily"]
_DAILY_WEAK_CUES = ["每天", "每日", "一天", "1天", "按日", "按天"]
_ANNUAL_CUES = ["综合年化", "年化利率", "年化费率", "年化收益率", "年化率", "年化", "年利率", "年利息", "年息",
                "年费率", "年率", "年利", "apr", "irr"]
_ANNUAL_WEAK_CUES = ["每年"]
_MONTHLY_CUES = ["月利率", "月利息", "月息", "月费率", "月化利率", "月化", "月利", "月率", "每个月", "每月"]
_NEUTRAL_CUES = ["罚息利率", "罚息", "利率", "利息", "费率", "息费"]


def _alternation(words: List[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_RATE_CUE_RE = re.compile(
    "(?P<daily>" + _alternation(_DAILY_CUES) + ")"
    "|(?P<dailyweak>" + _alternation(_DAILY_WEAK_CUES) + ")"
    "|(?P<annual>" + _alternation(_ANNUAL_CUES) + ")"
    "|(?P<annualweak>" + _alternation(_ANNUAL_WEAK_CUES) + ")"
    "|(?P<monthly>" + _alternation(_MONTHLY_CUES) + ")"
    "|(?P<neutral>" + _alternation(_NEUTRAL_CUES) + ")",
    re.IGNORECASE,
)
#: words allowed between a rate cue and its value (bounded: no backtracking blow-up)
_FILLER_RE = re.compile(
    r"(?:[ \t:]|的话|是|为|约|大约|大概|差不多|只有|才|高达|达到|可达|在|按照|按|有|就|最高|最低|低至|仅|只要|一般|通常|也|都|了|"
    r"不超过|不高于|不低于|不到|超过|低于|高于|至少|至多|最多|最少)"
    r"{0,4}"
)
_SPACE_ONLY_RE = re.compile(r"[ \t:]*")
#: per-day / per-year words after a rate without a cue (0.05%/天, 万分之四的日息)
_RATE_SUFFIX_RE = re.compile(
    r"(?P<slash>[ ]?/[ ]?(?:(?P<sd>天|日|day)|(?P<sy>年|year)))"
    r"|的?(?:(?P<wd>每天|每日|一天|日息|日利率|日利息|日费率|日化)|(?P<wy>每年|年化利率|年化|年利率|年息|年费率))",
    re.IGNORECASE,
)
_RATE_WORD_RE = re.compile(r"([百千万])分之")
#: words anywhere in a message that make a percentage with no cue an interest rate (超过24%算高利贷吗,
#: 百分之18的利率): annual words, and neutral ones, after which under 1 % is daily as after a cue
_ANNUAL_CONTEXT_RE = re.compile(r"年化|年利|年息|高利贷|apr", re.IGNORECASE)
_NEUTRAL_CONTEXT_RE = re.compile(r"利率|利息")
#: cue-less fillers before a percentage, skipped when looking for what it is a share of
_FILLERS_BEFORE_RE = re.compile(_FILLER_RE.pattern.replace("{0,4}", "+") + "$")
#: before a percentage (fillers skipped): a payment, a change, a fee or a base makes it a share of
#: something, not an interest rate ("还了50%", "首付30%", "上浮50%", "手续费0.6%", "本金的30%")
_SHARE_BEFORE_RE = re.compile(r"(?:还|付|交|浮|涨|降|减|免|少|多|打|占|剩|完成|提高|增加|优惠|返|扣|费|税|的|比|率|金|险)$")
#: after a percentage: 的 + anything but a rate word makes it a share ("30%的工资")
_SHARE_AFTER_RE = re.compile(r"[ ]?的(?!年化|年利|年息|利率|利息|高利贷|日息|日利|息|利)")
_PER_BASE = {"百": Decimal(100), "千": Decimal(1000), "万": Decimal(10000)}

_MONEY_UNIT_RE = re.compile(r"块钱|元钱|块|元|圆|人民币|rmb|yuan|cny|大洋", re.IGNORECASE)
_FOREIGN_UNIT_RE = re.compile(r"美元|美金|刀|港币|港元|欧元|日元|英镑|韩元|澳元|台币|usd|hkd|eur|dollars?",
                              re.IGNORECASE)
_CURRENCY_PREFIX_RE = re.compile(r"(?:¥|rmb|cny|人民币)[ ]?", re.IGNORECASE)
_FOREIGN_PREFIX_RE = re.compile(r"(?:us\$|hk\$|\$|€|£|usd|hkd|eur)[ ]?", re.IGNORECASE)

_DURATION_UNIT_RE = re.compile(
    r"(?P<ge>个)?(?P<more>多(?!少))?(?P<half>半)?"
    r"(?P<unit>星期|礼拜|小时|钟头|分钟|工作日|自然日|季度|月|周(?!末)|天|年(?![级代纪]))(?P<post>多(?![少久长么])|半)?"
)
_DURATION_JOIN_RE = re.compile(r"零|又|加|[ ]")
_HALF_RE = re.compile(r"半(?P<ge>个)?(?P<more>多(?!少))?(?P<unit>年(?![级代纪])|月|小时|钟头|星期|礼拜)")
#: before 半天 / 几天 (几个月 …): a word of being late or putting off (and, before 几, of waiting),
#: which makes them a length of time: "晚了半天", "宽限几天", "等我几天", "过几天"; the overdue words
#: count before 几 only with 了 ("逾期了几天"; "逾期几天算不良" asks how many)
_LATE_BEFORE_RE = re.compile(
    r"(?:(?P<overdue>逾期|预期|途期|超期)|晚还|晚|迟还|迟|拖欠|拖|宽限|缓|延期|延后|延迟|推迟|推后|往后[推延挪调改]|推"
    r"|(?P<wait>(?<!要)等|(?<!要)过))(?P<le>了)?(?:还|我|你们|你|个)?[ ]?$"
)
#: after 几天 (几个月 …): a state that lasts, so 几 counts ("几个月没还")
_LASTING_AFTER_RE = re.compile(r"(?:都|也)?[没未不]")
#: after 几天 (几个月 …) with no 了 before it: 几 asks how many ("晚几天算逾期", "等几天才能到账"),
#: unless a yes-no or other question word comes later (吗, 什么, 怎么: "晚几天会有影响吗")
_HOW_MANY_AFTER_RE = re.compile(r"[ ]?(?:才|能|可以|会|算|就)")
_OTHER_QUESTION_RE = re.compile(r"[吗么嘛]")
_UNIT_RANK = {"年": 6, "季度": 5.5, "月": 5, "星期": 4, "礼拜": 4, "周": 4, "天": 3, "自然日": 3, "小时": 2, "钟头": 2,
              "分钟": 1}
#: words before a bare month number that make it a length of time ("逾期3月")
_MONTH_CUE_RE = re.compile(
    r"(?:逾期|预期|途期|过期|超期|拖欠|拖了|拖|晚了|晚还|晚|超过|满|近|共|用了|借了|欠了|宽限)(?:了|已经|快|都)?[ ]?$")
_MONTH_NAME_TAIL_RE = re.compile(r"份|初|底|中旬|上旬|下旬|中|末|里")

_EVERY_MONTH_RE = re.compile(r"每(?:个)?月(?:的)?[ ]?")
_FEN_RE = re.compile(r"分(?:成|为|期|开)?[ ]?")
_INSTALLMENT_UNIT_RE = re.compile(r"[ ]?(?:期|个月|次)")
#: the longest plan a bare count after 分期 / 分 can name (分期12, 能分24吗; 分期500 is money)
_BARE_PLAN_MAX = 36
#: before a bare 分 + count: 分 is the verb "split into" (能分12吗, 我想分12), not 积分 / 十分 …
_FEN_VERB_BEFORE = frozenset("能以想要我就再先只还")
#: between two bare plan lengths: "分期12还是24"
_OR_RE = re.compile(r"[ ]?(?:还是|或者|或|和|跟|、|/)[ ]?")
_WITHIN_RE = re.compile(r"内|之内|以内")
_TIME_TAIL_RE = re.compile(r"点(?:钟|半|[0-9]{1,2}分?|[零一二三四五六七八九十]{1,3}分?)?")
_RANGE_SEP_RE = re.compile(r"[ ]?(?:到|至|-|~|—|–)[ ]?")
_BLOCKED_UNIT_RE = re.compile(r"个?(?:期|天|月|年|周|星期|次|笔|名|号|日|季度|季|位|条|章|节|页|项|张)?")
_ALNUM_TAIL_RE = re.compile(r"[0-9A-Za-z.]*")

# identifiers written with separators, and dates / times
_SEPARATED_DIGITS_RE = re.compile(
    r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"  # mobile phone
    r"|\+[0-9][0-9 -]{6,}[0-9](?![0-9])"  # international number
    r"|[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}(?![0-9])"  # 400 / 800 hotline
    r"|(?:1[0-2]|0?[1-9])-(?:3[01]|[12][0-9]|0?[1-9])(?![0-9])"  # 12-15: a month and day ...
    r"(?![ ]?(?:[-~到至]|元|块|天|个|期|号|日|万|千|百|[kKwW%]|周|年|小时|分|岁|次|笔))"  # ... unless a unit follows
    r"|0[0-9]{2,3}-[0-9]{7,8}(?![0-9])"  # landline
    r"|[0-9]{4}(?:[-/][0-9]{1,2}(?:[-/][0-9]{1,2})?|\.[0-9]{1,2}\.[0-9]{1,2})(?![0-9])"  # 2026-01-15
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9])"  # 15:30
    r"|[0-9]+(?:\.[0-9]+)?(?:/[0-9]+(?:\.[0-9]+)?)+"  # 1/15, 50/30/20
)
#: words right before a number (maybe followed by 是 / 为 / : …) that make it an identifier or score
_ID_WORDS = ("尾号", "号码", "电话", "手机号", "手机", "验证码", "卡号", "编号", "单号", "账号", "帐号", "密码", "芝麻分",
             "芝麻信用", "信用分", "分数", "评分", "版本", "身份证号", "身份证", "qq", "微信号", "邮编", "工号", "订单号",
             "流水号", "车牌", "房号", "no", "no.", "#")
_ID_FILLER = frozenset("是为号 :#")
#: characters after a number with no unit that make it a count, a score, a size … not money
_BARE_BLOCKERS = frozenset("个次张笔家人岁倍条项位台部套件份种秒级名页楼遍度斤克米只双辆分厘点号日月年天周期时%℃°"
                           "届代寸层首句集折成路章节季")
#: characters after 15号 that make it a line, a building, a seat … not a day
_DAY_BLOCKERS = frozenset("线楼院房床门码机位桌车键窗柜台")
_INSTALLMENT_BLOCKERS = frozenset("间限望待末货刊")
#: numbers that on their own are internet slang, not money (886 = bye bye, 520 = I love you,
#: 666… = awesome, any run of three to eight 6s)
_SLANG_NUMBERS = frozenset({"88", "886", "8888", "520", "521", "1314", "233", "2333", "23333", "555", "5555", "7456",
                            "9494"} | {"6" * k for k in range(3, 9)})
#: six digits that are three shares of ten adding up to 100 name a budget split (503020 = 50/30/20)
_BUDGET_SPLIT_RE = re.compile(r"([1-9]0)([1-9]0)([1-9]0)")
#: service and complaint hotlines (支付宝/借呗, 微粒贷, 白条, carriers, regulators) named in a sentence
_HOTLINES = frozenset({"95188", "95017", "95118", "10086", "10010", "12378", "12363", "12315", "12348"})
_STRIP_RE = re.compile(r"[\W_]+")
_SLANG_TAIL_RE = re.compile(r"(?:[\W_]|啦|了|哈|呀|啊|哦|喽|咯|吧|哟|呢)*")
#: thanks / okay / goodbye words right before a slang number make it slang too ("好的88", "谢谢88");
#: after a verb it stays money ("每月还88", "还了88")
_SLANG_BEFORE_RE = re.compile(
    r"(?:好的|好滴|好哒|好嘞|好吧|好啊|好了|好|谢谢|谢啦|谢了|多谢|感谢|拜拜|再见|嗯|哦|噢|ok|okay|知道了|明白了|懂了|"
    r"晚安|收到|这样吧|这样啦|这样哈|这样|下了|走了|溜了|撤了|睡了)[ ]?$",
    re.IGNORECASE,
)
#: after 万五 (no cue before it) these words make it a daily rate: 万五的利息
_WAN_RATE_AFTER_RE = re.compile(r"的?(?:利息|利率|日息|日利率|利|息)")
#: words before a number that make it an operand, not money: 乘365
_OPERATOR_BEFORE_RE = re.compile(r"(?:乘以|除以|乘|除|[×x*÷])[ ]?$", re.IGNORECASE)
#: a number (maybe with more digit groups and a unit) that names a rule: 502030法则, 50 30 20法则,
#: 72法则, 503020预算法, 21天法则, 1万小时定律 — but not 原则上 ("in principle"), 法院, 法律 …
_RULE_NAME_RE = re.compile(
    r"(?:[ \-、,，/·.][0-9]{1,3}){0,5}"
    r"[ ]?(?:小时|分钟|天|周|个月|年|步|秒)?"
    r"(?:预算|理财|记账|存钱|攒钱|储蓄|分配|消费|投资|还款|还债|财务)?"
    r"(?:法则|规则|定律|定理|口诀|原则(?!上)|法(?![院律务官庭人定规典治条制警学师网]))"
)
#: characters before a lone 一 that make it "the same / that one" rather than a count
_NOT_COUNT_BEFORE = frozenset("同统某任每哪这那唯单成")
#: before 前 / 后 + 一天 (一个月 …): a date ("到期前一天", "还款日的前一天") or a word that shifts by
#: a length of time ("提前一天", "延后一天", "往后推"); otherwise 前一天 / 后一天 name a day
_SHIFT_ANCHOR_RE = re.compile(r"(?:提|往|向|之|以|推|延|退|滞|错|挪|靠|今|此|日|期|号|款|止|账|单)的?$")
#: 多 followed by these is a question word (多少, 多久 …), not "more than"
_NOT_APPROX_AFTER_DUO = frozenset("少久长大么高远")
#: "一个月还3000", "一天打几十个电话": 一 + unit + a verb of what happens per unit
_PER_UNIT_AFTER_RE = re.compile(
    r"(?:最多|最少|只能|能|可以|大概|大约|平均|就|要|得|都|也|才|到底|至少|免费){0,2}"
    r"(?:还(?![完清上掉得不])|存|花|付|赚|挣|打|发|收(?!益)|扣|交|拿出|工资|收入|薪水|开销|查|好几|到晚|到头|[0-9]|"
    r"[一二三四五六七八九两][十百千万]|[一二三四五六七八九两几]次)")
#: "多少钱一天", "几块一个月": a price per unit of time, not a length of time
_PRICE_BEFORE_RE = re.compile(r"(?:多少|几)(?:块|元|毛)?钱?$")
_DURATION_VERB_BEFORE_RE = re.compile(
    r"(?:逾期|预期|途期|晚还|晚了|晚|拖了|拖|借了|借|用了|用|宽限|延期|延迟|延后|推迟|推后|提前|超过|超|满|前|往后|向后|期后|号后|款后|过了|了)$")

_HALF = Decimal("0.5")
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


def _first_chars(words: List[str]) -> set:
    chars = set()
    for w in words:
        chars.add(w[0].lower())
        chars.add(w[0].upper())
    return chars


_TRIGGERS = frozenset(
    NUMERAL_START
    | _first_chars(_DAILY_CUES + _DAILY_WEAK_CUES + _ANNUAL_CUES + _ANNUAL_WEAK_CUES + _MONTHLY_CUES + _NEUTRAL_CUES)
    | set("百千万几") | set("分半每+¥$€£") | _first_chars(["rmb", "cny", "人民币", "us", "hk", "usd", "hkd", "eur"])
)


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class _Rate:
    end: int
    fraction: Decimal
    shape: str  # "percent", "per" (百/千/万分之), "wan" (万五), "bare"


#: what one traditional 分 is, by the period of the cue (one 厘 is a tenth of it):
#: 年息1分 = 10 %/year, 月息1分 = 1 %/month, 日息1分 = 1 ‰/day
_FEN_BY_PERIOD = {"annual": Decimal("0.1"), "monthly": Decimal("0.01"), "daily": Decimal("0.001")}
#: cues after which 分 / 厘 are rate units: interest words that name their period
_TRADITIONAL_CUES = frozenset({"日利率", "日利息", "日息", "日利", "日化利率", "年化利率", "年利率", "年利息", "年息",
                               "年利", "月利率", "月利息", "月息", "月利", "月化利率"})
#: monthly cues that give an interest rate on the balance (月费率 is a fee on the original
#: principal; 每月 / 每个月 + a percentage may be anything)
_MONTHLY_INTEREST_CUES = frozenset({"月利率", "月利息", "月息", "月利", "月化利率", "月化", "月率"})


def _traditional_rate(s: str, num: Numeral, fen: Decimal) -> Optional[_Rate]:
    """一分八, 1分, 1.5分, 一分半, 五厘, 三厘五, 一分八厘 after ``num`` (already read)."""
    n = len(s)
    k = num.end
    if num.large_magnitude or num.value <= 0 or k >= n:
        return None
    unit = s[k]
    nxt = s[k + 1] if k + 1 < n else ""
    if unit == "分" and nxt not in ("钟", "钱", "之", "期"):
        value, step, minor = num.value, _TENTH, "厘"  # in 分; a digit after it is in 厘
    elif unit == "厘" and nxt != "米":
        value, step, minor = num.value * _TENTH, _HUNDREDTH, "毫"
    else:
        return None
    end = k + 1
    if not num.has_decimal and end < n:
        if s[end] == "半" and unit == "分":
            value, end = value + _HALF, end + 1
        else:
            tail = scan_numeral(s, end, digit_strings=False)
            if (tail is not None and tail.end == end + 1 and not tail.has_magnitude
                    and (tail.end >= n or (s[tail.end] not in NUMERAL_START and s[tail.end] not in "万千百kKwW.%"
                                           and not _MONEY_UNIT_RE.match(s, tail.end)))):
                value, end = value + tail.value * step, tail.end
                if end < n and s[end] == minor:
                    end += 1
    return _Rate(end, value * fen, "traditional")


def read_rate(s: str, j: int, cue: str, traditional: bool = False) -> Optional[_Rate]:
    """Read a rate value at ``s[j]`` (normalised text) after a cue of kind ``cue``.

    ``cue`` is one of ``daily``, ``dailyweak``, ``annual``, ``annualweak``,
    ``monthly``, ``neutral`` or ``none``.  Bare numbers are only read after the
    strong daily / annual cues (see the module documentation for their reading).
    ``traditional``: the cue is an interest word naming its period (日息, 年利率, 月息 …),
    so 分 / 厘 after the number are rate units (年息一分八 = 18 %, 日息三厘 = 0.03 %).
    """
    n = len(s)
    if j >= n:
        return None
    m = _RATE_WORD_RE.match(s, j)
    if m:
        num = scan_numeral(s, m.end(), digit_strings=False)
        if num is None or num.digit_string:
            return None
        return _Rate(num.end, num.value / _PER_BASE[m.group(1)], "per")
    if s[j] == "万" and cue in ("daily", "dailyweak", "neutral"):
        num = scan_numeral(s, j + 1, digit_strings=False)
        if num is None or num.digit_string or num.has_magnitude or num.value >= 100:
            return None
        if num.end < n and (s[num.end] in "毛角%" or _MONEY_UNIT_RE.match(s, num.end)):
            return None  # 万五块 is money, not a rate
        return _Rate(num.end, num.value / _PER_BASE["万"], "wan")
    num = scan_numeral(s, j, digit_strings=False)
    if num is None or num.digit_string:
        return None
    if traditional and cue in _FEN_BY_PERIOD and num.end < n and s[num.end] in "分厘":
        return _traditional_rate(s, num, _FEN_BY_PERIOD[cue])
    k = num.end + 1 if num.end < n and s[num.end] == " " else num.end
    if k < n and s[k] == "%":
        return _Rate(k + 1, num.value / 100, "percent")
    # a bare number only after a strong cue, and only when no unit follows
    if num.end < n and (s[num.end] in _BARE_BLOCKERS or s[num.end] in "万千百kKwW"
                        or _MONEY_UNIT_RE.match(s, num.end) or _is_ascii_letter(s[num.end])):
        return None
    v = num.value
    if cue == "daily":
        if 0 < v < Decimal("0.005"):
            return _Rate(num.end, v, "bare")
        if Decimal("0.005") <= v <= 1:
            return _Rate(num.end, v / 100, "bare")
    if cue == "annual" and 1 <= v <= 100:
        return _Rate(num.end, v / 100, "bare")
    return None


def _rate_entity(cue: str, rate: _Rate) -> Optional[str]:
    if cue in ("daily", "dailyweak"):
        return DAILY_RATE
    if cue in ("annual", "annualweak"):
        return ANNUAL_RATE
    if cue == "neutral":
        return DAILY_RATE if rate.shape == "wan" or rate.fraction < Decimal("0.01") else ANNUAL_RATE
    return None  # monthly rates are not contract entities


# --------------------------------------------------------------------------- scanner


_GROUPED_MONEY_RE = re.compile(r"[0-9]{3}(?:[,，][0-9]{3})*(?![0-9])[ ]?(?:元|块|万|千|rmb)", re.IGNORECASE)


def _sentence_commas_kept(original: str, normalised: str) -> str:
    """Undo NFKC for a Chinese comma right after an ASCII digit ("还了500，200还没还" is two
    numbers) unless a money unit follows the digit groups ("1，200元").  "1,200" and a fully
    full-width "１，２００" group digits as usual."""
    if "，" not in original:
        return normalised
    chars = list(normalised)
    for p, ch in enumerate(original):
        if (ch == "，" and p > 0 and "0" <= original[p - 1] <= "9"
                and not _GROUPED_MONEY_RE.match(original, p + 1)):
            chars[p] = "，"
    return "".join(chars)



_MINUS_SIGNS = frozenset("-−")
#: characters that end a quantity (units after a number)
_NUMBER_END_CHARS = frozenset("元块钱万千百kKwW%天月年期号日")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.s = _sentence_commas_kept(text, normalize_text(text))
        self.n = len(self.s)
        self.found: List[Quantity] = []
        #: read but not reported (see :func:`read_quantities`)
        self.withheld: List[Quantity] = []
        self._word_chars: Optional[List[int]] = None

    # ---- helpers
    def emit(self, entity: str, start: int, end: int, value: str) -> int:
        self.found.append(Quantity(entity, start, end, self.text[start:end], value))
        return end

    def char(self, i: int) -> str:
        return self.s[i] if 0 <= i < self.n else ""

    def run(self) -> List[Quantity]:
        s, n = self.s, self.n
        i = 0
        while i < n:
            if s[i] in _TRIGGERS:
                before = len(self.found)
                end = self.match_at(i)
                if end is not None and end > i:
                    if len(self.found) > before:
                        end = self.extend_range(end)
                    i = end
                    continue
            i += 1
        return self.found

    def extend_range(self, end: int) -> int:
        """"3000元到6000元", "两个月到三个月", "6期到12期": a second quantity of the same kind,
        larger, after 到 / 至 / - / ~ / — makes the first a range; it keeps its (lower) value and
        its span grows over the second.  Returns where scanning goes on."""
        first = self.found[-1]
        if first.end != end or first.entity not in _RANGE_ENTITIES:
            return end
        sep = _RANGE_SEP_RE.match(self.s, end)
        if not sep or sep.end() >= self.n or self.s[sep.end()] not in _TRIGGERS:
            return end
        mark = len(self.found)
        stop = self.match_at(sep.end())
        added = self.found[mark:]
        del self.found[mark:]
        if (stop is None or len(added) != 1 or added[0].entity != first.entity
                or added[0].start != sep.end() or added[0].end != stop
                or not _range_key(first) < _range_key(added[0])):
            return end  # not a range: the scanner reads what follows on its own
        self.found[-1] = replace(first, end=stop, text=self.text[first.start:stop])
        return stop

    def match_at(self, i: int) -> Optional[int]:
        ch = self.s[i]
        if "0" <= ch <= "9" or ch == "+":
            m = _SEPARATED_DIGITS_RE.match(self.s, i)
            if m and not ("0" <= self.char(i - 1) <= "9"):
                return m.end()
        for matcher in (self.rate_with_cue, self.rate_word, self.currency, self.every_month_day,
                        self.installments_with_fen, self.half_duration, self.few_duration, self.number):
            end = matcher(i)
            if end is not None:
                return end
        return None

    # ---- rates
    def rate_with_cue(self, i: int) -> Optional[int]:
        m = _RATE_CUE_RE.match(self.s, i)
        if not m:
            return None
        if m.group().isascii() and _is_ascii_letter(self.char(i - 1)):
            return None  # "daily" / "apr" inside a longer English word
        cue = m.lastgroup
        word = m.group().lower()
        traditional = word in _TRADITIONAL_CUES
        filler = _FILLER_RE.match(self.s, m.end())
        j = filler.end()
        rate = read_rate(self.s, j, cue, traditional)
        if rate is None and j > m.end():
            j = m.end()
            rate = read_rate(self.s, j, cue, traditional)
        if rate is None:
            return None
        entity = _rate_entity(cue, rate)
        if entity is None:
            # a monthly rate: consumed, not reported; set aside for the form parsers
            kind = MONTHLY_RATE if word in _MONTHLY_INTEREST_CUES else MONTHLY_CHARGE
            start = i if _SPACE_ONLY_RE.fullmatch(self.s, m.end(), j) else j
            self.withheld.append(Quantity(kind, start, rate.end, self.text[start:rate.end],
                                          format_decimal(rate.fraction)))
            return rate.end
        start = i if _SPACE_ONLY_RE.fullmatch(self.s, m.end(), j) else j
        return self.emit(entity, start, rate.end, format_decimal(rate.fraction))

    def rate_word(self, i: int) -> Optional[int]:
        if not _RATE_WORD_RE.match(self.s, i):
            if self.s[i] == "万":
                rate = read_rate(self.s, i, "daily")  # 万五的利息: the rate word comes after
                if rate is not None and rate.shape == "wan" and _WAN_RATE_AFTER_RE.match(self.s, rate.end):
                    return self.emit(DAILY_RATE, i, rate.end, format_decimal(rate.fraction))
            return None
        rate = read_rate(self.s, i, "none")
        if rate is None:
            return None
        return self.cueless_rate(i, rate, daily_default=self.s[i] == "万")

    def cueless_rate(self, i: int, rate: _Rate, daily_default: bool) -> int:
        """A rate with no cue before it: a per-day / per-year word after it decides."""
        sm = _RATE_SUFFIX_RE.match(self.s, rate.end)
        end = rate.end
        entity = DAILY_RATE if daily_default else None
        if sm:
            entity = DAILY_RATE if (sm.group("sd") or sm.group("wd")) else ANNUAL_RATE
            if sm.group("slash"):
                end = sm.end()
        if entity is None:
            entity = self._rate_by_context(i, rate)
        if entity is None:
            return rate.end  # a percentage of something else: consumed, not reported
        self.emit(entity, i, end, format_decimal(rate.fraction))
        return max(end, sm.end()) if sm else end

    def _rate_by_context(self, i: int, rate: _Rate) -> Optional[str]:
        """A percentage with no cue in a message about interest ("超过24%算高利贷吗", "百分之18的
        利率"): annual, or after only 利率 / 利息 words daily when under 1 %; not a share of
        something ("还了50%", "首付30%", "30%的工资")."""
        s = self.s
        annual = _ANNUAL_CONTEXT_RE.search(s)
        if not annual and not _NEUTRAL_CONTEXT_RE.search(s):
            return None
        fillers = _FILLERS_BEFORE_RE.search(s, max(0, i - 12), i)
        before = fillers.start() if fillers else i
        if _SHARE_BEFORE_RE.search(s, max(0, before - 2), before) or _SHARE_AFTER_RE.match(s, rate.end):
            return None
        if annual or rate.fraction >= Decimal("0.01"):
            return ANNUAL_RATE
        return DAILY_RATE

    # ---- money with a currency sign
    def currency(self, i: int) -> Optional[int]:
        foreign = _FOREIGN_PREFIX_RE.match(self.s, i)
        if foreign and self.char(foreign.end()) in NUMERAL_START:
            if _is_ascii_letter(self.char(i - 1)):
                return None
            num = scan_numeral(self.s, foreign.end())
            return num.end if num else None
        m = _CURRENCY_PREFIX_RE.match(self.s, i)
        if not m or (_is_ascii_letter(self.char(i - 1)) and self.s[i] != "¥"):
            return None
        num = scan_numeral(self.s, m.end())
        if num is None or num.digit_string or (num.arabic and num.int_digits >= 11):
            return None
        num = self.merge_range(num)
        end, value = self.money_tail(num, num.end)
        return self.emit(AMOUNT, i, end, format_decimal(value))

    def money_tail(self, num: Numeral, k: int) -> Tuple[int, Decimal]:
        """Units after a number already known to be money: 多, 元/块(钱), 5毛 … ."""
        value = num.value
        u = k
        if self.char(u) == "多" and self.char(u + 1) not in _NOT_APPROX_AFTER_DUO and (
                num.has_magnitude or num.value >= 10):
            u += 1
        m = _MONEY_UNIT_RE.match(self.s, u)
        if not m:
            return u, value
        end = m.end()
        if m.group() in ("块", "元", "圆") and u == k:
            minor, end = self.minor_after_major(end)
            value += minor
        return end, value

    # ---- 每月15号
    def every_month_day(self, i: int) -> Optional[int]:
        m = _EVERY_MONTH_RE.match(self.s, i)
        if not m:
            return None
        num = scan_numeral(self.s, m.end())
        if num is None or not self._day_number(num):
            return None
        k = num.end
        if self.char(k) == "号" and self.char(k + 1) not in _DAY_BLOCKERS or \
                self.char(k) == "日" and not _WITHIN_RE.match(self.s, k + 1):
            return self.emit(DAY_OF_MONTH, i, k + 1, str(int(num.value)))
        return None

    @staticmethod
    def _day_number(num: Numeral) -> bool:
        return (not num.digit_string and not num.has_decimal and num.is_integer and 1 <= num.value <= 31)

    # ---- 分12期
    def installments_with_fen(self, i: int) -> Optional[int]:
        m = _FEN_RE.match(self.s, i)
        if not m:
            return None
        num = scan_numeral(self.s, m.end())
        if num is None or num.digit_string or num.has_decimal or not num.is_integer or not 2 <= num.value <= 999:
            return None
        start = num.start if self.char(i - 1) in ("能", "以", "可") else i
        unit = _INSTALLMENT_UNIT_RE.match(self.s, num.end)
        if not unit:
            return self.bare_plan(i, m.group().strip(), num, start)
        if self.char(unit.end()) in _INSTALLMENT_BLOCKERS:
            return None
        self.emit(INSTALLMENTS, start, unit.end(), str(int(num.value)))
        return unit.end()

    def bare_plan(self, i: int, word: str, num: Numeral, start: int) -> Optional[int]:
        """分期12, 能分24吗, 分期12还是24: a count with no unit after 分期 / 分成, or after 分 used
        as a verb, is a plan length when it is no more than :data:`_BARE_PLAN_MAX` and nothing
        follows that makes it money or another count (分期5000, 分期12块, 积分12)."""
        before = self.char(i - 1)
        if word == "分" and not (not before or before in _FEN_VERB_BEFORE or _STRIP_RE.fullmatch(before)):
            return None  # 积分12, 部分12: 分 is no verb here
        if word == "分开" or num.value > _BARE_PLAN_MAX or not self._ends_bare_digit(num.end):
            return None
        self.emit(INSTALLMENTS, start, num.end, str(int(num.value)))
        alt = _OR_RE.match(self.s, num.end)
        other = scan_numeral(self.s, alt.end()) if alt else None
        if (other is None or other.digit_string or other.has_decimal or not other.is_integer
                or not 2 <= other.value <= _BARE_PLAN_MAX or not self._ends_bare_digit(other.end)):
            return num.end
        return self.emit(INSTALLMENTS, other.start, other.end, str(int(other.value)))

    # ---- 半年, 半个月
    def half_duration(self, i: int) -> Optional[int]:
        if self.s.startswith("半天", i):
            late = _LATE_BEFORE_RE.search(self.s, max(0, i - 8), i)
            if self._alone(i, i + 2) or (late and not late.group("wait")):
                return self.emit(DURATION, i, i + 2, "PT12H")  # 晚了半天, 晚还半天: half a day
            return i + 2  # 等了半天, 半天没到账: "a long while", an idiom
        m = _HALF_RE.match(self.s, i)
        if not m:
            return None
        if self.char(i - 1) in ("上", "下", "前", "后"):
            return m.end()  # 上半年: a period of the calendar, not a length of time
        unit = m.group("unit")
        parts = _DurationParts()
        parts.add(unit, _HALF)
        end = self.duration_tail(m.end(), _UNIT_RANK[unit], parts)
        return self.emit(DURATION, i, end, parts.iso())

    # ---- 几天, 好几个月: "a few" days, months …
    def few_duration(self, i: int) -> Optional[int]:
        if self.s[i] != "几":
            return None
        m = _DURATION_UNIT_RE.match(self.s, i + 1)
        if not m or m.group("more") or m.group("half"):
            return None
        unit, end = m.group("unit"), m.end("unit")
        if unit in ("月", "季度") and not m.group("ge"):
            return None  # 几月 is "which month", as 3月 is March
        if unit == "工作日":
            return end
        start = i - 1 if self.char(i - 1) == "好" and not (self.found and self.found[-1].end > i - 1) else i
        if not self._says_a_few(start, i, end):
            return end  # 宽限期是几天, 几个月能还完, 这几天: how many, or which days
        parts = _DurationParts()
        parts.add(unit, Decimal(2))
        return self.emit(DURATION, start, end, parts.iso())

    def _says_a_few(self, start: int, i: int, end: int) -> bool:
        """几天 at ``i`` (好几天 from ``start``) to ``end`` says "a few days" rather than asking how many."""
        s = self.s
        if start < i or self._alone(start, end) or (i >= 2 and s.startswith(("连续", "已经"), i - 2)):
            return True  # 好几天, "几天", 连续几个月, 已经几天了
        if _LASTING_AFTER_RE.match(s, end):
            return True  # 几个月没还
        late = _LATE_BEFORE_RE.search(s, max(0, i - 8), i)
        if not late:
            return False
        if late.group("le"):
            return True  # 晚了几天, 逾期了几天: what happened
        if _OTHER_QUESTION_RE.search(s, end):
            return True  # 晚几天会有影响吗, 逾期几天会上征信吗: 几 is "a few" in a yes-no question
        # 逾期几天算不良, 我逾期几天了, 晚几天算逾期, 等几天才能到账: how many
        return not late.group("overdue") and not _HOW_MANY_AFTER_RE.match(s, end)

    # ---- numbers
    def number(self, i: int) -> Optional[int]:
        s = self.s
        num = scan_numeral(s, i)
        if num is None:
            return None
        if "0" <= s[i] <= "9" and "0" <= self.char(i - 1) <= "9":
            return num.end  # the tail of a digit group already rejected
        if self.char(i - 1) == "几":
            unit = _DURATION_UNIT_RE.match(s, num.end) or _MONEY_UNIT_RE.match(s, num.end)
            return unit.end() if unit else num.end  # 几十万, 几十天: the multiplier is unknown
        if self.left_blocked(i):
            end = num.end
            if _is_ascii_letter(self.char(i - 1)):
                return _ALNUM_TAIL_RE.match(s, end).end()
            return _BLOCKED_UNIT_RE.match(s, end).end()
        if (num.arabic and num.int_digits >= 11) or (num.digit_string and num.end - num.start >= 7):
            return num.end  # phone / account numbers
        if self.char(num.end) in ("\ufe0f", "\u20e3"):
            return num.end  # keycap emoji 1️⃣
        rule = _RULE_NAME_RE.match(s, num.end)
        if rule:
            return rule.end()  # 503020法则, 50 30 20法则, 21天法则: the name of a rule
        num = self.merge_range(num)
        if self._signed(i):
            # "-500", "负五千": a negative value is no contract value; a signed amount is set aside
            # so that a form that asked for money can say why it cannot take it
            mark = len(self.found)
            end = self.classify(i, num)
            for q in self.found[mark:]:
                if q.entity == AMOUNT:
                    self.withheld.append(replace(q, start=i - 1, text=self.text[i - 1:q.end],
                                                 value=format_decimal(-Decimal(q.value))))
            del self.found[mark:]
            return end
        return self.classify(i, num)

    def _signed(self, i: int) -> bool:
        """A minus sign or 负 right before the number at ``i``.  A dash counts as a sign at the
        start of the message or after a space, punctuation, 是 or 为; after a word it separates
        ("借呗-5000"), after a number it joins a range ("2000-3000")."""
        before = self.char(i - 1)
        if before == "负":
            return True
        if before not in _MINUS_SIGNS:
            return False
        prev = self.char(i - 2)
        if prev == " " and (self.char(i - 3) in _NUMBER_END_CHARS or self.char(i - 3) in NUMERAL_START):
            return False  # "8000 -3000": a subtraction or a list, not a sign
        return not prev or prev in "是为" or bool(_STRIP_RE.fullmatch(prev)) and prev not in _MINUS_SIGNS

    def left_blocked(self, i: int) -> bool:
        before = self.char(i - 1)
        if before == "第" or (before == " " and self.char(i - 2) == "第"):
            return True
        if before and _is_ascii_letter(before):
            # iPhone15, v2 … — but the k / w of an amount just read is its unit ("借2w一个月")
            return not (before in "kKwW" and self.found and self.found[-1].end == i)
        if before == "." and "0" <= self.char(i - 2) <= "9":
            return True
        j = i
        while True:  # skip back over 是 / 为 / : …, checking for an identifier word at each step
            if self.s[max(0, j - 4):j].lower().endswith(_ID_WORDS):
                return True
            if j <= max(0, i - 4) or self.s[j - 1] not in _ID_FILLER:
                return False
            j -= 1

    def merge_range(self, num: Numeral) -> Numeral:
        """"2000-3000", "两到三万", "5-10天": one quantity with the lower bound."""
        m = _RANGE_SEP_RE.match(self.s, num.end)
        if not m or num.digit_string:
            return num
        num2 = scan_numeral(self.s, m.end())
        if num2 is None or num2.digit_string:
            return num
        low = num.value
        if not num.has_magnitude and num2.ends_with_magnitude and num2.last_magnitude:
            scaled = low * num2.last_magnitude
            if scaled < num2.value:
                low = scaled
        if not low < num2.value:
            return num
        return replace(num2, start=num.start, value=low, is_range=True,
                       arabic=num.arabic and num2.arabic, int_digits=max(num.int_digits, num2.int_digits),
                       has_magnitude=num.has_magnitude or num2.has_magnitude,
                       large_magnitude=num.large_magnitude or num2.large_magnitude,
                       single_cn_digit=False, leading_zero=num.leading_zero)

    def classify(self, i: int, num: Numeral) -> int:
        s, n = self.s, self.n
        j = num.end
        k = j + 1 if self.char(j) == " " and j + 1 < n else j
        c = self.char(k)
        if c == "%":
            rate = _Rate(k + 1, num.value / 100, "percent")
            return self.cueless_rate(i, rate, daily_default=False)
        if self.char(j) == "点" and num.is_integer and num.value <= 24 and not num.is_range:
            return _TIME_TAIL_RE.match(s, j).end()  # a time of day (3点, 三点半) or 一点 = "a bit"
        if _OPERATOR_BEFORE_RE.search(s, max(0, i - 3), i):
            return j  # 乘365: an operand
        if s[num.start:num.end] == "一" and (
                self.char(i - 1) in _NOT_COUNT_BEFORE or s.startswith("最后", i - 2)
                or (i > 0 and s[i - 1] in "前后" and not _SHIFT_ANCHOR_RE.search(s, max(0, i - 3), i - 1))):
            unit = _DURATION_UNIT_RE.match(s, j)
            return unit.end() if unit else j  # 同一天, 最后一个月, 算前一天还是后一天: which one, not how many
        if self._rate_follows(k) or self._rate_question_follows(k, num):
            return self.bare(i, num, j, unit_free=True)  # 1.2万日利率0.05%, 3万年化14.4%: the unit belongs to the cue
        # 多 / 余 / 来 / 出头 right after the number (not after a space: "6000 多出多少"): a lower bound
        u = k
        approx_char = ""
        if k == j and c in ("多", "余", "来") and self.char(k + 1) not in _NOT_APPROX_AFTER_DUO and (
                num.has_magnitude or (num.arabic and num.value >= 10)):
            approx_char, u = c, k + 1
            if c == "多" and s.startswith(("点儿", "一点", "点"), u):
                u += 2 if s.startswith(("点儿", "一点"), u) else 1  # 5000多点: a bit more than 5000
        elif k == j and s.startswith("出头", k) and (num.has_magnitude or (num.arabic and num.value >= 10)):
            approx_char, u = "出头", k + 2
        if s.startswith("年", u) and self._year_like(num):
            return u + 1  # a year
        if self._time_unit_of_another_word(num, u):
            return self.bare(i, num, u, unit_free=True)  # 3万月供, 8000 月入, 1万 天天被催: money
        if num.digit_string:
            return j
        if c == "期" and not approx_char:
            return self.installments_plain(i, num, k)
        if c in ("号", "日") and not approx_char:
            return self.day(i, num, k)
        if approx_char != "出头":
            end = self.duration(i, num, u, bool(approx_char))
            if end is not None:
                return end
            end = self.money(i, num, k, u, approx_char)
            if end is not None:
                return end
        if approx_char in ("余", "来"):
            u = k  # 来 / 余 without a unit are verbs ("借5000来还"), not part of the number
        return self.bare(i, num, u)

    def _time_unit_of_another_word(self, num: Numeral, u: int) -> bool:
        """A unit of time at ``u`` that the number cannot take, so it starts another word: 年 after
        1000 or more that is not a year ("欠8千 年底还"), any unit after a number written with
        万 / 亿 / w ("3万月供", "1万 天天被催"), a bare 月 after 100 or more ("8000月供", "月入8000
        月供3000") and a doubled 天天 / 月月 / 年年 ("every day": "欠3000天天被催", "一天天过去")."""
        m = _DURATION_UNIT_RE.match(self.s, u)
        if not m:
            return False
        unit = m.group("unit")
        if (unit == "年" and num.value >= 1000) or (num.has_magnitude and num.value >= 10_000):
            return True
        if m.group("ge") or m.group("more") or m.group("half"):
            return False
        if unit == "月" and num.value >= 100:
            return True
        at = m.start("unit")
        return unit in ("天", "月", "年") and self.s.startswith(unit * 2, at) and not self.s.startswith(unit * 3, at)

    def _rate_follows(self, k: int) -> bool:
        """A rate cue with its value starts at ``k``."""
        m = _RATE_CUE_RE.match(self.s, k)
        if not m:
            return False
        traditional = m.group().lower() in _TRADITIONAL_CUES
        return read_rate(self.s, _FILLER_RE.match(self.s, m.end()).end(), m.lastgroup, traditional) is not None \
            or read_rate(self.s, m.end(), m.lastgroup, traditional) is not None

    def _rate_question_follows(self, k: int, num: Numeral) -> bool:
        """A daily / annual cue with no value after a number of money size: "3万年化多少",
        "5万年利息多少", "借500日息多少".  年 / 日 start the cue; a year stays a year
        ("2025年利率"), except before 年化, which never follows a year."""
        m = _RATE_CUE_RE.match(self.s, k)
        if not m or m.lastgroup not in ("daily", "annual") or self.s[k] not in "年日":
            return False
        if num.value < 100 or num.digit_string:
            return False  # 一年利息, 15日: the number's own unit
        if self.s.startswith("年化", k):
            return True
        return not (num.arabic and num.int_digits == 4 and 1900 <= num.value <= 2100)

    @staticmethod
    def _year_like(num: Numeral) -> bool:
        if num.digit_string or (num.arabic and num.int_digits == 4):
            return True
        return not num.has_decimal and 1000 <= num.value <= 2200 and num.last_magnitude != 10_000

    def installments_plain(self, i: int, num: Numeral, k: int) -> int:
        end = k + 1
        if (num.has_decimal or not num.is_integer or not 2 <= num.value <= 999
                or self.char(i - 1) in ("这", "那", "哪", "本", "上", "下", "每")
                or self.char(end) in _INSTALLMENT_BLOCKERS):
            return end
        return self.emit(INSTALLMENTS, i, end, str(int(num.value)))

    def day(self, i: int, num: Numeral, k: int) -> int:
        end = k + 1
        if num.has_decimal or not num.is_integer:
            return end
        v = int(num.value)
        if self.s[k] == "号":
            if self._day_number(num) and self.char(end) not in _DAY_BLOCKERS:
                return self.emit(DAY_OF_MONTH, i, end, str(v))
            return end
        if _WITHIN_RE.match(self.s, end) or v > 31:
            if v >= 1:
                return self.emit(DURATION, i, end, iso_duration(days=Decimal(v)))
            return end
        if self._day_number(num):
            return self.emit(DAY_OF_MONTH, i, end, str(v))
        return end

    def duration(self, i: int, num: Numeral, u: int, approx: bool) -> Optional[int]:
        m = _DURATION_UNIT_RE.match(self.s, u)
        if not m:
            return None
        unit = m.group("unit")
        if unit == "工作日":
            return m.end()  # working days are not calendar days: not reported
        if unit == "季度" and not m.group("ge"):
            return m.end()  # 三季度 is the third quarter of a year; 三个季度 is nine months
        if unit == "年" and num.value >= 1000:
            return m.end()
        end = m.end()
        half = bool(m.group("half"))
        post = m.group("post") or ""
        if unit == "月" and not (m.group("ge") or half or m.group("more") or approx):
            word = self.s[num.start:num.end]
            if word not in ("两", "俩") and num.value <= 12 and not _MONTH_CUE_RE.search(
                    self.s, max(0, i - 8), i):
                tail = _MONTH_NAME_TAIL_RE.match(self.s, end)
                return tail.end() if tail else end  # a month name: 3月 = March
        if half and post == "半":
            end -= 1
            post = ""
        if self.s[num.start:num.end] == "一" and self.s.startswith(("比" + self.s[i:end], "不如" + self.s[i:end]), end):
            return end + (1 if self.s[end] == "比" else 2) + (end - i)  # 一天比一天多: "ever more"
        if (self.s[num.start:num.end] == "一" and not (half or post or m.group("more") or approx)
                and _PER_UNIT_AFTER_RE.match(self.s, end)
                and not _DURATION_VERB_BEFORE_RE.search(self.s, max(0, i - 4), i)):
            return end  # "一个月还3000": per month, not a length of time
        if (self.s[num.start:num.end] == "一" and not (half or post or m.group("more") or approx)
                and self.found and self.found[-1].entity == AMOUNT and self.found[-1].end == i
                and (end >= self.n or _STRIP_RE.match(self.s, end))
                and "借" not in self.s[max(0, self.found[-1].start - 3):self.found[-1].start]):
            return end  # "收入4500一个月。": per month
        if (self.s[num.start:num.end] == "一" and not (half or post or m.group("more") or approx)
                and _PRICE_BEFORE_RE.search(self.s, max(0, i - 4), i)):
            return end  # "罚息多少钱一天": per day
        value = num.value + (_HALF if half or post == "半" else 0)
        parts = _DurationParts()
        parts.add(unit, value)
        end = self.duration_tail(end, _UNIT_RANK[unit], parts)
        return self.emit(DURATION, i, end, parts.iso())

    def duration_tail(self, end: int, rank: int, parts: "_DurationParts") -> int:
        """Smaller units after a duration: 一年两个月, 一个月零三天."""
        while True:
            join = _DURATION_JOIN_RE.match(self.s, end)
            q = join.end() if join else end
            num = scan_numeral(self.s, q, digit_strings=False)
            if num is None or num.digit_string or num.is_range:
                return end
            m = _DURATION_UNIT_RE.match(self.s, num.end)
            if not m or m.group("unit") == "工作日" or _UNIT_RANK[m.group("unit")] >= rank:
                return end
            unit = m.group("unit")
            if unit == "月" and not m.group("ge") and self.s[num.start:num.end] not in ("两", "俩"):
                return end
            stop = m.end()
            half = bool(m.group("half"))
            if half and m.group("post") == "半":
                stop -= 1
            parts.add(unit, num.value + (_HALF if half or m.group("post") == "半" else 0))
            rank = _UNIT_RANK[unit]
            end = stop

    def money(self, i: int, num: Numeral, k: int, u: int, approx_char: str) -> Optional[int]:
        s = self.s
        m = _MONEY_UNIT_RE.match(s, u)
        if m:
            end = m.end()
            if m.group() == "块" and self.char(end) == "儿":
                return end  # 一块儿 = together
            value = num.value
            if m.group() in ("块", "元", "圆") and not approx_char:
                minor, end = self.minor_after_major(end)
                value += minor
            return self.emit(AMOUNT, i, end, format_decimal(value))
        if approx_char:
            return None
        c = self.char(k)
        if c in ("毛", "角") and num.is_integer and num.value < 100:
            end = k + 1
            if self.char(end) == "钱":
                end += 1
            value = num.value * _TENTH
            fen, end = self.fen_after(end)
            return self.emit(AMOUNT, i, end, format_decimal(value + fen))
        if s.startswith("分钱", k) and num.is_integer and num.value < 100:
            if s[num.start:num.end] == "一" and self.char(k + 2) in ("都", "也"):
                return k + 2  # 一分钱都没有: "not a single cent", an idiom
            return self.emit(AMOUNT, i, k + 2, format_decimal(num.value * _HUNDREDTH))
        if _FOREIGN_UNIT_RE.match(s, u):
            return _FOREIGN_UNIT_RE.match(s, u).end()
        return None

    def minor_after_major(self, p: int) -> Tuple[Decimal, int]:
        """What follows 块 / 元: 半, 5毛(钱), 5角2分, a bare 5 (5块5 = 5.5)."""
        if self.char(p) == "半":
            return _HALF, p + 1
        num = self._single_digit(p)
        if num is None:
            return Decimal(0), p
        q = num.end
        c = self.char(q)
        if c in ("毛", "角"):
            q += 1
            if self.char(q) == "钱":
                q += 1
            fen, q = self.fen_after(q)
            return num.value * _TENTH + fen, q
        if c == "分" and self.char(q + 1) != "钟":
            q += 1
            if self.char(q) == "钱":
                q += 1
            return num.value * _HUNDREDTH, q
        if self._ends_bare_digit(q):
            return num.value * _TENTH, q
        return Decimal(0), p

    def fen_after(self, p: int) -> Tuple[Decimal, int]:
        """分 after 毛 / 角: 5毛2分, 五毛五."""
        num = self._single_digit(p)
        if num is None:
            return Decimal(0), p
        q = num.end
        if self.char(q) == "分" and self.char(q + 1) != "钟":
            q += 1
            if self.char(q) == "钱":
                q += 1
            return num.value * _HUNDREDTH, q
        if self._ends_bare_digit(q):
            return num.value * _HUNDREDTH, q
        return Decimal(0), p

    def _single_digit(self, p: int) -> Optional[Numeral]:
        num = scan_numeral(self.s, p)
        if num is None or num.has_magnitude or num.digit_string or num.has_decimal or num.is_range:
            return None
        if num.end - num.start != 1:
            return None
        return num

    def _ends_bare_digit(self, q: int) -> bool:
        c = self.char(q)
        if not c:
            return True
        if c in _BARE_BLOCKERS or c in NUMERAL_START or c in "毛角元块钱万千百.," or _is_ascii_letter(c):
            return False
        return True

    def bare(self, i: int, num: Numeral, u: int, unit_free: bool = False) -> int:
        """A number with no unit: money if written in digits or with 百/千/万/亿.

        ``unit_free``: what follows is known not to be the number's unit (a rate cue).
        """
        if u > num.end and self.char(u - 1) == " ":
            u = num.end  # a space after the number is not part of it
        c = "" if unit_free else self.char(u)
        consumed = u if u > num.end else num.end
        if num.arabic and self.s[num.start:num.end] in _SLANG_NUMBERS and self._slang_position(num):
            return consumed  # "我要下了，88": bye-bye
        split = _BUDGET_SPLIT_RE.fullmatch(self.s, num.start, num.end) if num.arabic else None
        if split and sum(int(share) for share in split.groups()) == 100:
            return consumed  # "503020是什么意思": the 50/30/20 budget rule, not 503,020 yuan
        if c == "分" and not self._installment_after(u):
            return consumed  # 650分: a score; 十分: "very"
        if c and c != "分" and (c in _BARE_BLOCKERS or _is_ascii_letter(c)):
            return consumed
        if num.arabic:
            if self.s[num.start:num.end] in _HOTLINES and not self._alone(num.start, num.end):
                return consumed  # 打95188没人接
            if num.leading_zero or num.value == 0:
                return consumed  # 007, 额度为0
            if num.value < 10 and not num.has_decimal and not self._alone(num.start, num.end):
                return consumed  # a lone small digit in a sentence is a label, not money
        elif not num.large_magnitude:
            return consumed  # 十五, 一, 两: not money without a unit
        return self.emit(AMOUNT, i, u, format_decimal(num.value))

    def _slang_position(self, num: Numeral) -> bool:
        """Slang numbers stand at the start, after punctuation or after a thanks / goodbye word
        ("好的88"), and end the message."""
        before = self.char(num.start - 1)
        if before and not _STRIP_RE.fullmatch(before) and not _SLANG_BEFORE_RE.search(
                self.s, max(0, num.start - 6), num.start):
            return False
        return self.n - num.end <= 12 and _SLANG_TAIL_RE.fullmatch(self.s, num.end) is not None

    def _installment_after(self, u: int) -> bool:
        m = _FEN_RE.match(self.s, u)
        return bool(m) and self.char(m.end()) in NUMERAL_START

    def _alone(self, start: int, end: int) -> bool:
        """``s[start:end]`` is all the message holds, apart from spaces, punctuation and emoji."""
        if self._word_chars is None:  # prefix counts of letters / digits / CJK, computed once
            counts = [0]
            for ch in self.s:
                counts.append(counts[-1] + (0 if _STRIP_RE.fullmatch(ch) else 1))
            self._word_chars = counts
        counts = self._word_chars
        return counts[start] == 0 and counts[self.n] == counts[end]


_RANGE_ENTITIES = frozenset({AMOUNT, DURATION, INSTALLMENTS})


def _range_key(quantity: Quantity):
    """What orders two quantities of one kind: yuan, days (months of 30), or a count."""
    if quantity.entity == DURATION:
        p = parse_iso_parts(quantity.value)
        if p is None:
            return Decimal(0)
        days = p["y"] * DAYS_PER_YEAR + p["mo"] * DAYS_PER_MONTH + p["w"] * 7 + p["d"]
        return days * 86400 + p["h"] * 3600 + p["mi"] * 60 + p["s"]
    return Decimal(quantity.value)


class _DurationParts:
    """Years / months / days / hours / minutes of a duration being read."""

    def __init__(self) -> None:
        self.years = Decimal(0)
        self.months = Decimal(0)
        self.days = Decimal(0)
        self.hours = Decimal(0)
        self.minutes = Decimal(0)

    def add(self, unit: str, value: Decimal) -> None:
        if unit == "年":
            self.years += value
        elif unit == "月":
            self.months += value
        elif unit == "季度":
            self.months += value * 3
        elif unit in ("星期", "礼拜", "周"):
            self.days += value * 7
        elif unit in ("天", "自然日"):
            self.days += value
        elif unit in ("小时", "钟头"):
            self.hours += value
        elif unit == "分钟":
            self.minutes += value

    def iso(self) -> str:
        return iso_duration(self.years, self.months, self.days, self.hours, self.minutes)


# --------------------------------------------------------------------------- public entry point


@dataclass(frozen=True)
class Reading:
    """Everything the scanner read in a message.

    ``quantities`` is what :func:`find_quantities` returns.  ``withheld`` holds values that were
    read but are deliberately not reported as entities, for the form parsers: signed amounts
    (entity ``amount``, span with the sign, value "-500"), monthly interest rates
    (:data:`MONTHLY_RATE`: 月息2分 → "0.02") and other percentages per month
    (:data:`MONTHLY_CHARGE`: 月费率0.6% → "0.006"), values per month.
    """

    quantities: List[Quantity]
    withheld: List[Quantity]


def read_quantities(text: str) -> Reading:
    """The quantities of ``text`` and the values withheld from them; never raises."""
    try:
        if not isinstance(text, str) or not text:
            return Reading([], [])
        scanner = _Scanner(text)
        return Reading(scanner.run(), scanner.withheld)
    except Exception:  # noqa: BLE001 - a bug here must not cost the user their message
        logger.exception("quantity extraction failed; returning no entities")
        return Reading([], [])


def scan(text: str) -> List[Quantity]:
    """:func:`find_quantities` without its safety net (for tests that must see errors)."""
    if not isinstance(text, str) or not text:
        return []
    return _Scanner(text).run()


def find_quantities(text: str) -> List[Quantity]:
    """Amounts, durations, rates, installment counts and days of the month in ``text``.

    Non-overlapping, sorted by ``start``; offsets index ``text`` itself.  Returns
    ``[]`` for anything that is not a non-empty string, and never raises.
    """
    try:
        return scan(text)
    except Exception:  # noqa: BLE001 - a bug here must not cost the user their message
        logger.exception("quantity extraction failed; returning no entities")
        return []
