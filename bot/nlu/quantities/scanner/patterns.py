"""Patterns and constants the scanner's readers share (units of time, punctuation, ranges)."""

from __future__ import annotations

import re
from decimal import Decimal

_DURATION_UNIT_RE = re.compile(
    r"(?P<ge>个)?(?P<more>多(?!少))?(?P<half>半)?"
    r"(?P<unit>星期|礼拜|小时|钟头|分钟|工作日|自然日|季度|月|周(?!末)|天|年(?![级代纪底初]))(?P<post>多(?![少久长么出])|半)?"
)
_RANGE_SEP_RE = re.compile(r"[ ]?(?:到|至|-|~|—|–)[ ]?")
_STRIP_RE = re.compile(r"[\W_]+")
#: 多 followed by these is a question word (多少, 多久 …), not "more than"
_NOT_APPROX_AFTER_DUO = frozenset("少久长大么高远")
_HALF = Decimal("0.5")
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
