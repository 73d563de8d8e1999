"""The CLI's client of the web app's HTTP API (``/api/v1``): case work from the terminal goes
through the same authorisation, validators and audit trail as the pages.

Every answer the API can refuse with becomes an ``ApiError`` holding its status and one reason
per line, as the API said it (web/errors.py):

    422  {"detail": [{"field", "reason"}]}  → "field: reason", one per field
    4xx  {"detail": reason, "type": kind}   → "reason (kind)"
    4xx  {"detail": reason}                 → "reason"
    503  {"detail": what to do}             → "what to do", plus Retry-After when sent

A web app that cannot be reached at all is an ``ApiUnreachable``.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

API = "/api/v1"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # an update waits up to its own deadline (503 after)


class ApiError(Exception):
    """The API refused: ``status`` and the reasons it gave."""

    def __init__(self, status: int, reasons: list[str]) -> None:
        super().__init__(*reasons)
        self.status = status
        self.reasons = reasons


class ApiUnreachable(Exception):
    """No answer from the web app (refused, timed out, not an HTTP server)."""


def path_of(*segments: str) -> str:
    """``/api/v1/a/b``, each segment escaped: a case number or key typed wrong stays one
    segment of the path, never another route."""
    return "/".join([API, *(quote(s, safe="") for s in segments)])


def reasons_of(response: httpx.Response) -> list[str]:
    """What the API said was wrong, one reason per line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    match detail:
        case list():
            reasons = [f"{e.get('field', '(body)')}: {e.get('reason', '')}" for e in detail
                       if isinstance(e, dict)]
        case str() if isinstance(body, dict) and body.get("type"):
            reasons = [f"{detail} ({body['type']})"]
        case str():
            reasons = [detail]
        case _:
            reasons = [f"HTTP {response.status_code} {response.reason_phrase}"]
    retry = response.headers.get("Retry-After")
    if response.status_code in (429, 503) and retry:
        reasons[-1] += f" (retry after {retry} s)"
    return reasons


class ApiClient:
    """Calls on one web app, as one signed-in person (bearer token) or one integration
    (``X-API-Key``), or anonymously (sign-in)."""

    def __init__(self, base_url: str, *, headers: Mapping[str, str] | None = None,
                 unauthorized: str | None = None) -> None:
        """``unauthorized``: the reason to give for a 401 instead of the API's, e.g. how to
        sign in again."""
        self.base_url = base_url.rstrip("/")
        self._unauthorized = unauthorized
        self._http = httpx.Client(base_url=self.base_url, headers=dict(headers or {}),
                                  timeout=TIMEOUT)

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def answer(self, method: str, path: str, *, json: Any = None,
               data: Mapping[str, str] | None = None,
               params: Mapping[str, str | int | bool] | None = None) -> httpx.Response:
        """The API's successful answer; ``ApiError`` for a refusal, ``ApiUnreachable`` when
        the web app does not answer."""
        try:
            response = self._http.request(method, path, json=json, data=data, params=params)
        except httpx.TransportError as e:
            raise ApiUnreachable(f"{type(e).__name__}: {e}") from e
        if response.is_success:
            return response
        if response.status_code == 401 and self._unauthorized:
            raise ApiError(401, [self._unauthorized])
        raise ApiError(response.status_code, reasons_of(response))

    def get(self, path: str, **params: str | int | bool | None) -> Any:
        """GET with the given query parameters (None ones left out), as JSON."""
        given = {k: v for k, v in params.items() if v is not None}
        return self.answer("GET", path, params=given).json()

    def post(self, path: str, json: Any = None) -> Any:
        return self.answer("POST", path, json=json).json()
