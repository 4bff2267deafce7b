"""The audit trail: every event of every conversation, as Rasa's event broker published it.

Rasa publishes each new tracker event to RabbitMQ (:mod:`bot.audit.broker`, configured in
``config/endpoints.production.yml``); :mod:`bot.audit.consumer` records each one in the
PostgreSQL table ``audit_events`` (:mod:`bot.audit.store`) and acknowledges it only after the
row is committed.  ``python -m bot.audit migrate|consume|status|reconcile`` (see
:mod:`bot.audit.__main__`).
"""
