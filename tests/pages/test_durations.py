"""Spans of time as people read them on the board and the case page: "3 min", "2 d 4 h", in
the reader's language, never "248:15:44"."""

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
