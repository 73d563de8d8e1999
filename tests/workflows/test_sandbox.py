"""The sandbox of ``workers.sandbox.workflow_runner()`` (the one every worker runs) still refuses
a non-deterministic call in workflow code, and each activity's payloads are still sealed for
their case: the two things its shortcuts must not lose."""

import uuid
from datetime import datetime, timedelta

import pytest
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

from ombudsflow.codec import case_of
from workers.sandbox import workflow_runner


@activity.defn
async def echo(text: str) -> str:
    return text


@workflow.defn
class ClockReader:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()  # what the sandbox must refuse


@workflow.defn
class Echoing:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(echo, text,
                                               start_to_close_timeout=timedelta(seconds=10))


async def test_a_clock_read_in_workflow_code_is_refused(time_env: WorkflowEnvironment) -> None:
    task_queue = f"sandbox-{uuid.uuid4()}"
    async with Worker(time_env.client, task_queue=task_queue, workflows=[ClockReader],
                      workflow_runner=workflow_runner(),
                      workflow_failure_exception_types=[RestrictedWorkflowAccessError]):
        with pytest.raises(WorkflowFailureError) as failed:
            await time_env.client.execute_workflow(ClockReader.run, id=f"clock-{uuid.uuid4()}",
                                                   task_queue=task_queue)
    assert "datetime.datetime.now" in str(failed.value.cause)


async def test_activity_payloads_are_sealed_for_their_case(time_env: WorkflowEnvironment) -> None:
    task_queue = f"sandbox-{uuid.uuid4()}"
    case_id = f"AKT-2026-{uuid.uuid4().int % 900000 + 100000}"
    async with Worker(time_env.client, task_queue=task_queue, workflows=[Echoing],
                      activities=[echo], workflow_runner=workflow_runner()):
        handle = await time_env.client.start_workflow(Echoing.run, "hello", id=case_id,
                                                      task_queue=task_queue)
        assert await handle.result() == "hello"
    history = await handle.fetch_history()
    scheduled = [e.activity_task_scheduled_event_attributes.input.payloads[0]
                 for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    assert [case_of(p) for p in scheduled] == [case_id]
