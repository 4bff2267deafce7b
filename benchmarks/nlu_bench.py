"""Benchmark of NLU cost per message (not a test: figures, not pass/fail).

Run:  .venv/bin/python benchmarks/nlu_bench.py [--model models/current.tar.gz] [--messages 400]

Takes every n-th training example of ``data/`` (a fixed sample) and times, one message at a
time after a warm-up:

* the intent model alone (``IntentModel.predict_proba`` of the trained model's own copy), and
  the same with its pretrained block switched off at prediction time (the block's share);
* the whole NLU parse through Rasa's ``Agent`` (tokenizer, intent model, entity extractor,
  fallback, distress guard).

Prints the median and mean milliseconds and the machine's CPU count. Message texts are not
printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sample_texts(count: int):
    from rasa.shared.nlu.training_data.loading import load_data

    texts = sorted({m.get("text") for m in load_data(str(ROOT / "data" / "nlu")).intent_examples})
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def intent_model_of(model_path: Path):
    import joblib

    with tarfile.open(model_path) as archive, tempfile.TemporaryDirectory() as directory:
        members = [m for m in archive.getmembers() if m.name.endswith("intent_model.joblib")]
        if not members:
            raise SystemExit(f"{model_path} has no intent model")
        archive.extract(members[0], directory)
        return joblib.load(Path(directory) / members[0].name)["model"]


def timed(function, texts):
    function(texts[0])  # warm-up
    times = []
    for text in texts:
        start = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.fmean(times)


def without_pretrained(model):
    """The intent model's fast path with the pretrained block's columns left empty."""
    blocks = model._fast_blocks()
    model._blocks = [
        block
        if block[1] is not None
        else (lambda d, n=len(block[0](("", ""))): [0.0] * n,) + block[1:]
        for block in blocks
    ]
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args(argv)
    model_path = Path(args.model)
    if not model_path.exists():
        print(f"no trained model at {model_path}: run `make train` first", file=sys.stderr)
        return 1
    texts = sample_texts(args.messages)
    print(
        f"{len(texts)} training messages, one at a time; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )

    model = intent_model_of(model_path)
    median, mean = timed(lambda t: model.predict_proba([t]), texts)
    print(f"intent model:                     median {median:.2f} ms, mean {mean:.2f} ms")
    if any(block[1] is None for block in model._fast_blocks()):
        bare = without_pretrained(intent_model_of(model_path))
        median, mean = timed(lambda t: bare.predict_proba([t]), texts)
        print(f"  without the pretrained block:   median {median:.2f} ms, mean {mean:.2f} ms")

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's parse log line holds the message text
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()
    median, mean = timed(lambda t: loop.run_until_complete(agent.parse_message(t)), texts)
    print(f"whole NLU parse (Rasa Agent):     median {median:.2f} ms, mean {mean:.2f} ms")
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
