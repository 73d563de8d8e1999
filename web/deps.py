"""Request dependencies: the app's shared services and who is asking.

People authenticate with a bearer token (API) or the session cookie carrying the same token
(pages); integrations with ``X-API-Key``, scoped to uses and report channels.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from activities.districts import load_districts
from cases.client import CaseClient
from ombudsflow.config import Settings
from ombudsflow.credentials import api_key_matches, split_api_key
from schemas.case import Actor
from schemas.districts import Districts
from schemas.regions import Region
from schemas.steps import Role
from store.db import session_scope
from store.users import get_api_key, get_user
from web.paths import CaseNumber, TaskKeyFormat
from web.refuses import refuses
from web.security import read_token

SESSION_COOKIE = "ombudsflow_session"

# Identifiers in paths (their formats route, web.paths), bounded like the store's columns so an
# over-long one is a 422, not a 500.
CASE_NUMBER_CHARS, CASE_NUMBER_PATTERN = 32, CaseNumber.pattern()
CaseId = Annotated[str, Path(max_length=CASE_NUMBER_CHARS, pattern=CASE_NUMBER_PATTERN,
                             description="a case number, e.g. AKT-2026-000123")]
TaskKey = Annotated[str, Path(max_length=100, pattern=TaskKeyFormat.pattern(),
                              description="a step key, e.g. preventive_talk")]
T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    """Created once in the app's lifespan."""

    settings: Settings
    client: Client
    engine: Engine

    @property
    def cases(self) -> CaseClient:
        """The client of cases, with this app's update deadline."""
        return CaseClient(self.client, self.engine,
                          update_timeout=self.settings.update_timeout_seconds)

    @property
    def districts(self) -> Districts:
        """The district directory the settings name (read once per process)."""
        return load_districts(self.settings.districts_file)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


@refuses(503)
async def in_store(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run store work in a thread, in one committed transaction, off the event loop; an
    unreachable store is a 503 (web.errors)."""

    def run() -> T:
        with session_scope(engine) as session:
            return work(session)

    return await asyncio.to_thread(run)


_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
API_KEY_HEADER = "X-API-Key"
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)

UNAUTHENTICATED = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "sign in first: a valid bearer token or session is required",
    headers={"WWW-Authenticate": "Bearer"},
)


@refuses(401, 403)
async def current_user(
    request: Request, svc: ServicesDep, token: Annotated[str | None, Depends(_bearer)]
) -> Actor:
    """The signed-in person (never an integration)."""
    token = token or request.cookies.get(SESSION_COOKIE)
    if token is None and request.headers.get(API_KEY_HEADER):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "integration keys may not use this: it is for signed-in people")
    user_id = read_token(svc.settings, token) if token else None
    user = await in_store(svc.engine, lambda s: get_user(s, user_id)) if user_id else None
    if user is None:
        raise UNAUTHENTICATED
    actor = Actor(id=user.id, role=Role(user.role),
                  region=Region(user.region) if user.region else None)
    request.state.actor = actor  # for the audit trail (web/audit.py)
    request.state.language_on_file = user.language  # kept up to date by the pages
    return actor


UserDep = Annotated[Actor, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[Actor], Actor]:
    """A dependency admitting only people of ``roles``."""

    @refuses(403)
    def check(user: UserDep) -> Actor:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"a {user.role.value} may not do this; needs "
                                f"{' or '.join(r.value for r in roles)}")
        return user

    return check


@dataclass(frozen=True)
class Integration:
    """A system authenticated by API key; acts as an ``integration`` actor, never reads."""

    key_id: str
    name: str
    scopes: frozenset[str]
    channels: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(id=f"integration:{self.key_id}", role=Role.INTEGRATION, region=None)


def require_key(scope: str) -> Callable[..., object]:
    """A dependency admitting integrations whose key carries ``scope``."""

    @refuses(401, 403)
    async def check(request: Request, svc: ServicesDep,
                    presented: Annotated[str | None, Depends(_api_key)]) -> Integration:
        key_id = split_api_key(presented) if presented else None
        key = await in_store(svc.engine, lambda s: get_api_key(s, key_id)) if key_id else None
        if key is None or presented is None or not api_key_matches(key.secret_hash, presented):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                f"a valid {API_KEY_HEADER} header is required",
                                headers={"WWW-Authenticate": f'APIKey header="{API_KEY_HEADER}"'})
        scopes = frozenset(filter(None, key.scopes.split(",")))
        integration = Integration(key_id=key.id, name=key.name, scopes=scopes,
                                  channels=frozenset(filter(None, key.channels.split(","))))
        request.state.actor = integration.actor  # for the audit trail (web/audit.py)
        if scope not in scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this key may not {scope.replace('_', ' ')}")
        return integration

    return check


def regions_of(user: Actor) -> list[Region] | None:
    """The regions whose cases ``user`` may see: None means national scope."""
    return None if user.region is None else [user.region]


@refuses(403)
def ensure_covers(user: Actor, region: Region) -> None:
    if not user.covers(region):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{user.id} acts for {user.region}; this case belongs to {region}")
