import uuid
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from ombudsflow.constants import (
    CASE_DISTRICT,
    CASE_NUMBER,
    CASE_OVERDUE,
    CASE_REGION,
    CASE_STAGE,
    POLICE_DECISION,
    SEARCH_ATTRIBUTES,
)
from tests.support.raw_history import history_as_the_cli_shows_it, readable_text
from tests.support.servers import temporal_binary
from workers.sandbox import workflow_runner

CANARY = "Canary-Aruzhan-Bekova-070315650042"
EXPECTED = {key.name: int(key.indexed_value_type) for key in SEARCH_ATTRIBUTES}
ONE_VALUE_EACH: list[SearchAttributePair[Any]] = [
    SearchAttributePair(CASE_NUMBER, "KZ-2024-0009"),
    SearchAttributePair(CASE_REGION, "aktobe"),
    SearchAttributePair(CASE_DISTRICT, "153200000"),
    SearchAttributePair(CASE_STAGE, "intake"),
    SearchAttributePair(CASE_OVERDUE, False),
    SearchAttributePair(POLICE_DECISION, "pending"),
]


class Greeting(BaseModel):
    case_id: str
    text: str
    fail: bool = False


@activity.defn
async def shout(greeting: Greeting) -> Greeting:
    if greeting.fail:
        raise ApplicationError(f"cannot greet {greeting.text}", non_retryable=True)
    return Greeting(case_id=greeting.case_id, text=greeting.text.upper())


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, greeting: Greeting) -> Greeting:
        return await workflow.execute_activity(
            shout, greeting, start_to_close_timeout=timedelta(seconds=10)
        )


async def run_greeting(
    client: Client,
    greeting: Greeting,
    workflow_id: str,
    search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty,
) -> Greeting:
    task_queue = f"codec-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[shout],
        workflow_runner=workflow_runner(),
    ):
        return await client.execute_workflow(
            GreetingWorkflow.run,
            greeting,
            id=workflow_id,
            task_queue=task_queue,
            search_attributes=search_attributes,
        )


async def test_history_holds_ciphertext_while_the_client_reads_clear_text(
    dev_env: WorkflowEnvironment,
) -> None:
    workflow_id = f"greeting-{uuid.uuid4()}"
    greeting = Greeting(case_id="KZ-2024-0007", text=CANARY)

    result = await run_greeting(dev_env.client, greeting, workflow_id)
    history = readable_text(await history_as_the_cli_shows_it(dev_env, workflow_id))

    assert result == Greeting(case_id="KZ-2024-0007", text=CANARY.upper())
    assert "binary/encrypted" in history
    assert CANARY not in history
    assert CANARY.upper() not in history


async def test_failure_messages_are_encrypted_too(dev_env: WorkflowEnvironment) -> None:
    workflow_id = f"greeting-{uuid.uuid4()}"
    greeting = Greeting(case_id="KZ-2024-0008", text=CANARY, fail=True)

    with pytest.raises(WorkflowFailureError) as failure:
        await run_greeting(dev_env.client, greeting, workflow_id)
    history = readable_text(await history_as_the_cli_shows_it(dev_env, workflow_id))

    activity_error = failure.value.cause
    assert isinstance(activity_error, ActivityError)
    assert CANARY in str(activity_error.cause)
    assert CANARY not in history


async def test_search_attributes_are_registered_once_on_the_dev_server(
    dev_env: WorkflowEnvironment,
) -> None:
    await ensure_search_attributes(dev_env.client, dev_env.client.namespace)
    await ensure_search_attributes(dev_env.client, dev_env.client.namespace)

    assert EXPECTED.items() <= (await registered(dev_env.client)).items()


async def test_search_attributes_are_registered_once_on_the_time_skipping_server(
    keyring: KeyRing,
) -> None:
    assert {pair.key.name for pair in ONE_VALUE_EACH} == set(EXPECTED)
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_binary("temporal-test-server"),
        data_converter=data_converter(keyring),
    ) as env:
        await ensure_search_attributes(env.client, env.client.namespace)
        await ensure_search_attributes(env.client, env.client.namespace)

        # This server refuses to start a workflow with an unregistered (or mistyped) attribute.
        await run_greeting(
            env.client,
            Greeting(case_id="KZ-2024-0009", text="hello"),
            f"greeting-{uuid.uuid4()}",
            TypedSearchAttributes(ONE_VALUE_EACH),
        )


async def registered(client: Client) -> dict[str, int]:
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return dict(listed.custom_attributes)
