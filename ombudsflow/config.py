"""All configuration, from the environment (prefix ``OMBUDSFLOW_``) or a ``.env`` file.

One ``Settings`` object, read once per process; task-queue names and search-attribute keys are
constants in ``ombudsflow.constants``, not settings.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR = Path("var")
DEV_SECRET = "development-only-secret-change-me"
# The compose file's metrics token when none is set: fine on a laptop, refused in production.
DEV_METRICS_TOKEN = "development-metrics-token"
# Where the web app serves the Temporal Web UI, and the public path its server is started with.
TEMPORAL_UI_PATH = "/temporal"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMBUDSFLOW_", env_file=".env", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    # A secured cluster or Temporal Cloud: mTLS with a client certificate and its key (PEM
    # files), and/or an API key (Temporal Cloud; implies TLS). The server's certificate is
    # checked against the system's roots unless a CA is given; the server name overrides the
    # host the certificate must name (SNI), e.g. behind a proxy.
    temporal_tls: bool = Field(default=False, description="TLS without any file below")
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_server_ca: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None
    # Where the web app reaches the Temporal Web UI's server (started with the public path
    # TEMPORAL_UI_PATH). Never published: people open the UI through the web app, signed in.
    temporal_ui_url: str = "http://127.0.0.1:8233"
    task_queue: str = "ombudsflow-cases"

    database_url: str = f"sqlite:///{VAR / 'ombudsflow.db'}"

    # Notices: "file" writes .eml files under mail_dir (the default for `make run`); "smtp" sends.
    mail_transport: Literal["file", "smtp"] = "file"
    mail_dir: Path = VAR / "mail"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "ombudsflow@ombudsman.example"
    # SMS (the directory's "sms" channel): a provider, its API's base URL and credentials.
    sms_provider: Literal["none", "mobizon", "smsc"] = "none"
    sms_sender: str | None = Field(default=None, description="the registered sender name")
    mobizon_url: str = "https://api.mobizon.kz"
    mobizon_api_key: SecretStr | None = None
    smsc_url: str = "https://smsc.kz"
    smsc_login: str | None = None
    smsc_password: SecretStr | None = None
    # After the provider accepts an SMS, how long the send waits for its delivery report: an
    # SMS the provider reports undeliverable is sent again (and the next channel tried).
    sms_status_wait_seconds: float = Field(default=15.0, ge=0, le=20)
    # The Bala Qorgau Telegram chat's bot (webhook mode, inside the web app): on when both the
    # token and the webhook's secret token are set. The API base URL is a setting for tests.
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="the secret_token given to setWebhook; Telegram sends it in "
                                  "X-Telegram-Bot-Api-Secret-Token")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_conversation_minutes: int = Field(default=60, gt=0, le=24 * 60)
    authorities_file: Path | None = Field(
        default=None, description="a JSON authority directory replacing the bundled one"
    )
    districts_file: Path | None = Field(
        default=None, description="a JSON district directory (KATO codes) replacing the "
                                  "bundled one"
    )

    # Payload encryption keys: a JSON file {"active": "<id>", "keys": {"<id>": "<base64 key>"}}.
    keys_file: Path = VAR / "keys.json"
    # OMBUDSFLOW_KEYS: the same JSON inline (e.g. from a secret store); wins over keys_file.
    keys: SecretStr | None = None

    public_base_url: str = "http://127.0.0.1:8000"
    # The CLI's case commands call the web app's API here (default: public_base_url); its
    # `report submit` and `decision` commands present this integration key.
    api_url: str | None = None
    api_key: SecretStr | None = None
    log_level: str = "INFO"

    # The worker keeps at most this many cases in memory (~0.7 MiB each over a ~250 MiB base);
    # an evicted one is rebuilt from its history when it next has work. Bounds the worker's
    # memory whatever the number of open cases: 1,000 measured 0.95 GiB, at the edge of the
    # 1 GiB a worker is given (BENCHMARKS.md: the 20,000-report burst).
    worker_max_cached_workflows: int = Field(default=800, gt=1)
    # Workflow tasks a worker runs at once. Each shares the process's one core of Python: past
    # a few, more only stretch each task, and a task that outlives its 10 s timeout is thrown
    # away and queued again (BENCHMARKS.md: the 20,000-report burst).
    worker_max_concurrent_workflow_tasks: int = Field(default=8, gt=1)
    # host:port where a worker serves the Temporal SDK's metrics for Prometheus (GET /metrics,
    # no sign-in: bind it to loopback or a private network). Unset: no metrics server. Each
    # worker process needs a port of its own; `ombudsflow run` gives its worker 127.0.0.1:9464.
    worker_metrics_address: str | None = Field(default=None, pattern=r"^\S+:\d{1,5}$")

    # The web app. The secret signs sign-in tokens and session cookies.
    environment: Literal["development", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    token_minutes: int = Field(default=30, gt=0, le=24 * 60)
    # Rate limits (per web process): sign-in attempts per client address and user name,
    # reports per integration key; beyond them the answer is 429 with Retry-After.
    sign_ins_per_minute: int = Field(default=10, gt=0)
    reports_per_minute: int = Field(default=600, gt=0)
    # The longest the web app waits for a workflow update (a completion, an approval, an
    # inspection), in seconds: while Temporal is unreachable or restarting the answer is then
    # 503 with Retry-After, not a request that hangs. A completion waits for its projection
    # into the store, so keep this well above the p99 of a completion under load.
    update_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    # The web app's GET /metrics (Prometheus): with a token, only to "Authorization: Bearer
    # <token>"; without one, only to clients on this machine (loopback).
    metrics_token: SecretStr | None = None

    @model_validator(mode="after")
    def _client_certificate_with_its_key(self) -> Self:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("set both OMBUDSFLOW_TEMPORAL_TLS_CERT and "
                             "OMBUDSFLOW_TEMPORAL_TLS_KEY for mTLS, or neither")
        return self

    def temporal_ui_link(self, case_id: str) -> str:
        """The case's workflow in the Temporal Web UI, as the web app serves it (the workflow
        id is the case number)."""
        ui = self.temporal_ui_public_url
        return f"{ui}/namespaces/{self.temporal_namespace}/workflows/{case_id}"

    @property
    def repeat_secret(self) -> bytes:
        """The key of the applicants' hashes that link repeated appeals (``cases.repeats``):
        derived from the secret key, so changing it starts the links afresh."""
        return b"repeats:" + self.secret_key.get_secret_value().encode()

    @property
    def temporal_ui_public_url(self) -> str:
        """The Temporal Web UI behind the web app's sign-in."""
        return f"{self.public_base_url.rstrip('/')}{TEMPORAL_UI_PATH}"

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> Self:
        if self.environment != "production":
            return self
        if self.secret_key.get_secret_value() == DEV_SECRET:
            raise ValueError("set OMBUDSFLOW_SECRET_KEY: the development secret is refused in "
                             "production")
        if self.metrics_token is not None and \
                self.metrics_token.get_secret_value() == DEV_METRICS_TOKEN:
            raise ValueError("set OMBUDSFLOW_METRICS_TOKEN: the development metrics token is "
                             "refused in production")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
