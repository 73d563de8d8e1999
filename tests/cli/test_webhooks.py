"""An admin subscribes another system to events from the terminal, through the HTTP API."""

from tests.cli.conftest import Cli, WebApp
from tests.cli.test_commands import log_in


async def test_an_admin_adds_lists_and_removes_a_webhook(cli: Cli, web_app: WebApp) -> None:
    await log_in(cli, web_app, "admin")

    added = await cli("webhook", "add", "committee", "https://committee.example/hooks",
                      "--event", "case.opened", "--event", "escalation")
    listed = await cli("webhook", "list")
    removed = await cli("webhook", "remove", "committee")
    again = await cli("webhook", "remove", "committee")

    assert added.code == 0, added.err
    assert "webhook committee subscribed to case.opened, escalation" in added.out
    assert "signing secret (shown once): whsec_" in added.out
    assert "https://committee.example/hooks" in listed.out and "whsec_" not in listed.out
    assert removed.code == 0 and "webhook committee removed" in removed.out
    assert again.code != 0 and "no webhook subscription 'committee'" in again.err


async def test_a_case_worker_may_not_add_a_webhook(cli: Cli, web_app: WebApp) -> None:
    await log_in(cli, web_app, "cw.aktobe")

    refused = await cli("webhook", "add", "x", "https://x.example/", "--event", "case.closed")

    assert refused.code != 0 and "admin" in refused.err
