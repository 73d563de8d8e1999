"""A stripped text's documented pattern accepts exactly what the model accepts, so schemathesis
(or a client) reading /openapi.json sends no "valid" name that is white space around a letter."""

import re

import pytest
from pydantic import ValidationError

from schemas.report import Child

TEXTS = ["Aru", " Aru ", "A", " A ", "A B", "\u2000A\u3000", "\x1cA", "A\x85", "\tAB\n"]


@pytest.mark.parametrize("name", TEXTS)
def test_a_names_pattern_agrees_with_its_validation(name: str) -> None:
    schema = Child.model_json_schema()["properties"]["full_name"]
    documented = all(re.search(p["pattern"], name) for p in schema["allOf"])
    try:
        Child(full_name=name, birth_date="2014-03-09", sex="female")
    except ValidationError:
        accepted = False
    else:
        accepted = True

    assert documented == accepted
