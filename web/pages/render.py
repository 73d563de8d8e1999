"""Rendering pages: the Jinja2 templates with the reader's language, the CSRF token and a
one-time flash message; and redirects that carry such a message to the next page."""

from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ombudsflow.constants import LANGUAGES
from schemas.case import Actor
from schemas.numbers import work_page
from schemas.steps import StepKind
from web.dates import DAY_PATTERN, MOMENT_PATTERN, shown_day
from web.deps import services
from web.i18n import Translator, language_of
from web.pages.security import CSRF_FIELD, csrf_basis, csrf_token

LANGUAGE_COOKIE = "ombudsflow_lang"
FLASH_COOKIE = "ombudsflow_flash"
# The messages a redirect may carry; anything else in the cookie is ignored.
FLASHES = frozenset({"flash.completed", "flash.approved", "flash.sent_back",
                     "flash.signed_out", "flash.task_closed", "flash.claimed",
                     "flash.released", "flash.filter_saved", "flash.reassigned",
                     "flash.delegated", "flash.kept_for_review", "flash.returned",
                     "flash.taken_back", "flash.followed_up", "flash.follow_up_cleared"})

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(languages=LANGUAGES, csrf_field=CSRF_FIELD, day_pattern=DAY_PATTERN,
                         moment_pattern=MOMENT_PATTERN, work_page=work_page)
templates.filters["typed_day"] = shown_day  # a day as date inputs hold it: 05.12.2026


def language(request: Request) -> str:
    """``?lang=`` if given (the switch), else the remembered choice, else Kazakh."""
    return language_of(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def translator(request: Request) -> Translator:
    return Translator(language(request), districts=services(request).districts)


def render(request: Request, template: str, *, user: Actor | None,
           status_code: int = status.HTTP_200_OK, basis: str | None = None,
           **context: Any) -> HTMLResponse:
    """The page ``template`` in the reader's language; a pending flash is shown once.
    ``basis`` is a CSRF basis set on this very response (the request does not carry it)."""
    t = translator(request)
    basis = basis or csrf_basis(request)
    flash = _flash(request, t)
    html = templates.get_template(template).render(
        t=t, lang=t.language, user=user, path=request.url.path, flash=flash,
        csrf=csrf_token(services(request).settings, basis) if basis else "", **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(url: str, *, flash: str | None = None, kind: StepKind | None = None
             ) -> RedirectResponse:
    """A 303 to ``url`` (so a reload does not resubmit), carrying ``flash`` about ``kind``."""
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    if flash is not None:
        response.set_cookie(FLASH_COOKIE, f"{flash}:{kind.value if kind else ''}", max_age=120,
                            httponly=True, samesite="lax")
    return response


def _flash(request: Request, t: Translator) -> str:
    key, _, kind = request.cookies.get(FLASH_COOKIE, "").partition(":")
    if key not in FLASHES:
        return ""
    return t(key, task=t.step(kind)) if kind in StepKind._value2member_map_ else t(key)
