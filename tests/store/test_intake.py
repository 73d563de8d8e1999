import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from schemas.regions import Region
from store.cases import register_intake
from store.db import session_scope
from store.models import Intake
from tests.support.factories import T0


def register(
    engine: Engine, external_ref: str, *, channel: str = "helpline_111",
    region: Region = Region.AKTOBE, received_at: datetime = T0,
) -> tuple[str, bool]:
    with session_scope(engine) as session:
        return register_intake(
            session, channel=channel, external_ref=external_ref, region=region,
            received_at=received_at,
        )


def number_of(case_id: str) -> int:
    return int(case_id.rsplit("-", 1)[1])


def test_case_number_is_region_code_year_and_six_digit_intake_number(engine: Engine) -> None:
    first, created = register(engine, "R-1")
    second, _ = register(engine, "R-2", region=Region.ASTANA,
                         received_at=datetime(2025, 12, 30, 10, tzinfo=UTC))

    assert created
    assert re.fullmatch(r"AKT-2026-\d{6}", first)
    assert re.fullmatch(r"AST-2025-\d{6}", second)
    assert number_of(second) == number_of(first) + 1


def test_same_channel_and_reference_returns_the_existing_case(engine: Engine) -> None:
    case_id, _ = register(engine, "R-1")

    again, created = register(engine, "R-1")
    other_channel, other_created = register(engine, "R-1", channel="telegram")

    assert (again, created) == (case_id, False)
    assert other_created
    assert other_channel != case_id


def test_number_is_committed_before_register_returns(engine: Engine) -> None:
    with Session(engine) as session:  # closed without the caller committing
        case_id, _ = register_intake(
            session, channel="school", external_ref="R-1", region=Region.AKTOBE, received_at=T0
        )

    with Session(engine) as session:
        stored = session.exec(select(Intake)).one()
    assert stored.case_id == case_id


def test_racing_duplicates_open_exactly_one_case(engine: Engine) -> None:
    racers = 20
    start = threading.Barrier(racers)

    def race(_: int) -> tuple[str, bool]:
        start.wait()
        return register(engine, "R-RACE")

    with ThreadPoolExecutor(max_workers=racers) as pool:
        results = list(pool.map(race, range(racers)))

    assert len({case_id for case_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Intake)).all()) == 1
