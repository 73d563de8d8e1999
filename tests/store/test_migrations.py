"""The store's schema is Alembic's: the revisions upgrade, downgrade and upgrade again on SQLite
and PostgreSQL; the migrated schema is exactly the models' (so a model change without a
migration fails here); and processes starting at once migrate once."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, inspect, text
from sqlmodel import SQLModel

from schemas.regions import Region
from schemas.report import ViolationReport
from store.db import create_schema, make_engine
from tests.support.factories import report_data
from tests.support.postgres import empty_schema

ROOT = Path(__file__).parents[2]
ALEMBIC_INI = ROOT / "alembic.ini"
MODEL_TABLES = set(SQLModel.metadata.tables)
# What ``create_all`` made before there were migrations: the tables of revision 0001.


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on the backend named by the test's parameter."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(postgres_url)
    empty_schema(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture
def empty(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(Config(ALEMBIC_INI)).get_current_head()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def version(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def differences(engine: Engine, metadata: MetaData = SQLModel.metadata) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found: list[object] = compare_metadata(context, metadata)
        return found


def downgrade_to_base(engine: Engine) -> None:
    migrate(engine, command.downgrade, "base")


def migrate(engine: Engine, how: Callable[[Config, str], None], revision: str) -> None:
    """``command.upgrade`` or ``command.downgrade`` ``engine``'s database to ``revision``."""
    config = Config(ALEMBIC_INI)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        how(config, revision)


def test_upgrade_downgrade_upgrade_leaves_the_models_schema(empty: Engine) -> None:
    create_schema(empty)
    assert tables(empty) == MODEL_TABLES | {"alembic_version"}
    assert version(empty) == [head()]

    downgrade_to_base(empty)
    assert tables(empty) == {"alembic_version"} and version(empty) == []

    create_schema(empty)
    assert version(empty) == [head()]
    assert differences(empty) == []


def test_the_migrated_schema_is_exactly_the_models(empty: Engine) -> None:
    create_schema(empty)

    assert differences(empty) == []


def test_a_model_change_without_a_migration_is_found(empty: Engine) -> None:
    create_schema(empty)
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["case"].append_column(Column("priority", Integer(), nullable=True))

    found = differences(empty, changed)

    added = [d[3].name for d in found if isinstance(d, tuple) and d[0] == "add_column"]
    assert added == ["priority"]


def test_processes_starting_at_once_migrate_once(url: str) -> None:
    engines = [make_engine(url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(create_schema, engines))
        assert version(engines[0]) == [head()]
        assert differences(engines[0]) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_the_alembic_command_migrates_the_configured_store(tmp_path: Path) -> None:
    env = {**os.environ, "OMBUDSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}

    def alembic(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), *argv], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )

    upgraded = alembic("upgrade", "head")
    checked = alembic("check")  # autogenerate finds nothing the revisions lack

    assert upgraded.returncode == 0, upgraded.stderr
    assert checked.returncode == 0, checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr


REPORTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASE_ROWS = sa.table(
    "case", *(sa.column(name) for name in (
        "case_id", "version", "region", "district", "category", "channel",
        "threat_to_life_or_health", "cohabiting_parent", "stage", "police_finding", "overdue",
        "report_json")),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("first_notice_at", sa.DateTime(timezone=True)),
)


def test_0004_gives_existing_cases_their_first_notice_delay(empty: Engine) -> None:
    migrate(empty, command.upgrade, "0003")
    with empty.begin() as conn:
        conn.execute(CASE_ROWS.insert(), [
            {"case_id": case_id, "version": 1, "region": "aktobe", "district": "Alga",
             "category": "physical_violence", "channel": "helpline_111",
             "threat_to_life_or_health": False, "cohabiting_parent": False,
             "stage": "closed", "police_finding": "not_confirmed", "overdue": False,
             "report_json": "", "received_at": REPORTED, "first_notice_at": first}
            for case_id, first in [
                ("AKT-2026-000001", REPORTED + timedelta(seconds=12, milliseconds=345)),
                ("AKT-2026-000002", REPORTED + timedelta(hours=2, minutes=1)),
                ("AKT-2026-000003", None),  # no notice sent yet
            ]
        ])

    migrate(empty, command.upgrade, "head")

    with empty.connect() as conn:
        delays: dict[str, float | None] = dict(conn.execute(text(
            'SELECT case_id, first_notice_seconds FROM "case" ORDER BY case_id')).all())
    assert delays == {"AKT-2026-000001": 12.345, "AKT-2026-000002": 7260.0,
                      "AKT-2026-000003": None}
    assert differences(empty) == []

    migrate(empty, command.downgrade, "0003")

    columns = {c["name"] for c in inspect(empty).get_columns("case")}
    indexes = {i["name"] for i in inspect(empty).get_indexes("case")}
    assert "first_notice_seconds" not in columns
    assert {"ix_case_first_notice", "ix_case_region_first_notice"} <= indexes
    assert "ix_case_received_first_notice" not in indexes


STEP_ROWS = sa.table(
    "step", *(sa.column(name) for name in (
        "id", "case_id", "position", "key", "kind", "clause", "status", "attempt", "region",
        "district")),
    sa.column("opened_at", sa.DateTime(timezone=True)),
)
# What people typed before districts were codes, and the code each becomes.
TYPED_DISTRICTS = [
    ("aktobe", "  алға АУДАНЫ ", "153200000"),  # Kazakh, trimmed, any case
    ("aktobe", "Хромтауский   район", "156000000"),  # Russian, spaces collapsed
    ("aktobe", "Alga district", "153200000"),  # English
    ("aktobe", "153200000", "153200000"),  # already a code of the region
    ("aktobe", "751200000", "150000000"),  # a code of another region: not specified
    ("astana", "Leakdistrict Zhanibekova 140309612348", "710000000"),  # no name: not specified
]


def test_0005_maps_stored_districts_to_codes_or_not_specified(empty: Engine) -> None:
    migrate(empty, command.upgrade, "0004")
    cases = [(f"{Region(region).code}-2026-00000{n}", region, typed)
             for n, (region, typed, _) in enumerate(TYPED_DISTRICTS)]
    with empty.begin() as conn:
        conn.execute(CASE_ROWS.insert(), [
            {"case_id": case_id, "version": 1, "region": region, "district": typed,
             "category": "physical_violence", "channel": "helpline_111",
             "threat_to_life_or_health": False, "cohabiting_parent": False,
             "stage": "police_check", "police_finding": "pending", "overdue": False,
             "report_json": ViolationReport.model_validate(
                 report_data(region=Region(region), district=typed)).model_dump_json(),
             "received_at": REPORTED, "first_notice_at": None}
            for case_id, region, typed in cases])
        conn.execute(STEP_ROWS.insert(), [
            {"id": f"{case_id}/preventive_talk", "case_id": case_id, "position": 1,
             "key": "preventive_talk", "kind": "preventive_talk", "clause": "¶10.2",
             "status": "open", "attempt": 1, "region": region, "district": typed,
             "opened_at": REPORTED}
            for case_id, region, typed in cases])

    migrate(empty, command.upgrade, "head")

    expected = {case_id: code for (case_id, _, _), (_, _, code) in zip(
        cases, TYPED_DISTRICTS, strict=True)}
    with empty.connect() as conn:
        in_cases: dict[str, str] = dict(conn.execute(text(
            'SELECT case_id, district FROM "case"')).all())
        in_steps: dict[str, str] = dict(conn.execute(text(
            "SELECT case_id, district FROM step")).all())
        reports: dict[str, str] = dict(conn.execute(text(
            'SELECT case_id, report_json FROM "case"')).all())
    assert in_cases == expected and in_steps == expected
    assert {case_id: ViolationReport.model_validate_json(r).district
            for case_id, r in reports.items()} == expected
    assert all("Leakdistrict" not in r for r in reports.values())
    assert differences(empty) == []
