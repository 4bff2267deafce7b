"""The verified identity a channel stamps on each user message, and how actions check it.

Who is talking is decided on the server, never by the client:

* the widget channel takes the subject of a JWT it verified when the socket connected;
* the WeChat channel takes the OpenID of a webhook whose signature it verified;
* the debug shell channel takes ``/as`` — only in development mode (:func:`dev_mode`);
* the REST channel never carries an identity.

The channel removes whatever identity-like fields the client put into the message metadata
(:data:`CLIENT_FIELDS`) and adds :data:`IDENTITY_KEY`: the claims (``channel``, ``subject``,
``sender`` = the conversation id, ``as_of`` in development mode only) and an HMAC-SHA256 over
them with ``IDENTITY_SECRET``, a secret shared by the Rasa server and the action server only.
The actions (:mod:`actions.identity`) accept an identity only with a valid signature *for the
conversation it is read in*, so neither a client, nor an event written through the HTTP API,
nor a tracker sent straight to the action server, nor an identity copied from another
conversation can name a borrower.

Development mode (``BOT_DEV_MODE=1``) lets the debug shell choose the borrower and the date. It
is set only by ``make run`` / ``make test``; ``BOT_ENV=production`` refuses it, so the production
configuration cannot turn it on by accident.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, Mapping, Optional

logger = logging.getLogger(__name__)

IDENTITY_KEY = "verified_identity"
#: metadata fields a client must never be able to set
CLIENT_FIELDS = ("channel", "external_id", "as_of", IDENTITY_KEY)
SECRET_VARIABLE = "IDENTITY_SECRET"
MIN_SECRET_LENGTH = 16


class ConfigurationError(RuntimeError):
    """A setting that makes the identity unsafe (the message says which and why)."""


def dev_mode(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the debug shell may choose the borrower and the date.

    ``BOT_DEV_MODE=1`` turns it on; with ``BOT_ENV=production`` that is a configuration error.
    """
    wanted = env.get("BOT_DEV_MODE", "").strip().lower() in ("1", "true", "yes")
    if wanted and env.get("BOT_ENV", "").strip().lower() == "production":
        raise ConfigurationError("BOT_DEV_MODE cannot be on with BOT_ENV=production")
    return wanted


def identity_secret(env: Mapping[str, str] = os.environ) -> Optional[bytes]:
    """The shared signing secret, or None when it is not set (then nobody is ever linked)."""
    secret = env.get(SECRET_VARIABLE, "")
    if not secret:
        return None
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"{SECRET_VARIABLE} must be at least {MIN_SECRET_LENGTH} characters"
        )
    return secret.encode("utf-8")


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a channel verified about the user behind one conversation."""

    channel: str
    subject: Optional[str]
    sender: str
    as_of: Optional[str] = None

    def claims(self) -> Dict[str, Any]:
        return {
            "channel": self.channel,
            "subject": self.subject,
            "sender": self.sender,
            "as_of": self.as_of,
        }

    @property
    def day(self) -> Optional[date]:
        try:
            return date.fromisoformat(self.as_of) if self.as_of else None
        except ValueError:
            return None


def _signature(claims: Mapping[str, Any], secret: bytes) -> str:
    canonical = json.dumps(dict(claims), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def client_metadata(raw: Any) -> Dict[str, Any]:
    """What a client sent as metadata, minus every field only the server may set."""
    if not isinstance(raw, dict):
        return {}
    return {key: value for key, value in raw.items() if key not in CLIENT_FIELDS}


def stamp(
    raw_metadata: Any, identity: VerifiedIdentity, secret: Optional[bytes] = None
) -> Dict[str, Any]:
    """The message metadata to hand to Rasa: the client's fields, cleaned, plus the signed identity.

    ``channel`` is kept as a plain field too (the widget and shell use it to render); without a
    secret the identity is not signed and the actions treat the user as unlinked.
    """
    if secret is None:
        secret = identity_secret()
    metadata = client_metadata(raw_metadata)
    metadata["channel"] = identity.channel
    if secret is None:
        logger.warning(
            "%s is not set: no conversation can be linked to a borrower", SECRET_VARIABLE
        )
        return metadata
    claims = identity.claims()
    metadata[IDENTITY_KEY] = {**claims, "sig": _signature(claims, secret)}
    return metadata


def verify(
    metadata: Any, sender: str, secret: Optional[bytes] = None
) -> Optional[VerifiedIdentity]:
    """The identity in ``metadata`` if its signature is valid for conversation ``sender``; else
    None."""
    if not isinstance(metadata, dict):
        return None
    stamped = metadata.get(IDENTITY_KEY)
    if not isinstance(stamped, dict):
        return None
    if secret is None:
        secret = identity_secret()
    if secret is None:
        return None
    claims = {key: stamped.get(key) for key in ("channel", "subject", "sender", "as_of")}
    signature = stamped.get("sig")
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature, _signature(claims, secret)
    ):
        return None
    if claims["sender"] != sender or not isinstance(claims["channel"], str):
        return None
    subject = (
        claims["subject"] if isinstance(claims["subject"], str) and claims["subject"] else None
    )
    as_of = claims["as_of"] if isinstance(claims["as_of"], str) else None
    return VerifiedIdentity(claims["channel"], subject, sender, as_of)
