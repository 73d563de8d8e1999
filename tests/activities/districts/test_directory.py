"""The district directory: the bundled file is complete, a broken one is refused at load, the
``resolve_district`` activity maps a legacy free-text district as migration 0005 does, and a
running case opened before districts were codes adopts its code."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Replayer

from activities.districts import DistrictActivities, load_districts
from activities.transports import FileTransport
from cases.client import adopt_district_codes
from ombudsflow.constants import CASE_DISTRICT
from schemas.activities import LegacyDistrict
from schemas.procedure import CaseInput
from schemas.regions import Region
from schemas.report import ViolationReport
from store.cases import get_case
from store.db import session_scope
from tests.conftest import new_worker
from tests.support.factories import report_data
from workers.sandbox import workflow_runner
from workflows.violation_response import ViolationResponseWorkflow

BUNDLED = Path(__file__).parents[3] / "activities" / "data" / "districts.json"


def test_the_bundled_directory_names_every_regions_districts_in_three_languages() -> None:
    districts = load_districts()

    for region in Region:
        listed = districts.of_region(region)
        assert len(listed) >= 3, region  # two districts at least, and "not specified"
        assert listed[-1] == districts.unspecified_in(region)
    assert sum(len(districts.of_region(r)) for r in Region) > 200


@pytest.mark.parametrize(("broken", "reason"), [
    (lambda d: d["regions"].pop("ulytau"), "region 'ulytau' is missing"),
    (lambda d: d["regions"]["abai"]["districts"].append(
        {"code": "153200000", "kk": "x", "ru": "x", "en": "x"}), "code 153200000 is listed twice"),
    (lambda d: d["regions"]["abai"]["districts"].append(
        {"code": "990000000", "kk": "x", "ru": "x", "en": "x"}),
     "code 990000000 of abai does not open with the region's 10"),
])
def test_a_broken_directory_is_refused_when_loaded(
    broken: object, reason: str, tmp_path: Path,
) -> None:
    data = json.loads(BUNDLED.read_text("utf-8"))
    assert callable(broken)
    broken(data)
    path = tmp_path / "districts.json"
    path.write_text(json.dumps(data), "utf-8")

    with pytest.raises(ValidationError, match=reason):
        load_districts(path)


@pytest.mark.parametrize(("region", "typed", "code"), [
    (Region.AKTOBE, " Алгинский  РАЙОН ", "153200000"),
    (Region.AKTOBE, "Хромтау ауданы", "156000000"),
    (Region.AKTOBE, "153200000", "153200000"),
    (Region.SHYMKENT, "Alga district", "790000000"),  # Alga is not in Shymkent
    (Region.SHYMKENT, "Leakdistrict Zhanibekova 140309612348", "790000000"),
])
def test_resolve_district_maps_what_was_typed_to_a_code(
    region: Region, typed: str, code: str,
) -> None:
    activities = DistrictActivities(load_districts())

    resolved = ActivityEnvironment().run(
        activities.resolve_district, LegacyDistrict(region=region, text=typed))

    assert resolved == code


async def test_a_running_case_with_a_typed_district_adopts_its_code(
    dev_env: WorkflowEnvironment, engine: Engine, tmp_path: Path,
) -> None:
    """A case opened before districts were codes shows the typed district in ``CaseDistrict``
    (never encrypted) until ``ombudsflow districts adopt`` turns it into the code; its history
    then replays with the adoption in it."""
    case_id = f"AKT-2026-{uuid.uuid4().int % 900000 + 100000}"
    legacy = ViolationReport.model_validate(report_data(district="Alga district"))
    async with new_worker(dev_env.client, engine, FileTransport(tmp_path)) as worker:
        handle = await dev_env.client.start_workflow(
            ViolationResponseWorkflow.run, CaseInput(case_id=case_id, report=legacy),
            id=case_id, task_queue=worker.task_queue)
        await _until(lambda: _district_attribute(handle), "Alga district")

        adopted = await adopt_district_codes(dev_env.client)
        again = await adopt_district_codes(dev_env.client)

        assert adopted[case_id] == "153200000"
        assert case_id not in again
        assert await _district_attribute(handle) == "153200000"
        view = await handle.query(ViolationResponseWorkflow.case)
        assert view.facts.district == "153200000"
        await _until(lambda: _stored_district(engine, case_id), "153200000")
        history = await handle.fetch_history()
        await handle.terminate("test over")
    await Replayer(workflows=[ViolationResponseWorkflow],
                   data_converter=dev_env.client.data_converter,
                   workflow_runner=workflow_runner()).replay_workflow(history)


async def _district_attribute(handle: WorkflowHandle[Any, Any]) -> str | None:
    described = await handle.describe()
    return described.typed_search_attributes.get(CASE_DISTRICT)


async def _stored_district(engine: Engine, case_id: str) -> str | None:
    with session_scope(engine) as session:
        stored = get_case(session, case_id)
        return stored.district if stored else None


async def _until(read: Callable[[], Awaitable[object]], expected: object) -> None:
    """Poll ``read`` until it gives ``expected`` (visibility and projections lag), 20 s."""
    for _ in range(200):
        if await read() == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {await read()!r}, not {expected!r}, after 20 s")
