"""A measured figure, its target, and the table they are printed in."""

import json
import statistics
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Goal(StrEnum):
    AT_MOST = "<"
    AT_LEAST = "≥"


@dataclass(frozen=True)
class Figure:
    """One number a benchmark produced. Without a target it is context (e.g. a rate)."""

    name: str
    value: float
    unit: str
    target: float | None = None
    goal: Goal = Goal.AT_MOST

    @property
    def ratio(self) -> float | None:
        """How far the value is past its target: ≥ 1 meets it, whichever way it points."""
        if self.target is None:
            return None
        if self.goal == Goal.AT_LEAST:
            return self.value / self.target
        return self.target / self.value if self.value > 0 else float("inf")


def percentiles(samples: Sequence[float], name: str, unit: str = "ms",
                targets: dict[int, float] | None = None) -> list[Figure]:
    """p50, p90 and p99 of ``samples`` (seconds), in milliseconds; none without samples."""
    if not samples:
        return []
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 \
        else [samples[0]] * 99
    targets = targets or {}
    return [Figure(f"{name} p{p}", cuts[p - 1] * 1000, unit, targets.get(p))
            for p in (50, 90, 99)]


def table(figures: Iterable[Figure], before: Mapping[str, float] | None = None) -> str:
    """The figures as an aligned text table (also valid Markdown); with ``before`` (values
    by figure name, from an earlier run), a column of those values beside today's."""
    rows = [("figure", "value", *(("before",) if before is not None else ()), "target",
             "ratio", "")]
    for f in figures:
        target = "" if f.target is None else f"{f.goal.value} {_number(f.target)} {f.unit}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        met = "" if f.ratio is None else ("ok" if f.ratio >= 1 else "MISSED")
        earlier = () if before is None else (
            f"{_number(before[f.name])} {f.unit}" if f.name in before else "",)
        rows.append((f.name, f"{_number(f.value)} {f.unit}", *earlier, target, ratio, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def read_before(path: Path) -> dict[str, float]:
    """The values of an earlier run's ``--json`` file, by figure name."""
    return {f["name"]: f["value"] for f in json.loads(path.read_text())}


def write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _number(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"
