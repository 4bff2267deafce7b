"""The four demo borrowers: who they are and what each one shows (one list for the whole project).

The ledger seeds them (:mod:`bot.loans.demo`), the debug shell's ``/as`` and the chat page's
demo login offer them, the benchmarks and tests use them. Nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class DemoBorrower:
    id: str
    name: str
    situation: str


UP_TO_DATE = "demo-up-to-date"
TWO_MONTHS = "demo-two-months"
ONE_YUAN = "demo-one-yuan"
MULTI_DEBT = "demo-multi-debt"

DEMO: Tuple[DemoBorrower, ...] = (
    DemoBorrower(UP_TO_DATE, "张明", "按时还款"),
    DemoBorrower(TWO_MONTHS, "李强", "逾期两个月"),
    DemoBorrower(ONE_YUAN, "王芳", "少还了一元"),
    DemoBorrower(MULTI_DEBT, "陈静", "多笔欠款"),
)
DEMO_IDS: Tuple[str, ...] = tuple(b.id for b in DEMO)
DEMO_NAMES: Dict[str, str] = {b.id: b.name for b in DEMO}
