"""Prove that training is reproducible: train from scratch under different CPU conditions, compare.

    .venv/bin/python scripts/determinism_check.py [--out results/determinism] [--keep] [--jobs 2]

Trains the whole model (NLU and dialogue, ``rasa train --force``) three times, each in its own
copy of the project's Rasa files and under different conditions:

* ``one-core``: pinned to CPU 0 with ``taskset``, one thread everywhere (OMP, BLAS, TensorFlow),
  oneDNN off, ``PYTHONHASHSEED=0``, and the CPU made to look older: NumPy's AVX-512/AVX2 code
  paths switched off (``NPY_DISABLE_CPU_FEATURES``) and OpenBLAS on its plain SSE3 kernels
  (``OPENBLAS_CORETYPE=Prescott``), as on a machine without those instructions;
* ``two-cores``: both cores, two threads everywhere, oneDNN on, ``PYTHONHASHSEED=1``, and the data
  files written to the copy in reverse order (so a reader that trusted the directory order would
  see them in another order);
* ``defaults``: no thread or oneDNN setting at all, a random hash seed.

Then compares, for every pair of trainings:

1. every file inside the two model archives, byte for byte (only ``metadata.json``, which holds
   the training time and a random model id, is left out; in the RulePolicy's file the list
   ``rules_not_in_stories`` is compared as a set: Rasa fills it from a Python set, in hash order,
   and reads it only to print warnings);
2. the parse of every message of both held-out files (intent, confidence, FAQ topic, entities
   with values and offsets), message by message, each model parsed under its own conditions;
3. ``rasa test core`` on ``tests/stories``: the per-story results.

Two conditions are trained and checked at a time (``--jobs``, default 2: the intent model's
solver and the dialogue training are single-threaded, so two at once take little longer than
one); the conditions do not change, only the wall-clock time they are printed with, which is then
a training's time beside another one. ``--jobs 1`` gives each its machine alone.

Prints the training time of each condition and exits 1
if any model file or prediction differs. A summary goes to ``<out>/determinism.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RASA = str(ROOT / ".venv" / "bin" / "rasa")
HELD_OUT = [ROOT / "tests" / "nlu_test.yml", ROOT / "tests" / "nlu_test_colloquial.yml"]
PROJECT_FILES = ["config.yml", "domain.yml", "endpoints.yml", "credentials.yml"]

THREAD_VARIABLES = [
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
]

CONDITIONS = [
    {
        "name": "one-core",
        "cpus": "0",
        "threads": "1",
        "onednn": "0",
        "hashseed": "0",
        "reverse_files": False,
        "older_cpu": True,
    },
    {
        "name": "two-cores",
        "cpus": None,
        "threads": "2",
        "onednn": "1",
        "hashseed": "1",
        "reverse_files": True,
        "older_cpu": False,
    },
    {
        "name": "defaults",
        "cpus": None,
        "threads": None,
        "onednn": None,
        "hashseed": "random",
        "reverse_files": False,
        "older_cpu": False,
    },
]


def newer_cpu_features() -> List[str]:
    """NumPy's dispatch targets above AVX that this CPU has (switched off to look like an older
    one)."""
    from numpy.core._multiarray_umath import __cpu_features__

    return [
        name
        for name, present in __cpu_features__.items()
        if present and (name.startswith("AVX512") or name in ("AVX2", "FMA3"))
    ]


def copy_project(source: Path, target: Path, reverse_files: bool = False) -> None:
    """The Rasa files of the project (config, domain, data/) from ``source`` into ``target``;
    data files created in the given order."""
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(source / name, target / name)
    files = sorted(p for p in (source / "data").rglob("*") if p.is_file())
    for path in reversed(files) if reverse_files else files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def environment(condition: Dict) -> Dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES + ["TF_ENABLE_ONEDNN_OPTS"]
    }
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONWARNINGS"] = "ignore"
    if condition["threads"]:
        env.update({name: condition["threads"] for name in THREAD_VARIABLES})
    if condition["onednn"] is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = condition["onednn"]
    env["PYTHONHASHSEED"] = (
        str(random.randint(1, 2**31))
        if condition["hashseed"] == "random"
        else condition["hashseed"]
    )
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    env.pop("OPENBLAS_CORETYPE", None)
    if condition["older_cpu"]:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(newer_cpu_features())
        env["OPENBLAS_CORETYPE"] = "Prescott"
    return env


def pinned(condition: Dict, command: List[str]) -> List[str]:
    return (
        ["taskset", "-c", condition["cpus"]] + command if condition["cpus"] is not None else command
    )


def train(condition: Dict, workdir: Path) -> Dict:
    project = workdir / condition["name"]
    copy_project(workdir / "snapshot", project, condition["reverse_files"])
    command = pinned(
        condition,
        [
            RASA,
            "train",
            "--force",
            "--quiet",
            "--fixed-model-name",
            "model",
            "--out",
            str(project / "models"),
        ],
    )
    started = time.monotonic()
    env = dict(environment(condition), BOT_DATA_DIR=str(project / "data"))
    completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-3000:] + completed.stderr[-3000:])
        raise SystemExit(f"training under {condition['name']} failed")
    return {
        "name": condition["name"],
        "condition": condition,
        "project": project,
        "model": project / "models" / "model.tar.gz",
        "seconds": round(seconds, 1),
    }


UNORDERED_LISTS = {"rule_policy.json": ("lookup", "rules_not_in_stories")}


def canonical(name: str, content: bytes) -> bytes:
    """The file's bytes, with the lists Rasa writes in hash order sorted."""
    path = UNORDERED_LISTS.get(Path(name).name)
    if not path:
        return content
    data = json.loads(content)
    node = data
    for key in path[:-1]:
        node = node.get(key, {})
    if isinstance(node.get(path[-1]), list):
        node[path[-1]] = sorted(node[path[-1]])
    return json.dumps(data, sort_keys=True).encode()


def archive_digests(model: Path) -> Dict[str, str]:
    digests = {}
    with tarfile.open(model) as archive:
        for member in archive.getmembers():
            if member.isfile() and not member.name.endswith("metadata.json"):
                content = canonical(member.name, archive.extractfile(member).read())
                digests[member.name] = hashlib.sha256(content).hexdigest()
    return digests


def parse_under(run: Dict, texts: List[str]) -> List[Dict]:
    """Parse the texts with the run's model in a process started under the run's conditions."""
    source, target = run["project"] / "texts.json", run["project"] / "parses.json"
    source.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    command = pinned(
        run["condition"],
        [sys.executable, __file__, "--parse", str(run["model"]), str(source), str(target)],
    )
    subprocess.run(
        command, env=environment(run["condition"]), capture_output=True, text=True, check=True
    )
    return json.loads(target.read_text(encoding="utf-8"))


async def parse_texts(model: Path, texts: List[str]) -> List[Dict]:
    from bot.nlu.evaluation import parse_all

    parses = await parse_all(model, texts)
    kept = []
    for parse in parses:
        selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        kept.append(
            {
                "intent": (parse.get("intent") or {}).get("name"),
                "confidence": repr((parse.get("intent") or {}).get("confidence")),
                "topic": selector.get("intent_response_key"),
                "topic_confidence": repr(selector.get("confidence")),
                "entities": sorted(
                    (e["entity"], str(e.get("value")), e.get("start"), e.get("end"))
                    for e in parse.get("entities") or []
                ),
            }
        )
    return kept


def story_results(run: Dict) -> Dict:
    out = run["project"] / "core-results"
    subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--stories",
            str(ROOT / "tests" / "stories"),
            "--model",
            str(run["model"]),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=run["project"],
        env=environment(run["condition"]),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads((out / "story_report.json").read_text(encoding="utf-8"))
    failed = out / "failed_test_stories.yml"
    return {
        "report": report,
        "failed_stories": failed.read_text(encoding="utf-8") if failed.exists() else "",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "results" / "determinism"))
    parser.add_argument(
        "--keep", action="store_true", help="keep the trained copies (printed path)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="conditions trained and checked at a time (default 2; 1 for clean timings)",
    )
    parser.add_argument(
        "--parse", nargs=3, metavar=("MODEL", "TEXTS", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.parse:
        model, source, target = args.parse
        texts = json.loads(Path(source).read_text(encoding="utf-8"))
        parses = asyncio.run(parse_texts(Path(model), texts))
        Path(target).write_text(json.dumps(parses, ensure_ascii=False), encoding="utf-8")
        return 0
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin a training to one core")

    from bot.nlu.evaluation import gold_examples

    texts = [text for path in HELD_OUT for text, _, _ in gold_examples(path)]
    workdir = Path(tempfile.mkdtemp(prefix="determinism-"))
    runs = []
    try:
        # one snapshot of the project's files, so every training sees the same data even if
        # someone edits data/ while the check runs
        copy_project(ROOT, workdir / "snapshot")

        def check(condition: Dict) -> Dict:
            run = train(condition, workdir)
            run["digests"] = archive_digests(run["model"])
            run["parses"] = parse_under(run, texts)
            run["stories"] = story_results(run)
            return run

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            runs = list(pool.map(check, CONDITIONS))  # in CONDITIONS order
        alongside = " beside another training" if args.jobs > 1 else ""
        for run in runs:
            print(
                f"trained under {run['name']:<10} in {run['seconds']:6.1f} s (from scratch,"
                f" NLU and dialogue{alongside})",
                flush=True,
            )

        summary = {"held_out_messages": len(texts), "trainings": [], "pairs": []}
        for run in runs:
            summary["trainings"].append(
                {
                    "condition": run["name"],
                    "seconds": run["seconds"],
                    "model_files": len(run["digests"]),
                }
            )
        failed = False
        reference = runs[0]
        for other in runs[1:]:
            files = sorted(set(reference["digests"]) | set(other["digests"]))
            differing_files = [
                f for f in files if reference["digests"].get(f) != other["digests"].get(f)
            ]
            differing_parses = [
                i for i, (a, b) in enumerate(zip(reference["parses"], other["parses"])) if a != b
            ]
            same_stories = reference["stories"] == other["stories"]
            pair = {
                "a": reference["name"],
                "b": other["name"],
                "model_files_compared": len(files),
                "model_files_differing": differing_files,
                "held_out_parses_differing": len(differing_parses),
                "story_results_identical": same_stories,
            }
            summary["pairs"].append(pair)
            print(
                f"{reference['name']} vs {other['name']}: model files identical"
                f" {len(files) - len(differing_files)}/{len(files)}; held-out parses differing"
                f" {len(differing_parses)}/{len(texts)}; test-story results identical:"
                f" {same_stories}"
            )
            for name in differing_files:
                print(f"    differs: {name}")
            failed |= bool(differing_files) or bool(differing_parses) or not same_stories
        accuracy = runs[0]["stories"]["report"].get("conversation_accuracy", {})
        print(
            f"test stories: {accuracy.get('correct')}/{accuracy.get('total')} correct in every"
            " training"
        )
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "determinism.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        print(
            "IDENTICAL models and predictions in every training"
            if not failed
            else "FAILED: the trainings differ"
        )
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"trained copies kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
