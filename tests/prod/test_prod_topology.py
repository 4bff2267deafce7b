"""The production topology on this machine, end to end (scripts/prod.sh, docs/production.md).

``scripts/prod.sh up`` starts a topology of the test's own (var/prodtest, its own databases,
queue, Redis database and ports), then: a widget conversation over socket.io through HAProxy
with a JWT signed by the generated secret, the same WeChat MsgId delivered to both Rasa replicas
at once, the socket.io stickiness, every event in the tracker store AND in the audit table, no
message text in any log, and ``down`` leaving no process behind.  ``purge`` drops what it made.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List

import jwt
import psycopg2
import pytest
import requests
import socketio

pytestmark = [
    pytest.mark.prod,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.rabbitmq,
    pytest.mark.timeout(600),
]

ROOT = Path(__file__).resolve().parents[2]
PROD_DIR = ROOT / "var" / "prodtest"
MARKER = f"审计标记{uuid.uuid4().hex[:8]}"  # typed by the user: must reach the audit, never a log


def _free_base() -> int:
    for base in (7400, 7500, 7600, 7700, 7800):
        ports = [base + o for o in (5, 11, 12, 55, 56, 61, 62, 71, 72, 90)]
        if all(_port_free(p) for p in ports):
            return base
    pytest.fail("no free block of ports for the test topology in 74xx-78xx")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def prod(command: str, env: Dict[str, str], timeout: float = 420) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "prod.sh"), command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def our_processes() -> List[int]:
    """Live processes carrying the test topology's marker (PROD_INSTANCE) in their environment."""
    marker = f"PROD_INSTANCE={PROD_DIR}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def topology():
    env = dict(
        os.environ,
        PROD_DIR=str(PROD_DIR),
        PROD_NAME="prodtest",
        PROD_PORT_BASE=str(_free_base()),
        PROD_REDIS_DB="6",
        PROD_DEMO_DATA="1",
    )
    for name in (
        "WIDGET_JWT_SECRET",
        "WECHAT_TOKEN",
        "WECHAT_APP_ID",
        "WECHAT_APP_SECRET",
        "WECHAT_ENCODING_AES_KEY",
        "WECHAT_API_BASE_URL",
        "RASA_URL",
        "REDIS_URL",
    ):
        env.pop(name, None)
    prod("purge", env)  # what an earlier, interrupted run may have left
    shutil.rmtree(PROD_DIR / "logs", ignore_errors=True)  # the log checks read this run's only
    started = time.monotonic()
    result = prod("up", env)
    if result.returncode != 0:
        prod("purge", env)
        pytest.fail(f"scripts/prod.sh up failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    settings = dict(
        line.split("=", 1)
        for line in (PROD_DIR / "prod.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    settings["_up_seconds"] = f"{time.monotonic() - started:.0f}"
    settings["_env"] = env
    yield settings
    prod("purge", env)
    assert our_processes() == []


def rasa_url(settings) -> str:
    return f"http://127.0.0.1:{settings['LB_RASA_PORT']}"


def tracker_events(settings, sender: str) -> List[tuple]:
    with psycopg2.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname=settings["TRACKER_DB_NAME"]
    ) as conn:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
            )
            rows = cursor.fetchall()
    conn.close()
    # the data column is JSON with non-ASCII escaped: compare on the event's own text
    return [(kind, json.loads(data).get("text") or "") for kind, data in rows]


def audit_count(settings, sender: str) -> int:
    with psycopg2.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname=settings["AUDIT_DB_NAME"]
    ) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_events WHERE sender_id = %s", (sender,))
            count = cursor.fetchone()[0]
    conn.close()
    return count


def reconcile(settings, sender: str) -> Dict:
    from bot.audit import store

    return store.reconcile(
        settings["AUDIT_DATABASE_URL"], settings["TRACKER_DATABASE_URL"], [sender]
    )


def wait_audited(settings, sender: str, timeout: float = 20) -> Dict:
    deadline = time.monotonic() + timeout
    while True:
        result = reconcile(settings, sender)
        if result["missing_in_audit"] == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


# -- the tests, in order: the last one takes the topology down -------------------------------------


def test_up_is_healthy_and_its_secrets_are_private(topology):
    env_file = PROD_DIR / "prod.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    status = prod("status", topology["_env"], timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count(" UP") == 8  # two replicas in each of the four backends
    for name in (
        "RASA_API_TOKEN",
        "ACTION_SERVER_TOKEN",
        "LOAN_SERVICE_TOKEN",
        "IDENTITY_SECRET",
        "WIDGET_JWT_SECRET",
    ):
        assert len(topology[name]) >= 32
        assert topology[name] not in status.stdout
    # a second `up` changes nothing and keeps the secrets
    again = prod("up", topology["_env"])
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "already running" in again.stdout
    assert (PROD_DIR / "prod.env").read_text().count(topology["RASA_API_TOKEN"]) == 1


class Page:
    """The chat widget: socket.io through HAProxy, with the lender login's JWT."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: List[Dict] = []
        self.confirmed = asyncio.Event()

        @self.client.on("session_confirm")
        async def confirmed(_session_id):
            self.confirmed.set()

        @self.client.on("bot_uttered")
        async def uttered(data):
            self.received.append(data)

    async def open(self, token: str, session_id: str, transports: List[str]) -> None:
        await self.client.connect(
            self.url,
            socketio_path="/socket.io",
            transports=transports,
            auth={"token": token},
            wait_timeout=10,
        )
        await self.client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self.confirmed.wait(), 10)

    async def say(self, text: str, session_id: str, quiet: float = 1.0) -> str:
        before = len(self.received)
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": session_id, "customData": {}}
        )
        deadline = time.monotonic() + 30
        last, changed = before, time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if len(self.received) != last:
                last, changed = len(self.received), time.monotonic()
            elif last > before and time.monotonic() - changed > quiet:
                break
        texts = [m.get("text") or "" for m in self.received[before:]]
        assert texts, "no reply on the socket"
        return "\n".join(texts)

    async def close(self) -> None:
        await self.client.disconnect()


# long-polling only: python-engineio's websocket client needs aiohttp >= 3.10 (ClientWSTimeout),
# and Rasa 3.6 pins 3.9; the browser tests (tests/widget) cover the websocket upgrade
@pytest.mark.parametrize("transports", [["polling"]])
async def test_a_widget_conversation_through_the_load_balancer_is_stored_and_audited(
    topology, transports
):
    subject = (
        "demo-up-to-date"  # the demo borrower 张明, linked to the widget identity of that name
    )
    token = jwt.encode(
        {"sub": subject, "aud": "debt-helper-widget", "exp": int(time.time()) + 600},
        topology["WIDGET_JWT_SECRET"],
        algorithm="HS256",
    )
    session_id = uuid.uuid4().hex
    page = Page(rasa_url(topology))
    try:
        await page.open(token, session_id, transports)
        greeting = await page.say(f"你好 {MARKER}", session_id)
        loans = await page.say("我这个月要还多少", session_id)
    finally:
        await page.close()
    assert greeting
    assert (
        "张明" in loans and "借呗" in loans
    )  # Rasa → actions (HAProxy) → ledger (HAProxy) → PostgreSQL

    sender = f"widget:{subject}:{session_id}"
    events = tracker_events(topology, sender)
    assert [t for t, _ in events].count("user") == 2
    assert any(MARKER in data for _, data in events)
    result = wait_audited(topology, sender)
    assert result["missing_in_audit"] == 0 and result["extra_in_audit"] == 0, result
    assert result["audit_events"] == len(events) == audit_count(topology, sender)


def test_socketio_polling_stays_on_the_replica_that_holds_the_session(topology):
    url = rasa_url(topology) + "/socket.io/"
    for server, other in (("rasa1", "rasa2"), ("rasa2", "rasa1")):
        session = requests.Session()
        handshake = session.get(
            url,
            params={"EIO": "4", "transport": "polling"},
            cookies={"RASA_SIO": server},
            timeout=10,
        )
        assert handshake.status_code == 200 and handshake.headers["X-Served-By"] == server
        sid = re.search(r'"sid":"([^"]+)"', handshake.text).group(1)
        # the same session, pinned by the cookie: the replica that made it answers
        joined = session.post(
            url,
            params={"EIO": "4", "transport": "polling", "sid": sid},
            data="40",
            cookies={"RASA_SIO": server},
            timeout=10,
        )
        assert joined.status_code == 200 and joined.headers["X-Served-By"] == server
        # without stickiness the other replica would get it, and it does not know the session
        lost = requests.get(
            url,
            params={"EIO": "4", "transport": "polling", "sid": sid},
            cookies={"RASA_SIO": other},
            timeout=10,
        )
        assert lost.status_code == 400 and lost.headers["X-Served-By"] == other
    # without a cookie, a client stays on one replica by its address
    served = {
        requests.get(url, params={"EIO": "4", "transport": "polling"}, timeout=10).headers[
            "X-Served-By"
        ]
        for _ in range(4)
    }
    assert len(served) == 1
    # and the handshake sets the cookie that pins the session
    assert "RASA_SIO=" in requests.get(
        url, params={"EIO": "4", "transport": "polling"}, timeout=10
    ).headers.get("Set-Cookie", "")


def _wechat_post(settings, xml: str, openid: str) -> requests.Response:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1(
        "".join(sorted([settings["WECHAT_TOKEN"], timestamp, nonce])).encode()
    ).hexdigest()
    return requests.post(
        rasa_url(settings) + "/webhooks/wechat/webhook",
        data=xml.encode(),
        timeout=15,
        params={"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": openid},
        headers={"Content-Type": "text/xml"},
    )


async def test_one_wechat_msgid_delivered_to_both_replicas_is_answered_once(topology):
    openid = f"o-prodtest-{uuid.uuid4().hex[:10]}"
    replicas_seen = set()
    for attempt in range(4):
        msg_id = 24_000_000_000_000_000 + int(time.time() * 1000) % 10**9 + attempt
        text = f"逾期一天会上征信吗 {attempt}"
        xml = (
            f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
            f"<MsgId>{msg_id}</MsgId></xml>"
        )
        first, second = await asyncio.gather(
            asyncio.to_thread(_wechat_post, topology, xml, openid),
            asyncio.to_thread(_wechat_post, topology, xml, openid),
        )
        assert first.status_code == second.status_code == 200
        replies = [r.text for r in (first, second) if r.text != "success"]
        assert replies and all("征信" in reply for reply in replies)
        assert len(set(replies)) == 1  # every delivery that got a passive reply got the same one
        users = [
            data
            for kind, data in tracker_events(topology, openid)
            if kind == "user" and text in data
        ]
        assert len(users) == 1, f"MsgId {msg_id} was processed {len(users)} times"
        replicas_seen |= {first.headers["X-Served-By"], second.headers["X-Served-By"]}
        if replicas_seen == {"rasa1", "rasa2"}:
            break
    assert replicas_seen == {"rasa1", "rasa2"}  # the deliveries did reach both replicas
    result = wait_audited(topology, openid)
    assert result["missing_in_audit"] == 0 and result["extra_in_audit"] == 0, result


def test_no_message_text_or_user_id_in_any_log(topology):
    logs = {
        path.name: path.read_text(errors="replace") for path in (PROD_DIR / "logs").glob("*.log")
    }
    assert {
        "rasa-1.log",
        "rasa-2.log",
        "actions-1.log",
        "ledger-1.log",
        "audit.log",
        "haproxy.log",
    } <= set(logs)
    for name, text in logs.items():
        assert MARKER not in text, f"the user's message is in {name}"
        assert "o-prodtest-" not in text, f"a WeChat OpenID is in {name}"
        assert "demo-up-to-date:" not in text, f"a widget conversation id is in {name}"
        assert topology["RASA_API_TOKEN"] not in text, f"the Rasa token is in {name}"


def test_down_stops_everything_it_started_and_nothing_else(topology):
    bystander = subprocess.Popen(
        ["sleep", "60"], env=dict(os.environ, PROD_INSTANCE="someone-else")
    )
    try:
        assert len(our_processes()) >= 8
        result = prod("down", topology["_env"], timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert our_processes() == []
        assert bystander.poll() is None  # not ours: still running
        assert not list((PROD_DIR / "pids").glob("*.pid"))
        assert not (PROD_DIR / "prod.env").exists()
        base = int(topology["PROD_PORT_BASE"])
        assert all(_port_free(base + offset) for offset in (5, 11, 12, 55, 56, 61, 62, 71, 72, 90))
        # the data outlives the processes: conversations and the audit trail are in PostgreSQL
        from bot.audit import store

        assert store.counts(topology["AUDIT_DATABASE_URL"])["events"] > 0
    finally:
        bystander.kill()
