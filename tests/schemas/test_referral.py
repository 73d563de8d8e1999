"""¶10.3: guardianship and the police are told when the alleged violators are "the parents
or other legal representatives living with the child" — both conditions, every relation.

The expected answers are written out here by hand, not taken from the code's own set: a
relation dropped from (or added to) the rule, or the living-with-the-child condition lost,
fails a row.
"""

from typing import Any

import pytest

from cases.intake import parse_report
from schemas.case import CaseFacts
from schemas.report import Relation
from tests.support.factories import report_data

# Whether ¶10.3 applies to one alleged violator: (relation, lives with the child) → refer.
# A step-parent is not a legal representative in law unless appointed guardian.
TABLE: dict[tuple[str, bool], bool] = {
    ("mother", True): True,
    ("mother", False): False,
    ("father", True): True,
    ("father", False): False,
    ("guardian", True): True,
    ("guardian", False): False,
    ("other_legal_representative", True): True,
    ("other_legal_representative", False): False,
    ("step_parent", True): False,
    ("step_parent", False): False,
    ("relative", True): False,
    ("relative", False): False,
    ("teacher", True): False,
    ("teacher", False): False,
    ("other_adult", True): False,
    ("other_adult", False): False,
    ("peer", True): False,
    ("peer", False): False,
    ("unknown", True): False,
    ("unknown", False): False,
}


def referred(*violators: tuple[str, bool]) -> bool:
    """Whether a report alleging ``violators`` calls for ¶10.3, as the case's facts hold it."""
    data: dict[str, Any] = report_data(alleged_violators=[
        {"relation": relation, "lives_with_child": lives} for relation, lives in violators])
    report = parse_report(data)
    facts = CaseFacts.of(report)
    assert facts.cohabiting_parent == report.cohabiting_parent
    return facts.cohabiting_parent


def test_the_table_has_every_relation_both_ways() -> None:
    assert set(TABLE) == {(r.value, lives) for r in Relation for lives in (True, False)}


@pytest.mark.parametrize(("relation", "lives_with_child"), list(TABLE),
                         ids=[f"{r}-{'with' if lives else 'apart'}" for r, lives in TABLE])
def test_one_alleged_violator(relation: str, lives_with_child: bool) -> None:
    assert referred((relation, lives_with_child)) is TABLE[relation, lives_with_child]


@pytest.mark.parametrize(("violators", "refer"), [
    # A parent living elsewhere and a non-parent living with the child: neither is both.
    ((("father", False), ("step_parent", True)), False),
    ((("mother", False), ("relative", True), ("teacher", False)), False),
    # Any one violator meeting both conditions is enough, wherever it is listed.
    ((("teacher", False), ("guardian", True)), True),
    ((("father", False), ("mother", True)), True),
    ((("other_adult", True), ("other_legal_representative", True)), True),
], ids=["parent-apart+step-parent-with", "parent-apart+relative-with+teacher",
        "teacher+guardian-with", "father-apart+mother-with", "adult-with+representative-with"])
def test_several_alleged_violators(violators: tuple[tuple[str, bool], ...], refer: bool) -> None:
    assert referred(*violators) is refer
