"""Every recorded history of the reporting workflows replays against today's code."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from ombudsflow.client import data_converter
from workers.sandbox import workflow_runner
from workflows.reporting import REPORTING_WORKFLOWS
from workflows.reporting_v1 import REPORTING_WORKFLOWS_V1

HISTORIES = sorted((Path(__file__).parent.parent / "histories" / "reporting").glob("*.json"))


def test_each_reporting_workflow_type_has_a_history() -> None:
    recorded = {p.stem.split("-v", 1)[0] for p in HISTORIES}
    assert recorded == {"half-year", "monthly-control", "annual-plan", "briefing"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_reporting_history_replays(path: Path) -> None:
    replayer = Replayer(workflows=[*REPORTING_WORKFLOWS, *REPORTING_WORKFLOWS_V1],
                        data_converter=data_converter(None), workflow_runner=workflow_runner())
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
