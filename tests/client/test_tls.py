"""``connect`` reaches a secured cluster or Temporal Cloud as the settings say: mTLS from the
certificate, key and CA files, an API key, or plain text on a development machine. Checked at
the arguments handed to ``Client.connect``; no TLS server is needed."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.service import TLSConfig

from ombudsflow.client import connect
from ombudsflow.config import Settings


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments of the last ``Client.connect``, which connects nowhere."""
    calls: dict[str, Any] = {}

    async def fake_connect(target_host: str, **kwargs: Any) -> None:
        calls.update(kwargs, target_host=target_host)

    monkeypatch.setattr(Client, "connect", fake_connect)
    return calls


def pem(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(f"-----BEGIN {name}-----\n".encode())
    return path


async def test_mtls_reads_the_client_certificate_key_and_server_ca(
    tmp_path: Path, connected: dict[str, Any]
) -> None:
    settings = Settings(
        temporal_address="ombudsman.tmprl.cloud:7233", temporal_namespace="ombudsman.a1b2c",
        temporal_tls_cert=pem(tmp_path, "CERTIFICATE"), temporal_tls_key=pem(tmp_path, "KEY"),
        temporal_tls_server_ca=pem(tmp_path, "CA"), temporal_tls_server_name="temporal.internal",
    )

    await connect(settings, None)

    assert connected["target_host"] == "ombudsman.tmprl.cloud:7233"
    assert connected["namespace"] == "ombudsman.a1b2c"
    assert connected["tls"] == TLSConfig(
        client_cert=b"-----BEGIN CERTIFICATE-----\n", client_private_key=b"-----BEGIN KEY-----\n",
        server_root_ca_cert=b"-----BEGIN CA-----\n", domain="temporal.internal",
    )
    assert connected["api_key"] is None


async def test_an_api_key_is_sent_and_lets_the_sdk_turn_tls_on(
    connected: dict[str, Any]
) -> None:
    await connect(Settings(temporal_api_key="cloud-api-key"), None)

    assert connected["api_key"] == "cloud-api-key"
    assert connected["tls"] is None  # the SDK: TLS on when an API key is given


async def test_tls_on_the_system_roots_alone(connected: dict[str, Any]) -> None:
    await connect(Settings(temporal_tls=True), None)

    assert connected["tls"] is True


async def test_a_development_server_is_reached_in_plain_text(connected: dict[str, Any]) -> None:
    await connect(Settings(), None)

    assert connected["tls"] is None and connected["api_key"] is None


def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="OMBUDSFLOW_TEMPORAL_TLS_KEY"):
        Settings(temporal_tls_cert=pem(tmp_path, "CERTIFICATE"))
