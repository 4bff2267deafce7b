"""The text a user sent, as every input channel hands it to the bot.

* :data:`MAX_MESSAGE_CHARS`: a longer message is not read. The chat widget and WeChat answer
  :data:`TOO_LONG_ZH` (a borrower who pasted too much is told so, politely); the REST channel and
  Rasa's HTTP API, which programs call, answer 413 with the same limit.
* :func:`readable`: a JSON string may hold a lone surrogate (``"\\ud800"``), which has no UTF-8
  form: spaCy, jieba and the tracker store all fail on it, and the user would be told the system
  has a problem. It becomes U+FFFD (the replacement character), so the rest of the message is
  read as usual. (A valid surrogate pair never reaches here: JSON decoding joins it.)
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 10_000
TOO_LONG_ZH = f"消息太长了，请控制在{MAX_MESSAGE_CHARS}字以内，分几次发给我也可以。"

_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS
