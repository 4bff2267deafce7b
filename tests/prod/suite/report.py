"""One row per scenario and the table they make."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Sequence


@dataclass
class Row:
    scenario: str
    sent: str = ""
    figures: List[str] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, condition: bool, failure: str) -> bool:
        if not condition:
            self.failures.append(failure)
        return condition

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> Dict:
        return {
            "scenario": self.scenario,
            "sent": self.sent,
            "figures": self.figures,
            "failures": self.failures,
            "seconds": round(self.seconds, 1),
            "passed": self.passed,
        }


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| scenario | what was sent | result | time | pass |", "|---|---|---|---|---|"]
    for row in rows:
        result = "; ".join(row.figures + [f"**{f}**" for f in row.failures])
        lines.append(
            f"| {row.scenario} | {row.sent} | {result} | {row.seconds:.0f} s | "
            f"{'pass' if row.passed else '**FAIL**'} |"
        )
    return "\n".join(lines)
