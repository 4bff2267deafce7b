"""The chat page's web server: the page, its configuration, the vendored widget, the headers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from bot.widget.server import (
    TOKEN_AUDIENCE,
    VENDOR_FILES,
    SettingsError,
    WidgetSettings,
    content_security_policy,
    create_app,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def vendor_dir(tmp_path):
    directory = tmp_path / "vendor"
    directory.mkdir()
    for name in VENDOR_FILES:
        (directory / name).write_text(f"/* {name} */", encoding="utf-8")
    return directory


SECRET = "page-test-jwt-secret-9a7c1d5e-long-enough"


@pytest.fixture
async def page(aiohttp_client, vendor_dir):
    settings = WidgetSettings(rasa_url="http://127.0.0.1:5005/", vendor_dir=vendor_dir)
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def demo_page(aiohttp_client, vendor_dir):
    settings = WidgetSettings.from_env(
        {"BOT_DEV_MODE": "1", "WIDGET_JWT_SECRET": SECRET}, vendor_dir=vendor_dir
    )
    return await aiohttp_client(create_app(settings))


async def test_the_page_loads_only_local_scripts(page):
    response = await page.get("/")
    assert response.status == 200
    html = await response.text()
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    scripts = [
        line.split('src="')[1].split('"')[0] for line in html.splitlines() if "<script" in line
    ]
    assert scripts == [
        "/vendor/react.production.min.js",
        "/vendor/react-dom.production.min.js",
        "/vendor/rasa-webchat.js",
        "/static/payoff-plan.js",
        "/static/app.js",
    ]
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    for script in scripts:
        assert (await page.get(script)).status == 200


async def test_every_response_carries_the_security_headers(page):
    for path in ("/", "/config.json", "/static/app.js", "/vendor/rasa-webchat.js", "/nowhere"):
        response = await page.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )
        assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_config_tells_the_page_where_rasa_is_and_that_there_is_no_login(page):
    config = await (await page.get("/config.json")).json()
    assert config["socketUrl"] == "http://127.0.0.1:5005"
    assert config["socketPath"] == "/socket.io/"
    assert config["widgetBuilt"] is True
    assert config["demoLogin"] is False and config["borrowers"] == []
    assert (await page.post("/demo/login", json={"borrower": "demo-two-months"})).status == 404


async def test_the_demo_login_issues_a_short_lived_token_in_development_mode(demo_page):
    config = await (await demo_page.get("/config.json")).json()
    assert config["demoLogin"] is True
    assert [b["id"] for b in config["borrowers"]] == [
        "demo-up-to-date",
        "demo-two-months",
        "demo-one-yuan",
        "demo-multi-debt",
    ]
    assert all(b["label"] for b in config["borrowers"])
    response = await demo_page.post("/demo/login", json={"borrower": "demo-one-yuan"})
    assert response.status == 200
    body = await response.json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"], audience=TOKEN_AUDIENCE)
    assert (
        claims["sub"] == "demo-one-yuan"
        and claims["exp"] - claims["iat"] == body["expires_in"] == 900
    )


@pytest.mark.parametrize(
    "body", [{"borrower": "someone-else"}, {"borrower": None}, ["demo-one-yuan"], "x"]
)
async def test_the_demo_login_only_knows_the_demo_borrowers(demo_page, body):
    response = await demo_page.post("/demo/login", json=body)
    assert response.status == 400 and "演示借款人" in (await response.json())["message"]


def test_the_demo_login_is_off_without_development_mode_and_refused_in_production():
    assert WidgetSettings.from_env({"WIDGET_JWT_SECRET": SECRET}).demo_login is False
    assert WidgetSettings.from_env({"BOT_DEV_MODE": "1"}).demo_login is False
    with pytest.raises(SettingsError, match="production"):
        WidgetSettings.from_env(
            {"BOT_DEV_MODE": "1", "BOT_ENV": "production", "WIDGET_JWT_SECRET": SECRET}
        )


async def test_only_the_vendored_files_are_served(page):
    assert (await page.get("/vendor/LICENSE.react")).status == 404
    assert (await page.get("/vendor/..%2Fserver.py")).status == 404
    assert (await page.get("/static/../server.py")).status in (403, 404)
    assert (await page.get("/static/%2e%2e/server.py")).status in (403, 404)


async def test_without_a_built_widget_the_page_says_how_to_build_it(aiohttp_client, tmp_path):
    settings = WidgetSettings(vendor_dir=tmp_path / "missing")
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/vendor/rasa-webchat.js")
    assert response.status == 404
    assert "bot/widget/build.sh" in await response.text()
    assert (await (await client.get("/config.json")).json())["widgetBuilt"] is False
    assert (await (await client.get("/health")).json()) == {"status": "ok", "widget_built": False}
    app_js = (ROOT / "bot" / "widget" / "static" / "app.js").read_text(encoding="utf-8")
    assert "bash bot/widget/build.sh" in app_js


def test_settings_come_from_the_environment_and_are_checked():
    settings = WidgetSettings.from_env(
        {
            "WIDGET_HOST": "0.0.0.0",
            "WIDGET_PORT": "9090",
            "WIDGET_RASA_URL": "https://bot.example.org",
        }
    )
    assert (settings.host, settings.port, settings.rasa_url) == (
        "0.0.0.0",
        9090,
        "https://bot.example.org",
    )
    assert settings.rasa_origins == ["https://bot.example.org", "wss://bot.example.org"]
    assert "wss://bot.example.org" in content_security_policy(settings)
    assert WidgetSettings.from_env({"WIDGET_PORT": "9090"}, port=7070).port == 7070
    with pytest.raises(SettingsError, match="WIDGET_PORT"):
        WidgetSettings.from_env({"WIDGET_PORT": "eighty"})
    with pytest.raises(SettingsError, match="Rasa URL"):
        WidgetSettings(rasa_url="127.0.0.1:5005")
    with pytest.raises(SettingsError, match="port"):
        WidgetSettings(port=70000)


def test_command_line_rejects_a_bad_setting_politely():
    result = subprocess.run(
        [sys.executable, "-m", "bot.widget", "serve", "--rasa-url", "localhost"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Rasa URL must look like" in result.stderr
    assert "Traceback" not in result.stderr
