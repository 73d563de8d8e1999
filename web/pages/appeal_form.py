"""The operator's form for walk-in, written and telephone appeals (APPC art. 64: every appeal
is accepted, never refused): the same contract and intake as the API's, taken by the person
signed in, the child and the violation too when the appeal reports one (a ¶10 case then
opens at once). A refused field is shown next to its input, in the reader's language, and
every value kept; the form carries its own reference, so sending it twice registers one
appeal."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import ValidationError

from cases.appeals import parse_appeal, submit_appeal
from ombudsflow.local_time import LOCAL_TIME
from schemas.appeal import AppealKind, ApplicantRelation, Language
from schemas.case import Actor
from schemas.regions import Region
from schemas.report import Category, Relation, Sex
from schemas.steps import Role
from web.dates import iso_moment_or_typed, iso_or_typed, shown_moment
from web.deps import ServicesDep, ensure_covers, require_role
from web.pages.forms import complaints
from web.pages.render import redirect, render, translator
from web.pages.route import PageRoute
from web.pages.security import CSRF_FIELD, CsrfChecked
from web.routes.appeals import OFFICE_CHANNELS

router = APIRouter(route_class=PageRoute)
Person = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]
TEXT_FIELDS = ("name", "email", "phone", "address")
CHILD_FIELDS = ("child_name", "child_birth_date", "child_sex")
# The form's input (or fieldset) for each field of the intake contract ``appeal_of`` fills:
# where a refusal of that field is shown. A field not here is shown on its part's fieldset.
INPUTS = {
    "kind": "kind", "channel": "channel", "received_at": "received_at", "region": "region",
    "district": "district", "body": "body", "official": "official", "substance": "substance",
    "attachments": "attachments", "applicant": "applicant", "child": "child",
    "violation": "violation", "child.full_name": "child_name",
    "child.birth_date": "child_birth_date", "child.sex": "child_sex",
    "violation.category": "category", "violation.alleged_violators": "violator",
    **{f"applicant.{k}": k for k in (*TEXT_FIELDS, "relation", "language")},
}


def choices(user: Actor) -> dict[str, Any]:
    """What the form offers: the kinds, the office's channels, relations, languages, and the
    regions the person registers for (their own; every one for the Committee)."""
    return {"kinds": list(AppealKind), "channels": list(OFFICE_CHANNELS),
            "relations": list(ApplicantRelation), "languages": list(Language),
            "regions": [user.region] if user.region else list(Region),
            "sexes": list(Sex), "categories": list(Category), "violators": list(Relation)}


def appeal_of(values: dict[str, str]) -> dict[str, Any]:
    """The form's values as the intake contract (blank fields left out)."""
    anonymous = values.get("anonymous") == "on"
    applicant: dict[str, Any] = {"anonymous": anonymous, "language": values.get("language")}
    if not anonymous:
        applicant |= {k: values[k] for k in TEXT_FIELDS if values.get(k)}
        if values.get("relation"):
            applicant["relation"] = values["relation"]
    when = iso_moment_or_typed(values.get("received_at") or "")
    appeal: dict[str, Any] = {
        "kind": values.get("kind"), "channel": values.get("channel"),
        "external_ref": values.get("reference"), "received_at": when,
        "region": values.get("region"), "district": values.get("district"),
        "applicant": applicant, "substance": values.get("substance", ""),
        "attachments": [line.strip() for line in values.get("attachments", "").splitlines()
                        if line.strip()],
    }
    appeal |= {k: values[k] for k in ("body", "official") if values.get(k)}
    if any(values.get(k) for k in CHILD_FIELDS):
        appeal["child"] = {"full_name": values.get("child_name"),
                           "birth_date": iso_or_typed(values.get("child_birth_date") or ""),
                           "sex": values.get("child_sex")}
    if values.get("violation") == "on":  # the ¶10 case needs the child too (the contract's check)
        appeal["violation"] = {
            "category": values.get("category"),
            "threat_to_life_or_health": values.get("threat") == "on",
            "alleged_violators": [{"relation": values.get("violator"),
                                   "lives_with_child": values.get("lives_with_child") == "on"}],
        }
    return appeal


def input_of(path: list[str]) -> str:
    """The input a refusal at ``path`` of the contract is shown next to ("" the form's)."""
    while path and ".".join(path) not in INPUTS:
        path = path[:-1]
    return INPUTS[".".join(path)] if path else ""


@router.get("/appeals/new")
async def show_appeal_form(request: Request, svc: ServicesDep, user: Person) -> Response:
    now = datetime.now(UTC).astimezone(LOCAL_TIME)
    values = {"reference": f"office/{uuid.uuid4()}", "received_at": shown_moment(now),
              "region": (user.region or Region.ASTANA).value, "language": Language.RU.value}
    return render(request, "appeal_new.html", user=user, values=values, errors={},
                  districts=svc.districts, **choices(user))


@router.post("/appeals/new")
async def register_from_form(request: Request, svc: ServicesDep, user: Person,
                             _: CsrfChecked) -> Response:
    posted = await request.form()
    values = {k: v for k, v in posted.items() if isinstance(v, str) and k != CSRF_FIELD}
    try:
        appeal = parse_appeal(appeal_of(values), districts=svc.districts)
    except ValidationError as e:
        return render(request, "appeal_new.html", user=user, values=values,
                      errors=complaints(e, translator(request), input_of),
                      districts=svc.districts,
                      status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, **choices(user))
    ensure_covers(user, appeal.region)
    submitted = await submit_appeal(svc.client, svc.engine, appeal, taken_by=user.id,
                                    secret=svc.settings.repeat_secret,
                                    task_queue=svc.settings.task_queue)
    return redirect(f"/appeals/{submitted.appeal_id}")
