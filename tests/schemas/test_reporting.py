"""Periods on Kazakhstan's clock, and the guard on a public text about no one case."""

from datetime import UTC, date, datetime

from schemas.privacy import identifiers_in
from schemas.reporting import half_year_before, month_before, year_after


def test_periods_are_read_on_the_almaty_clock() -> None:
    # 19:30 UTC on 30 June is 00:30 on 1 July in Almaty: the first half-year has ended.
    assert half_year_before(datetime(2026, 6, 30, 19, 30, tzinfo=UTC)).label == "2026-H1"
    assert half_year_before(datetime(2026, 6, 30, 18, 30, tzinfo=UTC)).label == "2025-H2"
    january = half_year_before(datetime(2027, 1, 5, 4, tzinfo=UTC))
    assert (january.start, january.end, january.label) == (date(2026, 7, 1),
                                                            date(2027, 1, 1), "2026-H2")
    assert month_before(datetime(2026, 12, 31, 19, 0, tzinfo=UTC)).label == "2026-12"
    assert month_before(datetime(2026, 3, 1, 4, tzinfo=UTC)).label == "2026-02"
    assert year_after(datetime(2026, 12, 1, 4, tzinfo=UTC)).label == "2027"


def test_a_briefing_summary_may_give_its_own_date_but_no_iin_or_birth_date() -> None:
    today = date(2027, 1, 15)
    assert identifiers_in("Брифинг 20.12.2026 өтті, 40 адам қатысты.", today) == []
    assert identifiers_in("Бала 12.03.2015 туған", today) == [
        "a date that may be a child's birth date"]
    assert identifiers_in("ЖСН 150312 500123", today) == ["an IIN"]
