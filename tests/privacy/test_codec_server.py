"""The codec server: the Temporal UI's way to show encrypted payloads, to those entitled only."""

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials
from ombudsflow.codec import CASE_METADATA, ENCODING
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


async def opened_case(stack: WebStack) -> CaseDriver:
    response = await stack.http.post("/api/v1/reports", json=report_data(),
                                     headers=stack.as_key("helpline-111"))
    assert response.status_code == 201, response.text
    case = CaseDriver(stack.client, response.json()["case_id"])
    await case.wait_for("preventive_talk")
    return case


async def decode(stack: WebStack, payloads: list[dict[str, Any]],
                 headers: dict[str, str]) -> Any:
    return await stack.http.post("/codec/decode", json={"payloads": payloads},
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


async def test_the_temporal_ui_origin_may_call_it(stack: WebStack) -> None:
    response = await stack.http.options("/codec/decode", headers={
        "Origin": UI_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace,authorization"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"x-namespace", "content-type", "authorization"} <= set(allowed.split(", "))
    other = await stack.http.options("/codec/decode", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


async def test_histories_sealed_before_a_rotation_still_decode(stack: WebStack) -> None:
    """The server's codec holds every key of the ring; tests/codec proves rotation itself."""
    case = await opened_case(stack)
    response = await decode(stack, await raw_payloads(stack, case), stack.as_user("cw.aktobe"))
    assert response.status_code == 200
