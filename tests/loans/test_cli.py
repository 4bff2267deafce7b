"""``python -m bot.loans migrate | seed --demo | serve`` as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .conftest import TODAY, TOKEN

PYTHON = sys.executable


def run(args, env, timeout=120):
    return subprocess.run(
        [PYTHON, "-m", "bot.loans", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def get_json(url, token=None):
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAN_")}
    env.update(extra)
    return env


def test_serve_refuses_without_token_or_migrations(tmp_path):
    env = clean_env(LOAN_DATABASE_URL=f"sqlite:///{tmp_path}/var/loans.db")
    result = run(["serve"], env)
    assert result.returncode == 2 and "migrate" in result.stderr  # not migrated yet
    assert "Traceback" not in result.stderr
    assert run(["migrate"], env).returncode == 0
    result = run(["serve"], env)
    assert result.returncode == 2 and "LOAN_SERVICE_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    result = run(["seed", "--demo", "--today", "2026-02-30"], env)
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_migrate_seed_serve(tmp_path, backend, request, unused_tcp_port):
    url = (
        f"sqlite:///{tmp_path}/var/loans.db"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_databases").create()
    )
    env = clean_env(
        LOAN_DATABASE_URL=url, LOAN_SERVICE_TOKEN=TOKEN, LOAN_SERVICE_PORT=str(unused_tcp_port)
    )
    assert run(["migrate"], env).returncode == 0
    for _ in range(2):  # seeding again resets, never duplicates
        result = run(["seed", "--demo", "--today", TODAY.isoformat()], env)
        assert result.returncode == 0, result.stderr
    server = subprocess.Popen(
        [PYTHON, "-m", "bot.loans", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{unused_tcp_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get_json(base + "/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "service did not start"
                time.sleep(0.2)
        assert status == 200 and body["status"] == "ok"
        _, identity = get_json(base + "/v1/identities/shell/demo-multi-debt", TOKEN)
        _, loans = get_json(
            f"{base}/v1/borrowers/{identity['borrower_id']}/loans?as_of={TODAY.isoformat()}", TOKEN
        )
        assert len(loans["loans"]) == 3  # not six: the second seed replaced the first
        with pytest.raises(urllib.error.HTTPError) as denied:
            get_json(f"{base}/v1/borrowers/demo-multi-debt/loans", "wrong")
        assert denied.value.code == 403
    finally:
        server.terminate()
        server.wait(timeout=10)
