"""Task forms built from each outcome model's JSON schema, and the way back: the form's values
to an outcome, and pydantic's or the workflow's complaint to the input it is about.

Inputs are named by their path in the outcome (``talks.1.held_at``), the path pydantic reports
in an error's ``loc``, so an error finds its input without a lookup table. A list is a fixed
number of repeated rows (``renumbered`` drops the rows a reader ticked to remove); blank rows
are dropped, and ``Submitted.positions`` maps the positions left in the outcome back to the
rows on the form.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from web.dates import iso_moment_or_typed, iso_or_typed, shown_day, shown_moment
from web.i18n import Translator

LIST_ROWS = 3
# Rows a list may show, unless its model accepts more (the ¶6.1 plan: 200); a crafted form
# asks for no more.
MAX_ROWS = 50
LONG_TEXT = 500  # strings allowed to be longer than this get a textarea
CHOICE_ERRORS = frozenset({"enum", "bool_parsing", "bool_type", "int_parsing", "literal_error"})

FormValues = Mapping[str, Sequence[str]]


class Widget(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"  # typed as dd.mm.yyyy (web.dates)
    DATETIME = "moment"  # typed as dd.mm.yyyy hh:mm on Kazakhstan's clock (web.dates)
    NUMBER = "number"
    SELECT = "select"  # options are (value, locale key)
    YES_NO = "yes_no"
    CHECKBOXES = "checkboxes"  # options are (value, text shown as is)


@dataclass(frozen=True)
class Input:
    name: str  # the model's field: its label is ``field.<name>``
    path: str  # the input's name on the form, and the error path
    widget: Widget
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class Row:
    path: str
    number: int
    inputs: tuple[Input, ...]


@dataclass(frozen=True)
class Repeated:
    """A list: of sub-objects (a fieldset per row) or of strings (an input per row)."""

    name: str
    path: str
    rows: tuple[Row, ...]
    required: bool
    of_objects: bool


Field = Input | Repeated


@dataclass(frozen=True)
class Form:
    fields: list[Field]
    paths: frozenset[str]  # every input, row and list on the form: where an error can show


@dataclass
class Submitted:
    outcome: dict[str, Any]
    positions: dict[str, str] = field(default_factory=dict)  # "talks.0" → "talks.2"


def build_form(model: type[BaseModel], *, rows: int = LIST_ROWS,
               choices: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> Form:
    """The inputs for ``model``; ``choices`` gives the options of lists of integers."""
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    rows = max(rows, LIST_ROWS)
    fields: list[Field] = []
    for name, prop in schema["properties"].items():
        prop = _resolved(prop, defs)
        if prop.get("type") != "array":
            fields.append(_input(name, name, prop, name in schema.get("required", ())))
            continue
        item = _resolved(prop["items"], defs)
        if item.get("type") == "integer":
            fields.append(Input(name, name, Widget.CHECKBOXES, False,
                                tuple((choices or {}).get(name, ()))))
            continue
        of_objects = item.get("type") == "object"
        fields.append(Repeated(
            name, name,
            tuple(Row(f"{name}.{i}", i + 1,
                      _inputs(item, defs, f"{name}.{i}.") if of_objects
                      else (_input(name, f"{name}.{i}", item, True),))
                  for i in range(min(rows, max(prop.get("maxItems", 0), MAX_ROWS)))),
            required=prop.get("minItems", 0) > 0, of_objects=of_objects,
        ))
    return Form(fields, frozenset(_paths(fields)))


def rows_in_values(values: FormValues) -> int:
    """How many rows a submitted form had (its highest row number)."""
    return max((int(part) + 1 for key in values for part in key.split(".") if part.isdigit()),
               default=0)


def renumbered(values: FormValues, removed: set[int]) -> dict[str, list[str]]:
    """``values`` without the rows numbered in ``removed`` (counted from 0, of every list),
    the rows after them moved up: ``items.3.activity`` is ``items.2.activity`` once row 1 is
    gone. Other inputs are kept as they are."""
    kept: dict[str, list[str]] = {}
    for key, value in values.items():
        parts = key.split(".")
        if len(parts) < 2 or not parts[1].isdigit():
            kept[key] = list(value)
            continue
        row = int(parts[1])
        if row not in removed:
            parts[1] = str(row - sum(1 for r in removed if r < row))
            kept[".".join(parts)] = list(value)
    return kept


def rows_in_outcome(outcome: Mapping[str, Any]) -> int:
    return max((len(v) for v in outcome.values() if isinstance(v, list)), default=0)


def read_form(form: Form, values: FormValues) -> Submitted:
    """The outcome the form's values describe; blank inputs and blank rows are left out."""
    submitted = Submitted(outcome={})
    for f in form.fields:
        if isinstance(f, Input):
            if f.widget == Widget.CHECKBOXES:
                submitted.outcome[f.name] = [int(v) if v.isdigit() else v
                                             for v in values.get(f.path, ())]
            elif (value := _read(f, values)) is not None:
                submitted.outcome[f.name] = value
            continue
        items: list[Any] = []
        for row in f.rows:
            item = {i.name: v for i in row.inputs if (v := _read(i, values)) is not None}
            if item:
                submitted.positions[f"{f.path}.{len(items)}"] = row.path
                items.append(item if f.of_objects else item[f.name])
        submitted.outcome[f.name] = items
    return submitted


def form_values(form: Form, outcome: Mapping[str, Any]) -> dict[str, list[str]]:
    """An outcome as the form shows it: to fill in a draft again after it was sent back."""
    values: dict[str, list[str]] = {}
    for f in form.fields:
        data = outcome.get(f.name)
        if isinstance(f, Repeated):
            for row, item in zip(f.rows, data or [], strict=False):
                for i in row.inputs:
                    values[i.path] = [_shown(i, item.get(i.name) if f.of_objects else item)]
        elif f.widget == Widget.CHECKBOXES:
            values[f.path] = [str(v) for v in data or []]
        else:
            values[f.path] = [_shown(f, data)]
    return values


def invalid_fields(form: Form, submitted: Submitted, error: ValidationError, t: Translator,
                   *, under: str = "outcome") -> dict[str, list[str]]:
    """pydantic's complaints about an outcome (the model's field ``under``; "": the model
    validated is the form's), by the path of the input each is about ("" for the form as a
    whole), in the reader's language where we know the kind."""
    def on_form(path: list[str]) -> str:
        inside = path[1:] if path[:1] == [under] else [] if under else path
        return _on_form(form, submitted, ".".join(inside))
    return complaints(error, t, on_form)


def complaints(error: ValidationError, t: Translator, place: Callable[[list[str]], str]
               ) -> dict[str, list[str]]:
    """pydantic's complaints in the reader's language, by the input ``place`` finds for the
    path each is about ("" for the form as a whole): what every form shows next to its
    inputs, the generated task forms and the hand-written ones alike."""
    found: dict[str, list[str]] = {}
    for e in error.errors():
        found.setdefault(place(error_path(e)), []).append(_message(e, t))
    return found


def error_path(error: ErrorDetails) -> list[str]:
    """Where an error is: its ``loc``, and below it the field a rule across fields names as
    the one to change (``ctx["field"]``, e.g. the appeal's ``child.birth_date``)."""
    named = str(error.get("ctx", {}).get("field", ""))
    return [str(part) for part in error["loc"]] + (named.split(".") if named else [])


def refused_fields(form: Form, reason: str) -> dict[str, list[str]]:
    """A workflow validator's refusal by input: it names its field first
    (``talks[].held_at: before the report was received``); else the form's."""
    named, colon, why = reason.partition(": ")
    path = named.split("[]")[0]
    return {path: [why]} if colon and path in form.paths else {"": [reason]}


def _on_form(form: Form, submitted: Submitted, path: str) -> str:
    """The nearest input, row or list on the form for an error at ``path`` of the outcome."""
    parts = path.split(".")
    moved = submitted.positions.get(".".join(parts[:2]))
    if moved is not None:
        parts[:2] = moved.split(".")
    while parts and ".".join(parts) not in form.paths:
        parts.pop()
    return ".".join(parts)


def _message(error: ErrorDetails, t: Translator) -> str:
    kind = error["type"]
    if kind.startswith("datetime") or kind == "timezone_aware":
        key = "error.datetime"
    elif kind.startswith("date"):
        key = "error.date"
    elif kind in CHOICE_ERRORS:
        key = "error.choice"
    else:
        key = f"error.{kind}"
    # A field's own wording first (an e-mail's or a phone's pattern), else the kind's.
    field = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    key = next((k for k in (f"{key}.{field}", key) if t.has(k)), key)
    if t.has(key):
        return t(key, **error.get("ctx", {}))
    # A clause's own rule (a model validator): its message cites the clause.
    return error["msg"].removeprefix("Value error, ")


def _resolved(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``prop`` with a ``$ref`` followed and ``X | None`` reduced to ``X``."""
    if "$ref" in prop:
        rest = {k: v for k, v in prop.items() if k != "$ref"}
        return {**defs[prop["$ref"].rsplit("/", 1)[1]], **rest}
    options = [p for p in prop.get("anyOf", ()) if p.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in prop.items() if k != "anyOf"}
        return {**_resolved(options[0], defs), **rest}
    return prop


def _inputs(schema: dict[str, Any], defs: dict[str, Any], prefix: str) -> tuple[Input, ...]:
    required = set(schema.get("required", ()))
    return tuple(_input(name, prefix + name, _resolved(p, defs), name in required)
                 for name, p in schema["properties"].items())


def _input(name: str, path: str, prop: dict[str, Any], required: bool) -> Input:
    if "enum" in prop:
        options = tuple((v, f"{prop['title']}.{v}") for v in prop["enum"])
        return Input(name, path, Widget.SELECT, required, options)
    if prop.get("type") == "boolean":
        return Input(name, path, Widget.YES_NO, required)
    if prop.get("type") == "integer":
        return Input(name, path, Widget.NUMBER, required)
    if prop.get("type") != "string":
        raise ValueError(f"no form input for {path}: {prop}")
    widget = {"date": Widget.DATE, "date-time": Widget.DATETIME}.get(prop.get("format", ""))
    longest = prop.get("maxLength")
    if widget is None:
        widget = Widget.TEXTAREA if longest and longest > LONG_TEXT else Widget.TEXT
    return Input(name, path, widget, required, max_length=longest)


def _paths(fields: list[Field]) -> list[str]:
    paths: list[str] = []
    for f in fields:
        paths.append(f.path)
        if isinstance(f, Repeated):
            for row in f.rows:
                paths += [row.path, *(i.path for i in row.inputs)]
    return paths


def _read(i: Input, values: FormValues) -> Any:
    """One input's value for the outcome; None when left blank."""
    raw = next(iter(values.get(i.path, ())), "").strip()
    if not raw:
        return None
    if i.widget == Widget.YES_NO:
        return {"true": True, "false": False}.get(raw, raw)
    if i.widget == Widget.DATE:
        return iso_or_typed(raw)  # pydantic names anything else's problem (error.date)
    if i.widget == Widget.DATETIME:
        return iso_moment_or_typed(raw)  # pydantic names anything else's problem
    return raw


def _shown(i: Input, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if i.widget == Widget.DATETIME:
        return shown_moment(datetime.fromisoformat(value))
    if i.widget == Widget.DATE:
        return shown_day(date.fromisoformat(value))
    return str(value)
