"""Parsing and checking of API input: JSON bodies, dates, amounts, idempotency keys.

Every problem raises :class:`bot.loans.errors.LedgerError` (HTTP 400) with a code and a
Chinese + English message; amounts go through :mod:`bot.finance.validate` and must be whole
fen (``"12.345"`` is refused, not rounded: a payment is never silently changed).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from bot.finance import validate as finance_validate
from bot.finance.errors import FinanceError
from bot.finance.money import money_str, to_decimal
from bot.loans.errors import LedgerError, invalid_field

MAX_BODY_BYTES = 16 * 1024
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # visible ASCII, like a UUID
ID_PATTERN = re.compile(r"^[\w.@:+-]{1,128}$")
CHANNEL_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
RELIEF_KINDS = ("extension", "restructuring", "installment", "other")
MAX_REASON_CHARS = 2000
MAX_DAYS_BEFORE = 31
MAX_CONVERSATION_ID_CHARS = 255  # Rasa's tracker stores keep sender ids up to 255 characters
REMINDER_STATUSES = ("active", "scheduled", "firing", "sent", "cancelled", "failed")


def parse_json_body(raw: bytes) -> dict:
    if len(raw) > MAX_BODY_BYTES:
        raise LedgerError(
            "body_too_large", "请求内容太长了。", f"Request body over {MAX_BODY_BYTES} bytes."
        )
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise LedgerError(
            "malformed_json", "请求格式不正确（不是有效的JSON）。", "The body is not valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise LedgerError(
            "malformed_json", "请求内容需要是一个JSON对象。", "The body must be a JSON object."
        )
    return body


def request_hash(body: dict) -> str:
    """Fingerprint of a request body, to refuse one Idempotency-Key reused for another body."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def idempotency_key(value: Optional[str]) -> str:
    if not value:
        raise LedgerError(
            "missing_idempotency_key",
            "请求缺少 Idempotency-Key，无法保证不重复入账。",
            "The Idempotency-Key header is required.",
        )
    if not IDEMPOTENCY_KEY.match(value):
        raise LedgerError(
            "invalid_idempotency_key",
            "Idempotency-Key 格式不正确（1到128个可见ASCII字符）。",
            "Idempotency-Key must be 1-128 visible ASCII characters.",
        )
    return value


def identifier(value: Any, field: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise invalid_field(field, f"{field} 格式不正确。", f"{field} is not a valid id.")
    return value


def channel(value: Any, *, required: bool = False) -> Optional[str]:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not CHANNEL_PATTERN.match(value):
        raise invalid_field(
            "channel", "渠道名称格式不正确。", "channel must be a short lowercase name."
        )
    return value


def iso_date(value: Any, field: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_field(
            field,
            f"日期 {field} 格式不对，请用 2026-05-01 这样的格式。",
            f"{field} must be a date like 2026-05-01.",
        ) from None


def optional_date(value: Optional[str], field: str) -> Optional[date]:
    return None if value in (None, "") else iso_date(value, field)


def _money(value: Any, field: str, *, allow_zero: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise invalid_field(
            field,
            '金额需要是一个数字，例如 "899.75"。',
            f"{field} must be a number or a numeric string.",
        )
    try:
        exact = to_decimal(value, label="金额")
        if exact.as_tuple().exponent < -2:
            raise invalid_field(
                field, "金额最多精确到分（两位小数）。", f"{field} has more than two decimals."
            )
        if allow_zero:
            return finance_validate.non_negative_amount(exact)
        return finance_validate.positive_amount(exact)
    except FinanceError as exc:
        raise LedgerError(
            f"invalid_{field}",
            exc.message_zh,
            f"{field} must be a positive amount in yuan with at most two decimals.",
            details={"field": field, "reason": exc.code},
        ) from None


def positive_money(value: Any, field: str = "amount") -> Decimal:
    return _money(value, field, allow_zero=False)


def optional_money(value: Any, field: str) -> Optional[Decimal]:
    return None if value is None else _money(value, field, allow_zero=True)


def repayment_request(body: dict) -> dict:
    if "loan_id" not in body:
        raise invalid_field("loan_id", "请说明要还哪一笔借款（loan_id）。", "loan_id is required.")
    if "amount" not in body:
        raise invalid_field("amount", "请说明还款金额（amount）。", "amount is required.")
    return {
        "loan_id": identifier(body["loan_id"], "loan_id"),
        "amount": positive_money(body["amount"]),
        "channel": channel(body.get("channel")),
    }


def relief_request(body: dict) -> dict:
    kind = body.get("kind")
    if kind not in RELIEF_KINDS:
        raise invalid_field(
            "kind",
            "申请类型需要是 extension（延期）、restructuring（重组）、"
            "installment（分期）或 other。",
            f"kind must be one of {', '.join(RELIEF_KINDS)}.",
        )
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
        raise invalid_field(
            "reason",
            f"原因需要是文字，最多{MAX_REASON_CHARS}字。",
            f"reason must be text of at most {MAX_REASON_CHARS} characters.",
        )
    loan_id = body.get("loan_id")
    return {
        "kind": kind,
        "reason": reason.strip(),
        "affordable_monthly": optional_money(body.get("affordable_monthly"), "affordable_monthly"),
        "loan_id": None if loan_id is None else identifier(loan_id, "loan_id"),
        "channel": channel(body.get("channel")),
    }


def conversation_id(value: Any) -> str:
    """A Rasa conversation (sender) id: 1-255 characters, no control characters."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_CONVERSATION_ID_CHARS
        or any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value)
    ):
        raise invalid_field(
            "conversation_id",
            "会话编号（conversation_id）格式不正确。",
            f"conversation_id must be the Rasa sender id: 1-{MAX_CONVERSATION_ID_CHARS} "
            "characters, no control characters.",
        )
    return value


def aware_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date and time with its UTC offset (``2026-12-10T09:00:00+08:00``)."""
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError
        return instant
    except ValueError:
        raise invalid_field(
            field,
            f"时间 {field} 格式不对，请用 2026-12-10T09:00:00+08:00 这样带时区的格式。",
            f"{field} must be an ISO 8601 date and time with a UTC offset.",
        ) from None


def reminder_request(body: dict) -> dict:
    if "remind_on" not in body:
        raise invalid_field("remind_on", "请说明提醒日期（remind_on）。", "remind_on is required.")
    days_before = body.get("days_before", 0)
    if (
        isinstance(days_before, bool)
        or not isinstance(days_before, int)
        or not (0 <= days_before <= MAX_DAYS_BEFORE)
    ):
        raise invalid_field(
            "days_before",
            f"提前天数需要是0到{MAX_DAYS_BEFORE}之间的整数。",
            f"days_before must be an integer from 0 to {MAX_DAYS_BEFORE}.",
        )
    loan_id = body.get("loan_id")
    remind_at = body.get("remind_at")
    return {
        "remind_on": iso_date(body["remind_on"], "remind_on"),
        "days_before": days_before,
        "loan_id": None if loan_id is None else identifier(loan_id, "loan_id"),
        "channel": channel(body.get("channel"), required=True),
        "conversation_id": conversation_id(body.get("conversation_id")),
        "remind_at": None if remind_at is None else aware_instant(remind_at, "remind_at"),
    }


def reminder_status(value: Optional[str]) -> Optional[str]:
    if value in (None, ""):
        return None
    if value not in REMINDER_STATUSES:
        raise invalid_field(
            "status",
            "状态只能是 active、scheduled、firing、sent、cancelled 或 failed。",
            f"status must be one of {', '.join(REMINDER_STATUSES)}.",
        )
    return value


def canonical(request: dict) -> dict:
    """A parsed request in JSON-able canonical form (for the idempotency fingerprint)."""
    out = {}
    for key, value in request.items():
        if isinstance(value, Decimal):
            out[key] = money_str(value)
        elif isinstance(value, (date, datetime)):  # datetime: an aware instant, offset kept
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
