"""Settings read from the environment, lazily.

Nothing here touches the network or the environment at import time: Chalice sets the stage's
environment variables only inside an invocation (and the test client only inside a call), so
every reader goes through :func:`get_settings`, which parses ``os.environ`` on first use and
caches the result for the life of the Lambda container. Tests that change the environment call
:func:`reset_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

Stage = Literal["local", "test", "dev", "prod"]

# Environment variable → settings field. Kept explicit (rather than a prefix convention) so the
# README's configuration table and this mapping can be checked against each other by a test.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "STAGE": "stage",
    "DATABASE_URL": "database_url",
    "DATABASE_SECRET_ARN": "database_secret_arn",
    "DB_POOL_SIZE": "db_pool_size",
    "DB_MAX_OVERFLOW": "db_max_overflow",
    "DB_POOL_RECYCLE_SECONDS": "db_pool_recycle_seconds",
    "DB_STATEMENT_TIMEOUT_MS": "db_statement_timeout_ms",
    "AWS_REGION": "aws_region",
    "AWS_ENDPOINT_URL": "aws_endpoint_url",
    "LOG_LEVEL": "log_level",
    "TRACING_ENABLED": "tracing_enabled",
    "METRICS_NAMESPACE": "metrics_namespace",
    "MAX_REQUEST_BODY_BYTES": "max_request_body_bytes",
    "DATABASE_SECRET_CACHE_SECONDS": "database_secret_cache_seconds",
    "JWT_SIGNING_KEYS": "jwt_signing_keys",
    "JWT_KEYS_CACHE_SECONDS": "jwt_keys_cache_seconds",
    "ACCESS_TOKEN_TTL_SECONDS": "access_token_ttl_seconds",
    "REFRESH_TOKEN_TTL_SECONDS": "refresh_token_ttl_seconds",
    "SESSION_MAX_LIFETIME_SECONDS": "session_max_lifetime_seconds",
    "BCRYPT_ROUNDS": "bcrypt_rounds",
    "LOGIN_ATTEMPTS_PER_MINUTE": "login_attempts_per_minute",
    "REFRESHES_PER_MINUTE": "refreshes_per_minute",
    "EMAIL_SENDER": "email_sender",
    "APP_BASE_URL": "app_base_url",
    "BOOKING_EXPIRY_MINUTES": "booking_expiry_minutes",
    "ALERTS_TOPIC_ARN": "alerts_topic_arn",
    "LIVE_WS_URL": "live_ws_url",
    "LIVE_MANAGEMENT_URL": "live_management_url",
}


class SettingsError(RuntimeError):
    """The environment does not describe a usable configuration."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Stage = "dev"
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL, e.g. postgresql+pg8000://user@host:5432/db"
    )
    database_secret_arn: str | None = Field(
        default=None,
        description="Secrets Manager secret in the RDS JSON shape (host, port, username, ...)",
    )
    db_pool_size: int = Field(default=1, ge=1, le=100)
    db_max_overflow: int = Field(default=2, ge=0, le=100)
    db_pool_recycle_seconds: int = Field(default=300, ge=30)
    db_statement_timeout_ms: int = Field(default=15_000, ge=0)
    database_secret_cache_seconds: int = Field(default=900, ge=0)
    aws_region: str = "ap-southeast-1"
    aws_endpoint_url: str | None = None
    log_level: str = "INFO"
    tracing_enabled: bool = False
    metrics_namespace: str = "PTXChannelManager"
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Identity. The JWT keyring normally comes from Secrets Manager (JWT_SIGNING_KEYS_SECRET_NAME);
    # JWT_SIGNING_KEYS (same JSON) overrides it for tests and local runs without AWS.
    jwt_signing_keys: SecretStr | None = None
    jwt_keys_cache_seconds: int = Field(default=300, ge=0)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=300, le=30 * 24 * 3600)
    session_max_lifetime_seconds: int = Field(default=30 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # The brief's limits (login 5/min, refresh 10/min, each per account and per client IP).
    login_attempts_per_minute: int = Field(default=5, ge=1, le=10_000)
    refreshes_per_minute: int = Field(default=10, ge=1, le=10_000)
    email_sender: str = Field(default="no-reply@ptx-cm.example.com", min_length=3, max_length=254)
    app_base_url: str = Field(default="http://localhost:8000", description="dashboard URL used in emailed links")
    # Bookings. The global setting ``booking_expiry_minutes`` (app_settings), when staff set it, wins.
    booking_expiry_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    # In AWS the template passes the topic's ARN; locally it is looked up by name.
    alerts_topic_arn: str | None = None
    # Live updates: the WebSocket URL a ticket names, and where post_to_connection is sent (in AWS
    # both come from the template; locally from the emulator in local/live_server.py).
    live_ws_url: str = Field(default="ws://localhost:8001", description="wss:// URL browsers open")
    live_management_url: str | None = Field(default=None, description="API Gateway Management API endpoint")

    @field_validator("database_url")
    @classmethod
    def _pg8000_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Accept the libpq spelling users paste, but always talk through pg8000.
            value = "postgresql+pg8000://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+pg8000://"):
            raise ValueError("must be a postgresql+pg8000:// (or postgresql://) URL")
        return value

    @field_validator("app_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not (value.startswith("https://") or value.startswith("http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_strength(self) -> Settings:
        if self.stage == "prod" and self.bcrypt_rounds < 12:
            raise ValueError("BCRYPT_ROUNDS below 12 is for tests only, not prod")
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


def settings_from_environment(environ: dict[str, str] | None = None) -> Settings:
    """Parse settings from ``environ`` (default: ``os.environ``); raise SettingsError on bad values."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for variable, field in ENVIRONMENT_VARIABLES.items():
        raw = env.get(variable)
        if raw is not None and raw != "":
            values[field] = raw
    if "aws_region" not in values and env.get("AWS_DEFAULT_REGION"):
        values["aws_region"] = env["AWS_DEFAULT_REGION"]
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_variable_for(str(err['loc'][0])) if err['loc'] else 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None


def _variable_for(field: str) -> str:
    for variable, name in ENVIRONMENT_VARIABLES.items():
        if name == field:
            return variable
    return field


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_environment()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
