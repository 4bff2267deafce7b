"""The WeChat channel's configuration: its limits, and its settings from credentials.yml or the
environment (:class:`WeChatSettings`; the variables are :data:`ENV_VARS`, listed in
docs/wechat.md).  :mod:`bot.channels.wechat` re-exports all of it.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Text

from rasa.shared.exceptions import RasaException
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat_cs_api import DEFAULT_API_BASE_URL

#: the channel's own logger: its configuration warnings read as the channel's
logger = logging.getLogger("bot.channels.wechat")

#: seconds a webhook's timestamp may differ from the server clock
MAX_TIMESTAMP_SKEW = 300
DEFAULT_REPLY_TIMEOUT = 4.5
#: WeChat drops the connection after 5 s; the passive window must end before that.
MAX_REPLY_TIMEOUT = 5.0
#: WeChat's retries come within ~15 s; keep processed messages much longer than that.
DEDUPE_TTL = 300.0
DEDUPE_MAX_ENTRIES = 10_000
#: How long a numbered option ("回复 1：…") stays answerable by its number.
OPTION_TTL = 3600.0
OPTION_MAX_USERS = 50_000
#: WeChat message XML is a few hundred bytes; refuse anything absurd before parsing it. A text
#: over the channels' limit (bot.channels.user_text, 10,000 characters: up to 40 KB of UTF-8,
#: more in safe mode's base64) still fits, so its sender is told it is too long.
MAX_BODY_BYTES = 256 * 1024
#: Customer-service quota: at most 5 messages per user message (WeChat rule since 2023-06).
MAX_API_MESSAGES = 5

ENV_VARS = {
    "token": "WECHAT_TOKEN",
    "app_id": "WECHAT_APP_ID",
    "app_secret": "WECHAT_APP_SECRET",
    "encoding_aes_key": "WECHAT_ENCODING_AES_KEY",
    "api_base_url": "WECHAT_API_BASE_URL",
    "reply_timeout": "WECHAT_REPLY_TIMEOUT",
}
#: The settings that identify a 公众号; with none of them given the channel stays switched off.
SECRET_KEYS = ("token", "app_id", "app_secret", "encoding_aes_key")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class WeChatConfigError(RasaException):
    """The WeChat channel's settings are missing or malformed; the message says which."""


@dataclass(frozen=True)
class WeChatSettings:
    """Validated settings of the channel (see :meth:`from_credentials` for their sources)."""

    token: str = field(repr=False)
    app_id: str
    app_secret: str = field(repr=False)
    encoding_aes_key: Optional[str] = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT

    def __post_init__(self) -> None:
        for key in ("token", "app_id", "app_secret"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise WeChatConfigError(
                    f"WeChat channel: '{key}' is missing; set it in credentials.yml under "
                    "bot.channels.wechat.WeChatInput or in the environment variable "
                    f"{ENV_VARS[key]}."
                )
        if self.encoding_aes_key is not None:
            try:
                WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)
            except Exception:
                raise WeChatConfigError(
                    "WeChat channel: 'encoding_aes_key' must be the 43-character EncodingAESKey "
                    "shown in the 公众号 admin (开发 › 基本配置); leave it out for plaintext mode."
                ) from None
        if not re.match(r"^https?://[^/\s]+", self.api_base_url or ""):
            raise WeChatConfigError(
                f"WeChat channel: 'api_base_url' must be an http(s) URL, got {self.api_base_url!r}."
            )
        timeout = self.reply_timeout
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not (0 < timeout < MAX_REPLY_TIMEOUT)
        ):
            raise WeChatConfigError(
                "WeChat channel: 'reply_timeout' must be a number of seconds above 0 and below "
                f"{MAX_REPLY_TIMEOUT:g} (WeChat waits 5 s), got {timeout!r}."
            )

    @classmethod
    def from_credentials(
        cls,
        credentials: Optional[Mapping[Text, Any]],
        environ: Optional[Mapping[str, str]] = None,
    ) -> "WeChatSettings":
        """Settings from the channel's ``credentials.yml`` section, each key falling back to
        its environment variable (:data:`ENV_VARS`) when absent, empty, or a ``${VAR}``
        reference to an unset variable."""
        values = resolve_credentials(credentials, environ)
        for key in ("token", "app_id", "app_secret"):
            values.setdefault(key, "")
        return cls(**values)


def resolve_credentials(
    credentials: Optional[Mapping[Text, Any]],
    environ: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """The settings given in ``credentials`` or the environment, unvalidated; keys that are
    given nowhere are left out."""
    env = os.environ if environ is None else environ
    if credentials is None:
        credentials = {}
    if not isinstance(credentials, Mapping):
        raise WeChatConfigError(
            "WeChat channel: the credentials.yml section must be a mapping of settings, "
            f"got {type(credentials).__name__}."
        )
    unknown = sorted(set(credentials) - set(ENV_VARS))
    if unknown:
        logger.warning("WeChat channel: ignoring unknown credentials keys %s", unknown)

    values: Dict[str, Any] = {}
    for key, env_name in ENV_VARS.items():
        value = _expand_env(credentials.get(key), env)
        if _blank(value):
            value = env.get(env_name)
        if isinstance(value, str):
            value = value.strip()
        if not _blank(value):
            values[key] = value
    if "api_base_url" in values:
        values["api_base_url"] = str(values["api_base_url"]).rstrip("/")
    if "reply_timeout" in values:
        values["reply_timeout"] = _seconds(values["reply_timeout"])
    for key in SECRET_KEYS:
        if key in values:
            values[key] = str(values[key])
    return values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _expand_env(value: Any, env: Mapping[str, str]) -> Any:
    """``${VAR}`` references replaced from ``env``; ``None`` if one of them is unset."""
    if not isinstance(value, str) or "${" not in value:
        return value
    missing = [name for name in _ENV_REFERENCE.findall(value) if not env.get(name)]
    if missing:
        return None
    return _ENV_REFERENCE.sub(lambda m: env[m.group(1)], value)


def _seconds(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # rejected with a clear message by WeChatSettings
    return value
