"""Malformed and hostile input on every entry of the production topology.

Three inputs, through HAProxy:

* WeChat: signed XML text messages with control characters, 100 KB texts, invalid UTF-8, other
  message types; malformed XML, XML bombs (entity expansion), external entities, bad signatures;
* socket.io (the chat widget): messages with control characters, lone surrogates, 100 KB texts,
  non-object metadata; payloads that are not message objects;
* REST: the production servers have no REST channel (config/credentials.production.yml), so
  ``/webhooks/rest/webhook`` must answer 404 to anything; the authenticated HTTP API
  (``/model/parse``) gets the same texts and malformed JSON bodies.

A reply is due to every text message (WeChat: a passive reply; socket.io: a ``bot_uttered``;
HTTP API: a parse with an intent) — a text over the channels' limit of 10,000 characters gets the
polite "too long" answer on WeChat and the widget, and lone surrogates are read as U+FFFD there;
the HTTP API, which programs call, must refuse those two with a 413/400 and its reason.
Everything else must be refused with a 4xx or ignored, never a 5xx. Messages that no reply is
due to go to a socket of their own, so a late answer to one is never counted as the answer to
another.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import aiohttp

from .clients import WeChatUser, WidgetUser, wechat_xml
from .report import Row
from .topology import Topology

TEXTS = [
    "逾期一天会上征信吗",
    "罚息怎么算",
    "你好",
    "转人工",
    "我想延期还款",
    "每月能还3000多久能还清",
    "1",
    "是",
]
CONTROL = (
    "".join(chr(c) for c in list(range(0, 32)) + [127])
    + "\u0085\u200b\u200e\u202e\u2028\u2029\ufeff\ufffe"
)
XML_SAFE_CONTROL = "\t\n\r\u0085\u200b\u200e\u202e\u2028\u2029\ufeff"
BIG = 100 * 1024
#: the failure answers (bot/rasa_runtime.py): nothing is down during the fuzz, so one of them
#: means the message itself broke something, and counts as no reply
TROUBLE = "系统暂时出了点问题"
CLOSED = -2  # the connection was closed while an oversized body was being sent (a refusal)


@dataclass
class Outcome:
    status: int  # HTTP status; 200 for a socket reply; 0 for no answer; -1: connection error
    due: bool
    answered: bool
    case: str = ""  # which kind of input, for the report


def _mix(rng: random.Random, alphabet: str, n: int = 6) -> str:
    text = list(rng.choice(TEXTS))
    for _ in range(n):
        text.insert(rng.randrange(len(text) + 1), rng.choice(alphabet))
    return "".join(text)


def _big(rng: random.Random) -> str:
    unit = rng.choice(["借呗逾期", "a", "🙂", "罚息 123 ", "\u200b征信"])
    return (
        (unit * (BIG // len(unit.encode()) + 1))[: BIG // 2]
        if "🙂" not in unit
        else unit * (BIG // 4)
    )


# -- WeChat ---------------------------------------------------------------------------------------

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]><xml><ToUserName>a</ToUserName><FromUserName>{openid}</FromUserName>"
    "<CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"
)
QUADRATIC = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "'
    + "A" * 50000
    + '">]><xml><FromUserName>{openid}'
    "</FromUserName><MsgType>text</MsgType><Content>"
    + "&a;" * 2000
    + "</Content><MsgId>2</MsgId></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><FromUserName>{openid}'
    "</FromUserName><MsgType>text</MsgType><Content>&e;</Content><MsgId>3</MsgId><CreateTime>1</CreateTime></xml>"
)


def _other_type(openid: str, kind: str) -> str:
    extra = {
        "image": "<PicUrl><![CDATA[http://127.0.0.1:9/x.jpg]]></PicUrl><MediaId>m</MediaId>",
        "voice": "<MediaId>m</MediaId><Format>amr</Format>",
        "location": "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>",
        "event": "<Event><![CDATA[subscribe]]></Event>",
        "shortvideo": "<MediaId>m</MediaId>",
        "nonsense": "<Foo>bar</Foo>",
    }[kind]
    return (
        f"<xml><ToUserName>gh</ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{extra}"
        f"<MsgId>{random.getrandbits(60)}</MsgId></xml>"
    )


WECHAT_CASES = ["text"] * 4 + [
    "100 KB text",
    "XML-forbidden control characters",
    "invalid UTF-8",
    "other message type",
    "malformed XML",
    "entity bomb",
    "random bytes",
    "bad signature",
    "no MsgId / empty text / huge MsgId",
    "1 MB body",
]


async def wechat_case(user: WeChatUser, rng: random.Random) -> Outcome:
    openid = user.openid
    kind = rng.randrange(14)
    params: Optional[Dict[str, str]] = None
    due = False
    if kind <= 3:  # a text with control characters XML allows, or emoji and mixed scripts
        body, due = (
            wechat_xml(openid, _mix(rng, XML_SAFE_CONTROL + "🙂𝔘ÄЖ"), rng.getrandbits(60)).encode(),
            True,
        )
    elif kind == 4:  # 100 KB
        body, due = wechat_xml(openid, _big(rng), rng.getrandbits(60)).encode(), True
    elif kind == 5:  # control characters XML 1.0 forbids
        body = wechat_xml(openid, _mix(rng, CONTROL), rng.getrandbits(60)).encode()
    elif kind == 6:  # invalid UTF-8
        raw = wechat_xml(openid, "罚息怎么算XX", rng.getrandbits(60)).encode()
        body = raw.replace(
            b"XX", rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xe4\xb8"])
        )
    elif kind == 7:  # other message types
        body = _other_type(
            openid, rng.choice(["image", "voice", "location", "event", "shortvideo", "nonsense"])
        ).encode()
    elif kind == 8:  # malformed XML
        good = wechat_xml(openid, "你好", rng.getrandbits(60))
        body = rng.choice(
            [
                good[: rng.randrange(1, len(good))],
                "",
                "not xml at all",
                json.dumps({"Content": "你好"}),
                "<xml>" * 5000,
                "<xml><Content><![CDATA[x]]></xml>",
                good.replace("<xml>", "<xml><xml>"),
            ]
        ).encode()
    elif kind == 9:  # XML bombs and external entities
        body = rng.choice([BOMB, QUADRATIC, XXE]).replace("{openid}", openid).encode()
    elif kind == 10:  # random bytes
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 2000)))
    elif kind == 11:  # a good message with a bad or missing signature
        body = wechat_xml(openid, "你好", rng.getrandbits(60)).encode()
        params = rng.choice(
            [
                {},
                {"signature": "0" * 40, "timestamp": "1", "nonce": "x", "openid": openid},
                {"signature": "x", "timestamp": "not-a-number", "nonce": "x" * 5000},
            ]
        )
    elif kind == 12:  # a text without MsgId, an empty text, a huge MsgId
        body = rng.choice(
            [
                wechat_xml(openid, "你好", None),
                wechat_xml(openid, "", rng.getrandbits(60)),
                wechat_xml(openid, "你好", 10**40),
            ]
        ).encode()
    else:  # a body of 1 MB
        body = wechat_xml(openid, "征" * (1024 * 1024 // 3), rng.getrandbits(60)).encode()
    try:
        for _ in range(3 if due else 1):
            # as WeChat: a text whose first delivery got no reply within 5 s ("success") is
            # delivered again with the same MsgId, three deliveries in all
            async with await user.post(body, params=params, timeout=30) as response:
                text = await response.text(errors="replace")
            if not (due and response.status == 200 and text.strip() == "success"):
                break
        answered = response.status == 200 and "<Content>" in text and "<![CDATA[]]>" not in text
        case = f"wechat {WECHAT_CASES[kind]}"
        if answered and TROUBLE in text:
            answered, case = False, case + ", system-trouble apology"
        return Outcome(response.status, due, answered, case)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        if len(body) > 64 * 1024 and not due:
            # the server refused the oversized body and closed the connection before reading it
            return Outcome(CLOSED, due, False, f"wechat {WECHAT_CASES[kind]}")
        return Outcome(-1, due, False, f"wechat {WECHAT_CASES[kind]}")


# -- socket.io ------------------------------------------------------------------------------------


class SocketPair:
    """One worker's chat pages: ``due`` for messages a reply is due to, ``junk`` for the rest."""

    def __init__(self, topology: Topology, index: int) -> None:
        self.due = WidgetUser(topology, f"suite-fuzz-{index}", quiet=0.3)
        self.junk = WidgetUser(topology, f"suite-fuzz-{index}", quiet=0.3)

    async def open(self) -> None:
        await self.due.open()
        await self.junk.open()

    async def close(self) -> None:
        await self.due.close()
        await self.junk.close()


NON_OBJECT_METADATA = [
    [],
    ["a"],
    "not json",
    '"a string"',
    "[1, 2]",
    42,
    3.5,
    True,
    None,
    {"nested": {"deep": [1]}},
    {"identity": {"forged": True}},
    '{"bad json',
]


SOCKET_CASES = [
    "control characters",
    "100 KB text",
    "lone surrogates",
    "odd character",
    "text",
    "junk",
]


async def socket_case(pages: SocketPair, rng: random.Random) -> Outcome:
    kind = rng.randrange(8)
    try:
        if kind <= 4:
            if kind == 0:
                text = _mix(rng, CONTROL)
            elif kind == 1:
                text = _big(rng)
            elif kind == 2:
                text = _mix(rng, "\ud800\udfff\udc00")  # lone surrogates: no UTF-8 for them
            elif kind == 3:
                text = rng.choice(TEXTS) + rng.choice(["🙂", "\u202e", "𝔘", ""])
            else:
                text = rng.choice(TEXTS)
            metadata = rng.choice(NON_OBJECT_METADATA) if rng.random() < 0.6 else {}
            if not pages.due.connected:
                await pages.due.reopen()
            reply = await pages.due.say(text, timeout=20, resend=False, customData=metadata)
            case = f"socket.io {SOCKET_CASES[kind]}, metadata {type(metadata).__name__}"
            answered = reply.answered
            if not answered:
                case += ", socket dropped" if not pages.due.connected else ", no reply in 20 s"
            elif any(TROUBLE in t for t in reply.texts):
                # nothing is down during the fuzz: the apology means the message broke something
                answered, case = False, case + ", system-trouble apology"
            return Outcome(200 if reply.answered else 0, True, answered, case)
        if not pages.junk.connected:
            await pages.junk.reopen()
        payload: Any = rng.choice(
            [
                "just a string",
                ["a", "list"],
                12345,
                None,
                True,
                {"message": None},
                {"message": {"text": "你好"}},
                {"message": ["你好"]},
                {"message": ""},
                {"session_id": "x"},
                {"message": "你好", "session_id": {"not": "a string"}},
                {"message": True},
                {"message": "你好", "customData": "x" * BIG},
            ]
        )
        event = rng.choice(["user_uttered", "user_uttered", "session_request", "no_such_event"])
        await pages.junk.emit_raw(event, payload)
        return Outcome(200, False, False, "socket.io junk payload")
    except Exception:  # noqa: BLE001 - a socket that could not be used counts as no answer
        return Outcome(-1, kind <= 4, False, f"socket.io {SOCKET_CASES[min(kind, 5)]} (error)")


# -- REST: the absent REST channel and the HTTP API -----------------------------------------------


async def rest_case(http: aiohttp.ClientSession, topology: Topology, rng: random.Random) -> Outcome:
    text_kind = rng.randrange(4)
    text = [_mix(rng, CONTROL), _big(rng), _mix(rng, "\ud800\udc00"), rng.choice(TEXTS)][text_kind]
    body_kind = rng.randrange(6)
    if body_kind <= 2:
        body = json.dumps(
            {
                "text": text,
                "message": text,
                "sender": "fuzz",
                "metadata": rng.choice(NON_OBJECT_METADATA),
            }
        ).encode()
    elif body_kind == 3:
        body = rng.choice(
            [
                b"[]",
                b'"text"',
                b"1",
                b"null",
                b"{",
                b"",
                json.dumps({"text": ["a"]}).encode(),
                json.dumps({"text": None}).encode(),
                json.dumps({"text": {"a": 1}}).encode(),
            ]
        )
    elif body_kind == 4:
        body = b'{"text": "\xff\xfe\xc3\x28 invalid utf-8", "sender": "fuzz"}'
    else:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 3000)))
    # the HTTP API is for programs: a text over the channels' limit (413) or with lone surrogates
    # (400, no UTF-8 form) is refused with a JSON reason; every other JSON message is parsed
    # (a high surrogate followed by a low one is a valid pair once the JSON is decoded)
    lone = any(0xD800 <= ord(c) <= 0xDFFF for c in json.loads(json.dumps(text)))
    refusal = body_kind <= 2 and (text_kind == 1 or lone)
    due = body_kind <= 2 and not refusal
    route = rng.choice(["parse", "parse", "parse", "rest", "parse-no-token"])
    url = topology.rasa_url + ("/webhooks/rest/webhook" if route == "rest" else "/model/parse")
    params = {"token": topology["RASA_API_TOKEN"]} if route == "parse" else {}
    case = f"REST {route}, body {body_kind}" + (
        f", text {['control', '100 KB', 'surrogates', 'plain'][text_kind]}"
        if body_kind <= 2
        else ""
    )
    try:
        async with http.post(
            url,
            data=body,
            params=params,
            headers={"Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            content = await response.read()
            answered = False
            if response.status == 200 and route == "parse":
                try:
                    answered = bool((json.loads(content).get("intent") or {}).get("name"))
                except (ValueError, AttributeError):
                    answered = False
            if refusal and route == "parse":
                try:
                    reason = bool(json.loads(content).get("message"))
                except (ValueError, AttributeError):
                    reason = False
                # a refusal with its reason is this input's answer; anything else is not
                answered = response.status in (400, 413) and reason
                return Outcome(response.status, True, answered, case + " (refusal due)")
            return Outcome(response.status, due and route == "parse", answered, case)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return Outcome(-1, (due or refusal) and route == "parse", False, case)


# -- the run --------------------------------------------------------------------------------------


async def fuzz(topology: Topology, total: int, workers: int = 10, seed: int = 15) -> Row:
    row = Row("fuzz")
    started = time.monotonic()
    sizes = topology.log_sizes()
    shares = {"WeChat": 0.45, "socket.io": 0.35, "REST/HTTP API": 0.20}
    plan: List[str] = []
    for name, share in shares.items():
        plan += [name] * int(round(total * share))
    plan = plan[:total]
    random.Random(seed).shuffle(plan)
    queue: asyncio.Queue = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    results: Dict[str, List[Outcome]] = {name: [] for name in shares}

    async def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        async with aiohttp.ClientSession() as http:
            wechat = WeChatUser(topology, http)
            pages = SocketPair(topology, index)
            await pages.open()
            try:
                while not queue.empty():
                    name = queue.get_nowait()
                    try:
                        if name == "WeChat":
                            outcome = await wechat_case(wechat, rng)
                        elif name == "socket.io":
                            outcome = await socket_case(pages, rng)
                        else:
                            outcome = await rest_case(http, topology, rng)
                    except Exception:  # noqa: BLE001 - counted, the worker goes on
                        outcome = Outcome(-1, False, False)
                    results[name].append(outcome)
            finally:
                await pages.close()

    await asyncio.gather(*(worker(i) for i in range(workers)))
    await asyncio.sleep(3)  # what the servers log after the last answer
    tracebacks = topology.tracebacks_since(sizes)
    sent = sum(len(v) for v in results.values())
    row.sent = (
        f"{sent} messages, {workers} at a time: "
        + ", ".join(f"{name} {len(v)}" for name, v in results.items())
        + " (control characters, 100 KB and 1 MB texts, invalid UTF-8, lone surrogates, "
        + "non-object metadata, "
        "malformed XML, XML bombs, external entities, bad signatures, non-message payloads)"
    )
    total_5xx = total_empty = total_conn = 0
    for name, outcomes in results.items():
        statuses = Counter(o.status // 100 * 100 if o.status > 0 else o.status for o in outcomes)
        due = [o for o in outcomes if o.due]
        empty = sum(1 for o in due if not o.answered)
        fives = statuses.get(500, 0)
        conn = statuses.get(-1, 0)
        total_5xx += fives
        total_empty += empty
        total_conn += conn
        row.figures.append(
            f"{name}: 2xx {statuses.get(200, 0)}, 4xx {statuses.get(400, 0)}, 5xx {fives}, "
            f"connection errors {conn}, oversized bodies cut off {statuses.get(CLOSED, 0)}; "
            f"replies due {len(due)}, empty {empty}"
        )
    silent = Counter(o.case for v in results.values() for o in v if o.due and not o.answered)
    if silent:
        row.figures.append(
            "no reply where due, by input: "
            + ", ".join(f"{case} {n}" for case, n in silent.most_common(12))
        )
    row.figures.append(
        "tracebacks in the logs: " + (", ".join(f"{k} {v}" for k, v in tracebacks.items()) or "0")
    )
    row.check(total_5xx == 0, f"{total_5xx} 5xx answers")
    row.check(total_empty == 0, f"{total_empty} empty replies where one was due")
    row.check(total_conn == 0, f"{total_conn} connection errors")
    row.check(
        not tracebacks,
        f"{sum(tracebacks.values())} unhandled exceptions in the logs "
        f"({'; '.join(topology.log_excerpt(sizes))})",
    )
    row.seconds = time.monotonic() - started
    return row
