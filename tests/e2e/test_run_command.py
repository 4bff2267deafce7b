"""`make run` end to end: set-up, services, the chat, and Ctrl-C leaving nothing behind.

Run by scripts/test.sh as its last stage, when the ports are free again (marker ``run_command``).
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.run_command

ROOT = Path(__file__).resolve().parents[2]
PORTS = (5005, 5055, 5056, 8080)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def descendants(pid: int) -> set:
    """All processes whose parent chain leads to ``pid`` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def process_report(pids: set) -> str:
    """One line per process: pid, state, kernel wait channel, ignored and caught signal masks
    and the command (for a failure message: where a Ctrl-C got stuck)."""
    lines = []
    for pid in sorted(pids):
        proc = Path("/proc") / str(pid)
        try:
            status = dict(
                line.split(":\t", 1)
                for line in (proc / "status").read_text().splitlines()
                if ":\t" in line
            )
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
            wchan = (proc / "wchan").read_text()
        except OSError:
            continue
        lines.append(
            f"{pid} {status.get('State', '?')} wchan={wchan} ignored={status.get('SigIgn')} "
            f"caught={status.get('SigCgt')} {command}"
        )
    return "\n".join(lines)


def _ctrl_c_as_at_a_terminal() -> None:
    """Ctrl-C and Ctrl-\\ as a person's terminal delivers them. A test run started in the
    background of a non-interactive shell (``nohup … &``, as CI runners do) inherits SIGINT and
    SIGQUIT ignored, and a shell started with a signal ignored may not trap it: ``make run``
    would then never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def test_make_run_chats_and_ctrl_c_stops_everything(tmp_path):
    assert not any(port_open(p) for p in PORTS), (
        "the ports of `make run` must be free for this test"
    )
    env = {**os.environ, "LOAN_DATABASE_URL": f"sqlite:///{tmp_path}/loans.db"}
    child = pexpect.spawn(
        "make",
        ["run"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=900,
        dimensions=(50, 200),
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    started = set()
    try:
        child.expect("你 > ")
        started = descendants(child.pid)
        assert all(port_open(p) for p in PORTS)
        child.sendline("你好")
        child.expect("机器人 > ")
        child.expect("你 > ")
    finally:
        child.sendintr()  # Ctrl-C
        stopped = child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=60) == 0
        if not stopped:
            stuck = process_report(descendants(child.pid) | {child.pid})
            for pid in descendants(child.pid) | {child.pid}:
                try:
                    os.kill(pid, 9)  # leave nothing behind for the next stage
                except ProcessLookupError:
                    pass
        child.close()
    assert stopped, (
        f"`make run` still running 60 s after Ctrl-C; output after it: {child.before!r}; "
        f"processes:\n{stuck}"
    )
    time.sleep(1)
    alive = []
    for pid in started:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    assert not alive, f"processes left running after Ctrl-C: {alive}"
    assert not any(port_open(p) for p in PORTS)
