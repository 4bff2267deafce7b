"""The running topology, as the suite sees it: settings, components, private servers, data, logs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import psycopg2
import requests

ROOT = Path(__file__).resolve().parents[3]
PROD_SH = ROOT / "scripts" / "prod.sh"
SUITE_SH = ROOT / "scripts" / "prod_test.sh"

TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|Exception occurred while handling|Unhandled exception"
)


class Topology:
    def __init__(self) -> None:
        self.prod_dir = Path(os.environ["PROD_DIR"])
        self.settings: Dict[str, str] = {}
        self.reload()
        # restarts use the model the suite started with (scripts/prod.sh would otherwise train
        # again if someone changed the NLU code in this checkout meanwhile)
        self.model = self.prod_dir.parent / "model.tar.gz"
        shutil.copyfile(self.prod_dir / "model.tar.gz", self.model)
        usage = PROD_SH.read_text()
        # scripts/prod.sh stop|start|kill NAME (helper A); until it is there: the pid files
        self.component_commands = bool(re.search(r"^\s*kill\)", usage, re.M))

    # -- settings ---------------------------------------------------------------------------

    def reload(self) -> None:
        text = (self.prod_dir / "prod.env").read_text()
        self.settings = dict(
            line.split("=", 1)
            for line in text.splitlines()
            if line and not line.startswith("#") and "=" in line
        )

    def __getitem__(self, name: str) -> str:
        return self.settings[name]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self['LB_RASA_PORT']}"

    def replica_url(self, index: int) -> str:
        return f"http://{self[f'RASA_{index}']}"

    @property
    def ledger_url(self) -> str:
        return f"http://127.0.0.1:{self['LB_LEDGER_PORT']}"

    # -- components ---------------------------------------------------------------------------

    def _env(self, **extra: str) -> Dict[str, str]:
        env = dict(os.environ, PROD_MODEL=str(self.model))
        env.update(extra)
        return env

    def prod(self, *args: str, timeout: float = 600, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(PROD_SH), *args],
            env=self._env(**extra),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _pid(self, name: str) -> Optional[int]:
        try:
            pid, start = (self.prod_dir / "pids" / f"{name}.pid").read_text().split()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, ValueError):
            return None
        return int(pid) if stat.rsplit(") ", 1)[1].split()[19] == start else None

    def running(self, name: str) -> bool:
        return self._pid(name) is not None

    def kill(self, name: str) -> None:
        """kill -9 the component (its whole process group: a Rasa server's workers too)."""
        if self.component_commands:
            result = self.prod("kill", name, timeout=60)
            if result.returncode == 0:
                return
        pid = self._pid(name)
        if pid is not None:
            os.killpg(pid, signal.SIGKILL)  # prod.sh starts each component in a session of its own

    def stop(self, name: str) -> None:
        if self.component_commands:
            result = self.prod("stop", name, timeout=60)
            if result.returncode == 0:
                return
        pid = self._pid(name)
        if pid is None:
            return
        os.killpg(pid, signal.SIGTERM)
        for _ in range(150):
            if self._pid(name) is None:
                return
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)

    def start(self, *names: str) -> None:
        """Start stopped components again (``up`` without reseeding the demo data when
        scripts/prod.sh has no ``start NAME``: it starts only what does not run)."""
        if self.component_commands:
            for name in names:
                result = self.prod("start", name, timeout=420)
                if result.returncode != 0:
                    raise RuntimeError(
                        f"scripts/prod.sh start {name} "
                        f"failed:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
                    )
        else:
            self.up()
        self.wait_lb_up()

    def up(self) -> float:
        started = time.monotonic()
        result = self.prod("up", timeout=900, PROD_DEMO_DATA="0")
        if result.returncode != 0:
            raise RuntimeError(
                f"scripts/prod.sh up failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
        self.reload()
        return time.monotonic() - started

    def down(self) -> None:
        result = self.prod("down", timeout=300)
        if result.returncode != 0:
            raise RuntimeError(
                f"scripts/prod.sh down failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )

    def lb_servers(self) -> List[Tuple[str, str, str]]:
        import csv
        import io

        text = requests.get(self["LB_STATS_URL"] + ";csv", timeout=3).text
        reader = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return [
            (r["pxname"], r["svname"], r["status"])
            for r in reader
            if r["svname"] not in ("FRONTEND", "BACKEND")
        ]

    def wait_lb_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                servers = self.lb_servers()
                if servers and all(status.startswith("UP") for _, _, status in servers):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"HAProxy does not see every replica up: {self.lb_servers()}")

    def haproxy_command(self, command: str) -> str:
        """A command on HAProxy's admin socket (``disable server rasa/rasa2``)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(self["LB_STATS_SOCKET"])
            sock.sendall(command.encode() + b"\n")
            return sock.recv(65536).decode(errors="replace")

    # -- the private servers (scripts/prod_test.sh) ---------------------------------------------

    def server(self, command: str) -> float:
        """``pg-stop`` ``pg-start`` ``redis-stop`` ``redis-start``; the seconds it took."""
        started = time.monotonic()
        subprocess.run(
            ["bash", str(SUITE_SH), command],
            env=self._env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return time.monotonic() - started

    # -- data ---------------------------------------------------------------------------------

    def _query(self, url: str, sql: str, args: Sequence) -> List[tuple]:
        connection = psycopg2.connect(url, connect_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
        finally:
            connection.close()

    def tracker_events(self, sender: str) -> List[dict]:
        rows = self._query(
            self["TRACKER_DATABASE_URL"],
            "SELECT data FROM events WHERE sender_id = %s ORDER BY id",
            (sender,),
        )
        return [json.loads(data) for (data,) in rows]

    def audit_types(self, senders: List[str]) -> Dict[str, Dict[str, int]]:
        rows = self._query(
            self["AUDIT_DATABASE_URL"],
            "SELECT sender_id, event_type, count(*) FROM audit_events "
            "WHERE sender_id = ANY(%s) GROUP BY 1, 2",
            (senders,),
        )
        out: Dict[str, Dict[str, int]] = {}
        for sender, kind, count in rows:
            out.setdefault(sender, {})[kind] = int(count)
        return out

    def reconcile(self, senders: List[str], stall: float = 30, cap: float = 600) -> Dict:
        """The audit against the tracker store for these conversations, once the consumer has
        caught up: it may lag behind a soak (it records one event at a time), so this waits as
        long as the audit keeps growing, until it stalls for ``stall`` seconds (or ``cap``)."""
        from bot.audit import store

        started = last_change = time.monotonic()
        last_count = -1
        while True:
            result = store.reconcile(
                self["AUDIT_DATABASE_URL"], self["TRACKER_DATABASE_URL"], senders
            )
            if result["missing_in_audit"] == 0 and result["extra_in_audit"] == 0:
                result["waited"] = time.monotonic() - started
                return result
            if result["audit_events"] != last_count:
                last_count, last_change = result["audit_events"], time.monotonic()
            if time.monotonic() - last_change > stall or time.monotonic() - started > cap:
                result["waited"] = time.monotonic() - started
                return result
            time.sleep(1.0)

    # -- logs -----------------------------------------------------------------------------------

    def log_sizes(self) -> Dict[str, int]:
        return {p.name: p.stat().st_size for p in (self.prod_dir / "logs").glob("*.log")}

    def tracebacks_since(self, sizes: Dict[str, int]) -> Dict[str, int]:
        """Unhandled exceptions (tracebacks, Sanic's 'Exception occurred while handling') written
        to any log of the topology since ``sizes`` was taken, per log."""
        found: Dict[str, int] = {}
        for path in (self.prod_dir / "logs").glob("*.log"):
            with path.open("rb") as handle:
                handle.seek(sizes.get(path.name, 0))
                text = handle.read().decode(errors="replace")
            count = len(TRACEBACK.findall(text))
            if count:
                found[path.name] = count
        return found

    def log_excerpt(self, sizes: Dict[str, int], limit: int = 3) -> List[str]:
        """The lines that name the exceptions (their class, for the report), not their text."""
        lines: List[str] = []
        for path in sorted((self.prod_dir / "logs").glob("*.log")):
            with path.open("rb") as handle:
                handle.seek(sizes.get(path.name, 0))
                text = handle.read().decode(errors="replace").splitlines()
            for i, line in enumerate(text):
                if TRACEBACK.search(line):
                    # the last line of the traceback names the exception class
                    tail = next(
                        (
                            t
                            for t in text[i + 1 : i + 80]
                            if re.match(r"^[A-Za-z_.]+(Error|Exception|Exit)\b", t)
                        ),
                        "?",
                    )
                    lines.append(f"{path.name}: {tail.split(':')[0]}")
                    if len(lines) >= limit:
                        return lines
        return lines


def wait_port(port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False
