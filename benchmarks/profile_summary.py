"""Where a py-spy profile's time goes: inclusive and self shares of collapsed stacks.

    .venv/bin/python benchmarks/profile_summary.py DIR/rasa_server-round1.txt [--top 40] [--match
    WORD ...]

Reads py-spy's ``--format raw`` output (what ``turn_bench.py --profile DIR`` writes): one line per
distinct stack, frames separated by ``;``, then the number of samples. Idle samples (the event
loop waiting in ``select`` / ``epoll``) are counted apart, so the shares are of busy time.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys

IDLE = re.compile(r"\b(select|poll|epoll_wait|_run_once \(asyncio/base_events|wait \(threading)\b")
FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "/work/main/", "python3.10/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match.group('func')} ({path})"


def load(path: str):
    stacks = []
    with open(path, errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            try:
                stacks.append(([short(f) for f in stack.split(";")], int(count)))
            except ValueError:
                continue
    return stacks


def is_idle(frames) -> bool:
    leaf = frames[-1]
    return bool(re.match(r"(select|poll|epoll_wait|wait|_wait_for_tstate_lock|sleep) ", leaf))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--match", nargs="*", default=[], help="also print the inclusive share of these"
    )
    args = parser.parse_args(argv)
    stacks = load(args.profile)
    total = sum(c for _, c in stacks)
    idle = sum(c for f, c in stacks if is_idle(f))
    busy = total - idle
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    for frames, count in stacks:
        if is_idle(frames):
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print(f"{args.profile}: {total} samples, {busy} busy ({busy / max(total, 1):.0%}), {idle} idle")
    print(f"\ninclusive (share of busy samples), top {args.top}:")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {count / busy:6.1%}  {frame}")
    print(f"\nself, top {args.top}:")
    for frame, count in own.most_common(args.top):
        print(f"  {count / busy:6.1%}  {frame}")
    for word in args.match:
        hits = sum(c for f, c in stacks if not is_idle(f) and any(word in x for x in f))
        print(f"\n'{word}': {hits / max(busy, 1):.1%} of busy samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
