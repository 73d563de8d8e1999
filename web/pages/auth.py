"""Signing in and out. The session cookie carries the same signed token as the API's bearer
header, so pages and API share one authorisation path (``web.deps.current_user``)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from web.actions import sign_in as sign_in_as
from web.deps import SESSION_COOKIE, ServicesDep
from web.pages.render import redirect, render
from web.pages.route import PageRoute
from web.pages.security import (
    PRESESSION_COOKIE,
    CsrfChecked,
    csrf_basis,
    is_secure,
    keep_presession,
    new_presession,
)
from web.security import issue_token

router = APIRouter(route_class=PageRoute)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another origin."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/login")
async def show_sign_in(request: Request, svc: ServicesDep, next: str = "/") -> Response:
    """The sign-in form."""
    fresh = None if csrf_basis(request) else new_presession()
    response = render(request, "login.html", user=None, next=safe_next(next), failed=False,
                      user_id="", basis=fresh)
    if fresh:
        keep_presession(svc.settings, response, fresh)
    return response


@router.post("/login")
async def sign_in(
    request: Request, svc: ServicesDep, _: CsrfChecked,
    user_id: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password; on success set the session cookie and go where the user was going."""
    user = await sign_in_as(svc, user_id.strip(), password)
    if user is None:
        return render(request, "login.html", user=None, next=safe_next(next), failed=True,
                      user_id=user_id, status_code=status.HTTP_401_UNAUTHORIZED)
    response = redirect(safe_next(next))
    response.set_cookie(SESSION_COOKIE, issue_token(svc.settings, user.id), httponly=True,
                        samesite="lax", secure=is_secure(svc.settings),
                        max_age=svc.settings.token_minutes * 60)
    response.delete_cookie(PRESESSION_COOKIE)
    return response


@router.post("/logout")
async def sign_out(_: CsrfChecked) -> Response:
    """Forget the session."""
    response = redirect("/login", flash="flash.signed_out")
    response.delete_cookie(SESSION_COOKIE)
    return response
