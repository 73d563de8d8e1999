"""A case's history as someone without the encryption key sees it: the Temporal CLI's JSON,
with every base64 field decoded so that clear text cannot hide from a substring search."""

import asyncio
import base64
import binascii
import contextlib
import json
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.support.servers import temporal_binary

CLI_TIMEOUT = 60.0  # seconds for the CLI to print a history


async def history_as_the_cli_shows_it(env: WorkflowEnvironment, workflow_id: str) -> str:
    process = await asyncio.create_subprocess_exec(
        temporal_binary("temporal"), "workflow", "show", "--workflow-id", workflow_id,
        "--output", "json",
        "--address", env.client.service_client.config.target_host,
        "--namespace", env.client.namespace,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    except TimeoutError:
        process.kill()
        raise AssertionError(f"`temporal workflow show` of {workflow_id} gave nothing in "
                             f"{CLI_TIMEOUT:g} s") from None
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def readable_text(history_json: str) -> str:
    """The history as printed plus every base64 field decoded: payload bytes are base64 in
    JSON, so clear text would hide there from a plain substring search."""
    texts = [history_json]
    pending: list[Any] = [json.loads(history_json)]
    while pending:
        match pending.pop():
            case dict() as mapping:
                pending.extend(mapping.values())
            case list() as items:
                pending.extend(items)
            case str() as text:
                with contextlib.suppress(binascii.Error, ValueError):
                    texts.append(base64.b64decode(text, validate=True).decode(errors="replace"))
    return "\n".join(texts)
