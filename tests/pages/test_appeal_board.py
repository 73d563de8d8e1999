"""¶6.2 appeals on the supervisor board, by region and district for a chosen period: received,
open, due within 3 working days, overdue, answered on time (%); the CSV holds the same rows."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from cases.appeals import parse_appeal
from schemas.regions import Region
from store.appeals import APPEAL_TABLE, register_appeal
from store.db import session_scope
from tests.pages.browsing import sign_in
from tests.pages.test_board import table_of
from tests.support.factories import appeal_data, first_district
from tests.support.web_stack import WebStack

REGION = Region.KYZYLORDA  # no other test submits appeals here


def seed(site: WebStack, received: datetime, **columns: Any) -> None:
    """An appeal of the region as its workflow would have projected it."""
    district = first_district(REGION)
    appeal = parse_appeal(appeal_data(region=REGION.value, district=district,
                                      received_at=received))
    with session_scope(site.engine) as session:
        appeal_id, _ = register_appeal(session, appeal=appeal, taken_by="op")
        session.connection().execute(update(APPEAL_TABLE).where(
            APPEAL_TABLE.c.appeal_id == appeal_id).values(**columns))


async def test_the_board_counts_appeals_by_district_for_a_period(site: WebStack) -> None:
    now = datetime.now(UTC)
    day = now - timedelta(days=2)
    seed(site, day, due_at=now + timedelta(hours=20))  # open, due within 3 working days
    seed(site, day, due_at=now - timedelta(hours=2), overdue=True)  # open, overdue
    seed(site, day, due_at=now + timedelta(days=40))  # open, not due soon
    seed(site, day, closed_at=now, verdict="upheld", term_met=True)
    seed(site, day, closed_at=now, verdict="explained", term_met=False, working_days_late=2)
    seed(site, day, closed_at=now, verdict="withdrawn", term_met=True)  # neither
    seed(site, now - timedelta(days=60), closed_at=now, verdict="upheld", term_met=True)
    await sign_in(site, "sv.committee")

    page = (await site.http.get("/board?lang=en")).text
    rows = table_of(page, "appeals")
    assert rows[0] == ["Region", "District", "Received", "Open", "Due within 3 working days",
                       "Overdue", "Answered on time"]
    ours = [r for r in rows if r[0] == "Kyzylorda Region"]
    assert [r[2:] for r in ours] == [["6", "3", "1", "1", "50%"]]

    older = (await site.http.get(
        f"/board?lang=en&since={(date.today() - timedelta(days=90)).isoformat()}")).text
    assert [r[2:] for r in table_of(older, "appeals") if r[0] == "Kyzylorda Region"] == [
        ["7", "3", "1", "1", "67%"]]

    await site.http.get("/board?lang=en")
    exported = list(csv.reader(io.StringIO(
        (await site.http.get("/board.csv")).content.decode("utf-8-sig"))))
    assert ours[0] in exported
