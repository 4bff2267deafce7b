"""The chat page in a real browser against the real bot.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by
``scripts/setup_browser.sh``), headless, with a fresh profile and the flags that keep it off the
network, against the page server (:8080) and the Rasa server (:5005) that scripts/test.sh
starts. Each step leaves a screenshot in ``results/screenshots/``.

What is checked beyond what the page shows is read back from Rasa's tracker API: the session
the page keeps is the Rasa conversation, the demo identity arrives as message metadata, the
FAQ went through the response selector, and the chart and table show the payload's numbers.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.rasa_server, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
WIDGET_URL = os.environ.get("WIDGET_URL", "http://127.0.0.1:8080").rstrip("/") + "/"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# a turn can include an action-server call and a loan-service lookup on a busy 2-core machine
REPLY_TIMEOUT_MS = 45_000

BOT_MESSAGES = "#hk-chat .rw-from-response .rw-message:not(.rw-typing-indication)"
USER_MESSAGES = "#hk-chat .rw-from-client .rw-message"
LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]|^(data|blob|about):")


@pytest.fixture(scope="module")
def servers() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run bash scripts/setup_browser.sh")
    try:
        requests.get(
            f"{RASA_URL}/status", params={"token": os.environ.get("RASA_API_TOKEN", "")}, timeout=5
        ).raise_for_status()
        health = requests.get(f"{WIDGET_URL}health", timeout=5).json()
    except (requests.RequestException, ValueError) as error:
        pytest.fail(
            f"the Rasa server ({RASA_URL}) and the chat page ({WIDGET_URL}) must be running "
            f"(scripts/test.sh starts them): {error}"
        )
    if not health.get("widget_built"):
        pytest.fail("the chat widget is not vendored: run bash bot/widget/build.sh")


@pytest.fixture(scope="module")
def playwright(servers):
    with sync_playwright() as driver:
        yield driver


class ChatPage:
    """The chat page in one browser tab, with what the tests need to drive and read it."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.shots = 0
        self.dialogs: List[str] = []
        self.problems: List[str] = []
        self.outside_requests: List[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._on_console)
        page.on("request", self._on_request)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text[:200]}")

    def _on_request(self, request) -> None:
        if not LOCAL.match(request.url):
            self.outside_requests.append(request.url)

    # --- driving -------------------------------------------------------------------------
    def open(self, borrower: Optional[str] = None) -> None:
        self.borrower = borrower or None
        self.page.goto(WIDGET_URL)
        if borrower is not None:
            with self.page.expect_navigation():
                self.page.select_option("#hk-borrower", borrower)
            expect(self.page.locator("#hk-borrower")).to_have_value(borrower)
        expect(self.page.locator(".rw-new-message")).to_be_visible()

    def send(self, text: str) -> None:
        before = self.bot_count()
        box = self.page.locator(".rw-new-message")
        box.fill(text)
        box.press("Enter")
        expect(self.page.locator(USER_MESSAGES).last).to_have_text(text)
        self.wait_for_bot(before)

    def wait_for_bot(self, before: int) -> None:
        """Until at least one new bot message is shown and the bot has finished the turn."""
        self.page.wait_for_function(
            "([selector, n]) => document.querySelectorAll(selector).length > n",
            arg=[BOT_MESSAGES, before],
            timeout=REPLY_TIMEOUT_MS,
        )
        self.settle()

    def settle(self) -> None:
        """Until the bot has finished its turn and the page shows all of it: Rasa's tracker
        ends with action_listen, the page shows as many bot messages as the tracker's bot
        events make (the socket.io channel sends each paragraph, and a custom payload, as a
        message of its own), and the typing dots are gone."""
        deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
        state = "no session yet"
        while time.monotonic() < deadline:
            stored = self.page.evaluate("() => window.localStorage.getItem('chat_session')")
            session = json.loads(stored).get("session_id") if stored else None
            if session:
                events = tracker_events(conversation_id(getattr(self, "borrower", None), session))
                idle = (
                    bool(events)
                    and events[-1].get("event") == "action"
                    and events[-1].get("name") == "action_listen"
                )
                expected, shown = expected_bot_messages(events), self.bot_count()
                typing = self.page.locator("#hk-chat .rw-typing-indication").count()
                if idle and shown >= expected and not typing:
                    return
                state = f"idle={idle}, bot messages shown {shown} of {expected}, typing={typing}"
            self.page.wait_for_timeout(200)
        raise AssertionError(f"the bot's turn did not finish on the page: {state}")

    def click_reply(self, title: str) -> None:
        before = self.bot_count()
        self.page.locator("#hk-chat .rw-reply", has_text=title).last.click()
        expect(self.page.locator(USER_MESSAGES).last).to_have_text(title)
        self.wait_for_bot(before)

    def reload(self) -> None:
        self.page.reload()
        expect(self.page.locator(".rw-new-message")).to_be_visible()
        self.settle()

    def screenshot(self, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        return path

    # --- reading ---------------------------------------------------------------------------
    def bot_count(self) -> int:
        return self.page.locator(BOT_MESSAGES).count()

    def bot_texts(self) -> List[str]:
        return [t.strip() for t in self.page.locator(BOT_MESSAGES).all_inner_texts()]

    def transcript(self) -> List[str]:
        items = self.page.locator(f"{BOT_MESSAGES}, {USER_MESSAGES}")
        return [t.strip() for t in items.all_inner_texts()]

    def session_id(self) -> str:
        stored = self.page.evaluate("() => window.localStorage.getItem('chat_session')")
        assert stored, "the widget keeps no session in localStorage"
        return json.loads(stored)["session_id"]

    def assert_clean(self) -> None:
        assert not self.dialogs, f"a dialog was opened: {self.dialogs}"
        assert not self.problems, self.problems
        assert not self.outside_requests, (
            f"the page reached outside this machine: {self.outside_requests}"
        )


@pytest.fixture
def open_chat(playwright, tmp_path, request):
    """open_chat(viewport=...) → a ChatPage in a fresh Chromium profile (closed after the test)."""
    contexts = []

    def _open(width: int = 1024, height: int = 800, mobile: bool = False) -> ChatPage:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
        )
        context.set_default_timeout(REPLY_TIMEOUT_MS)
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        name = re.sub(r"[^\w-]+", "_", request.node.name.replace("test_", "", 1)).strip("_")
        return ChatPage(page, name)

    yield _open
    for context in contexts:
        context.close()


def conversation_id(borrower: Optional[str], session_id: str) -> str:
    """The Rasa conversation of a widget session: the channel namespaces it by the verified
    login."""
    return f"widget:{borrower or 'anon'}:{session_id}"


def tracker_events(conversation: str) -> List[Dict[str, Any]]:
    response = requests.get(
        f"{RASA_URL}/conversations/{conversation}/tracker",
        params={"include_events": "ALL", "token": os.environ.get("RASA_API_TOKEN", "")},
        timeout=30,
    )
    response.raise_for_status()
    return response.json().get("events") or []


def expected_bot_messages(events: List[Dict[str, Any]]) -> int:
    """How many messages the page shows for these bot events (see WidgetSocketIOOutput)."""
    count = 0
    for event in events:
        if event.get("event") != "bot":
            continue
        data = event.get("data") or {}
        if event.get("text") is not None:
            count += len(event["text"].strip().split("\n\n"))
        count += sum(1 for key in ("custom", "image", "attachment") if data.get(key) is not None)
    return count


def user_events(conversation: str) -> List[Dict[str, Any]]:
    return [e for e in tracker_events(conversation) if e.get("event") == "user"]


def subject_of(event: Dict[str, Any]) -> Optional[str]:
    """The verified borrower the channel stamped on a user event."""
    return ((event.get("metadata") or {}).get("verified_identity") or {}).get("subject")


def money(text: str) -> str:
    """ "1234.50" → "1,234.50", as the page shows a money string."""
    match = re.fullmatch(r"(-?)(\d+)(\.\d+)?", text)
    if not match:
        return text
    return match.group(1) + f"{int(match.group(2)):,}" + (match.group(3) or "")


# --- the tests ------------------------------------------------------------------------------


def test_greet_and_faq_in_chinese(open_chat):
    chat = open_chat()
    chat.open()
    chat.page.wait_for_function(
        "([s]) => document.querySelectorAll(s).length > 0",
        arg=[BOT_MESSAGES],
        timeout=REPLY_TIMEOUT_MS,
    )
    chat.settle()
    greeting = chat.bot_texts()
    assert greeting and "还款小助手" in greeting[0], (
        greeting
    )  # the page opens with the bot's greeting
    chat.screenshot("opened")

    chat.send("你好")
    assert "还款小助手" in "".join(chat.bot_texts()[len(greeting) :])
    chat.send("逾期了会上征信吗")
    answer = "".join(chat.bot_texts()[-3:])
    assert "征信" in answer, answer
    chat.screenshot("faq")

    events = user_events(conversation_id(None, chat.session_id()))
    texts = [e.get("text") for e in events]
    assert texts[-2:] == ["你好", "逾期了会上征信吗"]
    faq = events[-1]["parse_data"]
    assert faq["intent"]["name"] == "faq"
    assert faq["response_selector"]["faq"]["response"]["intent_response_key"].startswith("faq/")
    metadata = events[-1]["metadata"]
    assert metadata["channel"] == "widget" and subject_of(events[-1]) is None  # not logged in
    assert events[-1]["input_channel"] == "socketio"
    chat.assert_clean()


def test_payoff_form_by_clicking_buttons_renders_chart_and_table(open_chat):
    chat = open_chat(width=430, height=900, mobile=True)
    chat.open("demo-multi-debt")
    chat.settle()
    chat.send("帮我做个还款计划")
    chat.send("每月能还5000")
    replies = chat.page.locator("#hk-chat .rw-reply")
    expect(replies.first).to_be_visible()
    titles = replies.all_inner_texts()
    assert any("雪崩" in t for t in titles) and any("雪球" in t for t in titles), titles
    chat.screenshot("strategy-buttons")

    avalanche = next(t for t in titles if "雪崩" in t)
    chat.click_reply(avalanche)
    card = chat.page.locator('[data-testid="payoff-plan"]').last
    expect(card).to_be_visible()
    card.scroll_into_view_if_needed()
    chat.screenshot("payoff-plan")

    # the payload the bot sent, read back from the conversation
    session = conversation_id("demo-multi-debt", chat.session_id())
    events = tracker_events(session)
    assert all(subject_of(e) == "demo-multi-debt" for e in events if e.get("event") == "user")
    payloads = [
        e["data"]["custom"]
        for e in events
        if e.get("event") == "bot"
        and ((e.get("data") or {}).get("custom") or {}).get("type") == "payoff_plan"
    ]
    assert payloads, "the bot sent no payoff plan"
    payload = payloads[-1]
    assert payload["chosen"] == "avalanche"

    # a chart: one line per strategy, named in the legend
    series = payload["chart"]["series"]
    assert card.locator("svg.hk-chart-svg .hk-series path").count() == len(series) == 2
    assert card.locator(".hk-legend li").all_inner_texts() == [s["name"] for s in series]
    chosen_name = payload["strategies"]["avalanche"]["name"]
    solid = card.locator(".hk-series:has(path:not([stroke-dasharray]))")
    assert solid.count() == 1  # the chosen strategy's line stands out
    assert series[int(solid.get_attribute("data-series"))]["name"] == chosen_name
    # a table with the payload's rows, money with thousands separators, to the fen
    rows = payload["table"]["rows"]
    assert len(rows) == 3  # 借呗, 花呗分期, the credit-card installments
    shown = [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in card.locator("tbody tr").all()
    ]
    assert shown == [[money(cell) for cell in row] for row in rows]
    assert card.locator("thead th").all_inner_texts() == payload["table"]["columns"]
    chosen = card.locator("li.hk-chosen")
    expect(chosen).to_have_attribute("data-strategy", "avalanche")

    # the card fits the phone's width; only the table may scroll sideways inside the card
    overflow = chat.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    box = card.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 430 + 0.5

    # still there, drawn again, after a reload
    chat.reload()
    card = chat.page.locator('[data-testid="payoff-plan"]').last
    expect(card).to_be_visible()
    assert card.locator("tbody tr").count() == 3
    assert card.locator("svg.hk-chart-svg .hk-series path").count() == 2
    chat.screenshot("payoff-plan-after-reload")
    chat.assert_clean()


def test_reload_keeps_the_history_and_the_conversation(open_chat):
    chat = open_chat()
    chat.open("demo-two-months")
    chat.settle()
    chat.send("你好")
    chat.send("我这个月要还多少")
    session = chat.session_id()
    before = chat.transcript()
    assert "我这个月要还多少" in before
    chat.screenshot("before-reload")

    chat.reload()
    assert chat.transcript() == before  # the same messages, in the same order; no new greeting
    assert chat.session_id() == session
    expect(chat.page.locator("#hk-borrower")).to_have_value("demo-two-months")
    chat.screenshot("after-reload")

    chat.send("谢谢")
    conversation = conversation_id("demo-two-months", session)
    texts = [e.get("text") for e in user_events(conversation)]
    assert texts[-3:] == ["你好", "我这个月要还多少", "谢谢"]  # one Rasa conversation throughout
    assert all(subject_of(e) == "demo-two-months" for e in user_events(conversation))

    # a new conversation on request, and switching the borrower starts a new one too
    with chat.page.expect_navigation():
        chat.page.click("#hk-new-chat")
    expect(chat.page.locator(".rw-new-message")).to_be_visible()
    chat.settle()
    assert chat.session_id() != session
    assert "谢谢" not in chat.transcript()
    chat.assert_clean()


@pytest.mark.parametrize(
    "attack",
    [
        "<script>window.__xss = 'script'</script>",
        "<img src=x onerror=\"window.__xss = 'img'\">",
    ],
)
def test_markup_in_a_message_is_shown_as_text(open_chat, attack):
    chat = open_chat()
    chat.open()
    chat.settle()
    chat.send(attack)
    expect(chat.page.locator(USER_MESSAGES).last).to_have_text(attack)
    chat.reload()  # and again when the history is drawn from storage
    expect(chat.page.locator(USER_MESSAGES).last).to_have_text(attack)
    chat.screenshot("xss")
    assert chat.page.evaluate("() => window.__xss") is None
    assert chat.page.locator("#hk-chat img[src='x'], #hk-chat script").count() == 0
    assert user_events(conversation_id(chat.borrower, chat.session_id()))[-1]["text"] == attack
    chat.assert_clean()


def test_a_hostile_custom_payload_is_drawn_as_text(open_chat):
    """The payload renderer on its own: every string from the bot ends up as text."""
    chat = open_chat()
    chat.open()
    hostile = "<img src=x onerror=\"window.__xss='payload'\">"
    payload = {
        "type": "payoff_plan",
        "chosen": "avalanche",
        "monthly_budget": "3000.00",
        "strategies": {
            "avalanche": {
                "name": hostile,
                "feasible": True,
                "months": 14,
                "total_interest": "1234.50",
            }
        },
        "table": {
            "columns": ["欠款", hostile],
            "rows": [[hostile, "1234.50"], ["<script>window.__xss=1</script>", "x"]],
        },
        "chart": {
            "title": hostile,
            "unit": "元",
            "labels": [hostile, "2"],
            "series": [{"name": hostile, "data": ["100.00", "50.00"]}],
        },
    }
    html_before = chat.page.evaluate("() => document.body.innerHTML.length")
    texts = chat.page.evaluate(
        """(payload) => {
        const node = window.PayoffPlan.render(payload);
        document.body.appendChild(node);
        return node.innerText;
    }""",
        payload,
    )
    assert hostile in texts and "<script>window.__xss=1</script>" in texts
    assert "1,234.50" in texts
    assert chat.page.evaluate("() => window.__xss") is None
    assert chat.page.locator("body img, body [data-testid=payoff-plan] script").count() == 0
    assert chat.page.evaluate("() => document.body.innerHTML.length") > html_before
    chat.assert_clean()


def test_mobile_width_layout(open_chat):
    chat = open_chat(width=360, height=640, mobile=True)
    chat.open("demo-one-yuan")
    chat.settle()
    chat.send("逾期一块钱会不会上征信")
    page = chat.page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    for selector in ("#hk-borrower", "#hk-new-chat", ".rw-new-message"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 0.5, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640 + 0.5, selector
    for box in (b.bounding_box() for b in page.locator(f"{BOT_MESSAGES}, {USER_MESSAGES}").all()):
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 0.5
    chat.screenshot("mobile")
    chat.assert_clean()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_when_the_bot_is_down_the_page_says_so(open_chat):
    """A page server whose Rasa URL answers nothing: the page explains, it does not hang blank."""
    import subprocess
    import sys

    port, dead = free_port(), free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.widget",
            "serve",
            "--port",
            str(port),
            "--rasa-url",
            f"http://127.0.0.1:{dead}",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.1)
        chat = open_chat()
        chat.page.goto(f"http://127.0.0.1:{port}/")
        notice = chat.page.locator("#hk-notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("连不上聊天服务")
        expect(chat.page.locator(".rw-new-message")).to_be_visible()  # the page itself works
        chat.screenshot("bot-down")
        assert not chat.dialogs and not chat.outside_requests
    finally:
        server.terminate()
        server.wait(timeout=10)
