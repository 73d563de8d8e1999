"""Every recorded history replays against today's workflow code: a change that would break
running cases fails here (guard it with ``workflow.patched``, then record new histories)."""

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from ombudsflow.client import data_converter
from tests.support.replays import replay_failure
from workers.sandbox import workflow_runner
from workflows.appeal import AppealWorkflow
from workflows.violation_response import ViolationResponseWorkflow

RECORDED = Path(__file__).parent.parent / "histories"
# The ¶10–¶11 workflow's (``v<n>-…``), whose newest must cover every branch, and every history.
HISTORIES = sorted(RECORDED.glob("v*.json"))
EVERY_HISTORY = sorted(RECORDED.glob("*.json"))
WORKFLOWS = [ViolationResponseWorkflow, AppealWorkflow]


def _version(path: Path) -> int:
    return int(path.stem.split("-", 1)[0].removeprefix("v"))


def _branches(history: WorkflowHistory) -> set[str]:
    """The branches a running case may take that ``history`` goes through."""
    found = set()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            found.add("continue-as-new")
        if event.workflow_execution_started_event_attributes.continued_execution_run_id:
            found.add("resumed after continue-as-new")
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            found.add("activity failure handled by the workflow")
        if event.activity_task_started_event_attributes.attempt > 1:
            found.add("activity retried")
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name == "deliver_case_events":
            found.add("events delivered")
        if scheduled.activity_type.name == "send_notice":
            notice = json.loads(scheduled.input.payloads[0].data)
            if notice.get("level") == "committee":
                found.add("committee escalation")
            if notice["kind"] == "reminder":
                found.add("reminder to the holder" if notice.get("recipient") == "holder"
                          else "reminder")
            elif notice["kind"] == "escalation":
                found.add("late-notice escalation" if notice["subject_step"] is None
                          else "task escalation")
    return found


def test_the_newest_histories_go_through_every_branch() -> None:
    """`make histories` keeps recording the branches replay must cover, not only the paths."""
    newest = max(map(_version, HISTORIES))
    covered = set().union(*(_branches(WorkflowHistory.from_json(p.stem, p.read_text()))
                            for p in HISTORIES if _version(p) == newest))
    assert covered == {"continue-as-new", "resumed after continue-as-new",
                       "activity failure handled by the workflow", "activity retried",
                       "reminder", "task escalation", "late-notice escalation",
                       "committee escalation", "events delivered", "reminder to the holder"}


def test_histories_are_recorded() -> None:
    assert HISTORIES, "run `make histories` to record the current workflow's histories"


def test_appeal_histories_are_recorded() -> None:
    assert {p.stem for p in EVERY_HISTORY} >= {
        "appeal-v1-extended_and_answered", "appeal-v1-reminded_and_escalated",
        "appeal-v1-forwarded", "appeal-v1-withdrawn"}


@pytest.mark.parametrize("path", EVERY_HISTORY, ids=[p.stem for p in EVERY_HISTORY])
async def test_recorded_history_replays(path: Path) -> None:
    failure = await replay_failure(path, WORKFLOWS)
    assert failure is None, failure


async def test_a_changed_workflow_fails_replay(tmp_path: Path) -> None:
    """The replayer really detects non-determinism: a history whose first command is edited
    to a different activity must fail."""
    source = next(p for p in HISTORIES if "confirmed_with_danger" in p.stem)
    tampered = source.read_text().replace('"record_case"', '"publish_statement"', 1)
    replayer = Replayer(workflows=[ViolationResponseWorkflow], data_converter=data_converter(None),
                        workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json("tampered", tampered), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
