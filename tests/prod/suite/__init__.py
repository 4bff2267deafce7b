"""The fault, soak and fuzz suite of the production topology (``make prod-test``).

``scripts/prod_test.sh`` starts a throwaway PostgreSQL cluster, a private Redis server and the
topology (``scripts/prod.sh up``), then runs ``python -m tests.prod.suite``, which drives it:

* :mod:`.topology` — the running topology: its settings (``$PROD_DIR/prod.env``), stopping,
  killing and starting one component, the private servers, the tracker store and the audit
  table, the logs;
* :mod:`.clients` — a borrower on each input: WeChat (signed XML, re-delivered like WeChat
  does), the chat widget (socket.io with the lender login's JWT), Rasa's HTTP API;
* :mod:`.scenarios` — the scenarios of issue 15 (kill a Rasa replica, stop and start each part,
  a reminder across a restart of everything, one WeChat MsgId at two replicas, the soak);
* :mod:`.fuzz` — malformed and hostile input on every entry;
* :mod:`.report` — one row per scenario, the table, the exit code.

It is not collected by pytest (no ``test_*`` module): it needs the servers the shell script
starts. Nothing it prints contains a message text, a token or a user id.
"""
