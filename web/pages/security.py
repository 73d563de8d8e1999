"""The pages' defences: a CSRF token in every POST form, and headers that keep pages out of
frames and away from inline scripts.

The token is an HMAC of the session cookie (before sign-in, of a random pre-session cookie),
so it needs no storage, changes with every session and cannot be read by another site.
"""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status

from ombudsflow.config import Settings
from web.deps import SESSION_COOKIE, ServicesDep

PRESESSION_COOKIE = "ombudsflow_presession"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def csrf_basis(request: Request) -> str | None:
    """What this browser's token is derived from: its session, or its pre-session cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def csrf_token(settings: Settings, basis: str) -> str:
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, b"csrf:" + basis.encode(), hashlib.sha256).hexdigest()


def is_secure(settings: Settings) -> bool:
    """Cookies get ``Secure`` when the app is served over https."""
    return settings.public_base_url.startswith("https://")


def new_presession() -> str:
    """A random basis for the sign-in form's token, for a browser without a session."""
    return secrets.token_urlsafe(32)


def keep_presession(settings: Settings, response: Response, basis: str) -> None:
    response.set_cookie(PRESESSION_COOKIE, basis, httponly=True, samesite="strict",
                        secure=is_secure(settings))


async def require_csrf(request: Request, svc: ServicesDep) -> None:
    """Refuse a POST unless its form carries the token of this browser's session."""
    sent = (await request.form()).get(CSRF_FIELD)
    basis = csrf_basis(request)
    if not (isinstance(sent, str) and basis
            and hmac.compare_digest(sent, csrf_token(svc.settings, basis))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "error.csrf")


CsrfChecked = Annotated[None, Depends(require_csrf)]
