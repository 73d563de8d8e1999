"""The benchmarks still run and still produce every figure: ``python -m bench --smoke`` with
tiny sizes. Timing is never asserted here; the figures are for people to read."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# A part of some figure's name for each benchmark.
EXPECTED = (
    "call: a projection", "call: an outbox reservation", "call: an audit row",
    "call: a notice's mail", "replay", "history events", "activity results to replay",
    "bare workflow throughput",
    "case / bare throughput",
    "report → ¶10.1 notices", "API POST /reports", "board, national", "inbox",
    "all settled", "urgent report", "escalations to supervisors", "worker memory",
    "server database",
)


@pytest.mark.timeout(900)  # past the run's own 600 s bound, so that bound reports first
def test_every_benchmark_produces_its_figures(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    figures = json.loads(output.read_text())
    names = [f["name"] for f in figures]
    missing = [part for part in EXPECTED if not any(part in name for name in names)]
    assert not missing, f"no figure for {missing}; got {names}"
    assert all(isinstance(f["value"], int | float) and f["value"] >= 0 for f in figures)
    assert "| figure" in run.stdout
