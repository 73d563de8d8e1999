"""A case that stalls fails the test in bounded time, saying what was awaited: the case, the
step or result, and where the case stands (tests/support/scenarios.py's waits)."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.transports import FileTransport
from schemas.steps import StepKind
from tests.conftest import new_worker
from tests.support.scenarios import CaseDriver, open_case


class Hasty(CaseDriver):
    timeout = 0.5
    close_timeout = 0.5


async def hasty_case(env: WorkflowEnvironment, engine: Engine, task_queue: str) -> Hasty:
    opened = await open_case(env.client, engine, task_queue)
    case = Hasty(env.client, opened.case_id)
    await case.wait_for(StepKind.PREVENTIVE_TALK.value, timeout=20)
    return case


async def test_a_step_that_never_opens_names_the_case_the_step_and_the_stage(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case = await hasty_case(time_env, engine, time_worker.task_queue)

    with pytest.raises(AssertionError) as stalled:
        await case.wait_for(StepKind.CLOSURE.value)

    message = str(stalled.value)
    assert f"case {case.case_id}: waited 0.5 s for step closure open" in message
    assert "stage police_check" in message
    assert "preventive_talk (¶10.2, open)" in message and "police_decision (¶11, open)" in message


async def test_a_case_that_does_not_close_fails_its_result_naming_what_is_open(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case = await hasty_case(time_env, engine, time_worker.task_queue)

    with pytest.raises(AssertionError) as stalled:
        await case.result()

    assert f"case {case.case_id}: waited 0.5 s for the workflow's result" in str(stalled.value)
    assert "preventive_talk (¶10.2, open)" in str(stalled.value)


async def test_a_case_without_a_worker_fails_the_wait_instead_of_hanging(
    time_env: WorkflowEnvironment, engine: Engine, mail_dir: Path
) -> None:
    async with new_worker(time_env.client, engine, FileTransport(mail_dir)) as worker:
        case = await hasty_case(time_env, engine, worker.task_queue)

    with pytest.raises(AssertionError) as stalled:
        await case.wait_for(StepKind.CLOSURE.value)

    assert f"case {case.case_id}: waited 0.5 s for step closure open" in str(stalled.value)
    assert "answers no query" in str(stalled.value)
