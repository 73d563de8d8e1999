"""Spans of time and dates as people read them on the pages: "3 min", "2 d 4 h", 30.11.2026, in
the reader's language, never "248:15:44"."""

from datetime import UTC, date, datetime

import pytest

from activities.districts import load_districts
from web.i18n import Translator


@pytest.mark.parametrize(("seconds", "en", "ru"), [
    (20, "20 s", "20 с"),
    (180, "3 min", "3 мин"),
    (3 * 60 + 5, "3 min 5 s", "3 мин 5 с"),
    (2 * 86400 + 4 * 3600 + 15 * 60, "2 d 4 h", "2 д 4 ч"),
    (10 * 86400 + 8 * 3600 + 15 * 60 + 44, "10 d 8 h", "10 д 8 ч"),
    (3600 + 44, "1 h", "1 ч"),
    (0, "0 s", "0 с"),
    (-90, "-1 min 30 s", "-1 мин 30 с"),
])
def test_a_span_reads_in_its_two_largest_units(seconds: float, en: str, ru: str) -> None:
    districts = load_districts()
    assert Translator("en", districts=districts).duration(seconds) == en
    assert Translator("ru", districts=districts).duration(seconds) == ru


def test_dates_read_dd_mm_yyyy_in_kazakh_and_russian() -> None:
    districts = load_districts()
    moment = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    for language in ("kk", "ru"):
        t = Translator(language, districts=districts)
        assert t.when(moment) == "30.11.2026 19:05 (UTC+05:00)"
        assert t.day(date(2014, 3, 9)) == "09.03.2014"
    english = Translator("en", districts=districts)
    assert english.when(moment) == "2026-11-30 19:05 (UTC+05:00)"
    assert english.when(None) == "" and english.day(None) == ""
