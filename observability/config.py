"""Settings from the environment (prefix OBS_), documented once here.

Every secret also accepts `<NAME>_FILE`, a path whose content is the value. A bad setting fails at
start with one line naming it (see `load_settings`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from observability.ascode.links import Links, load_links
from observability.paths import repo_root

WEBHOOK_TOKEN_MIN_CHARS = 16
# database_url too: a PostgreSQL URL carries its password (OBS_DATABASE_URL_FILE from a mounted secret).
SECRET_FIELDS = (
    "database_url",
    "webhook_token",
    "slack_bot_token",
    "slack_signing_secret",
    "api_tokens",
    "outgoing_webhook_secret",
)


def default_database_url() -> str:
    return f"sqlite:///{repo_root() / 'var' / 'obs.db'}"


def committed_links() -> Links:
    """The organisation's URLs committed in the repository's pyproject.toml `[tool.obs]`."""
    return load_links(repo_root())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OBS_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url, description="SQLAlchemy URL")
    webhook_token: SecretStr | None = Field(None, description="bearer token Alertmanager must send")
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (a fake in tests)")
    slack_channel_severities: str = Field(
        "critical", description="comma-separated severities whose incidents get a Slack channel each"
    )
    slack_alerts_channel: str = Field(
        "#alerts",
        description="shared channel for other severities when the incident's policy names no channel",
    )
    slack_storm_threshold: int = Field(
        5,
        ge=1,
        description="more incidents than this within the storm window in one shared channel: a digest",
    )
    slack_storm_window_seconds: float = Field(600.0, gt=0, description="the storm window")
    slack_timeout_seconds: float = Field(10.0, gt=0, description="timeout of one Slack Web API call")
    outgoing_webhook_url: str | None = Field(
        None, description="POST every page here as signed JSON (a bridge to a phone or pager service)"
    )
    outgoing_webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key of the webhook")
    delivery_tick_seconds: float = Field(1.0, gt=0, le=60, description="how often the outbox sender runs")
    delivery_pacing_seconds: float = Field(
        1.05, ge=0, description="least time between two messages in a channel (Slack: about 1 a second)"
    )
    delivery_backoff_seconds: float = Field(1.0, gt=0, description="first retry delay (doubles each time)")
    delivery_max_backoff_seconds: float = Field(300.0, gt=0, description="longest retry delay")
    delivery_lease_seconds: float = Field(
        60.0,
        gt=0,
        description="how long a claimed notification is held before another sender may retry it in doubt"
        " (at least 4 Slack call timeouts)",
    )
    delivery_dead_after_seconds: float = Field(
        3600.0, gt=0, description="give a notification up (a dead letter) this long after it was queued"
    )
    public_url: str = Field(
        default_factory=lambda: committed_links().public_url,
        description="where people reach this service (default: pyproject.toml [tool.obs] public_url)",
    )
    grafana_url: str = Field(
        default_factory=lambda: committed_links().grafana_url,
        description="Grafana base URL for dashboard links (default: pyproject.toml [tool.obs] grafana_url)",
    )
    prometheus_url: str | None = None
    alertmanager_url: str | None = Field(None, description="to fetch truncated alerts")
    webhook_allow_unauthenticated: bool = Field(
        False, description="serve the webhook without a bearer token (only for a local trial)"
    )
    max_body_bytes: int = Field(
        1_048_576, gt=0, description="largest request body accepted on any endpoint (413 above)"
    )
    reopen_window_seconds: int = Field(
        1800, ge=0, description="a group firing again this soon after resolving reopens its incident"
    )
    content_root: Path = Field(default_factory=repo_root, description="repository with runbooks/, incident/")
    escalation_matrix: Path | None = Field(
        None,
        description="the escalation matrix: a directory with people.yml, rotations.yml and escalation.yml, "
        "or one YAML file with all three sections (default: <content_root>/incident if it exists, "
        "else the repository's incident/)",
    )
    escalation_tick_seconds: float = Field(
        1.0, gt=0, le=60, description="how often the escalation engine looks for due steps"
    )
    api_tokens: str = Field(
        "",
        description="API tokens besides the database's, as name:role:sha256hex,... (role viewer, "
        "responder or admin; the hash is the hex SHA-256 of the token); checked by the app at start",
    )
    auth_failure_limit: int = Field(
        10,
        ge=1,
        description="wrong tokens or sign-ins a client may send per window before it gets 429 "
        "(counted per replica, per kind: webhook token, API tokens)",
    )
    auth_failure_window_seconds: float = Field(
        60.0, gt=0, le=86400, description="the sliding window of OBS_AUTH_FAILURE_LIMIT"
    )
    watchdog_timeout_seconds: float = Field(
        600.0,
        ge=0,
        description="open 'Alerting pipeline down' when no Watchdog alert arrived for this long "
        "(armed once the first Watchdog is seen; 0 disables)",
    )

    @field_validator("webhook_token")
    @classmethod
    def _check_webhook_token(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty or short token refuses every webhook, or is guessed; `make run` generates one.
        if value is not None and len(value.get_secret_value()) < WEBHOOK_TOKEN_MIN_CHARS:
            length = len(value.get_secret_value())
            raise ValueError(
                f"{'empty' if not length else f'{length} characters'}; use at least "
                f"{WEBHOOK_TOKEN_MIN_CHARS} characters "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                "or leave it unset with OBS_WEBHOOK_ALLOW_UNAUTHENTICATED=1 for a local trial"
            )
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.outgoing_webhook_url and self.outgoing_webhook_secret is None:
            raise ValueError(
                "OBS_OUTGOING_WEBHOOK_URL needs OBS_OUTGOING_WEBHOOK_SECRET (or _FILE) to sign its requests"
            )
        return self

    @property
    def matrix_path(self) -> Path:
        """Where the escalation matrix is read from (see `escalation_matrix`)."""
        # A content root holding only runbooks (a site export, a test) keeps the shipped matrix.
        if self.escalation_matrix is not None:
            return self.escalation_matrix
        candidate = self.content_root / "incident"
        return candidate if candidate.exists() else repo_root() / "incident"

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, values: dict[str, object]) -> dict[str, object]:
        import os

        for name in SECRET_FIELDS:
            path = os.environ.get(f"OBS_{name.upper()}_FILE")
            if path and not values.get(name):
                try:
                    values[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ValueError(f"OBS_{name.upper()}_FILE={path}: cannot read: {exc.strerror}") from exc
        return values


class SettingsError(Exception):
    """A setting is invalid; the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or SettingsError with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _one_line(exc) from None
    except ValueError as exc:  # a default read from pyproject.toml [tool.obs]
        raise SettingsError(f"invalid setting: {exc}") from None


def _one_line(exc: ValidationError) -> SettingsError:
    first = exc.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"]:
        return SettingsError(f"invalid setting: {message}")
    name = "OBS_" + "_".join(str(part) for part in first["loc"]).upper()
    return SettingsError(f"invalid setting {name}: {message}")
