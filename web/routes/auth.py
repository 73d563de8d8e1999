"""Sign-in for people: the OAuth2 password flow, answered with a short-lived bearer token."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from web.actions import sign_in
from web.deps import ServicesDep
from web.ratelimit import enforce, limits_of
from web.refuses import refuses
from web.security import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


@router.post("/token", responses={401: {"description": "wrong user name or password"},
                                  429: {"description": "too many attempts; see Retry-After"}})
@refuses(401)
async def issue_access_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: ServicesDep, request: Request
) -> AccessToken:
    """Exchange a user name and password for a bearer token."""
    enforce(limits_of(request).sign_ins, form.username, "sign-in attempts for this user")
    user = await sign_in(svc, form.username, form.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return AccessToken(access_token=issue_token(svc.settings, user.id),
                       expires_in=svc.settings.token_minutes * 60)
