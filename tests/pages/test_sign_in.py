"""Signing in and out through the form: the session cookie, refusals, CSRF and headers."""

from ombudsflow.config import Settings
from store.db import session_scope
from store.users import get_user, remember_language
from tests.pages.browsing import csrf_of, sign_in, text_of
from tests.support.web_stack import WebStack
from web.deps import SESSION_COOKIE
from web.pages.render import LANGUAGE_COOKIE
from web.pages.security import is_secure


async def test_sign_in_sets_a_session_cookie_and_returns_where_the_user_was_going(
    site: WebStack,
) -> None:
    refused = await site.http.get("/board")
    assert refused.status_code == 303
    assert refused.headers["location"] == "/login?next=%2Fboard"

    form = await site.http.get(refused.headers["location"])
    response = await site.http.post("/login", data={
        "csrf_token": csrf_of(form.text), "user_id": "sv.aktobe", "next": "/board",
        "password": site.credentials.passwords["sv.aktobe"],
    })

    assert response.status_code == 303 and response.headers["location"] == "/board"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over http here; https adds it
    board = await site.http.get("/board")
    assert board.status_code == 200 and "sv.aktobe" in board.text


async def test_sign_in_fails_with_a_wrong_password_and_sets_no_session(site: WebStack) -> None:
    response = await sign_in(site, "cw.aktobe", "not-the-password")

    assert response.status_code == 401
    assert "Пайдаланушы аты немесе құпиясөз қате." in text_of(response.text)
    assert SESSION_COOKIE not in site.http.cookies
    assert (await site.http.get("/")).status_code == 303


async def test_sign_in_never_redirects_to_another_site(site: WebStack) -> None:
    form = await site.http.get("/login")
    response = await site.http.post("/login", data={
        "csrf_token": csrf_of(form.text), "user_id": "cw.aktobe", "next": "//evil.example/",
        "password": site.credentials.passwords["cw.aktobe"],
    })
    assert response.headers["location"] == "/"


async def test_a_form_posted_without_its_csrf_token_is_refused(site: WebStack) -> None:
    await site.http.get("/login")
    response = await site.http.post("/login", data={
        "user_id": "cw.aktobe", "password": site.credentials.passwords["cw.aktobe"],
    })
    assert response.status_code == 403
    assert SESSION_COOKIE not in site.http.cookies

    await sign_in(site, "cw.aktobe")
    forged = await site.http.post("/logout", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403
    assert (await site.http.get("/")).status_code == 200  # still signed in


async def test_signing_out_ends_the_session(site: WebStack) -> None:
    await sign_in(site, "cw.aktobe")
    inbox = await site.http.get("/")

    response = await site.http.post("/logout", data={"csrf_token": csrf_of(inbox.text)})

    assert response.headers["location"] == "/login"
    assert "Сіз жүйеден шықтыңыз." in text_of((await site.http.get("/login")).text)
    assert (await site.http.get("/")).status_code == 303


async def test_pages_carry_security_headers(site: WebStack) -> None:
    for url in ("/login", "/static/app.css", "/cases/AKT-2026-999999"):
        headers = (await site.http.get(url)).headers
        assert "script-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"


def test_cookies_are_secure_when_the_app_is_served_over_https() -> None:
    assert is_secure(Settings(public_base_url="https://ombudsman.example"))
    assert not is_secure(Settings(public_base_url="http://127.0.0.1:8000"))


async def test_the_language_a_person_chooses_is_kept_on_file_for_the_mail_they_get(
    site: WebStack,
) -> None:
    """Chosen on a page, it is the signed-in person's language (reminders are written in it);
    remembered by the browser, it is kept again at the next sign-in."""
    await sign_in(site, "cw.aktobe")
    assert (await site.http.get("/?lang=ru")).status_code == 200
    assert _language_on_file(site, "cw.aktobe") == "ru"
    await site.http.get("/?lang=en")
    assert _language_on_file(site, "cw.aktobe") == "en"
    with session_scope(site.engine) as session:
        remember_language(session, "cw.aktobe", "kk")  # chosen in another browser
    site.http.cookies.set(LANGUAGE_COOKIE, "ru")
    await site.http.get("/")
    assert _language_on_file(site, "cw.aktobe") == "ru"


def _language_on_file(site: WebStack, user_id: str) -> str | None:
    with session_scope(site.engine) as session:
        user = get_user(session, user_id)
        assert user is not None
        return user.language
