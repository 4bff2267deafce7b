"""The WeChat channel's settings: credentials.yml keys, ${VAR} references, env fallbacks."""

from __future__ import annotations

import pytest
from rasa.core.run import _create_single_channel

from bot.channels.wechat import (
    DEFAULT_REPLY_TIMEOUT,
    ENV_VARS,
    UnconfiguredWeChatInput,
    WeChatConfigError,
    WeChatInput,
    WeChatSettings,
)
from bot.channels.wechat_cs_api import DEFAULT_API_BASE_URL
from tests.channels.wechat_sim import AES_KEY, APP_ID, APP_SECRET, TOKEN

ENV = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET}


def test_settings_from_credentials_keys():
    settings = WeChatSettings.from_credentials(
        {
            "token": TOKEN,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "encoding_aes_key": AES_KEY,
            "api_base_url": "http://127.0.0.1:9999/",
            "reply_timeout": 3,
        },
        environ={},
    )
    assert settings == WeChatSettings(
        TOKEN, APP_ID, APP_SECRET, AES_KEY, "http://127.0.0.1:9999", 3
    )


def test_settings_fall_back_to_environment_with_defaults():
    settings = WeChatSettings.from_credentials(None, environ=ENV)
    assert (settings.token, settings.app_id, settings.app_secret) == (TOKEN, APP_ID, APP_SECRET)
    assert settings.encoding_aes_key is None  # plaintext mode
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.reply_timeout == DEFAULT_REPLY_TIMEOUT


def test_environment_supplies_every_setting():
    env = dict(
        ENV,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
        WECHAT_API_BASE_URL="http://127.0.0.1:8081",
        WECHAT_REPLY_TIMEOUT="2.5",
    )
    settings = WeChatSettings.from_credentials({}, environ=env)
    assert settings.encoding_aes_key == AES_KEY
    assert settings.api_base_url == "http://127.0.0.1:8081"
    assert settings.reply_timeout == 2.5


def test_credentials_key_wins_over_environment():
    settings = WeChatSettings.from_credentials({"token": "fromYaml"}, environ=ENV)
    assert settings.token == "fromYaml"


def test_env_references_are_expanded_or_fall_back():
    env = dict(ENV, MY_SECRET="s3cr3t")
    settings = WeChatSettings.from_credentials(
        {"app_secret": "${MY_SECRET}", "token": "${UNSET_TOKEN_VAR}"}, environ=env
    )
    assert settings.app_secret == "s3cr3t"
    assert settings.token == TOKEN  # unset reference → WECHAT_TOKEN


def test_empty_aes_key_means_plaintext_mode():
    settings = WeChatSettings.from_credentials({"encoding_aes_key": ""}, environ=ENV)
    assert settings.encoding_aes_key is None


@pytest.mark.parametrize("missing", ["WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET"])
def test_missing_required_setting_names_the_variable(missing):
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(WeChatConfigError, match=missing):
        WeChatSettings.from_credentials({}, environ=env)


@pytest.mark.parametrize(
    "override, message",
    [
        ({"encoding_aes_key": "too-short"}, "43-character"),
        ({"reply_timeout": 5}, "reply_timeout"),
        ({"reply_timeout": 0}, "reply_timeout"),
        ({"reply_timeout": "soon"}, "reply_timeout"),
        ({"api_base_url": "api.weixin.qq.com"}, "api_base_url"),
    ],
)
def test_malformed_settings_are_refused_with_a_clear_message(override, message):
    with pytest.raises(WeChatConfigError, match=message):
        WeChatSettings.from_credentials(override, environ=ENV)


def test_credentials_must_be_a_mapping():
    with pytest.raises(WeChatConfigError, match="mapping"):
        WeChatSettings.from_credentials(["token"], environ=ENV)  # type: ignore[arg-type]


def test_rasa_loads_the_channel_by_its_module_path(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WECHAT_ENCODING_AES_KEY", raising=False)
    monkeypatch.delenv("WECHAT_API_BASE_URL", raising=False)
    channel = _create_single_channel("bot.channels.wechat.WeChatInput", {"reply_timeout": 4})
    assert isinstance(channel, WeChatInput)
    assert channel.name() == channel.url_prefix() == "wechat"
    assert channel.reply_timeout == 4
    assert not channel.safe_mode


def test_safe_mode_follows_the_aes_key():
    channel = WeChatInput(TOKEN, APP_ID, APP_SECRET, encoding_aes_key=AES_KEY)
    assert channel.safe_mode


def _clear_wechat_env(monkeypatch):
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)


async def test_channel_without_any_wechat_setting_is_switched_off(monkeypatch, serve_channel, bot):
    _clear_wechat_env(monkeypatch)
    channel = WeChatInput.from_credentials(None)
    assert isinstance(channel, UnconfiguredWeChatInput)
    assert channel.name() == "wechat"

    running = await serve_channel(channel)
    wechat = running.wechat
    delivery = await wechat.push(wechat.text_xml("你好", msg_id=wechat.next_msg_id()))
    assert delivery.status == 503
    resp = await wechat.verify("echo")
    assert resp.status == 503
    assert bot.messages == []


def test_partly_configured_channel_stops_rasa_with_the_reason(monkeypatch):
    _clear_wechat_env(monkeypatch)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    with pytest.raises(WeChatConfigError, match="WECHAT_APP_ID"):
        WeChatInput.from_credentials({"reply_timeout": 4})
