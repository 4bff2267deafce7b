"""The deploy manifests, checked offline (no Docker daemon, no cluster): HAProxy's own check of
deploy/haproxy/haproxy.cfg, and the compose file and the Kubernetes manifests held against the
code and the production configuration they deploy — every setting the configuration reads is
provided, every command names a module that exists, every probe a route the process serves, and
the replicated parts run twice."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "docker-compose.yml"
SECRETS_EXAMPLE = DEPLOY / "compose" / "secrets.env.example"
HAPROXY_CFG = DEPLOY / "haproxy" / "haproxy.cfg"
REPLICATED = ("rasa", "actions", "ledger")
# what each process serves for a health check (read from the code below, not trusted from here)
HEALTH_ROUTES = {"actions": "/health", "ledger": "/health", "rasa": "/"}


def env_references(*paths: Path) -> set:
    names = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.lstrip().startswith("#"):
                names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", line))
    return names


def secret_keys() -> set:
    keys = set()
    for line in SECRETS_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            keys.add(line.split("=", 1)[0].strip())
    return keys


def k8s_documents() -> list:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]
    return docs


def modules_of(command) -> list:
    """The ``python -m X`` modules a command (list or shell string) runs."""
    text = command if isinstance(command, str) else " ".join(command)
    return re.findall(r"python -m ([a-z_.]+)", text)


RASA_SETTINGS = env_references(
    ROOT / "config" / "endpoints.production.yml", ROOT / "config" / "credentials.production.yml"
)


def test_the_production_configuration_reads_settings():
    assert {
        "TRACKER_DB_HOST",
        "REDIS_HOST",
        "RABBITMQ_HOST",
        "ACTION_SERVER_TOKEN",
    } <= RASA_SETTINGS


# -- HAProxy --------------------------------------------------------------------------------------


def haproxy_env() -> dict:
    env = {name: "127.0.0.1:1" for name in env_references(HAPROXY_CFG)}
    env.update(LB_BIND_ADDR="127.0.0.1", LB_STATS_SOCKET="/tmp/haproxy-check.sock")
    for name in ("LB_RASA_PORT", "LB_ACTIONS_PORT", "LB_LEDGER_PORT", "LB_STATS_PORT"):
        env[name] = "1"
    return env


@pytest.mark.skipif(
    shutil.which("haproxy") is None,
    reason="haproxy is not installed (scripts/prod.sh up installs Debian's package)",
)
def test_haproxy_accepts_the_configuration():
    result = subprocess.run(
        ["haproxy", "-c", "-q", "-f", str(HAPROXY_CFG)],
        capture_output=True,
        text=True,
        env={**os.environ, **haproxy_env()},
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_haproxy_balances_two_replicas_of_each_part():
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    for part in REPLICATED:
        servers = re.findall(rf"^\s*server {part}(\d) ", text, flags=re.M)
        assert sorted(set(servers)) == ["1", "2"], part


# -- compose --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_runs_two_replicas_of_each_part_behind_haproxy(compose):
    services = compose["services"]
    lb_env = services["haproxy"]["environment"]
    for part in REPLICATED:
        for i in (1, 2):
            assert f"{part}-{i}" in services, f"{part}-{i}"
            key = {"rasa": "RASA", "actions": "ACTIONS", "ledger": "LEDGER"}[part] + f"_{i}"
            assert lb_env[key].split(":")[0] == f"{part}-{i}"
    assert set(env_references(HAPROXY_CFG)) <= set(lb_env), "HAProxy reads a setting compose lacks"
    assert {"postgres", "redis", "rabbitmq", "audit", "migrate"} <= set(services)


def test_compose_gives_every_process_the_settings_the_configuration_reads(compose):
    for name in ("rasa-1", "actions-1", "ledger-1", "audit", "migrate"):
        service = compose["services"][name]
        provided = set(service.get("environment", {})) | secret_keys()
        assert "secrets.env" in service["env_file"]
        if name.startswith("rasa"):
            missing = RASA_SETTINGS - provided
            assert not missing, f"{name} lacks {sorted(missing)}"
        assert service["environment"]["BOT_ENV"] == "production"


def test_compose_commands_and_health_checks_name_what_exists(compose):
    for name, service in compose["services"].items():
        for module in modules_of(service.get("command", [])):
            assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        part = name.split("-")[0]
        if part in HEALTH_ROUTES and "urlopen" in test:
            assert re.search(rf"127\.0\.0\.1:\d+{re.escape(HEALTH_ROUTES[part])}'", test), name


# -- Kubernetes -----------------------------------------------------------------------------------


def test_k8s_documents_are_well_formed():
    docs = k8s_documents()
    assert docs
    for file, doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), file


def test_k8s_deployments_replicas_probes_and_commands():
    deployments = {
        d["metadata"]["name"]: d for _, d in k8s_documents() if d["kind"] == "Deployment"
    }
    services = {d["metadata"]["name"]: d for _, d in k8s_documents() if d["kind"] == "Service"}
    for part in REPLICATED:
        spec = deployments[part]["spec"]
        assert spec["replicas"] == 2, part
        container = spec["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == HEALTH_ROUTES[part]
        assert container["livenessProbe"]["httpGet"]["path"] == HEALTH_ROUTES[part]
        assert part in services
        refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
        assert refs == {"debt-helper-config", "debt-helper-secrets"}
    assert services["rasa"]["spec"].get("sessionAffinity") == "ClientIP"  # socket.io stays put
    for name, deployment in deployments.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for module in modules_of(container["command"]):
                assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"


def test_k8s_config_and_secrets_cover_what_rasa_reads():
    config = next(d for _, d in k8s_documents() if d["kind"] == "ConfigMap")
    missing = RASA_SETTINGS - set(config["data"]) - secret_keys()
    assert not missing, sorted(missing)
    assert config["data"]["BOT_ENV"] == "production"


def test_the_health_routes_are_served():
    assert '"/health"' in (ROOT / "bot" / "loans" / "service.py").read_text(encoding="utf-8")
    assert '"/health"' in (ROOT / "bot" / "action_server.py").read_text(encoding="utf-8")


def test_the_image_installs_from_files_that_exist():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for path in re.findall(r"-r (requirements/[a-z]+\.txt)", text):
        assert (ROOT / path).exists(), path
    assert "config/training.env" in text  # the image's model is trained reproducibly
    # everything the training reads is built or fetched before `rasa train`
    training = text.index("rasa train")
    for step in ("bot.nlu.spacy_pipeline build", "bot.nlu.pretrained fetch"):
        assert -1 < text.find(step) < training, step


def test_the_image_leaves_out_secrets_local_data_and_the_virtualenv():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", "var/", ".venv/", "models/", ".git/", "*.db", "*.sqlite"} <= ignored


def test_rasa_takes_an_api_token_that_begins_with_a_dash():
    # the generated tokens (secrets.token_urlsafe) begin with "-" once in 64: given as
    # "--auth-token TOKEN", Rasa's parser takes it for an option and refuses to start
    from rasa.__main__ import create_argument_parser

    starters = [
        ROOT / "scripts" / "prod.sh",
        ROOT / "scripts" / "lib.sh",
        DEPLOY / "k8s" / "rasa.yaml",
        DEPLOY / "Dockerfile",
    ]
    for path in starters:
        text = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        forms = re.findall(r"--auth-token(.)", text)
        assert forms and set(forms) == {"="}, f"{path.name}: --auth-token without '='"
    token = "-Zx" + "a" * 40
    parsed = create_argument_parser().parse_args(["run", "--enable-api", f"--auth-token={token}"])
    assert parsed.auth_token == token
