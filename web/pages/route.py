"""The route class of every page: security headers on every answer, the language switch
remembered (in a cookie, and as the signed-in person's language on file, which mail to them is
written in), and refusals shown as pages in the reader's language (or, to someone not signed
in, as the way to sign in)."""

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from ombudsflow.constants import LANGUAGES
from store.users import remember_language
from web.deps import in_store, services
from web.pages.render import LANGUAGE_COOKIE, render, translator
from web.pages.security import SECURITY_HEADERS

LANGUAGE_KEPT_FOR = timedelta(days=365)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                response = await handle(request)
            except HTTPException as e:
                response = refusal(request, e)
            response.headers.update(SECURITY_HEADERS)
            chosen = request.query_params.get("lang")
            if chosen in LANGUAGES:
                response.set_cookie(LANGUAGE_COOKIE, chosen, httponly=True, samesite="lax",
                                    max_age=int(LANGUAGE_KEPT_FOR.total_seconds()))
            await _on_file(request, chosen or request.cookies.get(LANGUAGE_COOKIE))
            return response

        return handle_page


async def _on_file(request: Request, chosen: str | None) -> None:
    """The signed-in person's language on file becomes the one they chose to read in."""
    actor = getattr(request.state, "actor", None)
    if (actor is None or chosen not in LANGUAGES
            or getattr(request.state, "language_on_file", None) == chosen):
        return
    await in_store(services(request).engine,
                   lambda session: remember_language(session, actor.id, chosen))


def refusal(request: Request, error: HTTPException) -> Response:
    """A refusal as a page; 401 sends the reader to sign in and then back here."""
    if error.status_code == status.HTTP_401_UNAUTHORIZED:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(back, safe='')}",
                                status_code=status.HTTP_303_SEE_OTHER)
    t = translator(request)
    # Our pages raise with a locale key; the shared dependencies (written for the API) with an
    # English sentence, which a page says in the reader's language by its status.
    shared = f"error.detail.{error.status_code}"
    message = (t(error.detail) if t.has(error.detail)
               else t(shared) if t.has(shared) else t("error.detail.other"))
    return render(request, "error.html", user=None, status_code=error.status_code,
                  title=t(f"error.{error.status_code}") if t.has(f"error.{error.status_code}")
                  else t("error.title"), message=message)
