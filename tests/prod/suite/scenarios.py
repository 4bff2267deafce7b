"""The scenarios of issue 15, one :class:`~.report.Row` (or a few) each."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Sequence

import aiohttp
import requests

from .clients import (
    LEDGER_DOWN,
    STORE_DOWN,
    TROUBLE,
    Reply,
    WeChatUser,
    WidgetUser,
    count,
    unanswered_turns,
    user_texts,
)
from .report import Row, median, percentile
from .topology import Topology

# questions any borrower may ask, each answered without the borrower's account
FAQ = [
    "逾期一天会上征信吗",
    "罚息怎么算",
    "借呗逾期两个月会怎样",
    "催收打电话给家人怎么办",
    "能不能协商还款",
    "逾期了会被起诉吗",
    "征信多久能恢复",
    "宽限期是几天",
    "提前还款有违约金吗",
    "有人说能帮我消除逾期记录",
    "你是机器人吗",
    "最低还款是什么意思",
    "分期和延期有什么区别",
    "逾期会影响子女吗",
    "还款日是哪天扣款",
    "你好",
    "谢谢",
    "逾期三天还清会上征信吗",
    "催收说要上门怎么办",
    "利息是怎么算的",
]
ACCOUNT = "我这个月要还多少"  # needs the action server, the ledger and PostgreSQL
BORROWER = "demo-up-to-date"  # 张明, linked to the widget identity of the same name


async def _converse(user, texts: Sequence[str], think: float) -> List[Reply]:
    replies = []
    for text in texts:
        replies.append(await user.say(text))
        await asyncio.sleep(think)
    return replies


def _conversation_check(
    topology: Topology,
    sender: str,
    sent: List[str],
    replies: List[Reply],
    retyped: bool = False,
) -> Dict[str, int]:
    """What the tracker store holds of one conversation against what was sent.

    ``retyped``: a delivery after the first is a new message (the widget: its page does not
    resend, the borrower types the message again when it shows no answer), so a text may be
    stored once per delivery; on WeChat every delivery carries the same MsgId and must be stored
    once."""
    events = topology.tracker_events(sender)
    stored = user_texts(events)
    answered = [t for t, r in zip(sent, replies) if r.answered and STORE_DOWN not in r.text]
    refused = [t for t, r in zip(sent, replies) if STORE_DOWN in r.text]
    lost = sum(1 for t in answered if t not in stored)
    allowed = {t: (r.deliveries if retyped else 1) for t, r in zip(sent, replies)}
    duplicated = sum(max(0, stored.count(t) - allowed.get(t, 1)) for t in set(stored))
    extra = sum(1 for t in stored if t not in sent)
    retypes = sum(
        max(0, min(stored.count(t), allowed.get(t, 1)) - 1) for t in set(stored) if t in sent
    )
    return {
        "sent": len(sent),
        "retyped_and_stored": retypes,
        "answered": len(answered),
        "refused": len(refused),
        "unanswered_replies": sum(1 for r in replies if not r.answered),
        "stored_user": len(stored),
        "stored_bot": count(events, "bot"),
        "lost": lost,
        "duplicated": duplicated,
        "extra": extra,
        "unanswered_in_store": unanswered_turns(events),
        "order_ok": int(
            list(dict.fromkeys(t for t in stored if t in answered))
            == [t for t in answered if t in stored]
        ),
    }


def _audit_check(row: Row, topology: Topology, senders: List[str]) -> None:
    result = topology.reconcile(senders)
    row.figures.append(
        f"audit: {result['audit_events']} events = tracker {result['tracker_events']}, "
        f"missing {result['missing_in_audit']}, extra {result['extra_in_audit']}"
        + (
            f", {result['copied_from_tracker_store']} copied from the tracker store, of which "
            f"{result.get('copied_then_published', 0)} came through RabbitMQ later (published "
            "late) and the rest never (a replica died between saving and publishing)"
            if result.get("copied_from_tracker_store")
            else ""
        )
        + (
            f" (the consumer caught up {result['waited']:.0f} s after the last turn)"
            if result.get("waited", 0) >= 5
            else ""
        )
    )
    row.check(
        result["missing_in_audit"] == 0,
        f"{result['missing_in_audit']} stored events not in the audit",
    )
    row.check(
        result["extra_in_audit"] == 0,
        f"{result['extra_in_audit']} audited events not in the tracker store",
    )
    # user and bot events per conversation, the audit against the tracker store
    audit = topology.audit_types(senders)
    mismatched = 0
    for sender in senders:
        events = topology.tracker_events(sender)
        kinds = audit.get(sender, {})
        if kinds.get("user", 0) != count(events, "user") or kinds.get("bot", 0) != count(
            events, "bot"
        ):
            mismatched += 1
    row.check(
        mismatched == 0,
        f"{mismatched} conversations whose user/bot counts differ between audit and tracker",
    )


# -- (1) kill -9 one Rasa replica in the middle of conversations --------------------------------


async def kill_replica(topology: Topology, victim: str = "rasa-1") -> Row:
    row = Row(f"kill -9 {victim} mid-conversation")
    started = time.monotonic()
    turns = 12
    async with aiohttp.ClientSession() as http:
        wechat = [WeChatUser(topology, http) for _ in range(6)]
        widgets = [
            WidgetUser(topology, f"suite-kill-{i}", pin="rasa1" if i % 2 == 0 else "rasa2")
            for i in range(4)
        ]
        for page in widgets:
            await page.open()
        users = wechat + widgets
        scripts = {u.sender: random.Random(i).sample(FAQ, turns) for i, u in enumerate(users)}
        tasks = [asyncio.create_task(_converse(u, scripts[u.sender], 0.4)) for u in users]
        await asyncio.sleep(4.0)  # every conversation is a few turns in
        killed_at = time.monotonic()
        topology.kill(victim)
        results = await asyncio.gather(*tasks)
        reconnects = sum(p.reconnects for p in widgets)
        for page in widgets:
            await page.close()
    row.sent = (
        f"{len(users)} conversations (6 WeChat through HAProxy, 4 widget sockets, 2 pinned to "
        "each replica) × "
        f"{turns} turns; `kill -9` of {victim}'s process group {killed_at - started:.0f} s in"
    )
    totals: Dict[str, int] = {}
    by_channel: Dict[str, Dict[str, int]] = {"WeChat": {}, "widget": {}}
    for user, replies in zip(users, results):
        widget = not isinstance(user, WeChatUser)
        check = _conversation_check(
            topology, user.sender, scripts[user.sender], replies, retyped=widget
        )
        channel = by_channel["widget" if widget else "WeChat"]
        for key, value in check.items():
            totals[key] = totals.get(key, 0) + value
            channel[key] = channel.get(key, 0) + value
    redelivered = sum(r.deliveries - 1 for replies in results[:6] for r in replies)
    errors = sum(1 for replies in results for r in replies if not r.answered)
    row.figures.append(
        f"{totals['sent']} turns sent, {totals['sent'] - errors} answered, "
        f"{redelivered} WeChat re-deliveries, {reconnects} widget reconnects"
    )
    row.figures.append(
        f"tracker: {totals['stored_user']} user / {totals['stored_bot']} bot events, "
        f"lost {totals['lost']}, duplicated {totals['duplicated']}"
    )
    for name, figures in by_channel.items():
        row.figures.append(
            f"{name}: {figures['sent']} sent, {figures['unanswered_replies']} unanswered, "
            f"{figures['stored_user']} stored, {figures['lost']} answered but not stored, "
            f"{figures['duplicated']} stored twice"
            + (
                f", {figures['retyped_and_stored']} typed again after the page showed no answer "
                "and stored as sent (the first was saved as the replica died; never shown)"
                if figures.get("retyped_and_stored")
                else ""
            )
        )
    row.check(errors == 0, f"{errors} turns never answered")
    row.check(totals["lost"] == 0, f"{totals['lost']} answered turns not in the tracker store")
    row.check(totals["duplicated"] == 0, f"{totals['duplicated']} turns stored twice")
    row.check(
        totals["stored_user"] == totals["sent"] + totals["retyped_and_stored"],
        f"{totals['stored_user']} user events for {totals['sent']} turns "
        f"(+{totals['retyped_and_stored']} typed again)",
    )
    row.check(
        totals["unanswered_in_store"] == 0,
        f"{totals['unanswered_in_store']} stored turns without a bot event",
    )
    row.check(totals["order_ok"] == len(users), "turns stored out of order")
    _audit_check(row, topology, [u.sender for u in users])
    restart = time.monotonic()
    topology.start(victim)
    row.figures.append(
        f"{victim} back in HAProxy {time.monotonic() - restart:.0f} s after its restart"
    )
    row.seconds = time.monotonic() - started
    return row


# -- (2) a part stopped and started mid-conversation ----------------------------------------------


FAULTS = {
    # part: (how to stop it, how to start it, the answers that tell the truth)
    "action servers (both)": (
        lambda t: [t.stop("actions-1"), t.stop("actions-2")],
        lambda t: t.start("actions-1", "actions-2"),
        (TROUBLE,),
    ),
    "ledgers (both)": (
        lambda t: [t.stop("ledger-1"), t.stop("ledger-2")],
        lambda t: t.start("ledger-1", "ledger-2"),
        (LEDGER_DOWN, TROUBLE),
    ),
    "Redis": (lambda t: t.server("redis-stop"), lambda t: t.server("redis-start"), (TROUBLE,)),
    "PostgreSQL": (
        lambda t: t.server("pg-stop"),
        lambda t: t.server("pg-start"),
        (TROUBLE, LEDGER_DOWN),
    ),
}


def _wait_healthy(topology: Topology, part: str) -> None:
    if part in ("Redis", "PostgreSQL"):
        # the ledgers' /health needs PostgreSQL; HAProxy marks them up again
        topology.wait_lb_up()
        return
    topology.wait_lb_up()


async def fault(topology: Topology, part: str, probes: int = 3) -> Row:
    stop, start, honest = FAULTS[part]
    row = Row(f"{part} stopped and started mid-conversation")
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        page = WidgetUser(topology, BORROWER)
        await page.open()
        wechat = WeChatUser(topology, http)
        sent: Dict[str, List[str]] = {page.sender: [], wechat.sender: []}
        replies: Dict[str, List[Reply]] = {page.sender: [], wechat.sender: []}

        asked: Dict[str, int] = {}

        async def turn(user, text: str) -> Reply:
            # the same question again gets more question marks: every turn's text is its own
            key = f"{user.sender}\x1f{text}"
            text, asked[key] = text + "？" * asked.get(key, 0), asked.get(key, 0) + 1
            reply = await (
                user.say(text, retries=0) if isinstance(user, WeChatUser) else user.say(text)
            )
            sent[user.sender].append(text)
            replies[user.sender].append(reply)
            return reply

        before = [
            await turn(page, "你好"),
            await turn(page, ACCOUNT),
            await turn(wechat, "罚息怎么算"),
        ]
        row.check(
            all(r.answered and TROUBLE not in r.text for r in before),
            "a normal answer before the fault",
        )
        await asyncio.to_thread(stop, topology)
        down: List[tuple] = []  # (text, reply)
        for i in range(probes):
            text = ACCOUNT if i % 2 == 0 else "逾期一天会上征信吗"
            down.append((text, await turn(page, text)))
            text = "逾期一天会上征信吗" if i % 2 == 0 else "罚息怎么算"
            down.append((text, await turn(wechat, text)))
        await asyncio.to_thread(start, topology)
        await asyncio.to_thread(_wait_healthy, topology, part)
        after = [
            await turn(page, ACCOUNT),
            await turn(page, "谢谢"),
            await turn(wechat, "宽限期是几天"),
        ]
        await page.close()
    account_probes = [r for text, r in down if text == ACCOUNT]
    down = [r for _, r in down]
    honest_count = sum(1 for r in account_probes if any(h in r.text for h in honest))
    slowest = max((r.seconds for r in down), default=0.0)
    unanswered = sum(1 for r in down if not r.answered)
    row.sent = (
        f"3 turns before (widget as {BORROWER} + WeChat), stop, {len(down)} turns while down "
        f"(account lookups and FAQ), start, 3 turns after"
    )
    kinds = {}
    for r in down:
        kind = (
            "system trouble"
            if TROUBLE in r.text
            else "ledger unavailable"
            if LEDGER_DOWN in r.text
            else "no reply"
            if not r.answered
            else "normal answer"
        )
        kinds[kind] = kinds.get(kind, 0) + 1
    row.figures.append(
        "while down: "
        + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        + f"; slowest {slowest:.1f} s"
    )
    row.check(unanswered == 0, f"{unanswered} turns got no reply while it was down")
    row.check(slowest <= 5.0, f"slowest answer while down {slowest:.1f} s > 5 s")
    row.check(
        honest_count == len(account_probes),
        f"{len(account_probes) - honest_count} of {len(account_probes)} account lookups not "
        "told the system failed",
    )
    normal_after = sum(
        1 for r in after if r.answered and TROUBLE not in r.text and LEDGER_DOWN not in r.text
    )
    row.figures.append(
        f"after: {normal_after}/{len(after)} normal answers "
        f"(account lookup names the loan: {'借呗' in after[0].text})"
    )
    row.check(
        normal_after == len(after) and "借呗" in after[0].text,
        "not every answer after the restart was normal",
    )
    lost = duplicated = refused = 0
    for sender in sent:
        check = _conversation_check(topology, sender, sent[sender], replies[sender])
        lost += check["lost"]
        duplicated += check["duplicated"]
        refused += check["refused"]
    row.figures.append(
        f"stored: lost {lost}, duplicated {duplicated}; {refused} refused as not processed "
        "(user asked to resend)"
    )
    row.check(lost == 0, f"{lost} answered turns not stored")
    row.check(duplicated == 0, f"{duplicated} turns stored twice")
    _audit_check(row, topology, list(sent))
    row.seconds = time.monotonic() - started
    return row


# -- (3) a reminder across a restart of every process ---------------------------------------------


async def reminder(topology: Topology, delay: float) -> Row:
    row = Row("reminder fires once after every process restarted")
    started = time.monotonic()
    page = WidgetUser(topology, BORROWER)
    await page.open()
    greeting = await page.say("你好")
    await page.close()
    row.check(greeting.answered, "the conversation did not start")
    remind_at = datetime.now(timezone.utc) + timedelta(seconds=delay)
    headers = {
        "Authorization": f"Bearer {topology['LOAN_SERVICE_TOKEN']}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    loans = requests.get(
        f"{topology.ledger_url}/v1/borrowers/{BORROWER}/loans",
        headers={"Authorization": headers["Authorization"]},
        timeout=10,
    ).json()["loans"]
    loan = loans[0]
    body = {
        "remind_on": (remind_at + timedelta(hours=8)).date().isoformat(),
        "days_before": 3,
        "channel": "widget",
        "loan_id": loan.get("loan_id") or loan.get("id"),
        "conversation_id": page.sender,
        "remind_at": remind_at.isoformat(),
    }
    created = requests.post(
        f"{topology.ledger_url}/v1/borrowers/{BORROWER}/reminders",
        json=body,
        headers=headers,
        timeout=10,
    )
    created.raise_for_status()
    reminder_id = created.json()["reminder"]["reminder_id"]
    row.sent = (
        f"a reminder due {delay:.0f} s ahead (explicit remind_at through the ledger API, for a "
        "widget "
        f"conversation of {BORROWER}); scripts/prod.sh down, PostgreSQL and Redis restarted, "
        "scripts/prod.sh up"
    )
    topology.down()
    topology.server("pg-stop")
    topology.server("redis-stop")
    topology.server("pg-start")
    topology.server("redis-start")
    up_seconds = topology.up()
    restarted_at = datetime.now(timezone.utc)
    row.figures.append(
        f"restart of everything took {up_seconds:.0f} s; "
        f"{'before' if restarted_at < remind_at else 'AFTER'} the due time"
    )
    # wait for the due time, then the poll (5 s) and a margin, then longer to see no second fire
    await asyncio.sleep(max(0.0, (remind_at - datetime.now(timezone.utc)).total_seconds()) + 20)
    events = topology.tracker_events(page.sender)
    fired = [
        e
        for e in events
        if e.get("event") == "user"
        and (e.get("parse_data") or {}).get("intent", {}).get("name")
        == "EXTERNAL_repayment_reminder"
        and any(
            x.get("value") == reminder_id for x in (e.get("parse_data") or {}).get("entities", [])
        )
    ]
    await asyncio.sleep(15)
    events_later = topology.tracker_events(page.sender)
    fired_later = [
        e
        for e in events_later
        if e.get("event") == "user"
        and any(
            x.get("value") == reminder_id for x in (e.get("parse_data") or {}).get("entities", [])
        )
    ]
    # `up` from nothing made new secrets: the ledger's token is the new one
    auth = {"Authorization": f"Bearer {topology['LOAN_SERVICE_TOKEN']}"}
    status = requests.get(
        f"{topology.ledger_url}/v1/borrowers/{BORROWER}/reminders/{reminder_id}",
        headers=auth,
        timeout=10,
    ).json()["reminder"]
    listed = requests.get(
        f"{topology.ledger_url}/v1/borrowers/{BORROWER}/reminders",
        params={"status": "scheduled"},
        headers=auth,
        timeout=10,
    ).json()
    upcoming = [r for r in listed["reminders"] if r.get("previous_id") == reminder_id]
    lateness = (fired[0]["timestamp"] - remind_at.timestamp()) if fired else float("nan")
    bot_after = 0
    if fired:
        index = events_later.index(
            next(e for e in events_later if e.get("timestamp") == fired[0]["timestamp"])
        )
        bot_after = sum(1 for e in events_later[index + 1 :] if e.get("event") == "bot")
    row.figures.append(
        f"fired {len(fired_later)} time(s), {lateness:+.1f} s after its due time; ledger status "
        f"{status.get('status')}; {bot_after} bot message(s) in the conversation; "
        f"{len(upcoming)} next reminder(s) scheduled"
    )
    row.check(len(fired) == 1 and len(fired_later) == 1, f"fired {len(fired_later)} times")
    row.check(status.get("status") == "sent", f"ledger status {status.get('status')}")
    row.check(bot_after >= 1, "the conversation got no reminder message")
    if restarted_at < remind_at:
        row.check(0 <= lateness <= 15, f"fired {lateness:+.1f} s from its due time (poll 5 s)")
    row.check(len(upcoming) >= 1, "next month's reminder was not scheduled")
    _audit_check(row, topology, [page.sender])
    row.seconds = time.monotonic() - started
    return row


# -- (4) one WeChat MsgId delivered to both replicas ----------------------------------------------


async def wechat_both_replicas(topology: Topology, rounds: int = 10) -> Row:
    row = Row("WeChat: one MsgId at both replicas at once")
    started = time.monotonic()
    processed: List[int] = []
    passive = 0
    async with aiohttp.ClientSession() as http:
        user = WeChatUser(topology, http)
        texts = random.Random(4).sample(FAQ, rounds)
        for text in texts:
            msg_id = int(time.time() * 1e6)
            first, second = await asyncio.gather(
                user.say(text, msg_id=msg_id, retries=0, url=topology.replica_url(1)),
                user.say(text, msg_id=msg_id, retries=0, url=topology.replica_url(2)),
            )
            row.check(first.status == second.status == 200, f"HTTP {first.status}/{second.status}")
            passive += first.answered + second.answered
            row.check(first.answered or second.answered, "neither delivery carried the reply")
        events = topology.tracker_events(user.sender)
        stored = user_texts(events)
        processed = [stored.count(t) for t in texts]
    row.sent = (
        f"{rounds} messages, each delivered to rasa-1 and rasa-2 directly at the same moment "
        "(same MsgId)"
    )
    row.figures.append(
        f"processed once: {processed.count(1)}/{rounds}; twice: "
        f"{sum(1 for p in processed if p > 1)}; "
        f"deliveries with the passive reply: {passive}/{2 * rounds}"
    )
    row.check(all(p == 1 for p in processed), "a MsgId was processed other than once")
    _audit_check(row, topology, [user.sender])
    row.seconds = time.monotonic() - started
    return row


# -- (5) soak -------------------------------------------------------------------------------------


async def _soak_run(topology: Topology, seconds: float, conversations: int, label: str) -> Dict:
    latencies: List[float] = []
    errors: Dict[str, int] = {}
    sent: Dict[str, int] = {}
    redelivered = [0]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
        users = [WeChatUser(topology, http) for _ in range(conversations)]
        deadline = time.monotonic() + seconds

        async def converse(user: WeChatUser, seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < deadline:
                text = rng.choice(FAQ)
                # as WeChat: a delivery not answered within its 5 s is delivered again (same
                # MsgId), three deliveries in all; the borrower sees the reply of any of them
                reply = await user.say(text, retries=2)
                redelivered[0] += reply.deliveries > 1
                sent[user.sender] = sent.get(user.sender, 0) + 1
                if reply.status != 200:
                    errors[reply.error or f"HTTP {reply.status}"] = (
                        errors.get(reply.error or f"HTTP {reply.status}", 0) + 1
                    )
                elif not reply.answered:
                    errors["no passive reply"] = errors.get("no passive reply", 0) + 1
                elif TROUBLE in reply.text:
                    errors["failure answer"] = errors.get("failure answer", 0) + 1
                else:
                    latencies.append(reply.seconds)
                await asyncio.sleep(rng.uniform(0.1, 0.3))

        began = time.monotonic()
        await asyncio.gather(*(converse(u, i) for i, u in enumerate(users)))
        elapsed = time.monotonic() - began
    stored_ok = 0
    missing = 0
    differences: List[int] = []
    for user in users:
        events = topology.tracker_events(user.sender)
        stored = count(events, "user")
        missing += abs(sent.get(user.sender, 0) - stored)
        if stored != sent.get(user.sender, 0):
            differences.append(stored - sent.get(user.sender, 0))
        stored_ok += stored == sent.get(user.sender, 0) and unanswered_turns(events) == 0
    return {
        "label": label,
        "turns": sum(sent.values()),
        "errors": errors,
        "redelivered": redelivered[0],
        "p50": median(latencies),
        "p95": percentile(latencies, 0.95),
        "throughput": sum(sent.values()) / elapsed,
        "persisted_ok": stored_ok,
        "conversations": conversations,
        "missing": missing,
        "differences": differences,
        "senders": [u.sender for u in users],
    }


async def soak(topology: Topology, seconds: float, conversations: int = 20) -> List[Row]:
    rows = []
    for label, disabled in (
        ("two Rasa replicas", None),
        ("one Rasa replica (rasa2 disabled in HAProxy)", "rasa/rasa2"),
    ):
        row = Row(f"soak: {conversations} conversations, {label}")
        started = time.monotonic()
        if disabled:
            topology.haproxy_command(f"disable server {disabled}")
        try:
            result = await _soak_run(topology, seconds, conversations, label)
        finally:
            if disabled:
                topology.haproxy_command(f"enable server {disabled}")
        errors = sum(result["errors"].values())
        row.sent = (
            f"{conversations} concurrent WeChat conversations through HAProxy for {seconds:.0f} s "
            "(0.1-0.3 s between turns)"
        )
        row.figures.append(
            f"{result['turns']} turns, {result['throughput']:.1f} turns/s, p50 "
            f"{result['p50']:.2f} s, "
            f"p95 {result['p95']:.2f} s; answered only on WeChat's re-delivery (the first took "
            f"over 5 s): {result['redelivered']}"
        )
        row.figures.append(
            f"errors {errors}"
            + (f" ({result['errors']})" if errors else "")
            + f"; every turn stored in {result['persisted_ok']}/{conversations} conversations"
        )
        row.check(errors == 0, f"{errors} errors")
        row.check(
            result["missing"] == 0 and result["persisted_ok"] == conversations,
            f"{result['missing']} turns not stored as sent (stored minus sent, per "
            "conversation that "
            f"differs: {result['differences']})",
        )
        _audit_check(row, topology, result["senders"])
        row.seconds = time.monotonic() - started
        rows.append(row)
    return rows
