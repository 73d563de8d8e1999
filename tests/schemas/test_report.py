"""Report validation: every bad field is named with its reason."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cases.intake import parse_report
from schemas.report import Sex, ViolationReport, parse_iin
from tests.support.factories import CHILD_BIRTH, make_iin, report_data


def errors(data: dict[str, Any]) -> dict[str, str]:
    """field path → message, as the API and the CLI show them."""
    with pytest.raises(ValidationError) as raised:
        parse_report(data)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in raised.value.errors()}


def with_child(**child: Any) -> dict[str, Any]:
    data = report_data()
    data["child"] = {**data["child"], **child}
    return data


def test_a_valid_report_parses() -> None:
    report = parse_report(report_data())
    assert report.cohabiting_parent and report.child.iin is not None


def test_iin_check_digit_is_verified() -> None:
    iin = make_iin(CHILD_BIRTH, Sex.FEMALE)
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    assert errors(with_child(iin=wrong)) == {
        "child": "Value error, IIN check digit does not match"}


def test_iin_second_weighting_is_used_when_the_first_gives_10() -> None:
    for serial in range(1, 2000):
        body = f"{CHILD_BIRTH:%y%m%d}6{serial:04d}"
        if sum(int(d) * i for i, d in enumerate(body, start=1)) % 11 == 10:
            weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
            check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
            if check != 10:
                assert parse_iin(body + str(check)).birth_date == CHILD_BIRTH
                return
    raise AssertionError("no IIN needing the second weighting found")


@pytest.mark.parametrize(("iin", "reason"), [
    ("12345", "IIN must be exactly 12 digits"),
    ("14030970000a", "IIN must be exactly 12 digits"),
    ("140309700001", "IIN digit 7 (century and sex) must be 1 to 6"),
    ("141309600001", "IIN digits 1–6 are not a valid date of birth (YYMMDD)"),
])
def test_malformed_iins_are_refused_with_the_reason(iin: str, reason: str) -> None:
    assert errors(with_child(iin=iin)) == {"child": f"Value error, {reason}"}


def test_iin_must_agree_with_birth_date_and_sex() -> None:
    other_day = make_iin(date(2014, 3, 10), Sex.FEMALE)
    assert "IIN date of birth does not match birth_date" in errors(with_child(iin=other_day))[
        "child"]
    boy = make_iin(CHILD_BIRTH, Sex.MALE)
    assert "IIN sex digit does not match sex" in errors(with_child(iin=boy))["child"]


def test_adults_are_refused() -> None:
    eighteen = date.today().replace(year=date.today().year - 18) - timedelta(days=1)
    found = errors(with_child(birth_date=eighteen.isoformat(), iin=None))
    assert found == {"": "Value error, child must be under 18 at received_at (child.birth_date)"}


def test_unknown_region_is_refused() -> None:
    found = errors(report_data() | {"region": "atlantis"})
    assert "region" in found and "abai" in found["region"]


def test_received_in_the_future_is_refused_but_past_reports_decode_later() -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert errors(report_data() | {"received_at": future}) == {
        "received_at": "received_at is in the future"}
    report = parse_report(report_data())
    # Decoding without the intake context (as Temporal does) never consults the clock.
    assert type(report).model_validate_json(report.model_dump_json()) == report


def test_naive_timestamps_and_unknown_fields_are_refused() -> None:
    found = errors(report_data() | {"received_at": "2026-01-05T10:00:00", "colour": "red"})
    assert set(found) == {"received_at", "colour"}


def test_reporter_is_anonymous_or_named() -> None:
    assert errors(report_data(reporter={"anonymous": True, "name": "Aliya"})) == {
        "reporter": "Value error, an anonymous reporter carries no name, phone or email"}
    assert errors(report_data(reporter={"anonymous": False})) == {
        "reporter": "Value error, name is required unless the reporter is anonymous"}


def test_there_is_at_least_one_alleged_violator() -> None:
    assert "alleged_violators" in errors(report_data(alleged_violators=[]))


def test_the_district_is_a_code_of_the_reports_region() -> None:
    listing = "GET /api/v1/regions/aktobe/districts"

    assert parse_report(report_data(district="156000000")).district == "156000000"
    assert parse_report(report_data(district="150000000")).district == "150000000"  # unknown
    assert errors(report_data(district="Alga district")) == {
        "district": f"not a district code of aktobe: give the KATO code of a "
                    f"district or city, listed at {listing}"}
    assert errors(report_data(district="711300000")) == {
        "district": f"district 711300000 is in astana, not in aktobe; the codes "
                    f"of aktobe are at {listing}"}


def test_a_stored_report_decodes_without_the_directory() -> None:
    """Reports opened before districts were codes replay from their histories unchanged."""
    legacy = ViolationReport.model_validate(report_data(district="Alga district"))

    assert legacy.district == "Alga district"
