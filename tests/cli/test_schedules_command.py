"""`ombudsflow schedules sync`: every region's four schedules, the follow-up reminders' and
the escalation digests', created, then updated."""

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from schemas.regions import Region
from schemas.reporting import ReportKind
from tests.cli.conftest import Cli
from workers.schedules import DIGESTS, FOLLOW_UPS, schedule_id


async def test_schedules_sync_creates_every_regions_schedules_then_updates_them(
        cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment) -> None:
    wanted = {schedule_id(kind, region) for kind in ReportKind for region in Region
              } | {FOLLOW_UPS, DIGESTS}
    try:
        first = await cli("schedules", "sync")
        again = await cli("schedules", "sync")
        listed = {s.id async for s in await dev_env.client.list_schedules()}
    finally:
        for sid in wanted:
            await dev_env.client.get_schedule_handle(sid).delete()
    assert (first.code, first.err, again.code) == (0, "", 0)
    assert first.out.count(" created") == len(wanted) == 82
    assert again.out.count(" updated") == 82 and "half-year-aktobe" in again.out
    assert FOLLOW_UPS in again.out
    assert wanted <= listed
