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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from activities.districts import load_districts
from bench.api import CASE_WORKER, COMMITTEE, SUPERVISOR, Api, running_api
from bench.figures import Figure
from bench.stack import Stack
from schemas.case import PoliceFinding, Stage, StepStatus
from schemas.procedure import STEPS, clause_of
from schemas.regions import Region
from schemas.steps import StepKind
from store.db import create_schema, make_engine
from tests.support.factories import report_data

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
BATCH = 5000
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
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the store keeps it
    report = json.dumps(report_data())
    written = 0
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA synchronous=OFF")  # a store made for measuring: no need to sync
        for first in range(0, cases, BATCH):
            case_rows: list[tuple[Any, ...]] = []
            step_rows: list[tuple[Any, ...]] = []
            for n in range(first, min(first + BATCH, cases)):
                case_rows.append(_case(n, rng, now, report, step_rows))
            db.executemany(_insert_sql("case", CASE_COLUMNS), case_rows)
            db.executemany(_insert_sql("step", STEP_COLUMNS), step_rows)
            written += len(step_rows)
        db.execute("ANALYZE")
    return written


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    missing = set(columns) - set(SQLModel.metadata.tables[table].columns.keys())
    if missing:
        raise RuntimeError(f"bench/board.py writes {table} columns that are gone: {missing}")
    return (f'INSERT INTO "{table}" ({", ".join(columns)}) '
            f"VALUES ({', '.join('?' * len(columns))})")


def _ts(moment: datetime) -> str:
    """A naive UTC datetime as SQLAlchemy writes it to SQLite."""
    return moment.isoformat(" ", "microseconds")


CASE_COLUMNS = ("case_id", "version", "region", "district", "category", "channel",
                "threat_to_life_or_health", "cohabiting_parent", "received_at", "opened_at",
                "closed_at", "first_notice_at", "first_notice_seconds", "stage",
                "police_finding", "overdue", "report_json")
STEP_COLUMNS = ("id", "case_id", "position", "key", "kind", "clause", "status", "assignee",
                "subject_key", "attempt", "region", "district", "opened_at", "due_at",
                "done_at", "actor", "outcome_json")
REGIONS, WEIGHTS = zip(*REGION_WEIGHTS.items(), strict=True)
STAGES, STAGE_CHOICE_WEIGHTS = zip(*STAGE_WEIGHTS.items(), strict=True)
DISTRICT_WEIGHTS = [1 / (i + 1) for i in range(DISTRICTS)]
# The directory's codes, cities first; a region with fewer than DISTRICTS reuses its own.
DISTRICT_CODES = {r: [d.code for d in load_districts().of_region(r)] for r in Region}
OPEN, DONE = StepStatus.OPEN.value, StepStatus.DONE.value


def _case(n: int, rng: random.Random, now: datetime, report: str,
          step_rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Case number ``n``; its steps are appended to ``step_rows``."""
    region: Region = rng.choices(REGIONS, WEIGHTS)[0]
    number = rng.choices(range(DISTRICTS), DISTRICT_WEIGHTS)[0]
    district = DISTRICT_CODES[region][number % len(DISTRICT_CODES[region])]
    stage: Stage = rng.choices(STAGES, STAGE_CHOICE_WEIGHTS)[0]
    age = timedelta(days=rng.uniform(0, 730 if stage == Stage.CLOSED else 120))
    received = now - age
    confirmed = stage == Stage.RESPONSE or (stage in (Stage.CLOSED, Stage.CLOSURE_REVIEW)
                                            and rng.random() < 0.6)
    case_id = f"{region.code}-{received.year}-{n + 1:06d}"
    before = len(step_rows)
    overdue = _steps(case_id, region.value, district, _path(confirmed, rng), stage, received,
                     now, rng, step_rows)
    finding = (PoliceFinding.CONFIRMED if confirmed else PoliceFinding.PENDING
               if stage in (Stage.NOTIFICATION, Stage.POLICE_CHECK)
               else PoliceFinding.NOT_CONFIRMED)
    first_notice = timedelta(milliseconds=round(rng.uniform(200, 30_000)))
    return (case_id, 2 * (len(step_rows) - before), region.value, district,
            "physical_violence", "helpline_111", rng.random() < 0.3, True, _ts(received),
            _ts(received), _ts(now - age / 4) if stage == Stage.CLOSED else None,
            _ts(received + first_notice), first_notice.total_seconds(), stage.value,
            finding.value, overdue, report)


def _path(confirmed: bool, rng: random.Random) -> list[tuple[str, StepKind]]:
    """The case's steps in order: the ¶11 measures only when the police confirmed."""
    if not confirmed:
        return [*BASE, *CLOSURE]
    danger = rng.random() < 0.4
    return [
        *BASE,
        ("safety_assessment", StepKind.SAFETY_ASSESSMENT),
        *([("safe_placement", StepKind.SAFE_PLACEMENT),
           ("kdn_decision", StepKind.KDN_DECISION)] if danger else []),
        ("public_statement", StepKind.PUBLIC_STATEMENT),
        ("public_statement.approval-1", StepKind.APPROVAL),
        ("psychological_support", StepKind.PSYCHOLOGICAL_SUPPORT),
        *[(f"plan_review-{i}", StepKind.PLAN_REVIEW) for i in range(1, rng.randint(1, 4))],
        ("coordination_meeting", StepKind.COORDINATION_MEETING),
        ("recommendations", StepKind.RECOMMENDATIONS),
        ("recommendations.approval-1", StepKind.APPROVAL),
        ("recommendations.akimat", StepKind.NOTICE),
        *CLOSURE,
    ]


def _steps(case_id: str, region: str, district: str, path: list[tuple[str, StepKind]],
           stage: Stage, received: datetime, now: datetime, rng: random.Random,
           rows: list[tuple[Any, ...]]) -> bool:
    """Append the case's steps, done up to where its stage has it, then its open tasks;
    whether one of those is overdue."""
    if stage == Stage.CLOSED:
        done = len(path)
    elif stage == Stage.CLOSURE_REVIEW:
        done = len(path) - rng.randint(1, 2)
    elif stage == Stage.RESPONSE:
        done = len(BASE) + rng.randrange(len(path) - len(BASE) - len(CLOSURE))
    else:  # the talk, the police answer, or (notification) the notices too still open
        done = len(BASE) - rng.randint(1, 2) if stage == Stage.POLICE_CHECK else 0
    opened = len(BASE) if stage in (Stage.NOTIFICATION, Stage.POLICE_CHECK) else done + 1
    overdue = False
    spacing = (now - received) / (2 * len(path))
    for position, (key, kind) in enumerate(path[:opened]):
        is_done = position < done
        # Done steps spread over the case's life; open ones opened in the last days.
        at = (received + spacing * position if is_done
              else now - timedelta(days=rng.uniform(0, min(5, (now - received).days))))
        assignee = ASSIGNEES[kind]
        due = None
        if assignee is not None:
            due = at + timedelta(days=rng.uniform(3, 10))
            if not is_done and rng.random() < OVERDUE_SHARE:
                due = now - timedelta(days=rng.uniform(0, 5))
            overdue = overdue or (not is_done and due <= now)
        rows.append((
            f"{case_id}/{key}", case_id, position, key, kind.value, CLAUSES[kind],
            DONE if is_done else OPEN, assignee, SUBJECTS.get(key), 1, region, district,
            _ts(at), _ts(due) if due else None,
            _ts(at + timedelta(hours=rng.uniform(1, 72))) if is_done else None,
            "cw.bench" if is_done and assignee else None,
            '{"notes": "done"}' if is_done and assignee else None,
        ))
    return overdue


ASSIGNEES = {k: (i.assignee.value if i.assignee else None) for k, i in STEPS.items()}
CLAUSES = {k: clause_of(k) for k in StepKind}
SUBJECTS = {"public_statement.approval-1": "public_statement",
            "recommendations.approval-1": "recommendations", "closure.approval-1": "closure"}
