"""python -m tests.prod.suite: run the scenarios against the topology scripts/prod_test.sh started.

Settings (environment): PROD_DIR (the topology), PROD_TEST_SOAK_SECONDS (300),
PROD_TEST_FUZZ (10000), PROD_TEST_KILL_ROUNDS (2), PROD_TEST_REMINDER_DELAY (60 s),
PROD_TEST_SCENARIOS (all: wechat,kill,faults,reminder,soak,fuzz), PROD_TEST_UP_SECONDS (how long
the first `up` took, for the summary line).
Writes the table to $PROD_DIR/../table.md and the rows to $PROD_DIR/../results.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Awaitable, Callable, List

from . import scenarios
from .fuzz import fuzz
from .report import Row, markdown
from .topology import Topology

ALL = ["wechat", "kill", "faults", "reminder", "soak", "fuzz"]


async def run_one(
    rows: List[Row], topology: Topology, name: str, make: Callable[[], Awaitable]
) -> None:
    print(f"[prod-test] {name} …", flush=True)
    sizes = topology.log_sizes()
    started = time.monotonic()
    try:
        result = await make()
        new = result if isinstance(result, list) else [result]
    except Exception as error:  # noqa: BLE001 - the table says which scenario broke and how
        traceback.print_exc()
        new = [
            Row(
                name,
                failures=[
                    f"the scenario itself failed: {type(error).__name__}: {str(error)[:300]}"
                ],
                seconds=time.monotonic() - started,
            )
        ]
    if name != "fuzz":
        try:
            found = topology.tracebacks_since(sizes)
        except OSError:
            found = {}
        if found:
            new[-1].figures.append(
                "tracebacks in the logs meanwhile: "
                + ", ".join(f"{k} {v}" for k, v in found.items())
                + f" ({'; '.join(topology.log_excerpt(sizes))})"
            )
    for row in new:
        print(
            f"[prod-test]   {'pass' if row.passed else 'FAIL'}: {row.scenario}: "
            f"{'; '.join(row.figures + row.failures)}",
            flush=True,
        )
    rows.extend(new)


async def main() -> int:
    topology = Topology()
    chosen = [
        s.strip()
        for s in os.environ.get("PROD_TEST_SCENARIOS", ",".join(ALL)).split(",")
        if s.strip()
    ]
    soak_seconds = float(os.environ.get("PROD_TEST_SOAK_SECONDS", "300"))
    fuzz_total = int(os.environ.get("PROD_TEST_FUZZ", "10000"))
    up_seconds = float(os.environ.get("PROD_TEST_UP_SECONDS", "90"))
    rows: List[Row] = []
    began = time.monotonic()
    load_before = os.getloadavg()
    if "wechat" in chosen:
        await run_one(rows, topology, "wechat", lambda: scenarios.wechat_both_replicas(topology))
    if "kill" in chosen:
        # where in a turn the kill lands is chance: several rounds, each replica in turn
        for round_ in range(int(os.environ.get("PROD_TEST_KILL_ROUNDS", "2"))):
            victim = "rasa-1" if round_ % 2 == 0 else "rasa-2"
            await run_one(
                rows,
                topology,
                f"kill {victim}",
                lambda v=victim: scenarios.kill_replica(topology, v),
            )
    if "faults" in chosen:
        for part in scenarios.FAULTS:
            await run_one(
                rows, topology, f"fault: {part}", lambda part=part: scenarios.fault(topology, part)
            )
    if "reminder" in chosen:
        # due after the restart of everything: `down`, the servers and an `up` that neither
        # trains nor seeds take 15-25 s (the first `up` took longer: it checks the training);
        # a restart that takes longer is reported, the reminder must still fire once
        delay = float(os.environ.get("PROD_TEST_REMINDER_DELAY", "60"))
        await run_one(rows, topology, "reminder", lambda: scenarios.reminder(topology, delay))
    if "soak" in chosen:
        await run_one(rows, topology, "soak", lambda: scenarios.soak(topology, soak_seconds))
    if "fuzz" in chosen:
        await run_one(rows, topology, "fuzz", lambda: fuzz(topology, fuzz_total))
    load_after = os.getloadavg()

    table = markdown(rows)
    failed = [r for r in rows if not r.passed]
    summary = (
        f"{len(rows) - len(failed)}/{len(rows)} scenarios passed in "
        f"{time.monotonic() - began:.0f} s "
        f"(plus {up_seconds:.0f} s for the first `up`); load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (1 min), {os.cpu_count()} cores"
    )
    print("\n" + table + "\n\n" + summary, flush=True)
    out = Path(os.environ["PROD_DIR"]).parent
    (out / "table.md").write_text(table + "\n\n" + summary + "\n")
    (out / "results.json").write_text(
        json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=1)
    )
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
