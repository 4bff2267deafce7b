"""Well-known locations inside the repository (computed, nothing is created on import).

``BOT_DATA_DIR`` points the components that read the data files at training time (the jieba
dictionary, the typo table, the loan-product names) at another copy of ``data/``; the
determinism check trains from snapshots that way.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = (
    Path(os.environ["BOT_DATA_DIR"]) if os.environ.get("BOT_DATA_DIR") else REPO_ROOT / "data"
)
BUILD_DIR = REPO_ROOT / "build"
VAR_DIR = REPO_ROOT / "var"
