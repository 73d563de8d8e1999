"""A report's district is a code of the district directory (KATO), never typed text: free text
is refused naming the field and where the codes are; a code reaches the search attribute, and
the notices name the district in each language. The directory is listed for anyone."""

from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from activities.transports import SmtpTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from ombudsflow.constants import CASE_DISTRICT
from schemas.regions import Region
from tests.api.calls import fields, report
from tests.conftest import dev_server
from tests.support.factories import ALGA, KHROMTAU
from tests.support.smtp import SmtpServer
from tests.support.web_stack import WebStack, web_stack
from tests.workflows.test_mail_delivery import arrived

PLANTED = "Leakdistrict Zhanibekova 140309612348"
LISTING = "GET /api/v1/regions/aktobe/districts"


@pytest.fixture
async def mailing_api(keyring: KeyRing, engine: Engine, demo: DemoCredentials,
                      smtp: SmtpServer, mail_dir: Path) -> AsyncIterator[WebStack]:
    """The API on a dev server of its own (search attributes as production keeps them; its
    own, since each store the API tests run on numbers its cases from 1), its notices sent to
    a real SMTP server."""
    transport = SmtpTransport("127.0.0.1", smtp.port, timeout=5.0)
    async with dev_server(keyring) as env, web_stack(env.client, engine, demo, mail_dir,
                                                     transport=transport) as stack:
        yield stack


async def test_a_typed_district_is_refused_naming_the_field_and_where_the_codes_are(
    api: WebStack,
) -> None:
    typed = await report(api, district=PLANTED)
    elsewhere = await report(api, district="751200000")  # Almaly District, Almaty city

    assert typed.status_code == 422
    assert list(fields(typed)) == ["district"]
    assert LISTING in fields(typed)["district"]
    assert "Leakdistrict" not in typed.text and "140309612348" not in typed.text
    assert fields(elsewhere) == {"district": "district 751200000 is in almaty, not in aktobe; "
                                             f"the codes of aktobe are at {LISTING}"}


async def test_a_district_code_is_the_search_attribute_and_the_notices_name_it(
    mailing_api: WebStack, smtp: SmtpServer,
) -> None:
    response = await report(mailing_api, district=KHROMTAU)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]

    messages: list[EmailMessage] = await arrived(smtp, 5)
    described = await mailing_api.client.get_workflow_handle(case_id).describe()

    assert described.typed_search_attributes.get(CASE_DISTRICT) == KHROMTAU
    ours = [m for m in messages if m["X-Ombudsflow-Case"] == case_id]
    assert len(ours) == 5  # ¶10.1 to three bodies, ¶10.3 to two
    for message in ours:
        body = message.get_content()
        assert "Аудан: Хромтау ауданы" in body
        assert "Район: Хромтауский район" in body
        assert "District: Khromtau District" in body
        assert KHROMTAU not in body


async def test_a_regions_districts_are_listed_for_anyone(api: WebStack) -> None:
    listed = await api.http.get("/api/v1/regions/aktobe/districts")
    unknown = await api.http.get("/api/v1/regions/atlantis/districts")

    assert listed.status_code == 200
    districts = listed.json()
    assert {"code": ALGA, "kk": "Алға ауданы", "ru": "Алгинский район",
            "en": "Alga District", "unspecified": False} in districts
    assert districts[-1] == {"code": "150000000", "kk": "аудан көрсетілмеген",
                             "ru": "район не указан", "en": "district not specified",
                             "unspecified": True}
    assert all(d["code"].startswith("15") for d in districts)
    assert unknown.status_code == 422 and "region" in fields(unknown)


async def test_a_listed_district_and_the_regions_not_specified_code_are_accepted(
    api: WebStack,
) -> None:
    listed = (await api.http.get("/api/v1/regions/kyzylorda/districts")).json()

    answers = [await report(api, region=Region.KYZYLORDA, district=entry["code"])
               for entry in (listed[0], listed[-1])]

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
