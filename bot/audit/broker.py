"""Rasa's RabbitMQ event broker (``type: pika``), as the production endpoints use it.

``config/endpoints.production.yml`` names this class instead of ``pika`` for two changes to
Rasa 3.6's :class:`~rasa.core.brokers.pika.PikaEventBroker`, which is otherwise used as it is
(same settings, exchange, queues, persistent messages, publisher confirms, events kept in
memory while RabbitMQ is unreachable and published on reconnect):

* a failed publish is logged with the exception's class only: Rasa logs the event itself at
  ERROR, and an event holds the user's message;
* every message carries its event's audit key as ``message_id``
  (:func:`bot.audit.store.event_key`), so a consumer or an operator looking at the queue can
  tell a redelivery from a new event;
* an event published before the connection is up is kept instead of silently dropped.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

import aio_pika
from rasa.core.brokers.pika import PikaEventBroker
from rasa.shared.utils.io import DEFAULT_ENCODING

from bot.audit.store import event_key

logger = logging.getLogger(__name__)


class AuditPikaEventBroker(PikaEventBroker):
    """See the module docstring."""

    async def _publish(
        self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None
    ) -> None:
        if self._exchange is None:
            if self.should_keep_unpublished_messages:
                self._unpublished_events.append(event)
            return
        try:
            await self._exchange.publish(self._message(event, headers), "")
        except Exception as error:  # noqa: BLE001 - kept for the reconnect, as Rasa does
            kept = self.should_keep_unpublished_messages
            if kept:
                self._unpublished_events.append(event)
            logger.error(
                "event broker: publishing an event failed (%s); %s",
                type(error).__name__,
                (
                    f"kept in memory until RabbitMQ is back ({len(self._unpublished_events)}"
                    " waiting)"
                    if kept
                    else "dropped"
                ),
            )
            if self.raise_on_failure:
                await self.close()
                raise

    def _message(
        self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]]
    ) -> aio_pika.Message:
        import json

        sender_id = event.get("sender_id")
        key = (
            event_key(sender_id, {k: v for k, v in event.items() if k != "sender_id"})
            if isinstance(sender_id, str)
            else None
        )
        return aio_pika.Message(
            bytes(json.dumps(event), DEFAULT_ENCODING),
            headers=headers,
            app_id=self.rasa_environment,
            message_id=key,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
