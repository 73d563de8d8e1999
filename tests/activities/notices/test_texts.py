"""What a notice says, and what it must never say."""

from datetime import UTC, datetime

import pytest

from activities.directory import Directory
from activities.districts import load_districts
from activities.texts import render_notice
from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.report import Category, ViolationReport
from tests.activities.notices.conftest import BASE_URL, CASE_ID, RequestFactory
from tests.support.factories import ALGA, report_data

# One request of each kind, as the workflow would build them for a case.
KINDS: dict[NoticeKind, dict[str, object]] = {
    NoticeKind.ALARM: {"clause": "¶10.1", "recipient": Recipient.COMMISSIONER},
    NoticeKind.REFERRAL: {"clause": "¶10.3", "recipient": Recipient.GUARDIANSHIP},
    NoticeKind.REMINDER: {
        "clause": "¶10.2", "recipient": Recipient.OMBUDSMAN_OFFICE,
        "subject_step": "preventive_talk", "due_at": datetime(2026, 3, 5, 13, tzinfo=UTC),
    },
    NoticeKind.ESCALATION: {
        "clause": "¶11.3", "recipient": Recipient.SUPERVISOR,
        "subject_step": "plan_review-2", "due_at": datetime(2026, 3, 5, 13, tzinfo=UTC),
    },
    NoticeKind.RECOMMENDATIONS: {
        "clause": "¶11.6", "recipient": Recipient.AKIMAT,
        "body": "Provide the family with a social worker within ten days.",
    },
}


def rendered(req: NoticeRequest, directory: Directory) -> tuple[str, str]:
    """The subject and body of ``req`` to its recipient of the bundled directories."""
    return render_notice(req, directory.authority(req.recipient, req.region),
                         districts=load_districts(), base_url=BASE_URL)


def request_from(report: ViolationReport, kind: NoticeKind) -> NoticeRequest:
    """The notice a case opened from ``report`` sends: only the report's non-personal facts."""
    fields = KINDS[kind]
    return NoticeRequest(
        idempotency_key=f"{CASE_ID}:{kind}", case_id=CASE_ID, step_key=str(kind), kind=kind,
        region=report.region, district=report.district, category=report.category,
        urgent=report.threat_to_life_or_health, **fields,
    )


# A child's data planted as literals, and each way it could show in a text: the test must not
# lean on the privacy check it would be judging (schemas/privacy.py).
PLANTED_CHILD = {
    "full_name": "Zhanserikova Aigerimka Canarytest", "birth_date": "2014-03-09",
    "sex": "female", "iin": "140309643219", "school": "School-lyceum No. 77 Zerde",
    "address": "Abylai Khan street 5, apt 12",
}
PLANTED_DESCRIPTION = "Aigerimka came to school with bruises; the neighbours heard shouting."
NEVER_SAID = ("Zhanserikova", "Aigerimka", "Canarytest", "140309643219", "2014-03-09",
              "09.03.2014", "Zerde", "Abylai Khan", "apt 12", "bruises", "shouting")


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_no_notice_of_any_kind_carries_the_childs_personal_data(
    kind: NoticeKind, directory: Directory
) -> None:
    report = ViolationReport.model_validate(
        report_data(child=PLANTED_CHILD, description=PLANTED_DESCRIPTION))
    req = request_from(report, kind)

    subject, body = rendered(req, directory)

    for text in (subject, body):
        assert [v for v in NEVER_SAID if v.casefold() in text.casefold()] == []


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_paragraph_cites_the_clause_and_the_order(
    kind: NoticeKind, directory: Directory
) -> None:
    req = request_from(ViolationReport.model_validate(report_data()), kind)

    _, body = rendered(req, directory)

    kk, ru, en = body.split("\n\n")[:3]
    assert f"2024 жылғы 19 маусымдағы № 149 бұйрық, {req.clause}" in kk
    assert f"приказ № 149 от 19 июня 2024 года, {req.clause}" in ru
    assert f"Order No. 149 of 19 June 2024, {req.clause}" in en
    assert all(f"{BASE_URL}/cases/{CASE_ID}" in p for p in (kk, ru, en))


def test_a_reminder_names_the_late_task_and_its_due_time_on_almaty_clocks(
    directory: Directory, make_request: RequestFactory
) -> None:
    req = make_request(kind=NoticeKind.REMINDER, **KINDS[NoticeKind.REMINDER])

    _, body = rendered(req, directory)

    assert "Профилактикалық әңгіме (preventive_talk)" in body
    assert "Профилактическая беседа (preventive_talk)" in body
    assert "Preventive talk (preventive_talk)" in body
    assert body.count("2026-03-05 18:00 (UTC+05:00)") == 3  # 13:00 UTC is 18:00 in Almaty


def test_a_numbered_step_key_is_named_by_its_kind(
    directory: Directory, make_request: RequestFactory
) -> None:
    req = make_request(kind=NoticeKind.ESCALATION, **KINDS[NoticeKind.ESCALATION])

    subject, body = rendered(req, directory)

    assert "Rehabilitation plan review (plan_review-2)" in body
    assert "Escalation" in subject and "¶11.3" in subject


def test_urgency_and_category_are_given_in_all_three_languages(
    directory: Directory, make_request: RequestFactory
) -> None:
    req = make_request(urgent=True, category=Category.SEXUAL_VIOLENCE)

    subject, body = rendered(req, directory)

    assert "ШҰҒЫЛ" in subject and "СРОЧНО" in subject and "URGENT" in subject
    for word in ("ШҰҒЫЛ", "СРОЧНО", "URGENT"):
        assert f": {word}" in body
    for word in ("жыныстық зорлық-зомбылық", "сексуальное насилие", "sexual violence"):
        assert word in body


def test_the_recommendations_text_is_sent_once_after_the_three_languages(
    directory: Directory, make_request: RequestFactory
) -> None:
    req = make_request(kind=NoticeKind.RECOMMENDATIONS, **KINDS[NoticeKind.RECOMMENDATIONS])

    _, body = rendered(req, directory)

    assert body.count(str(req.body)) == 1
    assert body.index("Case card") < body.index("Text of the recommendations")
    assert body.rstrip().endswith(str(req.body))


def test_the_district_is_named_from_the_directory_in_each_language_never_as_stored(
    directory: Directory, make_request: RequestFactory
) -> None:
    _, body = rendered(make_request(district=ALGA), directory)
    # A case opened before districts were codes holds what a person typed.
    _, legacy = rendered(make_request(district="Leakdistrict Zhanibekova"), directory)

    kk, ru, en = body.split("\n\n")[:3]
    assert ("Аудан: Алға ауданы" in kk and "Район: Алгинский район" in ru
            and "District: Alga District" in en)
    assert ALGA not in body
    assert "Leakdistrict" not in legacy and "Zhanibekova" not in legacy
    assert "Район: район не указан" in legacy


def test_a_district_typed_before_districts_were_codes_reads_as_the_district_it_names(
    directory: Directory, make_request: RequestFactory
) -> None:
    _, body = rendered(make_request(district=" алгинский РАЙОН"), directory)

    assert "Аудан: Алға ауданы" in body and "District: Alga District" in body
    assert "алгинский РАЙОН" not in body
