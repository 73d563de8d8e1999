"""Text stripped before its length is checked, said in JSON Schema too.

Models with ``str_strip_whitespace`` strip a text (pydantic-core trims Unicode White_Space)
before ``min_length`` counts it, while JSON Schema's ``minLength`` counts the text as sent: by
the document alone "  x" would be a valid two-character name. ``stripped_lengths``, a model's
``json_schema_extra``, adds to each such property a pattern saying what is checked, so a
client, or schemathesis generating valid input, reads the same rule the API applies.
"""

from typing import Any

# Unicode White_Space: what pydantic-core's strip removes (not \x1c-\x1f, unlike str.strip).
_SPACE = r"\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def stripped_lengths(schema: dict[str, Any]) -> None:
    """Give each text property with a minimum length a pattern: that many characters from the
    first to the last that is not white space."""
    for prop in schema.get("properties", {}).values():
        for text in (prop, *prop.get("anyOf", ())):
            least = text.get("minLength", 0) if text.get("type") == "string" else 0
            if least:
                text.setdefault("allOf", []).append({"pattern": _at_least(least)})


def _at_least(characters: int) -> str:
    solid = f"[^{_SPACE}]"
    if characters == 1:
        return solid
    return f"{solid}[\\s\\S]{{{characters - 2},}}{solid}"
