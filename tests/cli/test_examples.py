"""The sample files in ``examples/`` are valid: a report, and an outcome for every task kind."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cases.intake import parse_report
from schemas.outcomes import InspectionRecord
from schemas.procedure import TASKS, spec_of
from schemas.steps import StepKind

EXAMPLES = Path(__file__).parents[2] / "examples"
ACTOR = {"id": "cw.aktobe", "role": "case_worker", "region": "aktobe"}


def test_the_example_report_is_valid_and_received_before_its_outcomes() -> None:
    report = parse_report((EXAMPLES / "report.json").read_text(), now=datetime.now(UTC))

    outcome_times = [
        datetime.fromisoformat(value)
        for path in (EXAMPLES / "outcomes").glob("*.json")
        for key, value in json.loads(path.read_text()).items()
        if key.endswith("_at")
    ]
    assert outcome_times and all(report.received_at <= t for t in outcome_times)


def test_there_is_an_example_outcome_for_every_task_kind() -> None:
    names = {p.stem for p in (EXAMPLES / "outcomes").glob("*.json")}

    assert names == {kind.value for kind in TASKS} | {StepKind.INSPECTION.value}


@pytest.mark.parametrize("kind", sorted(TASKS), ids=str)
def test_each_example_outcome_is_valid_for_its_update(kind: StepKind) -> None:
    outcome = json.loads((EXAMPLES / "outcomes" / f"{kind.value}.json").read_text())
    _, model = spec_of(kind).completed_by

    model.model_validate({"actor": ACTOR, "task_key": kind.value, "outcome": outcome})


def test_the_example_inspection_is_valid() -> None:
    outcome = json.loads((EXAMPLES / "outcomes" / "inspection.json").read_text())

    InspectionRecord.model_validate({"actor": ACTOR, "outcome": outcome})
