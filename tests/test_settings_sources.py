"""Where settings come from: explicit arguments > environment > config file > defaults.

bot.settings reads the environment and the file itself (pydantic-settings is not imported on
a cold command); these pin the rules it kept: REGBOT_<FIELD> in any case, a field's alias
choices (SLACK_BOT_TOKEN) before REGBOT_<FIELD>, list fields as JSON, [section] tables in the
file, and a bad value as SettingsError naming the field.
"""
from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError, get_settings


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for key in list(os.environ):
        if key.upper().startswith(("REGBOT_", "SLACK_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("REGBOT_HOME", str(tmp_path / "home"))
    return monkeypatch


def test_prefixed_names_in_any_case(clean_env):
    clean_env.setenv("regbot_search_k", "7")
    clean_env.setenv("REGBOT_LOG_DECISIONS", "false")
    s = Settings()
    assert s.search_k == 7 and s.log_decisions is False


def test_alias_choices_come_before_the_prefixed_name(clean_env):
    clean_env.setenv("REGBOT_SLACK_BOT_TOKEN", "prefixed")
    assert Settings().slack_bot_token.get_secret_value() == "prefixed"
    clean_env.setenv("SLACK_BOT_TOKEN", "alias")
    assert Settings().slack_bot_token.get_secret_value() == "alias"
    clean_env.setenv("SLACK_API_URL", "http://second-choice/")  # the alias choice "slack_api_url"
    assert Settings().slack_api_url == "http://second-choice/"


def test_arguments_beat_environment_beat_file(clean_env, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('search_k = 9\nrrf_k = 7\n[index]\nchroma_url = "http://file:1"\n',
                      encoding="utf-8")
    clean_env.setenv("REGBOT_CONFIG", str(config))
    clean_env.setenv("REGBOT_SEARCH_K", "4")
    clean_env.setenv("SLACK_BOT_TOKEN", "env")
    s = Settings(rrf_k=3, slack_bot_token="argument")
    assert (s.search_k, s.rrf_k, s.chroma_url) == (4, 3, "http://file:1")
    assert s.slack_bot_token.get_secret_value() == "argument"
    assert Settings().rrf_k == 7


def test_list_fields_are_json(clean_env):
    clean_env.setenv("REGBOT_SLACK_ALLOWED_USERS", '["U1", "U2"]')
    assert Settings().slack_allowed_users == ["U1", "U2"]
    clean_env.setenv("REGBOT_SLACK_ALLOWED_USERS", "U1,U2")
    with pytest.raises(SettingsError, match="slack_allowed_users"):
        get_settings()


def test_a_bad_value_names_the_field(clean_env):
    clean_env.setenv("REGBOT_SEARCH_K", "many")
    with pytest.raises(SettingsError, match="search_k"):
        get_settings()
