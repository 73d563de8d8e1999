"""``ombudsflow appeal submit``: an integration's appeal through the HTTP API, registered once
however often it is sent, a bad field named with its reason, a ¶10 case opened at once when it
reports a violation."""

import re
import uuid

import pytest

from tests.cli.conftest import Cli, WebApp
from tests.support.factories import appeal_data

REGISTERED = re.compile(r"^appeal (AKT-A-\d{4}-\d{6}) registered\n")


async def test_appeal_submit_registers_once_with_an_integration_key(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli.file("appeal.json", appeal_data(external_ref=f"ZT-{uuid.uuid4().hex[:8]}",
                                               violation=True))
    no_key = await cli("appeal", "submit", path)
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("e-otinish"))
    first = await cli("appeal", "submit", path)
    again = await cli("appeal", "submit", path)
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("helpline-111"))
    wrong_scope = await cli("appeal", "submit", path)

    assert no_key.code == 3 and no_key.err.startswith(
        "error: appeal submit needs an integration key (X-API-Key)")
    assert first.code == 0, first.err
    found = REGISTERED.search(first.out)
    assert found, first.out
    assert re.search(r"¶10 case opened at once: AKT-\d{4}-\d{6}", first.out)
    assert again.out.startswith(f"appeal {found.group(1)} already received (existing appeal)")
    assert wrong_scope.code == 3 and wrong_scope.err == "error: this key may not appeals\n"


async def test_appeal_submit_names_the_bad_field(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("e-otinish"))
    bad = await cli("appeal", "submit", cli.file("bad.json", appeal_data(kind="complaint")))
    assert bad.code != 0
    assert "body: a complaint names the local executive body it is about" in bad.err
