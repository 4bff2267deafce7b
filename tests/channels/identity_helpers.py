"""What the actions would see of a message's identity (bot.channels.identity)."""

from __future__ import annotations

from bot.channels.identity import verify

#: the signing secret of the channel tests (conftest.py puts it in the environment)
IDENTITY_SECRET = "wechat-tests-identity-secret-4a2c"


def identity_of(message):
    """(channel, subject) of the message's signed identity for its conversation, or None."""
    found = verify(message.metadata, message.sender_id, IDENTITY_SECRET.encode())
    return (found.channel, found.subject) if found else None
