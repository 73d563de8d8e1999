import json
import logging
import uuid
from typing import Any

from temporalio import workflow

# This module defines a workflow, so the sandbox re-imports it: pass the rest through.
with workflow.unsafe.imports_passed_through():
    import pytest
    import structlog
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from ombudsflow.logging import REDACTED, configure_logging
    from schemas.report import ViolationReport
    from tests.support.factories import CANARY_IIN, CANARY_NAME, report_data
    from workers.sandbox import workflow_runner

pytestmark = pytest.mark.usefixtures("restore_logging")


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def assert_no_personal_data(output: str) -> None:
    assert CANARY_NAME not in output
    assert CANARY_IIN not in output


def test_personal_fields_are_masked_at_any_depth(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    report = ViolationReport.model_validate(report_data())

    structlog.get_logger("test").info(
        f"call about IIN {CANARY_IIN}",
        case_id="KZ-2024-0042",
        full_name=CANARY_NAME,
        intake={"child": {"iin": CANARY_IIN}, "people": [{"name": CANARY_NAME}]},
        note=f"IIN {CANARY_IIN} given by phone",
        submitted=report,
    )

    output = capsys.readouterr().err
    assert_no_personal_data(output)
    [line] = json_lines(output)
    assert line["case_id"] == "KZ-2024-0042"
    assert line["event"] == f"call about IIN {REDACTED}"
    assert line["full_name"] == REDACTED
    assert line["intake"] == {"child": REDACTED, "people": [{"name": REDACTED}]}
    assert line["submitted"]["child"] == REDACTED
    assert line["submitted"]["region"] == report.region.value
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_stdlib_records_come_out_as_masked_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    structlog.contextvars.bind_contextvars(case_id="KZ-2024-0043")

    logging.getLogger("temporalio.worker").warning(
        "child %s mentioned", CANARY_IIN, extra={"reporter": {"name": CANARY_NAME}}
    )

    output = capsys.readouterr().err
    assert_no_personal_data(output)
    [line] = json_lines(output)
    assert line["event"] == f"child {REDACTED} mentioned"
    assert line["logger"] == "temporalio.worker"
    assert line["level"] == "warning"
    assert line["case_id"] == "KZ-2024-0043"
    assert line["reporter"] == REDACTED


def test_tracebacks_are_masked_in_the_console_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=False)

    try:
        raise ValueError(f"no school for IIN {CANARY_IIN}")
    except ValueError:
        structlog.get_logger("test").exception("lookup failed", name=CANARY_NAME, case_id="C-1")

    output = capsys.readouterr().err
    assert_no_personal_data(output)
    assert "lookup failed" in output
    assert "C-1" in output
    assert f"no school for IIN {REDACTED}" in output


def test_json_is_the_default_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()

    structlog.get_logger("test").warning("plain", case_id="C-2")

    assert json_lines(capsys.readouterr().err)[0]["case_id"] == "C-2"


def test_configuring_again_does_not_double_the_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    configure_logging("WARNING", json=True)

    logging.getLogger("ombudsflow.test").info("below the level")
    logging.getLogger("ombudsflow.test").warning("once")

    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["once"]


@workflow.defn
class ChattyWorkflow:
    @workflow.run
    async def run(self, iin: str) -> None:
        workflow.logger.warning("looking at %s", iin)


async def test_workflow_logger_records_come_out_as_masked_json(
    time_env: WorkflowEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("WARNING", json=True)
    task_queue = f"logging-{uuid.uuid4()}"

    async with Worker(time_env.client, task_queue=task_queue, workflows=[ChattyWorkflow],
                      workflow_runner=workflow_runner()):
        await time_env.client.execute_workflow(
            ChattyWorkflow.run, CANARY_IIN, id=f"chatty-{uuid.uuid4()}", task_queue=task_queue
        )

    output = capsys.readouterr().err
    assert_no_personal_data(output)
    [line] = [line for line in json_lines(output) if line["event"].startswith("looking at")]
    assert line["temporal_workflow"]["workflow_type"] == "ChattyWorkflow"
    assert line["logger"] == "temporalio.workflow"
