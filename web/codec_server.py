"""The codec server for the Temporal Web UI (Temporal's remote codec protocol).

``POST /codec/decode`` opens encrypted payloads for a signed-in case worker or supervisor, and
only those sealed for a case of their region (national supervisors: every case); encrypted
payloads not bound to a case open for national supervisors only; a payload whose case label was
changed fails authentication and is refused. Unencrypted payloads come back unchanged. Every
decode of encrypted payloads leaves an audit row. ``POST /codec/encode`` seals payloads the UI
sends (e.g. a query's arguments). The web app serves the Temporal UI on its own origin
(web/temporal_ui.py), so the UI's calls carry the session cookie and no CORS is needed.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from google.protobuf.json_format import MessageToDict, ParseDict
from pydantic import BaseModel, ConfigDict, Field
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from ombudsflow.codec import ENCODING, PayloadDecryptionError, case_of
from schemas.case import Actor
from schemas.regions import Region
from schemas.steps import Role
from store.audit import Access, record_access
from web.deps import Services, ServicesDep, in_store, require_role

router = APIRouter(prefix="/codec", tags=["codec"])
Reader = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]


# Padded standard base64, as Temporal's protobuf JSON writes bytes: what the protobuf parser
# decodes, so every body the document allows is one ``_parse`` accepts.
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
Base64 = Annotated[str, Field(pattern=BASE64)]


class JsonPayload(BaseModel):
    """A Temporal payload in protobuf's JSON form; an empty field is left out, as there."""

    model_config = ConfigDict(extra="forbid")

    metadata: dict[str, Base64] = Field(default_factory=dict,
                                        description="metadata values, base64")
    data: Base64 = Field(default="", description="the payload's bytes, base64")


class Payloads(BaseModel):
    """``{"payloads": [{"metadata": {name: base64}, "data": base64}]}``."""

    model_config = ConfigDict(extra="forbid")

    payloads: list[JsonPayload]


def _codec(svc: Services) -> PayloadCodec:
    """The codec of the app's own Temporal client: the same keys the workers use."""
    codec = svc.client.data_converter.payload_codec
    if codec is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "payload encryption is not configured on this server")
    return codec


def _parse(body: Payloads) -> list[Payload]:
    try:
        return [ParseDict(p.model_dump(exclude_unset=True), Payload()) for p in body.payloads]
    except Exception as e:  # the protobuf JSON parser raises its own ParseError family
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"payloads: not Temporal JSON payloads ({e})") from e


def _dump(payloads: list[Payload]) -> Payloads:
    return Payloads.model_validate({"payloads": [MessageToDict(p) for p in payloads]})


def _sealed(payloads: list[Payload]) -> list[Payload]:
    """The encrypted payloads. The others hold nothing to protect: whoever sees the workflow
    sees them as they are."""
    return [p for p in payloads if p.metadata.get("encoding") == ENCODING]


def _cases_allowed(user: Actor, sealed: list[Payload]) -> set[str]:
    """The case numbers the payloads were sealed for; 403 if any is not the user's."""
    cases = {case_of(p) for p in sealed}
    for case_id in cases:
        region = Region.of_case(case_id) if case_id else None
        if user.region is not None and region != user.region:
            what = f"case {case_id}" if case_id else "a payload not bound to a case"
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"{user.id} acts for {user.region}; may not decode {what}")
    return {c for c in cases if c}


@router.post("/decode", response_model=Payloads, response_model_exclude_unset=True)
async def decode(body: Payloads, user: Reader, svc: ServicesDep, request: Request) -> Payloads:
    """Open payloads for the Temporal UI, for those entitled to the case."""
    payloads = _parse(body)
    sealed = _sealed(payloads)
    if not sealed:
        return _dump(payloads)  # nothing to open
    cases = _cases_allowed(user, sealed)
    try:
        opened = await _codec(svc).decode(payloads)
    except PayloadDecryptionError as e:  # a relabelled or corrupted payload, or a lost key
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"payloads: {e}") from e
    source = request.client.host if request.client else ""

    targets: list[str | None] = [*sorted(cases)] or [None]

    def audit(session: Any) -> None:
        for case_id in targets:
            record_access(session, Access(actor=user, case_id=case_id, action="decode payloads",
                                          source=source, result=status.HTTP_200_OK))

    await in_store(svc.engine, audit)
    return _dump(opened)


@router.post("/encode", response_model=Payloads, response_model_exclude_unset=True)
async def encode(body: Payloads, user: Reader, svc: ServicesDep) -> Payloads:
    """Seal payloads the Temporal UI sends."""
    return _dump(await _codec(svc).encode(_parse(body)))

