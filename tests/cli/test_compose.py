"""``docker-compose.yml`` and ``Dockerfile``: the services, their health checks and start
order, and that every ``OMBUDSFLOW_*`` variable given is one ``Settings`` reads. No container
engine is needed; when a compose client is installed it validates the file as well."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ombudsflow.config import Settings

ROOT = Path(__file__).parents[2]
PREFIX = Settings.model_config.get("env_prefix", "")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def test_the_stack_has_its_services(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == {
        "postgres", "temporal", "temporal-ui", "mailpit", "keys", "worker"}
    assert services(compose)["postgres"]["image"].startswith("postgres:16")
    temporal = services(compose)["temporal"]
    assert temporal["image"].startswith("temporalio/auto-setup:")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgres"
    assert services(compose)["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert services(compose)["mailpit"]["image"].startswith("axllent/mailpit")


def test_services_others_wait_for_have_health_checks(compose: dict[str, Any]) -> None:
    worker = services(compose)["worker"]

    assert worker["depends_on"] == {
        "keys": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "temporal": {"condition": "service_healthy"},
        "mailpit": {"condition": "service_healthy"},
    }
    for name, dependency in worker["depends_on"].items():
        if dependency["condition"] == "service_healthy":
            assert services(compose)[name]["healthcheck"]["test"], name
    assert services(compose)["temporal"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy")


def test_the_worker_runs_the_image_with_settings_the_app_reads(compose: dict[str, Any]) -> None:
    worker = services(compose)["worker"]
    env: dict[str, str] = worker["environment"]

    assert worker["build"] == "." and worker["command"] == ["ombudsflow", "worker"]
    unknown = {k for k in env if k.removeprefix(PREFIX).lower() not in Settings.model_fields}
    assert all(k.startswith(PREFIX) for k in env) and not unknown
    settings = Settings.model_validate(
        {k.removeprefix(PREFIX).lower(): v for k, v in env.items()})
    assert settings.temporal_address == "temporal:7233"
    assert settings.mail_transport == "smtp" and settings.smtp_host == "mailpit"
    # The store has a database of its own on the PostgreSQL server, apart from Temporal's.
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.database_url.endswith("@postgres:5432/ombudsflow")
    assert services(compose)["keys"]["environment"] == env


def test_the_image_runs_the_worker_as_an_unprivileged_user() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]

    assert next(li for li in lines if li.startswith("FROM")) == "FROM python:3.11-slim"
    users = [li.split()[1] for li in lines if li.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert lines[-1] == 'CMD ["ombudsflow", "worker"]'


def test_a_compose_client_accepts_the_file() -> None:
    client = shutil.which("docker-compose")
    if client is None:
        pytest.skip("no docker-compose client installed")
    result = subprocess.run(
        [client, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
