"""Every recorded history of the reporting workflows replays against today's code."""

from pathlib import Path

import pytest

from tests.support.replays import replay_failure
from workflows.reporting import REPORTING_WORKFLOWS
from workflows.reporting_v1 import REPORTING_WORKFLOWS_V1

HISTORIES = sorted((Path(__file__).parent.parent / "histories" / "reporting").glob("*.json"))


def test_each_reporting_workflow_type_has_a_history() -> None:
    recorded = {p.stem.split("-v", 1)[0] for p in HISTORIES}
    assert recorded == {"half-year", "monthly-control", "annual-plan", "briefing"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_reporting_history_replays(path: Path) -> None:
    failure = await replay_failure(path, [*REPORTING_WORKFLOWS, *REPORTING_WORKFLOWS_V1])
    assert failure is None, failure
