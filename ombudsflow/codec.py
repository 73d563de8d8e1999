"""AES-256-GCM encryption of every payload Temporal stores.

Workflow inputs, results, activity arguments and (with the encoded-attributes failure
converter) failure messages carry a child's personal data; the Temporal server and anyone who
reads its database or UI see only ciphertext. Each payload names the key that sealed it, and
rotation keeps old keys, so histories written before a rotation still decode and replay.

Key file (mode 0600): ``{"active": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}``; the
``OMBUDSFLOW_KEYS`` environment variable, holding the same JSON, takes precedence.
"""

import base64
import copy
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from ombudsflow.config import Settings

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
CASE_METADATA = "ombudsflow-case"
KEY_BYTES = 32
NONCE_BYTES = 12


class PayloadDecryptionError(Exception):
    """An encrypted payload cannot be opened with the keys at hand."""


@dataclass(frozen=True)
class KeyRing:
    """The active key id and every key ever active; the keys never appear in a repr."""

    active: str
    keys: dict[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError(f"active key {self.active!r} is not in the key ring")
        short = [key_id for key_id, key in self.keys.items() if len(key) != KEY_BYTES]
        if short:
            raise ValueError(f"keys must be {KEY_BYTES} bytes: {', '.join(short)}")

    @classmethod
    def from_json(cls, text: str) -> Self:
        raw = json.loads(text)
        keys = {key_id: base64.b64decode(key, validate=True) for key_id, key in raw["keys"].items()}
        return cls(active=raw["active"], keys=keys)

    def to_json(self) -> str:
        keys = {key_id: base64.b64encode(key).decode() for key_id, key in self.keys.items()}
        return json.dumps({"active": self.active, "keys": keys}, indent=2)

    @classmethod
    def load(cls, path: Path) -> Self:
        return cls.from_json(path.read_text())

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The ring from ``OMBUDSFLOW_KEYS`` when set, else from the key file."""
        if settings.keys is not None:
            return cls.from_json(settings.keys.get_secret_value())
        return cls.load(settings.keys_file)


def _fresh_key() -> tuple[str, bytes]:
    return f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}", AESGCM.generate_key(256)


def _write_new_private_file(path: Path, text: str) -> None:
    # O_EXCL with mode 0600: the key is never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def create_keyring_file(path: Path) -> KeyRing:
    """Create a key file with one fresh key unless it exists; return the ring either way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key_id, key = _fresh_key()
    keyring = KeyRing(active=key_id, keys={key_id: key})
    try:
        _write_new_private_file(path, keyring.to_json())
    except FileExistsError:
        return KeyRing.load(path)
    return keyring


def rotate_keyring_file(path: Path) -> str:
    """Add a fresh key to the key file and make it active; return its id.

    Old keys stay: histories they sealed must still decode.
    """
    key_id, key = _fresh_key()
    keyring = KeyRing(active=key_id, keys={**KeyRing.load(path).keys, key_id: key})
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    _write_new_private_file(staging, keyring.to_json())
    # A rename is atomic: a reader sees the old ring or the new one, never half a file.
    staging.replace(path)
    return key_id


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Seals each serialized payload with the active key; opens it with the key it names.

    Given the workflow it works for (Temporal's serialization context), it also stamps the case
    number on the payload, in clear but authenticated: the codec server decides by it whose
    payloads a person may see, and a payload moved to another case number fails to open.
    """

    def __init__(self, keyring: KeyRing, case_id: str | None = None) -> None:
        self._keyring = keyring
        self._case_id = case_id
        self._active = keyring.active
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = getattr(context, "workflow_id", None)
        if not isinstance(workflow_id, str) or workflow_id == self._case_id:
            return self
        # A copy shares the ciphers: the worker asks for a context per payload it converts.
        stamped = copy.copy(self)
        stamped._case_id = workflow_id
        return stamped

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads]

    def _seal(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._active.encode()
        metadata = {"encoding": ENCODING, KEY_ID_METADATA: key_id}
        if self._case_id is not None:
            metadata[CASE_METADATA] = self._case_id.encode()
        # Key id and case number are authenticated data: relabelling either fails to open.
        sealed = self._ciphers[self._active].encrypt(
            nonce, payload.SerializeToString(), _associated_data(metadata))
        return Payload(metadata=metadata, data=nonce + sealed)

    def _open(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload sealed with key {key_id!r}, which is not in the key ring "
                f"(known: {', '.join(sorted(self._ciphers))})"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(
                cipher.decrypt(nonce, sealed, _associated_data(payload.metadata)))
        except InvalidTag as e:
            raise PayloadDecryptionError(
                f"payload sealed with key {key_id!r} failed authentication"
            ) from e


def case_of(payload: Payload) -> str | None:
    """The case number an encrypted payload was sealed for, if the codec knew it."""
    stamped = payload.metadata.get(CASE_METADATA)
    return stamped.decode() if stamped else None


def _associated_data(metadata: Mapping[str, bytes]) -> bytes:
    key_id = metadata.get(KEY_ID_METADATA, b"")
    case_id = metadata.get(CASE_METADATA)
    return key_id if case_id is None else key_id + b"|" + case_id
