"""All configuration in one object: environment variables + an optional TOML file.

Precedence: explicit arguments > environment > config file > defaults.
The config file is `$REGBOT_CONFIG`, else `$REGBOT_HOME/config.toml` if present.
Secrets (Slack tokens, LLM keys) come only from the environment, are excluded
from `settings_hash()` and are never written to the decision log.
"""
from __future__ import annotations

import hashlib
import json
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr


def default_home() -> Path:
    """Per-user data folder (XDG), overridden by REGBOT_HOME."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "regbot"


def _config_file() -> Path | None:
    explicit = os.environ.get("REGBOT_CONFIG")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("REGBOT_HOME") or default_home())
    candidate = home / "config.toml"
    return candidate if candidate.is_file() else None


def _toml_values() -> dict[str, Any]:
    """The optional TOML config file; flat keys or [section] tables both work."""
    path = _config_file()
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read config file {path}: {exc}") from exc
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):  # [index] chroma_url = ... -> chroma_url
            flat.update(value)
        else:
            flat[key] = value
    return flat


def _env_values(model: type[BaseModel]) -> dict[str, Any]:
    """The fields set by environment variables, read as pydantic-settings reads them (names
    case-insensitive): each of a field's alias choices, then REGBOT_<FIELD>, the first set
    wins, keyed by that alias (or the field name); a list field's value is JSON."""
    env = {k.lower(): v for k, v in os.environ.items()}
    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        for key, var in [(c, c.lower()) for c in _choices(field)] + [
                (name, (ENV_PREFIX + name).lower())]:
            value = env.get(var)
            if value is None:
                continue
            if _is_list(field.annotation):
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise SettingsError(f'error parsing value for field "{name}" from source '
                                        f'"EnvSettingsSource"') from exc
            found[key] = value
            break
    return found


def _choices(field) -> list[str]:
    alias = field.validation_alias
    return [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else []


def _init_values(values: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Explicit arguments keyed as pydantic-settings keys them: a field's name or any of its
    alias choices, in any case, becomes its first alias choice (else its name)."""
    keys: dict[str, str] = {}
    for name, field in model.model_fields.items():
        choices = _choices(field)
        for known in [*choices, name]:
            keys.setdefault(known.lower(), choices[0] if choices else name)
    return {keys.get(k.lower(), k): v for k, v in values.items()}


def _is_list(annotation) -> bool:
    return getattr(annotation, "__origin__", None) is list


ENV_PREFIX = "REGBOT_"


class SettingsError(ValueError):
    """A configuration problem the user must fix (bad file, bad value)."""


SECRET_FIELDS = ("slack_bot_token", "slack_signing_secret", "slack_app_token", "llm_api_key",
                 "log_key", "redis_url")


class Settings(BaseModel):
    """regbot configuration. Env vars are REGBOT_<FIELD> unless an alias says otherwise.

    Read as pydantic-settings' `BaseSettings` read it (explicit arguments > environment >
    config file > defaults, defaults validated), without importing pydantic-settings: its
    import was most of a cold `regbot check`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True,
                              protected_namespaces=())

    def __init__(self, **values: Any) -> None:
        model = type(self)
        super().__init__(**{**_toml_values(), **_env_values(model),
                            **_init_values(values, model)})

    # --- storage
    home: Path = Field(default_factory=default_home, description="Data folder (index, logs).")
    model_dir: Path | None = Field(
        default=None, description="Where the exported ONNX embedding model is cached."
    )

    # --- index
    chroma_url: str | None = Field(
        default=None, description="http://host:port of a Chroma server; unset = embedded folder."
    )
    collection: str = Field(default="regbot", description="Base name of the Chroma collection.")
    embedding_engine: str = Field(
        default="onnx", description="'onnx' (onnxruntime, fast start) or 'torch' (sentence-transformers)."
    )
    chunk_max_tokens: int = Field(default=240, description="Target chunk size in word-pieces.")
    search_k: int = Field(default=5, description="Default number of passages returned.")
    passages_per_source: int = Field(
        default=1, description="Answers show at most this many retrieved passages per file (0 = no cap)."
    )
    rrf_k: int = Field(default=60, description="Reciprocal-rank-fusion constant.")
    retrieval_mode: str = Field(default="hybrid", description="'hybrid', 'dense' or 'bm25'.")

    # --- answer
    relevance_threshold: float = Field(
        default=0.42, description="Minimum dense cosine for a passage to count as relevant."
    )
    llm_provider: str | None = Field(default=None, description="langchain provider, e.g. 'openai'.")
    llm_model: str | None = Field(default=None, description="Chat model name; unset = no LLM.")
    llm_api_key: SecretStr | None = Field(default=None, description="Passed to the provider.")
    log_decisions: bool = Field(default=True, description="Record every answer in the decision log.")
    log_key: SecretStr | None = Field(
        default=None, description="HMAC key of the decision log (REGBOT_LOG_KEY); else the key file."
    )
    log_key_file: Path | None = Field(
        default=None, description="Decision-log key file; default <REGBOT_HOME>-log.key beside the home."
    )
    max_question_chars: int = Field(
        default=2000, gt=0,
        description="Longest question accepted by every front end and by fact extraction; longer "
                    "ones are rejected (2,000 fits a Slack button value).",
    )

    # --- slack
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("REGBOT_SLACK_API_URL", "slack_api_url"),
        description="Slack Web API base URL (GovSlack and tests use another).",
    )
    slack_allowed_channels: list[str] = Field(default_factory=list)
    slack_allowed_users: list[str] = Field(default_factory=list)
    slack_queue: Literal["sqlite", "redis"] = Field(
        default="sqlite", description="Durable queue between Slack's ack and the answer: 'sqlite' "
        "($REGBOT_HOME/slack_queue.sqlite, one machine) or 'redis' (REGBOT_REDIS_URL, many machines).")
    redis_url: SecretStr | None = Field(
        default=None, description="redis://[:password@]host:port/db for REGBOT_SLACK_QUEUE=redis.")
    slack_queue_max_age: float = Field(
        default=900.0, gt=0, description="Seconds after which a queued Slack question that was not "
        "answered (e.g. the worker was down) gets an apology instead of a late answer.")

    # --- sync (bot/sync: the Federal Register / eCFR change feed; docs/sync.md)
    sync_fr_url: str = Field(default="https://www.federalregister.gov/api/v1/",
                             description="Federal Register API base URL (tests use a local replay).")
    sync_agencies: list[str] = Field(
        default_factory=lambda: ["industry-and-security-bureau", "state-department"],
        description="Federal Register agency slugs searched (State documents are kept only "
                    "when they touch 22 CFR 120-130).")
    sync_types: list[str] = Field(default_factory=lambda: ["RULE", "PRORULE", "NOTICE"],
                                  description="Federal Register document types searched.")
    sync_since: str | None = Field(default=None, description="First publication date of the "
                                   "first sync (later syncs continue from the newest stored).")
    sync_ecfr_url: str = Field(default="https://www.ecfr.gov/", description="eCFR base URL.")
    sync_ecfr_parts: list[str] = Field(
        default_factory=list, description="eCFR parts fetched as 'title:part' (e.g. "
        "15:738,15:740,15:774,22:126); empty = no eCFR fetch.")
    sync_retries: int = Field(default=4, ge=0, description="Retries per request (backoff).")
    sync_backoff: float = Field(default=0.5, ge=0, description="Backoff factor in seconds.")
    sync_timeout: float = Field(default=30.0, gt=0, description="Seconds per request.")
    sync_slack_channel: str | None = Field(
        default=None, description="Slack channel that gets one message per new staleness alarm.")

    # --- derived paths
    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.home / "lexical"

    @property
    def decision_log_path(self) -> Path:
        return self.home / "decisions.sqlite"

    def settings_hash(self) -> str:
        """Stable hash of the non-secret settings, stamped on every answer."""
        data = self.model_dump(mode="json",
                               exclude=set(SECRET_FIELDS) | {"home", "model_dir", "log_key_file"})
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@lru_cache(maxsize=1)
def _cached(env_key: str) -> Settings:
    return Settings()


def get_settings() -> Settings:
    """Settings for the current environment (re-read when REGBOT_* env vars change)."""
    key = json.dumps(
        sorted((k, v) for k, v in os.environ.items() if k.startswith(("REGBOT_", "SLACK_"))))
    try:
        return _cached(key)
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        raise SettingsError(str(exc)) from exc
