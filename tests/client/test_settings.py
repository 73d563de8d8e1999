"""Production refuses to start with the development secrets the compose file falls back to."""

import pytest
from pydantic import ValidationError

from ombudsflow.config import DEV_METRICS_TOKEN, DEV_SECRET, Settings


@pytest.mark.parametrize(("setting", "value", "refused"), [
    ("secret_key", DEV_SECRET, "OMBUDSFLOW_SECRET_KEY"),
    ("metrics_token", DEV_METRICS_TOKEN, "OMBUDSFLOW_METRICS_TOKEN"),
])
def test_production_refuses_a_development_secret(setting: str, value: str, refused: str) -> None:
    secrets = {"secret_key": "a-real-secret-of-the-deployment", setting: value}
    Settings.model_validate({"environment": "development", **secrets})  # a laptop may
    with pytest.raises(ValidationError, match=refused):
        Settings.model_validate({"environment": "production", **secrets})


def test_production_starts_with_its_own_secrets() -> None:
    settings = Settings.model_validate({
        "environment": "production", "secret_key": "a-real-secret-of-the-deployment",
        "metrics_token": "a-real-metrics-token"})
    assert settings.metrics_token is not None
