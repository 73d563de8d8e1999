"""Every recorded history replays against today's workflow code: a change that would break
running cases fails here (guard it with ``workflow.patched``, then record new histories)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from ombudsflow.client import data_converter
from workflows.violation_response import ViolationResponseWorkflow

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_histories_are_recorded() -> None:
    assert HISTORIES, "run `make histories` to record the current workflow's histories"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    replayer = Replayer(workflows=[ViolationResponseWorkflow], data_converter=data_converter(None))
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def test_a_changed_workflow_fails_replay(tmp_path: Path) -> None:
    """The replayer really detects non-determinism: a history whose first command is edited
    to a different activity must fail."""
    source = next(p for p in HISTORIES if "confirmed_with_danger" in p.stem)
    tampered = source.read_text().replace('"record_case"', '"publish_statement"', 1)
    replayer = Replayer(workflows=[ViolationResponseWorkflow], data_converter=data_converter(None))
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json("tampered", tampered), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
