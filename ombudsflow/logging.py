"""Logging for every entry point: structlog's recipe, with children's personal data masked.

structlog loggers and stdlib ``logging`` records (temporalio's own, ``workflow.logger``,
``activity.logger``) go through the same processors and the same renderer: JSON lines when
stderr is not a terminal, a readable console format when it is. Masking runs last before
rendering, so nothing reaches the output unmasked, whichever way it was logged.
"""

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import BaseModel
from structlog.stdlib import ProcessorFormatter
from structlog.typing import EventDict, Processor, WrappedLogger

# Field names whose values may identify a child or a reporter, wherever they are nested.
PERSONAL_KEYS = frozenset(
    {
        "full_name", "name", "iin", "birth_date", "address", "school", "child", "reporter",
        "phone", "email", "description", "report",
    }
)
REDACTED = "[redacted]"
# An IIN is 12 digits; any such run is masked, whatever field or sentence it hides in.
_IIN_SHAPE = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _mask(value: Any) -> Any:
    match value:
        case str():
            return _IIN_SHAPE.sub(REDACTED, value)
        case BaseModel():
            return _mask(value.model_dump(mode="json"))
        case Mapping():
            return {
                key: REDACTED if str(key).lower() in PERSONAL_KEYS else _mask(item)
                for key, item in value.items()
            }
        case list() | tuple() | set() | frozenset():
            return [_mask(item) for item in value]
        case _:
            return value


def mask_personal_data(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Replace personal fields (at any depth) and IIN-shaped digit runs with "[redacted]"."""
    masked: EventDict = _mask(event_dict)
    return masked


def configure_logging(level: str = "INFO", *, json: bool | None = None) -> None:
    """Route structlog and stdlib logging to stderr in one format.

    Call once at the start of a process; calling again replaces the earlier configuration
    rather than adding a second handler.
    """
    render_json = not sys.stderr.isatty() if json is None else json
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger bound before a reconfiguration (tests, or a worker that
        # configures late) would keep the old processors and could skip the masking.
        cache_logger_on_first_use=False,
    )
    renderer: Processor = (
        structlog.processors.JSONRenderer() if render_json else structlog.dev.ConsoleRenderer()
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        ProcessorFormatter(
            # Temporal's records carry workflow/activity ids in ``extra``: keep them.
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
            processors=[
                ProcessorFormatter.remove_processors_meta,
                structlog.processors.StackInfoRenderer(),
                # Tracebacks become text before masking, so they are masked too.
                structlog.processors.format_exc_info,
                mask_personal_data,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h.formatter, ProcessorFormatter)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level.upper())
