"""``docker-compose.yml`` and ``Dockerfile``: the services the README names, their health checks
and start order, two worker replicas, the UI reached (read-only) and decoding only through the
web app, Prometheus scraping the web app and every worker, and that every ``OMBUDSFLOW_*``
variable given is one ``Settings`` reads. No container
engine is needed; the compose client (installed by ``.ci/run``) validates the file as well."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ombudsflow.config import TEMPORAL_UI_PATH, Settings

ROOT = Path(__file__).parents[2]
PREFIX = Settings.model_config.get("env_prefix", "")
SERVICES = {"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
            "mailpit", "keys", "worker", "web", "prometheus"}
# Given by the operator (shell or .env) rather than in the file.
PASSED_THROUGH = {f"{PREFIX}SECRET_KEY"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def app_settings(service: dict[str, Any]) -> Settings:
    """The settings a container gets when no variable is set in the shell or ``.env``:
    ``${NAME:-default}`` is its default, as compose interpolates it."""
    env: dict[str, str | None] = service["environment"]
    return Settings.model_validate({
        k.removeprefix(PREFIX).lower(): re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", v)
        for k, v in env.items() if v is not None
    })


def test_the_stack_has_the_services_the_readme_names(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == SERVICES
    assert services(compose)["postgres"]["image"].startswith("postgres:16")
    assert services(compose)["mailpit"]["image"].startswith("axllent/mailpit:")
    for name in ("temporal", "temporal-schema", "temporal-namespace", "temporal-ui"):
        assert services(compose)[name]["image"].split(":")[0] in (
            "temporalio/server", "temporalio/admin-tools", "temporalio/ui"), name


def test_temporal_runs_on_postgres_with_a_schema_its_admin_tools_set_up(
    compose: dict[str, Any]
) -> None:
    temporal, schema = services(compose)["temporal"], services(compose)["temporal-schema"]

    assert temporal["environment"]["DB"] == schema["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgres"
    assert temporal["depends_on"] == {
        "temporal-schema": {"condition": "service_completed_successfully"}}
    assert schema["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for service in (schema, services(compose)["temporal-namespace"], temporal):
        for volume in service["volumes"]:
            assert (ROOT / volume.split(":")[0]).is_file(), volume


def test_each_service_waits_for_what_it_needs_to_be_healthy_or_done(
    compose: dict[str, Any]
) -> None:
    for name, service in services(compose).items():
        for dependency, how in service.get("depends_on", {}).items():
            if how["condition"] == "service_healthy":
                assert services(compose)[dependency]["healthcheck"]["test"], (name, dependency)
            else:
                assert how["condition"] == "service_completed_successfully", (name, dependency)
                assert "restart" not in services(compose)[dependency], dependency
    for name in ("worker", "web"):
        assert set(services(compose)[name]["depends_on"]) >= {
            "keys", "postgres", "temporal", "temporal-namespace"}, name
    assert "mailpit" in services(compose)["worker"]["depends_on"]


def test_two_worker_replicas_and_the_web_app_run_the_image(compose: dict[str, Any]) -> None:
    worker, web = services(compose)["worker"], services(compose)["web"]

    assert worker["deploy"]["replicas"] == 2 and worker["command"] == ["ombudsflow", "worker"]
    assert web["command"] == ["ombudsflow", "web"]
    assert worker["build"] == web["build"] == services(compose)["keys"]["build"] == "."
    settings = app_settings(web)
    assert f"127.0.0.1:{settings.web_port}/api/v1/health" in " ".join(web["healthcheck"]["test"])
    assert web["ports"] == [f"{settings.web_port}:{settings.web_port}"]


def test_every_ombudsflow_variable_is_a_setting(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        env = service.get("environment", {})
        ours = {k: v for k, v in env.items() if k.startswith(PREFIX)}
        unknown = {k for k in ours if k.removeprefix(PREFIX).lower() not in Settings.model_fields}
        assert not unknown, (name, unknown)
        assert {k for k, v in ours.items() if v is None} <= PASSED_THROUGH, name


def test_the_apps_settings_point_at_the_stack(compose: dict[str, Any]) -> None:
    settings = app_settings(services(compose)["worker"])

    assert settings.temporal_address == "temporal:7233"
    assert settings.mail_transport == "smtp" and settings.smtp_host == "mailpit"
    # The store has a database of its own on the PostgreSQL server, apart from Temporal's.
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.database_url.endswith("@postgres:5432/ombudsflow")
    for name in ("keys", "web"):
        assert services(compose)[name]["environment"] == services(compose)["worker"][
            "environment"], name


def test_the_temporal_ui_is_reached_only_through_the_web_app_read_only(
    compose: dict[str, Any]
) -> None:
    ui = services(compose)["temporal-ui"]
    env = ui["environment"]
    settings = app_settings(services(compose)["web"])

    assert "ports" not in ui  # no way in but the web app's sign-in
    assert env["TEMPORAL_ADDRESS"] == settings.temporal_address
    assert settings.temporal_ui_url == "http://temporal-ui:8080"
    assert env["TEMPORAL_UI_PUBLIC_PATH"] == TEMPORAL_UI_PATH
    assert env["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"
    # On the UI's own origin, so the browser sends the sign-in cookie with it.
    assert env["TEMPORAL_CODEC_ENDPOINT"] == f"{settings.public_base_url}/codec"
    assert env["TEMPORAL_CORS_ORIGINS"] == settings.public_base_url


def test_prometheus_scrapes_the_web_app_with_its_token_and_every_worker(
    compose: dict[str, Any]
) -> None:
    prometheus = services(compose)["prometheus"]
    settings = app_settings(services(compose)["worker"])
    mounted = {inside: outside for outside, inside, *_ in
               (volume.split(":") for volume in prometheus["volumes"])}
    config = yaml.safe_load((ROOT / mounted["/etc/prometheus/prometheus.yml"]).read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    start = (ROOT / mounted["/start.sh"]).read_text()

    assert prometheus["image"].startswith("prom/prometheus:")
    assert prometheus["entrypoint"] == ["/bin/sh", "/start.sh"]
    assert prometheus["ports"] == ["127.0.0.1:9090:9090"]  # this host only
    # The web app: its port, its /metrics (the default path), the token start.sh writes.
    web = jobs["ombudsflow-web"]
    assert web["static_configs"] == [{"targets": [f"web:{settings.web_port}"]}]
    assert "metrics_path" not in web
    token_file = web["authorization"]["credentials_file"]
    assert f'"$METRICS_TOKEN" > {token_file}' in start
    token = settings.metrics_token
    assert token is not None
    assert re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", prometheus["environment"]["METRICS_TOKEN"]) == (
        token.get_secret_value())
    # Every worker replica, by the service's name, on the port each serves its metrics on.
    assert settings.worker_metrics_address is not None
    host, _, port = settings.worker_metrics_address.rpartition(":")
    assert host == "0.0.0.0"
    assert jobs["ombudsflow-worker"]["dns_sd_configs"] == [
        {"names": ["worker"], "type": "A", "port": int(port)}]
    assert "ports" not in services(compose)["worker"]  # the metrics stay inside


def test_the_image_runs_the_worker_as_an_unprivileged_user() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]

    assert next(li for li in lines if li.startswith("FROM")) == "FROM python:3.11-slim"
    users = [li.split()[1] for li in lines if li.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert lines[-1] == 'CMD ["ombudsflow", "worker"]'


def test_a_compose_client_accepts_the_file() -> None:
    client = shutil.which("docker-compose")
    if client is None:
        pytest.skip("no docker-compose client installed (.ci/run installs one)")
    result = subprocess.run(
        [client, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
