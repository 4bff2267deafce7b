"""What the actions would see of a message's identity (bot.channels.identity)."""

from __future__ import annotations

from conftest import IDENTITY_SECRET

from bot.channels.identity import verify


def identity_of(message):
    """(channel, subject) of the message's signed identity for its conversation, or None."""
    found = verify(message.metadata, message.sender_id, IDENTITY_SECRET.encode())
    return (found.channel, found.subject) if found else None
