"""Debug shell: chat with the running bot and see, per turn, what the NLU and dialogue did.

    python -m bot.shell [--url http://127.0.0.1:5005] [--as demo-two-months] [--token …]

Per turn it shows the intent and confidence, the response-selector key, the entities with their
normalised values, the slots that changed, and the actions that ran with their timings. It talks
to the Rasa server over HTTP — the debug shell channel (:mod:`bot.channels.dev_shell`) and the
tracker API, both with the Rasa API token (``--token`` or ``RASA_API_TOKEN``, which ``make run``
generates) — so it sees exactly what a real channel sees. ``/as`` and ``/date`` work only while
the Rasa server is in development mode (``make run``); otherwise the server refuses the shell.

Commands: ``/as <borrower>`` to chat as a demo borrower (``/as`` alone lists them, ``/as none``
to be an unlinked user), ``/date YYYY-MM-DD`` to fix "today" for time-dependent figures
(``/date`` alone resets it), ``/reset`` for a new conversation, ``/quiet`` to toggle the parse
details, ``/help`` and ``/quit``. Buttons are shown numbered, as on WeChat: answering with a
number ("2") sends that button's payload, as clicking it on the chat page does.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from bot.channels.wechat_render import ReplyOption, choose_option
from bot.loans.demo_borrowers import DEMO_IDS, TWO_MONTHS

DEMO_BORROWERS = DEMO_IDS
SHELL_CHANNEL = "shell"


@dataclass
class ShellState:
    """Who the user is, which date the bot should assume, and the conversation id."""

    borrower: Optional[str] = TWO_MONTHS
    as_of: Optional[str] = None
    verbose: bool = True
    conversation_id: str = field(default_factory=lambda: f"shell-{uuid.uuid4().hex[:8]}")
    #: the buttons of the bot's last turn, numbered as shown: typing a number picks one
    options: Tuple[ReplyOption, ...] = ()

    def body(self, text: str) -> Dict[str, Any]:
        """The debug shell channel's request: who to be and which day, decided by the server's
        development mode, never by a normal channel."""
        return {
            "sender": self.conversation_id,
            "message": text,
            "as": self.borrower,
            "date": self.as_of,
        }

    @property
    def tracker_id(self) -> str:
        """The Rasa conversation id the shell channel gives this conversation."""
        return f"{SHELL_CHANNEL}:{self.conversation_id}"


@dataclass
class TurnReport:
    """What happened in one turn, read from the tracker events after the user's message."""

    intent: Optional[str] = None
    confidence: Optional[float] = None
    response_key: Optional[str] = None
    response_confidence: Optional[float] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)
    slots: List[tuple] = field(default_factory=list)
    actions: List[tuple] = field(default_factory=list)

    @classmethod
    def from_events(cls, events: List[Dict[str, Any]], text: str) -> "TurnReport":
        report = cls()
        start = None
        for index in range(len(events) - 1, -1, -1):
            if events[index].get("event") == "user" and events[index].get("text") == text:
                start = index
                break
        if start is None:
            return report
        user = events[start]
        parse = user.get("parse_data") or {}
        intent = parse.get("intent") or {}
        report.intent, report.confidence = intent.get("name"), intent.get("confidence")
        text_of_turn = user.get("text") or ""
        report.entities = []
        for entity in parse.get("entities") or []:
            entity = dict(entity)
            span_start, span_end = entity.get("start"), entity.get("end")
            if isinstance(span_start, int) and isinstance(span_end, int):
                entity["text"] = text_of_turn[span_start:span_end]
            report.entities.append(entity)
        selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        if report.intent == "faq" and selector:
            report.response_key = selector.get("intent_response_key")
            report.response_confidence = selector.get("confidence")
        previous = user.get("timestamp")
        for event in events[start + 1 :]:
            kind = event.get("event")
            if kind == "slot":
                report.slots.append((event.get("name"), event.get("value")))
            elif kind == "action" and event.get("name") != "action_listen":
                took = (
                    (event["timestamp"] - previous) * 1000
                    if previous and event.get("timestamp")
                    else None
                )
                report.actions.append((event.get("name"), took, event.get("policy")))
            if event.get("timestamp"):
                previous = event["timestamp"]
        return report

    def lines(self) -> List[str]:
        out = []
        if self.intent:
            conf = f" {self.confidence:.2f}" if isinstance(self.confidence, (int, float)) else ""
            out.append(f"intent    {self.intent}{conf}")
        if self.response_key:
            conf = (
                f" {self.response_confidence:.2f}"
                if isinstance(self.response_confidence, (int, float))
                else ""
            )
            out.append(f"response  {self.response_key}{conf}")
        for entity in self.entities:
            text = entity.get("text") or entity.get("value")
            out.append(
                f"entity    {entity.get('entity')} “{text}” → {entity.get('value')}"
                f"  ({entity.get('extractor', '?')})"
            )
        for name, value in self.slots:
            if not str(name).startswith("policy_"):
                out.append(f"slot      {name} = {json.dumps(value, ensure_ascii=False)}")
        for name, took, policy in self.actions:
            timing = f"{took:.0f} ms" if took is not None else "—"
            out.append(f"action    {name}  {timing}  [{policy or ''}]")
        return out


def button_options(messages: List[Dict[str, Any]]) -> Tuple[ReplyOption, ...]:
    """The buttons of one bot turn, numbered across its messages as they are shown."""
    options = []
    for message in messages:
        for button in message.get("buttons") or []:
            title = str(button.get("title") or "")
            payload = str(button.get("payload") or title)
            options.append(ReplyOption(len(options) + 1, title, payload))
    return tuple(options)


def render_bot_message(message: Dict[str, Any], first_number: int = 1) -> str:
    parts = []
    if message.get("text"):
        parts.append(message["text"])
    for index, button in enumerate(message.get("buttons") or [], start=first_number):
        parts.append(f"  [{index}] {button.get('title')}")
    if message.get("custom"):
        parts.append(render_custom(message["custom"]))
    if message.get("image"):
        parts.append(f"[图片] {message['image']}")
    return "\n".join(parts)


def render_custom(payload: Dict[str, Any]) -> str:
    """Custom payloads (e.g. a payoff plan table) as plain text for the terminal."""
    table = payload.get("table") if isinstance(payload, dict) else None
    if table and table.get("columns"):
        rows = [table["columns"], *table.get("rows", [])]
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(table["columns"]))]
        return "\n".join(
            "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows
        )
    return json.dumps(payload, ensure_ascii=False)


class ShellRefused(Exception):
    """The server refused the shell; the message says why, in Chinese."""


class BotConnection:
    """The Rasa server's debug shell channel and tracker API, with the API token."""

    def __init__(self, url: str, session: aiohttp.ClientSession, token: Optional[str] = None):
        self.url = url.rstrip("/")
        self.session = session
        self.token = token or ""

    async def send(self, state: ShellState, text: str) -> List[Dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.post(
            f"{self.url}/webhooks/shell/webhook", json=state.body(text), headers=headers
        ) as response:
            if response.status in (401, 404, 503):
                raise ShellRefused(REFUSALS[response.status])
            response.raise_for_status()
            return await response.json()

    async def events(self, state: ShellState) -> List[Dict[str, Any]]:
        async with self.session.get(
            f"{self.url}/conversations/{state.tracker_id}/tracker",
            params={"include_events": "AFTER_RESTART", "token": self.token},
        ) as response:
            response.raise_for_status()
            return (await response.json()).get("events") or []


REFUSALS = {
    401: (
        "服务器拒绝了调试窗口：令牌不对。用 --token 或环境变量 RASA_API_TOKEN 给出 Rasa 的 API"
        " 令牌（make run 会自动设置）。"
    ),
    404: "服务器没有开启开发模式（BOT_DEV_MODE=1），调试窗口不可用；make run 会开启它。",
    503: "服务器没有配置 RASA_API_TOKEN，调试窗口不可用。",
}


HELP = """命令 / commands:
  /as <借款人>      以演示借款人身份聊天（/as 列出全部，/as none 表示未绑定用户）
  /date YYYY-MM-DD  设定"今天"，用于逾期天数等随日期变化的数字（/date 恢复真实日期）
  /reset            开始新的对话
  /quiet            显示/隐藏解析细节
  /quit             退出（或 Ctrl-D）
机器人给出 [1] [2] 这样的选项时，输入数字就是点那个按钮。"""


def handle_command(state: ShellState, line: str) -> Optional[str]:
    """Apply a slash command; returns what to print, or None to quit."""
    parts = line.split()
    command, args = parts[0].lower(), parts[1:]
    if command in ("/quit", "/exit"):
        return None
    if command == "/help":
        return HELP
    if command == "/reset":
        state.conversation_id = f"shell-{uuid.uuid4().hex[:8]}"
        state.options = ()
        return f"新对话：{state.conversation_id}"
    if command == "/quiet":
        state.verbose = not state.verbose
        return "解析细节：" + ("显示" if state.verbose else "隐藏")
    if command == "/as":
        if not args:
            current = state.borrower or "未绑定"
            return "演示借款人：" + "、".join(DEMO_BORROWERS) + f"（当前：{current}）"
        name = args[0]
        if name.startswith("demo-") and name not in DEMO_BORROWERS:
            return f"没有这个演示借款人：{name}。可选：" + "、".join(DEMO_BORROWERS)
        # any other name is taken as an external id on the shell channel (unlinked ones see no data)
        state.borrower = None if name in ("none", "unlinked", "-") else name
        state.conversation_id = f"shell-{uuid.uuid4().hex[:8]}"
        state.options = ()
        return (
            f"现在以 {state.borrower or '未绑定用户'} 的身份聊天（新对话 {state.conversation_id}）"
        )
    if command == "/date":
        if not args:
            state.as_of = None
            return "日期：使用真实的今天"
        try:
            state.as_of = dt.date.fromisoformat(args[0]).isoformat()
        except ValueError:
            return "日期格式应为 YYYY-MM-DD，例如 /date 2026-12-01"
        return f"日期：按 {state.as_of} 计算"
    return f"未知命令 {command}。输入 /help 查看命令。"


async def _open_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))


async def _exchange(bot: BotConnection, state: ShellState, line: str):
    messages = await bot.send(state, line)
    report = TurnReport.from_events(await bot.events(state), line) if state.verbose else None
    return messages, report


def chat(
    url: str, state: ShellState, read=input, out=sys.stdout, token: Optional[str] = None
) -> int:
    """Read lines and chat until EOF, Ctrl-C or /quit.

    Input is read in the main thread (not in an executor), so Ctrl-C ends the shell at once;
    each turn's HTTP exchange runs on one event loop kept for the whole session.
    """

    def emit(text: str = "") -> None:
        print(text, file=out, flush=True)

    loop = asyncio.new_event_loop()
    session = loop.run_until_complete(_open_session())
    bot = BotConnection(url, session, token)
    emit(f"还款小助手调试窗口 — {url}，身份 {state.borrower or '未绑定'}。输入 /help 查看命令。")
    try:
        while True:
            try:
                line = read("你 > ").strip()
            except (EOFError, KeyboardInterrupt):
                emit()
                return 0
            if not line:
                continue
            if line.startswith("/"):
                reply = handle_command(state, line)
                if reply is None:
                    return 0
                emit(reply)
                continue
            chosen = choose_option(line, state.options)
            if chosen is not None:
                emit(f"  （选了 [{chosen.number}] {chosen.title}）")
                line = chosen.payload
            try:
                messages, report = loop.run_until_complete(_exchange(bot, state, line))
            except ShellRefused as refused:
                emit(f"（{refused}）")
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                emit(f"（连不上机器人服务 {url}：{error.__class__.__name__}。服务启动了吗？）")
                continue
            except KeyboardInterrupt:
                emit()
                return 0
            if report:
                for detail in report.lines():
                    emit(f"  · {detail}")
            if not messages:
                emit("机器人 > （没有回复）")
            number = 1
            for message in messages:
                emit("机器人 > " + render_bot_message(message, number))
                number += len(message.get("buttons") or [])
            state.options = button_options(messages)
    finally:
        loop.run_until_complete(session.close())
        loop.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.shell",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server URL")
    parser.add_argument(
        "--as",
        dest="borrower",
        default=TWO_MONTHS,
        help="demo borrower to chat as ('none' for an unlinked user)",
    )
    parser.add_argument("--date", dest="as_of", default=None, help="assume this date (YYYY-MM-DD)")
    parser.add_argument(
        "--token",
        default=os.environ.get("RASA_API_TOKEN"),
        help="the Rasa API token (default: $RASA_API_TOKEN)",
    )
    args = parser.parse_args(argv)
    state = ShellState(
        borrower=None if args.borrower in ("none", "-") else args.borrower, as_of=args.as_of
    )
    return chat(args.url, state, token=args.token)


if __name__ == "__main__":
    sys.exit(main())
