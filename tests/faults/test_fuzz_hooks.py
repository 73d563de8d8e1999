"""The fuzzing hooks make every valid report schemathesis sends one the intake accepts, in each
phase that sends one: the examples (which only ``before_add_examples`` sees), the coverage and
the fuzzing phases. Run by schemathesis's own pytest plugin on the app's document, so the
hooks reach the cases by the roads the CLI run of ``faults.fuzzing`` uses."""

from typing import Any

import schemathesis
from hypothesis import settings
from schemathesis import Case

import faults.fuzz_hooks  # noqa: F401  (registers the hooks, as schemathesis.toml does)
from cases.intake import parse_report
from ombudsflow.config import get_settings
from web.app import create_app

reports = schemathesis.openapi.from_dict(create_app(get_settings()).openapi()).include(
    method="POST", path="/api/v1/reports")


@reports.parametrize()
@settings(max_examples=10, deadline=None)
def test_every_valid_report_schemathesis_sends_is_accepted_by_the_intake(case: Case[Any]) -> None:
    assert case.meta is not None
    if case.meta.generation.mode.is_positive:
        assert isinstance(case.body, dict)
        parse_report(case.body)
