import base64
import json
import stat
from pathlib import Path

import pytest
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext

from ombudsflow.client import data_converter
from ombudsflow.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    KeyRing,
    PayloadDecryptionError,
    case_of,
    create_keyring_file,
    rotate_keyring_file,
)
from ombudsflow.config import Settings

CANARY = "Canary-Zhanar-Ospanova-080512600123"


class Note(BaseModel):
    case_id: str
    text: str


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "keys.json"
    create_keyring_file(path)
    return path


async def test_a_pydantic_model_round_trips_through_the_converter(keys_file: Path) -> None:
    converter = data_converter(KeyRing.load(keys_file))
    note = Note(case_id="KZ-2024-0001", text=CANARY)

    [payload] = await converter.encode([note])

    assert payload.metadata["encoding"] == ENCODING
    assert CANARY.encode() not in payload.SerializeToString()
    assert await converter.decode([payload], [Note]) == [note]


async def test_each_case_payloads_carry_its_own_number(keys_file: Path) -> None:
    """A worker asks for a converter per payload, the same contexts over and over, and gets
    the ones it asked for before: each must still seal for its own case."""
    converter = data_converter(KeyRing.load(keys_file))
    cases = ("AKT-2026-000001", "AKT-2026-000002")

    def contexts(case_id: str) -> list[WorkflowSerializationContext
                                      | ActivitySerializationContext]:
        return [WorkflowSerializationContext(namespace="default", workflow_id=case_id),
                ActivitySerializationContext(
                    namespace="default", workflow_id=case_id, workflow_type="Case",
                    activity_type="send_notice", activity_id="7", activity_task_queue="q",
                    is_local=False)]

    for _ in range(2):
        for case_id in cases:
            for context in contexts(case_id):
                stamped = converter.with_context(context)
                [payload] = await stamped.encode([Note(case_id=case_id, text=CANARY)])
                assert case_of(payload) == case_id
                assert await stamped.decode([payload], [Note]) == [
                    Note(case_id=case_id, text=CANARY)]
    [unstamped] = await converter.encode([Note(case_id="-", text=CANARY)])
    assert case_of(unstamped) is None


async def test_data_sealed_before_a_rotation_still_opens(keys_file: Path) -> None:
    old_ring = KeyRing.load(keys_file)
    [old_payload] = await data_converter(old_ring).encode([Note(case_id="1", text=CANARY)])

    new_id = rotate_keyring_file(keys_file)
    new_converter = data_converter(KeyRing.load(keys_file))
    [new_payload] = await new_converter.encode([Note(case_id="2", text=CANARY)])

    assert new_id != old_ring.active
    assert old_payload.metadata[KEY_ID_METADATA] == old_ring.active.encode()
    assert new_payload.metadata[KEY_ID_METADATA] == new_id.encode()
    assert await new_converter.decode([old_payload], [Note]) == [Note(case_id="1", text=CANARY)]


async def test_an_unknown_key_id_is_named_in_the_error(keys_file: Path, tmp_path: Path) -> None:
    [payload] = await data_converter(KeyRing.load(keys_file)).encode(["hello"])
    stranger = create_keyring_file(tmp_path / "other" / "keys.json")

    with pytest.raises(PayloadDecryptionError, match="not in the key ring"):
        await EncryptionCodec(stranger).decode([payload])


async def test_a_relabelled_payload_fails_authentication(keys_file: Path) -> None:
    rotate_keyring_file(keys_file)
    ring = KeyRing.load(keys_file)
    [payload] = await EncryptionCodec(ring).encode([Payload(data=b"x")])
    other_id = next(key_id for key_id in ring.keys if key_id != ring.active)
    payload.metadata[KEY_ID_METADATA] = other_id.encode()

    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await EncryptionCodec(ring).decode([payload])


async def test_unencrypted_payloads_pass_through(keys_file: Path) -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"hello"')

    assert await EncryptionCodec(KeyRing.load(keys_file)).decode([plain]) == [plain]


def test_key_file_is_private_and_created_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "keys.json"

    first = create_keyring_file(path)
    second = create_keyring_file(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert second == first
    rotate_keyring_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["keys.json"]


def test_keys_never_appear_in_a_repr(keys_file: Path) -> None:
    ring = KeyRing.load(keys_file)

    for key in ring.keys.values():
        assert base64.b64encode(key).decode() not in repr(ring)
        assert repr(key) not in repr(ring)


def test_the_environment_overrides_the_key_file(
    keys_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_ring = create_keyring_file(tmp_path / "env" / "keys.json")
    monkeypatch.setenv("OMBUDSFLOW_KEYS", env_ring.to_json())

    settings = Settings(keys_file=keys_file)

    assert KeyRing.from_settings(settings) == env_ring
    assert env_ring.to_json() not in repr(settings)


def test_key_file_without_override(keys_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMBUDSFLOW_KEYS", raising=False)

    assert KeyRing.from_settings(Settings(keys_file=keys_file)) == KeyRing.load(keys_file)


def test_a_short_key_is_refused() -> None:
    text = json.dumps({"active": "k", "keys": {"k": base64.b64encode(b"short").decode()}})

    with pytest.raises(ValueError, match="32 bytes"):
        KeyRing.from_json(text)
