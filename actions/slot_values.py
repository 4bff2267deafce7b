"""Reading form answers: entity values from the NLU, or the user's own words as a fallback.

Values are normalised by the NLU (amount "5000", duration "P2M", daily_rate "0.0005"); when a
user answers a form question in words the extractor did not catch, the validators parse the text
again with the same rules (:mod:`bot.nlu.quantities`), so a value is never lost and a rejection
can say exactly why.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.nlu import quantities

#: intents whose text may be taken as the answer to the question a form just asked, besides the
#: form's own request intent ("每月能还两千" may be classified as request_payoff_plan). Anything
#: else (an FAQ, the user's own loans, another flow, stop, distress, hand-off, out of scope) is
#: not an answer: the form rejects it and the rules handle it before returning to the form.
ANSWER_INTENTS = {"inform", "nlu_fallback"}

#: a minus sign or 负 right before a number: "-5000", "负五千", "－3000"
#: (not after a digit, a Latin letter or a dot: "3-5天" is a range, "T-1" a name)
_NEGATIVE_RE = re.compile(
    r"(?<![0-9A-Za-z.０-９])(?:[-−－﹣]|负)\s*[0-9０-９零〇一二两三四五六七八九十百千万亿.]"
)

#: a bare rate at or above this is read as an annual rate, below it as a daily rate
#: ("18%" → 18 %/year, "0.05%" → 0.05 %/day)
BARE_RATE_ANNUAL_FROM = Decimal("0.002")


def latest_text(tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _latest_items(tracker, entity: str) -> List[Dict[str, Any]]:
    found = [
        item
        for item in (tracker.latest_message or {}).get("entities", []) or []
        if item.get("entity") == entity and item.get("value") is not None
    ]
    found.sort(key=lambda item: item.get("start") if isinstance(item.get("start"), int) else 0)
    return found


def slot_before_message(tracker, slot: str) -> Any:
    """``slot``'s value before the latest user message: Rasa's slot mappings run on every
    message, so a slot filled from an entity ("再拖一个月" → overdue_duration P1M) no longer holds
    the previous answer's value when an action reads it."""
    value = before = None
    seen_after = False  # the slot was set after the latest user message
    for event in tracker.events or []:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == slot:
            value, seen_after = event.get("value"), True
        elif kind == "user":
            before, seen_after = value, False
        elif kind in ("restart", "session_started"):
            value = None
    return before if seen_after or before is not None else tracker.get_slot(slot)


def latest_entities(tracker, entity: str) -> List[str]:
    """Values of ``entity`` in the latest user message, in message order."""
    return [str(item["value"]) for item in _latest_items(tracker, entity)]


def latest_entity(tracker, entity: str) -> Optional[str]:
    """The value of ``entity`` in the latest message: the first one, except in a correction
    that names the wrong value first ("不是一万 是五千", "不是两个月 是20天"): the last one."""
    found = _latest_items(tracker, entity)
    if not found:
        return None
    start = found[0].get("start")
    if len(found) > 1 and isinstance(start, int) and latest_text(tracker)[:start].endswith("不是"):
        return str(found[-1]["value"])
    return str(found[0]["value"])


#: before an amount: it is paid each month ("每月能还3000", "一个月最多拿出2000")
MONTHLY_BEFORE = re.compile(
    r"(?:每个?月|一个月|月|每期)(?:能|可以|只能|最多|大概|就|才)?(?:还|拿出|拿|出|存)?\s*$"
)


def amounts_in_message(tracker) -> List[Tuple[Decimal, str]]:
    """``(amount, words before it)`` for each amount entity of the latest message."""
    text = latest_text(tracker)
    found = []
    for item in (tracker.latest_message or {}).get("entities", []) or []:
        if item.get("entity") != "amount":
            continue
        amount = as_amount(item.get("value"))
        if amount is None:
            continue
        start = item.get("start") if isinstance(item.get("start"), int) else 0
        found.append((start, amount, text[max(0, start - 8) : start]))
    found.sort(key=lambda row: row[0])
    return [(amount, before) for _start, amount, before in found]


def answered_in_words(tracker, slot: str, also: Iterable[str] = ()) -> Optional[str]:
    """The latest text, if it answers the form's question for ``slot``: the form asked for
    ``slot`` and the intent is an answer (:data:`ANSWER_INTENTS` or one of ``also``)."""
    intent = latest_intent(tracker)
    if tracker.get_slot("requested_slot") != slot or (
        intent not in ANSWER_INTENTS and intent not in also
    ):
        return None
    text = latest_text(tracker).strip()
    return text or None


def extracted_words(tracker, slot: str, also: Iterable[str] = ()) -> Dict[str, str]:
    """What an ``extract_<slot>`` method returns for an answer in words: ``{slot: text}`` when
    the latest text answers the question for ``slot`` (:func:`answered_in_words`), else ``{}``."""
    text = answered_in_words(tracker, slot, also)
    return {slot: text} if text else {}


def looks_negative(text: Any) -> bool:
    """True when the text writes a number with a minus sign or 负 ("-5000", "负五千")."""
    return isinstance(text, str) and bool(_NEGATIVE_RE.search(text))


def negative_answer(tracker, slot: str, value: Any) -> bool:
    """True when the value, or the answer to the form's question for ``slot``, is written as a
    negative number (the NLU reads "-5000" as 5000, so the text is checked too)."""
    if looks_negative(value if isinstance(value, str) else None):
        return True
    return tracker.get_slot("requested_slot") == slot and looks_negative(latest_text(tracker))


def as_amount(value: Any) -> Optional[Decimal]:
    """Yuan from a slot value: a normalised number string, else the words parsed again."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    text = str(value).strip()
    try:
        number = Decimal(text)
        return number if number.is_finite() else None
    except (InvalidOperation, ValueError):
        return quantities.parse_amount(text)


def as_days(value: Any) -> Optional[int]:
    """Whole days from an ISO duration ("P2M" → 60) or from words ("两个月")."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    iso = (
        text if re.fullmatch(r"P[0-9YMWDTHS.,]+", text.upper()) else quantities.parse_duration(text)
    )
    if not iso:
        return None
    try:
        return quantities.duration_days(iso)
    except ValueError:
        return None


def as_rate(value: Any) -> Optional[Tuple[Decimal, str]]:
    """``(rate, "daily" | "annual")`` from an entity value or from words.

    A plain fraction string is what the NLU and the form store ("0.0005"); it is read as a daily
    rate below :data:`BARE_RATE_ANNUAL_FROM` and as an annual rate from it on, which is also how
    a bare "18%" or "0.05%" is read.
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        number = None
    if number is not None and number.is_finite():
        return number, ("daily" if number < BARE_RATE_ANNUAL_FROM else "annual")
    quantities_found = {q.entity: q.value for q in reversed(quantities.find_quantities(text))}
    if quantities.DAILY_RATE in quantities_found:
        return Decimal(quantities_found[quantities.DAILY_RATE]), "daily"
    if quantities.ANNUAL_RATE in quantities_found:
        return Decimal(quantities_found[quantities.ANNUAL_RATE]), "annual"
    if "万" in text and quantities.parse_amount(text) is None:
        # "万四" alone, the answer to "利率是多少": 0.04 %/day (万 with a number is yuan)
        short = quantities.parse_daily_rate(text)
        if short is not None:
            return short, "daily"
    bare = quantities.parse_annual_rate(text)
    if bare is None:
        return None
    return bare, ("daily" if bare < BARE_RATE_ANNUAL_FROM else "annual")


def slots_set_this_turn(tracker) -> Dict[str, Any]:
    """Slots set after the latest user message (by its entities, before any action ran)."""
    values: Dict[str, Any] = {}
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "slot":
            values.setdefault(event.get("name"), event.get("value"))
    return values


def previous_bot_action(tracker) -> Optional[str]:
    """The last action before the latest user message, other than listening."""
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            seen_user = True
            continue
        if seen_user and kind == "action" and event.get("name") not in ("action_listen", None):
            return event.get("name")
    return None


def previous_bot_text(tracker) -> str:
    """What the bot said between the user's previous message and the latest one."""
    events = list(tracker.events or [])
    latest = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if latest is None:
        return ""
    texts: List[str] = []
    for event in reversed(events[:latest]):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            texts.append(str(event.get("text") or ""))
    return "\n".join(reversed(texts))


def topic_of(parse: Optional[Dict[str, Any]]) -> Optional[str]:
    """The FAQ topic the response selector picked for one parsed message
    (``overdue_consequences``), whatever the intent."""
    selector = (parse or {}).get("response_selector") or {}
    for key in ("faq", "default"):
        response = (selector.get(key) or {}).get("response") or {}
        full = response.get("intent_response_key") or ""
        if full.startswith("faq/"):
            return full.split("/", 1)[1]
    return None


def user_events(tracker) -> List[Dict[str, Any]]:
    """The user messages of the conversation, oldest first."""
    return [event for event in tracker.events or [] if event.get("event") == "user"]


def previous_user_event(tracker) -> Optional[Dict[str, Any]]:
    """The user's message before the latest one, or None."""
    users = user_events(tracker)
    return users[-2] if len(users) > 1 else None


def event_entities(event: Optional[Dict[str, Any]], entity: str) -> List[Any]:
    """The values of ``entity`` in a user event's parse data."""
    items = ((event or {}).get("parse_data") or {}).get("entities") or []
    return [item.get("value") for item in items if item.get("entity") == entity]


def latest_user_event(tracker) -> Optional[Dict[str, Any]]:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event
    return None


__all__ = [
    "event_entities",
    "previous_user_event",
    "user_events",
    "ANSWER_INTENTS",
    "amounts_in_message",
    "BARE_RATE_ANNUAL_FROM",
    "latest_text",
    "latest_intent",
    "topic_of",
    "latest_entities",
    "latest_entity",
    "answered_in_words",
    "extracted_words",
    "looks_negative",
    "negative_answer",
    "as_amount",
    "as_days",
    "as_rate",
    "slots_set_this_turn",
    "previous_bot_action",
    "latest_user_event",
]
