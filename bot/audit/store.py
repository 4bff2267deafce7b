"""The audit table and the per-event key that makes recording an event idempotent.

``audit_events`` holds one row per event: the conversation (``sender_id``), the event's type
and timestamp as Rasa gave them, the whole event as canonical JSON (text: PostgreSQL's JSONB
cannot hold ``\\u0000``, which a user can type; cast with ``event::jsonb`` to query it), when it
was first recorded, and how many times RabbitMQ delivered it (a redelivery after a lost ack
increments ``deliveries`` and adds no row).

The key is SHA-256 over the sender id and the event's canonical JSON (sorted keys, no spaces).
Rasa's tracker store keeps the same event as ``json.dumps(event.as_dict())`` in its ``events``
table, and the broker publishes ``{"sender_id": …, **event.as_dict()}``, so the key can be
computed on both sides: that is how :func:`reconcile` proves that every stored event was audited.
A message that is not an event (not JSON, not an object, no sender) is recorded too, as
``__malformed__`` with the key of its raw bytes, so that nothing delivered goes unaccounted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS audit_events (
        id BIGSERIAL PRIMARY KEY,
        event_key CHAR(64) NOT NULL UNIQUE,
        sender_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event_timestamp DOUBLE PRECISION,
        event TEXT NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        deliveries INTEGER NOT NULL DEFAULT 1
    )
    """,
    "CREATE INDEX IF NOT EXISTS audit_events_sender ON audit_events (sender_id, event_timestamp)",
    # 'broker': recorded from RabbitMQ; 'tracker store': copied by repair_since, because the
    # Rasa process that saved it died before publishing it
    "ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS source TEXT NOT NULL DEFAULT 'broker'",
    """
    CREATE TABLE IF NOT EXISTS audit_repair_progress (
        tracker CHAR(64) PRIMARY KEY,
        last_event_id BIGINT NOT NULL
    )
    """,
    (
        "COMMENT ON TABLE audit_events IS 'Every conversation event published by Rasa "
        "(bot.audit); one row per event, idempotent on event_key'"
    ),
)

INSERT = """
INSERT INTO audit_events (event_key, sender_id, event_type, event_timestamp, event)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (event_key) DO UPDATE SET deliveries = audit_events.deliveries + 1
RETURNING deliveries
"""

MALFORMED = "__malformed__"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_key(sender_id: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{sender_id}\x1f{canonical(event)}".encode("utf-8")).hexdigest()


def _text(value: Any) -> str:
    """Text PostgreSQL accepts (no NUL)."""
    return str(value).replace("\x00", "\\u0000")


@dataclass(frozen=True)
class AuditRow:
    key: str
    sender_id: str
    event_type: str
    timestamp: Optional[float]
    event: str

    def params(self) -> Tuple[Any, ...]:
        return (self.key, self.sender_id, self.event_type, self.timestamp, self.event)


def row_for_message(body: bytes) -> AuditRow:
    """The row recording one broker message (an event, or a malformed message)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if (
        isinstance(data, dict)
        and isinstance(data.get("sender_id"), str)
        and isinstance(data.get("event"), str)
    ):
        sender_id = data["sender_id"]
        event = {k: v for k, v in data.items() if k != "sender_id"}
        timestamp = event.get("timestamp")
        return AuditRow(
            event_key(sender_id, event),
            _text(sender_id),
            _text(event["event"]),
            (
                float(timestamp)
                if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool)
                else None
            ),
            canonical(event),
        )
    return malformed_row(body)


def malformed_row(body: bytes) -> AuditRow:
    return AuditRow(
        hashlib.sha256(body).hexdigest(),
        "",
        MALFORMED,
        None,
        canonical({"raw": body.decode("utf-8", errors="replace")}),
    )


def keys_of_tracker_rows(rows: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """``{key: sender_id}`` of the tracker store's ``(sender_id, data)`` rows."""
    keys: Dict[str, str] = {}
    for sender_id, data in rows:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict):
            keys[event_key(sender_id, event)] = sender_id
    return keys


def migrate(dsn: str) -> None:
    import psycopg2

    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for statement in SCHEMA:
            cursor.execute(statement)
    connection.close()


def counts(dsn: str, senders: Optional[List[str]] = None) -> Dict[str, int]:
    import psycopg2

    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        if senders:
            cursor.execute(
                "SELECT count(*), coalesce(sum(deliveries), 0) FROM audit_events "
                "WHERE sender_id = ANY(%s)",
                (senders,),
            )
        else:
            cursor.execute("SELECT count(*), coalesce(sum(deliveries), 0) FROM audit_events")
        events, deliveries = cursor.fetchone()
    connection.close()
    return {"events": int(events), "deliveries": int(deliveries)}


def reconcile(
    audit_dsn: str, tracker_dsn: str, senders: Optional[List[str]] = None
) -> Dict[str, Any]:
    """Every event in the tracker store against the audit table, by key.

    ``missing``: stored in the tracker store, never audited (an event lost on its way to the
    audit); ``extra``: audited but not in the tracker store (published, then the tracker
    write failed -- the user got the store-failure answer and no reply)."""
    import psycopg2

    with psycopg2.connect(tracker_dsn) as connection, connection.cursor() as cursor:
        if senders:
            cursor.execute(
                "SELECT sender_id, data FROM events WHERE sender_id = ANY(%s)", (senders,)
            )
        else:
            cursor.execute("SELECT sender_id, data FROM events")
        tracker = keys_of_tracker_rows(cursor.fetchall())
    connection.close()
    with psycopg2.connect(audit_dsn) as connection, connection.cursor() as cursor:
        if senders:
            cursor.execute(
                "SELECT event_key, deliveries, source FROM audit_events WHERE sender_id = ANY(%s)",
                (senders,),
            )
        else:
            cursor.execute(
                "SELECT event_key, deliveries, source FROM audit_events WHERE event_type <> %s",
                (MALFORMED,),
            )
        fetched = cursor.fetchall()
        audit = {key: deliveries for key, deliveries, _ in fetched}
        repaired = sum(1 for _, _, source in fetched if source == REPAIR_SOURCE)
        # a repaired event whose broker copy came after all: published late, not lost
        published_late = sum(
            1 for _, deliveries, source in fetched if source == REPAIR_SOURCE and deliveries > 1
        )
    connection.close()
    missing = sorted(set(tracker) - set(audit))
    extra = sorted(set(audit) - set(tracker))
    return {
        "tracker_events": len(tracker),
        "audit_events": len(audit),
        "missing_in_audit": len(missing),
        "extra_in_audit": len(extra),
        "redeliveries": sum(d - 1 for d in audit.values()),
        "copied_from_tracker_store": repaired,
        "copied_then_published": published_late,
        "missing_keys": missing[:20],
    }


REPAIR_SOURCE = "tracker store"


def _tracker_name(tracker_dsn: str) -> str:
    """The progress row of one tracker store (its URL hashed: it may hold a password)."""
    return hashlib.sha256(tracker_dsn.encode("utf-8")).hexdigest()


def repair_since(
    audit_dsn: str,
    tracker_dsn: str,
    settle_seconds: float,
    batch: int = 5000,
    drained_at: Optional[float] = None,
) -> Tuple[int, int]:
    """Copy into the audit the tracker store's events that never reached it.

    Rasa publishes a turn's events after it has saved them; a process killed in between leaves
    events in the tracker store that no broker message will ever carry. This reads the tracker
    store's ``events`` rows after the last one it checked, up to those ``settle_seconds`` old
    (younger ones may still be on their way through RabbitMQ), and inserts the ones the audit
    lacks with ``source = 'tracker store'`` (their key is the same, so a late broker copy only
    counts as a redelivery). Returns ``(rows checked, rows added)``; progress is kept in
    ``audit_repair_progress``, so each row is checked once.

    ``drained_at`` (epoch seconds) is the last moment the queue was seen empty: an event saved
    ``settle_seconds`` before it had time to be recorded, one saved later may still wait in the
    queue behind a backlog. The default, now, suits a caller that knows nothing of the queue."""
    import time

    import psycopg2

    name = _tracker_name(tracker_dsn)
    with psycopg2.connect(audit_dsn) as audit, audit.cursor() as cursor:
        cursor.execute(
            "SELECT last_event_id FROM audit_repair_progress WHERE tracker = %s", (name,)
        )
        found = cursor.fetchone()
    audit.close()
    after = int(found[0]) if found else 0
    cutoff = (time.time() if drained_at is None else drained_at) - settle_seconds
    with psycopg2.connect(tracker_dsn) as tracker, tracker.cursor() as cursor:
        cursor.execute(
            "SELECT id, sender_id, timestamp, data FROM events WHERE id > %s ORDER BY id LIMIT %s",
            (after, batch),
        )
        rows = cursor.fetchall()
    tracker.close()
    settled = []
    for row in rows:
        if row[2] is None or float(row[2]) >= cutoff:
            break  # in id order: the rest is younger still
        settled.append(row)
    if not settled:
        return 0, 0
    candidates: Dict[str, AuditRow] = {}
    for _, sender_id, timestamp, data in settled:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        if not isinstance(event, dict):
            continue
        key = event_key(sender_id, event)
        candidates[key] = AuditRow(
            key, _text(sender_id), _text(event.get("event", "")), float(timestamp), canonical(event)
        )
    added = 0
    with psycopg2.connect(audit_dsn) as audit, audit.cursor() as cursor:
        cursor.execute(
            "SELECT event_key FROM audit_events WHERE event_key = ANY(%s)", (list(candidates),)
        )
        present = {key for (key,) in cursor.fetchall()}
        for key, row in candidates.items():
            if key in present:
                continue
            cursor.execute(
                "INSERT INTO audit_events (event_key, sender_id, event_type, event_timestamp, "
                "event, source) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_key) DO NOTHING",
                (*row.params(), REPAIR_SOURCE),
            )
            added += cursor.rowcount
        cursor.execute(
            "INSERT INTO audit_repair_progress (tracker, last_event_id) VALUES (%s, %s) "
            "ON CONFLICT (tracker) DO UPDATE SET last_event_id = EXCLUDED.last_event_id",
            (name, int(settled[-1][0])),
        )
    audit.close()
    return len(settled), added
