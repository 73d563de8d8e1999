"""The supervisor board and the inbox with a national store's worth of cases in it.

Rows are written straight into a fresh SQLite store (a workflow per case would take hours):
cases spread over the regions by population and over each region's districts unevenly, most
of them closed, the open ones at every stage with their open tasks, a share of those overdue.
Then the pages and the API answer the people who read them, through the same app as always.
"""

import json
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from bench.api import CASE_WORKER, COMMITTEE, SUPERVISOR, Api, running_api
from bench.figures import Figure
from bench.stack import Stack
from schemas.case import PoliceFinding, Stage, StepStatus
from schemas.regions import Region
from schemas.steps import STEP_INFO, StepKind, clause_of
from store.db import create_schema, make_engine
from store.models import Case, Step
from tests.factories import report_data

TARGET_P95_MS = 100.0
SEED = 149
# Children by region, roughly: the weight of each region in the national caseload.
REGION_WEIGHTS = {
    Region.ALMATY: 10, Region.ASTANA: 7, Region.SHYMKENT: 7, Region.TURKESTAN: 12,
    Region.ALMATY_REGION: 8, Region.ZHAMBYL: 6, Region.KYZYLORDA: 5, Region.KARAGANDA: 6,
    Region.EAST_KAZAKHSTAN: 4, Region.AKTOBE: 5, Region.KOSTANAY: 4, Region.PAVLODAR: 4,
    Region.AKMOLA: 4, Region.NORTH_KAZAKHSTAN: 3, Region.WEST_KAZAKHSTAN: 4, Region.ATYRAU: 4,
    Region.MANGYSTAU: 4, Region.ABAI: 3, Region.ZHETISU: 4, Region.ULYTAU: 1,
}
DISTRICTS = 12  # per region; the first ones (the cities) get most cases
STAGE_WEIGHTS = {Stage.CLOSED: 80, Stage.RESPONSE: 9, Stage.POLICE_CHECK: 5,
                 Stage.CLOSURE_REVIEW: 4, Stage.NOTIFICATION: 2}
OVERDUE_SHARE = 0.15
BASE = [("notice.commissioner", StepKind.NOTICE), ("notice.committee", StepKind.NOTICE),
        ("notice.akimat", StepKind.NOTICE), ("referral.guardianship", StepKind.REFERRAL),
        ("referral.police", StepKind.REFERRAL), ("preventive_talk", StepKind.PREVENTIVE_TALK),
        ("police_decision", StepKind.POLICE_DECISION)]
CLOSURE = [("closure", StepKind.CLOSURE), ("closure.approval-1", StepKind.CLOSURE_APPROVAL)]
# Who reads what, and how: (figure, user, url, page?).
READS = [
    ("board, national (GET /board)", COMMITTEE, "/board", True),
    ("board, one region (GET /board)", SUPERVISOR, "/board", True),
    ("inbox (GET /api/v1/tasks)", CASE_WORKER, "/api/v1/tasks", False),
    ("inbox, supervisor (GET /api/v1/tasks)", SUPERVISOR, "/api/v1/tasks", False),
    ("inbox page (GET /)", CASE_WORKER, "/", True),
    ("case list (GET /api/v1/cases)", CASE_WORKER, "/api/v1/cases", False),
]


async def measure(stack: Stack, *, cases: int, requests: int) -> list[Figure]:
    path = stack.root / "board.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    began = time.perf_counter()
    steps = _fill(path, cases, random.Random(SEED))
    filled = time.perf_counter() - began
    figures = [Figure(f"store filled: {cases:,} cases, {steps:,} steps", filled, "s")]
    async with running_api(stack, engine=engine) as api:
        for name, user, url, page in READS:
            headers = api.as_page_user(user) if page else api.as_user(user)
            await api.call(name, "GET", url, headers=headers)  # warm: caches, statements
            for _ in range(requests):
                await api.call(name, "GET", url, headers=headers)
            figures.append(_p95(api, name))
    engine.dispose()
    return figures


def _p95(api: Api, name: str) -> Figure:
    samples = sorted(api.timings[name][1:])
    cut = statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 \
        else samples[0]
    return Figure(f"{name} p95", cut * 1000, "ms", TARGET_P95_MS)


def _fill(path: Path, cases: int, rng: random.Random) -> int:
    """Write ``cases`` cases and their steps; the number of steps written."""
    now = datetime.now(UTC)
    report = json.dumps(report_data())
    written = 0
    with sqlite3.connect(path) as db:
        for batch in _batches(_cases(cases, rng, now, report), 5000):
            case_rows = [c for c, _ in batch]
            step_rows = [s for _, steps in batch for s in steps]
            _insert(db, Case.__table__, case_rows)  # type: ignore[arg-type]
            _insert(db, Step.__table__, step_rows)  # type: ignore[arg-type]
            written += len(step_rows)
        db.execute("ANALYZE")
    return written


def _insert(db: sqlite3.Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = [c.name for c in table.columns]
    db.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        f"({', '.join('?' * len(columns))})",
        [tuple(_sql(row.get(c)) for c in columns) for row in rows],
    )


def _sql(value: Any) -> Any:
    """As SQLAlchemy stores it in SQLite: UTC datetimes as text, without the offset."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _cases(count: int, rng: random.Random, now: datetime, report: str
           ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    regions, weights = zip(*REGION_WEIGHTS.items(), strict=True)
    stages, stage_weights = zip(*STAGE_WEIGHTS.items(), strict=True)
    district_weights = [1 / (i + 1) for i in range(DISTRICTS)]
    for n in range(count):
        region = rng.choices(regions, weights)[0]
        number = rng.choices(range(DISTRICTS), district_weights)[0] + 1
        district = f"{region.name_in('en')} district {number}"
        stage = rng.choices(stages, stage_weights)[0]
        age = timedelta(days=rng.uniform(0, 730 if stage == Stage.CLOSED else 120))
        received = now - age
        confirmed = stage == Stage.RESPONSE or (stage in (Stage.CLOSED, Stage.CLOSURE_REVIEW)
                                                and rng.random() < 0.6)
        case_id = f"{region.code}-{received.year}-{n + 1:06d}"
        steps = _steps(case_id, region, district, stage, confirmed, received, now, rng)
        overdue = any(s["status"] == StepStatus.OPEN.value and s["due_at"] is not None
                      and s["due_at"] <= now for s in steps)
        finding = (PoliceFinding.CONFIRMED if confirmed else PoliceFinding.PENDING
                   if stage in (Stage.NOTIFICATION, Stage.POLICE_CHECK)
                   else PoliceFinding.NOT_CONFIRMED)
        yield {
            "case_id": case_id, "version": len(steps) * 2, "region": region.value,
            "district": district, "category": "physical_violence", "channel": "helpline_111",
            "threat_to_life_or_health": rng.random() < 0.3, "cohabiting_parent": True,
            "received_at": received, "opened_at": received,
            "closed_at": now - age / 4 if stage == Stage.CLOSED else None,
            "first_notice_at": received + timedelta(seconds=rng.uniform(0.2, 30)),
            "stage": stage.value, "police_finding": finding.value, "overdue": overdue,
            "report_json": report,
        }, steps


def _steps(case_id: str, region: Region, district: str, stage: Stage, confirmed: bool,
           received: datetime, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """The case's steps: done up to where its stage has it, then one or two open tasks."""
    measures: list[tuple[str, StepKind]] = []
    if confirmed:
        danger = rng.random() < 0.4
        measures = [("safety_assessment", StepKind.SAFETY_ASSESSMENT),
                    *([("safe_placement", StepKind.SAFE_PLACEMENT),
                       ("kdn_decision", StepKind.KDN_DECISION)] if danger else []),
                    ("public_statement", StepKind.PUBLIC_STATEMENT),
                    ("public_statement.approval-1", StepKind.APPROVAL),
                    ("psychological_support", StepKind.PSYCHOLOGICAL_SUPPORT),
                    *[(f"plan_review-{i}", StepKind.PLAN_REVIEW)
                      for i in range(1, rng.randint(1, 4))],
                    ("coordination_meeting", StepKind.COORDINATION_MEETING),
                    ("recommendations", StepKind.RECOMMENDATIONS),
                    ("recommendations.approval-1", StepKind.APPROVAL),
                    ("recommendations.akimat", StepKind.NOTICE)]
    path = BASE + measures + CLOSURE
    done = {Stage.CLOSED: len(path), Stage.CLOSURE_REVIEW: len(path) - rng.randint(1, 2),
            Stage.RESPONSE: len(BASE) + rng.randrange(len(measures)),
            Stage.POLICE_CHECK: len(BASE) - rng.randint(1, 2),
            Stage.NOTIFICATION: 0}[stage]
    opened = len(BASE) if stage in (Stage.NOTIFICATION, Stage.POLICE_CHECK) else done + 1
    rows = []
    for position, (key, kind) in enumerate(path[:opened]):
        at = received + (now - received) * position / (2 * len(path))
        is_open = position >= done
        due = at + timedelta(days=rng.uniform(1, 10))
        if is_open and rng.random() < OVERDUE_SHARE:
            due = now - timedelta(days=rng.uniform(0, 5))
        assignee = STEP_INFO[kind].assignee
        rows.append({
            "id": f"{case_id}/{key}", "case_id": case_id, "position": position, "key": key,
            "kind": kind.value, "clause": clause_of(kind),
            "status": (StepStatus.OPEN if is_open else StepStatus.DONE).value,
            "assignee": assignee.value if assignee else None,
            "subject_key": key.split(".approval")[0] if "approval" in key else None,
            "attempt": 1, "region": region.value, "district": district, "opened_at": at,
            "due_at": due if assignee else None, "escalate_at": None,
            "done_at": None if is_open else at + timedelta(hours=rng.uniform(1, 72)),
            "actor": None if is_open or not assignee else "cw.bench",
            "outcome_json": None if is_open or not assignee else '{"notes": "done"}',
        })
    return rows
