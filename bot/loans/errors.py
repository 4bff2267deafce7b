"""Errors of the loan ledger, each with a stable code and a Chinese + English message.

The service turns them into JSON error bodies with the matching HTTP status; the client
turns those back into typed exceptions for the actions.
"""

from __future__ import annotations

from typing import Any, Optional


class LedgerError(Exception):
    """Bad input or an impossible request (HTTP 400 unless a subclass says otherwise)."""

    status = 400

    def __init__(
        self, code: str, message_zh: str, message_en: str, *, details: Optional[dict] = None
    ):
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        body = {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class NotFoundError(LedgerError):
    status = 404


class ConflictError(LedgerError):
    status = 409


def borrower_not_found(borrower_id: str) -> NotFoundError:
    return NotFoundError(
        "borrower_not_found",
        "没有找到这个借款人的账户信息。",
        f"No borrower with id {borrower_id!r}.",
    )


def identity_not_found() -> NotFoundError:
    return NotFoundError(
        "identity_not_found",
        "这个账号还没有关联借款账户，请先在App里完成绑定。",
        "This channel identity is not linked to a borrower.",
    )


def unknown_loan(loan_id: str) -> LedgerError:
    # 400, not 404: the borrower exists, the request names a loan that is not theirs.
    return LedgerError(
        "unknown_loan",
        "没有找到这笔借款，请确认借款编号。",
        f"The borrower has no loan with id {loan_id!r}.",
    )


def reminder_not_found(reminder_id: str) -> NotFoundError:
    return NotFoundError(
        "reminder_not_found",
        "没有找到这条还款提醒。",
        f"The borrower has no reminder with id {reminder_id!r}.",
    )


def invalid_field(field: str, message_zh: str, message_en: str) -> LedgerError:
    return LedgerError(f"invalid_{field}", message_zh, message_en, details={"field": field})
