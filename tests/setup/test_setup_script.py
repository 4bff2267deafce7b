"""scripts/setup.sh: a failed pip install stops the set-up with pip's message and stamps nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_failed_install_stops_the_setup_and_is_retried_next_time(tmp_path):
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    (repo / "requirements.txt").write_text(
        "this-package-does-not-exist-anywhere==0.0.1\n", encoding="utf-8"
    )
    (repo / "requirements.lock").write_text("", encoding="utf-8")
    python = (ROOT / ".venv" / "bin" / "python").resolve()
    base = subprocess.run(
        [str(python), "-c", "import sys; print(sys._base_executable)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    def setup():
        return subprocess.run(
            ["bash", "scripts/setup.sh"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=600,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON310": base},
        )

    first = setup()
    assert first.returncode != 0
    assert "this-package-does-not-exist-anywhere" in first.stderr  # pip's own message
    assert "pip install" in first.stderr and "failed" in first.stderr
    assert not (repo / ".venv" / ".project-state" / "requirements").exists()

    second = setup()
    assert second.returncode != 0
    assert "dependencies up to date" not in second.stdout
    assert "installing pinned dependencies" in second.stdout
