"""Replaying a recorded history against today's workflow code, as the workers run it: the
same sandbox, and the converter without the codec (histories are recorded in clear)."""

from collections.abc import Sequence
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from ombudsflow.client import data_converter
from workers.sandbox import workflow_runner


async def replay_failure(path: Path, workflows: Sequence[type]) -> Exception | None:
    """Why the history recorded at ``path`` does not replay against ``workflows`` (None: it
    does)."""
    replayer = Replayer(workflows=workflows, data_converter=data_converter(None),
                        workflow_runner=workflow_runner())
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure
