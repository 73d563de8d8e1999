"""The codec server: the Temporal UI's way to show encrypted payloads, to those entitled only."""

import base64
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials
from ombudsflow.client import data_converter
from ombudsflow.codec import CASE_METADATA, ENCODING, KEY_ID_METADATA, KeyRing
from schemas.regions import Region
from store.audit import case_trail
from store.db import session_scope
from tests.support.factories import CANARY_NAME, report_data
from tests.support.scenarios import CaseDriver
from tests.support.web_stack import WebStack, web_stack

UI_ORIGIN = "http://127.0.0.1:8233"


@pytest.fixture
async def stack(time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
                tmp_path: Path) -> AsyncIterator[WebStack]:
    async with web_stack(time_env.client, engine, demo, tmp_path / "mail") as stack:
        yield stack


async def raw_payloads(stack: WebStack, case: CaseDriver) -> list[dict[str, Any]]:
    """The workflow input as the Temporal UI gets it from the server: still encrypted."""
    started = (await case.handle.fetch_history()).events[0]
    payloads = started.workflow_execution_started_event_attributes.input.payloads
    return [MessageToDict(p) for p in payloads]


async def opened_case(stack: WebStack, region: Region = Region.AKTOBE) -> CaseDriver:
    response = await stack.http.post("/api/v1/reports", json=report_data(region=region),
                                     headers=stack.as_key("helpline-111"))
    assert response.status_code == 201, response.text
    case = CaseDriver(stack.client, response.json()["case_id"])
    await case.wait_for("preventive_talk")
    return case


async def decode(stack: WebStack, payloads: list[dict[str, Any]],
                 headers: dict[str, str]) -> Any:
    return await stack.http.post("/codec/decode", json={"payloads": payloads},
                                 headers={"X-Namespace": "default", **headers})


async def encode(stack: WebStack, payloads: list[dict[str, Any]],
                 headers: dict[str, str]) -> Any:
    return await stack.http.post("/codec/encode", json={"payloads": payloads},
                                 headers={"X-Namespace": "default", **headers})


async def test_payloads_are_sealed_for_their_case(stack: WebStack) -> None:
    case = await opened_case(stack)
    [payload] = await raw_payloads(stack, case)
    assert payload["metadata"]["encoding"] == base64.b64encode(ENCODING).decode()
    assert CASE_METADATA in payload["metadata"]
    assert CANARY_NAME not in str(payload)


async def test_case_workers_and_supervisors_of_the_region_see_decoded_payloads(
    stack: WebStack
) -> None:
    case = await opened_case(stack)
    payloads = await raw_payloads(stack, case)
    for user in ("cw.aktobe", "sv.aktobe", "sv.committee"):
        response = await decode(stack, payloads, stack.as_user(user))
        assert response.status_code == 200, (user, response.text)
        data = base64.b64decode(response.json()["payloads"][0]["data"]).decode()
        assert CANARY_NAME in data
    with session_scope(stack.engine) as session:
        trail = case_trail(session, case.case_id)
    assert {(e.actor_id, e.action) for e in trail} >= {
        ("cw.aktobe", "decode payloads"), ("sv.committee", "decode payloads")}


async def test_everyone_else_is_refused(stack: WebStack) -> None:
    case = await opened_case(stack)
    payloads = await raw_payloads(stack, case)
    refusals = {
        "another region's case worker": (stack.as_user("cw.pavlodar"), 403),
        "another region's supervisor": (stack.as_user("sv.pavlodar"), 403),
        "an admin": (stack.as_user("admin"), 403),
        "an integration": (stack.as_key("helpline-111"), 403),
        "nobody": ({}, 401),
    }
    for who, (headers, expected) in refusals.items():
        response = await decode(stack, payloads, headers)
        assert response.status_code == expected, who
        assert CANARY_NAME not in response.text


async def test_no_other_origin_may_call_it(stack: WebStack) -> None:
    """The UI is served on the web app's own origin: no page elsewhere may have a user's
    browser call the codec server with their session."""
    for origin in (UI_ORIGIN, "http://evil.example"):
        response = await stack.http.options("/codec/decode", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace"})
        assert "access-control-allow-origin" not in response.headers, origin


async def test_a_payload_relabelled_for_another_case_is_refused(stack: WebStack) -> None:
    """The case number is authenticated with the ciphertext: moving a payload to a case the
    reader may open (their region's, or another region's for its own staff) opens nothing."""
    case, other = await opened_case(stack), await opened_case(stack)
    pavlodar = await opened_case(stack, Region.PAVLODAR)
    for target, reader in ((other.case_id, "cw.aktobe"), (pavlodar.case_id, "cw.pavlodar")):
        moved = relabelled(await raw_payloads(stack, case), target)
        response = await decode(stack, moved, stack.as_user(reader))
        assert response.status_code == 422, (target, response.text)
        assert "failed authentication" in response.text
        assert CANARY_NAME not in response.text
    genuine = await decode(stack, await raw_payloads(stack, other), stack.as_user("cw.aktobe"))
    assert genuine.status_code == 200


async def test_a_batch_with_another_regions_payload_opens_nothing(stack: WebStack) -> None:
    aktobe, pavlodar = await opened_case(stack), await opened_case(stack, Region.PAVLODAR)
    batch = [*await raw_payloads(stack, aktobe), *await raw_payloads(stack, pavlodar)]
    for reader in ("cw.aktobe", "sv.pavlodar"):
        response = await decode(stack, batch, stack.as_user(reader))
        assert response.status_code == 403, reader
        assert CANARY_NAME not in response.text
    national = await decode(stack, batch, stack.as_user("sv.committee"))
    assert national.status_code == 200
    opened = [base64.b64decode(p["data"]).decode() for p in national.json()["payloads"]]
    assert [aktobe.case_id in opened[0], pavlodar.case_id in opened[1]] == [True, True]


async def test_unencrypted_payloads_come_back_as_they_are(stack: WebStack) -> None:
    """A ``json/plain`` payload holds nothing sealed: any reader gets it unchanged, whatever
    their region; mixed with another region's sealed payload, the batch is still refused."""
    plain = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
             "data": base64.b64encode(b'"AKT-2026-000001"').decode()}
    for reader in ("cw.pavlodar", "sv.aktobe", "sv.committee"):
        response = await decode(stack, [plain], stack.as_user(reader))
        assert response.status_code == 200, (reader, response.text)
        assert response.json() == {"payloads": [plain]}
    sealed = await raw_payloads(stack, await opened_case(stack))
    mixed = await decode(stack, [plain, *sealed], stack.as_user("cw.pavlodar"))
    assert mixed.status_code == 403



async def test_what_is_not_a_temporal_json_payload_is_refused_naming_the_field(
        stack: WebStack) -> None:
    """Metadata and data are padded base64, as Temporal writes them; text that is not (here
    an encoding name sent as it is) is refused, not decoded into other bytes."""
    bodies: dict[str, dict[str, Any]] = {
        "payloads.0.metadata.encoding": {"metadata": {"encoding": "json/plain"}},
        "payloads.0.data": {"data": "not base64"},
        "payloads.0.external": {"data": "", "external": "x"}}
    for field, payload in bodies.items():
        response = await decode(stack, [payload], stack.as_user("sv.committee"))
        assert response.status_code == 422, (field, response.text)
        assert [e["field"] for e in response.json()["detail"]] == [field]


async def test_only_case_workers_and_supervisors_may_encode(stack: WebStack) -> None:
    plain = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
             "data": base64.b64encode(b'"' + CANARY_NAME.encode() + b'"').decode()}
    for user in ("cw.aktobe", "sv.pavlodar", "sv.committee"):
        response = await encode(stack, [plain], stack.as_user(user))
        assert response.status_code == 200, (user, response.text)
        [sealed] = response.json()["payloads"]
        assert sealed["metadata"]["encoding"] == base64.b64encode(ENCODING).decode()
        assert CANARY_NAME not in str(sealed)
    refusals = {"an admin": (stack.as_user("admin"), 403),
                "an integration": (stack.as_key("helpline-111"), 403),
                "nobody": ({}, 401)}
    for who, (headers, expected) in refusals.items():
        response = await encode(stack, [plain], headers)
        assert response.status_code == expected, who
        assert "payloads" not in response.json(), who


async def test_histories_sealed_before_a_rotation_still_decode(
    stack: WebStack, time_env: WorkflowEnvironment, keyring: KeyRing, engine: Engine,
    demo: DemoCredentials, tmp_path: Path,
) -> None:
    """After ``keys rotate`` the web app seals with the new key and still opens what the old
    one sealed, since the ring keeps every key."""
    case = await opened_case(stack)
    before = await raw_payloads(stack, case)
    new_id, new_key = "rotated-" + secrets.token_hex(4), secrets.token_bytes(32)
    rotated = KeyRing(active=new_id, keys={**keyring.keys, new_id: new_key})
    client = Client(time_env.client.service_client, namespace=time_env.client.namespace,
                    data_converter=data_converter(rotated))
    async with web_stack(client, engine, demo, tmp_path / "rotated-mail") as after:
        assert key_of(before[0]) == keyring.active != new_id
        response = await decode(after, before, after.as_user("cw.aktobe"))
        assert response.status_code == 200, response.text
        assert CANARY_NAME in base64.b64decode(response.json()["payloads"][0]["data"]).decode()
        fresh = await encode(after, before, after.as_user("cw.aktobe"))
        assert key_of(fresh.json()["payloads"][0]) == new_id


def relabelled(payloads: list[dict[str, Any]], case_id: str) -> list[dict[str, Any]]:
    """The payloads with their case label changed, ciphertext untouched."""
    label = base64.b64encode(case_id.encode()).decode()
    return [{**p, "metadata": {**p["metadata"], CASE_METADATA: label}} for p in payloads]


def key_of(payload: dict[str, Any]) -> str:
    return base64.b64decode(payload["metadata"][KEY_ID_METADATA]).decode()
