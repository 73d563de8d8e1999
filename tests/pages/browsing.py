"""What page tests do as a person with a browser: sign in, read pages, submit forms with the
page's CSRF token."""

import asyncio
import html
import re
from collections.abc import Mapping, Sequence

import httpx

from tests.support.web_stack import WebStack

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
Fields = Mapping[str, str | Sequence[str]]


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's text, tags dropped and entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def sign_in(site: WebStack, user_id: str, password: str | None = None) -> httpx.Response:
    """Sign in through the form, as a fresh browser (earlier cookies forgotten)."""
    site.http.cookies.clear()
    form = await site.http.get("/login")
    return await site.http.post("/login", data={
        "csrf_token": csrf_of(form.text), "user_id": user_id,
        "password": password if password is not None else site.credentials.passwords[user_id],
    })


async def submit(site: WebStack, url: str, fields: Fields, *, form_page: str | None = None
                 ) -> httpx.Response:
    """Post ``fields`` to ``url`` with the token of the page the form is on."""
    page = await site.http.get(form_page or url)
    return await site.http.post(url, data={"csrf_token": csrf_of(page.text), **fields})


async def page_showing(site: WebStack, url: str, text: str, timeout: float = 20) -> str:
    """The page at ``url`` once it shows ``text`` (steps are projected to the store
    asynchronously, so a new task reaches the inbox a moment after the workflow opens it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await site.http.get(url)
        assert response.status_code == 200, response.text
        if text in text_of(response.text):
            return response.text
        if loop.time() > deadline:
            raise AssertionError(f"{url} never showed {text!r}: {text_of(response.text)}")
        await asyncio.sleep(0.1)


def error_of(page: str, path: str) -> str:
    """The message shown for the input (or row) at ``path``."""
    dom = "e-" + path.replace(".", "-")
    found = re.search(rf'<p class="error" id="{dom}">(.*?)</p>', page, re.S)
    assert found, f"no error shown for {path}"
    return text_of(found.group(1))
