"""Record the README's transcripts: scripted chats with the demo borrowers against the running bot.

    .venv/bin/python scripts/transcripts.py [--url http://127.0.0.1:5005] [--date 2026-11-23]
        [--write README.md]

Needs the bot running in development mode (``make run``, or the services of ``make test``) and
``RASA_API_TOKEN`` in the environment: it talks through the debug shell's channel, as
``python -m bot.shell --as … --date …`` does. It first re-seeds the demo borrowers as of
``--date`` (``python -m bot.loans seed --demo --today``, on ``LOAN_DATABASE_URL`` like the running
ledger), so the figures are those of that day. Prints Markdown; ``--write`` replaces the part of
the file between ``<!-- transcripts:start -->`` and ``<!-- transcripts:end -->``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.shell import render_bot_message  # noqa: E402

START, END = "<!-- transcripts:start -->", "<!-- transcripts:end -->"
INDENT = " " * 9

#: (heading, borrower or None for an unlinked user, the user's messages)
SCRIPTS: Sequence[Tuple[str, Optional[str], Sequence[str]]] = (
    (
        "张明（demo-up-to-date）：按时还款的借款人",
        "demo-up-to-date",
        ("你好", "我这个月要还多少", "我要是晚还10天会怎样", "还款日前三天提醒我", "谢谢"),
    ),
    (
        "李强（demo-two-months）：逾期两个月的借款人",
        "demo-two-months",
        (
            "借呗两个月没还会怎样",
            "每月能还3000多久能还清",
            "先还2000罚息会少多少",
            "这个月实在还不上能延期吗",
            "公司裁员了，还在找工作",
            "每月能还1000",
            "确认提交",
            "谢谢",
        ),
    ),
    (
        "王芳（demo-one-yuan）：差一块钱没还的借款人",
        "demo-one-yuan",
        ("我逾期了吗", "差一块钱没还会上征信吗", "好的谢谢"),
    ),
    (
        "陈静（demo-multi-debt）：三笔欠款的借款人",
        "demo-multi-debt",
        (
            "我有好几笔贷款，先还哪个",
            "大概-2000吧",
            "5000",
            "逾期会影响房贷吗",
            "先还利率高的",
            "那每月4000呢",
            "月薪8000怎么分配才能还上钱",
            "房租2000，吃饭1500",
        ),
    ),
    (
        "没有绑定账户的用户",
        None,
        (
            "你好",
            "我借呗还欠多少",
            "5000块逾期两个月罚息多少",
            "万分之五",
            "压力太大了，真的不想活了",
            "转人工",
        ),
    ),
)


def bubble(prefix: str, text: str) -> List[str]:
    lines = text.split("\n")
    return [prefix + lines[0]] + [INDENT + line for line in lines[1:]]


async def record(
    url: str, token: str, borrower: Optional[str], texts: Sequence[str], day: str
) -> List[str]:
    out: List[str] = []
    sender = f"doc-{uuid.uuid4().hex[:6]}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for text in texts:
            body = {"sender": sender, "message": text, "as": borrower, "date": day}
            async with session.post(
                f"{url}/webhooks/shell/webhook",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                response.raise_for_status()
                messages = await response.json()
            out += bubble("你 > ", text)
            for message in messages:
                out += bubble("机器人 > ", render_bot_message(message))
            out.append("")
    return out


def seed(day: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot.loans", "seed", "--demo", "--today", day],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def markdown(url: str, token: str, day: str) -> str:
    parts = [
        START,
        "",
        "Recorded by `scripts/transcripts.py` through the debug shell's channel (as",
        (
            f"`python -m bot.shell --as … --date {day}` shows them), with the ledger seeded as of"
            f" {day}."
        ),
        "Reference numbers (RR…) are random per filing.",
        "",
    ]
    for heading, borrower, texts in SCRIPTS:
        lines = await record(url, token, borrower, texts, day)
        parts += [f"#### {heading}", "", "```text", *lines, "```", ""]
    parts.append(END)
    return "\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--date", default="2026-11-23")
    parser.add_argument(
        "--write", default=None, help="a Markdown file whose transcripts part to replace"
    )
    args = parser.parse_args(argv)
    token = os.environ.get("RASA_API_TOKEN")
    if not token:
        print(
            "scripts/transcripts.py: RASA_API_TOKEN is not set (make run / make test set it)",
            file=sys.stderr,
        )
        return 2
    seed(args.date)
    text = asyncio.run(markdown(args.url.rstrip("/"), token, args.date))
    if not args.write:
        print(text)
        return 0
    path = Path(args.write)
    content = path.read_text(encoding="utf-8")
    if START not in content or END not in content:
        print(f"scripts/transcripts.py: {path} has no {START} … {END} part", file=sys.stderr)
        return 2
    before, rest = content.split(START, 1)
    _, after = rest.split(END, 1)
    path.write_text(before + text + after, encoding="utf-8")
    print(f"transcripts written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
