"""The fault scenarios of ``make faults`` (``python -m faults``) at their short size: a few
cases each, real processes on loopback, bounded in time. Each proves no case is lost and
nothing is done twice; the figures of the full run are in its printed table."""

import asyncio

import pytest

from faults.scenarios import SCENARIOS
from faults.sizes import SHORT
from faults.stack import StoreKind
from faults.tally import Outcome, table

# Seconds one short scenario may take, however the machine is loaded; each takes 10–40 here,
# the API fuzzing about 80.
LIMIT = 120.0
FUZZING_LIMIT = 300.0


async def run(name: str, store: StoreKind | None = None, limit: float = LIMIT) -> Outcome:
    store = store or ("postgresql" if name == "database-outage" else "sqlite")
    outcome = await asyncio.wait_for(SCENARIOS[name](SHORT, store), limit)
    assert outcome.ok, "\n".join([table([outcome]), *outcome.problems])
    return outcome


async def test_killed_workers_lose_no_case_and_send_no_notice_twice() -> None:
    outcome = await run("worker-killed")

    assert outcome.completed == SHORT.cases and outcome.duplicates == 0


async def test_a_server_restart_keeps_every_case_its_tasks_and_deadlines() -> None:
    outcome = await run("server-restart")

    assert outcome.completed == SHORT.cases and outcome.recovery is not None


async def test_an_sms_outage_and_a_killed_worker_lose_no_sms() -> None:
    outcome = await run("sms-outage")

    assert outcome.lost == 0 and outcome.duplicates == 0


async def test_an_smtp_outage_delays_notices_and_loses_none() -> None:
    outcome = await run("smtp-outage")

    assert outcome.lost == 0 and outcome.duplicates == outcome.resent == 0


@pytest.mark.postgres
async def test_a_database_outage_is_a_503_and_projections_catch_up() -> None:
    outcome = await run("database-outage")

    assert any("answered 503" in note and "200 after" in note for note in outcome.notes)


async def test_duplicate_reports_open_one_case_and_racing_completions_one_step() -> None:
    outcome = await run("duplicate-input")

    assert outcome.cases == 1 and outcome.duplicates == 0


@pytest.mark.parametrize("store", ["sqlite",
                                   pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_the_api_answers_generated_requests_as_it_documents(store: StoreKind) -> None:
    # schemathesis with all its checks: statuses, bodies, headers and content types as
    # documented, valid reports accepted (201), invalid input refused, no 5xx.
    outcome = await run("api-fuzzing", store, FUZZING_LIMIT)

    assert all(" 0 failures" in note for note in outcome.notes if note.startswith("as "))
