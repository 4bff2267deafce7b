"""Well-known locations inside the repository (computed, nothing is created on import)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
BUILD_DIR = REPO_ROOT / "build"
VAR_DIR = REPO_ROOT / "var"
