"""Whole chat turns under load: this bot against a stock Rasa moodbot, in the same run.

    .venv/bin/python benchmarks/turn_bench.py                     # both modes, 20 x 10, 2 rounds
    .venv/bin/python benchmarks/turn_bench.py --mode load --conversations 20 --turns 10
    .venv/bin/python benchmarks/turn_bench.py --mode long --long-turns 105

It starts, on free ports of its own (never 5005 / 5055 / 5056 / 8080):

* **this bot** through ``benchmarks/stack.sh`` = ``scripts/lib.sh``'s ``start_services`` (loan
  ledger, action server, one Rasa process, chat page) in a temporary directory, with the
  embedded default ``endpoints.yml`` (so the SQLite tracker store is a fresh ``var/tracker.db``
  there) and a fresh SQLite ledger seeded with the demo borrowers;
* **a stock moodbot**: ``rasa init --no-prompt`` in a temporary directory (trained there: stock
  config, in-memory tracker store, REST channel), served by ``rasa run``.

**load** mode: N concurrent conversations x T turns per bot, the bots one after the other
(never at the same time), ``--rounds`` times alternating. This bot's mix, per five
conversations: three anonymous users over the REST channel (FAQ answers, the overdue-cost and
budget calculators with their forms, small talk, hand-off) and two linked demo borrowers over
the debug shell's channel (their loans from the ledger, the payoff / budget / relief / reminder
forms and the FAQ follow-ups with their own figures). The moodbot gets its own greet / mood /
bot-challenge messages. Each turn is one HTTP request timed from send to the full answer.
Prints p50 / p95 / turns per second per bot and the ratios.

**long** mode: one conversation alone, ``--long-turns`` turns (every script is ten messages
long and cycles), per bot: the median of turns 1-10 against turns 96-105 (the same ten
messages), i.e. the cost of turn ~5 against turn ~100.

The machine has 2 cores: the benchmark prints ``os.getloadavg()`` and the CPU the machine used
while the servers stood idle, waits up to ``--settle`` seconds for it to drop under
``--max-busy`` cores, and refuses to measure a busy machine unless ``--force`` (then every
figure is marked BUSY).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp

from bot.loans.demo_borrowers import MULTI_DEBT, ONE_YUAN, TWO_MONTHS, UP_TO_DATE

REPO = Path(__file__).resolve().parents[1]
RESERVED_PORTS = {5005, 5055, 5056, 8080}
FAILURE_MARKERS = ("系统暂时出了点问题",)

# --- what the users say -------------------------------------------------------------------------
# Every script is ten turns and cycles; each flow it starts it also finishes.
ANONYMOUS_SCRIPTS = (
    [
        "你好",
        "借呗两个月没还会怎样",
        "5000块逾期两个月罚息多少",
        "万分之五",
        "逾期会影响房贷吗",
        "月薪8000怎么分配",
        "房租2000，吃饭1500",
        "差一块钱没还会上征信吗",
        "你是机器人吗",
        "谢谢",
    ],
    [
        "在吗",
        "我借呗还欠多少",
        "有宽限期吗",
        "借2万年化18%逾期一个月罚息多少",
        "提前还款有手续费吗",
        "月入6000怎么做预算",
        "房租1500吃饭1200",
        "催收打电话给我家人合法吗",
        "转人工",
        "再见",
    ],
    [
        "你好",
        "有人说能帮我停息挂账，要交服务费",
        "逾期了征信能修复吗",
        "借呗3000逾期10天罚息多少",
        "年化14.4%",
        "花呗能分期吗",
        "逾期了会被起诉吗",
        "5000",
        "怎么还款",
        "谢谢",
    ],
)
LINKED_SCRIPTS = (
    (
        UP_TO_DATE,
        [
            "你好",
            "我这个月要还多少",
            "我要是晚还10天会怎样",
            "还款日前三天提醒我",
            "提前还款有违约金吗",
            "取消提醒",
            "月薪8000怎么分配",
            "房租2000，吃饭1500",
            "你是机器人吗",
            "谢谢",
        ],
    ),
    (
        TWO_MONTHS,
        [
            "借呗两个月没还会怎样",
            "每月能还3000多久能还清",
            "这个月实在还不上能延期吗",
            "公司裁员了，还在找工作",
            "每月能还1000",
            "确认提交",
            "会被起诉吗",
            "我借呗还欠多少",
            "转人工",
            "谢谢",
        ],
    ),
    (
        ONE_YUAN,
        [
            "我逾期了吗",
            "差一块钱没还会上征信吗",
            "逾期会影响房贷吗",
            "我要是晚还10天会怎样",
            "怎么还款",
            "还款日前三天提醒我",
            "取消提醒",
            "查一下我的借款",
            "再见",
            "好的谢谢",
        ],
    ),
    (
        MULTI_DEBT,
        [
            "我有好几笔贷款，先还哪个",
            "5000",
            "先还利率高的",
            "那每月4000呢",
            "月薪8000怎么分配才能还上钱",
            "房租2000，吃饭1500",
            "逾期会影响房贷吗",
            "我借呗还欠多少",
            "5000块逾期两个月罚息多少",
            "谢谢",
        ],
    ),
)
MOODBOT_SCRIPT = [
    "hello",
    "I am feeling sad",
    "yes",
    "I am great",
    "are you a bot?",
    "hi there",
    "not good",
    "no",
    "very good",
    "goodbye",
]


@dataclass(frozen=True)
class Conversation:
    """One simulated user: where to post, as whom, and what they say."""

    kind: str  # "anonymous", "linked" or "moodbot"
    path: str  # the channel's webhook
    token: Optional[str]
    script: tuple
    borrower: Optional[str] = None

    def body(self, sender: str, text: str) -> dict:
        body = {"sender": sender, "message": text}
        if self.kind == "linked":
            body["as"] = self.borrower
        return body


def bot_mix(conversations: int, rest_token: str, api_token: str) -> list[Conversation]:
    """Per five conversations: three anonymous users (REST), two linked borrowers (shell)."""
    mix = []
    anonymous = linked = 0
    for index in range(conversations):
        if index % 5 < 3:
            script = ANONYMOUS_SCRIPTS[anonymous % len(ANONYMOUS_SCRIPTS)]
            mix.append(
                Conversation("anonymous", "/webhooks/rest/webhook", rest_token, tuple(script))
            )
            anonymous += 1
        else:
            borrower, script = LINKED_SCRIPTS[linked % len(LINKED_SCRIPTS)]
            mix.append(
                Conversation(
                    "linked", "/webhooks/shell/webhook", api_token, tuple(script), borrower
                )
            )
            linked += 1
    return mix


def moodbot_mix(conversations: int) -> list[Conversation]:
    return [
        Conversation("moodbot", "/webhooks/rest/webhook", None, tuple(MOODBOT_SCRIPT))
        for _ in range(conversations)
    ]


# --- the machine ---------------------------------------------------------------------------------


def cpu_times() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields), idle


def busy_cores(seconds: float = 2.0) -> float:
    """Cores the whole machine kept busy over ``seconds`` (0 … os.cpu_count())."""
    total0, idle0 = cpu_times()
    time.sleep(seconds)
    total1, idle1 = cpu_times()
    span = total1 - total0
    return 0.0 if span <= 0 else (os.cpu_count() or 1) * (1.0 - (idle1 - idle0) / span)


def machine_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min), {os.cpu_count()} cores"


class Machine:
    def __init__(self, max_busy: float, settle: float, force: bool):
        self.max_busy, self.settle, self.force = max_busy, settle, force
        self.busy_marks: list[str] = []

    def check(self, what: str) -> bool:
        """Wait for a quiet machine before measuring ``what``; False = measured anyway, busy."""
        deadline = time.monotonic() + self.settle
        while True:
            busy = busy_cores()
            if busy <= self.max_busy:
                print(
                    f"  [{what}] machine: {machine_line()}; busy before measuring {busy:.2f} cores",
                    flush=True,
                )
                return True
            if time.monotonic() >= deadline:
                break
            print(
                f"  [{what}] machine busy ({busy:.2f} cores > {self.max_busy}), waiting …",
                flush=True,
            )
            time.sleep(5)
        message = (
            f"[{what}] the machine is busy: {busy:.2f} cores in use by others "
            f"(> --max-busy {self.max_busy}); {machine_line()}"
        )
        if not self.force:
            raise SystemExit(
                f"turn_bench: refusing to measure: {message}. Try again later, or --force."
            )
        print(f"  WARNING {message}: figures marked BUSY", flush=True)
        self.busy_marks.append(what)
        return False


# --- processes -----------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS and port not in ports:
            ports.append(port)
    return ports


def stop_group(process: Optional[subprocess.Popen], grace: float = 20.0) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


async def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise SystemExit(f"turn_bench: {url} did not come up (log {log}):\n{tail}")


class BotStack:
    """This bot: benchmarks/stack.sh (lib.sh's start_services) in a temporary directory."""

    def __init__(self, repo: Path, model: Path, workdir: Path):
        self.repo, self.model, self.workdir = repo, model, workdir
        self.rasa_port, self.action_port, self.loan_port, self.widget_port = free_ports(4)
        self.rest_token = secrets.token_urlsafe(24)
        self.api_token = secrets.token_urlsafe(24)
        self.process: Optional[subprocess.Popen] = None
        self.log = workdir / "stack.log"
        self.pids: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    async def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("LOAN_SERVICE_URL", "ACTION_SERVER_URL", "BOT_ENV", "ACTION_SERVER_HOST")
        }
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_SERVER_PORT=str(self.action_port),
            LOAN_SERVICE_PORT=str(self.loan_port),
            WIDGET_PORT=str(self.widget_port),
            LOAN_DATABASE_URL=f"sqlite:///{self.workdir / 'loans.db'}",
            RASA_MODEL=str(self.model),
            REST_CHANNEL_TOKEN=self.rest_token,
            RASA_API_TOKEN=self.api_token,
            BOT_DEV_MODE="1",
        )
        for name in (
            "LOAN_SERVICE_TOKEN",
            "ACTION_SERVER_TOKEN",
            "IDENTITY_SECRET",
            "WIDGET_JWT_SECRET",
        ):
            env[name] = secrets.token_urlsafe(32)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                ["bash", str(self.repo / "benchmarks" / "stack.sh"), str(self.workdir / "logs")],
                cwd=self.workdir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        await wait_until_up(
            f"{self.url}/status?token={self.api_token}", self.process, self.log, 420
        )
        for name, pid in re.findall(
            r"started ([a-z ]+) \(pid (\d+)", self.log.read_text(errors="replace")
        ):
            self.pids[name] = int(pid)

    def stop(self) -> None:
        stop_group(self.process)


class Moodbot:
    """A stock moodbot: ``rasa init --no-prompt`` (trains), served by ``rasa run`` (REST)."""

    def __init__(self, directory: Path, rasa: Path, workdir: Path):
        self.directory, self.rasa = directory, rasa
        self.port = free_ports(1)[0]
        self.process: Optional[subprocess.Popen] = None
        self.log = workdir / "moodbot.log"
        self.init_log = workdir / "moodbot-init.log"
        self.pids: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        if list((self.directory / "models").glob("*.tar.gz")):
            print(f"  moodbot: reusing the trained project in {self.directory}", flush=True)
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        print(f"  moodbot: rasa init --no-prompt in {self.directory} (trains, ~1 min)", flush=True)
        with open(self.init_log, "wb") as out:
            done = subprocess.run(
                [str(self.rasa), "init", "--no-prompt", "--init-dir", str(self.directory)],
                cwd=self.directory,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if done.returncode or not list((self.directory / "models").glob("*.tar.gz")):
            raise SystemExit(f"turn_bench: rasa init failed (log {self.init_log})")

    async def start(self) -> None:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    str(self.rasa),
                    "run",
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--model",
                    "models",
                    "--credentials",
                    "credentials.yml",
                    "--endpoints",
                    "endpoints.yml",
                ],
                cwd=self.directory,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pids["rasa server"] = self.process.pid
        await wait_until_up(f"{self.url}/webhooks/rest/", self.process, self.log, 300)

    def stop(self) -> None:
        stop_group(self.process)


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    latencies: list[float] = field(default_factory=list)  # seconds, every turn
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    busy: bool = False

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_kind.setdefault(kind, []).append(seconds)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[index]


async def one_turn(
    session: aiohttp.ClientSession, base: str, conversation: Conversation, sender: str, text: str
) -> tuple[float, Optional[str]]:
    headers = {"Authorization": f"Bearer {conversation.token}"} if conversation.token else {}
    started = time.perf_counter()
    try:
        async with session.post(
            base + conversation.path, json=conversation.body(sender, text), headers=headers
        ) as resp:
            raw = await resp.read()
            elapsed = time.perf_counter() - started
            if resp.status != 200:
                return elapsed, f"HTTP {resp.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return time.perf_counter() - started, type(error).__name__
    try:
        answer = json.loads(raw)
    except ValueError:
        return elapsed, "not JSON"
    if not isinstance(answer, list) or not answer:
        return elapsed, "no reply"
    if any(
        marker in str(message.get("text", "")) for message in answer for marker in FAILURE_MARKERS
    ):
        return elapsed, "failure reply"
    return elapsed, None


async def run_load(label: str, base: str, mix: list[Conversation], turns: int) -> Result:
    result = Result(label)
    run_id = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=len(mix) + 2)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def converse(index: int, conversation: Conversation) -> None:
            sender = f"bench-{run_id}-{index}"
            for turn in range(turns):
                text = conversation.script[turn % len(conversation.script)]
                seconds, problem = await one_turn(session, base, conversation, sender, text)
                result.add(conversation.kind, seconds)
                if problem:
                    result.errors.append(f"{conversation.kind} turn {turn + 1} ({text}): {problem}")

        started = time.perf_counter()
        await asyncio.gather(*(converse(i, c) for i, c in enumerate(mix)))
        result.wall = time.perf_counter() - started
    return result


async def run_long(
    base: str, conversation: Conversation, turns: int
) -> tuple[list[float], list[str]]:
    sender = f"bench-long-{uuid.uuid4().hex[:8]}"
    latencies, errors = [], []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for turn in range(turns):
            text = conversation.script[turn % len(conversation.script)]
            seconds, problem = await one_turn(session, base, conversation, sender, text)
            latencies.append(seconds)
            if problem:
                errors.append(f"turn {turn + 1} ({text}): {problem}")
    return latencies, errors


# --- report --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def row(label: str, latencies: list[float], wall: Optional[float], busy: bool) -> str:
    rate = f"{len(latencies) / wall:.1f}" if wall else ""
    mark = " BUSY" if busy else ""
    return (
        f"| {label}{mark} | {len(latencies)} | {ms(statistics.median(latencies))} | "
        f"{ms(percentile(latencies, 0.95))} | {rate} |"
    )


def print_load_tables(rounds: list[tuple[Result, Result]]) -> dict:
    print("\n| load: bot (round) | turns | p50 ms | p95 ms | turns/s |")
    print("|---|---:|---:|---:|---:|")
    for number, (bot, mood) in enumerate(rounds, 1):
        print(row(f"this bot, all ({number})", bot.latencies, bot.wall, bot.busy))
        for kind in ("anonymous", "linked"):
            if kind in bot.by_kind:
                print(row(f"  this bot, {kind} ({number})", bot.by_kind[kind], None, bot.busy))
        print(row(f"stock moodbot ({number})", mood.latencies, mood.wall, mood.busy))
    summary = {}
    for number, (bot, mood) in enumerate(rounds, 1):
        p95 = percentile(bot.latencies, 0.95) / percentile(mood.latencies, 0.95)
        p50 = statistics.median(bot.latencies) / statistics.median(mood.latencies)
        rate = (len(bot.latencies) / bot.wall) / (len(mood.latencies) / mood.wall)
        print(
            f"round {number}: this bot / moodbot: p50 {p50:.2f}x, p95 {p95:.2f}x, throughput"
            f" {rate:.2f}x{'  (BUSY)' if bot.busy or mood.busy else ''}"
        )
        summary[f"round{number}"] = {"p50_ratio": p50, "p95_ratio": p95, "throughput_ratio": rate}
    return summary


def window(latencies: list[float], first: int, last: int) -> float:
    return statistics.median(latencies[first - 1 : last])


def print_long_table(rows: list[tuple[str, list[float], bool]], late: tuple[int, int]) -> dict:
    a, b = late
    print(
        f"\n| long conversation (one user alone) | turns 1-10 median ms | turns {a}-{b} median ms |"
        " ratio |"
    )
    print("|---|---:|---:|---:|")
    summary = {}
    for label, latencies, busy in rows:
        early, later = window(latencies, 1, 10), window(latencies, a, b)
        print(
            f"| {label}{' BUSY' if busy else ''} | {ms(early)} | {ms(later)} |"
            f" {later / early:.2f}x |"
        )
        summary[label] = {"early_ms": early * 1000, "late_ms": later * 1000, "ratio": later / early}
    return summary


def start_profilers(directory: Optional[str], pids: dict, number: int) -> list[subprocess.Popen]:
    if not directory:
        return []
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    Path(directory).mkdir(parents=True, exist_ok=True)
    profilers = []
    for name in ("rasa server", "action server", "loan service"):
        if name in pids:
            out = Path(directory) / f"{name.replace(' ', '_')}-round{number}.txt"
            profilers.append(
                subprocess.Popen(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(pids[name]),
                        "--rate",
                        "200",
                        "--format",
                        "raw",
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    time.sleep(1.0)  # let py-spy attach
    return profilers


def stop_profilers(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()


# --- main ----------------------------------------------------------------------------------------


async def warm_up(
    base_bot: str, bot: list[Conversation], base_mood: str, mood: list[Conversation]
) -> None:
    await run_load("warm-up", base_bot, bot[:5], 3)
    await run_load("warm-up", base_mood, mood[:5], 3)


async def main_async(args) -> int:
    repo = Path(args.repo).resolve()
    model = Path(args.model).resolve() if args.model else repo / "models" / "current.tar.gz"
    if not model.exists():
        raise SystemExit(
            f"turn_bench: no model at {model}: train first (make run does), or --model"
        )
    rasa = repo / ".venv" / "bin" / "rasa"
    machine = Machine(args.max_busy, args.settle, args.force)
    print(f"turn_bench: {machine_line()}; this bot from {repo}, model {model}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="turn-bench-"))
    mood_dir = Path(args.moodbot_dir).resolve() if args.moodbot_dir else work / "moodbot"
    stack, moodbot = BotStack(repo, model, work), Moodbot(mood_dir, rasa, work)
    results: dict = {"command": " ".join(sys.argv), "load_before": os.getloadavg()}
    try:
        moodbot.prepare()
        print(
            f"  starting this bot (Rasa on :{stack.rasa_port}) and the moodbot (:{moodbot.port})",
            flush=True,
        )
        await stack.start()
        await moodbot.start()
        print(f"  pids: this bot {stack.pids}, moodbot {moodbot.pids}", flush=True)
        bot_conversations = bot_mix(args.conversations, stack.rest_token, stack.api_token)
        mood_conversations = moodbot_mix(args.conversations)
        kinds = [c.kind for c in bot_conversations]
        print(
            f"  mix: this bot {kinds.count('anonymous')} anonymous (REST) + {kinds.count('linked')}"
            f" linked (shell) conversations; moodbot {len(mood_conversations)}; {args.turns} turns"
            " each",
            flush=True,
        )
        await warm_up(stack.url, bot_conversations, moodbot.url, mood_conversations)

        if args.mode in ("load", "both"):
            rounds = []
            for number in range(1, args.rounds + 1):
                pair = []
                for label, base, mix in (
                    ("this bot", stack.url, bot_conversations),
                    ("moodbot", moodbot.url, mood_conversations),
                ):
                    quiet = machine.check(f"load round {number}, {label}")
                    profilers = (
                        start_profilers(args.profile, stack.pids, number)
                        if label == "this bot"
                        else []
                    )
                    result = await run_load(label, base, mix, args.turns)
                    stop_profilers(profilers)
                    result.busy = not quiet
                    print(
                        f"  round {number} {label}: {len(result.latencies)} turns in"
                        f" {result.wall:.1f}s, {len(result.errors)} errors",
                        flush=True,
                    )
                    for problem in result.errors[:5]:
                        print(f"    error: {problem}", flush=True)
                    pair.append(result)
                rounds.append(tuple(pair))
            results["load"] = print_load_tables(rounds)
            results["load_rows"] = [
                {
                    "round": n,
                    "bot": {
                        "p50": statistics.median(b.latencies),
                        "p95": percentile(b.latencies, 0.95),
                        "rate": len(b.latencies) / b.wall,
                        "errors": len(b.errors),
                    },
                    "moodbot": {
                        "p50": statistics.median(m.latencies),
                        "p95": percentile(m.latencies, 0.95),
                        "rate": len(m.latencies) / m.wall,
                        "errors": len(m.errors),
                    },
                }
                for n, (b, m) in enumerate(rounds, 1)
            ]

        if args.mode in ("long", "both"):
            late = (args.long_turns - 9, args.long_turns)
            anonymous = bot_conversations[0]
            linked = next(
                (c for c in bot_conversations if c.kind == "linked"),
                Conversation(
                    "linked",
                    "/webhooks/shell/webhook",
                    stack.api_token,
                    tuple(LINKED_SCRIPTS[0][1]),
                    LINKED_SCRIPTS[0][0],
                ),
            )
            rows = []
            for label, base, conversation in (
                ("this bot, anonymous (REST)", stack.url, anonymous),
                ("this bot, linked borrower (shell)", stack.url, linked),
                ("stock moodbot", moodbot.url, mood_conversations[0]),
            ):
                quiet = machine.check(f"long, {label}")
                latencies, errors = await run_long(base, conversation, args.long_turns)
                print(f"  long {label}: {len(latencies)} turns, {len(errors)} errors", flush=True)
                for problem in errors[:5]:
                    print(f"    error: {problem}", flush=True)
                rows.append((label, latencies, not quiet))
            results["long"] = print_long_table(rows, late)
        results["load_after"] = os.getloadavg()
        print(
            f"\nturn_bench: done; {machine_line()}"
            + (
                f"; BUSY while measuring: {', '.join(machine.busy_marks)}"
                if machine.busy_marks
                else ""
            )
        )
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    finally:
        stack.stop()
        moodbot.stop()
        if args.keep:
            print(f"  kept {work} (logs, databases)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("load", "long", "both"), default="both")
    parser.add_argument(
        "--conversations", type=int, default=20, help="concurrent conversations (load)"
    )
    parser.add_argument("--turns", type=int, default=10, help="turns per conversation (load)")
    parser.add_argument("--rounds", type=int, default=2, help="load rounds, the bots alternating")
    parser.add_argument(
        "--long-turns", type=int, default=105, help="turns of the long conversation (>= 20)"
    )
    parser.add_argument(
        "--repo", default=str(REPO), help="the checkout whose stack to start (default: this one)"
    )
    parser.add_argument("--model", help="model of this bot (default: <repo>/models/current.tar.gz)")
    parser.add_argument(
        "--moodbot-dir",
        help="reuse (or create) the moodbot project here instead of a temporary one",
    )
    parser.add_argument(
        "--max-busy",
        type=float,
        default=0.5,
        help="cores others may keep busy while the servers idle (default 0.5 of 2)",
    )
    parser.add_argument(
        "--settle", type=float, default=90, help="seconds to wait for a quiet machine"
    )
    parser.add_argument(
        "--force", action="store_true", help="measure a busy machine anyway (figures marked BUSY)"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help=(
            "py-spy (pip install py-spy) samples this bot's Rasa server, action server and "
            "ledger during its load rounds, into DIR/<process>.txt (collapsed stacks); "
            "profiled figures are slower, never compare them"
        ),
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (logs, databases)"
    )
    args = parser.parse_args(argv)
    if args.long_turns < 20:
        parser.error("--long-turns must be at least 20")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
