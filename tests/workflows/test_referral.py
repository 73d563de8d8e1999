"""¶10.3 in a running case: the referral steps are sent to guardianship and the police, or
skipped, as the alleged violators' relation and home say (the whole table is in
tests/schemas/test_referral.py; here a few rows go through the workflow and the mail)."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from schemas.case import StepStatus
from tests.support.scenarios import open_case

REFERRALS = ("referral.guardianship", "referral.police")
AKTOBE_REFERRED = ["guardianship@aktobe.gov.example", "police@aktobe.gov.example"]


def referral_mails(mail_dir: Path) -> list[str]:
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in sorted(mail_dir.glob("*.eml"))]
    return sorted(str(m["To"]) for m in messages if m["X-Ombudsflow-Clause"] == "¶10.3")


@pytest.mark.parametrize(("relation", "lives_with_child", "refer"), [
    ("guardian", True, True),
    ("other_legal_representative", True, True),
    ("mother", False, False),
    ("relative", True, False),
], ids=["guardian-with", "legal-representative-with", "mother-apart", "relative-with"])
async def test_referrals_sent_or_skipped_as_the_violator_and_home_say(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path,
    relation: str, lives_with_child: bool, refer: bool,
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue, alleged_violators=[
        {"relation": relation, "lives_with_child": lives_with_child}])

    await driver.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat")
    if refer:
        await driver.wait_delivered(*REFERRALS)
    view = await driver.view()

    expected = StepStatus.DONE if refer else StepStatus.SKIPPED
    assert {view.step(key).status for key in REFERRALS} == {expected}
    assert all(view.step(key).clause == "¶10.3" for key in REFERRALS)
    assert referral_mails(mail_dir) == (AKTOBE_REFERRED if refer else [])
