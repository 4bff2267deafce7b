"""Latency and throughput of ``GET /v1/borrowers/{id}/loans`` with concurrent clients.

For each backend it creates a fresh database (a temporary SQLite file; a temporary
PostgreSQL database that is dropped afterwards), migrates it, seeds the demo borrowers,
starts ``python -m bot.loans serve`` as a separate process, warms up, then lets
``--concurrency`` clients issue ``--requests`` GETs in total (cycling over the four demo
borrowers) and prints p50 / p95 latency and requests per second.

    .venv/bin/python benchmarks/loans_bench.py                      # both backends
    .venv/bin/python benchmarks/loans_bench.py --backend sqlite --requests 4000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy.engine import make_url  # noqa: E402

from bot.loans import migrate  # noqa: E402
from bot.loans.demo_borrowers import DEMO_IDS  # noqa: E402

BORROWERS = DEMO_IDS
TOKEN = "bench-" + uuid.uuid4().hex
AS_OF = "2026-11-23"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def wait_healthy(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(base + "/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            await asyncio.sleep(0.2)


async def load(base: str, total: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                url = f"{base}/v1/borrowers/{BORROWERS[i % len(BORROWERS)]}/loans?as_of={AS_OF}"
                started = time.perf_counter()
                async with session.get(url) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        # warm-up: connections, pools, caches
        warm = iter(range(concurrency * 5))
        counter, real = warm, counter
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        latencies.clear()
        counter = real
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, errors


def bench_backend(name: str, url: str, total: int, concurrency: int) -> dict:
    env = {**os.environ, "LOAN_DATABASE_URL": url, "LOAN_SERVICE_TOKEN": TOKEN}
    port = free_port()
    env["LOAN_SERVICE_PORT"] = str(port)
    migrate.upgrade(url)
    subprocess.run(
        [sys.executable, "-m", "bot.loans", "seed", "--demo", "--today", AS_OF],
        env=env,
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.loans", "serve"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_healthy(base, server))
        latencies, elapsed, errors = asyncio.run(load(base, total, concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies.sort()
    return {
        "backend": name,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "rps": len(latencies) / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "LOAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()

    results = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(
                bench_backend(
                    "SQLite", f"sqlite:///{tmp}/loans.db", args.requests, args.concurrency
                )
            )
    if args.backend in ("postgres", "both"):
        import psycopg2

        admin = psycopg2.connect(args.postgres_url, connect_timeout=5)
        admin.autocommit = True
        name = f"loans_bench_{uuid.uuid4().hex[:8]}"
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        try:
            url = (
                make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
            )
            results.append(bench_backend("PostgreSQL", url, args.requests, args.concurrency))
        finally:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

    print(
        f"GET /v1/borrowers/{{id}}/loans, {args.concurrency} concurrent clients, "
        f"{args.requests} requests, cpus={os.cpu_count()}"
    )
    print("| backend | requests | errors | p50 ms | p95 ms | mean ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['backend']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['mean_ms']:.1f} | {r['rps']:.0f} |"
        )
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
