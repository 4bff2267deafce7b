"""Loan ledger: the reference implementation of the lender's loan-status system.

Modules (one concept each):

- :mod:`bot.loans.config`  -- settings from the environment (database URL, token, port, URL).
- :mod:`bot.loans.models`  -- SQLAlchemy tables (borrowers, identities, loans, installments,
  repayments, relief requests, reminders, idempotency records).
- :mod:`bot.loans.db`      -- async engine and session factories for a database URL.
- :mod:`bot.loans.migrate` -- Alembic, configured in code (``python -m bot.loans migrate``).
- :mod:`bot.loans.ledger`  -- domain logic: status as of a date, repayment allocation,
  idempotent writes.  Every money figure comes from :mod:`bot.finance`.
- :mod:`bot.loans.demo`    -- the demo borrowers (``python -m bot.loans seed --demo``).
- :mod:`bot.loans.service` -- the aiohttp JSON API (``python -m bot.loans serve``).
- :mod:`bot.loans.reminder_scheduler` -- delivers due reminders through Rasa's HTTP API, once
  (inside ``serve`` when ``RASA_URL`` and ``RASA_API_TOKEN`` are set, or
  ``python -m bot.loans scheduler``).
- :mod:`bot.loans.client`  -- the async client the actions and channels use.

Nothing here touches a database or the network at import time.
"""
