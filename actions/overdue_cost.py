"""What-if cost of being overdue: the form's validation and the answer with exact figures."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.slot_values import answered_in_words, as_amount
from bot.finance.errors import FinanceError
from bot.finance.money import fmt_money, percent_str, plain_str
from bot.finance.overdue import next_milestones, overdue_cost
from bot.finance.rates import annual_to_daily, daily_to_annual
from bot.nlu import quantities
from bot.policy import load_policy

MAX_AMOUNT = Decimal("1000000")
MAX_DAYS = 3650
STOP_HINT = "不想算了可以说“算了”。"

SLOTS = ["overdue_amount", "overdue_duration", "overdue_daily_rate"]


def _latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    for item in (tracker.latest_message or {}).get("entities", []) or []:
        if item.get("entity") == entity:
            return str(item.get("value"))
    return None


class ValidateOverdueCostForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_overdue_cost_form"

    # --- extraction of answers given in words ----------------------------------------------
    async def extract_overdue_amount(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = answered_in_words(tracker, "overdue_amount")
        return {"overdue_amount": text} if text and not _latest_entity(tracker, "amount") else {}

    async def extract_overdue_duration(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = answered_in_words(tracker, "overdue_duration")
        return {"overdue_duration": text} if text and not _latest_entity(tracker, "duration") else {}

    async def extract_overdue_daily_rate(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = answered_in_words(tracker, "overdue_daily_rate")
        has_entity = _latest_entity(tracker, "daily_rate") or _latest_entity(tracker, "annual_rate")
        return {"overdue_daily_rate": text} if text and not has_entity else {}

    # --- validation -----------------------------------------------------------------------
    def validate_overdue_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        amount = as_amount(value)
        if amount is None:
            dispatcher.utter_message(text=f"没认出金额。请直接告诉我逾期的本金，比如“5000”或“五千块”。{STOP_HINT}")
        elif amount <= 0:
            dispatcher.utter_message(text="金额需要大于0元，请再说一次逾期的本金是多少。")
        elif amount > MAX_AMOUNT:
            dispatcher.utter_message(
                text=f"{fmt_money(amount)}元超出了个人消费贷的范围（这里最多算100万元），请确认一下金额。")
        else:
            return {"overdue_amount": plain_str(amount)}
        return {"overdue_amount": None}

    def validate_overdue_duration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        iso = value if isinstance(value, str) and value.startswith("P") else quantities.parse_duration(str(value))
        days = quantities.duration_days(iso) if iso else None
        if days is None:
            dispatcher.utter_message(text=f"没认出时长。请说逾期多久，比如“10天”“两个月”“半年”。{STOP_HINT}")
        elif days <= 0:
            dispatcher.utter_message(text="逾期时长需要至少1天，请再说一次。")
        elif days > MAX_DAYS:
            dispatcher.utter_message(text="这里最多估算10年以内的逾期，请换一个时长。")
        else:
            return {"overdue_duration": iso}
        return {"overdue_duration": None}

    def validate_overdue_daily_rate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        policy = load_policy()
        annual_entity = _latest_entity(tracker, "annual_rate")
        daily: Optional[Decimal] = None
        try:
            if annual_entity is not None and str(value) == annual_entity:
                daily = annual_to_daily(Decimal(annual_entity), policy.day_count)
            elif isinstance(value, str) and _latest_entity(tracker, "daily_rate") == value:
                daily = Decimal(value)
            else:
                text = str(value)
                parsed_daily = quantities.parse_daily_rate(text)
                parsed_annual = quantities.parse_annual_rate(text)
                if parsed_daily is not None:
                    daily = Decimal(str(parsed_daily))
                elif parsed_annual is not None:
                    daily = annual_to_daily(Decimal(str(parsed_annual)), policy.day_count)
        except (ArithmeticError, ValueError, FinanceError):
            daily = None
        if daily is None:
            dispatcher.utter_message(
                text=f"没认出利率。可以说日利率（如“万分之五”“日息0.05%”）或年化利率（如“年化18%”）。{STOP_HINT}")
        elif daily <= 0:
            dispatcher.utter_message(text="利率需要大于0，请再说一次。")
        elif daily_to_annual(daily, policy.day_count) > 1:
            dispatcher.utter_message(text="这个利率折合年化超过了100%，不太可能是正规借款的利率，请核对一下。")
        else:
            return {"overdue_daily_rate": plain_str(daily)}
        return {"overdue_daily_rate": None}


def overdue_cost_message(amount: Decimal, days: int, daily_rate: Decimal) -> str:
    """The answer: penalty to the fen, credit-report status, and what comes next."""
    policy = load_policy()
    cost = overdue_cost(amount, daily_rate, days, grace_days=policy.grace_days,
                        multiplier=policy.penalty_multiplier)
    annual = daily_to_annual(daily_rate, policy.day_count)
    penalty_daily = daily_rate * policy.penalty_multiplier
    lines = [
        f"按你给的数字估算：本金{fmt_money(amount)}元，年化{percent_str(annual)}%"
        f"（日利率{percent_str(daily_rate, 3)}%），逾期{days}天。",
        f"· 罚息：约{fmt_money(cost.total_penalty)}元（罚息日利率{percent_str(penalty_daily, 3)}%，"
        f"为合同日利率的{plain_str(policy.penalty_multiplier)}倍；宽限期{policy.grace_days}天内不计，宽限期为示例配置）",
        f"· 连本带罚共约{fmt_money(cost.total_due)}元",
        f"· 征信：逾期{days}天，还款状态记为“{cost.report_status}”，贷款分类“{cost.classification}”",
    ]
    upcoming = next_milestones(days, policy)
    if upcoming:
        lines.append("接下来：" + "；".join(f"第{m.day}天{m.text_zh}" for m in upcoming))
    lines.append("以上是估算，具体以借款合同和App账单为准。越早还上，损失越小。")
    return "\n".join(lines)


class ActionCalculateOverdueCost(Action):
    def name(self) -> Text:
        return "action_calculate_overdue_cost"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        amount = as_amount(tracker.get_slot("overdue_amount"))
        iso = tracker.get_slot("overdue_duration")
        rate = tracker.get_slot("overdue_daily_rate")
        try:
            days = quantities.duration_days(iso) if iso else None
            if amount is None or days is None or rate is None:
                raise ValueError("missing form values")
            dispatcher.utter_message(text=overdue_cost_message(amount, days, Decimal(str(rate))))
        except FinanceError as error:
            dispatcher.utter_message(text=error.message_zh)
        except (ValueError, ArithmeticError):
            dispatcher.utter_message(text="抱歉，这次没能算出来。可以再说一次金额、逾期时长和利率吗？")
        return [SlotSet(slot, None) for slot in SLOTS]
