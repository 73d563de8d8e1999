"""The one place that builds Temporal's data converter and client.

The API, the workers, the CLI and the tests all come through here, so every process reads and
writes payloads the same way: pydantic JSON, sealed by the encryption codec, with failure
messages and stack traces moved into (encrypted) payloads instead of history's clear text.
"""

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Self

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from ombudsflow.codec import EncryptionCodec, KeyRing
from ombudsflow.config import Settings
from ombudsflow.constants import SEARCH_ATTRIBUTES

# Converters kept per payload context (a case, an activity of a case), then all dropped.
CONTEXTS_KEPT = 4096


class _PayloadConverter(PydanticPayloadConverter):
    """The SDK's pydantic converter, built once per process.

    The SDK builds a payload converter for every data converter it makes, two for each
    workflow activation (one to decode it, one to encode its completion), and uses only their
    codecs: 18 µs each, where this one costs 4 (BENCHMARKS.md, "Two converters fewer"). It
    holds nothing of a payload's context, and its type-adapter cache is better shared."""

    _built: ClassVar["_PayloadConverter | None"] = None

    def __new__(cls) -> Self:
        built = cls._built
        if built is None:
            built = super().__new__(cls)
            PydanticPayloadConverter.__init__(built)
            cls._built = built
        return built  # type: ignore[return-value]

    def __init__(self) -> None:
        """Built once, in ``__new__``."""


@dataclasses.dataclass(frozen=True)
class _DataConverter(DataConverter):
    """The SDK's converter, with a cheaper ``with_context``.

    A worker asks for the converter of each payload's context (the case, the activity), and
    the codec stamps the case number, so every activity payload gets a copy. The SDK copies
    through ``dataclasses.replace`` each time it is asked; this one shares the components
    that did not change and keeps the converter of each context it was asked for, as the
    same few contexts come back for every payload of a case. The same components come out.
    """

    _contexts: dict[SerializationContext, Self] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)

    def with_context(self, context: SerializationContext) -> Self:
        known = self._contexts.get(context)
        if known is None:
            if len(self._contexts) >= CONTEXTS_KEPT:
                self._contexts.clear()
            known = self._contexts[context] = self._with_context(context)
        return known

    def _with_context(self, context: SerializationContext) -> Self:
        fields = ("payload_converter", "payload_codec", "failure_converter", "external_storage")
        changed = {}
        for name in fields:
            part = getattr(self, name)
            if isinstance(part, WithSerializationContext):
                new = part.with_context(context)
                if new is not part:
                    changed[name] = new
        if not changed:
            return self
        clone = copy.copy(self)
        object.__setattr__(clone, "_contexts", {})
        for name, part in changed.items():
            object.__setattr__(clone, name, part)
        return clone


def data_converter(keyring: KeyRing | None) -> DataConverter:
    """The converter for every client, worker and replayer; no codec when ``keyring`` is None."""
    return _DataConverter(
        payload_converter_class=_PayloadConverter,
        payload_codec=EncryptionCodec(keyring) if keyring is not None else None,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings, keyring: KeyRing | None, *,
                  metrics_address: str | None = None) -> Client:
    """A client on the configured server and namespace, reading and writing sealed payloads;
    with ``metrics_address``, the SDK's metrics of it and of its workers are served there."""
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keyring),
        tls=tls_config(settings),
        api_key=api_key.get_secret_value() if api_key is not None else None,
        runtime=metrics_runtime(metrics_address) if metrics_address is not None else None,
    )


def metrics_runtime(address: str) -> Runtime:
    """A Temporal runtime serving its metrics for Prometheus at ``http://address/metrics``.

    The SDK's own names and units (``temporal_`` prefix, histograms in milliseconds, counters
    without ``_total``), as Temporal's Core SDK dashboards expect. One per process: each
    runtime has its own threads, and the address its own port."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


def tls_config(settings: Settings) -> TLSConfig | bool | None:
    """What ``Client.connect`` takes as ``tls``: the files and server name as a ``TLSConfig``;
    ``True`` for TLS on the system's roots alone; ``None`` to let an API key decide (the
    SDK turns TLS on with one, as Temporal Cloud needs) and otherwise connect in plain text."""
    files = (settings.temporal_tls_cert, settings.temporal_tls_key,
             settings.temporal_tls_server_ca)
    if all(f is None for f in files) and settings.temporal_tls_server_name is None:
        return True if settings.temporal_tls else None
    cert, key, ca = (_read(f) for f in files)
    return TLSConfig(client_cert=cert, client_private_key=key, server_root_ca_cert=ca,
                     domain=settings.temporal_tls_server_name)


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register Ombudsflow's search attributes that ``namespace`` lacks.

    Safe to call on every start. The time-skipping test server cannot list search attributes
    and refuses to add one twice; both are taken to mean "already there".
    """
    registered = await _registered_search_attributes(client, namespace)
    for key in SEARCH_ATTRIBUTES:
        wanted = IndexedValueType.ValueType(key.indexed_value_type.value)
        present = registered.get(key.name)
        if present is not None and present != wanted:
            raise RuntimeError(
                f"search attribute {key.name} is registered as "
                f"{IndexedValueType.Name(present)}, not {IndexedValueType.Name(wanted)}"
            )
        if present is None:
            try:
                await client.operator_service.add_search_attributes(
                    AddSearchAttributesRequest(
                        namespace=namespace, search_attributes={key.name: wanted}
                    )
                )
            except RPCError as e:
                if e.status != RPCStatusCode.ALREADY_EXISTS:
                    raise


async def _registered_search_attributes(
    client: Client, namespace: str
) -> Mapping[str, IndexedValueType.ValueType]:
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
    except RPCError as e:
        if e.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        return {}
    return listed.custom_attributes
