"""The Rasa server's tracker store (docs/speed.md): :class:`WindowedSQLTrackerStore`."""

from bot.stores.sql import WindowedSQLTrackerStore

__all__ = ["WindowedSQLTrackerStore"]
