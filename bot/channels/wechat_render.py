"""Turn Rasa bot responses into what a WeChat Official Account can show: plain text.

A 公众号 has no buttons, quick replies or cards in its chat.  Buttons become numbered lines
("回复 1：…") and the numbers are remembered (:class:`ReplyOption`), so that the user's next
message "1" can be mapped back to the button's payload by :func:`choose_option`.  Images and
attachments become a labelled link; custom payloads contribute their text fields, if any.

Long replies are split into parts of at most :data:`MAX_TEXT_BYTES` UTF-8 bytes, the size a
WeChat text message can carry.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

logger = logging.getLogger(__name__)

#: Size limit of one WeChat text message (passive reply or customer-service message), in
#: UTF-8 bytes.  About 680 Chinese characters.
MAX_TEXT_BYTES = 2048

#: Custom-payload keys whose string value is shown to WeChat users, first match wins.
CUSTOM_TEXT_KEYS = ("wechat_text", "fallback_text", "text")

_XML_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OPTION_CHOICE = re.compile(r"^(?:回复|选|选择|第)?\s*(\d{1,2})\s*(?:项|个)?\s*[。.!！]?$")


@dataclass(frozen=True)
class ReplyOption:
    """One numbered choice shown to the user in place of a button."""

    number: int
    title: str
    payload: str


@dataclass(frozen=True)
class BotTurn:
    """Everything the bot said in answer to one user message, rendered as text."""

    texts: Tuple[str, ...] = ()
    options: Tuple[ReplyOption, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.texts if t)

    def parts(self, max_bytes: int = MAX_TEXT_BYTES) -> List[str]:
        """The text cut into WeChat-sized messages (empty list when the bot said nothing)."""
        return split_text(self.text, max_bytes)


class TextRenderer:
    """Renders Rasa response dicts to text, numbering buttons across one turn."""

    def __init__(self) -> None:
        self.texts: List[str] = []
        self.options: List[ReplyOption] = []

    def text(self, text: Optional[str]) -> List[str]:
        return self._add(clean_text(text))

    def text_with_buttons(
        self, text: Optional[str], buttons: Iterable[Dict[str, Any]]
    ) -> List[str]:
        lines = [clean_text(text)] if clean_text(text) else []
        for button in buttons or ():
            if not isinstance(button, dict):
                continue
            title = clean_text(str(button.get("title") or "")).strip()
            url = button.get("url")
            if url:
                lines.append(f"{title or '链接'}：{clean_text(str(url))}")
                continue
            payload = str(button.get("payload") or title).strip()
            if not (title or payload):
                continue
            number = len(self.options) + 1
            self.options.append(ReplyOption(number, title or payload, payload))
            lines.append(f"回复 {number}：{title or payload}")
        return self._add("\n".join(lines))

    def image(self, url: Optional[str]) -> List[str]:
        return self._add(f"图片：{clean_text(str(url))}" if url else "")

    def attachment(self, attachment: Any) -> List[str]:
        if isinstance(attachment, dict):
            payload = attachment.get("payload")
            url = attachment.get("url") or (
                payload.get("src") if isinstance(payload, dict) else None
            )
            attachment = url or attachment.get("title")
        return self._add(f"附件：{clean_text(str(attachment))}" if attachment else "")

    def custom(self, payload: Any) -> List[str]:
        if isinstance(payload, dict):
            for key in CUSTOM_TEXT_KEYS:
                value = payload.get(key)
                if isinstance(value, str) and value.strip():
                    return self._add(clean_text(value))
        logger.info(
            "wechat: a custom payload without a text fallback (keys %s) is not shown on WeChat",
            ", ".join(CUSTOM_TEXT_KEYS),
        )
        return []

    def turn(self) -> BotTurn:
        return BotTurn(tuple(self.texts), tuple(self.options))

    def _add(self, text: str) -> List[str]:
        text = text.strip()
        if not text:
            return []
        self.texts.append(text)
        return [text]


def clean_text(text: Optional[str]) -> str:
    """``text`` without characters that XML 1.0 cannot carry."""
    if not text:
        return ""
    return _XML_INVALID_CHARS.sub("", str(text))


def split_text(text: str, max_bytes: int = MAX_TEXT_BYTES) -> List[str]:
    """Cut ``text`` into parts of at most ``max_bytes`` UTF-8 bytes, at line breaks where
    possible, without losing or reordering any content."""
    text = text.strip()
    if not text:
        return []
    if len(text.encode("utf-8")) <= max_bytes:
        return [text]
    parts: List[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _hard_split(line, max_bytes):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate.encode("utf-8")) <= max_bytes:
                current = candidate
            else:
                if current.strip():
                    parts.append(current.strip())
                current = piece
    if current.strip():
        parts.append(current.strip())
    return parts


def _hard_split(line: str, max_bytes: int) -> List[str]:
    if len(line.encode("utf-8")) <= max_bytes:
        return [line]
    pieces: List[str] = []
    current = ""
    size = 0
    for char in line:
        char_size = len(char.encode("utf-8"))
        if size + char_size > max_bytes:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += char_size
    if current:
        pieces.append(current)
    return pieces


def choose_option(text: str, options: Sequence[ReplyOption]) -> Optional[ReplyOption]:
    """The option the user picked by answering with its number ("1", "１", "回复2"), if any."""
    if not options or not text:
        return None
    match = _OPTION_CHOICE.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    number = int(match.group(1))
    for option in options:
        if option.number == number:
            return option
    return None
