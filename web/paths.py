"""The identifiers in paths, each format defined once and used twice: the routing table
matches it (a Starlette path convertor, ``{case_id:case_number}``) and the OpenAPI document
describes it (the parameter's pattern). Routing by format means a literal segment beside an
id (``/appeals/register`` beside ``/appeals/{appeal_id:appeal_number}``) is never taken for
an id: another method on it is a 405, not an id's 422, and a path whose id has no such format
names no resource, a 404 (web.routing)."""

import re
from typing import ClassVar

from starlette.convertors import Convertor, register_url_convertor

from schemas.appeal import APPEAL_NUMBER
from schemas.reporting import REPORT_ID
from schemas.webhooks import SUBSCRIPTION_ID


class IdFormat(Convertor[str]):
    """A path segment of one format, kept as the string it is."""

    description: ClassVar[str]

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        if not re.fullmatch(self.regex, value):
            raise ValueError(f"{value!r} is not {self.description}")
        return value

    @classmethod
    def pattern(cls) -> str:
        return f"^{cls.regex}$"


def id_format(name: str, regex: str, description: str) -> type[IdFormat]:
    """The format ``regex``, registered as the path convertor ``name``."""
    kind = type(name, (IdFormat,), {"regex": regex, "description": description})
    register_url_convertor(name, kind())
    return kind


CaseNumber = id_format("case_number", r"[A-Z]{3}-\d{4}-\d{6,}", "a case number")
AppealNumber = id_format("appeal_number", APPEAL_NUMBER.removeprefix("^").removesuffix("$"),
                         "an appeal number")
TaskKeyFormat = id_format("task_key", r"[a-z0-9_.\-]+", "a step key")
ReportName = id_format("report_id", REPORT_ID.removeprefix("^").removesuffix("$"),
                       "an activity report's id")
# What the API's task calls name: a case, or a periodic report (appeals have their own).
TaskOwner = id_format("task_owner", f"(?:{CaseNumber.regex}|{ReportName.regex})",
                      "a case number or an activity report's id")
# Where a page serves all three (a task's form).
WorkNumber = id_format("work_number",
                       rf"(?:[A-Z]{{3}}-(?:A-)?\d{{4}}-\d{{6,}}|{ReportName.regex})",
                       "a case or an appeal number, or an activity report's id")
SubscriptionName = id_format("subscription", SUBSCRIPTION_ID, "a subscription id")

