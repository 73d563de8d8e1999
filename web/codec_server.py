"""The codec server for the Temporal Web UI (Temporal's remote codec protocol).

``POST /codec/decode`` opens encrypted payloads for a signed-in case worker or supervisor, and
only those sealed for a case of their region (national supervisors: every case); payloads not
bound to a case open for national supervisors only. Every decode leaves an audit row.
``POST /codec/encode`` seals payloads the UI sends (e.g. a signal's input). CORS admits the
Temporal UI's origin only.
"""

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf.json_format import MessageToDict, ParseDict
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from ombudsflow.codec import case_of
from ombudsflow.config import Settings
from schemas.case import Actor
from schemas.regions import Region
from schemas.steps import Role
from store.audit import Access, record_access
from web.deps import Services, ServicesDep, in_store, require_role

router = APIRouter(prefix="/codec", tags=["codec"])
Reader = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]


class Payloads(BaseModel):
    """``{"payloads": [{"metadata": {name: base64}, "data": base64}]}``."""

    payloads: list[dict[str, Any]]


def _codec(svc: Services) -> PayloadCodec:
    """The codec of the app's own Temporal client: the same keys the workers use."""
    codec = svc.client.data_converter.payload_codec
    if codec is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "payload encryption is not configured on this server")
    return codec


def _parse(body: Payloads) -> list[Payload]:
    try:
        return [ParseDict(p, Payload()) for p in body.payloads]
    except Exception as e:  # the protobuf JSON parser raises its own ParseError family
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"payloads: not Temporal JSON payloads ({e})") from e


def _dump(payloads: list[Payload]) -> Payloads:
    return Payloads(payloads=[MessageToDict(p) for p in payloads])


def _cases_allowed(user: Actor, payloads: list[Payload]) -> set[str]:
    """The case numbers the payloads were sealed for; 403 if any is not the user's."""
    cases = {case_of(p) for p in payloads}
    for case_id in cases:
        region = Region.of_case(case_id) if case_id else None
        if user.region is not None and region != user.region:
            what = f"case {case_id}" if case_id else "a payload not bound to a case"
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"{user.id} acts for {user.region}; may not decode {what}")
    return {c for c in cases if c}


@router.post("/decode", response_model=Payloads)
async def decode(body: Payloads, user: Reader, svc: ServicesDep, request: Request) -> Payloads:
    """Open payloads for the Temporal UI, for those entitled to the case."""
    payloads = _parse(body)
    cases = _cases_allowed(user, payloads)
    opened = await _codec(svc).decode(payloads)
    source = request.client.host if request.client else ""

    targets: list[str | None] = [*sorted(cases)] or [None]

    def audit(session: Any) -> None:
        for case_id in targets:
            record_access(session, Access(actor=user, case_id=case_id, action="decode payloads",
                                          source=source, result=status.HTTP_200_OK))

    await in_store(svc.engine, audit)
    return _dump(opened)


@router.post("/encode", response_model=Payloads)
async def encode(body: Payloads, user: Reader, svc: ServicesDep) -> Payloads:
    """Seal payloads the Temporal UI sends."""
    return _dump(await _codec(svc).encode(_parse(body)))


def allow_temporal_ui(app: FastAPI, settings: Settings) -> None:
    """CORS for the Temporal UI's origin, which calls the codec server from the browser."""
    ui = urlsplit(settings.temporal_ui_url)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[f"{ui.scheme}://{ui.netloc}"],
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
    )
