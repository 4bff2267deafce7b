"""The debug shell, driven through a pseudo-terminal against the running bot."""

from __future__ import annotations

import sys

import pexpect
import pytest

pytestmark = pytest.mark.rasa_server


@pytest.fixture()
def shell(rasa_url):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.shell", "--url", rasa_url, "--as", "demo-two-months", "--date", "2026-11-23"],
        encoding="utf-8",
        timeout=90,
        dimensions=(50, 200),
    )
    child.expect("调试窗口")
    yield child
    child.sendline("/quit")
    child.expect(pexpect.EOF)


def turn(child, text):
    child.expect_exact("你 > ")
    child.sendline(text)


def test_shell_shows_parse_details_for_five_turns_including_a_form(shell):
    turn(shell, "你好")
    shell.expect(r"intent\s+greet \d\.\d\d")
    shell.expect(r"action\s+utter_greet\s+\d+ ms")
    shell.expect("机器人 > ")

    turn(shell, "逾期了会上征信吗")
    shell.expect(r"intent\s+faq \d\.\d\d")
    shell.expect(r"response\s+faq/credit_report_overdue")
    shell.expect("机器人 > ")

    turn(shell, "5000块逾期两个月罚息多少")
    shell.expect(r"entity\s+amount “5000块?” → 5000")
    shell.expect(r"entity\s+duration “两个月” → P2M")
    shell.expect(r"slot\s+overdue_amount = \"5000\"")
    shell.expect(r"action\s+overdue_cost_form")
    shell.expect("机器人 > ")

    turn(shell, "日利率万分之五")
    shell.expect(r"entity\s+daily_rate .*→ 0.0005")
    shell.expect(r"action\s+action_calculate_overdue_cost\s+\d+ ms")
    shell.expect("罚息")

    turn(shell, "谢谢")
    shell.expect(r"intent\s+thank")
    shell.expect("机器人 > ")


def test_shell_commands(shell):
    turn(shell, "/as")
    shell.expect("demo-multi-debt")
    turn(shell, "/as demo-one-yuan")
    shell.expect("现在以 demo-one-yuan 的身份聊天")
    turn(shell, "/date 2026-12-01")
    shell.expect("按 2026-12-01 计算")
    turn(shell, "/date 12月1号")
    shell.expect("YYYY-MM-DD")
    turn(shell, "/reset")
    shell.expect("新对话")
    turn(shell, "/nope")
    shell.expect("未知命令")
