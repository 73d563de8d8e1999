"""The district directory: the bundled file is complete, a broken one is refused at load, and
the ``resolve_district`` activity maps a legacy free-text district as migration 0005 does."""

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio import workflow
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.districts import DistrictActivities, load_districts
from activities.transports import FileTransport
from schemas.activities import LegacyDistrict
from schemas.regions import Region
from tests.conftest import new_worker

BUNDLED = Path(__file__).parents[2] / "activities" / "data" / "districts.json"


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


@workflow.defn(sandboxed=False)
class ResolveOnTheCaseQueue:
    """Calls ``resolve_district`` by name on another task queue, as the case workflow will."""

    @workflow.run
    async def run(self, args: tuple[str, LegacyDistrict]) -> str:
        queue, legacy = args
        code: str = await workflow.execute_activity(
            "resolve_district", legacy, result_type=str, task_queue=queue,
            start_to_close_timeout=timedelta(seconds=10))
        return code


async def test_the_case_worker_runs_resolve_district(
    time_env: WorkflowEnvironment, engine: Engine, tmp_path: Path,
) -> None:
    async with new_worker(time_env.client, engine, FileTransport(tmp_path)) as case_worker:
        caller_queue = f"test-{uuid.uuid4()}"
        async with Worker(time_env.client, task_queue=caller_queue,
                          workflows=[ResolveOnTheCaseQueue]):
            code = await time_env.client.execute_workflow(
                ResolveOnTheCaseQueue.run,
                (case_worker.task_queue,
                 LegacyDistrict(region=Region.AKTOBE, text="Alga district")),
                id=f"resolve-{uuid.uuid4()}", task_queue=caller_queue)

    assert code == "153200000"
